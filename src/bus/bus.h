/*
 * How bytes reach the chip.  A bus is a small table of callbacks plus the
 * backend's own context, picked from a device URI:
 *
 *   sim:PATH                  optiga-sim's virtual bus (Unix socket)
 *   i2c:/dev/i2c-N[@ADDR]     Linux i2c-dev
 *   ft260:[SERIAL|/dev/hidrawN]  FTDI FT260 USB-to-I2C bridge
 *
 * Only this layer knows the difference.  Each callback is one complete
 * I2C transaction (START ... STOP): the chip supports neither repeated
 * START nor clock stretching, so a register read is a write of the
 * register address followed by a separate read.
 */
#ifndef OP_BUS_BUS_H
#define OP_BUS_BUS_H

#include <stddef.h>
#include <stdint.h>

#define BUS_ADDR_DEFAULT 0x30

enum bus_reset {
	BUS_RESET_COLD = 0,	/* power off, then on */
	BUS_RESET_WARM = 2	/* pulse the RST line */
};

struct bus_ops {
	/*
	 * One write transaction.  Returns 0 when every byte was
	 * acknowledged, OP_RC(OP_LAYER_BUS, OP_E_NACK) when the address was
	 * not (chip busy or asleep: the caller retries), another status on
	 * failure.
	 */
	int (*write)(void *ctx, uint8_t addr, const uint8_t *buf, size_t len);
	/* One read transaction of exactly len bytes; same returns. */
	int (*read)(void *ctx, uint8_t addr, uint8_t *buf, size_t len);
	/* Optional: drive the reset line or the power.  NULL if absent. */
	int (*reset)(void *ctx, enum bus_reset kind);
	/* Optional: set the SCL clock in kHz.  NULL if fixed. */
	int (*set_clock)(void *ctx, unsigned khz);
	void (*close)(void *ctx);
};

struct bus {
	const struct bus_ops *ops;
	void *ctx;
	uint8_t addr;		/* 7-bit chip address, 0x30 by default */
	size_t max_xfer;	/* longest single transaction, 0 = no limit */
	char name[128];		/* the URI, for messages */
};

/* Open the bus named by uri; *out is malloc'd, free with bus_close(). */
int bus_open(const char *uri, struct bus **out);
void bus_close(struct bus **bus);

/* Backends: each parses the part of the URI after its scheme. */
int bus_sim_open(const char *path, struct bus *bus);
int bus_i2c_open(const char *spec, struct bus *bus);
int bus_ft260_open(const char *spec, struct bus *bus);

/*
 * optiga-sim extras (fail with OP_E_UNSUPPORTED on other buses): the
 * product named in its HELLO, its traffic counters as a malloc'd JSON
 * string (docs/virtual-bus.md), a reset of those counters, and the
 * chip's power supply.
 */
const char *bus_sim_product(const struct bus *bus);
int bus_sim_stats(struct bus *bus, char **json);
int bus_sim_stats_reset(struct bus *bus);
int bus_sim_power(struct bus *bus, int on);

static inline int
bus_write(struct bus *b, const uint8_t *buf, size_t len)
{
	return b->ops->write(b->ctx, b->addr, buf, len);
}

static inline int
bus_read(struct bus *b, uint8_t *buf, size_t len)
{
	return b->ops->read(b->ctx, b->addr, buf, len);
}

#endif
