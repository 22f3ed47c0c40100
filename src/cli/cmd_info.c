/*
 * optiga-perso info: what the chip is and what each slot holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "chip/chip.h"
#include "cli/cli.h"
#include "codec/tlv.h"
#include "perso/perso.h"
#include "util/err.h"
#include "util/hex.h"

static const char info_help[] =
"usage: optiga-perso info\n"
"\n"
"Show the chip: its UID decoded field by field, the product and\n"
"firmware build it implies, the global and application life cycles,\n"
"and for every key, certificate, trust anchor, counter and data slot:\n"
"what it holds (key type and usage, certificate subject), its used and\n"
"maximum size, its life cycle and who may change, read and use it.\n"
"Secrets (the platform binding secret) are never read.\n"
"\n"
"Examples:\n"
"  optiga-perso -d sim:/tmp/optiga.sock info\n"
"  optiga-perso --json info | jq '.slots[] | select(.kind==\"key\")'\n";

static const char *const kind_names[] = {
	[CHIP_SLOT_STATE] = "state",
	[CHIP_SLOT_KEY] = "key",
	[CHIP_SLOT_CERT] = "certificate",
	[CHIP_SLOT_TRUST_ANCHOR] = "trust anchor",
	[CHIP_SLOT_COUNTER] = "counter",
	[CHIP_SLOT_SECRET] = "secret",
	[CHIP_SLOT_DATA] = "data",
};

/* One line of text or one JSON object per slot. */
struct info_out {
	struct cli *cli;
	json_t *slots;
};

static int
info_byte(struct chip *chip, uint16_t oid, uint8_t *v)
{
	size_t n = 0;
	int rc;

	if ((rc = chip_read_data(chip, oid, v, 1, &n)) != 0)
		return rc;
	if (n != 1)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "0x%04X holds %zu bytes, expected 1", oid, n);

	return 0;
}

static void
uid_show(struct cli *cli, const struct chip_uid *u)
{
	const uint8_t *r = u->raw;
	char h[2 * CHIP_UID_LEN + 1];

	op_hex_encode(r, CHIP_UID_LEN, h);
	cli_say(cli, "%-12s %s\n", "UID", h);
	op_hex_encode(r + 5, 6, h);
	cli_say(cli, "  CIM 0x%02X, platform 0x%02X, model 0x%02X, ROM mask "
	    "0x%02X%02X, chip type %s\n", r[0], r[1], r[2], r[3], r[4], h);
	op_hex_encode(r + 11, 6, h);
	cli_say(cli, "  batch %s, wafer x %u y %u, firmware id "
	    "%02X%02X%02X%02X, ESW build %02X%02X\n", h,
	    (unsigned)rd16(r + 17), (unsigned)rd16(r + 19), r[21], r[22],
	    r[23], r[24], r[25], r[26]);
}

static json_t *
uid_json(const struct chip_uid *u)
{
	const uint8_t *r = u->raw;

	return json_pack("{s:o,s:i,s:i,s:i,s:o,s:o,s:o,s:i,s:i,s:o,s:i}",
	    "hex", cli_json_hex(r, CHIP_UID_LEN),
	    "cim", r[0], "platform", r[1], "model", r[2],
	    "rom_mask", cli_json_hex(r + 3, 2),
	    "chip_type", cli_json_hex(r + 5, 6),
	    "batch", cli_json_hex(r + 11, 6),
	    "wafer_x", rd16(r + 17), "wafer_y", rd16(r + 19),
	    "firmware_id", cli_json_hex(r + 21, 4),
	    "esw_build", u->build);
}

/*
 * The first certificate of a slot: raw DER (first byte 30) or the TLS
 * identity form C0 LLLL LLLLLL llllll DER (fact sheet 8).  Writes the
 * subject into subj and the form into *form; "" when empty.
 */
