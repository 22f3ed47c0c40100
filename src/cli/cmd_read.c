/*
 * optiga-perso read OID [-o FILE] [--meta]: a data object or its
 * metadata.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "util/err.h"

#define READ_CAP	4096	/* more than any object (1728) */

static const char read_help[] =
"usage: optiga-perso read OID [-o FILE] [--meta]\n"
"\n"
"Read a data object (a certificate, a trust anchor, a data slot) and\n"
"print it as hex, or write it to FILE as binary.  With --meta, read the\n"
"object's metadata instead and show it decoded: life cycle, sizes, and\n"
"who may change, read and use it.\n"
"\n"
"OID is four hex digits (0xE0E1) or a name: cert0..cert3, key0..key3,\n"
"rsa1, rsa2, ta1, ta2, ta8, counter1..counter4, uid, lcsg, lcsa.\n"
"Key objects can never be read; their metadata can.  The platform\n"
"binding secret (0xE140) is only written to a file (mode 0600).\n"
"\n"
"  -o, --out FILE   write the bytes to FILE (metadata with --meta)\n"
"  -m, --meta       the metadata, decoded\n"
"\n"
"Examples:\n"
"  optiga-perso read cert0 -o factory.cert\n"
"  optiga-perso read --meta key1\n"
"  optiga-perso --json read uid\n";

static void
meta_show(struct cli *cli, uint16_t oid, const uint8_t *raw, size_t len,
    const struct chip_meta *m)
{
	const struct chip_alg_info *ai;
	char ac[256];
	char u[64];
	char name[32];

	cli_oid_str(oid, name, sizeof(name));
	cli_say(cli, "%-10s %s\n", "object", name);
	cli_say(cli, "%-10s ", "metadata");
	if (!cli->quiet && !cli->json)
		cli_print_hex(raw, len);
	if (m->has_lcso)
		cli_say(cli, "%-10s %s (0x%02X)\n", "lcs",
		    chip_lcs_name(m->lcso), m->lcso);
	if (m->has_max)
		cli_say(cli, "%-10s %zu bytes\n", "max size", m->max_size);
	if (m->has_max || m->has_used)
		cli_say(cli, "%-10s %zu bytes\n", "used size", m->used_size);
	cli_say(cli, "%-10s %s\n", "change", chip_ac_str(&m->change, ac,
	    sizeof(ac)));
	cli_say(cli, "%-10s %s\n", "read", chip_ac_str(&m->read, ac,
	    sizeof(ac)));
	cli_say(cli, "%-10s %s\n", "execute", chip_ac_str(&m->exec, ac,
	    sizeof(ac)));
	if (m->has_type)
		cli_say(cli, "%-10s %s (0x%02X)\n", "type",
		    chip_objtype_name(m->type), m->type);
	if (m->has_alg) {
		ai = chip_alg_by_id(m->alg);
		cli_say(cli, "%-10s %s (0x%02X)\n", "algorithm",
		    ai ? ai->name : "unknown", m->alg);
	}
	if (m->has_usage)
		cli_say(cli, "%-10s %s (0x%02X)\n", "usage",
		    chip_usage_str(m->usage, u, sizeof(u)), m->usage);
	if (m->has_version)
		cli_say(cli, "%-10s 0x%04X\n", "version", m->version);
}

static json_t *
meta_json(uint16_t oid, const uint8_t *raw, size_t len,
    const struct chip_meta *m)
{
	const struct chip_alg_info *ai;
	json_t *j = json_object();
	char ac[256];
	char u[64];

	json_object_set_new(j, "ok", json_true());
	json_object_set_new(j, "oid", cli_json_oid(oid));
	json_object_set_new(j, "metadata", cli_json_hex(raw, len));
	if (m->has_lcso)
		json_object_set_new(j, "lcs", json_string(
		    chip_lcs_name(m->lcso)));
	if (m->has_max)
		json_object_set_new(j, "max_size", json_integer(
		    (json_int_t)m->max_size));
	if (m->has_max || m->has_used)
		json_object_set_new(j, "used_size", json_integer(
		    (json_int_t)m->used_size));
	json_object_set_new(j, "change", json_string(chip_ac_str(&m->change,
	    ac, sizeof(ac))));
	json_object_set_new(j, "read", json_string(chip_ac_str(&m->read, ac,
	    sizeof(ac))));
	json_object_set_new(j, "execute", json_string(chip_ac_str(&m->exec,
	    ac, sizeof(ac))));
	if (m->has_type)
		json_object_set_new(j, "type", json_string(
		    chip_objtype_name(m->type)));
	if (m->has_alg && (ai = chip_alg_by_id(m->alg)) != NULL)
		json_object_set_new(j, "algorithm", json_string(ai->name));
	if (m->has_usage)
		json_object_set_new(j, "usage", json_string(
		    chip_usage_str(m->usage, u, sizeof(u))));

	return j;
}

