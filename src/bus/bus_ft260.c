/*
 * FTDI FT260 USB-to-I2C bridge over Linux hidraw:
 *   ft260:                  the first FT260 found
 *   ft260:SERIAL            the FT260 with this USB serial number
 *   ft260:/dev/hidrawN      this hidraw node
 * optionally followed by ?frame=N (the largest IFX I2C frame to use).
 *
 * The bridge speaks HID reports (fact sheet section 11): I2C writes and
 * read requests go out as output reports, read data comes back as input
 * reports, and the controller status is a feature report polled after
 * each transfer.  The vendor's libusb code accepts a read only when it
 * arrives in a single 60-byte input report, which is why its builds use
 * 55-byte frames.  This backend assembles reads from several input
 * reports and splits writes over several output reports, so larger frames
 * are possible; 55 stays the default until that is proven on hardware
 * (docs/hardware.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/hidraw.h>

#include "bus/bus.h"
#include "codec/frame.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define BUS_ERR(code) OP_RC(OP_LAYER_BUS, code)

#define FT260_VID		0x0403
#define FT260_PID		0x6030
#define FT260_REPORT_LEN	64
#define FT260_PAYLOAD_MAX	60

/* report IDs */
#define FT260_SYSTEM_SETTING	0xA1
#define FT260_GPIO		0xB0
#define FT260_I2C_STATUS	0xC0
#define FT260_I2C_READ_REQ	0xC2
#define FT260_I2C_REPORT_MIN	0xD0
#define FT260_I2C_REPORT_MAX	0xDE

/* system-setting requests */
#define FT260_I2C_RESET		0x20
#define FT260_I2C_CLOCK		0x22

/* I2C condition flags */
#define FT260_FLAG_NONE		0x00
#define FT260_FLAG_START	0x02
#define FT260_FLAG_STOP		0x04
#define FT260_FLAG_START_STOP	0x06

/* status bits (GET_FEATURE 0xC0) */
#define FT260_ST_BUSY		0x01
#define FT260_ST_ERROR		0x02
#define FT260_ST_ADDR_NACK	0x04
#define FT260_ST_DATA_NACK	0x08
#define FT260_ST_ARB_LOST	0x10
#define FT260_ST_IDLE		0x20
#define FT260_ST_BUS_BUSY	0x40

#define FT260_GPIOF		0x20	/* the OPTIGA reset line */
#define FT260_POLL_MAX		1000	/* status polls per transfer */
#define FT260_IN_TIMEOUT_MS	1000
#define RESET_LOW_US		2000

struct ft260_ctx {
	int fd;
	char path[64];
	unsigned khz;
};

static int
hid_fail(const struct ft260_ctx *c, const char *what)
{
	int e = errno;

	return op_err(BUS_ERR(OP_E_IO), "%s on %s: %s", what, c->path,
	    strerror(e));
}

static int
set_feature(struct ft260_ctx *c, const uint8_t *buf, size_t len)
{
	if (ioctl(c->fd, HIDIOCSFEATURE(len), buf) < 0)
		return hid_fail(c, "SET_FEATURE");

	return 0;
}

static int
get_feature(struct ft260_ctx *c, uint8_t id, uint8_t *buf, size_t len)
{
	int n;

	buf[0] = id;
	if ((n = ioctl(c->fd, HIDIOCGFEATURE(len), buf)) < 0)
		return hid_fail(c, "GET_FEATURE");

	return n;
}

/*
 * Wait for the controller to finish, then turn its status into ours.  A
 * GET_FEATURE that does not return the 5-byte status counts as an error,
 * as it does for the vendor's code.
 */
