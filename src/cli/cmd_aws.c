/*
 * optiga-perso aws: register the CA and devices with AWS IoT.  The work
 * is done by src/aws (find or create, never twice) and src/ca (the
 * verification certificate); this file parses arguments and prints.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "aws/aws.h"
#include "ca/ca.h"
#include "cli/cli.h"
#include "util/err.h"
#include "util/file.h"

#define PEM_MAX		(64 * 1024)

static const char help[] =
    "usage: optiga-perso aws register-ca DIR [--auto-registration]\n"
    "                        [--jitp-template FILE [--jitp-role ARN]] "
    "[--pass SRC]\n"
    "       optiga-perso aws register-device CERT --ca DIR [--thing NAME]\n"
    "                        [--policy NAME [--policy-file FILE]]\n"
    "       optiga-perso aws describe-ca DIR\n"
    "       optiga-perso aws endpoint [--type TYPE]\n"
    "\n"
    "Register the CA in DIR and device certificates under it with AWS "
    "IoT.\n"
    "Whatever exists already is found and reused, never registered "
    "twice;\n"
    "running a command again changes nothing (see docs/aws.md).\n"
    "\n"
    "  --auto-registration  let devices of this CA register on first "
    "connect\n"
    "  --jitp-template FILE provisioning template for just-in-time\n"
    "                       provisioning, or a registrationConfig object\n"
    "  --jitp-role ARN      IAM role AWS IoT assumes to run the template\n"
    "  --pass SRC           the CA key's passphrase (file:PATH, env:VAR, "
    "prompt)\n"
    "  --ca DIR             the CA that issued CERT (registered first)\n"
    "  --thing NAME         create (or reuse) this thing, attach CERT to "
    "it\n"
    "  --policy NAME        create (or reuse) this policy, attach it to "
    "CERT\n"
    "  --policy-file FILE   policy document; ${region}, ${account},\n"
    "                       ${partition} and ${thing} are filled in\n"
    "  --type TYPE          endpoint type (default iot:Data-ATS)\n"
    "\n"
    "AWS settings, as the AWS CLI finds them (environment, ~/.aws/"
    "credentials,\n"
    "~/.aws/config), or:\n"
    "  --endpoint-url URL   another endpoint (https://, or http:// to "
    "localhost)\n"
    "  --profile NAME       --region REGION\n"
    "  --signing-name NAME  iot (default) or execute-api\n"
    "  --json               print the result as JSON\n"
    "\n"
    "Exit codes: 0 done, 2 usage or AWS settings, 5 AWS IoT refused or "
    "could\n"
    "not be reached (the message names the operation and AWS's error).\n";

struct aws_args {
	struct aws_config_opts cfg;
	const char *ca_dir;
	const char *thing;
	const char *policy;
	const char *policy_file;
	const char *jitp_template;
	const char *jitp_role;
	const char *type;
	bool auto_reg;
	struct ca_pass pass;
};

enum {
	OPT_ENDPOINT = 256, OPT_PROFILE, OPT_REGION, OPT_SIGNING, OPT_AUTO,
	OPT_JITP, OPT_JITP_ROLE, OPT_PASS, OPT_CA, OPT_THING, OPT_POLICY,
	OPT_POLICY_FILE, OPT_TYPE, OPT_JSON
};

static int
parse_args(struct cli *cli, int argc, char **argv, struct aws_args *a)
{
	static const struct option opts[] = {
		{ "endpoint-url", required_argument, NULL, OPT_ENDPOINT },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "region", required_argument, NULL, OPT_REGION },
		{ "signing-name", required_argument, NULL, OPT_SIGNING },
		{ "auto-registration", no_argument, NULL, OPT_AUTO },
		{ "jitp-template", required_argument, NULL, OPT_JITP },
		{ "jitp-role", required_argument, NULL, OPT_JITP_ROLE },
		{ "pass", required_argument, NULL, OPT_PASS },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "thing", required_argument, NULL, OPT_THING },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "policy-file", required_argument, NULL, OPT_POLICY_FILE },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 }
	};
	int ch;
	int r;

	memset(a, 0, sizeof(*a));
	optind = 0;	/* full reinit: main ran getopt before */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_ENDPOINT: a->cfg.endpoint_url = optarg; break;
		case OPT_PROFILE: a->cfg.profile = optarg; break;
		case OPT_REGION: a->cfg.region = optarg; break;
		case OPT_SIGNING: a->cfg.signing_name = optarg; break;
		case OPT_AUTO: a->auto_reg = true; break;
		case OPT_JITP: a->jitp_template = optarg; break;
		case OPT_JITP_ROLE: a->jitp_role = optarg; break;
		case OPT_PASS:
			if ((r = ca_pass_parse(optarg, &a->pass)) != 0)
				return op_errctx(r, "--pass");
			break;
		case OPT_CA: a->ca_dir = optarg; break;
		case OPT_THING: a->thing = optarg; break;
		case OPT_POLICY: a->policy = optarg; break;
		case OPT_POLICY_FILE: a->policy_file = optarg; break;
		case OPT_TYPE: a->type = optarg; break;
		case OPT_JSON: cli->json = true; break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}

	return 0;
}

