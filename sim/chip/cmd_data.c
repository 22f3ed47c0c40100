/*
 * Application and data-object commands: OpenApplication,
 * CloseApplication, GetDataObject, SetDataObject (fact sheet 5.4, 7).
 */
#include <string.h>

#include <openssl/rand.h>

#include "simchip.h"

static const uint8_t aid[16] = { 0xD2, 0x76, 0x00, 0x00, 0x04, 'G', 'e',
	'n', 'A', 'u', 't', 'h', 'A', 'p', 'p', 'l' };

static void
set_byte(struct sim_chip *chip, uint16_t oid, uint8_t v)
{
	struct sim_obj *o = sim_obj_find(chip, oid);

	if (o != NULL && o->data[0] != v) {
		o->data[0] = v;
		chip->dirty = true;
	}
}

int
sim_cmd_open_app(struct sim_chip *chip, struct sim_cmd *c)
{
	c->us = 5000;
	if (c->param == 0x00) {
		if (c->inlen != sizeof(aid))
			return SIM_E_LENGTH;
		if (memcmp(c->in, aid, sizeof(aid)) != 0)
			return SIM_E_INDATA;
		/* a new context: any saved one is flushed */
		sim_chip_volatile_drop(chip);
		chip->hib_valid = false;
	} else if (c->param == 0x01) {
		bool match;

		if (c->inlen != sizeof(aid) + 8)
			return SIM_E_LENGTH;
		if (memcmp(c->in, aid, sizeof(aid)) != 0)
			return SIM_E_INDATA;
		match = chip->hib_valid && memcmp(c->in + sizeof(aid),
		    chip->hib_handle, 8) == 0;
		chip->hib_valid = false;
		if (!match) {
			/* a wrong handle flushes it; the code is [inferred] */
			sim_chip_volatile_drop(chip);
			return SIM_E_INDATA;
		}
	} else
		return SIM_E_PARAM;

	/* application security status back to its default (boot flag) */
	if (chip->product == SIM_TRUST_M3)
		set_byte(chip, SIM_OID_SECSTA_A, 0x20);
	chip->app_open = true;

	return 0;
}

int
sim_cmd_close_app(struct sim_chip *chip, struct sim_cmd *c)
{
	struct sim_obj *sec = sim_obj_find(chip, 0xE0C5);

	c->us = 5000;
	if (c->param != 0x00 && c->param != 0x01)
		return SIM_E_PARAM;
	if (c->inlen != 0)
		return SIM_E_LENGTH;

	if (c->param == 0x00) {
		sim_chip_volatile_drop(chip);
		chip->hib_valid = false;
		chip->app_open = false;
		return 0;
	}

	/* hibernate: only with SEC == 0; sessions and hash stay in RAM */
	if (sec != NULL && sec->data[0] != 0)
		return SIM_E_SEQUENCE;
	if (RAND_bytes(chip->hib_handle, 8) != 1)
		return SIM_E_INTERNAL;
	chip->hib_valid = true;
	chip->app_open = false;
	bbuf_put(&c->out, chip->hib_handle, 8);
	c->us = 20000;

	return 0;
}

static int
get_meta(struct sim_chip *chip, struct sim_cmd *c, struct sim_obj *o)
{
	uint8_t buf[256];
	size_t n;

	if (c->inlen != 2)
		return SIM_E_LENGTH;
	if (meta_encode(&o->meta, buf, sizeof(buf), &n) != 0)
		return SIM_E_INTERNAL;
	bbuf_put(&c->out, buf, n);
	c->us = sim_time_rw(chip, false, n);

	return 0;
}

