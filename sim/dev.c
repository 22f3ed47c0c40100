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

	if (!dev->opts.realtime || dev->clock_khz == 0)
		return;
	dev_sleep(dev, (bits * 1000 + dev->clock_khz - 1) / dev->clock_khz);
}

uint8_t
sim_dev_write(struct sim_dev *dev, uint8_t addr, const uint8_t *buf,
    size_t len)
{
	uint8_t st = SIM_ST_ACK;

	if (!dev_acks(dev, addr)) {
		dev_bus_time(dev, 0);
		sim_stats_txn(&dev->stats, 0, true);
		return SIM_ST_NACK_ADDR;
	}
	dev_bus_time(dev, len);
	if (len > 0)
		st = sim_regs_write(dev, buf, len);
	sim_stats_txn(&dev->stats, len, false);

	return st;
}

uint8_t
sim_dev_read(struct sim_dev *dev, uint8_t addr, uint8_t *out, size_t len)
{
	if (!dev_acks(dev, addr)) {
		dev_bus_time(dev, 0);
		sim_stats_txn(&dev->stats, 0, true);
		return SIM_ST_NACK_ADDR;
	}
	dev_bus_time(dev, len);
	sim_regs_read(dev, out, len);
	sim_stats_txn(&dev->stats, len, false);

	return SIM_ST_ACK;
}
