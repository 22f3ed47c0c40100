/*
 * Metadata codec: parse, merge, encode (ascending, minimal C4/C5) and
 * access-condition rendering, checked against bytes dumped from real
 * chips (fact sheet section 6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "codec/meta.h"
#include "util/hex.h"

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n;

	assert_int_equal(op_hex_decode(s, out, cap, &n), 0);

	return n;
}

static void
roundtrip(const char *hex)
{
	uint8_t in[80], out[80];
	size_t n, m;
	struct meta md;

	n = unhex(hex, in, sizeof(in));
	assert_int_equal(meta_parse(in, n, &md), 0);
	assert_int_equal(meta_encode(&md, out, sizeof(out), &m), 0);
	assert_int_equal(m, n);
	assert_memory_equal(in, out, n);
}

static void
test_dump_roundtrip(void **state)
{
	(void)state;
	roundtrip("2009C40101D00100D10100");
	roundtrip("2017C00101C40206C0C5020204D001FFD10100D30100E80112");
	roundtrip("200FC00101D001FFD30100E00103E10101");
	roundtrip("201DC00101C40140C50140D007E1FC07FE20E140D103E1FC07D30100"
	    "E80122");
	roundtrip("2011C00101C4018CC50164D003E1FC07D10100");
	roundtrip("2000");
}

static void
test_parse_rejects(void **state)
{
	uint8_t b[16];
	struct meta md;

	(void)state;
	/* wrong container tag */
	memcpy(b, "\x30\x03\xC0\x01\x01", 5);
	assert_int_not_equal(meta_parse(b, 5, &md), 0);
	/* container length disagrees */
	memcpy(b, "\x20\x04\xC0\x01\x01", 5);
	assert_int_not_equal(meta_parse(b, 5, &md), 0);
	/* truncated item */
	memcpy(b, "\x20\x03\xC0\x02\x01", 5);
	assert_int_not_equal(meta_parse(b, 5, &md), 0);
	/* duplicate tag */
	memcpy(b, "\x20\x06\xC0\x01\x01\xC0\x01\x03", 8);
	assert_int_not_equal(meta_parse(b, 8, &md), 0);
	/* lone tag without length */
	memcpy(b, "\x20\x01\xC0", 3);
	assert_int_not_equal(meta_parse(b, 3, &md), 0);
	assert_int_not_equal(meta_parse(b, 1, &md), 0);
}

static void
test_merge_and_order(void **state)
{
	uint8_t b[80], out[80];
	size_t n, m;
	struct meta md, upd;
	uint16_t v;

	(void)state;
	n = unhex("2011C00101C4018CC50164D003E1FC07D10100", b, sizeof(b));
	assert_int_equal(meta_parse(b, n, &md), 0);
	/* an update written in descending order, replacing D0 and adding E8 */
	n = unhex("2006E80121D001FF", b, sizeof(b));
	assert_int_equal(meta_parse(b, n, &upd), 0);
	assert_int_equal(meta_merge(&md, &upd), 0);
	assert_int_equal(meta_encode(&md, out, sizeof(out), &m), 0);
	n = unhex("2012C00101C4018CC50164D001FFD10100E80121", b, sizeof(b));
	assert_int_equal(m, n);
	assert_memory_equal(out, b, n);

	/* minimal width for sizes */
	assert_int_equal(meta_set_size(&md, META_TAG_USED_SIZE, 0x6C0), 0);
	assert_int_equal(meta_get_size(&md, META_TAG_USED_SIZE, &v), 0);
	assert_int_equal(v, 0x6C0);
	assert_int_equal(meta_set_size(&md, META_TAG_USED_SIZE, 5), 0);
	assert_int_equal(meta_encode(&md, out, sizeof(out), &m), 0);
	n = unhex("2012C00101C4018CC50105D001FFD10100E80121", b, sizeof(b));
	assert_memory_equal(out, b, n);

	meta_remove(&md, META_TAG_TYPE);
	assert_false(meta_has(&md, META_TAG_TYPE));
	assert_int_equal(meta_content_len(&md), 0x0f);
	/* too small an output buffer */
	assert_int_not_equal(meta_encode(&md, out, 8, &m), 0);
}

static void
describe_is(const char *hex, const char *want, int ok)
{
	uint8_t b[40];
	char txt[128];
	size_t n = unhex(hex, b, sizeof(b));
	int r = meta_ac_describe(b, n, txt, sizeof(txt));

	if (ok)
		assert_int_equal(r, 0);
	else
		assert_int_not_equal(r, 0);
	assert_string_equal(txt, want);
}

static void
test_ac_describe(void **state)
{
	char small[6];
	uint8_t b[3] = { 0xE1, 0xFC, 0x07 };

	(void)state;
	describe_is("00", "ALW", 1);
	describe_is("FF", "NEV", 1);
	describe_is("E1FC07", "LcsO < op", 1);
	describe_is("E1FC07FE20E140", "LcsO < op || Conf(E140)", 1);
	describe_is("E0FA03FD21E0E8", "LcsA == in && Int(E0E8)", 1);
	describe_is("70FB05", "LcsG > 0x05", 1);
	describe_is("4001E120", "invalid (4001E120)", 0);
	describe_is("10209020", "invalid (10209020)", 0);
	describe_is("1020FD9020", "SecStaG(20) && SecStaA(20)", 1);
	describe_is("00FD00", "invalid (00FD00)", 0);
	describe_is("E1FC07FD", "invalid (E1FC07FD)", 0);
	describe_is("E1F507", "invalid (E1F507)", 0);
	describe_is("E1FC", "invalid (E1FC)", 0);
	/* four OR tokens is one too many */
	describe_is("E1FC07FEE1FC07FEE1FC07FEE1FC07",
	    "invalid (E1FC07FEE1FC07FEE1FC07FEE1FC07)", 0);
	/* truncation keeps the string terminated */
	assert_int_equal(meta_ac_describe(b, 3, small, sizeof(small)), 0);
	assert_string_equal(small, "LcsO ");
}

static void
test_ac_parse_limits(void **state)
{
	uint8_t b[64];
	size_t n = 0;
	struct meta_ac e;

	(void)state;
	for (int i = 0; i < 7; i++) {
		if (i > 0)
			b[n++] = META_AC_AND;
		b[n++] = 0xE1;
		b[n++] = 0xFC;
		b[n++] = 0x07;
	}
	assert_int_equal(meta_ac_parse(b, n, &e), 0);
	assert_int_equal(e.n, 7);
	b[n++] = META_AC_AND;
	b[n++] = 0x20;
	b[n++] = 0xE1;
	b[n++] = 0x40;
	assert_int_not_equal(meta_ac_parse(b, n, &e), 0);
	b[n - 4] = META_AC_OR;
	assert_int_equal(meta_ac_parse(b, n, &e), 0);
	assert_true(e.c[6].or_next);
	assert_int_equal(e.c[7].oid, 0xE140);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_merge_and_order),
		cmocka_unit_test(test_ac_describe),
		cmocka_unit_test(test_ac_parse_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
