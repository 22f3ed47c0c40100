/*
 * cert write / cert read: certificates in the chip's certificate slots.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/ca.h"
#include "chip/chip.h"
#include "cli/cli.h"
#include "perso/perso.h"
#include "provider/oprov.h"
#include "util/err.h"

static const char cert_help[] =
"usage: optiga-perso cert write --slot OID [--key OID] [--format tls|der]\n"
"                               [--force] FILE...\n"
"       optiga-perso cert read --slot OID [-o FILE]\n"
"\n"
"write: store one certificate, or a chain (leaf first), in a\n"
"certificate slot (0xE0E1..0xE0E3; at most 1728 bytes as stored).\n"
"Each FILE is PEM (several certificates allowed) or DER.  Before\n"
"writing, the chip proves that the leaf certificate belongs to the key\n"
"of the paired key slot (0xE0E1 <-> 0xE0F1, 0xE0E2 <-> 0xE0F2, 0xE0E3\n"
"<-> 0xE0F3; RSA keys name theirs with --key): it signs a fresh\n"
"challenge that the certificate's public key must verify.  After\n"
"writing, the slot is read back and compared byte for byte.\n"
"\n"
"  --slot OID       the certificate slot\n"
"  --key OID        the key slot the certificate belongs to\n"
"  --format F       tls (default): the TLS identity form (0xC0), which\n"
"                   holds a chain and is what the factory certificate\n"
"                   uses; der: one raw DER certificate\n"
"  --force          skip the proof of possession\n"
"\n"
"read: print the chain a slot holds, as PEM (or -o FILE).\n"
"\n"
"Examples:\n"
"  optiga-perso cert write --slot 0xE0E1 device.pem intermediate.pem\n"
"  optiga-perso cert read --slot 0xE0E1 -o chain.pem\n";

static uint16_t
key_for_cert(uint16_t slot)
{
	switch (slot) {
	case OID_DEVICE_CERT: return OID_DEVICE_KEY;
	case OID_CERT_1: return OID_ECC_KEY_1;
	case OID_CERT_2: return OID_ECC_KEY_2;
	case OID_CERT_3: return OID_ECC_KEY_3;
	default: return 0;
	}
}

/* Every certificate in path (PEM, possibly several, or one DER). */
static int
read_certs(const char *path, STACK_OF(X509) *chain)
{
	BIO *in = BIO_new_file(path, "rb");
	X509 *x;
	int n = 0;

	if (in == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_NOTFOUND),
		    "cannot open certificate file %s", path);
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		sk_X509_push(chain, x);
		n++;
	}
	ERR_clear_error();
	if (n == 0) {
		BIO_reset(in);
		if ((x = d2i_X509_bio(in, NULL)) != NULL) {
			sk_X509_push(chain, x);
			n++;
		}
	}
	BIO_free(in);
	ERR_clear_error();
	if (n == 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "%s holds no "
		    "certificate (PEM or DER expected)", path);

	return 0;
}

static int
cert_write(struct cli *cli, uint16_t slot, uint16_t key_slot,
    enum certslot_format fmt, bool force, char **files, int nfiles)
{
	struct cli_providers prov = { NULL, NULL };
	STACK_OF(X509) *chain = sk_X509_new_null();
	uint8_t *enc = NULL;
	size_t enclen = 0;
	struct chip *chip = NULL;
	EVP_PKEY *key = NULL;
	bool written = false;
	int rc;

	for (int i = 0; i < nfiles; i++)
		if ((rc = read_certs(files[i], chain)) != 0)
			goto out;

	/* too large for the slot?  say so before touching the chip */
	if ((rc = certslot_encode(chain, fmt, &enc, &enclen)) != 0) {
		rc = cli_as_usage(rc);
		goto out;
	}
	if ((rc = cli_providers_load(&prov)) != 0)
		goto out;

	if (!force) {
		if (key_slot == 0) {
			rc = cli_usage_error(cli, "slot 0x%04X has no paired "
			    "key slot: name the key with --key OID, or skip "
			    "the proof with --force", slot);
			goto out;
		}
		/* the leaf names the public key the chip must match */
		if ((rc = perso_key_load(NULL, cli->device, key_slot,
		    files[0], &key)) != 0 ||
		    (rc = perso_key_prove(NULL, key, sk_X509_value(chain,
		    0))) != 0) {
			op_errctx(rc, "refusing to write slot 0x%04X (use "
			    "--force to write anyway)", slot);
			goto out;
		}
	}