static int
read_text(const char *path, const char *what, char **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = op_file_read(path, PEM_MAX, &buf, &len)) != 0)
		return op_errctx(r, "%s", what);
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "%s %s is not a text file", what, path);
	}
	*out = (char *)buf;

	return 0;
}

static int
cert_pem(X509 *x, char **out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	*out = NULL;
	if (bio == NULL || !PEM_write_bio_X509(bio, x) ||
	    (n = BIO_get_mem_data(bio, &p)) <= 0 ||
	    (*out = strndup(p, (size_t)n)) == NULL) {
		BIO_free(bio);
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot write a certificate as PEM");
	}
	BIO_free(bio);

	return 0;
}

/* The CA certificate of DIR as PEM, without touching its key. */
static int
ca_dir_pem(const char *dir, char **pem)
{
	struct ca *ca = NULL;
	int r;

	if ((r = ca_open_cert_only(dir, &ca)) != 0)
		return r;
	r = cert_pem(ca_cert(ca), pem);
	ca_close(&ca);

	return r;
}

static int
open_client(const struct aws_args *a, struct aws_config **cfg,
    struct aws_client **c)
{
	int r;

	if ((r = aws_config_load(&a->cfg, cfg)) != 0)
		return op_errctx(r, "AWS settings");
	if ((r = aws_client_new(*cfg, c)) != 0)
		aws_config_free(cfg);

	return r;
}

/* --- register-ca ------------------------------------------------------- */

struct verif_ctx {
	const char *dir;
	const struct ca_pass *pass;
};

/* Only called when the CA must really be registered: opens the key. */
static int
make_verification(void *arg, const char *code, char **pem)
{
	struct verif_ctx *v = arg;
	struct ca *ca = NULL;
	X509 *x = NULL;
	int r;

	if ((r = ca_open(v->dir, v->pass, &ca)) != 0 ||
	    (r = ca_issue_verification_cert(ca, code, &x)) != 0)
		goto fail;
	r = cert_pem(x, pem);
fail:
	X509_free(x);
	ca_close(&ca);

	return r;
}

/*
 * A provisioning template, or a whole registrationConfig object
 * ({"templateBody": ..., "roleArn": ...}) as the CLI's
 * --registration-config takes it.
 */
