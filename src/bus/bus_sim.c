/*
 * Client of optiga-sim's virtual I2C bus (docs/virtual-bus.md): one
 * request per I2C transaction over a Unix stream socket.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/bus.h"
#include "util/err.h"

#define SIM_REQ_HELLO		0x00
#define SIM_REQ_WRITE		0x01
#define SIM_REQ_READ		0x02
#define SIM_REQ_RESET		0x10
#define SIM_REQ_POWER		0x11
#define SIM_REQ_CLOCK		0x12
#define SIM_REQ_STATS		0x20
#define SIM_REQ_STATS_RESET	0x21

#define SIM_ST_ACK		0x00
#define SIM_ST_NACK_ADDR	0x01
#define SIM_ST_NACK_DATA	0x02
#define SIM_ST_MALFORMED	0xFE
#define SIM_ST_FAILURE		0xFF

#define SIM_HELLO_PREFIX	"optiga-sim 1 "
/* HELLO waits behind another client, which the sim serves one at a time. */
#define SIM_HELLO_TIMEOUT_S	5
/* --realtime transactions take milliseconds; this only catches a hang. */
#define SIM_IO_TIMEOUT_S	30
#define SIM_MAX_PAYLOAD		0xffff

struct sim {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char product[32];
};

static const struct bus_ops sim_ops;

static int
sim_set_timeout(struct sim *s, int seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };

	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "%s: setsockopt: "
		    "%s", s->path, strerror(errno));

	return 0;
}

static int
sim_send_all(struct sim *s, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO),
			    "optiga-sim at %s: send: %s (did the simulator "
			    "exit?)", s->path, n < 0 ? strerror(errno) :
			    "closed");
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

static int
sim_recv_all(struct sim *s, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(s->fd, buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return op_err(OP_RC(OP_LAYER_BUS, OP_E_TIMEOUT),
			    "optiga-sim at %s did not answer (another client "
			    "may be holding the bus)", s->path);
		if (n < 0)
			return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO),
			    "optiga-sim at %s: recv: %s", s->path,
			    strerror(errno));
		if (n == 0)
			return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO),
			    "optiga-sim at %s closed the connection (did it "
			    "exit? see its log)", s->path);
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

/*
 * One request and its response.  The payload of the response goes to rsp
 * (up to cap bytes; a longer one is an error), its length to *rsp_len.
 */
static int
sim_request(struct sim *s, uint8_t type, uint8_t addr, const uint8_t *req,
    size_t req_len, uint8_t *rsp, size_t cap, size_t *rsp_len,
    uint8_t *status)
{
	uint8_t hdr[4];
	size_t len;
	int r;

	if (req_len > SIM_MAX_PAYLOAD)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_RANGE), "virtual bus "
		    "request of %zu bytes is longer than %u", req_len,
		    SIM_MAX_PAYLOAD);

	hdr[0] = type;
	hdr[1] = addr;
	hdr[2] = (uint8_t)(req_len >> 8);
	hdr[3] = (uint8_t)req_len;
	if ((r = sim_send_all(s, hdr, sizeof(hdr))) != 0 ||
	    (r = sim_send_all(s, req, req_len)) != 0)
		return r;

	if ((r = sim_recv_all(s, hdr, 3)) != 0)
		return r;
	*status = hdr[0];
	len = (size_t)hdr[1] << 8 | hdr[2];
	if (len > cap)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_PROTOCOL), "optiga-sim "
		    "at %s answered request 0x%02x with %zu bytes, expected "
		    "at most %zu", s->path, type, len, cap);
	if ((r = sim_recv_all(s, rsp, len)) != 0)
		return r;
	*rsp_len = len;

	return 0;
}

static int
sim_status(struct sim *s, uint8_t status, const char *what, uint8_t addr)
{
	switch (status) {
	case SIM_ST_ACK:
		return 0;
	case SIM_ST_NACK_ADDR:
		/* The physical layer retries; keep this cheap and quiet. */
		return OP_RC(OP_LAYER_BUS, OP_E_NACK);
	case SIM_ST_NACK_DATA:
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "%s at 0x%02x: a "
		    "data byte was not acknowledged (more bytes than the "
		    "register takes)", what, addr);
	case SIM_ST_MALFORMED:
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_PROTOCOL), "%s: "
		    "optiga-sim at %s called the request malformed", what,
		    s->path);
	default:
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "%s: optiga-sim at "
		    "%s failed (status 0x%02x; see its log)", what, s->path,
		    status);
	}
}

static int
sim_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
	struct sim *s = ctx;
	uint8_t status;
	size_t n;
	int r;

	if ((r = sim_request(s, SIM_REQ_WRITE, addr, buf, len, NULL, 0, &n,
	    &status)) != 0)
		return r;

	return sim_status(s, status, "write", addr);
}

static int
sim_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
	struct sim *s = ctx;
	uint8_t count[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	uint8_t status;
	size_t n;
	int r;

	if (len > SIM_MAX_PAYLOAD)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_RANGE), "read of %zu "
		    "bytes is longer than the virtual bus carries", len);
	if ((r = sim_request(s, SIM_REQ_READ, addr, count, sizeof(count),
	    buf, len, &n, &status)) != 0)
		return r;
	if ((r = sim_status(s, status, "read", addr)) != 0)
		return r;
	if (n != len)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_PROTOCOL), "read at "
		    "0x%02x: optiga-sim returned %zu bytes, asked for %zu",
		    addr, n, len);

	return 0;
}