int
sim_cmd_get_data(struct sim_chip *chip, struct sim_cmd *c)
{
	struct sim_obj *o;
	uint16_t off = 0;
	size_t want = SIZE_MAX;
	size_t n;

	if (c->param != 0x00 && c->param != 0x01)
		return SIM_E_PARAM;
	if (c->inlen < 2)
		return SIM_E_LENGTH;
	/* sessions E100-E103 are not objects of this command */
	if ((o = sim_obj_find(chip, rd16(c->in))) == NULL)
		return SIM_E_OID;
	if (c->param == 0x01)
		return get_meta(chip, c, o);

	if (c->inlen == 6) {
		off = rd16(c->in + 2);
		want = rd16(c->in + 4);
	} else if (c->inlen != 2)
		return SIM_E_LENGTH;

	/*
	 * Key objects are never readable, whatever the metadata says.
	 * Which of 0x01/0x07 the chip returns is [inferred]: the object
	 * exists, so "access conditions not satisfied".
	 */
	if (o->kind != SIM_OBJ_DATA || !sim_ac_allows(chip, o,
	    META_TAG_READ))
		return SIM_E_ACCESS;

	if (o->oid == SIM_OID_LAST_ERROR) {
		/* reading the last error code clears it */
		if (off != 0)
			return SIM_E_BOUNDARY;
		bbuf_u8(&c->out, chip->last_error);
		chip->last_error = 0;
		c->us = sim_time_rw(chip, false, 1);
		return 0;
	}

	/*
	 * An offset at or past the used length fails with 0x08 [inferred
	 * from how the library chunks reads]; an empty object read from 0
	 * answers no data instead, so a reader just sees a short chunk.
	 */
	if (off > o->used || (off == o->used && o->used != 0))
		return SIM_E_BOUNDARY;
	n = o->used - off;
	if (want < n)
		n = want;
	if (n > APDU_MAX_DATA)
		return SIM_E_MEMORY;
	bbuf_put(&c->out, o->data + off, n);
	c->us = sim_time_rw(chip, false, n);

	return 0;
}

static bool
lcs_valid(uint8_t v)
{
	return meta_lcs_name(v) != NULL;
}

static bool
type_valid(uint8_t v)
{
	switch (v) {
	case 0x00: case 0x01: case 0x11: case 0x12:
	case 0x21: case 0x22: case 0x23: case 0x31:
		return true;
	default:
		return false;
	}
}

/* Check one tag of a metadata update against its change rule (7.1). */
static int
meta_tag_allowed(struct sim_chip *chip, const struct sim_obj *o,
    const struct meta_item *it)
{
	struct meta_ac e;
	bool locked = sim_obj_lcso(o) >= META_LCS_OP;
	bool key = o->kind != SIM_OBJ_DATA;
	bool v3 = chip->product == SIM_TRUST_M3;

	switch (it->tag) {
	case META_TAG_LCSO:
		if (it->len != 1 || !lcs_valid(it->v[0]))
			return SIM_E_META;
		/*
		 * Only forward.  0x07 rather than 0x11 for a step back is
		 * [inferred]: a refused change of a valid value.
		 */
		if (it->v[0] < sim_obj_lcso(o))
			return SIM_E_ACCESS;
		return 0;
	case META_TAG_MAX_SIZE:
	case META_TAG_USED_SIZE:
	case META_TAG_ALGORITHM:
		/* fixed or maintained by the chip */
		return SIM_E_ACCESS;
	case META_TAG_VERSION:
		if (it->len != 2)
			return SIM_E_META;
		break;
	case META_TAG_META_UPDATE:
		if (!v3)
			return SIM_E_INDATA;
		/* FALLTHROUGH */
	case META_TAG_CHANGE:
	case META_TAG_READ:
	case META_TAG_EXECUTE:
		if (meta_ac_parse(it->v, it->len, &e) != 0)
			return SIM_E_META;
		break;
	case META_TAG_KEY_USAGE:
		if (!key || it->len != 1 || (it->v[0] & ~0x33) != 0)
			return SIM_E_META;
		break;
	case META_TAG_TYPE:
		if (key || it->len != 1 || !type_valid(it->v[0]))
			return SIM_E_META;
		break;
	case META_TAG_RESET_TYPE:
		/* XXX: stored, but a reset type is never acted on */
		if (!v3 || it->len != 1)
			return SIM_E_INDATA;
		break;
	default:
		return SIM_E_INDATA;
	}

	/* every tag but C0 changes only while LcsO < op */
	return locked ? SIM_E_ACCESS : 0;
}

