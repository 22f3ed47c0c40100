/*
 * optiga-perso ca: the certificate authority (init, sign,
 * verification-cert, show).  The work is done by src/ca; this file
 * parses arguments and prints.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>

#include "ca/ca.h"
#include "cli/cli.h"
#include "perso/config.h"
#include "util/err.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: optiga-perso ca init DIR [--alg ALG] [--subject DN | "
	    "--config FILE [--cn CN]]\n"
	    "                        [--days N] [--parent ROOTDIR "
	    "[--parent-pass SRC]] [--pass SRC]\n"
	    "                        [--ca-key pkcs11:URI]\n"
	    "       optiga-perso ca sign DIR CSR [-o CERT] [--days N] "
	    "[--pass SRC]\n"
	    "       optiga-perso ca verification-cert DIR --code CODE "
	    "[-o CERT] [--pass SRC]\n"
	    "       optiga-perso ca show DIR\n"
	    "\n"
	    "A CA in a directory laid out as 'openssl ca' lays it out "
	    "(see docs/ca.md).\n"
	    "\n"
	    "  --alg ALG          p256 (default), p384, rsa2048, rsa3072\n"
	    "  --subject DN       /C=DE/O=Example/CN=Example Root CA\n"
	    "  --config FILE      take C, ST, L, O, OU from a config file\n"
	    "  --cn CN            the CA's CN with --config (default: "
	    "\"<O> Root CA\")\n"
	    "  --days N           validity (CA: 7305, device: 3650)\n"
	    "  --parent ROOTDIR   make an intermediate CA signed by ROOTDIR\n"
	    "  --pass SRC         the CA key's passphrase: file:PATH, "
	    "env:VAR or prompt;\n"
	    "                     with init, encrypt the new key (AES-256)\n"
	    "  --parent-pass SRC  passphrase of the parent's key\n"
	    "  --ca-key URI       init: the CA key is this key in a PKCS#11\n"
	    "                     token (RFC 7512, e.g. pkcs11:token=ca;\n"
	    "                     object=ca-key?module-path=...); no key file\n"
	    "                     is written, --pass gives the PIN\n"
	    "  --code CODE        AWS IoT registration code (the CN)\n"
	    "  -o, --out CERT     write the certificate here (default: "
	    "stdout)\n");
}

struct ca_args {
	const char *alg;
	const char *subject;
	const char *config;
	const char *cn;
	const char *parent;
	const char *code;
	const char *out;
	const char *key_uri;
	unsigned days;
	struct ca_pass pass;
	struct ca_pass parent_pass;
	const char *pos[2];
	int npos;
};

static int
parse_days(struct cli *cli, const char *s, unsigned *days)
{
	unsigned long v;

	if (!cli_parse_number(s, 1, 36525, &v))
		return cli_usage_error(cli, "--days %s: give a number of days "
		    "from 1 to 36525", s);
	*days = (unsigned)v;

	return 0;
}

static int
parse_args(struct cli *cli, int argc, char **argv, struct ca_args *a)
{
	static const struct option opts[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "subject", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "cn", required_argument, NULL, 'n' },
		{ "days", required_argument, NULL, 'D' },
		{ "parent", required_argument, NULL, 'P' },
		{ "pass", required_argument, NULL, 'p' },
		{ "parent-pass", required_argument, NULL, 'q' },
		{ "code", required_argument, NULL, 'C' },
		{ "out", required_argument, NULL, 'o' },
		{ "ca-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;
	int rc;

	memset(a, 0, sizeof(*a));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': a->alg = optarg; break;
		case 's': a->subject = optarg; break;
		case 'c': a->config = optarg; break;
		case 'n': a->cn = optarg; break;
		case 'P': a->parent = optarg; break;
		case 'C': a->code = optarg; break;
		case 'o': a->out = optarg; break;
		case 'K': a->key_uri = optarg; break;
		case 'D':
			if ((rc = parse_days(cli, optarg, &a->days)) != 0)
				return rc;
			break;
		case 'p':
			if ((rc = ca_pass_parse(optarg, &a->pass)) != 0)
				return op_errctx(rc, "--pass");
			break;
		case 'q':
			if ((rc = ca_pass_parse(optarg,
			    &a->parent_pass)) != 0)
				return op_errctx(rc, "--parent-pass");
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	for (int i = optind; i < argc; i++) {
		if (a->npos == 2)
			return cli_usage_error(cli, "unexpected argument "
			    "'%s'", argv[i]);
		a->pos[a->npos++] = argv[i];
	}

	return 0;
}

static int
ca_init_run(struct cli *cli, struct ca_args *a)
{
	struct ca_init_opts o;
	struct perso_config *cfg = NULL;
	X509_NAME *name = NULL;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(cli, "ca init takes one directory");
	if ((a->subject != NULL) == (a->config != NULL))
		return cli_usage_error(cli, "give the CA's subject with "
		    "either --subject or --config");

	memset(&o, 0, sizeof(o));
	o.dir = a->pos[0];
	o.alg = a->alg;
	o.subject = a->subject;
	o.days = a->days;
	o.parent_dir = a->parent;
	o.pass = a->pass;
	o.parent_pass = a->parent_pass;
	o.key_uri = a->key_uri;
	if (a->config != NULL) {
		if ((rc = perso_config_load(a->config, 0, &cfg)) != 0 ||
		    (rc = perso_config_ca_subject(cfg, a->cn,
		    a->parent != NULL, &name)) != 0)
			goto fail;
		o.subject_name = name;
	}

	if ((rc = ca_init(&o)) != 0)
		goto fail;
	if (a->key_uri != NULL)
		cli_say(cli, "CA created in %s (its key in a PKCS#11 token, "
		    "no key file)\n", o.dir);
	else
		cli_say(cli, "CA created in %s (%s%s)\n", o.dir,
		    a->alg != NULL ? a->alg : "p256",
		    a->pass.source != CA_PASS_NONE ? ", key encrypted" : "");
	if (cli->json) {
		json_t *doc = NULL;

		if ((rc = ca_describe(o.dir, &doc)) != 0)
			goto fail;
		cli_print_json(doc);
	}
fail:
	X509_NAME_free(name);
	perso_config_free(&cfg);

	return rc;
}

/* The certificate to -o FILE or stdout, and a summary for --json. */
static int
emit_cert(struct cli *cli, struct ca_args *a, X509 *cert)
{
	int rc;

	if (a->out != NULL) {
		if ((rc = ca_pem_write_cert(a->out, cert)) != 0)
			return rc;
	} else if (!cli->json && !PEM_write_X509(stdout, cert)) {
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot write "
		    "the certificate to stdout");
	}

	if (cli->json) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert),
		    NULL);
		char *serial = bn != NULL ? BN_bn2hex(bn) : NULL;
		char *subject = X509_NAME_oneline(X509_get_subject_name(cert),
		    NULL, 0);
		json_t *doc = json_pack("{s:s?,s:s?,s:s?}", "serial", serial,
		    "subject", subject, "file", a->out);

		if (a->out == NULL) {
			BIO *bio = BIO_new(BIO_s_mem());
			char *pem = NULL;
			long len;

			if (bio != NULL && PEM_write_bio_X509(bio, cert)) {
				len = BIO_get_mem_data(bio, &pem);
				json_object_set_new(doc, "pem",
				    json_stringn(pem, (size_t)len));
			}
			BIO_free(bio);
		}
		cli_print_json(doc);
		OPENSSL_free(serial);
		OPENSSL_free(subject);
		BN_free(bn);
	} else if (a->out != NULL) {
		cli_say(cli, "wrote %s\n", a->out);
	}

	return 0;
}

