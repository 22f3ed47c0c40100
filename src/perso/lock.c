/*
 * Locking a slot: after personalization, make the key and its
 * certificate unchangeable for good (fact sheet 7).
 *
 * The lock is the object's life cycle moved to operational (C0 = 07).
 * On a fresh chip the key and certificate slots have the change
 * condition "LcsO < op" (D0 = E1 FC 07), so from then on:
 *  - SetDataObject and GenKeyPair, which need the change condition, are
 *    refused with 0x8007;
 *  - the metadata is frozen: every tag but C0 changes only while
 *    LcsO < op, and LcsO only moves forward, so nothing can undo it.
 * When the change condition would still hold at "operational" (ALW, or
 * an OR with a shielded-connection condition), it is first set to NEV
 * (D0 = FF), while that is still allowed.  Read and execute conditions
 * are left alone: the certificate stays readable and the key usable.
 */
#include <stdio.h>
#include <string.h>

#include "codec/meta.h"
#include "perso/perso.h"
#include "util/err.h"
#include "util/log.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

static const uint8_t lcs_states[] = {
	META_LCS_CR, META_LCS_IN, META_LCS_OP, META_LCS_TE
};

static bool
lcs_compare(uint8_t cmp, uint8_t state, uint8_t v)
{
	switch (cmp) {
	case META_AC_EQ: return state == v;
	case META_AC_GT: return state > v;
	case META_AC_LT: return state < v;
	default: return true;	/* unknown: assume it can hold */
	}
}

/*
 * Whether one condition can never again be true for an object whose
 * life cycle is lcso: NEV, or an LcsO comparison false in every state
 * from lcso on (the state never goes back).
 */
static bool
cond_dead(const struct meta_ac_cond *c, uint8_t lcso)
{
	if (c->kind == META_AC_NEV)
		return true;
	if (c->kind != META_AC_LCSO)
		return false;
	for (size_t i = 0; i < sizeof(lcs_states); i++)
		if (lcs_states[i] >= lcso &&
		    lcs_compare(c->cmp, lcs_states[i], c->val))
			return false;

	return true;
}

/* Every OR-token holds a condition that can never be true again. */
static bool
ac_dead(const struct chip_ac *ac, uint8_t lcso)
{
	struct meta_ac e;
	bool token_dead = false;

	if (!ac->present)
		return true;		/* absent means NEV */
	if (meta_ac_parse(ac->expr, ac->len, &e) != 0) {
		op_err_clear();
		return false;		/* unknown: not locked */
	}
	for (size_t i = 0; i < e.n; i++) {
		token_dead = token_dead || cond_dead(&e.c[i], lcso);
		if (e.c[i].or_next || i + 1 == e.n) {
			if (!token_dead)
				return false;
			token_dead = false;
		}
	}

	return true;
}

bool
perso_meta_locked(const struct chip_meta *m)
{
	/* no C0: treated as operational, metadata never changes (7.1) */
	uint8_t lcso = m->has_lcso ? m->lcso : META_LCS_OP;

	return lcso >= META_LCS_OP && ac_dead(&m->change, lcso);
}

/* A slot worth locking holds something: a key, a certificate, data. */
static int
lock_check_slot(struct chip *chip, uint16_t oid, const struct chip_meta *m)
{
	const struct chip_slot *s = chip_slot_by_oid(oid);
	uint8_t buf[CHIP_OBJ_MAX];
	size_t len = 0;
	size_t i;
	int r;

	if (s == NULL || s->kind == CHIP_SLOT_STATE ||
	    s->kind == CHIP_SLOT_SECRET)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "0x%04X is "
		    "not a key, certificate, trust anchor, counter or data "
		    "slot; lock only those", oid);
	if (s->kind == CHIP_SLOT_KEY) {
		if (!m->has_alg)
			return op_err(PERSO_ERR(OP_E_STATE), "key slot 0x%04X "
			    "holds no key; locking it would leave it empty "
			    "for good", oid);
		return 0;
	}
	if (s->kind != CHIP_SLOT_CERT && s->kind != CHIP_SLOT_TRUST_ANCHOR)
		return 0;
	if ((r = chip_read_data(chip, oid, buf, sizeof(buf), &len)) != 0)
		return op_errctx(r, "checking that 0x%04X is not empty", oid);
	for (i = 0; i < len && buf[i] == 0; i++)
		;
	if (i == len)
		return op_err(PERSO_ERR(OP_E_STATE), "slot 0x%04X is empty; "
		    "locking it would leave it empty for good", oid);

	return 0;
}