static int
set_meta(struct sim_chip *chip, struct sim_cmd *c, struct sim_obj *o)
{
	struct meta upd;
	struct meta merged = o->meta;
	int e;

	if (rd16(c->in + 2) != 0)
		return SIM_E_INDATA;
	if (meta_parse(c->in + 4, c->inlen - 4, &upd) != 0)
		return SIM_E_INDATA;
	/* without C0 the metadata can never change (fact sheet 7.1) */
	if (!meta_has(&o->meta, META_TAG_LCSO))
		return SIM_E_ACCESS;
	for (size_t i = 0; i < upd.n; i++)
		if ((e = meta_tag_allowed(chip, o, &upd.item[i])) != 0)
			return e;
	if (meta_merge(&merged, &upd) != 0 ||
	    meta_content_len(&merged) > SIM_META_LIMIT)
		return SIM_E_META_TRUNC;

	o->meta = merged;
	chip->dirty = true;
	c->us = 30000;

	return 0;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Counter: value(4) threshold(4); count adds n and stops at threshold. */
static int
count(struct sim_chip *chip, struct sim_cmd *c, struct sim_obj *o)
{
	const uint8_t *type;
	size_t tlen;
	uint32_t value, threshold, n;

	if (c->inlen != 5)
		return SIM_E_LENGTH;
	type = meta_get(&o->meta, META_TAG_TYPE, &tlen);
	if (o->kind != SIM_OBJ_DATA || type == NULL || tlen != 1 ||
	    type[0] != 0x01 || o->max < 8)
		return SIM_E_INDATA;
	if ((n = c->in[4]) == 0)
		return SIM_E_INDATA;
	if (!sim_ac_allows(chip, o, META_TAG_EXECUTE))
		return SIM_E_ACCESS;
	value = get32(o->data);
	threshold = get32(o->data + 4);
	if (value >= threshold)
		return SIM_E_COUNTER;
	value = threshold - value < n ? threshold : value + n;
	put32(o->data, value);
	chip->dirty = true;
	c->us = sim_time_rw(chip, true, 8);

	return 0;
}

/*
 * Objects with value rules: security status bits can only be cleared
 * (fact sheet 6); sleep delay and current limit have ranges, and the
 * error code for a value outside them is [inferred] 0x05.
 */
static int
write_special(struct sim_obj *o, uint8_t param, const uint8_t *d,
    size_t n)
{
	switch (o->oid) {
	case SIM_OID_SECSTA_G:
	case SIM_OID_SECSTA_A:
		o->data[0] = param == 0x40 ? 0 : (uint8_t)(o->data[0] &
		    (n ? d[0] : 0xff));
		return 0;
	case 0xE0C3:
		return n == 1 && d[0] < 0x14 ? SIM_E_INDATA : -1;
	case 0xE0C4:
		return n == 1 && (d[0] < 0x06 || d[0] > 0x0F) ?
		    SIM_E_INDATA : -1;
	default:
		return -1;
	}
}

int
sim_cmd_set_data(struct sim_chip *chip, struct sim_cmd *c)
{
	struct sim_obj *o;
	uint16_t off;
	size_t n;
	int e;

	if (c->param != 0x00 && c->param != 0x40 && c->param != 0x01 &&
	    c->param != 0x02)
		return SIM_E_PARAM;
	if (c->inlen < 4)
		return SIM_E_LENGTH;
	if ((o = sim_obj_find(chip, rd16(c->in))) == NULL)
		return SIM_E_OID;
	if (c->param == 0x01)
		return set_meta(chip, c, o);
	if (c->param == 0x02)
		return count(chip, c, o);

	/* key objects: never written as data, whatever the metadata */
	if (o->kind != SIM_OBJ_DATA || !sim_ac_allows(chip, o,
	    META_TAG_CHANGE))
		return SIM_E_ACCESS;
	off = rd16(c->in + 2);
	n = c->inlen - 4;
	if ((size_t)off + n > o->max)
		return SIM_E_BOUNDARY;
	c->us = sim_time_rw(chip, true, n);

	if ((e = write_special(o, c->param, c->in + 4, n)) >= 0) {
		chip->dirty = e == 0;
		return e;
	}
	if (c->param == 0x40) {
		/* erase & write: the used length becomes offset + n */
		memset(o->data, 0, o->max);
		o->used = (uint16_t)(off + n);
	} else if (off + n > o->used)
		o->used = (uint16_t)(off + n);
	memcpy(o->data + off, c->in + 4, n);
	if (meta_has(&o->meta, META_TAG_USED_SIZE))
		meta_set_size(&o->meta, META_TAG_USED_SIZE, o->used);
	chip->dirty = true;

	return 0;
}
