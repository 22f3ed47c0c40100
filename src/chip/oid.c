/*
 * Known objects (fact sheet 6): names for people, aliases for the command
 * line, and which product has which.
 */
#include <strings.h>

#include "chip/chip.h"
#include "util/err.h"
#include "util/hex.h"

#define M3	CHIP_PRODUCT_BIT(CHIP_PRODUCT_TRUST_M3)
#define M	CHIP_PRODUCTS_M
#define ALL	CHIP_PRODUCTS_ALL
#define X	CHIP_PRODUCT_BIT(CHIP_PRODUCT_TRUST_X)

static const struct chip_slot slots[] = {
	{ 0xE0C0, CHIP_SLOT_STATE, "lcsg", "global life cycle (LcsG)", ALL,
	    false },
	{ 0xE0C1, CHIP_SLOT_STATE, NULL, "global security status", ALL,
	    false },
	{ 0xE0C2, CHIP_SLOT_STATE, "uid", "coprocessor UID", ALL, false },
	{ 0xE0C3, CHIP_SLOT_STATE, NULL, "sleep-mode delay", ALL, false },
	{ 0xE0C4, CHIP_SLOT_STATE, NULL, "current limit", ALL, false },
	{ 0xE0C5, CHIP_SLOT_STATE, NULL, "security event counter", ALL,
	    false },
	{ 0xE0C6, CHIP_SLOT_STATE, NULL, "max command buffer size", ALL,
	    false },
	{ 0xE0C9, CHIP_SLOT_STATE, NULL, "security monitor config", M3,
	    false },
	{ 0xF1C0, CHIP_SLOT_STATE, "lcsa", "application life cycle (LcsA)",
	    ALL, false },
	{ 0xF1C1, CHIP_SLOT_STATE, NULL, "application security status",
	    ALL, false },
	{ 0xF1C2, CHIP_SLOT_STATE, NULL, "last error code", ALL, false },

	{ 0xE0F0, CHIP_SLOT_KEY, "key0", "device key (factory)", ALL,
	    false },
	{ 0xE0F1, CHIP_SLOT_KEY, "key1", "ECC key 1", ALL, false },
	{ 0xE0F2, CHIP_SLOT_KEY, "key2", "ECC key 2", ALL, false },
	{ 0xE0F3, CHIP_SLOT_KEY, "key3", "ECC key 3", ALL, false },
	{ 0xE0FC, CHIP_SLOT_KEY, "rsa1", "RSA key 1", M, true },
	{ 0xE0FD, CHIP_SLOT_KEY, "rsa2", "RSA key 2", M, true },
	{ 0xE200, CHIP_SLOT_KEY, "aes", "AES key", M3, false },

	{ 0xE0E0, CHIP_SLOT_CERT, "cert0", "device certificate (factory)",
	    ALL, false },
	{ 0xE0E1, CHIP_SLOT_CERT, "cert1", "certificate 1", ALL, false },
	{ 0xE0E2, CHIP_SLOT_CERT, "cert2", "certificate 2", ALL, false },
	{ 0xE0E3, CHIP_SLOT_CERT, "cert3", "certificate 3", ALL, false },
	{ 0xE0E8, CHIP_SLOT_TRUST_ANCHOR, "ta1", "trust anchor 1", ALL,
	    false },
	{ 0xE0E9, CHIP_SLOT_TRUST_ANCHOR, "ta2", "trust anchor 2", M,
	    false },
	{ 0xE0EF, CHIP_SLOT_TRUST_ANCHOR, "ta8",
	    "trust anchor 8 (protected update)", ALL, false },

	{ 0xE120, CHIP_SLOT_COUNTER, "counter1", "monotonic counter 1", M,
	    false },
	{ 0xE121, CHIP_SLOT_COUNTER, "counter2", "monotonic counter 2", M,
	    false },
	{ 0xE122, CHIP_SLOT_COUNTER, "counter3", "monotonic counter 3", M,
	    false },
	{ 0xE123, CHIP_SLOT_COUNTER, "counter4", "monotonic counter 4", M,
	    false },
	{ 0xE140, CHIP_SLOT_SECRET, "binding", "platform binding secret", M,
	    false },

	{ 0xF1D0, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D1, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D2, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D3, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D4, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D5, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D6, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D7, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D8, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1D9, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1DA, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1DB, CHIP_SLOT_DATA, NULL, "data object", ALL, false },
	{ 0xF1DC, CHIP_SLOT_DATA, NULL, "data object", X, false },
	{ 0xF1DD, CHIP_SLOT_DATA, NULL, "data object", X, false },
	{ 0xF1DE, CHIP_SLOT_DATA, NULL, "data object", X, false },
	{ 0xF1DF, CHIP_SLOT_DATA, NULL, "data object", X, false },
	{ 0xF1E0, CHIP_SLOT_DATA, NULL, "large data object", ALL, false },
	{ 0xF1E1, CHIP_SLOT_DATA, NULL, "large data object", ALL, false },
};

#define N_SLOTS (sizeof(slots) / sizeof(slots[0]))

const struct chip_slot *
chip_slot_table(size_t *n)
{
	*n = N_SLOTS;

	return slots;
}

const struct chip_slot *
chip_slot_by_oid(uint16_t oid)
{
	for (size_t i = 0; i < N_SLOTS; i++)
		if (slots[i].oid == oid)
			return &slots[i];

	return NULL;
}

bool
chip_slot_on(const struct chip_slot *s, enum chip_product p)
{
	/* an unknown build is most likely a newer Trust M */
	if (p == CHIP_PRODUCT_UNKNOWN)
		p = CHIP_PRODUCT_TRUST_M3;

	return (s->products & CHIP_PRODUCT_BIT(p)) != 0;
}

int
chip_oid_parse(const char *s, uint16_t *oid)
{
	for (size_t i = 0; i < N_SLOTS; i++)
		if (slots[i].alias != NULL &&
		    strcasecmp(slots[i].alias, s) == 0) {
			*oid = slots[i].oid;
			return 0;
		}
	if (op_parse_oid(s, oid) == 0)
		return 0;

	return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
	    "'%s' is not an object; give four hex digits such as 0xE0F1 "
	    "or a name such as key1, rsa1, cert1, ta1, uid", s);
}

const char *
chip_oid_alias(uint16_t oid)
{
	const struct chip_slot *s = chip_slot_by_oid(oid);

	return s != NULL ? s->alias : NULL;
}