static void
cert_subject(const uint8_t *buf, size_t len, char *subj, size_t cap,
    const char **form)
{
	const uint8_t *p = buf;
	size_t n = len;
	X509 *x = NULL;
	BIO *b = NULL;
	char *s;
	long sl;

	subj[0] = '\0';
	*form = "empty";
	while (n > 0 && buf[n - 1] == 0)
		n--;
	if (n == 0)
		return;
	if (buf[0] == 0xC0 && len >= 9) {
		size_t clen = (size_t)buf[6] << 16 | (size_t)buf[7] << 8 |
		    buf[8];

		*form = "tls";
		p = buf + 9;
		n = clen <= len - 9 ? clen : len - 9;
	} else if (buf[0] == 0x30) {
		*form = "der";
		n = len;
	} else {
		*form = "unknown";
		return;
	}
	if ((x = d2i_X509(NULL, &p, (long)n)) == NULL) {
		snprintf(subj, cap, "(not a certificate OpenSSL can parse)");
		ERR_clear_error();
		return;
	}
	if ((b = BIO_new(BIO_s_mem())) != NULL &&
	    X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253) >= 0 && (sl = BIO_get_mem_data(b, &s)) >= 0)
		snprintf(subj, cap, "%.*s", (int)sl, s);
	BIO_free(b);
	X509_free(x);
}

/* Certificate and trust anchor slots: read when readable. */
static void
info_cert(struct chip *chip, const struct chip_slot *s, json_t *j,
    char *line, size_t cap)
{
	uint8_t buf[CHIP_CERT_MAX];
	const char *form;
	char subj[512];
	size_t len = 0;
	int rc;

	if ((rc = chip_read_data(chip, s->oid, buf, sizeof(buf),
	    &len)) != 0) {
		snprintf(line, cap, "not readable: %s", op_errmsg());
		json_object_set_new(j, "error", json_string(op_errmsg()));
		op_err_clear();
		return;
	}
	cert_subject(buf, len, subj, sizeof(subj), &form);
	json_object_set_new(j, "format", json_string(form));
	if (strcmp(form, "empty") == 0)
		snprintf(line, cap, "empty");
	else if (strcmp(form, "unknown") == 0)
		snprintf(line, cap, "holds %zu bytes, not a certificate "
		    "(first byte 0x%02X)", len, buf[0]);
	else
		snprintf(line, cap, "%s (%s form)", subj, form);
	if (subj[0] != '\0')
		json_object_set_new(j, "subject", json_string(subj));
}

static void
info_counter(struct chip *chip, const struct chip_slot *s, json_t *j,
    char *line, size_t cap)
{
	uint8_t v[8];
	size_t len = 0;

	if (chip_read_data(chip, s->oid, v, sizeof(v), &len) != 0 ||
	    len != 8) {
		snprintf(line, cap, "not readable");
		op_err_clear();
		return;
	}
	/* value then threshold, each a big-endian uint32 (fact sheet 6) */
	json_object_set_new(j, "value", json_integer(
	    (json_int_t)rd16(v) << 16 | rd16(v + 2)));
	json_object_set_new(j, "threshold", json_integer(
	    (json_int_t)rd16(v + 4) << 16 | rd16(v + 6)));
	snprintf(line, cap, "value %lu of threshold %lu",
	    (unsigned long)rd16(v) << 16 | rd16(v + 2),
	    (unsigned long)rd16(v + 4) << 16 | rd16(v + 6));
}

