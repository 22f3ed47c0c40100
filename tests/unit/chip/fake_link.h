/*
 * A scripted stand-in for the IFX I2C link: the chip layer's APDUs go to
 * a small in-memory chip model, and every APDU is recorded for the test
 * to inspect.
 */
#ifndef FAKE_LINK_H
#define FAKE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_LOG_MAX	64
#define FAKE_APDU_MAX	1600

struct fake_apdu {
	size_t len;
	uint8_t b[FAKE_APDU_MAX];
};

struct fake_obj {
	uint16_t oid;
	size_t max;
	size_t used;
	bool readable;
	bool writable;
	uint8_t data[1728];
};

struct fake_chip {
	/* log of APDUs as sent */
	size_t n;
	struct fake_apdu log[FAKE_LOG_MAX];

	struct fake_obj obj[4];
	size_t nobj;
	uint8_t last_error;

	/* canned answers for commands the model does not handle */
	uint8_t canned[FAKE_APDU_MAX];
	size_t canned_len;
};

extern struct fake_chip fake;

void fake_reset(void);
struct fake_obj *fake_add_obj(uint16_t oid, size_t max, bool r, bool w);
/* Answer the next non-data command with Sta 00 and this OutData. */
void fake_canned(const uint8_t *out, size_t len);

#endif
