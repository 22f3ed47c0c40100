/*
 * A minimal client of optiga-sim's virtual bus (docs/virtual-bus.md),
 * using send/recv so that the interposed read/write are not re-entered.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fakedev.h"

static int
send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}

	return 0;
}

static int
recv_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = recv(fd, p, n, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}

	return 0;
}

int
vbus_request(int fd, uint8_t type, uint8_t addr, const uint8_t *payload,
    size_t len, uint8_t *rsp, size_t cap, size_t *rsp_len)
{
	uint8_t hdr[4] = { type, addr, (uint8_t)(len >> 8), (uint8_t)len };
	uint8_t rh[3];
	size_t rlen;
	uint8_t sink[256];

	if (send_all(fd, hdr, 4) != 0 ||
	    (len > 0 && send_all(fd, payload, len) != 0))
		return -1;
	if (recv_all(fd, rh, 3) != 0)
		return -1;

	rlen = (size_t)rh[1] << 8 | rh[2];
	*rsp_len = rlen;
	if (rlen <= cap)
		return recv_all(fd, rsp, rlen) == 0 ? rh[0] : -1;

	/* more than the caller wants: keep what fits, drop the rest */
	if (recv_all(fd, rsp, cap) != 0)
		return -1;
	for (rlen -= cap; rlen > 0;) {
		size_t k = rlen < sizeof(sink) ? rlen : sizeof(sink);

		if (recv_all(fd, sink, k) != 0)
			return -1;
		rlen -= k;
	}
	*rsp_len = cap;

	return rh[0];
}