static int
read_meta(struct cli *cli, struct chip *chip, uint16_t oid, const char *out)
{
	uint8_t raw[256];
	struct chip_meta m;
	size_t len = 0;
	int rc;

	if ((rc = chip_read_meta(chip, oid, raw, sizeof(raw), &len)) != 0 ||
	    (rc = chip_meta_parse(raw, len, &m)) != 0)
		return rc;
	if (out != NULL && (rc = cli_write_file(out, raw, len, 0644)) != 0)
		return rc;
	if (cli->json)
		cli_print_json(meta_json(oid, raw, len, &m));
	else
		meta_show(cli, oid, raw, len, &m);

	return 0;
}

/* A refused read gets the object's read condition as a hint. */
static int
read_refused(struct chip *chip, uint16_t oid, int rc)
{
	const struct chip_slot *s = chip_slot_by_oid(oid);
	struct chip_meta m;
	char ac[256];

	if (rc != OP_RC(OP_LAYER_CHIP, 0x07) && rc != OP_RC(OP_LAYER_CHIP,
	    0x01))
		return rc;
	if (s != NULL && s->kind == CHIP_SLOT_KEY)
		return cli_err_hint(rc, "0x%04X is a key object: its private "
		    "key never leaves the chip; try 'read --meta'", oid);
	if (rc == OP_RC(OP_LAYER_CHIP, 0x07)) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", op_errmsg());
		if (chip_get_meta(chip, oid, &m) == 0) {
			op_err(rc, "%s", msg);
			return cli_err_hint(rc, "its read access condition "
			    "is %s", chip_ac_str(&m.read, ac, sizeof(ac)));
		}
		return op_err(rc, "%s", msg);
	}

	return rc;
}

int
cmd_read(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "meta", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct chip_slot *slot;
	struct chip *chip = NULL;
	const char *out = NULL;
	uint8_t buf[READ_CAP];
	bool meta = false;
	size_t len = 0;
	uint16_t oid;
	char name[32];
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, read_help))
		return 0;
	while ((ch = getopt_long(argc, argv, "o:mh", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'm':
			meta = true;
			break;
		default:
			return cli_usage_error(cli, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cli, "give one object, for example "
		    "'read 0xE0E1' or 'read cert1'");
	if ((rc = cli_parse_oid(cli, argv[optind], &oid)) != 0)
		return rc;
	cli_oid_str(oid, name, sizeof(name));
	slot = chip_slot_by_oid(oid);
	if (!meta && out == NULL && slot != NULL &&
	    slot->kind == CHIP_SLOT_SECRET)
		return cli_usage_error(cli, "%s holds a secret, which is not "
		    "printed; use -o FILE", name);

	if ((rc = cli_open_chip(cli, &chip)) != 0)
		goto fail;
	if (meta) {
		rc = read_meta(cli, chip, oid, out);
		goto fail;
	}

	if ((rc = chip_read_data(chip, oid, buf, sizeof(buf), &len)) != 0) {
		rc = read_refused(chip, oid, rc);
		goto fail;
	}
	if (out != NULL) {
		mode_t mode = (slot != NULL && slot->kind == CHIP_SLOT_SECRET) ?
		    0600 : 0644;

		if ((rc = cli_write_file(out, buf, len, mode)) != 0)
			goto fail;
	}

	if (cli->json) {
		json_t *doc = json_pack("{s:b,s:o,s:i}", "ok", 1, "oid",
		    cli_json_oid(oid), "bytes", (json_int_t)len);

		if (out != NULL)
			json_object_set_new(doc, "file", json_string(out));
		else
			json_object_set_new(doc, "data", cli_json_hex(buf,
			    len));
		cli_print_json(doc);
	} else if (out == NULL) {
		cli_print_hex(buf, len);
	} else {
		cli_say(cli, "read %zu bytes of %s into %s\n", len, name,
		    out);
	}

	rc = 0;
fail:
	OPENSSL_cleanse(buf, sizeof(buf));
	chip_close(&chip);

	return rc;
}
