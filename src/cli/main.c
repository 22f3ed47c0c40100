/*
 * optiga-perso: personalize OPTIGA Trust secure elements.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"
#include "util/log.h"

/* In the order of the job: the whole of it, its steps, then the chip. */
static const struct cli_command commands[] = {
	{ "personalize", "the whole job: key, CSR, certificate, AWS IoT",
	    cmd_personalize },
	{ "ca", "certificate authority: init, sign, verification-cert",
	    cmd_ca },
	{ "aws", "AWS IoT: register the CA and devices", cmd_aws },
	{ "csr", "generate a key in the chip and a CSR signed by it",
	    cmd_csr },
	{ "cert", "write a certificate or chain to a slot, or read it",
	    cmd_cert },
	{ "connect", "TLS + MQTT to a broker with the chip-held key",
	    cmd_connect },
	{ "lock", "make slots unchangeable for good (irreversible)",
	    cmd_lock },
	{ "info", "show the chip: UID, product, life cycle, slots",
	    cmd_info },
	{ "read", "read a data object or its metadata", cmd_read },
	{ "write", "write a file into a data object", cmd_write },
	{ "keygen", "generate a key pair inside the chip", cmd_keygen },
	{ "sign", "sign a digest with a key held by the chip", cmd_sign },
	{ "random", "get random bytes from the chip", cmd_random },
	{ "pair", "pair host and chip for the shielded connection",
	    cmd_pair },
	{ "devices", "list I2C adapters and FT260 bridges, find chips",
	    cmd_devices },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: optiga-perso [global options] COMMAND [options]\n"
	    "\n"
	    "Give an OPTIGA Trust M or Trust X an identity from your own CA\n"
	    "and register it with AWS IoT, in one command or step by step.\n"
	    "\n"
	    "Global options:\n"
	    "  -d, --device URI  the chip: sim:SOCKET, i2c:/dev/i2c-N[@ADDR],\n"
	    "                    ft260:[SERIAL|/dev/hidrawN]\n"
	    "                    (default: $OPTIGA_DEVICE)\n"
	    "  -v, --verbose     more detail on stderr; -vvv traces frames\n"
	    "  -q, --quiet       print nothing but errors\n"
	    "      --json        print results as JSON on stdout\n"
	    "      --shielded    encrypt all chip traffic (Trust M shielded\n"
	    "                    connection; default: $OPTIGA_SHIELDED=1)\n"
	    "      --binding-secret FILE  the 64-byte secret paired with the\n"
	    "                    chip's 0xE140 (default:\n"
	    "                    $OPTIGA_BINDING_SECRET, else the evaluation\n"
	    "                    value 01..40); see docs/shielded.md\n"
	    "      --reset-gpio CHIP:LINE  the GPIO wired to the chip's RST\n"
	    "                    pin, for i2c: devices (default:\n"
	    "                    $OPTIGA_RESET_GPIO); e.g. gpiochip0:17\n"
	    "  -h, --help        this help; COMMAND --help for a command\n"
	    "      --version     print the version\n"
	    "\n"
	    "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f,
	    "\n"
	    "Example, with an emulated chip (scripts/demo.sh does all this):\n"
	    "  optiga-sim --state chip.state --socket /tmp/chip.sock &\n"
	    "  optiga-perso ca init ca --subject \"/CN=My Root CA\"\n"
	    "  optiga-perso -d sim:/tmp/chip.sock personalize \\\n"
	    "      --config examples/config.json --ca ca --no-aws\n"
	    "\n"
	    "Exit codes: 0 ok, 1 error, 2 usage or bad input, 3 device\n"
	    "unreachable, 4 chip refused, 5 AWS IoT failed, 6 verification\n"
	    "failed, 7 TLS/MQTT failed (see docs/exit-codes.md).\n");
}

int
cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "%s (see '%s %s "
	    "--help')", msg, cli->prog, cli->cmd ? cli->cmd : "");
}

void
cli_say(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet || cli->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void
cli_progress(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet || (!isatty(STDERR_FILENO) && cli->verbose == 0))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_print_json(json_t *doc)
{
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s != NULL) {
		puts(s);
		free(s);
	}
	json_decref(doc);
}

int
cli_open_chip(struct cli *cli, struct chip **chip)
{
	struct chip_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.link.reset = IFXI2C_RESET_SOFT;
	if (cli->device == NULL || cli->device[0] == '\0')
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "no device given; use -d URI or set OPTIGA_DEVICE "
		    "(for example -d sim:/tmp/optiga.sock, "
		    "-d i2c:/dev/i2c-1)");

	return chip_open(cli->device, &opts, chip);
}

static void
report(struct cli *cli, int rc)
{
	char name[64];
	const char *msg = op_errmsg();

	op_strerr(rc, name, sizeof(name));
	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:s,s:s,s:i}", "ok", 0,
		    "error", msg, "status", name, "exit_code",
		    op_exit_code(rc));

		cli_print_json(doc);
	}
	fprintf(stderr, "%s: %s%s%s [%s]\n", cli->prog,
	    cli->cmd ? cli->cmd : "", cli->cmd ? ": " : "",
	    msg[0] ? msg : "failed", name);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "shielded", no_argument, NULL, 'S' },
		{ "binding-secret", required_argument, NULL, 'B' },
		{ "reset-gpio", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli = {
		.device = getenv("OPTIGA_DEVICE"),
		.prog = "optiga-perso",
	};
	int ch;
	int rc;

	op_log_init_env();

	/* '+': stop at the subcommand, which parses its own options. */
	while ((ch = getopt_long(argc, argv, "+d:vqh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			cli.device = optarg;
			break;
		case 'v':
			cli.verbose++;
			break;
		case 'q':
			cli.quiet = true;
			break;
		case 'j':
			cli.json = true;
			break;
		case 'h':
			usage(stdout);
			return OP_EXIT_OK;
		case 'V':
			printf("optiga-perso %s\n", OP_VERSION);
			return OP_EXIT_OK;
		/*
		 * Through the environment, so that chip_open() sees them
		 * wherever the connection is made: here, in the OpenSSL
		 * provider, in the personalization flow.
		 */
		case 'S':
			setenv("OPTIGA_SHIELDED", "1", 1);
			break;
		case 'B':
			setenv("OPTIGA_BINDING_SECRET", optarg, 1);
			break;
		case 'G':
			setenv("OPTIGA_RESET_GPIO", optarg, 1);
			break;
		default:
			usage(stderr);
			return OP_EXIT_USAGE;
		}
	}
	if (cli.verbose > 0)
		op_log_set_level(OP_LOG_WARN + cli.verbose);

	if (optind >= argc) {
		usage(stderr);
		return OP_EXIT_USAGE;
	}

	cli.cmd = argv[optind];
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].name, cli.cmd) != 0)
			continue;
		/* Subcommands see argv[0] = their name. */
		argc -= optind;
		argv += optind;
		optind = 0;
		if ((rc = commands[i].run(&cli, argc, argv)) != 0) {
			report(&cli, rc);
			return op_exit_code(rc);
		}
		return OP_EXIT_OK;
	}

	fprintf(stderr, "%s: '%s' is not a command; run '%s --help' for "
	    "the list\n", cli.prog, cli.cmd, cli.prog);

	return OP_EXIT_USAGE;
}
