/*
 * optiga-perso lock --slot OID...: make slots unchangeable for good.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "perso/perso.h"
#include "util/err.h"

#define LOCK_SLOTS_MAX	16

static const char lock_help[] =
"usage: optiga-perso lock --slot OID[,OID...] [--slot OID]... [--yes]\n"
"\n"
"Lock slots so that they can never be changed again: the object's life\n"
"cycle (LcsO) goes to operational, which makes its change condition\n"
"\"LcsO < op\" false and freezes its metadata; a change condition that\n"
"would still hold is first set to NEV.  Afterwards the chip refuses to\n"
"write a locked certificate slot or to generate a key in a locked key\n"
"slot (error 0x8007).  The certificate stays readable and the key keeps\n"
"signing.  Empty slots are refused.  See docs/lock.md.\n"
"\n"
"THIS IS IRREVERSIBLE ON A REAL CHIP: a life cycle only moves forward,\n"
"and no command, reset or power cycle unlocks the slot.\n"
"\n"
"  -s, --slot OID  a slot to lock: 0xE0F1, key1, cert1, ...; repeat it\n"
"                  or separate with commas\n"
"  -y, --yes       do not ask for confirmation (for scripts)\n"
"\n"
"Examples:\n"
"  optiga-perso lock --slot key1,cert1\n"
"  optiga-perso lock --slot 0xE0F1 --slot 0xE0E1 --yes\n";

int
cli_confirm_irreversible(struct cli *cli, bool yes, const char *what)
{
	char line[64];

	fprintf(stderr, "%s: %s.\nThis is IRREVERSIBLE on a real chip: no "
	    "command, reset or power cycle undoes it.\n", cli->prog, what);
	if (yes)
		return 0;
	if (!isatty(STDIN_FILENO))
		return cli_usage_error(cli, "not confirmed: give --yes to "
		    "confirm without a terminal");
	fprintf(stderr, "Type 'yes' to go on: ");
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    strcmp(line, "yes\n") != 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_PERM), "not "
		    "confirmed; nothing was changed");

	return 0;
}

static int
lock_add(struct cli *cli, char *list, uint16_t *oids, size_t *n)
{
	char *save = NULL;
	int rc;

	for (char *t = strtok_r(list, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (*n == LOCK_SLOTS_MAX)
			return cli_usage_error(cli, "at most %d slots",
			    LOCK_SLOTS_MAX);
		if ((rc = cli_parse_oid(cli, t, &oids[*n])) != 0)
			return rc;
		for (size_t i = 0; i < *n; i++)
			if (oids[i] == oids[*n])
				return cli_usage_error(cli, "slot 0x%04X given "
				    "twice", oids[i]);
		(*n)++;
	}

	return 0;
}

int
cmd_lock(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint16_t oids[LOCK_SLOTS_MAX];
	struct chip *chip = NULL;
	json_t *doc = NULL;
	char what[64 + LOCK_SLOTS_MAX * 8];
	char name[32];
	bool yes = false;
	bool changed;
	size_t n = 0;
	size_t off;
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, lock_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "s:yh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if ((rc = lock_add(cli, optarg, oids, &n)) != 0)
				return rc;
			break;
		case 'y':
			yes = true;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "unexpected '%s'", argv[optind]);
	if (n == 0)
		return cli_usage_error(cli, "give the slots to lock with "
		    "--slot, for example --slot key1,cert1");

	off = (size_t)snprintf(what, sizeof(what), "locking");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(what + off, sizeof(what) - off,
		    " 0x%04X", oids[i]);
	if ((rc = cli_confirm_irreversible(cli, yes, what)) != 0)
		return rc;

	if ((rc = cli_open_chip(cli, &chip)) != 0)
		return rc;
	doc = json_pack("{s:b,s:[]}", "ok", 1, "slots");
	for (size_t i = 0; i < n; i++) {
		cli_oid_str(oids[i], name, sizeof(name));
		if ((rc = perso_lock_slot(chip, oids[i], &changed)) != 0) {
			if (i > 0)
				op_errctx(rc, "the slots before %s are locked",
				    name);
			goto fail;
		}
		json_array_append_new(json_object_get(doc, "slots"),
		    json_pack("{s:o,s:b}", "oid", cli_json_oid(oids[i]),
		    "changed", changed));
		cli_say(cli, "%s: %s\n", name, changed ? "locked (life cycle "
		    "operational; no longer changeable)" : "already locked; "
		    "nothing changed");
	}
	if (cli->json) {
		cli_print_json(doc);
		doc = NULL;
	}

	rc = 0;
fail:
	json_decref(doc);
	chip_close(&chip);

	return rc;
}
