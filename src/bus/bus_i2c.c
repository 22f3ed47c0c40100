/*
 * Linux i2c-dev backend: i2c:/dev/i2c-N[@ADDR][?reset-gpio=CHIP:LINE]
 * (or --reset-gpio CHIP:LINE, which sets OPTIGA_RESET_GPIO)
 *
 * Each callback is one plain read() or write() on the adapter, which the
 * kernel turns into one START ... STOP transaction.  An address NACK
 * comes back as ENXIO or EREMOTEIO (driver dependent) and is reported as
 * OP_E_NACK so that the physical layer retries it: the chip NACKs while it
 * is busy or waking up.
 *
 * The shields wire the chip's RST pin to a GPIO; with reset-gpio the warm
 * reset pulses it through libgpiod.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gpiod.h>
#include <linux/i2c-dev.h>

#include "bus/bus.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define BUS_ERR(code) OP_RC(OP_LAYER_BUS, code)

/* RST low pulse: the datasheet allows 10 us .. 2.5 ms */
#define RESET_LOW_US	2000

struct i2c_ctx {
	int fd;
	int addr;		/* address set with I2C_SLAVE, -1 none */
	char path[64];
	char gpio_chip[64];
	unsigned gpio_line;
	int has_gpio;
};

static int
errno_status(const struct i2c_ctx *c, const char *what, int e)
{
	switch (e) {
	case ENXIO:
	case EREMOTEIO:
		/* no acknowledge: the physical layer decides to retry */
		return op_err(BUS_ERR(OP_E_NACK), "no acknowledge from "
		    "address 0x%02x on %s: check the wiring, the chip's power, "
		    "the address and the pull-ups", c->addr, c->path);
	case ETIMEDOUT:
	case EAGAIN:
		return op_err(BUS_ERR(OP_E_BUSY), "%s on %s: the bus stays "
		    "busy (%s); check that nothing holds SDA/SCL low and that "
		    "the pull-ups are fitted", what, c->path, strerror(e));
	default:
		return op_err(BUS_ERR(OP_E_IO), "%s on %s: %s", what, c->path,
		    strerror(e));
	}
}

static int
select_addr(struct i2c_ctx *c, uint8_t addr)
{
	if (c->addr == addr)
		return 0;
	if (ioctl(c->fd, I2C_SLAVE, (unsigned long)addr) < 0) {
		int e = errno;

		if (e == EBUSY)
			return op_err(BUS_ERR(OP_E_BUSY), "address 0x%02x on "
			    "%s is claimed by a kernel driver; unbind it or "
			    "use another address", addr, c->path);
		return op_err(BUS_ERR(OP_E_IO), "cannot address 0x%02x on "
		    "%s: %s", addr, c->path, strerror(e));
	}
	c->addr = addr;

	return 0;
}

static int
i2c_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
	struct i2c_ctx *c = ctx;
	ssize_t n;
	int r;

	if ((r = select_addr(c, addr)) != 0)
		return r;
	n = write(c->fd, buf, len);
	if (n < 0)
		return errno_status(c, "write", errno);
	if ((size_t)n != len)
		return op_err(BUS_ERR(OP_E_IO), "short write on %s: %zd of "
		    "%zu bytes", c->path, n, len);

	return 0;
}

static int
i2c_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
	struct i2c_ctx *c = ctx;
	ssize_t n;
	int r;

	if ((r = select_addr(c, addr)) != 0)
		return r;
	n = read(c->fd, buf, len);
	if (n < 0)
		return errno_status(c, "read", errno);
	if ((size_t)n != len)
		return op_err(BUS_ERR(OP_E_IO), "short read on %s: %zd of "
		    "%zu bytes", c->path, n, len);

	return 0;
}

static int
pulse_gpio(struct i2c_ctx *c)
{
	struct gpiod_chip *chip;
	struct gpiod_line *line;
	int r = 0;

	if ((chip = gpiod_chip_open_lookup(c->gpio_chip)) == NULL)
		return op_err(BUS_ERR(OP_E_NOTFOUND), "reset GPIO chip '%s' "
		    "not found (%s); list them with gpiodetect", c->gpio_chip,
		    strerror(errno));
	if ((line = gpiod_chip_get_line(chip, c->gpio_line)) == NULL ||
	    gpiod_line_request_output(line, "optiga-perso", 1) < 0) {
		r = op_err(BUS_ERR(OP_E_IO), "cannot drive GPIO %s:%u: %s",
		    c->gpio_chip, c->gpio_line, strerror(errno));
		goto out;
	}

	/*
	 * RST is active low.  Try to raise it even when lowering failed:
	 * a line left low holds the chip in reset.
	 */
	if (gpiod_line_set_value(line, 0) < 0)
		r = op_err(BUS_ERR(OP_E_IO), "cannot pull GPIO %s:%u low "
		    "to reset the chip: %s", c->gpio_chip, c->gpio_line,
		    strerror(errno));
	else
		op_sleep_us(RESET_LOW_US);
	if (gpiod_line_set_value(line, 1) < 0 && r == 0)
		r = op_err(BUS_ERR(OP_E_IO), "cannot release GPIO %s:%u "
		    "after the reset pulse; the chip may stay in reset: %s",
		    c->gpio_chip, c->gpio_line, strerror(errno));
	gpiod_line_release(line);
out:
	gpiod_chip_close(chip);

	return r;
}