static void
info_slot(struct info_out *o, struct chip *chip, const struct chip_slot *s)
{
	const struct chip_alg_info *ai;
	struct chip_meta m;
	json_t *j = json_object();
	char what[600] = "";
	char ac[3][200];
	char u[64];
	int rc;

	json_object_set_new(j, "oid", cli_json_oid(s->oid));
	if (s->alias != NULL)
		json_object_set_new(j, "alias", json_string(s->alias));
	json_object_set_new(j, "kind", json_string(kind_names[s->kind]));
	json_object_set_new(j, "description", json_string(s->desc));

	if ((rc = chip_get_meta(chip, s->oid, &m)) != 0) {
		/* 0x01: the product has no such object after all */
		json_object_set_new(j, "present", json_boolean(
		    rc != OP_RC(OP_LAYER_CHIP, 0x01)));
		json_object_set_new(j, "error", json_string(op_errmsg()));
		cli_say(o->cli, "  0x%04X %-8s %s\n         %s\n", s->oid,
		    s->alias ? s->alias : "", s->desc,
		    rc == OP_RC(OP_LAYER_CHIP, 0x01) ?
		    "not on this chip (0x8001, invalid OID)" : op_errmsg());
		op_err_clear();
		json_array_append_new(o->slots, j);
		return;
	}
	json_object_set_new(j, "present", json_true());

	switch (s->kind) {
	case CHIP_SLOT_KEY:
		if (m.has_alg) {
			ai = chip_alg_by_id(m.alg);
			json_object_set_new(j, "algorithm", json_string(
			    ai ? ai->name : "unknown"));
			snprintf(what, sizeof(what), "%s key",
			    ai ? ai->name : "unknown");
		} else {
			snprintf(what, sizeof(what), "no key");
		}
		if (m.has_usage) {
			chip_usage_str(m.usage, u, sizeof(u));
			json_object_set_new(j, "usage", json_string(u));
			snprintf(what + strlen(what), sizeof(what) -
			    strlen(what), ", usage %s", u);
		}
		break;
	case CHIP_SLOT_CERT:
	case CHIP_SLOT_TRUST_ANCHOR:
		info_cert(chip, s, j, what, sizeof(what));
		break;
	case CHIP_SLOT_COUNTER:
		info_counter(chip, s, j, what, sizeof(what));
		break;
	case CHIP_SLOT_SECRET:
		snprintf(what, sizeof(what), "secret (not read)");
		break;
	default:
		break;
	}
	if (m.has_max) {
		json_object_set_new(j, "used_size", json_integer(
		    (json_int_t)m.used_size));
		json_object_set_new(j, "max_size", json_integer(
		    (json_int_t)m.max_size));
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
		    "%s%zu of %zu bytes used", what[0] ? "; " : "",
		    m.used_size, m.max_size);
	}
	chip_ac_str(&m.change, ac[0], sizeof(ac[0]));
	chip_ac_str(&m.read, ac[1], sizeof(ac[1]));
	chip_ac_str(&m.exec, ac[2], sizeof(ac[2]));
	json_object_set_new(j, "lcs", json_string(m.has_lcso ?
	    chip_lcs_name(m.lcso) : "operational"));
	json_object_set_new(j, "change", json_string(ac[0]));
	json_object_set_new(j, "read", json_string(ac[1]));
	json_object_set_new(j, "execute", json_string(ac[2]));
	/* lock.c: life cycle operational and a change that can never hold */
	json_object_set_new(j, "locked", json_boolean(perso_meta_locked(&m)));
	if (m.has_type)
		json_object_set_new(j, "type", json_string(
		    chip_objtype_name(m.type)));

	cli_say(o->cli, "  0x%04X %-8s %s\n", s->oid,
	    s->alias ? s->alias : "", s->desc);
	if (what[0] != '\0')
		cli_say(o->cli, "         %s\n", what);
	cli_say(o->cli, "         %s%s; change %s; read %s; execute %s\n",
	    m.has_lcso ? chip_lcs_name(m.lcso) : "operational",
	    perso_meta_locked(&m) ? ", LOCKED" : "", ac[0], ac[1], ac[2]);
	json_array_append_new(o->slots, j);
}