static int
ca_sign_run(struct cli *cli, struct ca_args *a)
{
	struct ca *ca = NULL;
	X509_REQ *req = NULL;
	X509 *cert = NULL;
	int rc;

	if (a->npos != 2)
		return cli_usage_error(cli, "ca sign takes a CA directory "
		    "and a CSR file");

	if ((rc = ca_pem_read_req(a->pos[1], &req)) != 0)
		goto fail;
	if ((rc = ca_open_with(a->pos[0], a->key_uri, &a->pass,
	    &ca)) != 0)
		goto fail;
	if ((rc = ca_sign_csr(ca, req, a->days, &cert)) != 0) {
		op_errctx(rc, "%s", a->pos[1]);
		goto fail;
	}
	rc = emit_cert(cli, a, cert);
fail:
	X509_free(cert);
	X509_REQ_free(req);
	ca_close(&ca);

	return rc;
}

static int
ca_verif_run(struct cli *cli, struct ca_args *a)
{
	struct ca *ca = NULL;
	X509 *cert = NULL;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(cli, "ca verification-cert takes one "
		    "CA directory");
	if (a->code == NULL)
		return cli_usage_error(cli, "give the registration code "
		    "with --code (aws iot get-registration-code)");

	if ((rc = ca_open_with(a->pos[0], a->key_uri, &a->pass,
	    &ca)) != 0)
		goto fail;
	if ((rc = ca_issue_verification_cert(ca, a->code, &cert)) != 0)
		goto fail;
	rc = emit_cert(cli, a, cert);
fail:
	X509_free(cert);
	ca_close(&ca);

	return rc;
}