	if ((rc = oprov_chip_acquire(cli->device, &chip)) != 0)
		goto out;
	rc = perso_cert_store(chip, slot, chain, fmt, &written);
	oprov_chip_release(cli->device, rc);
	if (rc != 0)
		goto out;

	if (cli->json)
		cli_print_json(json_pack("{s:o,s:i,s:i,s:b,s:s}", "slot",
		    cli_json_oid(slot), "certificates", sk_X509_num(chain),
		    "bytes", (int)enclen, "written", written, "format",
		    fmt == CERTSLOT_TLS ? "tls" : "der"));
	else if (written)
		cli_say(cli, "wrote %d certificate%s (%zu bytes, %s) to "
		    "0x%04X and read them back identical\n",
		    sk_X509_num(chain), sk_X509_num(chain) > 1 ? "s" : "",
		    enclen, fmt == CERTSLOT_TLS ? "tls" : "der", slot);
	else
		cli_say(cli, "0x%04X already holds exactly these %zu bytes; "
		    "nothing written\n", slot, enclen);
out:
	EVP_PKEY_free(key);
	free(enc);
	sk_X509_pop_free(chain, X509_free);
	cli_providers_unload(&prov);

	return rc;
}

static int
cert_read(struct cli *cli, uint16_t slot, const char *out)
{
	STACK_OF(X509) *chain = NULL;
	enum certslot_format fmt;
	struct chip *chip = NULL;
	BIO *mem = NULL;
	char *data;
	long len;
	int rc;

	if ((rc = cli_open_chip(cli, &chip)) != 0)
		return rc;
	rc = perso_cert_read(chip, slot, &chain, &fmt);
	chip_close(&chip);
	if (rc != 0)
		return rc;
	if (sk_X509_num(chain) == 0) {
		sk_X509_free(chain);
		return op_err(OP_RC(OP_LAYER_PERSO, OP_E_NOTFOUND), "slot "
		    "0x%04X holds no certificate", slot);
	}

	mem = BIO_new(BIO_s_mem());
	for (int i = 0; i < sk_X509_num(chain); i++)
		PEM_write_bio_X509(mem, sk_X509_value(chain, i));
	len = BIO_get_mem_data(mem, &data);
	if (out != NULL)
		rc = cli_write_file(out, data, (size_t)len, 0644);
	else if (cli->json)
		cli_print_json(json_pack("{s:o,s:s,s:i,s:s#}", "slot",
		    cli_json_oid(slot), "format", fmt == CERTSLOT_TLS ? "tls" :
		    "der", "certificates", sk_X509_num(chain), "pem", data,
		    (size_t)len));
	else
		fwrite(data, 1, (size_t)len, stdout);
	BIO_free(mem);
	sk_X509_pop_free(chain, X509_free);

	return rc;
}

int
cmd_cert(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum certslot_format fmt = CERTSLOT_TLS;
	const char *sub;
	const char *out = NULL;
	uint16_t slot = 0;
	uint16_t key = 0;
	bool force = false;
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, cert_help))
		return 0;
	if (argc < 2)
		return cli_usage_error(cli, "say 'cert write' or 'cert read'");
	sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if ((rc = cli_parse_oid(cli, optarg, &slot)) != 0)
				return rc;
			break;
		case 'k':
			if ((rc = cli_parse_oid(cli, optarg, &key)) != 0)
				return rc;
			break;
		case 'F':
			if ((rc = certslot_format_parse(optarg, &fmt)) != 0)
				return rc;
			break;
		case 'f': force = true; break;
		case 'o': out = optarg; break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (slot == 0)
		return cli_usage_error(cli, "--slot OID is required, for "
		    "example --slot 0xE0E1");
	if (cli->device == NULL || cli->device[0] == '\0')
		return cli_usage_error(cli, "no device: give -d URI or set "
		    "OPTIGA_DEVICE");

	if (strcmp(sub, "write") == 0) {
		if (optind >= argc)
			return cli_usage_error(cli, "give the certificate "
			    "file(s), leaf first");
		return cert_write(cli, slot, key ? key : key_for_cert(slot),
		    fmt, force, argv + optind, argc - optind);
	}
	if (strcmp(sub, "read") == 0) {
		if (optind != argc)
			return cli_usage_error(cli, "cert read takes no file; "
			    "use -o FILE");
		return cert_read(cli, slot, out);
	}

	return cli_usage_error(cli, "'%s' is not 'write' or 'read'", sub);
}
