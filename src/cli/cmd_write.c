/*
 * optiga-perso write OID FILE [--erase]: a file into a data object, read
 * back and compared.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"
#include "util/file.h"

#define WRITE_FILE_MAX	65535	/* offsets are 16 bits */

static const char write_help[] =
"usage: optiga-perso write OID FILE [--erase]\n"
"\n"
"Write the bytes of FILE into a data object from offset 0, then read\n"
"them back and compare.  The object's maximum size (from its metadata)\n"
"is checked before anything is written.  Without --erase, bytes beyond\n"
"the end of FILE keep their old values; with --erase the object is\n"
"cleared first and then holds exactly FILE.\n"
"\n"
"OID is four hex digits (0xE0E1) or a name such as cert1, ta1.\n"
"\n"
"  -e, --erase   clear the object first (erase & write)\n"
"\n"
"Examples:\n"
"  optiga-perso write cert1 device.cert --erase\n"
"  optiga-perso write 0xF1D0 serial.bin\n";

/* A refused write gets the object's change condition as a hint. */
static int
write_refused(struct chip *chip, uint16_t oid, int rc)
{
	struct chip_meta m;
	char msg[1024];
	char ac[256];

	if (rc != OP_RC(OP_LAYER_CHIP, 0x07))
		return rc;
	snprintf(msg, sizeof(msg), "%s", op_errmsg());
	if (chip_get_meta(chip, oid, &m) != 0)
		return op_err(rc, "%s", msg);
	op_err(rc, "%s", msg);

	return cli_err_hint(rc, "its change access condition is %s; its "
	    "life cycle is %s", chip_ac_str(&m.change, ac, sizeof(ac)),
	    m.has_lcso ? chip_lcs_name(m.lcso) : "operational");
}

/*
 * Read back and compare.  Returns 0 with *why set when the object cannot
 * be read back at all (a write-only object), rather than failing.
 */
static int
write_verify(struct chip *chip, uint16_t oid, const uint8_t *data,
    size_t len, bool erase, const struct chip_meta *m, const char **why)
{
	uint8_t *back = NULL;
	size_t cap = len + 1;
	size_t got = 0;
	char name[32];
	int rc;

	*why = NULL;
	cli_oid_str(oid, name, sizeof(name));
	if (!m->read.present || (m->read.len == 1 && m->read.expr[0] ==
	    0xFF)) {
		*why = "its read access condition is NEV";
		return 0;
	}
	if ((back = malloc(cap)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	rc = chip_read_data(chip, oid, back, cap, &got);
	if (rc == OP_RC(OP_LAYER_CHIP, 0x07)) {
		op_err_clear();
		*why = "the chip refuses to read it back";
		rc = 0;
		goto fail;
	}
	if (rc != 0) {
		op_errctx(rc, "reading %s back", name);
		goto fail;
	}

	/* erase & write leaves exactly the file; write keeps what follows */
	if (got < len || (erase && got != len) ||
	    memcmp(back, data, len) != 0) {
		size_t i = 0;

		while (i < len && i < got && back[i] == data[i])
			i++;
		rc = op_err(OP_RC(OP_LAYER_NONE, OP_E_VERIFY),
		    "%s reads back %zu bytes that differ from the %zu "
		    "written, first at byte %zu", name, got, len, i);
		goto fail;
	}

	rc = 0;
fail:
	OPENSSL_cleanse(back, cap);
	free(back);

	return rc;
}

int
cmd_write(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "erase", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct chip *chip = NULL;
	struct chip_meta m;
	const char *path;
	const char *why = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	bool erase = false;
	uint16_t oid;
	char name[32];
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, write_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "eh", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			erase = true;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind + 2 != argc)
		return cli_usage_error(cli, "give an object and a file, for "
		    "example 'write cert1 device.cert'");
	if ((rc = cli_parse_oid(cli, argv[optind], &oid)) != 0)
		return rc;
	path = argv[optind + 1];
	cli_oid_str(oid, name, sizeof(name));

	if ((rc = op_file_read(path, WRITE_FILE_MAX, &data, &len)) != 0) {
		rc = cli_as_usage(rc);
		goto fail;
	}

	/* the size check needs only the metadata: nothing is written yet */
	if ((rc = cli_open_chip(cli, &chip)) != 0 ||
	    (rc = chip_get_meta(chip, oid, &m)) != 0)
		goto fail;
	if (m.has_max && len > m.max_size) {
		rc = op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE),
		    "%s is %zu bytes but %s holds at most %zu bytes; nothing "
		    "was written", path, len, name, m.max_size);
		goto fail;
	}

	cli_progress(cli, "writing %zu bytes to %s%s", len, name,
	    erase ? " (erase & write)" : "");
	if ((rc = chip_write_data(chip, oid, data, len, erase)) != 0) {
		rc = write_refused(chip, oid, rc);
		goto fail;
	}
	if ((rc = write_verify(chip, oid, data, len, erase, &m, &why)) != 0)
		goto fail;

	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:o,s:s,s:i,s:b,s:b}", "ok", 1,
		    "oid", cli_json_oid(oid), "file", path, "bytes",
		    (json_int_t)len, "erase", erase, "verified", why == NULL);

		if (why != NULL)
			json_object_set_new(doc, "not_verified_because",
			    json_string(why));
		cli_print_json(doc);
	} else if (why == NULL) {
		cli_say(cli, "wrote %zu bytes to %s; read back and compared: "
		    "identical\n", len, name);
	} else {
		cli_say(cli, "wrote %zu bytes to %s; not read back: %s\n",
		    len, name, why);
	}

	rc = 0;
fail:
	if (data != NULL) {
		OPENSSL_cleanse(data, len);
		free(data);
	}
	chip_close(&chip);

	return rc;
}
