/*
 * personalize: the whole job for one chip, from one config file.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "perso/batch.h"
#include "perso/perso.h"
#include "util/err.h"

static void
usage(void)
{
	printf(
	    "usage: optiga-perso [-d DEVICE] personalize --config FILE\n"
	    "           [--ca DIR] [--ca-pass SPEC] [--no-aws] [--force]\n"
	    "           [--out DIR] [--record FILE] [--cert-format tls|der]\n"
	    "           [--days N] [--no-auto-registration]\n"
	    "           [--policy-file FILE] [--endpoint-url URL]\n"
	    "           [--profile NAME] [--region REGION]\n"
	    "           [--devices URI,... | --devices-file FILE] [--jobs N]\n"
	    "           [--registration api|jitp|none] [--jitp-role ARN]\n"
	    "           [--jitp-template FILE] [--ca-key pkcs11:URI]\n"
	    "           [--connect HOST[:PORT] [--connect-ca-file FILE]]\n"
	    "           [--lock [--yes]]\n"
	    "\n"
	    "Give the chip its identity: generate a key pair inside it, build\n"
	    "a CSR signed inside it, issue the certificate from your CA,\n"
	    "prove the chip holds the certificate's key, write the\n"
	    "certificate to the slot paired with the key and read it back,\n"
	    "then register the CA (once), the certificate, the thing and the\n"
	    "policy with AWS IoT.\n"
	    "\n"
	    "Every step is recorded per chip (UID) in the record file. Run\n"
	    "again, it checks each recorded step against the chip, the files\n"
	    "and AWS, skips what is done and resumes where it stopped.\n"
	    "\n"
	    "  --config FILE      the product line's config (docs/config.md)\n"
	    "  --ca DIR           the CA directory (else \"ca_dir\" in the "
	    "config)\n"
	    "  --ca-pass SPEC     passphrase of an encrypted CA key:\n"
	    "                     file:PATH, env:VARIABLE or prompt\n"
	    "  --no-aws           stop after the chip holds its certificate\n"
	    "  --shielded         encrypt all chip traffic (also the\n"
	    "                     config's \"shielded\": true; "
	    "docs/shielded.md)\n"
	    "  --force            redo every step, new key pair included\n"
	    "  --out DIR          per-chip files (default optiga-perso-out)\n"
	    "  --record FILE      the record (default DIR/records.jsonl)\n"
	    "  --cert-format F    tls (default; TLS identity, 0xC0) or der\n"
	    "  --days N           certificate validity (default: the CA's)\n"
	    "  --no-auto-registration  register the CA without AWS's\n"
	    "                     auto-registration of device certificates\n"
	    "  --policy-file FILE policy document template: ${region},\n"
	    "                     ${account}, ${partition}, ${thing}\n"
	    "  --endpoint-url URL AWS IoT endpoint "
	    "(also AWS_ENDPOINT_URL_IOT)\n"
	    "  --profile, --region  as for the AWS CLI\n"
	    "  --devices URI,...  many chips in parallel, a record and a\n"
	    "                     table row each (docs/production.md)\n"
	    "  --devices-file F   the same, one URI per line\n"
	    "  --jobs N           chips at a time (default 8, at most 64)\n"
	    "  --registration M   api (default): each certificate\n"
	    "                     registered now; jitp: the CA with a\n"
	    "                     provisioning template, chips register\n"
	    "                     on first connection; none: no AWS call,\n"
	    "                     DIR/bulk-input.jsonl and\n"
	    "                     bulk-template.json for bulk registration\n"
	    "  --jitp-role ARN    jitp: the role AWS IoT runs the template\n"
	    "  --jitp-template F  jitp: your template (default: thing and\n"
	    "                     policy from the config)\n"
	    "  --ca-key URI       the CA key in a PKCS#11 token (RFC 7512\n"
	    "                     URI); --ca-pass then gives the PIN\n"
	    "  --connect HOST[:PORT]  finish by connecting to this MQTT "
	    "broker\n"
	    "                     with the chip key (as 'connect' does)\n"
	    "  --connect-ca-file F  CAs for the broker's certificate\n"
	    "                     (default: the system's trusted CAs)\n"
	    "  --lock             then lock the key and certificate slots:\n"
	    "                     IRREVERSIBLE on a real chip (docs/lock.md)\n"
	    "  --yes              confirm --lock without a prompt (scripts)\n"
	    "\n"
	    "Example (emulated chip, local endpoint as in scripts/demo.sh):\n"
	    "  optiga-perso -d sim:/tmp/chip.sock personalize \\\n"
	    "      --config examples/config.json --ca ./ca \\\n"
	    "      --endpoint-url http://127.0.0.1:4566\n");
}

static void
progress(void *arg, const char *step, const char *what)
{
	struct cli *cli = arg;

	cli_progress(cli, "  %-11s %s", step, what);
}

static void
print_summary(struct cli *cli, json_t *sum)
{
	static const char *const keys[] = {
		"uid", "product", "key_slot", "alg", "cert_slot", "subject",
		"serial", "cert_sha256", "aws_ca_id", "aws_cert_id",
		"aws_cert_arn", "thing", "policy", "connected", "locked", NULL
	};
	const char *k;
	json_t *v;
	bool all_skipped = true;

	cli_say(cli, "personalized:\n");
	for (size_t i = 0; keys[i] != NULL; i++)
		if ((v = json_object_get(sum, keys[i])) != NULL &&
		    json_is_string(v))
			cli_say(cli, "  %-12s %s\n", keys[i],
			    json_string_value(v));
	cli_say(cli, "steps:\n");
	json_object_foreach(json_object_get(sum, "steps"), k, v) {
		cli_say(cli, "  %-12s %s\n", k, json_string_value(v));
		if (strncmp(json_string_value(v), "skipped", 7) != 0)
			all_skipped = false;
	}
	if (all_skipped)
		cli_say(cli, "This chip was already personalized; nothing "
		    "changed (--force redoes every step).\n");
}

struct personalize_args {
	struct perso_opts o;
	const char *dev_list;		/* --devices */
	const char *dev_file;		/* --devices-file */
	unsigned jobs;			/* --jobs, 0: the batch default */
	bool yes;
};

