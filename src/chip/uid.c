/*
 * The coprocessor UID (0xE0C2) and what it says about the product.
 */
#include <string.h>

#include "chip/chip_int.h"
#include "util/err.h"

/* ESW builds per product (fact sheet 5.6, from the Python wrapper) */
static const struct {
	uint16_t build;
	enum chip_product product;
} builds[] = {
	{ 501, CHIP_PRODUCT_TRUST_M1 },
	{ 624, CHIP_PRODUCT_TRUST_M1 },
	{ 751, CHIP_PRODUCT_TRUST_M1 },
	{ 802, CHIP_PRODUCT_TRUST_M1 },
	{ 809, CHIP_PRODUCT_TRUST_M1 },
	{ 2440, CHIP_PRODUCT_TRUST_M3 },
	{ 2564, CHIP_PRODUCT_TRUST_M3 },
	{ 510, CHIP_PRODUCT_TRUST_X },
	{ 715, CHIP_PRODUCT_TRUST_X },
	{ 1048, CHIP_PRODUCT_TRUST_X },
	{ 1112, CHIP_PRODUCT_TRUST_X },
	{ 1118, CHIP_PRODUCT_TRUST_X },
};

const char *
chip_product_name(enum chip_product p)
{
	switch (p) {
	case CHIP_PRODUCT_TRUST_M1: return "OPTIGA Trust M V1";
	case CHIP_PRODUCT_TRUST_M3: return "OPTIGA Trust M V3";
	case CHIP_PRODUCT_TRUST_X: return "OPTIGA Trust X";
	default: return "unknown";
	}
}

enum chip_product
chip_product_by_build(uint16_t build)
{
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++)
		if (builds[i].build == build)
			return builds[i].product;

	return CHIP_PRODUCT_UNKNOWN;
}

static int
bcd(uint8_t b)
{
	if ((b >> 4) > 9 || (b & 0x0f) > 9)
		return -1;

	return (b >> 4) * 10 + (b & 0x0f);
}

int
chip_uid_decode(const uint8_t *raw, size_t len, struct chip_uid *uid)
{
	int hi, lo;

	memset(uid, 0, sizeof(*uid));
	if (len != CHIP_UID_LEN)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "the UID (0xE0C2) has %zu bytes; expected %d", len,
		    CHIP_UID_LEN);
	memcpy(uid->raw, raw, CHIP_UID_LEN);

	/* bytes 25..26: the ESW build number in BCD, "24 40" = 2440 */
	if ((hi = bcd(raw[25])) < 0 || (lo = bcd(raw[26])) < 0) {
		uid->build = 0;
		uid->product = CHIP_PRODUCT_UNKNOWN;
		return 0;
	}
	uid->build = (uint16_t)(hi * 100 + lo);
	uid->product = chip_product_by_build(uid->build);

	return 0;
}

int
chip_get_uid(struct chip *chip, struct chip_uid *uid)
{
	uint8_t raw[CHIP_UID_LEN + 1];
	size_t len = 0;
	int rc;

	/* one byte more than expected, to notice a longer UID */
	if ((rc = chip_read_data(chip, OID_UID, raw, sizeof(raw),
	    &len)) != 0)
		return rc;

	return chip_uid_decode(raw, len, uid);
}

bool
chip_product_has_alg(enum chip_product p, enum chip_alg alg)
{
	switch (p) {
	case CHIP_PRODUCT_TRUST_X:
		/* P-256 and P-384 only (fact sheet 5.6) */
		return alg == CHIP_ALG_P256 || alg == CHIP_ALG_P384;
	case CHIP_PRODUCT_TRUST_M1:
		/* V1 lacks P-521 and the Brainpool curves */
		return alg == CHIP_ALG_P256 || alg == CHIP_ALG_P384 ||
		    alg == CHIP_ALG_RSA1024 || alg == CHIP_ALG_RSA2048;
	default:
		return chip_alg_by_id(alg) != NULL;
	}
}
