/*
 * The chip's fixed-width ECDSA integers to DER (fact sheet 9.1), for
 * every curve width, with values whose top byte is 00 followed by <= 7F
 * (invalid DER as the chip sends it), >= 80, and both.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ecdsa.h>
#include <openssl/rand.h>

#include "chip/chip.h"
#include "util/err.h"

static const size_t widths[] = { 32, 48, 64, 66 };

/* One INTEGER as the chip writes it: full width, 00 if the top bit. */
static size_t
chip_int(uint8_t *o, const uint8_t *v, size_t w)
{
	size_t n = 0;
	bool pad = (v[0] & 0x80) != 0;

	o[n++] = 0x02;
	o[n++] = (uint8_t)(w + pad);
	if (pad)
		o[n++] = 0x00;
	memcpy(o + n, v, w);

	return n + w;
}

/* Convert, then check the DER against OpenSSL and the original values. */
static void
check(const uint8_t *r, const uint8_t *s, size_t w)
{
	uint8_t in[160], der[CHIP_ECDSA_DER_MAX], re[CHIP_ECDSA_DER_MAX];
	uint8_t *rp = re;
	const uint8_t *p = der;
	size_t n, dlen = 0;
	ECDSA_SIG *sig;
	const BIGNUM *br, *bs;
	BIGNUM *wr, *ws;
	int relen;

	n = chip_int(in, r, w);
	n += chip_int(in + n, s, w);
	assert_int_equal(chip_ecdsa_to_der(in, n, der, sizeof(der), &dlen), 0);

	/* parses, uses every byte, and re-encodes to the same bytes */
	sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	assert_non_null(sig);
	assert_ptr_equal(p, der + dlen);
	relen = i2d_ECDSA_SIG(sig, &rp);
	assert_int_equal(relen, (int)dlen);
	assert_memory_equal(re, der, dlen);

	/* same numbers */
	ECDSA_SIG_get0(sig, &br, &bs);
	wr = BN_bin2bn(r, (int)w, NULL);
	ws = BN_bin2bn(s, (int)w, NULL);
	assert_int_equal(BN_cmp(br, wr), 0);
	assert_int_equal(BN_cmp(bs, ws), 0);
	BN_free(wr);
	BN_free(ws);
	ECDSA_SIG_free(sig);
}

static void
fill(uint8_t *v, size_t w, const uint8_t *top, size_t ntop)
{
	assert_int_equal(RAND_bytes(v, (int)w), 1);
	if (ntop > 0)
		memcpy(v, top, ntop);
}

static void
test_edges(void **state)
{
	static const uint8_t lead00_low[] = { 0x00, 0x3A };	/* bad DER */
	static const uint8_t lead00_7f[] = { 0x00, 0x7F };
	static const uint8_t high[] = { 0x9A };
	static const uint8_t lead00_high[] = { 0x00, 0x80 };
	static const uint8_t two00[] = { 0x00, 0x00, 0x12 };
	const uint8_t *tops[] = { lead00_low, lead00_7f, high, lead00_high,
	    two00 };
	const size_t ntops[] = { 2, 2, 1, 2, 3 };
	uint8_t r[66], s[66];

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		for (size_t a = 0; a < 5; a++)
			for (size_t b = 0; b < 5; b++) {
				fill(r, widths[i], tops[a], ntops[a]);
				fill(s, widths[i], tops[b], ntops[b]);
				check(r, s, widths[i]);
			}
}

static void
test_random(void **state)
{
	uint8_t r[66], s[66];

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		for (int k = 0; k < 2000; k++) {
			fill(r, widths[i], NULL, 0);
			fill(s, widths[i], NULL, 0);
			/* a zero r or s is no signature */
			r[widths[i] - 1] |= 1;
			s[widths[i] - 1] |= 1;
			check(r, s, widths[i]);
		}
}

static void
test_already_der(void **state)
{
	/* a SEQUENCE around minimal integers passes through unchanged */
	static const uint8_t in[] = {
		0x30, 0x08, 0x02, 0x02, 0x00, 0x80, 0x02, 0x02, 0x12, 0x34
	};
	uint8_t out[16];
	size_t n;

	assert_int_equal(chip_ecdsa_to_der(in, sizeof(in), out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, sizeof(in));
	assert_memory_equal(out, in, n);
}

static void
test_malformed(void **state)
{
	static const uint8_t zero_r[] = {
		0x02, 0x02, 0x00, 0x00, 0x02, 0x01, 0x05
	};
	static const uint8_t no_tag[] = { 0x04, 0x01, 0x05, 0x02, 0x01, 0x05 };
	static const uint8_t trailing[] = {
		0x02, 0x01, 0x05, 0x02, 0x01, 0x05, 0x00
	};
	static const uint8_t short_s[] = { 0x02, 0x01, 0x05, 0x02, 0x05, 0x05 };
	static const uint8_t one[] = { 0x02, 0x01, 0x05 };
	uint8_t out[CHIP_ECDSA_DER_MAX];
	size_t n;

	assert_int_equal(chip_ecdsa_to_der(zero_r, sizeof(zero_r), out,
	    sizeof(out), &n), OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	assert_int_equal(chip_ecdsa_to_der(no_tag, sizeof(no_tag), out,
	    sizeof(out), &n), OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	assert_int_equal(chip_ecdsa_to_der(trailing, sizeof(trailing), out,
	    sizeof(out), &n), OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	assert_int_equal(chip_ecdsa_to_der(short_s, sizeof(short_s), out,
	    sizeof(out), &n), OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	assert_int_equal(chip_ecdsa_to_der(one, sizeof(one), out,
	    sizeof(out), &n), OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	/* too small an output buffer */
	assert_int_equal(chip_ecdsa_to_der(trailing, 6, out, 7, &n),
	    OP_RC(OP_LAYER_CMD, OP_E_RANGE));
}

static void
test_p521_long_form(void **state)
{
	/* P-521 with both top bits set: body 138 > 127, so 30 81 8A */
	uint8_t r[66], s[66], in[160], der[CHIP_ECDSA_DER_MAX];
	size_t n, dlen;

	memset(r, 0xFF, sizeof(r));
	memset(s, 0xC1, sizeof(s));
	n = chip_int(in, r, 66);
	n += chip_int(in + n, s, 66);
	assert_int_equal(chip_ecdsa_to_der(in, n, der, sizeof(der), &dlen),
	    0);
	assert_int_equal(dlen, CHIP_ECDSA_DER_MAX);
	assert_int_equal(der[0], 0x30);
	assert_int_equal(der[1], 0x81);
	assert_int_equal(der[2], 0x8A);
	check(r, s, 66);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_already_der),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_p521_long_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
