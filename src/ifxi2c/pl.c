/*
 * IFX I2C physical layer: register access over single START...STOP
 * transactions, the guard time between them, retries while the chip
 * does not acknowledge its address, I2C_STATE polling, soft reset and
 * the start-up negotiation of clock and frame size (fact sheet 1).
 */
#include <string.h>

#include "codec/tlv.h"
#include "ifxi2c/ifxi2c_int.h"
#include "util/err.h"
#include "util/log.h"

#define MOD "pl"

static void
pl_guard(struct ifxi2c *c)
{
	uint64_t since = op_now_us() - c->last_xfer_us;

	if (c->last_xfer_us != 0 && since < PL_GUARD_US)
		op_sleep_us(PL_GUARD_US - since);
}

/*
 * One transaction, repeated while the address is NACKed: the chip does
 * that while busy, waking up or starting after a reset.  Exactly one of
 * wbuf and rbuf is set.
 */
static int
pl_xfer(struct ifxi2c *c, const uint8_t *wbuf, uint8_t *rbuf, size_t len,
    op_deadline_t dl)
{
	unsigned retries = 0;
	int r;

	for (;;) {
		pl_guard(c);
		if (wbuf != NULL)
			r = bus_write(c->bus, wbuf, len);
		else
			r = bus_read(c->bus, rbuf, len);
		c->last_xfer_us = op_now_us();
		c->st.transactions++;
		if (r == 0) {
			c->st.bytes += len;
			return 0;
		}
		if (r != OP_RC(OP_LAYER_BUS, OP_E_NACK))
			return r;

		if (retries == PL_NACK_RETRY_MAX)
			return op_err(OP_RC(OP_LAYER_PL, OP_E_NACK), "physical "
			    "layer: %s: chip at 0x%02x did not acknowledge "
			    "its address after %u retries %u us apart",
			    c->bus->name, c->bus->addr, retries,
			    PL_NACK_RETRY_US);
		if (op_deadline_left_us(dl) < PL_NACK_RETRY_US)
			return op_err(OP_RC(OP_LAYER_PL, OP_E_TIMEOUT),
			    "physical layer: %s: chip at 0x%02x still did not "
			    "acknowledge its address when the time ran out "
			    "(%u retries)", c->bus->name, c->bus->addr,
			    retries);
		retries++;
		c->st.nacks++;
		op_sleep_us(PL_NACK_RETRY_US);
	}
}

int
pl_write(struct ifxi2c *c, const uint8_t *buf, size_t len, op_deadline_t dl)
{
	return pl_xfer(c, buf, NULL, len, dl);
}

int
pl_read(struct ifxi2c *c, uint8_t *buf, size_t len, op_deadline_t dl)
{
	return pl_xfer(c, NULL, buf, len, dl);
}

/* No repeated START on this chip: select the register, then read. */
int
pl_reg_read(struct ifxi2c *c, uint8_t reg, uint8_t *buf, size_t len,
    op_deadline_t dl)
{
	int r;

	if ((r = pl_write(c, &reg, 1, dl)) != 0)
		return r;

	return pl_read(c, buf, len, dl);
}

int
pl_reg_write(struct ifxi2c *c, uint8_t reg, const uint8_t *val, size_t len,
    op_deadline_t dl)
{
	uint8_t buf[1 + IFXI2C_FRAME_MAX];

	if (len > IFXI2C_FRAME_MAX)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_RANGE), "physical layer: "
		    "write of %zu bytes to register 0x%02x is longer than %u",
		    len, reg, IFXI2C_FRAME_MAX);
	buf[0] = reg;
	memcpy(buf + 1, val, len);

	return pl_write(c, buf, 1 + len, dl);
}

int
pl_frame_write(struct ifxi2c *c, const uint8_t *frame, size_t len,
    op_deadline_t dl)
{
	if (len > c->frame_size)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_RANGE), "physical layer: "
		    "frame of %zu bytes exceeds the negotiated %u", len,
		    c->frame_size);

	return pl_reg_write(c, PL_REG_DATA, frame, len, dl);
}

