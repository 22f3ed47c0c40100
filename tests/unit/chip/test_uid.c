/*
 * UID decoding and product detection, key types, object names, key
 * usage, and the metadata view, against bytes from real chips (fact
 * sheet 6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "chip/chip.h"
#include "util/err.h"
#include "util/hex.h"

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n;

	assert_int_equal(op_hex_decode(s, out, cap, &n), 0);

	return n;
}

static void
test_uid_samples(void **state)
{
	uint8_t raw[40];
	struct chip_uid u;
	size_t n;

	n = unhex("cd16339301001c000500000a09a413000a002f002e801010712440",
	    raw, sizeof(raw));
	assert_int_equal(chip_uid_decode(raw, n, &u), 0);
	assert_int_equal(u.build, 2440);
	assert_int_equal(u.product, CHIP_PRODUCT_TRUST_M3);
	assert_memory_equal(u.raw, raw, CHIP_UID_LEN);

	n = unhex("cd16338201001c000500000a091b5c000700a60087801010710809",
	    raw, sizeof(raw));
	assert_int_equal(chip_uid_decode(raw, n, &u), 0);
	assert_int_equal(u.build, 809);
	assert_int_equal(u.product, CHIP_PRODUCT_TRUST_M1);

	/* a Trust X build */
	raw[25] = 0x11;
	raw[26] = 0x18;
	assert_int_equal(chip_uid_decode(raw, n, &u), 0);
	assert_int_equal(u.build, 1118);
	assert_int_equal(u.product, CHIP_PRODUCT_TRUST_X);

	/* an unknown build, and one that is not BCD */
	raw[25] = 0x99;
	raw[26] = 0x99;
	assert_int_equal(chip_uid_decode(raw, n, &u), 0);
	assert_int_equal(u.build, 9999);
	assert_int_equal(u.product, CHIP_PRODUCT_UNKNOWN);
	raw[26] = 0x4A;
	assert_int_equal(chip_uid_decode(raw, n, &u), 0);
	assert_int_equal(u.product, CHIP_PRODUCT_UNKNOWN);

	/* 26 bytes ([Z]'s length) is refused */
	assert_int_equal(chip_uid_decode(raw, 26, &u),
	    OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
}