static int
load_jitp(const struct aws_args *a, char **body, char **role)
{
	char *text = NULL;
	json_t *doc = NULL;
	json_t *tb;
	const char *s;
	int r;

	*body = *role = NULL;
	if ((r = read_text(a->jitp_template, "JITP template", &text)) != 0)
		return r;
	if ((doc = json_loads(text, 0, NULL)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "JITP template %s is not JSON", a->jitp_template);
		goto fail;
	}
	tb = json_object_get(doc, "templateBody");
	if (tb != NULL) {
		*body = json_is_string(tb) ? strdup(json_string_value(tb)) :
		    json_dumps(tb, JSON_COMPACT | JSON_PRESERVE_ORDER);
		s = json_string_value(json_object_get(doc, "roleArn"));
	} else {
		*body = text;
		text = NULL;
		s = NULL;
	}
	if (a->jitp_role != NULL)
		s = a->jitp_role;
	if (s == NULL) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "JITP needs the IAM role AWS IoT runs the template as: "
		    "give --jitp-role ARN or a roleArn in %s",
		    a->jitp_template);
		goto fail;
	}
	if (*body == NULL || (*role = strdup(s)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	r = 0;
fail:
	if (r != 0) {
		free(*body);
		*body = NULL;
	}
	json_decref(doc);
	free(text);

	return r;
}

static int
register_ca(struct cli *cli, struct aws_args *a, const char *dir)
{
	struct aws_config *cfg = NULL;
	struct aws_client *c = NULL;
	struct verif_ctx v = { dir, &a->pass };
	struct aws_ca_want want = { 0 };
	struct aws_ca_result res;
	char known[65];
	char *pem = NULL;
	char *tb = NULL;
	char *role = NULL;
	int r;

	if ((r = ca_dir_pem(dir, &pem)) != 0)
		return r;
	if (a->jitp_template != NULL && (r = load_jitp(a, &tb, &role)) != 0)
		goto fail;
	if ((r = open_client(a, &cfg, &c)) != 0)
		goto fail;

	/* what a previous run recorded, checked against AWS anyway */
	aws_ca_state_known(dir, cfg->endpoint_url, known);
	want.known_id = known[0] ? known : NULL;
	want.ca_pem = pem;
	want.allow_auto_registration = a->auto_reg || tb != NULL;
	want.jitp_template = tb;
	want.jitp_role_arn = role;
	want.make_verification = make_verification;
	want.arg = &v;
	if ((r = aws_ensure_ca(c, &want, &res)) != 0 ||
	    (r = aws_ca_state_save(dir, cfg, &res,
	    want.allow_auto_registration)) != 0)
		goto fail;

	if (cli->json) {
		cli_print_json(json_pack("{s:b,s:s,s:s,s:s,s:s,s:b,s:b,s:b}",
		    "ok", 1, "certificateId", res.id, "certificateArn",
		    res.arn, "account", res.account, "action",
		    aws_action_name(res.action), "activated", res.activated,
		    "autoRegistrationChanged", res.auto_registration_changed,
		    "registrationConfigChanged",
		    res.registration_config_changed));
	} else {
		cli_say(cli, "CA %s: %s%s%s%s\n", res.id,
		    res.action == AWS_ACT_CREATED ? "registered" :
		    aws_action_name(res.action), res.activated ?
		    ", set ACTIVE" : "", res.auto_registration_changed ?
		    ", auto-registration enabled" : "",
		    res.registration_config_changed ?
		    ", JITP template updated" : "");
		cli_say(cli, "  %s\n", res.arn);
	}

	r = 0;
fail:
	aws_client_free(&c);
	aws_config_free(&cfg);
	free(pem);
	free(tb);
	free(role);

	return r;
}

/* --- register-device --------------------------------------------------- */

static int
register_device(struct cli *cli, struct aws_args *a, const char *cert)
{
	struct aws_config *cfg = NULL;
	struct aws_client *c = NULL;
	struct aws_device_want want = { 0 };
	struct aws_device_result res;
	char *pem = NULL;
	char *ca_pem = NULL;
	char *tmpl = NULL;
	int r;

	if (a->ca_dir == NULL)
		return cli_usage_error(cli, "register-device needs --ca DIR, "
		    "the CA that issued %s", cert);
	if (a->policy_file != NULL && a->policy == NULL)
		return cli_usage_error(cli, "--policy-file needs --policy "
		    "NAME");
	if ((r = read_text(cert, "device certificate", &pem)) != 0 ||
	    (r = ca_dir_pem(a->ca_dir, &ca_pem)) != 0 ||
	    (a->policy_file != NULL && (r = read_text(a->policy_file,
	    "policy file", &tmpl)) != 0) ||
	    (r = open_client(a, &cfg, &c)) != 0)
		goto fail;

	want.cert_pem = pem;
	want.ca_pem = ca_pem;
	want.thing = a->thing;
	want.policy = a->policy;
	want.policy_template = tmpl;
	if ((r = aws_ensure_device(c, &want, &res)) != 0) {
		if (res.cert_id[0] != '\0')
			op_errctx(r, "certificate %s", res.cert_id);
		goto fail;
	}

	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:s,s:s,s:s,s:s,s:s}", "ok", 1,
		    "certificateId", res.cert_id, "certificateArn",
		    res.cert_arn, "caCertificateId", res.ca_id, "account",
		    res.account, "certificate", aws_action_name(res.cert));

		if (doc != NULL && a->thing != NULL)
			json_object_set_new(doc, "thing", json_pack(
			    "{s:s,s:s,s:s,s:s}", "name", a->thing, "arn",
			    res.thing_arn, "action",
			    aws_action_name(res.thing), "principal",
			    aws_action_name(res.thing_attach)));
		if (doc != NULL && a->policy != NULL)
			json_object_set_new(doc, "policy", json_pack(
			    "{s:s,s:s,s:s,s:s}", "name", a->policy, "arn",
			    res.policy_arn, "action",
			    aws_action_name(res.policy), "attachment",
			    aws_action_name(res.policy_attach)));
		cli_print_json(doc);
	} else {
		cli_say(cli, "certificate %s: %s\n  %s\n", res.cert_id,
		    res.cert == AWS_ACT_CREATED ? "registered, ACTIVE" :
		    res.cert == AWS_ACT_UPDATED ? "set ACTIVE" :
		    aws_action_name(res.cert), res.cert_arn);
		if (a->thing != NULL)
			cli_say(cli, "thing %s: %s; certificate %s\n",
			    a->thing, aws_action_name(res.thing),
			    aws_action_name(res.thing_attach));
		if (a->policy != NULL)
			cli_say(cli, "policy %s: %s; %s to the certificate\n",
			    a->policy, aws_action_name(res.policy),
			    aws_action_name(res.policy_attach));
	}

	r = 0;
