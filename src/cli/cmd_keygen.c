/*
 * optiga-perso keygen --slot OID --alg ALG [--usage LIST] [-o PUB.pem]:
 * a key pair generated inside the chip; only the public key comes out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "perso/perso.h"
#include "util/err.h"
#include "util/hex.h"

static const char keygen_help[] =
"usage: optiga-perso keygen --slot OID --alg ALG [--usage LIST]\n"
"                           [-o PUB.pem]\n"
"\n"
"Generate a key pair inside the chip.  The private key never leaves it;\n"
"the public key is printed as PEM, or written to PUB.pem.  Any key\n"
"already in the slot is replaced.\n"
"\n"
"  -s, --slot OID    key slot: ECC in 0xE0F1..0xE0F3 (key1..key3) or\n"
"                    0xE0F0 (key0, factory key, normally locked);\n"
"                    RSA in 0xE0FC, 0xE0FD (rsa1, rsa2)\n"
"  -a, --alg ALG     p256 p384 p521 bp256 bp384 bp512 rsa1024 rsa2048\n"
"                    (Trust X: p256 p384; Trust M V1: no p521, bp*)\n"
"  -u, --usage LIST  comma list of sign, auth, enc, keyagree\n"
"                    (default: sign,auth)\n"
"  -o, --out FILE    write the public key (PEM) to FILE\n"
"\n"
"Examples:\n"
"  optiga-perso keygen --slot key1 --alg p256 -o key1.pub.pem\n"
"  optiga-perso keygen --slot rsa1 --alg rsa2048 --usage sign,enc\n";

/* RSA only in the RSA slots, ECC only in the ECC slots. */
static int
keygen_check_slot(struct cli *cli, uint16_t oid,
    const struct chip_alg_info *ai)
{
	const struct chip_slot *s = chip_slot_by_oid(oid);
	char name[32];

	cli_oid_str(oid, name, sizeof(name));
	if (s == NULL || s->kind != CHIP_SLOT_KEY || oid == OID_AES_KEY)
		return cli_usage_error(cli, "%s is not a key slot; ECC keys go "
		    "in 0xE0F0..0xE0F3, RSA keys in 0xE0FC and 0xE0FD", name);
	if (ai->rsa && !s->rsa)
		return cli_usage_error(cli, "%s is an ECC slot; %s keys go in "
		    "0xE0FC (rsa1) or 0xE0FD (rsa2)", name, ai->name);
	if (!ai->rsa && s->rsa)
		return cli_usage_error(cli, "%s is an RSA slot; %s keys go in "
		    "0xE0F1..0xE0F3 (key1..key3)", name, ai->name);

	return 0;
}

/* After a refusal, say when this product cannot do what was asked. */
static int
keygen_refused(struct chip *chip, uint16_t oid,
    const struct chip_alg_info *ai, int rc)
{
	const struct chip_slot *s = chip_slot_by_oid(oid);
	struct chip_uid uid;
	char msg[1024];

	if (OP_RC_LAYER(rc) != OP_LAYER_CHIP)
		return rc;
	if (rc == OP_RC(OP_LAYER_CHIP, 0x07))
		return perso_lock_explain(chip, oid, rc);
	snprintf(msg, sizeof(msg), "%s", op_errmsg());
	if (chip_get_uid(chip, &uid) != 0)
		return op_err(rc, "%s", msg);
	op_err(rc, "%s", msg);
	if (s != NULL && !chip_slot_on(s, uid.product))
		return cli_err_hint(rc, "%s has no object 0x%04X",
		    chip_product_name(uid.product), oid);
	if (!chip_product_has_alg(uid.product, ai->id))
		return cli_err_hint(rc, "%s does not support %s keys",
		    chip_product_name(uid.product), ai->name);

	return rc;
}

static int
pem_of(EVP_PKEY *pub, char **pem, size_t *len)
{
	BIO *b = NULL;
	char *p;
	long n;
	int rc;

	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(b, pub) != 1 ||
	    (n = BIO_get_mem_data(b, &p)) <= 0 ||
	    (*pem = malloc((size_t)n + 1)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode the public key as PEM");
		goto fail;
	}
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;

	rc = 0;
fail:
	BIO_free(b);

	return rc;
}

int
cmd_keygen(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ "alg", required_argument, NULL, 'a' },
		{ "usage", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct chip_alg_info *ai = NULL;
	struct chip *chip = NULL;
	EVP_PKEY *pub = NULL;
	const char *slot = NULL, *alg = NULL, *out = NULL;
	const char *usage_s = "sign,auth";
	uint8_t usage;
	uint16_t oid;
	char *pem = NULL;
	size_t pemlen = 0;
	char name[32];
	char u[64];
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, keygen_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "s:a:u:o:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			slot = optarg;
			break;
		case 'a':
			alg = optarg;
			break;
		case 'u':
			usage_s = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "unexpected '%s'", argv[optind]);
	if (slot == NULL || alg == NULL)
		return cli_usage_error(cli, "give --slot and --alg, for "
		    "example 'keygen --slot key1 --alg p256'");
	if ((rc = cli_parse_oid(cli, slot, &oid)) != 0)
		return rc;
	if ((ai = chip_alg_by_name(alg)) == NULL)
		return cli_usage_error(cli, "'%s' is not a key type; use one "
		    "of %s", alg, chip_alg_names());
	if ((rc = chip_usage_parse(usage_s, &usage)) != 0)
		return cli_usage_error(cli, "%s", op_errmsg());
	if ((rc = keygen_check_slot(cli, oid, ai)) != 0)
		return rc;
	cli_oid_str(oid, name, sizeof(name));

	if ((rc = cli_open_chip(cli, &chip)) != 0)
		goto fail;
	cli_progress(cli, "generating a %s key in %s%s", ai->name, name,
	    ai->rsa ? " (RSA takes a few seconds)" : "");
	if ((rc = chip_genkey(chip, oid, ai->id, usage, &pub)) != 0) {
		rc = keygen_refused(chip, oid, ai, rc);
		goto fail;
	}

	if ((rc = pem_of(pub, &pem, &pemlen)) != 0)
		goto fail;
	if (out != NULL && (rc = cli_write_file(out, pem, pemlen,
	    0644)) != 0)
		goto fail;

	chip_usage_str(usage, u, sizeof(u));
	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:o,s:s,s:s,s:s}", "ok", 1,
		    "slot", cli_json_oid(oid), "algorithm", ai->name, "usage",
		    u, "public_key_pem", pem);

		if (out != NULL)
			json_object_set_new(doc, "file", json_string(out));
		cli_print_json(doc);
	} else if (out == NULL) {
		fputs(pem, stdout);
	} else {
		cli_say(cli, "generated a %s key in %s, usage %s; public key "
		    "in %s\n", ai->name, name, u, out);
	}

	rc = 0;
fail:
	free(pem);
	EVP_PKEY_free(pub);
	chip_close(&chip);

	return rc;
}