/*
 * Poll I2C_STATE until the chip offers a frame, then read it.  Returns 0
 * with *len = 0 when until_us (or the deadline) passes first.
 *
 * The vendor library polls every 5 ms.  Most answers (ACKs, short
 * commands, anything from the emulator) are ready within a fraction of
 * that, so we poll at once, then after 200 us, doubling the pause up to
 * the vendor's 5 ms: a slow command costs at most a few extra polls, a
 * fast one saves up to 5 ms per frame.
 */
int
pl_frame_poll(struct ifxi2c *c, uint8_t *buf, size_t *len, uint64_t until_us,
    op_deadline_t dl)
{
	uint64_t pause = PL_POLL_FIRST_US;
	uint64_t now;
	uint8_t st[4];
	size_t n;
	int r;

	*len = 0;
	if (until_us > dl)
		until_us = dl;

	for (;;) {
		if ((r = pl_reg_read(c, PL_REG_I2C_STATE, st, sizeof(st),
		    dl)) != 0)
			return op_errctx(r, "reading I2C_STATE");
		c->st.polls++;
		c->busy = (st[0] & PL_STATE_BUSY) != 0;
		n = rd16(st + 2);

		/* BUSY does not matter once a frame is ready. */
		if ((st[0] & PL_STATE_RESP_RDY) != 0 && n > 0 &&
		    n <= c->frame_size) {
			if ((r = pl_reg_read(c, PL_REG_DATA, buf, n, dl)) != 0)
				return op_errctx(r, "reading a frame of %zu "
				    "bytes", n);
			*len = n;
			return 0;
		}
		if ((st[0] & PL_STATE_RESP_RDY) != 0)
			OP_DEBUG(MOD, "I2C_STATE %02x %02x %02x %02x: frame "
			    "length not in 1..%u, not read", st[0], st[1],
			    st[2], st[3], c->frame_size);

		now = op_now_us();
		if (now >= until_us)
			return 0;
		op_sleep_us(until_us - now < pause ? until_us - now : pause);
		pause = pause * 2 > PL_POLL_MAX_US ? PL_POLL_MAX_US : pause * 2;
	}
}

int
pl_soft_reset(struct ifxi2c *c, op_deadline_t dl)
{
	static const uint8_t zero[2] = { 0, 0 };
	uint8_t st[4];
	uint64_t left;
	int r;

	if ((r = pl_reg_read(c, PL_REG_I2C_STATE, st, sizeof(st), dl)) != 0)
		return op_errctx(r, "soft reset: reading I2C_STATE");
	if ((st[0] & PL_STATE_SOFT_RESET) == 0)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_UNSUPPORTED), "physical "
		    "layer: the chip does not offer a soft reset (I2C_STATE "
		    "%02x %02x %02x %02x lacks bit 0x08); use a cold or warm "
		    "reset", st[0], st[1], st[2], st[3]);

	if ((r = pl_reg_write(c, PL_REG_SOFT_RESET, zero, sizeof(zero),
	    dl)) != 0)
		return op_errctx(r, "soft reset: writing SOFT_RESET");

	/*
	 * [conflict] The vendor library waits 12 ms, the datasheet says
	 * start-up takes at least 15 ms.  Wait 15; the chip NACKs its
	 * address until it is ready in any case, and pl_xfer retries.
	 */
	left = op_deadline_left_us(dl);
	op_sleep_us(left < PL_STARTUP_US ? left : PL_STARTUP_US);

	return 0;
}

static int
pl_set_clock(struct ifxi2c *c, unsigned khz)
{
	int r;

	if (c->bus->ops->set_clock == NULL)
		return 0;
	if ((r = c->bus->ops->set_clock(c->bus->ctx, khz)) != 0)
		return op_errctx(r, "setting the bus clock to %u kHz", khz);

	return 0;
}

static int
pl_read_max_scl(struct ifxi2c *c, unsigned *khz, op_deadline_t dl)
{
	uint8_t v[4];
	int r;

	if ((r = pl_reg_read(c, PL_REG_MAX_SCL_FREQU, v, sizeof(v), dl)) != 0)
		return op_errctx(r, "reading MAX_SCL_FREQU");
	*khz = rd16(v + 2);

	/*
	 * An unimplemented register reads as FF bytes; the spec then says
	 * to use the protocol-variation default, which is Fm (400 kHz).
	 */
	if (*khz == 0xffff)
		*khz = IFXI2C_CLOCK_DEFAULT;

	return 0;
}

