/*
 * Access-condition evaluation (fact sheet 7.2): an OR of up to three
 * tokens, each an AND of simple conditions.
 */
#include "simchip.h"

/* A missing C0 means the object counts as operational (fact sheet 7.1). */
uint8_t
sim_obj_lcso(const struct sim_obj *o)
{
	const uint8_t *v;
	size_t n;

	if ((v = meta_get(&o->meta, META_TAG_LCSO, &n)) == NULL || n != 1)
		return META_LCS_OP;

	return v[0];
}

static uint8_t
byte_of(struct sim_chip *chip, uint16_t oid)
{
	struct sim_obj *o = sim_obj_find(chip, oid);

	return o != NULL && o->used > 0 ? o->data[0] : 0;
}

static bool
compare(uint8_t cmp, uint8_t have, uint8_t want)
{
	switch (cmp) {
	case META_AC_EQ: return have == want;
	case META_AC_GT: return have > want;
	case META_AC_LT: return have < want;
	default: return false;
	}
}

/* Luc(OID): allowed while the counter is below its threshold. */
static bool
counter_below(struct sim_chip *chip, uint16_t oid)
{
	struct sim_obj *o = sim_obj_find(chip, oid);
	uint32_t value, threshold;

	if (o == NULL || o->kind != SIM_OBJ_DATA || o->max < 8)
		return false;
	value = (uint32_t)o->data[0] << 24 | (uint32_t)o->data[1] << 16 |
	    (uint32_t)o->data[2] << 8 | o->data[3];
	threshold = (uint32_t)o->data[4] << 24 | (uint32_t)o->data[5] << 16 |
	    (uint32_t)o->data[6] << 8 | o->data[7];

	return value < threshold;
}

/*
 * Conf(OID)/Int(OID) by a shielded connection (fact sheet 4.8, 7.2):
 * the session was keyed from that PTFBIND object, and for a change or
 * execute the command was protected, for a read the response is.
 * XXX: the protected-update path of Conf/Int (SetObjectProtected) is not
 * emulated; there the shielded connection is the only way.
 */
static bool
shielded(const struct sim_chip *chip, const struct meta_ac_cond *c,
    uint8_t what)
{
	unsigned need = what == META_TAG_READ ? 2 : 1;

	return chip->prot_oid != 0 && chip->prot_oid == c->oid &&
	    (chip->prot & need) != 0;
}

static bool
cond_holds(struct sim_chip *chip, const struct sim_obj *o,
    const struct meta_ac_cond *c, uint8_t what)
{
	switch (c->kind) {
	case META_AC_ALW:
		return true;
	case META_AC_NEV:
		return false;
	case META_AC_SECSTA_G:
		return (byte_of(chip, SIM_OID_SECSTA_G) & c->val) == c->val;
	case META_AC_SECSTA_A:
		return (byte_of(chip, SIM_OID_SECSTA_A) & c->val) == c->val;
	case META_AC_LCSG:
		return compare(c->cmp, byte_of(chip, SIM_OID_LCSG), c->val);
	case META_AC_LCSA:
		return compare(c->cmp, byte_of(chip, SIM_OID_LCSA), c->val);
	case META_AC_LCSO:
		return compare(c->cmp, sim_obj_lcso(o), c->val);
	case META_AC_LUC:
		/*
		 * XXX: Luc only gates; the linked counter is not advanced on
		 * each use as a real chip does.
		 */
		return counter_below(chip, c->oid);
	case META_AC_CONF:
	case META_AC_INT:
		return shielded(chip, c, what);
	case META_AC_AUTO:
	default:
		/* XXX: no HMAC authorization is emulated: Auto never holds. */
		return false;
	}
}

bool
sim_ac_allows(struct sim_chip *chip, const struct sim_obj *o, uint8_t what)
{
	struct meta_ac e;
	const uint8_t *v;
	size_t n;
	bool token = true;

	/* a missing D0/D1/D3 means NEV */
	if ((v = meta_get(&o->meta, what, &n)) == NULL ||
	    meta_ac_parse(v, n, &e) != 0)
		return false;

	for (size_t i = 0; i < e.n; i++) {
		token = token && cond_holds(chip, o, &e.c[i], what);
		if (e.c[i].or_next || i + 1 == e.n) {
			if (token)
				return true;
			token = true;
		}
	}

	return false;
}
