/*
 * A model of the FTDI FT260 at the level of its HID reports, in front of
 * optiga-sim.  It answers what the FT260 backend sends the way the
 * bridge does (fact sheet section 11): I2C write reports with START/STOP
 * flags, read requests answered by input reports of up to 60 bytes, the
 * status feature report (BUSY for one poll after each transfer, as real
 * controllers take a moment), the clock setting, and GPIO F as the
 * chip's reset line.
 */
#include <errno.h>
#include <string.h>

#include "fakedev.h"

#define ST_BUSY		0x01
#define ST_ERROR	0x02
#define ST_ADDR_NACK	0x04
#define ST_IDLE		0x20
#define GPIOF		0x20

static void
finish(struct fakedev *d, int vbus_status)
{
	d->busy_polls = 1;
	if (vbus_status == 0)
		d->status = ST_IDLE;
	else
		d->status = ST_IDLE | ST_ERROR | ST_ADDR_NACK;
}

static void
queue_in(struct fakedev *d, const uint8_t *data, size_t len)
{
	size_t off = 0;

	while (off < len && d->inq_tail < FT260_INQ_MAX) {
		uint8_t *rep = d->inq[d->inq_tail++];
		size_t n = len - off > 60 ? 60 : len - off;

		memset(rep, 0, FT260_REPORT_LEN);
		/* report IDs 0xD0..0xDE carry 4..60 bytes */
		rep[0] = (uint8_t)(0xD0 + (n - 1) / 4);
		rep[1] = (uint8_t)n;
		memcpy(rep + 2, data + off, n);
		off += n;
	}
}

long
ft260_write_report(struct fakedev *d, const uint8_t *buf, size_t len)
{
	size_t got = 0;
	int st;

	if (len < 1) {
		errno = EINVAL;
		return -1;
	}
	if (buf[0] >= 0xD0 && buf[0] <= 0xDE && len >= 4) {
		size_t n = buf[3];
		uint8_t flags = buf[2];

		if (n > len - 4 || n > 60) {
			errno = EINVAL;
			return -1;
		}
		if (flags & 0x02)
			d->wlen = 0;
		if (d->wlen + n > sizeof(d->wbuf)) {
			errno = EINVAL;
			return -1;
		}
		d->waddr = buf[1];
		memcpy(d->wbuf + d->wlen, buf + 4, n);
		d->wlen += n;
		if (flags & 0x04) {
			st = vbus_request(d->fd, 0x01, d->waddr, d->wbuf,
			    d->wlen, NULL, 0, &got);
			if (st < 0) {
				errno = EIO;
				return -1;
			}
			finish(d, st);
			d->wlen = 0;
		}
		return (long)len;
	}
	if (buf[0] == 0xC2 && len >= 5) {
		size_t n = (size_t)buf[3] | (size_t)buf[4] << 8;
		uint8_t cnt[2] = { (uint8_t)(n >> 8), (uint8_t)n };

		st = vbus_request(d->fd, 0x02, buf[1], cnt, 2, d->rbuf,
		    sizeof(d->rbuf), &got);
		if (st < 0) {
			errno = EIO;
			return -1;
		}
		finish(d, st);
		if (st == 0)
			queue_in(d, d->rbuf, got);
		return (long)len;
	}

	errno = EINVAL;
	return -1;
}

long
ft260_read_report(struct fakedev *d, uint8_t *buf, size_t len)
{
	size_t n = len < FT260_REPORT_LEN ? len : FT260_REPORT_LEN;

	if (d->inq_head == d->inq_tail) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, d->inq[d->inq_head++], n);
	if (d->inq_head == d->inq_tail)
		d->inq_head = d->inq_tail = 0;

	return (long)n;
}

int
ft260_pending(const struct fakedev *d)
{
	return d->inq_head != d->inq_tail;
}

int
ft260_set_feature(struct fakedev *d, const uint8_t *buf, size_t len)
{
	size_t got;

	if (len >= 2 && buf[0] == 0xA1 && buf[1] == 0x20) {
		d->status = ST_IDLE;
		return (int)len;
	}
	if (len >= 4 && buf[0] == 0xA1 && buf[1] == 0x22) {
		uint8_t khz[2] = { buf[3], buf[2] };

		d->khz = (unsigned)buf[2] | (unsigned)buf[3] << 8;
		vbus_request(d->fd, 0x12, 0, khz, 2, NULL, 0, &got);
		return (int)len;
	}
	if (len >= 5 && buf[0] == 0xB0) {
		int was_high = (d->gpio[2] & GPIOF) != 0;
		int high = (buf[3] & GPIOF) != 0;
		int output = (buf[4] & GPIOF) != 0;

		memcpy(d->gpio, buf + 1, 4);
		/* a rising edge on RST ends a warm reset pulse */
		if (output && high && !was_high) {
			uint8_t kind = 2;

			vbus_request(d->fd, 0x10, 0, &kind, 1, NULL, 0, &got);
		}
		return (int)len;
	}

	errno = EINVAL;
	return -1;
}

int
ft260_get_feature(struct fakedev *d, uint8_t *buf, size_t len)
{
	if (len < 5) {
		errno = EINVAL;
		return -1;
	}
	if (buf[0] == 0xC0) {
		buf[1] = d->busy_polls > 0 ? ST_BUSY : d->status;
		if (d->busy_polls > 0)
			d->busy_polls--;
		buf[2] = (uint8_t)d->khz;
		buf[3] = (uint8_t)(d->khz >> 8);
		buf[4] = 0;
		return 5;
	}
	if (buf[0] == 0xB0) {
		memcpy(buf + 1, d->gpio, 4);
		return 5;
	}

	errno = EINVAL;
	return -1;
}