/* Fact sheet 1.7 steps 1-5: pick the I2C mode, then the clock. */
static int
pl_negotiate_clock(struct ifxi2c *c, op_deadline_t dl)
{
	unsigned want = c->cfg.clock_khz ? c->cfg.clock_khz :
	    IFXI2C_CLOCK_DEFAULT;
	uint8_t mode[2] = { 0x80, 0 };	/* bit 15: persistent */
	unsigned khz = 0;
	int r;

	if ((r = pl_set_clock(c, IFXI2C_CLOCK_NEGOTIATE)) != 0 ||
	    (r = pl_read_max_scl(c, &khz, dl)) != 0)
		return r;

	if (want > IFXI2C_CLOCK_DEFAULT && khz <= IFXI2C_CLOCK_DEFAULT)
		mode[1] = 0x04;		/* Fm+ */
	else if (want <= IFXI2C_CLOCK_DEFAULT && khz > IFXI2C_CLOCK_DEFAULT)
		mode[1] = 0x03;		/* Sm and Fm, the factory setting */
	if (mode[1] != 0) {
		OP_DEBUG(MOD, "I2C_MODE <- %02x %02x (chip max %u kHz, want "
		    "%u)", mode[0], mode[1], khz, want);
		if ((r = pl_reg_write(c, PL_REG_I2C_MODE, mode, sizeof(mode),
		    dl)) != 0)
			return op_errctx(r, "writing I2C_MODE");
		if ((r = pl_read_max_scl(c, &khz, dl)) != 0)
			return r;
	}

	if (want > khz)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_UNSUPPORTED), "physical "
		    "layer: bus clock %u kHz asked for, but the chip allows at "
		    "most %u kHz", want, khz);

	return pl_set_clock(c, want);
}

/*
 * The frame size to ask for.  A frame write is one transaction of the
 * register byte plus the frame, so a bus with a transfer limit caps it:
 * the largest frame that fits, unless told otherwise.  The backend sets
 * the limit; the FT260 one reports 56 by default, for the 55-byte frames
 * the vendor uses with that bridge.
 */
static int
pl_frame_size_wanted(const struct ifxi2c *c, unsigned *n)
{
	size_t max = c->bus->max_xfer;

	*n = c->cfg.frame_size ? c->cfg.frame_size : IFX_FRAME_SIZE_DEFAULT;
	if (max == 0)
		return 0;

	if (max - 1 < IFX_FRAME_SIZE_MIN)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_UNSUPPORTED), "physical "
		    "layer: %s carries only %zu bytes a transaction; frames "
		    "need at least %u + 1", c->bus->name, max,
		    IFX_FRAME_SIZE_MIN);
	if (*n > max - 1)
		*n = (unsigned)(max - 1);

	return 0;
}

/* Fact sheet 1.7 steps 6-7: DATA_REG_LEN, which the chip may lower. */
static int
pl_negotiate_frame(struct ifxi2c *c, op_deadline_t dl)
{
	uint8_t v[2];
	unsigned want, got;
	int r;

	if ((r = pl_frame_size_wanted(c, &want)) != 0)
		return r;

	v[0] = (uint8_t)(want >> 8);
	v[1] = (uint8_t)want;
	if ((r = pl_reg_write(c, PL_REG_DATA_REG_LEN, v, sizeof(v), dl)) != 0)
		return op_errctx(r, "writing DATA_REG_LEN");
	if ((r = pl_reg_read(c, PL_REG_DATA_REG_LEN, v, sizeof(v), dl)) != 0)
		return op_errctx(r, "reading DATA_REG_LEN");
	got = rd16(v);

	if (got > want || got < IFX_FRAME_SIZE_MIN)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_PROTOCOL), "physical "
		    "layer: asked for %u-byte frames, the chip set "
		    "DATA_REG_LEN to %u (expected %u..%u)", want, got,
		    IFX_FRAME_SIZE_MIN, want);
	c->frame_size = got;
	OP_DEBUG(MOD, "frame size %u (asked for %u)", got, want);

	return 0;
}

int
pl_negotiate(struct ifxi2c *c, op_deadline_t dl)
{
	int r;

	if ((r = pl_negotiate_clock(c, dl)) != 0)
		return r;

	return pl_negotiate_frame(c, dl);
}