/* A request with a small payload and no response payload. */
static int
sim_control(struct sim *s, uint8_t type, const uint8_t *req, size_t len,
    const char *what)
{
	uint8_t status;
	size_t n;
	int r;

	if ((r = sim_request(s, type, 0, req, len, NULL, 0, &n, &status)) != 0)
		return r;

	return sim_status(s, status, what, 0);
}

static int
sim_reset(void *ctx, enum bus_reset kind)
{
	uint8_t k = (uint8_t)kind;

	return sim_control(ctx, SIM_REQ_RESET, &k, 1, "reset");
}

static int
sim_set_clock(void *ctx, unsigned khz)
{
	uint8_t v[2] = { (uint8_t)(khz >> 8), (uint8_t)khz };

	return sim_control(ctx, SIM_REQ_CLOCK, v, sizeof(v), "clock");
}

static void
sim_close(void *ctx)
{
	struct sim *s = ctx;

	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static const struct bus_ops sim_ops = {
	.write = sim_write,
	.read = sim_read,
	.reset = sim_reset,
	.set_clock = sim_set_clock,
	.close = sim_close,
};

static int
sim_connect(struct sim *s)
{
	struct sockaddr_un sa;
	int e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->path, sizeof(sa.sun_path));

	if ((s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "socket: %s",
		    strerror(errno));
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;

	e = errno;
	if (e == ENOENT || e == ECONNREFUSED || e == ENOTSOCK)
		return op_err(OP_RC(OP_LAYER_BUS, e == ENOENT ? OP_E_NOTFOUND :
		    OP_E_IO), "no optiga-sim is listening on %s (%s); start "
		    "one with 'optiga-sim --socket %s --state FILE'", s->path,
		    strerror(e), s->path);

	return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "cannot connect to "
	    "optiga-sim at %s: %s", s->path, strerror(e));
}

static int
sim_hello(struct sim *s)
{
	uint8_t rsp[64];
	uint8_t status;
	size_t n, plen = strlen(SIM_HELLO_PREFIX);
	int r;

	if ((r = sim_set_timeout(s, SIM_HELLO_TIMEOUT_S)) != 0 ||
	    (r = sim_request(s, SIM_REQ_HELLO, 0, NULL, 0, rsp,
	    sizeof(rsp) - 1, &n, &status)) != 0)
		return r;
	rsp[n] = '\0';

	if (status != SIM_ST_ACK || n <= plen ||
	    memcmp(rsp, SIM_HELLO_PREFIX, plen) != 0)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_PROTOCOL), "%s does not "
		    "speak virtual bus version 1 (HELLO status 0x%02x, "
		    "answer '%.40s'; expected '" SIM_HELLO_PREFIX "PRODUCT')",
		    s->path, status, (const char *)rsp);
	snprintf(s->product, sizeof(s->product), "%s",
	    (const char *)rsp + plen);

	return sim_set_timeout(s, SIM_IO_TIMEOUT_S);
}

int
bus_sim_open(const char *path, struct bus *bus)
{
	struct sim *s = NULL;
	int r;

	if (path == NULL || *path == '\0')
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_INVAL), "sim: needs the "
		    "path of optiga-sim's socket, as in sim:/tmp/chip.sock");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_NOMEM), "out of memory");
	s->fd = -1;
	if (strlen(path) >= sizeof(s->path)) {
		r = op_err(OP_RC(OP_LAYER_BUS, OP_E_RANGE), "socket path %s is "
		    "longer than %zu bytes", path, sizeof(s->path) - 1);
		goto fail;
	}
	memcpy(s->path, path, strlen(path) + 1);

	if ((r = sim_connect(s)) != 0 || (r = sim_hello(s)) != 0)
		goto fail;

	bus->ops = &sim_ops;
	bus->ctx = s;
	bus->max_xfer = 0;
	s = NULL;	/* now owned by bus */
	r = 0;
fail:
	sim_close(s);

	return r;
}

const char *
bus_sim_product(const struct bus *bus)
{
	if (bus == NULL || bus->ops != &sim_ops)
		return NULL;

	return ((const struct sim *)bus->ctx)->product;
}

int
bus_sim_stats(struct bus *bus, char **json)
{
	struct sim *s;
	uint8_t *buf = NULL;
	uint8_t status;
	size_t n;
	int r;

	*json = NULL;
	if (bus == NULL || bus->ops != &sim_ops)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_UNSUPPORTED), "bus "
		    "statistics need a sim: device");
	s = bus->ctx;
	if ((buf = malloc(SIM_MAX_PAYLOAD + 1)) == NULL)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_NOMEM), "out of memory");

	if ((r = sim_request(s, SIM_REQ_STATS, 0, NULL, 0, buf,
	    SIM_MAX_PAYLOAD, &n, &status)) != 0 ||
	    (r = sim_status(s, status, "stats", 0)) != 0)
		goto fail;
	buf[n] = '\0';

	*json = (char *)buf;
	buf = NULL;
	r = 0;
fail:
	free(buf);

	return r;
}

int
bus_sim_stats_reset(struct bus *bus)
{
	if (bus == NULL || bus->ops != &sim_ops)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_UNSUPPORTED), "bus "
		    "statistics need a sim: device");

	return sim_control(bus->ctx, SIM_REQ_STATS_RESET, NULL, 0,
	    "stats reset");
}

int
bus_sim_power(struct bus *bus, int on)
{
	uint8_t v = on ? 1 : 0;

	if (bus == NULL || bus->ops != &sim_ops)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_UNSUPPORTED), "power "
		    "control needs a sim: device");

	return sim_control(bus->ctx, SIM_REQ_POWER, &v, 1, "power");
}