static int
info_state(struct cli *cli, struct chip *chip, json_t *doc,
    const struct chip_uid *uid)
{
	uint8_t lcsg, lcsa, sec = 0;
	uint8_t buf[2];
	size_t n = 0;
	int rc;

	if ((rc = info_byte(chip, OID_LCS_GLOBAL, &lcsg)) != 0 ||
	    (rc = info_byte(chip, OID_LCS_APP, &lcsa)) != 0)
		return rc;
	/* optional: not every chip lets these be read */
	if (info_byte(chip, OID_SEC_COUNTER, &sec) != 0)
		op_err_clear();
	if (chip_read_data(chip, OID_MAX_COMM_BUF, buf, 2, &n) != 0 || n != 2)
		op_err_clear();

	cli_say(cli, "%-12s %s\n", "device", chip_uri(chip));
	if (uid->product != CHIP_PRODUCT_UNKNOWN)
		cli_say(cli, "%-12s %s, firmware build %u\n", "product",
		    chip_product_name(uid->product), uid->build);
	else
		cli_say(cli, "%-12s unknown (firmware build %u is not in "
		    "the table)\n", "product", uid->build);
	uid_show(cli, uid);
	cli_say(cli, "%-12s %s (0x%02X)\n", "LcsG", chip_lcs_name(lcsg),
	    lcsg);
	cli_say(cli, "%-12s %s (0x%02X)\n", "LcsA", chip_lcs_name(lcsa),
	    lcsa);
	cli_say(cli, "%-12s %u\n", "SEC", sec);
	if (n == 2)
		cli_say(cli, "%-12s %u bytes per command\n", "buffer",
		    (unsigned)rd16(buf));

	json_object_set_new(doc, "device", json_string(chip_uri(chip)));
	json_object_set_new(doc, "product", json_string(
	    chip_product_name(uid->product)));
	json_object_set_new(doc, "firmware_build", json_integer(uid->build));
	json_object_set_new(doc, "uid", uid_json(uid));
	json_object_set_new(doc, "lcsg", json_pack("{s:i,s:s}", "value",
	    lcsg, "name", chip_lcs_name(lcsg)));
	json_object_set_new(doc, "lcsa", json_pack("{s:i,s:s}", "value",
	    lcsa, "name", chip_lcs_name(lcsa)));
	json_object_set_new(doc, "security_event_counter", json_integer(sec));
	if (n == 2)
		json_object_set_new(doc, "max_command_buffer",
		    json_integer(rd16(buf)));

	return 0;
}

int
cmd_info(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const enum chip_slot_kind order[] = {
		CHIP_SLOT_KEY, CHIP_SLOT_CERT, CHIP_SLOT_TRUST_ANCHOR,
		CHIP_SLOT_COUNTER, CHIP_SLOT_SECRET, CHIP_SLOT_DATA
	};
	static const char *const titles[] = {
		"keys", "certificates", "trust anchors", "counters",
		"secrets", "data objects"
	};
	struct info_out o = { cli, NULL };
	const struct chip_slot *tab;
	struct chip *chip = NULL;
	struct chip_uid uid;
	json_t *doc = json_object();
	size_t ntab;
	int ch;
	int rc;

	if (cli_help_requested(argc, argv, info_help)) {
		json_decref(doc);
		return 0;
	}
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		json_decref(doc);
		return cli_usage_error(cli, "unknown option");
	}
	if (optind != argc) {
		json_decref(doc);
		return cli_usage_error(cli, "info takes no arguments");
	}

	if ((rc = cli_open_chip(cli, &chip)) != 0 ||
	    (rc = chip_get_uid(chip, &uid)) != 0 ||
	    (rc = info_state(cli, chip, doc, &uid)) != 0)
		goto fail;

	o.slots = json_array();
	tab = chip_slot_table(&ntab);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		cli_say(cli, "\n%s\n", titles[k]);
		for (size_t i = 0; i < ntab; i++)
			if (tab[i].kind == order[k] &&
			    chip_slot_on(&tab[i], uid.product))
				info_slot(&o, chip, &tab[i]);
	}
	json_object_set_new(doc, "slots", o.slots);
	json_object_set_new(doc, "ok", json_true());

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
