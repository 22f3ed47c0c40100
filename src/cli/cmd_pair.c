/*
 * optiga-perso pair --out FILE [--lock]: pair host and chip for the
 * shielded connection (fact sheet 4.3): a fresh platform binding secret
 * from the chip's TRNG goes into 0xE140 and into FILE.
 */
#include <getopt.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"

#define LCS_OP		0x07

static const char pair_help[] =
"usage: optiga-perso pair --out FILE [--lock]\n"
"\n"
"Pair this host with the chip for the shielded connection: 64 random\n"
"bytes from the chip become its platform binding secret (0xE140,\n"
"erase and write) and the host's copy in FILE (mode 0600, written\n"
"atomically).  Refused once 0xE140 is operational (LcsO >= op).\n"
"\n"
"  -o, --out FILE   where the host keeps its copy of the secret\n"
"      --lock       then set 0xE140's life cycle to operational: the\n"
"                   secret can no longer be read, and only be changed\n"
"                   over a shielded connection (Conf(E140)).\n"
"                   IRREVERSIBLE on a real chip.\n"
"\n"
"Use the file afterwards with --shielded --binding-secret FILE (or\n"
"OPTIGA_SHIELDED=1 OPTIGA_BINDING_SECRET=FILE).  See docs/shielded.md.\n"
"\n"
"Example:\n"
"  optiga-perso pair --out /etc/optiga/binding.bin\n"
"  optiga-perso --shielded --binding-secret /etc/optiga/binding.bin info\n";

/* C0 = op; D0, D1, D3 and E8 stay as the factory set them (fact 6). */
static const uint8_t lock_meta[] = { 0x20, 0x03, 0xC0, 0x01, LCS_OP };

static int
pair_run(struct chip *chip, const char *out, bool lock)
{
	uint8_t secret[IFXI2C_SECRET_LEN];
	struct chip_meta m;
	int rc;

	/* 1: only while the object is not operational */
	if ((rc = chip_get_meta(chip, OID_PLATFORM_BINDING, &m)) != 0)
		return op_errctx(rc, "reading the metadata of 0xE140");
	if (m.has_lcso && m.lcso >= LCS_OP)
		return op_err(OP_RC(OP_LAYER_CHIP, 0x07), "0xE140 is "
		    "operational (LcsO 0x%02X): this chip is paired for good; "
		    "its secret can only be replaced over the shielded "
		    "connection", m.lcso);

	/* 2, 3: from the chip's TRNG into 0xE140 */
	if ((rc = chip_get_random(chip, secret, sizeof(secret))) != 0) {
		op_errctx(rc, "getting 64 random bytes");
		goto fail;
	}
	if ((rc = chip_write_data(chip, OID_PLATFORM_BINDING, secret,
	    sizeof(secret), true)) != 0) {
		op_errctx(rc, "writing the new secret into 0xE140");
		goto fail;
	}

	/* 4: the host's copy; the chip can still be paired again */
	if ((rc = ifxi2c_secret_store(out, secret)) != 0) {
		op_errctx(rc, "0xE140 holds the new secret but the host copy "
		    "was not saved: run pair again");
		goto fail;
	}

	/* 5: only after the host has its copy */
	if (lock && (rc = chip_write_meta(chip, OID_PLATFORM_BINDING,
	    lock_meta, sizeof(lock_meta))) != 0) {
		op_errctx(rc, "locking 0xE140 (the pairing itself is done)");
		goto fail;
	}

	rc = 0;
fail:
	OPENSSL_cleanse(secret, sizeof(secret));

	return rc;
}

int
cmd_pair(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "lock", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct chip *chip = NULL;
	const char *out = NULL;
	bool lock = false;
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, pair_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'L':
			lock = true;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc || out == NULL)
		return cli_usage_error(cli, "give the host's secret file with "
		    "--out FILE");

	if ((rc = cli_open_chip(cli, &chip)) != 0 ||
	    (rc = pair_run(chip, out, lock)) != 0)
		goto fail;

	if (cli->json) {
		cli_print_json(json_pack("{s:b,s:s,s:b}", "ok", 1, "file",
		    out, "locked", lock));
	} else {
		cli_say(cli, "paired: 0xE140 and %s hold a new secret%s\n",
		    out, lock ? "; 0xE140 is operational (locked)" : "");
	}

	rc = 0;
fail:
	chip_close(&chip);

	return rc;
}
