/*
 * Test double of the chip side for the sim link tests.
 *
 * Commands (MSB ignored): 0x70 OpenApplication answers 00 00 00 00,
 * 0x01 GetDataObject answers 27 fixed "UID" bytes, anything else the
 * failure FF 00 00 00; with canned set, every command answers canned.
 */
#ifndef CHIP_DOUBLE_H
#define CHIP_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct chip_double {
	int executed;
	int resets;
	uint8_t apdu[4096];
	size_t apdu_len;
	const uint8_t *canned;
	size_t canned_len;
	uint64_t exec_open_us;	/* what OpenApplication takes */
	uint64_t exec_other_us;	/* what the others take */
	uint64_t exec_us;	/* of the last command */
	const char *name;
};

extern struct chip_double chipd;

struct sim_chip *chip_double_reset(void);
const uint8_t *chip_double_uid(void);

#endif
