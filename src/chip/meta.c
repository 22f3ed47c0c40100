/*
 * Metadata (fact sheet 7) as this tool uses it: the codec parses, this
 * file picks out the tags and names things for people.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chip/chip_int.h"
#include "codec/meta.h"
#include "util/err.h"

static void
meta_ac_copy(struct chip_ac *ac, const struct meta *m, uint8_t tag)
{
	const uint8_t *v;
	size_t n = 0;

	if ((v = meta_get(m, tag, &n)) == NULL)
		return;
	ac->present = true;
	ac->len = (uint8_t)n;
	memcpy(ac->expr, v, n);
}

static bool
meta_byte(const struct meta *m, uint8_t tag, uint8_t *out)
{
	const uint8_t *v;
	size_t n = 0;

	if ((v = meta_get(m, tag, &n)) == NULL || n != 1)
		return false;
	*out = v[0];

	return true;
}

int
chip_meta_parse(const uint8_t *buf, size_t len, struct chip_meta *m)
{
	struct meta raw;
	const uint8_t *v;
	size_t n = 0;
	uint16_t sz;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = meta_parse(buf, len, &raw)) != 0)
		return rc;

	m->has_lcso = meta_byte(&raw, META_TAG_LCSO, &m->lcso);
	m->has_alg = meta_byte(&raw, META_TAG_ALGORITHM, &m->alg);
	m->has_usage = meta_byte(&raw, META_TAG_KEY_USAGE, &m->usage);
	m->has_type = meta_byte(&raw, META_TAG_TYPE, &m->type);
	if ((v = meta_get(&raw, META_TAG_VERSION, &n)) != NULL && n == 2) {
		m->has_version = true;
		m->version = rd16(v);
	}
	if (meta_get_size(&raw, META_TAG_MAX_SIZE, &sz) == 0) {
		m->has_max = true;
		m->max_size = sz;
	}
	if (meta_get_size(&raw, META_TAG_USED_SIZE, &sz) == 0) {
		m->has_used = true;
		m->used_size = sz;
	}
	meta_ac_copy(&m->change, &raw, META_TAG_CHANGE);
	meta_ac_copy(&m->read, &raw, META_TAG_READ);
	meta_ac_copy(&m->exec, &raw, META_TAG_EXECUTE);

	/* a missing used size means the object is full (fact sheet 7.1) */
	if (!m->has_used && m->has_max)
		m->used_size = m->max_size;

	return 0;
}

/* Bounded appending to a string buffer. */
struct sbuf {
	char *p;
	size_t cap;
	size_t len;
};

static void
sb_add(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_add(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->len >= sb->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n;
	if (sb->len >= sb->cap)
		sb->len = sb->cap;
}

const char *
chip_ac_str(const struct chip_ac *ac, char *buf, size_t cap)
{
	buf[0] = '\0';
	/* a missing condition means never (fact sheet 7.1) */
	if (!ac->present || ac->len == 0) {
		snprintf(buf, cap, "NEV");
		return buf;
	}
	if (meta_ac_describe(ac->expr, ac->len, buf, cap) != 0)
		op_err_clear();	/* shown as "invalid (hex)"; not a failure */

	return buf;
}

const char *
chip_lcs_name(uint8_t lcs)
{
	switch (lcs) {
	case 0x01: return "creation";
	case 0x03: return "initialization";
	case 0x07: return "operational";
	case 0x0F: return "termination";
	default: return "unknown";
	}
}

const char *
chip_objtype_name(uint8_t type)
{
	switch (type) {
	case 0x00: return "BSTR";
	case 0x01: return "UPCTR";
	case 0x11: return "TA";
	case 0x12: return "DEVCERT";
	case 0x21: return "PRESSEC";
	case 0x22: return "PTFBIND";
	case 0x23: return "UPDATSEC";
	case 0x31: return "AUTOREF";
	default: return "unknown";
	}
}

static const struct {
	uint8_t bit;
	const char *name;
} usage_names[] = {
	{ CHIP_USAGE_AUTH, "auth" },
	{ CHIP_USAGE_ENC, "enc" },
	{ CHIP_USAGE_SIGN, "sign" },
	{ CHIP_USAGE_KEYAGREE, "keyagree" },
};

#define N_USAGE (sizeof(usage_names) / sizeof(usage_names[0]))

const char *
chip_usage_str(uint8_t usage, char *buf, size_t cap)
{
	struct sbuf sb = { buf, cap, 0 };
	uint8_t left = usage;

	buf[0] = '\0';
	if (usage == 0) {
		sb_add(&sb, "none");
		return buf;
	}
	for (size_t i = 0; i < N_USAGE; i++) {
		if ((usage & usage_names[i].bit) == 0)
			continue;
		sb_add(&sb, "%s%s", sb.len ? "," : "", usage_names[i].name);
		left &= (uint8_t)~usage_names[i].bit;
	}
	if (left != 0)
		sb_add(&sb, "%s0x%02X", sb.len ? "," : "", left);

	return buf;
}

int
chip_usage_parse(const char *s, uint8_t *usage)
{
	const char *p = s;

	*usage = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		size_t i;

		for (i = 0; i < N_USAGE; i++)
			if (strlen(usage_names[i].name) == n &&
			    strncasecmp(p, usage_names[i].name, n) == 0)
				break;
		if (i == N_USAGE)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "'%.*s' in '%s' is not a key usage; use a comma "
			    "list of sign, auth, enc, keyagree", (int)n, p, s);
		*usage |= usage_names[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*usage == 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "empty key usage; use a comma list of sign, auth, enc, "
		    "keyagree");

	return 0;
}
