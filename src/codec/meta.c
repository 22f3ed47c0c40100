/*
 * Metadata container codec and access-condition expressions.
 */
#include <stdio.h>
#include <string.h>

#include "codec/meta.h"
#include "util/err.h"

#define META_ERR	OP_RC(OP_LAYER_CMD, OP_E_INVAL)

void
meta_init(struct meta *m)
{
	memset(m, 0, sizeof(*m));
}

static struct meta_item *
meta_find(const struct meta *m, uint8_t tag)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->item[i].tag == tag)
			return (struct meta_item *)(uintptr_t)&m->item[i];

	return NULL;
}

int
meta_parse(const uint8_t *buf, size_t len, struct meta *m)
{
	size_t content;
	size_t off;

	meta_init(m);

	if (len < 2 || buf[0] != META_TAG_CONTAINER)
		return op_err(META_ERR, "metadata does not start with 0x20 "
		    "(got %zu bytes, first 0x%02x)", len, len ? buf[0] : 0);
	content = buf[1];
	if (content + 2 != len)
		return op_err(META_ERR, "metadata container says %zu bytes "
		    "but %zu follow", content, len - 2);
	if (content > META_MAX_CONTENT)
		return op_err(META_ERR, "metadata of %zu bytes is longer "
		    "than %d", content, META_MAX_CONTENT);

	for (off = 2; off < len;) {
		uint8_t tag = buf[off];
		size_t n;

		if (len - off < 2)
			return op_err(META_ERR, "metadata tag 0x%02x at "
			    "offset %zu has no length", tag, off);
		n = buf[off + 1];
		if (n > len - off - 2)
			return op_err(META_ERR, "metadata tag 0x%02x at "
			    "offset %zu says %zu bytes, %zu left", tag, off, n,
			    len - off - 2);
		if (meta_find(m, tag) != NULL)
			return op_err(META_ERR, "metadata tag 0x%02x appears "
			    "twice", tag);
		if (meta_set(m, tag, buf + off + 2, n) != 0)
			return META_ERR;
		off += 2 + n;
	}

	return 0;
}

const uint8_t *
meta_get(const struct meta *m, uint8_t tag, size_t *len)
{
	const struct meta_item *it = meta_find(m, tag);

	if (it == NULL)
		return NULL;
	if (len != NULL)
		*len = it->len;

	return it->v;
}

bool
meta_has(const struct meta *m, uint8_t tag)
{
	return meta_find(m, tag) != NULL;
}

int
meta_set(struct meta *m, uint8_t tag, const uint8_t *v, size_t len)
{
	struct meta_item *it;

	if (len > META_MAX_CONTENT)
		return op_err(META_ERR, "metadata tag 0x%02x: %zu bytes is "
		    "longer than %d", tag, len, META_MAX_CONTENT);
	if ((it = meta_find(m, tag)) == NULL) {
		if (m->n == META_MAX_ITEMS)
			return op_err(META_ERR, "more than %d metadata tags",
			    META_MAX_ITEMS);
		it = &m->item[m->n++];
		it->tag = tag;
	}
	it->len = (uint8_t)len;
	if (len > 0)
		memcpy(it->v, v, len);

	return 0;
}

void
meta_remove(struct meta *m, uint8_t tag)
{
	struct meta_item *it = meta_find(m, tag);
	size_t i;

	if (it == NULL)
		return;
	i = (size_t)(it - m->item);
	memmove(&m->item[i], &m->item[i + 1],
	    (m->n - i - 1) * sizeof(m->item[0]));
	m->n--;
}

int
meta_get_size(const struct meta *m, uint8_t tag, uint16_t *v)
{
	const uint8_t *p;
	size_t n;

	if ((p = meta_get(m, tag, &n)) == NULL)
		return -1;
	if (n == 1)
		*v = p[0];
	else if (n == 2)
		*v = (uint16_t)(p[0] << 8 | p[1]);
	else
		return -1;

	return 0;
}

