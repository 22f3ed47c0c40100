/*
 * The IFX I2C protocol, host side: physical layer (registers, guard time,
 * NACK retry, I2C_STATE polling), data link (frames, ACK/NAK,
 * retransmission, RESYNC), transport (chaining).  One blocking call sends
 * an APDU and returns the response within one deadline.
 */
#ifndef OP_IFXI2C_IFXI2C_H
#define OP_IFXI2C_IFXI2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/bus.h"
#include "util/clock.h"

enum ifxi2c_reset {
	IFXI2C_RESET_NONE = -1,	/* just negotiate */
	IFXI2C_RESET_COLD = 0,
	IFXI2C_RESET_SOFT = 1,	/* write SOFT_RESET (0x88); the default */
	IFXI2C_RESET_WARM = 2
};

struct ifxi2c_cfg {
	unsigned frame_size;	/* wanted DATA_REG_LEN; 0 = 277, or the
				 * largest the bus carries (55 on FT260) */
	unsigned clock_khz;	/* 0 = 400 */
	enum ifxi2c_reset reset;
};

/* Counters since open, for -v and for benchmarks. */
struct ifxi2c_stats {
	uint64_t transactions;	/* I2C transactions issued */
	uint64_t bytes;		/* bytes written and read */
	uint64_t nacks;		/* address NACKs retried */
	uint64_t polls;		/* I2C_STATE reads */
	uint64_t retransmits;
	uint64_t resyncs;
	uint64_t naks_sent;
};

struct ifxi2c;

/*
 * Take ownership of bus, reset the chip as cfg says and negotiate the
 * frame size.  On failure the bus is closed.
 */
int ifxi2c_open(struct bus *bus, const struct ifxi2c_cfg *cfg,
    struct ifxi2c **out);
void ifxi2c_close(struct ifxi2c **ctx);

/* Reset and renegotiate (after a fatal error, for instance). */
int ifxi2c_reset(struct ifxi2c *ctx, enum ifxi2c_reset kind);

/*
 * Send one APDU and receive its response (chained as needed).  rsp must
 * hold the largest response (APDU_MAX_LEN).  Fails with
 * OP_LAYER_PL/DL/TL statuses.
 */
int ifxi2c_transceive(struct ifxi2c *ctx, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t deadline);

/*
 * While on, -vvv frame traces show FCTR and LEN only: set it around an
 * APDU that carries a secret in clear (a platform binding secret).
 */
void ifxi2c_set_redact(struct ifxi2c *ctx, bool on);

unsigned ifxi2c_frame_size(const struct ifxi2c *ctx);
void ifxi2c_get_stats(const struct ifxi2c *ctx, struct ifxi2c_stats *st);

#endif