static int
ca_show_run(struct cli *cli, struct ca_args *a)
{
	json_t *doc = NULL;
	int rc;

	if (a->npos != 1)
		return cli_usage_error(cli, "ca show takes one directory");
	if ((rc = ca_describe(a->pos[0], &doc)) != 0)
		return rc;
	if (cli->json) {
		cli_print_json(doc);
		return 0;
	}

	cli_say(cli, "directory     %s\n", json_string_value(
	    json_object_get(doc, "dir")));
	cli_say(cli, "subject       %s\n", json_string_value(
	    json_object_get(doc, "subject")));
	if (!json_is_true(json_object_get(doc, "root")))
		cli_say(cli, "issuer        %s\n", json_string_value(
		    json_object_get(doc, "issuer")));
	if (json_is_string(json_object_get(doc, "parent")))
		cli_say(cli, "parent        %s\n", json_string_value(
		    json_object_get(doc, "parent")));
	cli_say(cli, "algorithm     %s\n", json_string_value(
	    json_object_get(doc, "algorithm")));
	cli_say(cli, "valid         %s to %s\n", json_string_value(
	    json_object_get(doc, "not_before")), json_string_value(
	    json_object_get(doc, "not_after")));
	cli_say(cli, "sha256        %s\n", json_string_value(
	    json_object_get(doc, "sha256")));
	cli_say(cli, "key           %s\n", json_is_true(json_object_get(doc,
	    "key_encrypted")) ? "encrypted" : "not encrypted");
	cli_say(cli, "issued        %lld (%lld valid)\n",
	    json_integer_value(json_object_get(doc, "issued_total")),
	    json_integer_value(json_object_get(doc, "issued_valid")));
	json_decref(doc);

	return 0;
}

int
cmd_ca(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct cli *, struct ca_args *);
	} actions[] = {
		{ "init", ca_init_run },
		{ "sign", ca_sign_run },
		{ "verification-cert", ca_verif_run },
		{ "show", ca_show_run },
	};
	struct ca_args a;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? cli_usage_error(cli, "give an action: "
		    "init, sign, verification-cert or show") : 0;
	}

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(actions[i].name, argv[1]) != 0)
			continue;
		if ((rc = parse_args(cli, argc - 1, argv + 1, &a)) != 0)
			return rc < 0 ? 0 : rc;
		return actions[i].run(cli, &a);
	}

	return cli_usage_error(cli, "'%s' is not a ca action; use init, "
	    "sign, verification-cert or show", argv[1]);
}
