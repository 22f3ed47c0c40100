/*
 * A scripted fake bus for the IFX I2C stack: each expected transaction
 * in order, the bytes a write must carry, the bytes a read returns, and
 * the status (ACK or address NACK).  Replies are built with the frame
 * codec so that their FCS is right unless a test spoils it on purpose.
 */
#ifndef OP_TEST_FAKEBUS_H
#define OP_TEST_FAKEBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/bus.h"

#define FAKE_STEPS_MAX	256
#define FAKE_BYTES_MAX	300

enum fake_kind {
	FAKE_WRITE,
	FAKE_READ,
	FAKE_IDLE_ANY	/* any number of I2C_STATE polls answered idle */
};

struct fake_step {
	enum fake_kind kind;
	uint8_t b[FAKE_BYTES_MAX];
	size_t len;
	int rc;
};

struct fake_bus {
	struct fake_step steps[FAKE_STEPS_MAX];
	size_t n;
	size_t pos;
	bool idle_read_next;	/* an idle poll selected I2C_STATE */
	unsigned idle_polls;
	unsigned clocks[8];	/* set_clock calls */
	size_t n_clocks;
	/* every write to DATA (0x80): length and first packet byte */
	size_t data_len[64];
	uint8_t data_pctr[64];
	size_t n_data;
};

extern struct fake_bus fake;

void fake_reset(void);
/* A struct bus on the fake, malloc'd so that bus_close() can free it. */
struct bus *fake_bus_new(size_t max_xfer);
void fake_done(void);

/* raw steps */
void fake_write(const uint8_t *b, size_t len, int rc);
void fake_read(const uint8_t *b, size_t len, int rc);
void fake_idle_any(void);

/* protocol steps */
void fake_state(uint8_t b0, uint16_t len);
void fake_host_frame(uint8_t fctr, const uint8_t *pkt, size_t len);
void fake_host_ctrl(uint8_t fctr);
void fake_chip_bytes(const uint8_t *frame, size_t len);
void fake_chip_frame(uint8_t fctr, const uint8_t *pkt, size_t len);
void fake_chip_ctrl(uint8_t fctr);
/* RESYNC and negotiation of an ifxi2c_open() with IFXI2C_RESET_NONE */
void fake_open_none(unsigned frame_size);

#endif
