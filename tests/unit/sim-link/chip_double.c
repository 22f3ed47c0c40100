/*
 * A test double of the chip side (sim/sim.h) for the link-side tests:
 * records what it is given and answers canned responses.  It lives only
 * here, never in the product.
 */
#include <string.h>

#include "chip_double.h"

struct sim_chip {
	int unused;
};

struct chip_double chipd;
static struct sim_chip the_chip;

/* 27 bytes in place of the UID of the datasheet trace. */
static const uint8_t uid[27] = {
	0xcd, 0x16, 0x33, 0x82, 0x01, 0x00, 0x1c, 0x00, 0x05, 0x00,
	0x00, 0x0a, 0x09, 0x1b, 0x5c, 0x00, 0x07, 0x00, 0x62, 0x00,
	0xad, 0x80, 0x10, 0x10, 0x71, 0x08, 0x09,
};

struct sim_chip *
chip_double_reset(void)
{
	memset(&chipd, 0, sizeof(chipd));

	return &the_chip;
}

size_t
sim_chip_execute(struct sim_chip *chip, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap)
{
	uint8_t cmd = len > 0 ? apdu[0] & 0x7f : 0;
	size_t n;

	(void)chip;
	chipd.executed++;
	chipd.apdu_len = len < sizeof(chipd.apdu) ? len : sizeof(chipd.apdu);
	memcpy(chipd.apdu, apdu, chipd.apdu_len);

	if (chipd.canned_len > 0) {
		n = chipd.canned_len < cap ? chipd.canned_len : cap;
		memcpy(rsp, chipd.canned, n);
		chipd.name = "Canned";
		chipd.exec_us = chipd.exec_other_us;
		return n;
	}
	if (cmd == 0x70) {
		chipd.name = "OpenApplication";
		chipd.exec_us = chipd.exec_open_us;
		memset(rsp, 0, 4);
		return 4;
	}
	if (cmd == 0x01) {
		chipd.name = "GetDataObject";
		chipd.exec_us = chipd.exec_other_us;
		rsp[0] = 0x00;
		rsp[1] = 0x00;
		rsp[2] = 0x00;
		rsp[3] = sizeof(uid);
		memcpy(rsp + 4, uid, sizeof(uid));
		return 4 + sizeof(uid);
	}
	chipd.name = "Other";
	chipd.exec_us = chipd.exec_other_us;
	memcpy(rsp, "\xff\x00\x00\x00", 4);

	return 4;
}

uint64_t
sim_chip_last_exec_us(const struct sim_chip *chip)
{
	(void)chip;

	return chipd.exec_us;
}

void
sim_chip_reset(struct sim_chip *chip)
{
	(void)chip;
	chipd.resets++;
}

const char *
sim_chip_last_command(const struct sim_chip *chip)
{
	(void)chip;

	return chipd.name;
}

const uint8_t *
chip_double_uid(void)
{
	return uid;
}
