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

/* The platform binding secret: object 0xE140 and the host's copy. */
#define IFXI2C_SECRET_LEN	64

struct ifxi2c_cfg {
	unsigned frame_size;	/* wanted DATA_REG_LEN; 0 = 277, or the
				 * largest the bus carries (55 on FT260) */
	unsigned clock_khz;	/* 0 = 400 */
	enum ifxi2c_reset reset;
	unsigned open_ms;	/* budget of a reset with its negotiation;
				 * 0 = 5 s */
	/*
	 * Shielded connection (src/ifxi2c/prl.c): every APDU encrypted and
	 * authenticated both ways with keys from binding_secret (64 bytes,
	 * copied at open; NULL: the evaluation value ifxi2c_secret_eval).
	 */
	bool shielded;
	const uint8_t *binding_secret;
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
bool ifxi2c_shielded(const struct ifxi2c *ctx);

/* 01 02 .. 40: the secret evaluation samples ship with (secret.c). */
extern const uint8_t ifxi2c_secret_eval[IFXI2C_SECRET_LEN];
/* The host's copy: exactly 64 raw bytes, mode 0600 or stricter. */
int ifxi2c_secret_load(const char *path, uint8_t out[IFXI2C_SECRET_LEN]);
/* Written atomically with mode 0600. */
int ifxi2c_secret_store(const char *path,
    const uint8_t secret[IFXI2C_SECRET_LEN]);
void ifxi2c_get_stats(const struct ifxi2c *ctx, struct ifxi2c_stats *st);

#endif