static void
test_builds(void **state)
{
	static const struct {
		uint16_t b;
		enum chip_product p;
	} t[] = {
		{ 501, CHIP_PRODUCT_TRUST_M1 }, { 624, CHIP_PRODUCT_TRUST_M1 },
		{ 751, CHIP_PRODUCT_TRUST_M1 }, { 802, CHIP_PRODUCT_TRUST_M1 },
		{ 809, CHIP_PRODUCT_TRUST_M1 }, { 2440, CHIP_PRODUCT_TRUST_M3 },
		{ 2564, CHIP_PRODUCT_TRUST_M3 }, { 510, CHIP_PRODUCT_TRUST_X },
		{ 715, CHIP_PRODUCT_TRUST_X }, { 1048, CHIP_PRODUCT_TRUST_X },
		{ 1112, CHIP_PRODUCT_TRUST_X }, { 1118, CHIP_PRODUCT_TRUST_X },
		{ 1234, CHIP_PRODUCT_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(chip_product_by_build(t[i].b), t[i].p);

	assert_true(chip_product_has_alg(CHIP_PRODUCT_TRUST_M3,
	    CHIP_ALG_P521));
	assert_false(chip_product_has_alg(CHIP_PRODUCT_TRUST_M1,
	    CHIP_ALG_P521));
	assert_true(chip_product_has_alg(CHIP_PRODUCT_TRUST_M1,
	    CHIP_ALG_RSA2048));
	assert_false(chip_product_has_alg(CHIP_PRODUCT_TRUST_X,
	    CHIP_ALG_RSA2048));
	assert_true(chip_product_has_alg(CHIP_PRODUCT_TRUST_X,
	    CHIP_ALG_P384));
}

static void
test_algs(void **state)
{
	const struct chip_alg_info *a;

	assert_non_null(a = chip_alg_by_name("p256"));
	assert_int_equal(a->id, CHIP_ALG_P256);
	assert_int_equal(a->scalar_len, 32);
	assert_non_null(a = chip_alg_by_name("secp521r1"));
	assert_int_equal(a->id, CHIP_ALG_P521);
	assert_int_equal(a->scalar_len, 66);
	assert_non_null(a = chip_alg_by_name("BP512"));
	assert_int_equal(a->scalar_len, 64);
	assert_non_null(a = chip_alg_by_id(0x42));
	assert_true(a->rsa);
	assert_string_equal(a->name, "rsa2048");
	assert_null(chip_alg_by_name("ed25519"));
	assert_null(chip_alg_by_id(0x81));
}

static void
test_oids(void **state)
{
	const struct chip_slot *s;
	uint16_t oid;

	assert_int_equal(chip_oid_parse("key1", &oid), 0);
	assert_int_equal(oid, 0xE0F1);
	assert_int_equal(chip_oid_parse("CERT1", &oid), 0);
	assert_int_equal(oid, 0xE0E1);
	assert_int_equal(chip_oid_parse("0xe0fc", &oid), 0);
	assert_int_equal(oid, 0xE0FC);
	assert_int_equal(chip_oid_parse("F1D0", &oid), 0);
	assert_int_equal(oid, 0xF1D0);
	assert_int_equal(chip_oid_parse("key9", &oid),
	    OP_RC(OP_LAYER_USAGE, OP_E_INVAL));
	assert_non_null(strstr(op_errmsg(), "key9"));
	assert_string_equal(chip_oid_alias(0xE0FD), "rsa2");

	assert_non_null(s = chip_slot_by_oid(0xE0FC));
	assert_true(s->rsa);
	assert_false(chip_slot_on(s, CHIP_PRODUCT_TRUST_X));
	assert_true(chip_slot_on(s, CHIP_PRODUCT_TRUST_M1));
	assert_true(chip_slot_on(s, CHIP_PRODUCT_UNKNOWN));
	assert_non_null(s = chip_slot_by_oid(0xE200));
	assert_false(chip_slot_on(s, CHIP_PRODUCT_TRUST_M1));
}

static void
test_usage(void **state)
{
	char buf[64];
	uint8_t u;

	assert_int_equal(chip_usage_parse("sign,auth", &u), 0);
	assert_int_equal(u, CHIP_USAGE_SIGN | CHIP_USAGE_AUTH);
	assert_string_equal(chip_usage_str(u, buf, sizeof(buf)),
	    "auth,sign");
	assert_int_equal(chip_usage_parse("KeyAgree", &u), 0);
	assert_int_equal(u, CHIP_USAGE_KEYAGREE);
	assert_int_equal(chip_usage_parse("sign,bogus", &u),
	    OP_RC(OP_LAYER_USAGE, OP_E_INVAL));
	assert_non_null(strstr(op_errmsg(), "'bogus'"));
	assert_int_equal(chip_usage_parse("", &u),
	    OP_RC(OP_LAYER_USAGE, OP_E_INVAL));
	assert_string_equal(chip_usage_str(0, buf, sizeof(buf)), "none");
	assert_string_equal(chip_usage_str(0x41, buf, sizeof(buf)),
	    "auth,0x40");
}

static void
test_meta(void **state)
{
	uint8_t raw[64];
	struct chip_meta m;
	char ac[128];
	size_t n;

	/* E0E1 on a fresh V3 chip */
	n = unhex("2019C00101C40206C0C50206C0D003E1FC07D10100D30100E80112",
	    raw, sizeof(raw));
	assert_int_equal(chip_meta_parse(raw, n, &m), 0);
	assert_true(m.has_lcso);
	assert_int_equal(m.lcso, 0x01);
	assert_int_equal(m.max_size, 1728);
	assert_int_equal(m.used_size, 1728);
	assert_int_equal(m.type, 0x12);
	assert_string_equal(chip_objtype_name(m.type), "DEVCERT");
	chip_ac_str(&m.change, ac, sizeof(ac));
	assert_non_null(strstr(ac, "LcsO"));
	assert_non_null(strstr(ac, "op"));
	assert_string_equal(chip_ac_str(&m.read, ac, sizeof(ac)), "ALW");

	/* E0F0: key with algorithm and usage, read absent = NEV */
	n = unhex("200FC00101D001FFD30100E00103E10101", raw, sizeof(raw));
	assert_int_equal(chip_meta_parse(raw, n, &m), 0);
	assert_true(m.has_alg);
	assert_int_equal(m.alg, CHIP_ALG_P256);
	assert_int_equal(m.usage, CHIP_USAGE_AUTH);
	assert_false(m.has_max);
	assert_false(m.read.present);
	assert_string_equal(chip_ac_str(&m.read, ac, sizeof(ac)), "NEV");
	assert_string_equal(chip_ac_str(&m.change, ac, sizeof(ac)), "NEV");

	/* E140: change LcsO<op OR Conf(E140) */
	n = unhex("201DC00101C40140C50140D007E1FC07FE20E140D103E1FC07D30100"
	    "E80122", raw, sizeof(raw));
	assert_int_equal(chip_meta_parse(raw, n, &m), 0);
	chip_ac_str(&m.change, ac, sizeof(ac));
	assert_non_null(strstr(ac, "||"));
	assert_non_null(strstr(ac, "E140"));
	assert_int_equal(m.max_size, 64);

	/* no used size means full */
	n = unhex("2003C40164", raw, sizeof(raw));
	assert_int_equal(chip_meta_parse(raw, n, &m), 0);
	assert_int_equal(m.used_size, 100);

	/* malformed */
	n = unhex("2019C00101", raw, sizeof(raw));
	assert_int_not_equal(chip_meta_parse(raw, n, &m), 0);
	n = unhex("3003C00101", raw, sizeof(raw));
	assert_int_not_equal(chip_meta_parse(raw, n, &m), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uid_samples),
		cmocka_unit_test(test_builds),
		cmocka_unit_test(test_algs),
		cmocka_unit_test(test_oids),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_meta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
