/*
 * optiga-sim link side: one emulated chip as seen from the I2C bus.
 *
 * sim_dev_write() and sim_dev_read() are one I2C transaction each (START
 * address ... STOP); they return the status byte of docs/virtual-bus.md.
 * Behind them: the register file (regs.c), the device-side data link
 * (dl.c), transport (tl.c) and the hand-over to the chip side (exec.c).
 */
#ifndef OP_SIM_DEV_H
#define OP_SIM_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/frame.h"

#include "prl.h"
#include "fault.h"
#include "sim.h"
#include "stats.h"
#include "tl.h"

/* Status of one bus transaction (docs/virtual-bus.md). */
#define SIM_ST_ACK		0x00
#define SIM_ST_NACK_ADDR	0x01
#define SIM_ST_NACK_DATA	0x02
#define SIM_ST_MALFORMED	0xFE
#define SIM_ST_FAILURE		0xFF

/* Registers (fact sheet 1.2) */
#define SIM_REG_DATA		0x80
#define SIM_REG_DATA_REG_LEN	0x81
#define SIM_REG_I2C_STATE	0x82
#define SIM_REG_BASE_ADDR	0x83
#define SIM_REG_MAX_SCL_FREQU	0x84
#define SIM_REG_GUARD_TIME	0x85
#define SIM_REG_TRANS_TIMEOUT	0x86
#define SIM_REG_SOFT_RESET	0x88
#define SIM_REG_I2C_MODE	0x89
#define SIM_REG_NONE		0x00	/* nothing selected: reads 0xFF */

/* I2C_STATE byte 0 / byte 1 bits */
#define SIM_STATE_BUSY		0x80
#define SIM_STATE_RESP_RDY	0x40
#define SIM_STATE_SOFT_RESET	0x08
#define SIM_STATE_PRESENT_LAYER	0x80

#define SIM_FRAME_MAX		0x0115	/* DATA_REG_LEN default and maximum */
#define SIM_FRAME_MIN		0x0010
#define SIM_ADDR_DEFAULT	0x30
#define SIM_CLOCK_KHZ_DEFAULT	400

/* I2C_MODE bits 2:0 */
#define SIM_MODE_SM		1
#define SIM_MODE_FM		2
#define SIM_MODE_SM_FM		3	/* factory default */
#define SIM_MODE_FMPLUS		4

/*
 * Timing.  The start-up window is the chip NACKing its address after a
 * reset: real parts need >= 15 ms, the host library waits 12 ms and then
 * retries NACKs for ~200 ms (fact sheet 1.6, conflicts #2 and #20); a few
 * ms exercise the retry without coming near that limit.
 */
#define SIM_STARTUP_US		5000
/* Commands longer than this get an ACK control frame first (1.8 (2a)). */
#define SIM_PIGGYBACK_MAX_US	5000
/* TRANS_TIMEOUT: an unacknowledged frame is offered again after this. */
#define SIM_TRANS_TIMEOUT_US	10000
/* --nack-busy never NACKs longer than this ([DS] A.2: 100 ms worst case). */
#define SIM_NACK_MAX_US		100000

struct sim_clock {
	uint64_t (*now_us)(void *ctx);
	void (*sleep_us)(void *ctx, uint64_t us);
	void *ctx;
};

struct sim_opts {
	enum sim_product product;
	bool realtime;		/* model bus and execution time */
	bool nack_busy;		/* NACK the address while executing */
	unsigned clock_khz;	/* initial SCL frequency */
	uint8_t addr;		/* initial (persistent) address */
	uint64_t startup_us;	/* NACK window after a reset */
	struct sim_clock clock;	/* NULL callbacks: the real clock */
};

/* Outbound data frame state (data link). */
enum sim_tx {
	SIM_TX_NONE = 0,	/* nothing outstanding */
	SIM_TX_READY,		/* offered in DATA, not read yet */
	SIM_TX_SENT		/* read by the host, waiting for its ACK */
};

struct sim_dl {
	uint8_t rx_last;	/* FRNR of the last accepted host frame */
	uint8_t tx_last;	/* FRNR of our last data frame */

	uint8_t ctl[IFX_FRAME_OVERHEAD];
	bool ctl_ready;		/* a control frame waits in DATA */

	uint8_t frame[SIM_FRAME_MAX];
	size_t frame_len;
	enum sim_tx tx;
	uint64_t sent_at;	/* when the host read it (TRANS_TIMEOUT) */
};

struct sim_regs {
	uint8_t selected;	/* register of the last write */
	uint16_t data_reg_len;
	uint8_t addr;		/* current 7-bit address */
	uint8_t addr_default;	/* after a reset (BASE_ADDR bit 15) */
	uint8_t mode;		/* I2C_MODE bits 2:0 */
	uint8_t mode_default;
};

struct sim_dev {
	struct sim_opts opts;
	struct sim_chip *chip;	/* not owned */

	struct sim_regs regs;
	struct sim_dl dl;
	struct sim_tl tl;
	struct sim_stats stats;

	bool powered;
	unsigned clock_khz;
	uint64_t nack_until;	/* address NACKed before this time */
	uint64_t busy_until;	/* executing before this time */
	uint64_t sleep_debt;	/* bus time overslept, owed back (us) */
	bool prl_used;		/* host used PRESENCE since the reset */
	struct sim_prl prl;	/* shielded connection (prl.c) */
	struct sim_fault *fault; /* --faults plan, not owned; NULL: none */
};

/* Fill opts with the defaults (Trust M3, fast, 400 kHz, 0x30). */
void sim_opts_default(struct sim_opts *opts);

/* dev is caller-provided storage (large: put it on the heap). */
void sim_dev_init(struct sim_dev *dev, const struct sim_opts *opts,
    struct sim_chip *chip);

/* One I2C write transaction: buf = register address, then data. */
uint8_t sim_dev_write(struct sim_dev *dev, uint8_t addr, const uint8_t *buf,
    size_t len);
/* One I2C read transaction of len bytes into out. */
uint8_t sim_dev_read(struct sim_dev *dev, uint8_t addr, uint8_t *out,
    size_t len);

/* RESET request: cold (power cycle) or warm (RST pulse). */
void sim_dev_reset(struct sim_dev *dev, bool cold);
void sim_dev_power(struct sim_dev *dev, bool on);
void sim_dev_set_clock(struct sim_dev *dev, unsigned khz);

const char *sim_product_name(enum sim_product p);
int sim_product_parse(const char *s, enum sim_product *p);

/* internal, between the files of the link side */
uint64_t sim_dev_now(const struct sim_dev *dev);
bool sim_dev_busy(const struct sim_dev *dev);
void sim_dev_link_reset(struct sim_dev *dev);

void sim_regs_reset(struct sim_dev *dev);
uint8_t sim_regs_write(struct sim_dev *dev, const uint8_t *buf, size_t len);
void sim_regs_read(struct sim_dev *dev, uint8_t *out, size_t len);
void sim_regs_state(struct sim_dev *dev, uint8_t state[4]);

void sim_dl_reset(struct sim_dev *dev);
uint8_t sim_dl_receive(struct sim_dev *dev, const uint8_t *frame,
    size_t len);
/* Length of the frame the host may read now (I2C_STATE LENGTH). */
size_t sim_dl_pending(struct sim_dev *dev);
/* The host reads DATA: copy the pending frame, 0xFF after it. */
void sim_dl_read(struct sim_dev *dev, uint8_t *out, size_t len);

/* Hand a whole APDU to the chip; sets the response in dev->tl. */
void sim_exec_apdu(struct sim_dev *dev);

#endif
