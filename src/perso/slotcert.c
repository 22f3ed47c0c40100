/*
 * Certificates in and out of certificate slots, with read-back.
 */
#include <stdlib.h>
#include <string.h>

#include "perso/perso.h"
#include "util/err.h"
#include "util/log.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

int
perso_cert_read(struct chip *chip, uint16_t slot, STACK_OF(X509) **chain,
    enum certslot_format *fmt)
{
	uint8_t buf[CERTSLOT_MAX];
	size_t len = 0;
	int r;

	*chain = NULL;
	if ((r = chip_read_data(chip, slot, buf, sizeof(buf), &len)) != 0)
		return op_errctx(r, "reading certificate slot 0x%04X", slot);
	if ((r = certslot_decode(buf, len, chain, fmt)) != 0)
		return op_errctx(r, "certificate slot 0x%04X", slot);

	return 0;
}

static size_t
first_difference(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;

	return i;
}

/* Could slot hold exactly len bytes now?  Unknown counts as yes. */
static bool
slot_may_hold(struct chip *chip, uint16_t slot, size_t len)
{
	struct chip_meta m;

	if (chip_get_meta(chip, slot, &m) != 0) {
		op_err_clear();
		return true;
	}

	return m.used_size == len;
}

int
perso_cert_store(struct chip *chip, uint16_t slot, STACK_OF(X509) *chain,
    enum certslot_format fmt, bool *written)
{
	uint8_t *enc = NULL;
	uint8_t back[CERTSLOT_MAX];
	size_t enclen = 0;
	size_t backlen = 0;
	int r;

	*written = false;
	if ((r = certslot_encode(chain, fmt, &enc, &enclen)) != 0)
		goto out;

	/*
	 * Already there?  A rerun must not spend NVM cycles.  The used size
	 * in the metadata settles most cases without reading the slot: a
	 * fresh slot holds 1728 zero bytes, which cost more to read than
	 * the certificate does to write.
	 */
	if (slot_may_hold(chip, slot, enclen) &&
	    chip_read_data(chip, slot, back, sizeof(back), &backlen) == 0 &&
	    backlen == enclen && memcmp(back, enc, enclen) == 0) {
		OP_DEBUG("perso", "slot 0x%04X already holds these %zu "
		    "bytes", slot, enclen);
		r = 0;
		goto out;
	}
	op_err_clear();

	/* erase & write, so that no tail of an older, longer chain stays */
	if ((r = chip_write_data(chip, slot, enc, enclen, true)) != 0) {
		r = perso_lock_explain(chip, slot, r);
		op_errctx(r, "writing certificate slot 0x%04X", slot);
		goto out;
	}
	*written = true;

	if ((r = chip_read_data(chip, slot, back, sizeof(back),
	    &backlen)) != 0) {
		op_errctx(r, "reading back certificate slot 0x%04X", slot);
		goto out;
	}
	if (backlen != enclen || memcmp(back, enc, enclen) != 0) {
		r = op_err(PERSO_ERR(OP_E_VERIFY), "certificate slot 0x%04X "
		    "reads back %zu bytes differing from the %zu written "
		    "(first difference at byte %zu)", slot, backlen, enclen,
		    first_difference(back, enc, backlen < enclen ? backlen :
		    enclen));
		goto out;
	}
out:
	free(enc);

	return r;
}