fail:
	aws_client_free(&c);
	aws_config_free(&cfg);
	free(pem);
	free(ca_pem);
	free(tmpl);

	return r;
}

/* --- describe-ca, endpoint --------------------------------------------- */

static int
describe_ca(struct cli *cli, struct aws_args *a, const char *dir)
{
	struct aws_config *cfg = NULL;
	struct aws_client *c = NULL;
	struct aws_cert_info info = { 0 };
	char *pem = NULL;
	char id[65];
	int r;

	if ((r = ca_dir_pem(dir, &pem)) != 0 ||
	    (r = aws_cert_id_from_pem(pem, id)) != 0 ||
	    (r = open_client(a, &cfg, &c)) != 0)
		goto fail;
	if ((r = aws_iot_describe_ca(c, id, &info)) != 0) {
		if (OP_RC_CODE(r) == OP_E_NOTFOUND)
			cli_err_hint(r, "not registered in %s; run '%s aws "
			    "register-ca %s'", cfg->region, cli->prog, dir);
		goto fail;
	}

	if (cli->json) {
		cli_print_json(json_pack("{s:b,s:s,s:s,s:s,s:s,s:b}", "ok", 1,
		    "certificateId", info.id, "certificateArn", info.arn,
		    "status", info.status, "autoRegistrationStatus",
		    info.auto_registration, "jitp",
		    info.template_body != NULL || info.template_name != NULL));
	} else {
		cli_say(cli, "CA %s\n  arn                %s\n"
		    "  status             %s\n  auto-registration  %s\n"
		    "  JITP template      %s\n", info.id, info.arn,
		    info.status, info.auto_registration,
		    info.template_body || info.template_name ? "yes" : "no");
	}

	r = 0;
fail:
	aws_cert_info_clear(&info);
	aws_client_free(&c);
	aws_config_free(&cfg);
	free(pem);

	return r;
}

static int
endpoint(struct cli *cli, struct aws_args *a)
{
	struct aws_config *cfg = NULL;
	struct aws_client *c = NULL;
	char addr[256];
	int r;

	if ((r = open_client(a, &cfg, &c)) != 0)
		return r;
	if ((r = aws_iot_describe_endpoint(c, a->type ? a->type :
	    "iot:Data-ATS", addr)) == 0) {
		if (cli->json)
			cli_print_json(json_pack("{s:b,s:s}", "ok", 1,
			    "endpointAddress", addr));
		else
			cli_say(cli, "%s\n", addr);
	}
	aws_client_free(&c);
	aws_config_free(&cfg);

	return r;
}

int
cmd_aws(struct cli *cli, int argc, char **argv)
{
	struct aws_args a;
	const char *sub;
	const char *arg;
	int r;

	if (cli_help_requested(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage_error(cli, "which aws command? register-ca, "
		    "register-device, describe-ca or endpoint");
	sub = argv[1];

	/* the sub-subcommand's options, then its one operand */
	if ((r = parse_args(cli, argc - 1, argv + 1, &a)) != 0)
		return r;
	arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (optind + 2 < argc)
		return cli_usage_error(cli, "unexpected '%s'",
		    argv[optind + 2]);

	if (strcmp(sub, "endpoint") == 0) {
		if (arg != NULL)
			return cli_usage_error(cli, "unexpected '%s'", arg);
		return endpoint(cli, &a);
	}
	if (strcmp(sub, "register-ca") != 0 &&
	    strcmp(sub, "register-device") != 0 &&
	    strcmp(sub, "describe-ca") != 0)
		return cli_usage_error(cli, "'%s' is not an aws command; use "
		    "register-ca, register-device, describe-ca or endpoint",
		    sub);
	if (arg == NULL)
		return cli_usage_error(cli, "aws %s needs %s", sub,
		    strcmp(sub, "register-device") == 0 ? "CERT" : "DIR");
	if (strcmp(sub, "register-ca") == 0)
		return register_ca(cli, &a, arg);
	if (strcmp(sub, "register-device") == 0)
		return register_device(cli, &a, arg);

	return describe_ca(cli, &a, arg);
}