static int
personalize_parse(struct cli *cli, int argc, char **argv,
    struct personalize_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "ca-pass", required_argument, NULL, 'p' },
		{ "no-aws", no_argument, NULL, 'N' },
		{ "shielded", no_argument, NULL, 'Z' },
		{ "force", no_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "record", required_argument, NULL, 'r' },
		{ "cert-format", required_argument, NULL, 'F' },
		{ "days", required_argument, NULL, 'D' },
		{ "no-auto-registration", no_argument, NULL, 'A' },
		{ "policy-file", required_argument, NULL, 'P' },
		{ "endpoint-url", required_argument, NULL, 'e' },
		{ "profile", required_argument, NULL, 'R' },
		{ "region", required_argument, NULL, 'g' },
		{ "devices", required_argument, NULL, 'L' },
		{ "devices-file", required_argument, NULL, 'M' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "registration", required_argument, NULL, 'G' },
		{ "jitp-role", required_argument, NULL, 'T' },
		{ "jitp-template", required_argument, NULL, 'X' },
		{ "ca-key", required_argument, NULL, 'K' },
		{ "connect", required_argument, NULL, 'n' },
		{ "connect-ca-file", required_argument, NULL, 'C' },
		{ "lock", no_argument, NULL, 'k' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long num;
	int ch;
	int r;

	memset(a, 0, sizeof(*a));
	*help = false;
	a->o.auto_registration = true;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->o.config_path = optarg; break;
		case 'a': a->o.ca_dir = optarg; break;
		case 'p':
			if ((r = ca_pass_parse(optarg, &a->o.ca_pass)) != 0)
				return op_errctx(r, "--ca-pass");
			break;
		case 'N': a->o.no_aws = true; break;
		case 'Z': a->o.shielded = true; break;
		case 'f': a->o.force = true; break;
		case 'o': a->o.out_dir = optarg; break;
		case 'r': a->o.record_path = optarg; break;
		case 'F':
			if ((r = certslot_format_parse(optarg,
			    &a->o.cert_format)) != 0)
				return r;
			a->o.cert_format_given = true;
			break;
		case 'D':
			if (!cli_parse_number(optarg, 1, 36525, &num))
				return cli_usage_error(cli, "--days '%s': give "
				    "a number of days from 1 to 36525", optarg);
			a->o.days = (unsigned)num;
			break;
		case 'A': a->o.auto_registration = false; break;
		case 'P': a->o.policy_file = optarg; break;
		case 'e': a->o.aws.endpoint_url = optarg; break;
		case 'R': a->o.aws.profile = optarg; break;
		case 'g': a->o.aws.region = optarg; break;
		case 'L': a->dev_list = optarg; break;
		case 'M': a->dev_file = optarg; break;
		case 'J':
			if (!cli_parse_number(optarg, 1, PERSO_BATCH_MAX_JOBS,
			    &num))
				return cli_usage_error(cli, "--jobs '%s': give "
				    "1 to %u", optarg, PERSO_BATCH_MAX_JOBS);
			a->jobs = (unsigned)num;
			break;
		case 'G':
			if ((r = perso_registration_parse(optarg,
			    &a->o.registration)) != 0)
				return r;
			break;
		case 'T': a->o.jitp_role_arn = optarg; break;
		case 'X': a->o.jitp_template = optarg; break;
		case 'K': a->o.ca_key = optarg; break;
		case 'n': a->o.connect_endpoint = optarg; break;
		case 'C': a->o.connect_ca_file = optarg; break;
		case 'k': a->o.lock = true; break;
		case 'y': a->yes = true; break;
		case 'h':
			usage();
			*help = true;
			return 0;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "unexpected argument '%s'",
		    argv[optind]);
	if (a->o.config_path == NULL)
		return cli_usage_error(cli, "--config FILE is required");

	return 0;
}

