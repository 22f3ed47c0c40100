/*
 * csr: a key pair generated in the chip (or the one already there) and a
 * CSR signed inside the chip, from the config file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "perso/csr.h"
#include "perso/perso.h"
#include "util/err.h"

static const char csr_help[] =
"usage: optiga-perso csr --config FILE [--slot OID] [-o CSR]\n"
"                        [--reuse-key [--pub FILE]] [--pub-out FILE]\n"
"\n"
"Generate a key pair inside the chip in the config's key slot (or\n"
"--slot) and write a certificate signing request whose signature is\n"
"computed by the chip.  The subject, key type and hash come from the\n"
"config (docs/config.md); every mistake in it is reported before the\n"
"chip is touched.\n"
"\n"
"  --config FILE    the product line's config\n"
"  --slot OID       key slot (0xE0F1..0xE0F3 ECC, 0xE0FC/0xE0FD RSA)\n"
"  -o, --out CSR    write the CSR (PEM) here instead of stdout\n"
"  --reuse-key      keep the key already in the slot; its public key\n"
"                   comes from --pub, the paired certificate slot or the\n"
"                   key cache written when it was generated\n"
"  --pub FILE       the slot's public key (PEM), with --reuse-key\n"
"  --pub-out FILE   also write the public key (PEM)\n"
"\n"
"Example:\n"
"  optiga-perso -d sim:/tmp/chip.sock csr --config examples/config.json \\\n"
"      -o device.csr\n"
"  openssl req -in device.csr -verify -noout -text\n";

static int
pem_out(const char *path, int (*w)(BIO *, const void *), const void *obj)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int r = 0;

	if (mem == NULL || !w(mem, obj)) {
		BIO_free(mem);
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode PEM");
	}
	len = BIO_get_mem_data(mem, &data);
	if (path == NULL)
		fwrite(data, 1, (size_t)len, stdout);
	else
		r = cli_write_file(path, data, (size_t)len, 0644);
	BIO_free(mem);

	return r;
}

static int
w_req(BIO *b, const void *r)
{
	return PEM_write_bio_X509_REQ(b, (X509_REQ *)(uintptr_t)r);
}

static int
w_pub(BIO *b, const void *k)
{
	return PEM_write_bio_PUBKEY(b, (EVP_PKEY *)(uintptr_t)k);
}

/* --slot overrides the config's slot: it must still fit the key type */
static int
check_slot(struct cli *cli, uint16_t slot, const struct chip_alg_info *alg)
{
	const struct chip_slot *s = chip_slot_by_oid(slot);

	if (s == NULL || s->kind != CHIP_SLOT_KEY)
		return cli_usage_error(cli, "--slot 0x%04X is not a key slot; "
		    "use 0xE0F1..0xE0F3 (ECC) or 0xE0FC/0xE0FD (RSA)", slot);
	if (s->rsa != alg->rsa)
		return cli_usage_error(cli, "--slot 0x%04X holds %s keys but "
		    "the config asks for %s; use %s", slot,
		    s->rsa ? "RSA" : "ECC", alg->name, alg->rsa ?
		    "0xE0FC or 0xE0FD" : "0xE0F1..0xE0F3");

	return 0;
}

int
cmd_csr(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "slot", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "reuse-key", no_argument, NULL, 'r' },
		{ "pub", required_argument, NULL, 'p' },
		{ "pub-out", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_providers prov = { NULL, NULL };
	struct perso_config *cfg = NULL;
	const char *config = NULL;
	const char *out = NULL;
	const char *pub = NULL;
	const char *pub_out = NULL;
	bool reuse = false;
	const struct chip_alg_info *alg;
	uint16_t slot = 0;
	X509_NAME *subject = NULL;
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, csr_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 's':
			if ((rc = cli_parse_oid(cli, optarg, &slot)) != 0)
				return rc;
			break;
		case 'o': out = optarg; break;
		case 'r': reuse = true; break;
		case 'p': pub = optarg; break;
		case 'P': pub_out = optarg; break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "unexpected argument '%s'",
		    argv[optind]);
	if (config == NULL)
		return cli_usage_error(cli, "--config FILE is required");
	if (pub != NULL && !reuse)
		return cli_usage_error(cli, "--pub goes with --reuse-key");

	/* the whole config is checked before the chip is touched */
	if ((rc = perso_config_load(config, 0, &cfg)) != 0)
		return rc;
	for (size_t i = 0; i < cfg->n_warnings; i++)
		fprintf(stderr, "%s: warning: %s\n", cli->prog,
		    cfg->warnings[i]);
	alg = chip_alg_by_id(cfg->alg);
	if (slot == 0)
		slot = cfg->key_slot;
	if ((rc = check_slot(cli, slot, alg)) != 0)
		goto out;
	if ((rc = perso_config_subject(cfg, &subject)) != 0)
		goto out;
	if (cli->device == NULL || cli->device[0] == '\0') {
		rc = cli_usage_error(cli, "no device: give -d URI or set "
		    "OPTIGA_DEVICE");
		goto out;
	}

	if ((rc = cli_providers_load(&prov)) != 0)
		goto out;
	if (reuse)
		rc = perso_key_load(NULL, cli->device, slot, pub, &key);
	else
		rc = perso_key_generate(NULL, cli->device, slot, alg,
		    CHIP_USAGE_SIGN | CHIP_USAGE_AUTH, &key);
	if (rc != 0)
		goto out;
	if ((rc = csr_build(NULL, subject, key, cfg->md, &req)) != 0)
		goto out;

	if ((rc = pem_out(out, w_req, req)) != 0 ||
	    (pub_out != NULL && (rc = pem_out(pub_out, w_pub, key)) != 0))
		goto out;
	if (out != NULL)
		cli_progress(cli, "CSR for 0x%04X (%s) written to %s", slot,
		    alg->name, out);
out:
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	X509_NAME_free(subject);
	perso_config_free(&cfg);
	cli_providers_unload(&prov);

	return rc;
}
