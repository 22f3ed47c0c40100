/*
 * The object map of each product in factory state (fact sheet section 6).
 *
 * The metadata strings are the GetDataObject(param 01) bytes dumped from
 * real chips, so a fresh emulated chip answers a metadata read byte for
 * byte like a V3 sample.  The dumps are from Trust M; Trust M1 uses the
 * same bytes (the V1 dump differs only in E0E0's used size, which follows
 * the certificate), and Trust X reuses them for the objects it has, which
 * is [inferred]: no Trust X dump is available.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "simchip.h"
#include "util/hex.h"

#define P_M3	0x01
#define P_M1	0x02
#define P_X	0x04
#define P_M	(P_M3 | P_M1)
#define P_ALL	(P_M3 | P_M1 | P_X)

struct obj_tmpl {
	uint16_t first;
	uint16_t last;
	unsigned products;
	enum sim_obj_kind kind;
	const char *meta;
};

#define META_1B_ALW	"2009C40101D00100D10100"
#define META_1B_RO	"2009C40101D001FFD10100"
#define META_CERT	"2019C00101C40206C0C50206C0D003E1FC07D10100D30100E80112"
#define META_TA	"2019C00101C40204B0C50204B0D003E1FC07D10100D30100E80111"
#define META_KEY	"200BC00101D003E1FC07D30100"
#define META_DATA3	"2011C00101C4018CC50164D003E1FC07D10100"

static const struct obj_tmpl tmpl[] = {
	{ 0xE0C0, 0xE0C0, P_ALL, SIM_OBJ_DATA, META_1B_ALW },
	{ 0xE0C1, 0xE0C1, P_ALL, SIM_OBJ_DATA, META_1B_ALW },
	{ 0xE0C2, 0xE0C2, P_ALL, SIM_OBJ_DATA, "2009C4011BD001FFD10100" },
	{ 0xE0C3, 0xE0C4, P_ALL, SIM_OBJ_DATA, META_1B_ALW },
	{ 0xE0C5, 0xE0C5, P_ALL, SIM_OBJ_DATA, META_1B_RO },
	{ 0xE0C6, 0xE0C6, P_ALL, SIM_OBJ_DATA, "2006C40102D10100" },
	{ 0xE0C9, 0xE0C9, P_M3, SIM_OBJ_DATA,
	    "2011C00107C40108D003E1FC07D10100D301FF" },
	{ 0xE0E0, 0xE0E0, P_ALL, SIM_OBJ_DATA,
	    "2017C00101C40206C0C5020204D001FFD10100D30100E80112" },
	{ 0xE0E1, 0xE0E3, P_ALL, SIM_OBJ_DATA, META_CERT },
	{ 0xE0E8, 0xE0E8, P_ALL, SIM_OBJ_DATA, META_TA },
	{ 0xE0E9, 0xE0E9, P_M, SIM_OBJ_DATA, META_TA },
	{ 0xE0EF, 0xE0EF, P_ALL, SIM_OBJ_DATA, META_TA },
	{ 0xE0F0, 0xE0F0, P_ALL, SIM_OBJ_KEY_ECC,
	    "200FC00101D001FFD30100E00103E10101" },
	{ 0xE0F1, 0xE0F3, P_ALL, SIM_OBJ_KEY_ECC, META_KEY },
	{ 0xE0FC, 0xE0FD, P_M, SIM_OBJ_KEY_RSA, META_KEY },
	{ 0xE120, 0xE123, P_M, SIM_OBJ_DATA,
	    "2017C00101C40108C50108D003E1FC07D10100D30100E80101" },
	{ 0xE140, 0xE140, P_M, SIM_OBJ_DATA,
	    "201DC00101C40140C50140D007E1FC07FE20E140D103E1FC07D30100"
	    "E80122" },
	{ 0xF1C0, 0xF1C1, P_ALL, SIM_OBJ_DATA, META_1B_ALW },
	/* F1C2 was not dumped: read-only one byte like E0C5 */
	{ 0xF1C2, 0xF1C2, P_ALL, SIM_OBJ_DATA, META_1B_RO },
	{ 0xF1D0, 0xF1DB, P_M, SIM_OBJ_DATA, META_DATA3 },
	/* Trust X has 16 type-3 objects, F1D0-F1DF */
	{ 0xF1D0, 0xF1DF, P_X, SIM_OBJ_DATA, META_DATA3 },
	{ 0xF1E0, 0xF1E1, P_ALL, SIM_OBJ_DATA,
	    "2013C00101C40205DCC50205DCD003E1FC07D10100" },
};

/*
 * XXX: E200 (AES key, V3) is left out: GenSymKey and the symmetric
 * commands are not emulated, so the object would be unusable.
 */

static unsigned
product_bit(enum sim_product p)
{
	switch (p) {
	case SIM_TRUST_M1: return P_M1;
	case SIM_TRUST_X: return P_X;
	default: return P_M3;
	}
}

uint16_t
sim_product_build(enum sim_product p)
{
	switch (p) {
	case SIM_TRUST_M1: return 0x0809;
	case SIM_TRUST_X: return 0x1118;
	default: return 0x2440;
	}
}

