/*
 * Public keys in the chip's BIT STRING form (fact sheet 9.3) for all
 * eight key types: generate with OpenSSL, check the SPKI prefix table,
 * strip to the BIT STRING, convert back, compare.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "chip/chip.h"
#include "util/err.h"
#include "util/hex.h"

static const struct {
	enum chip_alg alg;
	size_t bslen;		/* BIT STRING bytes, from the fact sheet */
	const char *prefix;	/* SPKI prefix, from the fact sheet */
} cases[] = {
	{ CHIP_ALG_P256, 68,
	    "3059301306072A8648CE3D020106082A8648CE3D030107" },
	{ CHIP_ALG_P384, 100, "3076301006072A8648CE3D020106052B81040022" },
	{ CHIP_ALG_P521, 137, "30819B301006072A8648CE3D020106052B81040023" },
	{ CHIP_ALG_BP256, 68,
	    "305A301406072A8648CE3D020106092B2403030208010107" },
	{ CHIP_ALG_BP384, 100,
	    "307A301406072A8648CE3D020106092B240303020801010B" },
	{ CHIP_ALG_BP512, 133,
	    "30819B301406072A8648CE3D020106092B240303020801010D" },
	{ CHIP_ALG_RSA1024, 144, "30819F300D06092A864886F70D0101010500" },
	{ CHIP_ALG_RSA2048, 275, "30820122300D06092A864886F70D0101010500" },
};

static EVP_PKEY *
gen(enum chip_alg alg)
{
	const struct chip_alg_info *ai = chip_alg_by_id(alg);
	EVP_PKEY *k;

	assert_non_null(ai);
	if (ai->rsa)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)ai->bits);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ai->curve);
	assert_non_null(k);

	return k;
}

static void
test_roundtrip(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t prefix[32], bs[CHIP_PUBKEY_MAX];
		unsigned char *spki = NULL;
		size_t plen, bslen;
		enum chip_alg alg;
		EVP_PKEY *k = gen(cases[i].alg), *back = NULL;
		int slen;

		/* OpenSSL's SPKI = fact-sheet prefix || BIT STRING */
		assert_int_equal(op_hex_decode(cases[i].prefix, prefix,
		    sizeof(prefix), &plen), 0);
		slen = i2d_PUBKEY(k, &spki);
		assert_int_equal((size_t)slen, plen + cases[i].bslen);
		assert_memory_equal(spki, prefix, plen);

		/* our encoder gives exactly that BIT STRING */
		assert_int_equal(chip_pubkey_encode(k, bs, sizeof(bs), &bslen,
		    &alg), 0);
		assert_int_equal(alg, cases[i].alg);
		assert_int_equal(bslen, cases[i].bslen);
		assert_memory_equal(bs, spki + plen, bslen);
		assert_int_equal(bs[0], 0x03);

		/* and back to the same key */
		assert_int_equal(chip_pubkey_decode(cases[i].alg, bs, bslen,
		    &back), 0);
		assert_int_equal(EVP_PKEY_eq(k, back), 1);

		/* the wrong type is refused */
		EVP_PKEY_free(back);
		back = NULL;
		assert_int_not_equal(chip_pubkey_decode(
		    cases[i].alg == CHIP_ALG_P384 ? CHIP_ALG_P256 :
		    CHIP_ALG_P384, bs, bslen, &back), 0);
		assert_null(back);

		OPENSSL_free(spki);
		EVP_PKEY_free(k);
	}
}

static void
test_rsa_long_exponent(void **state)
{
	/* the SRM example's 02 04 00 01 00 01 exponent must decode too */
	uint8_t bs[CHIP_PUBKEY_MAX], odd[CHIP_PUBKEY_MAX];
	size_t n;
	EVP_PKEY *k = gen(CHIP_ALG_RSA1024), *back = NULL;

	assert_int_equal(chip_pubkey_encode(k, bs, sizeof(bs), &n, NULL), 0);
	assert_int_equal(n, 144);
	/* 03 81 8D 00 30 81 89 02 81 81 00 N[128] 02 03 01 00 01 */
	assert_memory_equal(bs + n - 5, "\x02\x03\x01\x00\x01", 5);
	memcpy(odd, bs, n - 5);
	memcpy(odd + n - 5, "\x02\x04\x00\x01\x00\x01", 6);
	odd[2] = 0x8E;
	odd[6] = 0x8A;
	assert_int_equal(chip_pubkey_decode(CHIP_ALG_RSA1024, odd, n + 1,
	    &back), 0);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);

	EVP_PKEY_free(back);
	EVP_PKEY_free(k);
}

static void
test_bad_points(void **state)
{
	uint8_t bs[CHIP_PUBKEY_MAX];
	size_t n;
	EVP_PKEY *k = gen(CHIP_ALG_P256), *back = NULL;

	assert_int_equal(chip_pubkey_encode(k, bs, sizeof(bs), &n, NULL), 0);

	/* off the curve */
	bs[n - 1] ^= 0x01;
	assert_int_equal(chip_pubkey_decode(CHIP_ALG_P256, bs, n, &back),
	    OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	bs[n - 1] ^= 0x01;
	/* compressed form, truncated, trailing byte, unused bits */
	bs[3] = 0x02;
	assert_int_not_equal(chip_pubkey_decode(CHIP_ALG_P256, bs, n, &back),
	    0);
	bs[3] = 0x04;
	assert_int_not_equal(chip_pubkey_decode(CHIP_ALG_P256, bs, n - 1,
	    &back), 0);
	assert_int_not_equal(chip_pubkey_decode(CHIP_ALG_P256, bs, n + 1,
	    &back), 0);
	bs[2] = 0x01;
	assert_int_not_equal(chip_pubkey_decode(CHIP_ALG_P256, bs, n, &back),
	    0);
	assert_null(back);
	/* unknown type */
	assert_int_not_equal(chip_pubkey_decode((enum chip_alg)0x99, bs, n,
	    &back), 0);

	EVP_PKEY_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_rsa_long_exponent),
		cmocka_unit_test(test_bad_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
