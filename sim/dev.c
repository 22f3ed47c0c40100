/*
 * The emulated chip on the bus: address matching, power, resets, the
 * start-up window and bus timing.  Registers, data link and transport
 * live in their own files.
 */
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

#include "dev.h"

#define MOD "sim-dev"

static const char *const product_names[] = {
	[SIM_TRUST_M3] = "trust-m3",
	[SIM_TRUST_M1] = "trust-m1",
	[SIM_TRUST_X] = "trust-x",
};

const char *
sim_product_name(enum sim_product p)
{
	if ((size_t)p >= sizeof(product_names) / sizeof(product_names[0]))
		return "?";

	return product_names[p];
}

int
sim_product_parse(const char *s, enum sim_product *p)
{
	for (size_t i = 0; i < sizeof(product_names) /
	    sizeof(product_names[0]); i++) {
		if (strcmp(s, product_names[i]) == 0) {
			*p = (enum sim_product)i;
			return 0;
		}
	}

	return -1;
}

void
sim_opts_default(struct sim_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->product = SIM_TRUST_M3;
	opts->clock_khz = SIM_CLOCK_KHZ_DEFAULT;
	opts->addr = SIM_ADDR_DEFAULT;
	opts->startup_us = SIM_STARTUP_US;
}

uint64_t
sim_dev_now(const struct sim_dev *dev)
{
	if (dev->opts.clock.now_us != NULL)
		return dev->opts.clock.now_us(dev->opts.clock.ctx);

	return op_now_us();
}

static void
dev_sleep(struct sim_dev *dev, uint64_t us)
{
	if (dev->opts.clock.sleep_us != NULL)
		dev->opts.clock.sleep_us(dev->opts.clock.ctx, us);
	else
		op_sleep_us(us);
}

bool
sim_dev_busy(const struct sim_dev *dev)
{
	return dev->opts.realtime && sim_dev_now(dev) < dev->busy_until;
}

void
sim_dev_init(struct sim_dev *dev, const struct sim_opts *opts,
    struct sim_chip *chip)
{
	memset(dev, 0, sizeof(*dev));
	dev->opts = *opts;
	dev->chip = chip;
	dev->clock_khz = opts->clock_khz ? opts->clock_khz :
	    SIM_CLOCK_KHZ_DEFAULT;
	dev->regs.addr_default = opts->addr;
	dev->regs.mode_default = SIM_MODE_SM_FM;
	dev->powered = true;

	/* Power-up happened before anyone connected: no start-up window. */
	sim_regs_reset(dev);
	sim_dl_reset(dev);
	sim_tl_reset(&dev->tl);
	sim_stats_reset(&dev->stats);
}

void
sim_dev_link_reset(struct sim_dev *dev)
{
	sim_stats_abort(&dev->stats);
	sim_regs_reset(dev);
	sim_dl_reset(dev);
	sim_tl_reset(&dev->tl);
	dev->prl_used = false;
	dev->busy_until = 0;
	if (dev->chip != NULL)
		sim_chip_reset(dev->chip);
	dev->nack_until = sim_dev_now(dev) + dev->opts.startup_us;
}

void
sim_dev_reset(struct sim_dev *dev, bool cold)
{
	if (dev->fault != NULL && dev->fault->dead) {
		OP_DEBUG(MOD, "%s reset after a lasting power cut: nothing "
		    "to do", cold ? "cold" : "warm");
		return;
	}
	if (!cold && !dev->powered) {
		OP_DEBUG(MOD, "warm reset while powered off: nothing to do");
		return;
	}
	OP_INFO(MOD, "%s reset", cold ? "cold" : "warm");
	dev->powered = true;
	sim_dev_link_reset(dev);
}

void
sim_dev_power(struct sim_dev *dev, bool on)
{
	if (on == dev->powered)
		return;
	if (on && dev->fault != NULL && dev->fault->dead) {
		OP_DEBUG(MOD, "power on after a lasting power cut: stays off");
		return;
	}
	OP_INFO(MOD, "power %s", on ? "on" : "off");
	dev->powered = on;
	if (on)
		sim_dev_link_reset(dev);
	else
		sim_stats_abort(&dev->stats);
}

void
sim_dev_set_clock(struct sim_dev *dev, unsigned khz)
{
	unsigned max = dev->regs.mode == SIM_MODE_FMPLUS ? 1000 :
	    dev->regs.mode == SIM_MODE_SM ? 100 : 400;

	if (khz > max)
		OP_WARN(MOD, "SCL %u kHz is above MAX_SCL_FREQU %u kHz; a "
		    "real chip may fail at this speed", khz, max);
	dev->clock_khz = khz;
}