static int
lock_write(struct chip *chip, uint16_t oid, uint8_t tag, uint8_t v)
{
	const uint8_t meta[] = { META_TAG_CONTAINER, 3, tag, 1, v };
	int r;

	if ((r = chip_write_meta(chip, oid, meta, sizeof(meta))) != 0)
		return op_errctx(r, "locking 0x%04X (setting %02X to %02X)",
		    oid, tag, v);

	return 0;
}

int
perso_lock_slot(struct chip *chip, uint16_t oid, bool *changed)
{
	struct chip_meta m;
	char ac[200];
	int r;

	*changed = false;
	if ((r = chip_get_meta(chip, oid, &m)) != 0)
		return r;
	if (perso_meta_locked(&m))
		return 0;
	chip_ac_str(&m.change, ac, sizeof(ac));
	if (!m.has_lcso)
		return op_err(PERSO_ERR(OP_E_STATE), "0x%04X cannot be locked: "
		    "it has no life-cycle state, so its metadata cannot "
		    "change; its change condition stays %s", oid, ac);
	if (m.lcso >= META_LCS_OP)
		return op_err(PERSO_ERR(OP_E_STATE), "0x%04X cannot be locked "
		    "any more: its life cycle is already %s, which freezes "
		    "its change condition %s", oid, chip_lcs_name(m.lcso), ac);
	if ((r = lock_check_slot(chip, oid, &m)) != 0)
		return r;

	/* a change condition that would outlive "operational" goes first */
	if (!ac_dead(&m.change, META_LCS_OP)) {
		OP_INFO("lock", "0x%04X: change condition %s -> NEV", oid, ac);
		if ((r = lock_write(chip, oid, META_TAG_CHANGE,
		    META_AC_NEV)) != 0)
			return r;
	}
	if ((r = lock_write(chip, oid, META_TAG_LCSO, META_LCS_OP)) != 0)
		return r;
	*changed = true;

	/* believe the chip, not the write */
	if ((r = chip_get_meta(chip, oid, &m)) != 0)
		return op_errctx(r, "reading back the metadata of 0x%04X",
		    oid);
	if (!perso_meta_locked(&m))
		return op_err(PERSO_ERR(OP_E_VERIFY), "0x%04X took the lock "
		    "but reads back as life cycle %s, change %s", oid,
		    m.has_lcso ? chip_lcs_name(m.lcso) : "absent",
		    chip_ac_str(&m.change, ac, sizeof(ac)));

	return 0;
}

int
perso_lock_explain(struct chip *chip, uint16_t oid, int rc)
{
	struct chip_meta m;
	char msg[1024];
	char ac[200];

	if (rc != OP_RC(OP_LAYER_CHIP, 0x07))
		return rc;
	snprintf(msg, sizeof(msg), "%s", op_errmsg());
	if (chip_get_meta(chip, oid, &m) != 0 || !perso_meta_locked(&m))
		return op_err(rc, "%s", msg);

	return op_err(rc, "slot 0x%04X is locked (LcsO %s): %s; its change "
	    "condition %s can never be met again, so the chip refuses to "
	    "write it or generate a key in it (irreversible: use another "
	    "slot)", oid, m.has_lcso ? chip_lcs_name(m.lcso) : "operational",
	    msg, chip_ac_str(&m.change, ac, sizeof(ac)));
}