static int
i2c_reset(void *ctx, enum bus_reset kind)
{
	struct i2c_ctx *c = ctx;

	if (!c->has_gpio)
		return op_err(BUS_ERR(OP_E_UNSUPPORTED), "%s has no reset "
		    "line; give ?reset-gpio=CHIP:LINE in the device URI, or "
		    "use a soft reset", c->path);
	if (kind == BUS_RESET_COLD)
		OP_DEBUG("i2c", "no power switch: cold reset done as warm");

	return pulse_gpio(c);
}

static void
i2c_close(void *ctx)
{
	struct i2c_ctx *c = ctx;

	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static const struct bus_ops i2c_ops = {
	.write = i2c_write,
	.read = i2c_read,
	.reset = i2c_reset,
	.set_clock = NULL,	/* the kernel or device tree sets SCL */
	.close = i2c_close,
};

static int
parse_gpio(struct i2c_ctx *c, const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long line;

	if (colon == NULL || colon == v || (size_t)(colon - v) >=
	    sizeof(c->gpio_chip))
		goto bad;
	line = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || line > 1023)
		goto bad;
	memcpy(c->gpio_chip, v, (size_t)(colon - v));
	c->gpio_chip[colon - v] = '\0';
	c->gpio_line = (unsigned)line;
	c->has_gpio = 1;

	return 0;
bad:
	return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "reset-gpio '%s' "
	    "is not CHIP:LINE (for example gpiochip0:17)", v);
}

/* "/dev/i2c-1@0x30?reset-gpio=gpiochip0:17" */
static int
parse_spec(struct i2c_ctx *c, const char *spec, uint8_t *addr)
{
	char buf[256];
	char *q;
	char *at;
	int r;

	if (strlen(spec) >= sizeof(buf))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "device i2c:%s: %zu characters, at most %zu allowed",
		    spec, strlen(spec), sizeof(buf) - 1);
	strcpy(buf, spec);

	if ((q = strchr(buf, '?')) != NULL) {
		*q++ = '\0';
		if (strncmp(q, "reset-gpio=", 11) != 0)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "unknown option '%s' in i2c:%s; the only one is "
			    "reset-gpio=CHIP:LINE", q, spec);
		if ((r = parse_gpio(c, q + 11)) != 0)
			return r;
	}
	if ((at = strchr(buf, '@')) != NULL) {
		char *end;
		unsigned long a;

		*at++ = '\0';
		a = strtoul(at, &end, 0);
		if (*at == '\0' || *end != '\0' || a < 0x08 || a > 0x77)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "'%s' is not a 7-bit I2C address (0x08..0x77; "
			    "the chip's is 0x30)", at);
		*addr = (uint8_t)a;
	}
	if (strncmp(buf, "/dev/", 5) != 0 || strlen(buf) >= sizeof(c->path))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "'%s' is not an i2c-dev node; expected "
		    "i2c:/dev/i2c-N[@ADDR], e.g. i2c:/dev/i2c-1", buf);
	strcpy(c->path, buf);

	return 0;
}

static int
open_failed(const char *path, int e)
{
	switch (e) {
	case ENOENT:
		return op_err(BUS_ERR(OP_E_NOTFOUND), "%s does not exist: "
		    "is I2C enabled (Raspberry Pi: raspi-config, or "
		    "dtparam=i2c_arm=on in config.txt) and the i2c-dev module "
		    "loaded (modprobe i2c-dev)? 'optiga-perso devices' lists "
		    "the adapters present", path);
	case EACCES:
	case EPERM:
		return op_err(BUS_ERR(OP_E_PERM), "permission denied on %s: "
		    "add your user to the i2c group (sudo usermod -aG i2c "
		    "$USER, then log in again) or install "
		    "udev/60-optiga-perso.rules from this repository", path);
	default:
		return op_err(BUS_ERR(OP_E_IO), "cannot open %s: %s", path,
		    strerror(e));
	}
}

int
bus_i2c_open(const char *spec, struct bus *bus)
{
	struct i2c_ctx *c;
	uint8_t addr = BUS_ADDR_DEFAULT;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	c->fd = -1;
	c->addr = -1;

	if ((r = parse_spec(c, spec, &addr)) != 0)
		goto fail;
	/* --reset-gpio reaches us through the environment */
	if (!c->has_gpio && getenv("OPTIGA_RESET_GPIO") != NULL &&
	    (r = parse_gpio(c, getenv("OPTIGA_RESET_GPIO"))) != 0)
		goto fail;
	if ((c->fd = open(c->path, O_RDWR | O_CLOEXEC)) < 0) {
		r = open_failed(c->path, errno);
		goto fail;
	}

	bus->ops = &i2c_ops;
	bus->ctx = c;
	bus->addr = addr;
	/* i2c-dev moves up to 8192 bytes at once: more than any frame */
	bus->max_xfer = 0;

	return 0;
fail:
	i2c_close(c);

	return r;
}
