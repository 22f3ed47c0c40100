/*
 * optiga-perso sign --slot OID (--digest HEX | --in FILE) [--hash H]
 * [-o SIG]: a signature made by a key held in the chip.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"

#define SIGN_FILE_MAX	(64u << 20)
#define SIG_MAX		512

static const char sign_help[] =
"usage: optiga-perso sign --slot OID (--digest HEX | --in FILE)\n"
"                         [--hash sha256|sha384|sha512] [-o SIG]\n"
"\n"
"Sign with a key held by the chip.  Give the digest yourself (--digest)\n"
"or let the tool hash a file (--in, with --hash; default sha256).\n"
"ECDSA signatures come out as DER (ECDSA-Sig-Value), RSA signatures as\n"
"the raw PKCS#1 v1.5 signature.  Without -o the signature is printed as\n"
"hex.  An ECDSA digest longer than the curve is cut to its size, as\n"
"FIPS 186 says.  RSA needs a SHA-256, SHA-384 or SHA-512 digest.\n"
"\n"
"  -s, --slot OID     key slot, e.g. key1 (0xE0F1) or rsa1 (0xE0FC)\n"
"  -D, --digest HEX   the digest to sign\n"
"  -i, --in FILE      hash FILE on the host and sign the digest\n"
"  -H, --hash NAME    sha256, sha384 or sha512 (with --in)\n"
"  -o, --out FILE     write the signature (binary) to FILE\n"
"\n"
"Examples:\n"
"  optiga-perso sign --slot key1 --in firmware.bin -o fw.sig\n"
"  openssl pkeyutl -verify -pubin -inkey key1.pub.pem \\\n"
"      -in <(openssl dgst -sha256 -binary firmware.bin) -sigfile fw.sig\n"
"  optiga-perso sign --slot key1 --digest $(openssl rand -hex 32)\n";

static int
sign_hash_file(struct cli *cli, const char *path, const char *hash,
    uint8_t *md, size_t *mdlen)
{
	const EVP_MD *type;
	uint8_t *data = NULL;
	size_t len = 0;
	unsigned int n = 0;
	int rc;

	if (strcasecmp(hash, "sha256") == 0)
		type = EVP_sha256();
	else if (strcasecmp(hash, "sha384") == 0)
		type = EVP_sha384();
	else if (strcasecmp(hash, "sha512") == 0)
		type = EVP_sha512();
	else
		return cli_usage_error(cli, "'%s' is not a hash; use sha256, "
		    "sha384 or sha512", hash);

	if ((rc = op_file_read(path, SIGN_FILE_MAX, &data, &len)) != 0)
		return cli_as_usage(rc);
	if (EVP_Digest(data, len, md, &n, type, NULL) != 1)
		rc = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot hash %s", path);
	*mdlen = n;
	free(data);

	return rc;
}

/* The key's type from its metadata; by slot when the chip has none. */
static int
sign_key_type(struct chip *chip, uint16_t oid, bool *rsa,
    const struct chip_alg_info **ai)
{
	const struct chip_slot *s = chip_slot_by_oid(oid);
	struct chip_meta m;
	int rc;

	*ai = NULL;
	*rsa = s != NULL && s->rsa;
	if ((rc = chip_get_meta(chip, oid, &m)) != 0)
		return rc;
	if (m.has_alg && (*ai = chip_alg_by_id(m.alg)) != NULL)
		*rsa = (*ai)->rsa;

	return 0;
}

struct sign_args {
	const char *slot;
	const char *dhex;		/* --digest */
	const char *in;
	const char *hash;
	const char *out;
};

static int
sign_parse(struct cli *cli, int argc, char **argv, struct sign_args *a)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ "digest", required_argument, NULL, 'D' },
		{ "in", required_argument, NULL, 'i' },
		{ "hash", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "s:D:i:H:o:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			a->slot = optarg;
			break;
		case 'D':
			a->dhex = optarg;
			break;
		case 'i':
			a->in = optarg;
			break;
		case 'H':
			a->hash = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "unexpected '%s'", argv[optind]);
	if (a->slot == NULL || (a->dhex == NULL) == (a->in == NULL))
		return cli_usage_error(cli, "give --slot and either --digest "
		    "or --in, for example 'sign --slot key1 --in file'");
	if (a->hash != NULL && a->in == NULL)
		return cli_usage_error(cli, "--hash goes with --in; with "
		    "--digest the digest is already made");

	return 0;
}

/* The digest to sign: given in hex, or the hash of a file. */
static int
sign_digest(struct cli *cli, const struct sign_args *a, uint8_t *md,
    size_t *mdlen)
{
	int rc;

	if (a->dhex == NULL)
		return sign_hash_file(cli, a->in, a->hash ? a->hash :
		    "sha256", md, mdlen);
	if ((rc = op_hex_decode(a->dhex, md, 64, mdlen)) != 0)
		return cli_usage_error(cli, "--digest: %s", op_errmsg());
	if (*mdlen < 10)
		return cli_usage_error(cli, "--digest has %zu bytes; a digest "
		    "has 10 to 64", *mdlen);

	return 0;
}

int
cmd_sign(struct cli *cli, int argc, char **argv)
{
	const struct chip_alg_info *ai = NULL;
	struct chip *chip = NULL;
	struct sign_args a;
	uint8_t md[EVP_MAX_MD_SIZE + 8];
	uint8_t sig[SIG_MAX];
	size_t mdlen = 0, siglen = 0;
	bool rsa = false;
	uint16_t oid;
	char name[32];
	int rc;

	if (cli_help_requested(argc, argv, sign_help))
		return 0;
	if ((rc = sign_parse(cli, argc, argv, &a)) != 0 ||
	    (rc = cli_parse_oid(cli, a.slot, &oid)) != 0 ||
	    (rc = sign_digest(cli, &a, md, &mdlen)) != 0)
		return rc;
	cli_oid_str(oid, name, sizeof(name));

	if ((rc = cli_open_chip(cli, &chip)) != 0 ||
	    (rc = sign_key_type(chip, oid, &rsa, &ai)) != 0)
		goto fail;
	/* ECDSA uses the leftmost bits of a longer digest (FIPS 186-4) */
	if (!rsa && ai != NULL && mdlen > ai->scalar_len) {
		OP_DEBUG("cli", "digest cut from %zu to %zu bytes for %s",
		    mdlen, ai->scalar_len, ai->name);
		mdlen = ai->scalar_len;
	}

	if ((rc = chip_sign(chip, oid, rsa, md, mdlen, sig, sizeof(sig),
	    &siglen)) != 0)
		goto fail;
	if (a.out != NULL && (rc = cli_write_file(a.out, sig, siglen,
	    0644)) != 0)
		goto fail;

	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:o,s:s,s:o,s:o}", "ok", 1,
		    "slot", cli_json_oid(oid), "format", rsa ? "pkcs1" : "der",
		    "digest", cli_json_hex(md, mdlen), "signature",
		    cli_json_hex(sig, siglen));

		if (ai != NULL)
			json_object_set_new(doc, "algorithm",
			    json_string(ai->name));
		if (a.out != NULL)
			json_object_set_new(doc, "file", json_string(a.out));
		cli_print_json(doc);
	} else if (a.out == NULL) {
		cli_print_hex(sig, siglen);
	} else {
		cli_say(cli, "signed with %s; %zu-byte %s signature in %s\n",
		    name, siglen, rsa ? "RSA PKCS#1 v1.5" : "ECDSA DER", a.out);
	}

	rc = 0;
fail:
	chip_close(&chip);

	return rc;
}
