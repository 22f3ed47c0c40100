/*
 * The register file (fact sheet 1.2).  A write selects a register and,
 * if data follows, writes it; a read returns the selected register, then
 * 0xFF bytes past its end.  Unimplemented registers read as 0xFF.
 */
#include <string.h>

#include "util/log.h"

#include "dev.h"

#define MOD "sim-regs"

void
sim_regs_reset(struct sim_dev *dev)
{
	struct sim_regs *r = &dev->regs;

	/*
	 * [inferred] DATA_REG_LEN goes back to its default on every
	 * reset; BASE_ADDR and I2C_MODE go back to the values last
	 * written with bit 15 (persistent) set (fact sheet 1.7).
	 */
	r->selected = SIM_REG_NONE;
	r->data_reg_len = SIM_FRAME_MAX;
	r->addr = r->addr_default;
	r->mode = r->mode_default;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
regs_data_reg_len(struct sim_dev *dev, uint16_t v)
{
	/*
	 * [inferred] fact sheet 1.7: above our maximum we store the
	 * maximum (the host reads it back), below 0x0010 the write is
	 * ignored.
	 */
	if (v < SIM_FRAME_MIN) {
		OP_DEBUG(MOD, "DATA_REG_LEN 0x%04x below 0x%04x ignored", v,
		    SIM_FRAME_MIN);
		return;
	}
	if (v > SIM_FRAME_MAX)
		v = SIM_FRAME_MAX;
	dev->regs.data_reg_len = v;
}

static void
regs_base_addr(struct sim_dev *dev, uint16_t v)
{
	uint8_t a = v & 0x7f;

	/* Reserved I2C addresses (0x00-0x07, 0x78-0x7F) are refused. */
	if (a < 0x08 || a > 0x77) {
		OP_WARN(MOD, "BASE_ADDR 0x%02x is a reserved address; ignored",
		    a);
		return;
	}
	dev->regs.addr = a;
	/* XXX: a persistent address lives only as long as this process;
	 * sim.h has no way to keep it in the state file. */
	if (v & 0x8000)
		dev->regs.addr_default = a;
	OP_INFO(MOD, "address now 0x%02x%s", a, v & 0x8000 ?
	    " (persistent)" : "");
}

static void
regs_i2c_mode(struct sim_dev *dev, uint16_t v)
{
	uint8_t m = v & 7;

	/* Other values are ignored, as the fact sheet says (1.2). */
	if (m < SIM_MODE_SM || m > SIM_MODE_FMPLUS)
		return;
	dev->regs.mode = m;
	/* XXX: persistent only for this process's lifetime (see above). */
	if (v & 0x8000)
		dev->regs.mode_default = m;
}

/*
 * A 2-byte register: more bytes are NACKed on the third data byte, and
 * a write cut short after one byte changes nothing.
 */
static uint8_t
regs_write16(struct sim_dev *dev, uint8_t reg, const uint8_t *d, size_t n)
{
	uint16_t v;

	if (n > 2)
		return SIM_ST_NACK_DATA;
	if (n < 2)
		return SIM_ST_ACK;
	v = be16(d);

	switch (reg) {
	case SIM_REG_DATA_REG_LEN:
		regs_data_reg_len(dev, v);
		break;
	case SIM_REG_BASE_ADDR:
		regs_base_addr(dev, v);
		break;
	case SIM_REG_I2C_MODE:
		regs_i2c_mode(dev, v);
		break;
	}

	return SIM_ST_ACK;
}

uint8_t
sim_regs_write(struct sim_dev *dev, const uint8_t *buf, size_t len)
{
	uint8_t reg = buf[0];
	const uint8_t *d = buf + 1;
	size_t n = len - 1;

	dev->regs.selected = reg;
	if (n == 0)
		return SIM_ST_ACK;

	switch (reg) {
	case SIM_REG_DATA:
		return sim_dl_receive(dev, d, n);
	case SIM_REG_DATA_REG_LEN:
	case SIM_REG_BASE_ADDR:
	case SIM_REG_I2C_MODE:
		return regs_write16(dev, reg, d, n);
	case SIM_REG_SOFT_RESET:
		if (n > 2)
			return SIM_ST_NACK_DATA;
		/* Any value: a warm reset without the RST line. */
		sim_dev_reset(dev, false);
		return SIM_ST_ACK;
	default:
		/* Read-only or absent: the first data byte is NACKed. */
		OP_DEBUG(MOD, "write to register 0x%02x refused", reg);
		return SIM_ST_NACK_DATA;
	}
}

void
sim_regs_state(struct sim_dev *dev, uint8_t state[4])
{
	size_t pending = sim_dl_pending(dev);

	state[0] = SIM_STATE_SOFT_RESET;
	if (sim_dev_busy(dev))
		state[0] |= SIM_STATE_BUSY;
	if (pending > 0)
		state[0] |= SIM_STATE_RESP_RDY;
	/* [inferred] Trust X has no presentation layer (fact sheet 1.3). */
	state[1] = dev->opts.product == SIM_TRUST_X ? 0 :
	    SIM_STATE_PRESENT_LAYER;
	state[2] = (uint8_t)(pending >> 8);
	state[3] = (uint8_t)pending;
}

static uint32_t
regs_max_scl(const struct sim_dev *dev)
{
	/* [inferred] bytes 0..1 are zero; kHz in bytes 2..3 (fact sheet 1.2) */
	switch (dev->regs.mode) {
	case SIM_MODE_FMPLUS:
		return 1000;
	case SIM_MODE_SM:
		return 100;
	default:
		return 400;
	}
}

void
sim_regs_read(struct sim_dev *dev, uint8_t *out, size_t len)
{
	uint8_t v[4];
	size_t n = 0;

	memset(out, 0xff, len);

	switch (dev->regs.selected) {
	case SIM_REG_DATA:
		sim_dl_read(dev, out, len);
		return;
	case SIM_REG_DATA_REG_LEN:
		v[0] = (uint8_t)(dev->regs.data_reg_len >> 8);
		v[1] = (uint8_t)dev->regs.data_reg_len;
		n = 2;
		break;
	case SIM_REG_I2C_STATE:
		sim_regs_state(dev, v);
		n = 4;
		break;
	case SIM_REG_MAX_SCL_FREQU:
		put_be32(v, regs_max_scl(dev));
		n = 4;
		break;
	case SIM_REG_GUARD_TIME:
		/* [inferred] encoding: microseconds, BE uint32 */
		put_be32(v, 50);
		n = 4;
		break;
	case SIM_REG_TRANS_TIMEOUT:
		/* [inferred] encoding: milliseconds, BE uint32 */
		put_be32(v, SIM_TRANS_TIMEOUT_US / 1000);
		n = 4;
		break;
	case SIM_REG_I2C_MODE:
		/* DEF_MODE (bit 15) always reads back as 0. */
		v[0] = 0;
		v[1] = dev->regs.mode;
		n = 2;
		break;
	default:
		/* BASE_ADDR and SOFT_RESET are write-only; the rest absent. */
		return;
	}

	memcpy(out, v, n < len ? n : len);
}
