/*
 * Test infrastructure: fake /dev/i2c-N and /dev/hidrawN nodes, backed by
 * optiga-sim, presented to the unmodified i2c-dev and FT260 backends
 * through LD_PRELOAD.  Not part of the product.
 */
#ifndef OP_TEST_FAKEDEV_H
#define OP_TEST_FAKEDEV_H

#include <stddef.h>
#include <stdint.h>

enum fakedev_kind {
	FAKEDEV_I2C,
	FAKEDEV_FT260
};

#define FT260_REPORT_LEN 64
#define FT260_INQ_MAX 1200	/* 65535 bytes in 60-byte reports */

struct fakedev {
	int fd;			/* the socket to optiga-sim */
	enum fakedev_kind kind;
	uint8_t addr;		/* i2c: set by I2C_SLAVE */

	/* FT260 model */
	uint8_t status;		/* I2C status byte */
	int busy_polls;		/* polls that still report BUSY */
	unsigned khz;
	uint8_t gpio[4];	/* 0-5 value, dir, A-H value, dir */
	uint8_t wbuf[65536];	/* an I2C write split over reports */
	uint8_t rbuf[65536];	/* an I2C read before it is reported;
				 * per device: programs read several
				 * bridges from several threads */
	size_t wlen;
	uint8_t waddr;
	uint8_t inq[FT260_INQ_MAX][FT260_REPORT_LEN];
	size_t inq_head;
	size_t inq_tail;
};

/* virtual bus client (docs/virtual-bus.md); returns the status byte or
 * -1 on a socket error */
int vbus_request(int fd, uint8_t type, uint8_t addr, const uint8_t *payload,
    size_t len, uint8_t *rsp, size_t cap, size_t *rsp_len);

/* FT260 model entry points (ft260_model.c) */
long ft260_write_report(struct fakedev *d, const uint8_t *buf, size_t len);
long ft260_read_report(struct fakedev *d, uint8_t *buf, size_t len);
int ft260_set_feature(struct fakedev *d, const uint8_t *buf, size_t len);
int ft260_get_feature(struct fakedev *d, uint8_t *buf, size_t len);
int ft260_pending(const struct fakedev *d);

#endif