/* Does the chip acknowledge its address now? */
static bool
dev_acks(struct sim_dev *dev, uint8_t addr)
{
	if (!dev->powered || addr != dev->regs.addr)
		return false;

	return sim_dev_now(dev) >= dev->nack_until;
}

/*
 * Bus time of a transaction: 9 bits per byte (8 and the acknowledge)
 * for the address byte and every data byte, plus START and STOP.
 */
static void
dev_bus_time(struct sim_dev *dev, size_t bytes)
{
	uint64_t bits = 9 * (1 + (uint64_t)bytes) + 2;
	uint64_t t, wait, start, slept;

	if (!dev->opts.realtime || dev->clock_khz == 0)
		return;
	t = (bits * 1000 + dev->clock_khz - 1) / dev->clock_khz;

	/*
	 * The scheduler wakes us late by some tens of microseconds, about
	 * the bus time of a short transaction.  What was overslept is owed
	 * back on the next waits, so that over a command the bus time adds
	 * up to what its bits take, not to the timer slack.
	 */
	wait = t > dev->sleep_debt ? t - dev->sleep_debt : 0;
	dev->sleep_debt -= t - wait;
	if (wait == 0)
		return;
	start = sim_dev_now(dev);
	dev_sleep(dev, wait);
	slept = sim_dev_now(dev) - start;
	if (slept > wait)
		dev->sleep_debt += slept - wait;
}

/*
 * What a fault plan decided during a command: a reset after it, or the
 * power gone (before or after its commit, exec.c asked).  Applied once
 * the write that carried the command is over, so no layer is cut off in
 * the middle of its own bookkeeping.
 */
static void
dev_fault_apply(struct sim_dev *dev)
{
	struct sim_fault *f = dev->fault;

	if (f == NULL)
		return;
	if (f->cut_pending) {
		f->cut_pending = false;
		f->reset_pending = false;
		sim_dev_power(dev, false);
		if (f->cmd[SIM_FAULT_CMD_POWERCUT].stay)
			f->dead = true;
		return;
	}
	if (f->reset_pending) {
		f->reset_pending = false;
		sim_dev_reset(dev, false);
	}
}

/* A NACK burst of the fault plan counts like any address NACK. */
static bool
dev_nack(struct sim_dev *dev, uint8_t addr)
{
	if (dev_acks(dev, addr) && !sim_fault_nack(dev->fault))
		return false;
	dev_bus_time(dev, 0);
	sim_stats_txn(&dev->stats, 0, true);

	return true;
}

uint8_t
sim_dev_write(struct sim_dev *dev, uint8_t addr, const uint8_t *buf,
    size_t len)
{
	uint8_t copy[1 + SIM_FRAME_MAX + 1];
	uint8_t st = SIM_ST_ACK;

	if (dev_nack(dev, addr))
		return SIM_ST_NACK_ADDR;
	dev_bus_time(dev, len);

	/*
	 * The fault plan damages frame bytes on their way in; the register
	 * address is left alone (a flip there is a different fault: it
	 * could select SOFT_RESET, which reset-during models).
	 */
	if (dev->fault != NULL && len > 1 && len <= sizeof(copy) &&
	    buf[0] == SIM_REG_DATA) {
		memcpy(copy, buf, len);
		sim_fault_corrupt(dev->fault, copy + 1, len - 1);
		buf = copy;
	}
	if (len > 0)
		st = sim_regs_write(dev, buf, len);
	sim_stats_txn(&dev->stats, len, false);
	dev_fault_apply(dev);

	return st;
}

uint8_t
sim_dev_read(struct sim_dev *dev, uint8_t addr, uint8_t *out, size_t len)
{
	uint8_t reg = dev->regs.selected;
	size_t frame = 0;

	if (dev_nack(dev, addr))
		return SIM_ST_NACK_ADDR;
	dev_bus_time(dev, len);
	if (dev->fault != NULL && reg == SIM_REG_DATA)
		frame = sim_dl_pending(dev);
	sim_regs_read(dev, out, len);
	sim_stats_txn(&dev->stats, len, false);

	/* Frames and I2C_STATE may be damaged on their way out. */
	if (reg == SIM_REG_DATA)
		sim_fault_frame_read(dev->fault, out, len, frame);
	if (reg == SIM_REG_DATA || reg == SIM_REG_I2C_STATE)
		sim_fault_corrupt(dev->fault, out, len);

	return SIM_ST_ACK;
}