int
meta_set_size(struct meta *m, uint8_t tag, uint16_t v)
{
	uint8_t be[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	/* minimal width, as the chip encodes it: C5 01 64, C4 02 06 C0 */
	if (v < 0x100)
		return meta_set(m, tag, be + 1, 1);

	return meta_set(m, tag, be, 2);
}

int
meta_merge(struct meta *dst, const struct meta *upd)
{
	struct meta tmp = *dst;

	for (size_t i = 0; i < upd->n; i++)
		if (meta_set(&tmp, upd->item[i].tag, upd->item[i].v,
		    upd->item[i].len) != 0)
			return META_ERR;
	*dst = tmp;

	return 0;
}

size_t
meta_content_len(const struct meta *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += 2 + (size_t)m->item[i].len;

	return n;
}

int
meta_encode(const struct meta *m, uint8_t *out, size_t cap, size_t *len)
{
	size_t content = meta_content_len(m);
	size_t off = 2;
	int prev = -1;

	if (content > 0xff || content + 2 > cap)
		return op_err(META_ERR, "metadata of %zu bytes does not fit "
		    "%zu", content + 2, cap);
	out[0] = META_TAG_CONTAINER;
	out[1] = (uint8_t)content;

	/* ascending tag order: pick the next larger tag each round */
	for (;;) {
		const struct meta_item *next = NULL;

		for (size_t i = 0; i < m->n; i++)
			if (m->item[i].tag > prev && (next == NULL ||
			    m->item[i].tag < next->tag))
				next = &m->item[i];
		if (next == NULL)
			break;
		out[off] = next->tag;
		out[off + 1] = next->len;
		memcpy(out + off + 2, next->v, next->len);
		off += 2 + (size_t)next->len;
		prev = next->tag;
	}
	*len = off;

	return 0;
}

/* Access conditions. */

static size_t
ac_cond_len(uint8_t kind)
{
	switch (kind) {
	case META_AC_ALW:
	case META_AC_NEV:
		return 1;
	case META_AC_SECSTA_G:
	case META_AC_SECSTA_A:
		return 2;
	case META_AC_CONF:
	case META_AC_INT:
	case META_AC_AUTO:
	case META_AC_LUC:
	case META_AC_LCSG:
	case META_AC_LCSA:
	case META_AC_LCSO:
		return 3;
	default:
		return 0;
	}
}

int
meta_ac_parse(const uint8_t *ac, size_t len, struct meta_ac *out)
{
	size_t off = 0;
	size_t and_count = 0;
	size_t tokens = 1;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return op_err(META_ERR, "empty access condition");

	for (;;) {
		struct meta_ac_cond *c;
		size_t n = ac_cond_len(ac[off]);

		if (n == 0)
			return op_err(META_ERR, "access condition byte 0x%02x "
			    "at offset %zu is not a condition", ac[off], off);
		if (n > len - off)
			return op_err(META_ERR, "access condition 0x%02x at "
			    "offset %zu is truncated", ac[off], off);
		if (++and_count > META_AC_MAX_AND)
			return op_err(META_ERR, "more than %d conditions "
			    "joined by AND", META_AC_MAX_AND);
		c = &out->c[out->n++];
		c->kind = ac[off];
		if (c->kind == META_AC_SECSTA_G || c->kind == META_AC_SECSTA_A)
			c->val = ac[off + 1];
		else if (c->kind == META_AC_LCSG || c->kind == META_AC_LCSA ||
		    c->kind == META_AC_LCSO) {
			c->cmp = ac[off + 1];
			c->val = ac[off + 2];
			if (c->cmp < META_AC_EQ || c->cmp > META_AC_LT)
				return op_err(META_ERR, "life-cycle "
				    "comparison 0x%02x at offset %zu is not "
				    "FA, FB or FC", c->cmp, off + 1);
		} else if (n == 3)
			c->oid = (uint16_t)(ac[off + 1] << 8 | ac[off + 2]);
		off += n;

		if ((c->kind == META_AC_ALW || c->kind == META_AC_NEV) &&
		    len != 1)
			return op_err(META_ERR, "ALW/NEV must stand alone in "
			    "an access condition");
		if (off == len)
			break;
		if (ac[off] == META_AC_OR) {
			c->or_next = true;
			and_count = 0;
			if (++tokens > META_AC_MAX_OR)
				return op_err(META_ERR, "more than %d tokens "
				    "joined by OR", META_AC_MAX_OR);
		} else if (ac[off] != META_AC_AND)
			return op_err(META_ERR, "access condition byte 0x%02x "
			    "at offset %zu is not AND/OR", ac[off], off);
		if (++off == len)
			return op_err(META_ERR, "access condition ends with "
			    "an operator");
	}

	return 0;
}

const char *
meta_lcs_name(uint8_t v)
{
	switch (v) {
	case META_LCS_CR: return "cr";
	case META_LCS_IN: return "in";
	case META_LCS_OP: return "op";
	case META_LCS_TE: return "te";
	default: return NULL;
	}
}

static void
ac_cond_text(const struct meta_ac_cond *c, char *buf, size_t cap)
{
	const char *lcs = NULL;
	const char *cmp;
	const char *name;
	char val[8];

	switch (c->kind) {
	case META_AC_ALW: snprintf(buf, cap, "ALW"); return;
	case META_AC_NEV: snprintf(buf, cap, "NEV"); return;
	case META_AC_SECSTA_G:
		snprintf(buf, cap, "SecStaG(%02X)", c->val);
		return;
	case META_AC_SECSTA_A:
		snprintf(buf, cap, "SecStaA(%02X)", c->val);
		return;
	case META_AC_CONF: name = "Conf"; break;
	case META_AC_INT: name = "Int"; break;
	case META_AC_AUTO: name = "Auto"; break;
	case META_AC_LUC: name = "Luc"; break;
	case META_AC_LCSG: lcs = "LcsG"; name = NULL; break;
	case META_AC_LCSA: lcs = "LcsA"; name = NULL; break;
	default: lcs = "LcsO"; name = NULL; break;
	}
	if (lcs == NULL) {
		snprintf(buf, cap, "%s(%04X)", name, c->oid);
		return;
	}
	cmp = c->cmp == META_AC_EQ ? "==" : c->cmp == META_AC_GT ? ">" : "<";
	if (meta_lcs_name(c->val) != NULL)
		snprintf(val, sizeof(val), "%s", meta_lcs_name(c->val));
	else
		snprintf(val, sizeof(val), "0x%02X", c->val);
	snprintf(buf, cap, "%s %s %s", lcs, cmp, val);
}

int
meta_ac_describe(const uint8_t *ac, size_t len, char *out, size_t cap)
{
	struct meta_ac e;
	size_t used = 0;
	int r;

	if (cap == 0)
		return META_ERR;
	out[0] = '\0';

	if ((r = meta_ac_parse(ac, len, &e)) != 0) {
		used = (size_t)snprintf(out, cap, "invalid (");
		for (size_t i = 0; i < len && used < cap; i++)
			used += (size_t)snprintf(out + used, cap - used,
			    "%02X", ac[i]);
		if (used < cap)
			snprintf(out + used, cap - used, ")");
		return r;
	}

	for (size_t i = 0; i < e.n && used < cap; i++) {
		char cond[32];
		const char *join = "";

		if (i + 1 < e.n)
			join = e.c[i].or_next ? " || " : " && ";
		ac_cond_text(&e.c[i], cond, sizeof(cond));
		used += (size_t)snprintf(out + used, cap - used, "%s%s", cond,
		    join);
	}

	return 0;
}
