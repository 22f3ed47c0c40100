/*
 * IFX I2C host stack internals: the context shared by the layers and
 * each layer's entry points.  pl.c talks to the bus, dl.c to pl.c, tl.c
 * to dl.c, ifxi2c.c ties them together.
 */
#ifndef OP_IFXI2C_IFXI2C_INT_H
#define OP_IFXI2C_IFXI2C_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/frame.h"
#include "ifxi2c/ifxi2c.h"

/* Registers (fact sheet 1.2) */
#define PL_REG_DATA		0x80
#define PL_REG_DATA_REG_LEN	0x81
#define PL_REG_I2C_STATE	0x82
#define PL_REG_MAX_SCL_FREQU	0x84
#define PL_REG_SOFT_RESET	0x88
#define PL_REG_I2C_MODE		0x89

/* I2C_STATE byte 0 */
#define PL_STATE_BUSY		0x80
#define PL_STATE_RESP_RDY	0x40
#define PL_STATE_SOFT_RESET	0x08

/* Timers (fact sheet 1.5, 1.6, 2.6) */
#define PL_GUARD_US		50
#define PL_NACK_RETRY_US	1000
#define PL_NACK_RETRY_MAX	200
#define PL_POLL_FIRST_US	200	/* first re-poll; doubles from here */
#define PL_POLL_MAX_US		5000	/* the vendor's fixed poll period */
#define PL_STARTUP_US		15000	/* datasheet t_STARTUP, see ifxi2c.c */
#define DL_ACK_TIMEOUT_US	10000	/* TRANS_TIMEOUT */
#define DL_TRANS_REPEAT		3
/* Waiting for an answer: an idle chip that offers nothing this long
 * has lost our frame (a reset, say), see dl_receive. */
#define DL_IDLE_US		100000

#define IFXI2C_CLOCK_DEFAULT	400
#define IFXI2C_CLOCK_NEGOTIATE	100
#define IFXI2C_FRAME_MAX	IFX_FRAME_SIZE_DEFAULT
/* Largest packet: PCTR plus APDU bytes. */
#define IFXI2C_PACKET_MAX	(IFXI2C_FRAME_MAX - IFX_FRAME_OVERHEAD)

/* PCTR (fact sheet 3.1) */
#define TL_PCTR_CHAN_MASK	0xF0
#define TL_PCTR_PRESENCE	0x08
#define TL_CHAIN_MASK		0x07
#define TL_CHAIN_SINGLE		0x00
#define TL_CHAIN_FIRST		0x01
#define TL_CHAIN_INTER		0x02
#define TL_CHAIN_LAST		0x04
#define TL_CHAIN_ERROR		0x07

struct ifxi2c {
	struct bus *bus;
	struct ifxi2c_cfg cfg;
	unsigned frame_size;	/* negotiated DATA_REG_LEN */
	struct ifxi2c_stats st;

	/* physical layer */
	uint64_t last_xfer_us;	/* end of the last transaction */
	bool busy;		/* BUSY in the last I2C_STATE read */

	/* data link: last frame numbers sent and received, mod 4 */
	uint8_t tx_seq;
	uint8_t rx_seq;
	uint8_t tx_frame[IFXI2C_FRAME_MAX];	/* last data frame sent */
	size_t tx_frame_len;
	uint8_t rx_frame[IFXI2C_FRAME_MAX];
	/* a data frame that arrived while transmitting (piggybacked) */
	uint8_t pending[IFXI2C_PACKET_MAX];
	size_t pending_len;
	bool has_pending;

	/*
	 * transport: set by a presentation layer once it is in use, so the
	 * PRESENCE bit goes out and is expected back (none yet).
	 */
	bool presence;
	/* trace frame headers only: the APDUs may carry a secret */
	bool redact;

	/* presentation layer (prl.c), NULL unless shielded */
	struct prl *prl;
};

/* physical layer (pl.c) */
int pl_write(struct ifxi2c *c, const uint8_t *buf, size_t len,
    op_deadline_t dl);
int pl_read(struct ifxi2c *c, uint8_t *buf, size_t len, op_deadline_t dl);
int pl_reg_read(struct ifxi2c *c, uint8_t reg, uint8_t *buf, size_t len,
    op_deadline_t dl);
int pl_reg_write(struct ifxi2c *c, uint8_t reg, const uint8_t *val,
    size_t len, op_deadline_t dl);
int pl_frame_write(struct ifxi2c *c, const uint8_t *frame, size_t len,
    op_deadline_t dl);
int pl_frame_poll(struct ifxi2c *c, uint8_t *buf, size_t *len,
    uint64_t until_us, op_deadline_t dl);
int pl_soft_reset(struct ifxi2c *c, op_deadline_t dl);
int pl_negotiate(struct ifxi2c *c, op_deadline_t dl);

/* data link (dl.c) */
void dl_init(struct ifxi2c *c);
int dl_transmit(struct ifxi2c *c, const uint8_t *pkt, size_t len,
    op_deadline_t dl);
int dl_receive(struct ifxi2c *c, uint8_t *pkt, size_t cap, size_t *len,
    op_deadline_t dl);
void dl_resync(struct ifxi2c *c, op_deadline_t dl);

/* transport (tl.c) */
int tl_transceive(struct ifxi2c *c, const uint8_t *sdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t dl);

#endif