static int
wait_status(struct ft260_ctx *c, uint8_t addr)
{
	uint8_t st[FT260_REPORT_LEN];

	for (int i = 0; i < FT260_POLL_MAX; i++) {
		int n = get_feature(c, FT260_I2C_STATUS, st, 5);

		if (n < 0)
			return n;
		if (n < 5)
			return op_err(BUS_ERR(OP_E_PROTOCOL), "I2C status "
			    "report from %s has %d bytes, not 5", c->path, n);
		if (st[1] & FT260_ST_BUSY)
			continue;
		if (st[1] & FT260_ST_ADDR_NACK)
			return op_err(BUS_ERR(OP_E_NACK), "no acknowledge "
			    "from address 0x%02x behind %s: check the board's "
			    "power, the chip's seat and the address", addr,
			    c->path);
		if (st[1] & (FT260_ST_ERROR | FT260_ST_DATA_NACK |
		    FT260_ST_ARB_LOST))
			return op_err(BUS_ERR(OP_E_IO), "I2C error behind %s "
			    "(status 0x%02x: %s)", c->path, st[1],
			    st[1] & FT260_ST_ARB_LOST ? "arbitration lost" :
			    st[1] & FT260_ST_DATA_NACK ? "data not "
			    "acknowledged" : "controller error");
		if ((st[1] & FT260_ST_IDLE) && !(st[1] & FT260_ST_BUS_BUSY))
			return 0;
	}

	return op_err(BUS_ERR(OP_E_BUSY), "the I2C bus behind %s stays "
	    "busy; unplug and replug the board", c->path);
}

static int
out_report(struct ft260_ctx *c, const uint8_t *rep, size_t len)
{
	ssize_t n = write(c->fd, rep, len);

	if (n < 0)
		return hid_fail(c, "output report");
	if ((size_t)n != len)
		return op_err(BUS_ERR(OP_E_IO), "short output report on %s: "
		    "%zd of %zu bytes written", c->path, n, len);

	return 0;
}

static int
ft260_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
	struct ft260_ctx *c = ctx;
	size_t off = 0;
	int r;

	/* one report per 60 bytes; START on the first, STOP on the last */
	do {
		uint8_t rep[FT260_REPORT_LEN] = { 0 };
		size_t n = len - off;
		uint8_t flags = FT260_FLAG_NONE;

		if (n > FT260_PAYLOAD_MAX)
			n = FT260_PAYLOAD_MAX;
		if (off == 0)
			flags |= FT260_FLAG_START;
		if (off + n == len)
			flags |= FT260_FLAG_STOP;

		rep[0] = FT260_I2C_REPORT_MAX;
		rep[1] = addr;
		rep[2] = flags;
		rep[3] = (uint8_t)n;
		memcpy(rep + 4, buf + off, n);
		if ((r = out_report(c, rep, sizeof(rep))) != 0)
			return r;
		off += n;
	} while (off < len);

	return wait_status(c, addr);
}

static int
in_report(struct ft260_ctx *c, uint8_t *rep)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, FT260_IN_TIMEOUT_MS) <= 0)
		return op_err(BUS_ERR(OP_E_TIMEOUT), "no read data from %s "
		    "within %d ms", c->path, FT260_IN_TIMEOUT_MS);
	if ((n = read(c->fd, rep, FT260_REPORT_LEN)) < 0)
		return hid_fail(c, "input report");
	if (n < 2 || rep[0] < FT260_I2C_REPORT_MIN ||
	    rep[0] > FT260_I2C_REPORT_MAX || rep[1] > n - 2)
		return op_err(BUS_ERR(OP_E_PROTOCOL), "unexpected input "
		    "report 0x%02x (%zd bytes) from %s", n > 0 ? rep[0] : 0,
		    n, c->path);

	return 0;
}

