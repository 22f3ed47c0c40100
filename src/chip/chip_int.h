/*
 * Inside the chip layer: the handle and the one function every command
 * goes through.
 */
#ifndef OP_CHIP_CHIP_INT_H
#define OP_CHIP_CHIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chip.h"
#include "codec/tlv.h"

#define CHIP_LOG	"chip"

struct chip {
	struct ifxi2c *link;
	struct chip_opts opts;
	char uri[128];
	uint8_t apdu[APDU_MAX_LEN];
	uint8_t rsp[APDU_MAX_LEN];

	/* link recovery (chip.c) */
	bool recovering;	/* no recovery inside a recovery */
	unsigned frame_cap;	/* frame size after a noisy link; 0: none */
	unsigned recoveries;	/* since open, for -v */
};

/*
 * Send one command (cmd without the MSB) and return its OutData.  oid
 * names the object in messages (0 for none); timeout_ms 0 means the
 * default.  A failure (Sta 0xFF) is followed by the error-code read and
 * returned as OP_RC(OP_LAYER_CHIP, code).
 */
int chip_cmd(struct chip *chip, uint8_t cmd, uint8_t param, uint16_t oid,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen, unsigned timeout_ms);

/* "GetDataObject", for messages. */
const char *chip_cmd_name(uint8_t cmd);

#endif