/* The chips personalized so far, in the form bulk registration takes. */
static int
personalize_export_bulk(struct cli *cli, const struct perso_opts *o, int r)
{
	const char *where = NULL;
	size_t n = 0;
	int e;

	if (o->registration != PERSO_REG_NONE)
		return r;
	e = perso_bulk_export_for(o, &n, &where);
	if (e != 0 && r == 0)
		return e;
	if (e == 0)
		cli_progress(cli, "%zu chip(s) for bulk registration: "
		    "%s/bulk-input.jsonl, %s/bulk-template.json", n, where,
		    where);

	return r;
}

int
cmd_personalize(struct cli *cli, int argc, char **argv)
{
	struct personalize_args a;
	struct perso_opts *o = &a.o;
	json_t *summary = NULL;
	bool help;
	int r;

	if ((r = personalize_parse(cli, argc, argv, &a, &help)) != 0 || help)
		return r;
	if (o->lock && (r = cli_confirm_irreversible(cli, a.yes, "--lock: "
	    "when personalized, the key and certificate slots will be "
	    "locked for good")) != 0)
		return r;
	if ((r = perso_opts_check(o)) != 0)
		return r;
	if (a.dev_list != NULL || a.dev_file != NULL) {
		r = cli_personalize_batch(cli, o, a.dev_list, a.dev_file,
		    a.jobs);
		return personalize_export_bulk(cli, o, r);
	}
	if (cli->device == NULL || cli->device[0] == '\0')
		return cli_usage_error(cli, "no device: give -d URI, "
		    "--devices or set OPTIGA_DEVICE");
	o->device = cli->device;
	o->progress = progress;
	o->progress_arg = cli;

	r = perso_run(o, &summary);
	if (cli->json && summary != NULL)
		cli_print_json(json_incref(summary));
	else if (r == 0 && summary != NULL)
		print_summary(cli, summary);
	json_decref(summary);

	return personalize_export_bulk(cli, o, r);
}