static int
ft260_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
	struct ft260_ctx *c = ctx;
	uint8_t req[5] = { FT260_I2C_READ_REQ, addr, FT260_FLAG_START_STOP,
	    (uint8_t)len, (uint8_t)(len >> 8) };
	size_t got = 0;
	int r;

	if (len == 0 || len > 0xffff)
		return op_err(BUS_ERR(OP_E_RANGE), "read of %zu bytes from "
		    "%s: an FT260 read takes 1..65535 bytes", len, c->path);
	if ((r = out_report(c, req, sizeof(req))) != 0)
		return r;

	/*
	 * The data arrives in input reports of up to 60 bytes.  A NACKed
	 * address sends none: check the status first when nothing came.
	 */
	while (got < len) {
		uint8_t rep[FT260_REPORT_LEN];
		size_t n;

		if ((r = in_report(c, rep)) != 0) {
			int st = wait_status(c, addr);

			return st != 0 ? st : r;
		}
		n = rep[1];
		if (n > len - got)
			return op_err(BUS_ERR(OP_E_PROTOCOL), "%s sent %zu "
			    "bytes more than asked", c->path, n - (len - got));
		memcpy(buf + got, rep + 2, n);
		got += n;
	}

	return wait_status(c, addr);
}

static int
ft260_set_clock(void *ctx, unsigned khz)
{
	struct ft260_ctx *c = ctx;
	uint8_t rep[4] = { FT260_SYSTEM_SETTING, FT260_I2C_CLOCK,
	    (uint8_t)khz, (uint8_t)(khz >> 8) };
	int r;

	if ((r = set_feature(c, rep, sizeof(rep))) == 0)
		c->khz = khz;

	return r;
}

static int
set_gpiof(struct ft260_ctx *c, int high)
{
	uint8_t g[FT260_REPORT_LEN];
	int n;

	if ((n = get_feature(c, FT260_GPIO, g, 5)) < 0)
		return n;
	if (n < 5)
		return op_err(BUS_ERR(OP_E_PROTOCOL), "GPIO report from %s "
		    "has %d bytes, not 5", c->path, n);
	g[0] = FT260_GPIO;
	if (high)
		g[3] |= FT260_GPIOF;
	else
		g[3] &= (uint8_t)~FT260_GPIOF;
	g[4] |= FT260_GPIOF;	/* output */

	return set_feature(c, g, 5);
}

static int
ft260_reset(void *ctx, enum bus_reset kind)
{
	struct ft260_ctx *c = ctx;
	int r;

	/* the board switches no power: a cold reset is done as warm */
	(void)kind;
	if ((r = set_gpiof(c, 0)) != 0)
		return r;
	op_sleep_us(RESET_LOW_US);

	return set_gpiof(c, 1);
}

static void
ft260_close(void *ctx)
{
	struct ft260_ctx *c = ctx;

	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static const struct bus_ops ft260_ops = {
	.write = ft260_write,
	.read = ft260_read,
	.reset = ft260_reset,
	.set_clock = ft260_set_clock,
	.close = ft260_close,
};

static const char *
sysfs_root(void)
{
	/* test hook: a fake sysfs tree for device discovery */
	const char *r = getenv("OPTIGA_SYSFS_ROOT");

	return r != NULL ? r : "/sys";
}

/* Does hidrawN belong to an FT260 (and, if serial, that one)? */
static int
is_ft260(const char *node, const char *serial)
{
	char path[512];
	char line[256];
	unsigned bus, vid, pid;
	int id_ok = 0;
	int serial_ok = serial == NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/class/hidraw/%s/device/uevent",
	    sysfs_root(), node);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "HID_ID=%x:%x:%x", &bus, &vid, &pid) == 3 &&
		    vid == FT260_VID && pid == FT260_PID)
			id_ok = 1;
		if (serial != NULL && strncmp(line, "HID_UNIQ=", 9) == 0 &&
		    strcmp(line + 9, serial) == 0)
			serial_ok = 1;
	}
	fclose(f);

	return id_ok && serial_ok;
}

/* Find an FT260's hidraw node; FT260 boards show two (interface 0 is
 * the I2C one), so the lowest-numbered match is taken. */
