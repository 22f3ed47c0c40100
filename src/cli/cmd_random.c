/*
 * optiga-perso random N [-o FILE]: random bytes from the chip's TRNG.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"

#define RANDOM_MAX	65536

static const char random_help[] =
"usage: optiga-perso random N [-o FILE]\n"
"\n"
"Get N random bytes (1 to 65536) from the chip's true random number\n"
"generator.  Without -o they are printed as one line of hex; with -o\n"
"they are written to FILE as binary (mode 0600).\n"
"\n"
"  -o, --out FILE   write the bytes to FILE instead of printing them\n"
"\n"
"Example:\n"
"  optiga-perso -d sim:/tmp/optiga.sock random 32\n"
"  optiga-perso random 64 -o seed.bin\n";

int
cmd_random(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct chip *chip = NULL;
	const char *out = NULL;
	uint8_t *buf = NULL;
	unsigned long n = 0;
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, random_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cli, "give the number of bytes, "
		    "for example 'random 32'");
	if (!cli_parse_number(argv[optind], 1, RANDOM_MAX, &n))
		return cli_usage_error(cli, "'%s' is not a number of bytes "
		    "from 1 to %d", argv[optind], RANDOM_MAX);

	if ((buf = malloc(n)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if ((rc = cli_open_chip(cli, &chip)) != 0 ||
	    (rc = chip_get_random(chip, buf, n)) != 0)
		goto fail;

	if (out != NULL && (rc = cli_write_file(out, buf, n, 0600)) != 0)
		goto fail;

	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:i}", "ok", 1, "bytes",
		    (json_int_t)n);

		if (out != NULL)
			json_object_set_new(doc, "file", json_string(out));
		else
			json_object_set_new(doc, "hex", cli_json_hex(buf, n));
		cli_print_json(doc);
	} else if (out == NULL) {
		cli_print_hex(buf, n);
	} else {
		cli_say(cli, "wrote %lu random bytes to %s\n", n, out);
	}

	rc = 0;
fail:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, n);
		free(buf);
	}
	chip_close(&chip);

	return rc;
}