/*
 * UID layout (fact sheet 6, [SRM] table 54).  The fixed parts copy the
 * published samples (CIM 0xCD, platform, model, ROM mask, chip type and
 * firmware identifier); batch number and wafer coordinates are random,
 * which makes every emulated chip's UID unique.  Trust X has no published
 * sample, so it borrows the V1 bytes [inferred].
 */
void
sim_uid_make(enum sim_product p, uint8_t uid[SIM_UID_LEN])
{
	static const uint8_t v3[SIM_UID_LEN] = {
		0xcd, 0x16, 0x33, 0x93, 0x01, 0x00, 0x1c, 0x00, 0x05, 0x00,
		0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x10, 0x10, 0x71,
		0, 0 };
	static const uint8_t v1[SIM_UID_LEN] = {
		0xcd, 0x16, 0x33, 0x82, 0x01, 0x00, 0x1c, 0x00, 0x05, 0x00,
		0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x10, 0x10, 0x71,
		0, 0 };
	uint16_t build = sim_product_build(p);
	uint8_t rnd[10];

	memcpy(uid, p == SIM_TRUST_M3 ? v3 : v1, SIM_UID_LEN);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		abort();

	/* batch number: 6 random bytes; wafer X, Y: 00 + 1..127 */
	memcpy(uid + 11, rnd, 6);
	uid[17] = 0x00;
	uid[18] = (uint8_t)(1 + rnd[6] % 127);
	uid[19] = 0x00;
	uid[20] = (uint8_t)(1 + rnd[7] % 127);
	uid[25] = (uint8_t)(build >> 8);
	uid[26] = (uint8_t)build;
}

static void
default_data(struct sim_chip *chip, struct sim_obj *o)
{
	bool m3 = chip->product == SIM_TRUST_M3;

	switch (o->oid) {
	case 0xE0C0:
		o->data[0] = META_LCS_OP;
		break;
	case 0xE0C1:
	case 0xF1C1:
		/* boot flag; the V1 dump shows 00 */
		o->data[0] = m3 ? 0x20 : 0x00;
		break;
	case 0xE0C2:
		sim_uid_make(chip->product, o->data);
		break;
	case 0xE0C3:
		o->data[0] = 0x14;
		break;
	case 0xE0C4:
		o->data[0] = 0x06;
		break;
	case 0xE0C6:
		o->data[0] = 0x06;
		o->data[1] = 0x15;
		break;
	case 0xE0C9:
		memcpy(o->data, "\x32\x00\x05\x01\x00\x00\x00\x00", 8);
		break;
	case 0xE140:
		/*
		 * The published samples hold 01..40, the host library's
		 * default pairing secret [inferred for production parts].
		 */
		for (int i = 0; i < 64; i++)
			o->data[i] = (uint8_t)(i + 1);
		break;
	case 0xF1C0:
		o->data[0] = META_LCS_CR;
		break;
	default:
		break;
	}
}

static int
obj_init(struct sim_chip *chip, struct sim_obj *o, uint16_t oid,
    const struct obj_tmpl *t)
{
	uint8_t raw[64];
	size_t n;

	memset(o, 0, sizeof(*o));
	o->oid = oid;
	o->kind = t->kind;
	if (op_hex_decode(t->meta, raw, sizeof(raw), &n) != 0 ||
	    meta_parse(raw, n, &o->meta) != 0)
		return -1;
	if (o->kind != SIM_OBJ_DATA)
		return 0;

	if (meta_get_size(&o->meta, META_TAG_MAX_SIZE, &o->max) != 0)
		return -1;
	if (meta_get_size(&o->meta, META_TAG_USED_SIZE, &o->used) != 0)
		o->used = o->max;	/* no C5 means used = max */
	if ((o->data = calloc(1, o->max)) == NULL)
		return -1;
	default_data(chip, o);

	return 0;
}

int
sim_objmap_build(struct sim_chip *chip)
{
	unsigned bit = product_bit(chip->product);

	chip->nobj = 0;
	for (size_t i = 0; i < sizeof(tmpl) / sizeof(tmpl[0]); i++) {
		if ((tmpl[i].products & bit) == 0)
			continue;
		for (unsigned oid = tmpl[i].first; oid <= tmpl[i].last;
		    oid++) {
			if (chip->nobj == SIM_MAX_OBJECTS ||
			    obj_init(chip, &chip->obj[chip->nobj],
			    (uint16_t)oid, &tmpl[i]) != 0)
				return -1;
			chip->nobj++;
		}
	}

	return 0;
}

struct sim_obj *
sim_obj_find(struct sim_chip *chip, uint16_t oid)
{
	for (size_t i = 0; i < chip->nobj; i++)
		if (chip->obj[i].oid == oid)
			return &chip->obj[i];

	return NULL;
}

void
sim_obj_clear(struct sim_obj *o)
{
	if (o->data != NULL) {
		OPENSSL_cleanse(o->data, o->max);
		free(o->data);
		o->data = NULL;
	}
	EVP_PKEY_free(o->key);
	o->key = NULL;
}