static int
find_ft260(const char *serial, char *out, size_t len)
{
	char dir[512];
	struct dirent *de;
	DIR *d;
	int best = -1;

	snprintf(dir, sizeof(dir), "%s/class/hidraw", sysfs_root());
	if ((d = opendir(dir)) == NULL)
		return op_err(BUS_ERR(OP_E_NOTFOUND), "no hidraw devices "
		    "(%s: %s); is the FT260 board plugged in?", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		int n;

		if (sscanf(de->d_name, "hidraw%d", &n) != 1)
			continue;
		if (is_ft260(de->d_name, serial) && (best < 0 || n < best))
			best = n;
	}
	closedir(d);

	if (best < 0)
		return op_err(BUS_ERR(OP_E_NOTFOUND), "no FT260 bridge "
		    "(USB 0403:6030)%s%s found; check the cable with lsusb",
		    serial ? " with serial " : "", serial ? serial : "");
	snprintf(out, len, "/dev/hidraw%d", best);

	return 0;
}

static int
open_failed(const char *path, int e)
{
	if (e == EACCES || e == EPERM)
		return op_err(BUS_ERR(OP_E_PERM), "permission denied on %s: "
		    "install udev/60-optiga-perso.rules from this repository "
		    "(it grants the plugdev group access to FT260 bridges) "
		    "and replug the board", path);
	if (e == ENOENT)
		return op_err(BUS_ERR(OP_E_NOTFOUND), "%s does not exist; "
		    "'optiga-perso devices' lists the bridges present", path);

	return op_err(BUS_ERR(OP_E_IO), "cannot open %s: %s", path,
	    strerror(e));
}

static int
parse_spec(const char *spec, char *target, size_t tlen, unsigned *frame)
{
	const char *q = strchr(spec, '?');
	size_t n = q ? (size_t)(q - spec) : strlen(spec);

	if (n >= tlen)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "device ft260:%s: the bridge part is %zu characters, "
		    "at most %zu allowed", spec, n, tlen - 1);
	memcpy(target, spec, n);
	target[n] = '\0';

	*frame = IFX_FRAME_SIZE_FT260;
	if (q != NULL) {
		char *end;
		unsigned long v;

		if (strncmp(q + 1, "frame=", 6) != 0)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "unknown option '%s' in ft260:%s; the only one is "
			    "frame=N", q + 1, spec);
		v = strtoul(q + 7, &end, 10);
		if (q[7] == '\0' || *end != '\0' || v < IFX_FRAME_SIZE_MIN ||
		    v > IFX_FRAME_SIZE_DEFAULT)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "frame=%s: give a frame size from %d to %d",
			    q + 7, IFX_FRAME_SIZE_MIN, IFX_FRAME_SIZE_DEFAULT);
		*frame = (unsigned)v;
	}

	return 0;
}

int
bus_ft260_open(const char *spec, struct bus *bus)
{
	static const uint8_t i2c_reset[2] = { FT260_SYSTEM_SETTING,
	    FT260_I2C_RESET };
	struct ft260_ctx *c;
	char target[128];
	unsigned frame;
	int r;

	if ((r = parse_spec(spec, target, sizeof(target), &frame)) != 0)
		return r;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	c->fd = -1;

	if (strncmp(target, "/dev/", 5) == 0)
		snprintf(c->path, sizeof(c->path), "%s", target);
	else if ((r = find_ft260(target[0] ? target : NULL, c->path,
	    sizeof(c->path))) != 0)
		goto fail;

	if ((c->fd = open(c->path, O_RDWR | O_CLOEXEC)) < 0) {
		r = open_failed(c->path, errno);
		goto fail;
	}

	/* reset the I2C engine, then 400 kHz as the vendor does */
	if ((r = set_feature(c, i2c_reset, sizeof(i2c_reset))) != 0 ||
	    (r = ft260_set_clock(c, 400)) != 0)
		goto fail;

	bus->ops = &ft260_ops;
	bus->ctx = c;
	bus->addr = BUS_ADDR_DEFAULT;
	/* a frame write is the register byte plus the frame */
	bus->max_xfer = frame + 1;

	return 0;
fail:
	ft260_close(c);

	return r;
}
