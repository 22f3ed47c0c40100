/*
 * The chip layer's commands against a fake link: chunking of 1728-byte
 * reads (1553 + 175) and writes (1549 + 179), the MSB rule, the
 * error-code read and its message, signing and key generation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ecdsa.h>
#include <openssl/rand.h>

#include "chip/chip.h"
#include "codec/tlv.h"
#include "util/err.h"
#include "fake_link.h"

static struct chip *
open_fake(void)
{
	struct chip *chip = NULL;

	fake_reset();
	assert_int_equal(chip_open("sim:/nowhere", NULL, &chip), 0);
	assert_non_null(chip);
	/* OpenApplication with the MSB and the AID */
	assert_int_equal(fake.n, 1);
	assert_int_equal(fake.log[0].len, 20);
	assert_memory_equal(fake.log[0].b, "\xF0\x00\x00\x10\xD2\x76\x00\x00"
	    "\x04GenAuthAppl", 20);
	fake.n = 0;

	return chip;
}

static void
test_write_read_1728(void **state)
{
	struct chip *chip = open_fake();
	uint8_t data[1728], back[2000];
	struct fake_apdu *a;
	size_t n;

	fake_add_obj(0xE0E1, 1728, true, true);
	assert_int_equal(RAND_bytes(data, sizeof(data)), 1);

	assert_int_equal(chip_write_data(chip, 0xE0E1, data, sizeof(data),
	    true), 0);
	assert_int_equal(fake.n, 2);
	/* 82 40 InLen=1553 E0E1 offset 0, 1549 bytes */
	a = &fake.log[0];
	assert_int_equal(a->len, 4 + 4 + 1549);
	assert_memory_equal(a->b, "\x82\x40\x06\x11\xE0\xE1\x00\x00", 8);
	assert_memory_equal(a->b + 8, data, 1549);
	/* 82 00 InLen=183 E0E1 offset 1549 (0x060D), 179 bytes */
	a = &fake.log[1];
	assert_int_equal(a->len, 4 + 4 + 179);
	assert_memory_equal(a->b, "\x82\x00\x00\xB7\xE0\xE1\x06\x0D", 8);
	assert_memory_equal(a->b + 8, data + 1549, 179);
	assert_int_equal(fake.obj[0].used, 1728);

	fake.n = 0;
	assert_int_equal(chip_read_data(chip, 0xE0E1, back, sizeof(back),
	    &n), 0);
	assert_int_equal(n, 1728);
	assert_memory_equal(back, data, 1728);
	/* 81 00 0006 E0E1 0000 0611, then offset 0611 for the 447 left */
	assert_int_equal(fake.n, 2);
	assert_int_equal(fake.log[0].len, 10);
	assert_memory_equal(fake.log[0].b,
	    "\x81\x00\x00\x06\xE0\xE1\x00\x00\x06\x11", 10);
	assert_memory_equal(fake.log[1].b,
	    "\x81\x00\x00\x06\xE0\xE1\x06\x11\x01\xBF", 10);

	/* a buffer of exactly 1728 asks for 1553 + 175 */
	fake.n = 0;
	assert_int_equal(chip_read_data(chip, 0xE0E1, back, 1728, &n), 0);
	assert_int_equal(n, 1728);
	assert_int_equal(fake.n, 2);
	assert_memory_equal(fake.log[1].b,
	    "\x81\x00\x00\x06\xE0\xE1\x06\x11\x00\xAF", 10);

	chip_close(&chip);
	assert_null(chip);
}

static void
test_read_exact_chunk_end(void **state)
{
	/* used = 1553: the second chunk hits error 0x08, which ends it */
	struct chip *chip = open_fake();
	struct fake_obj *o = fake_add_obj(0xF1E0, 1728, true, true);
	uint8_t back[1728];
	size_t n;

	o->used = 1553;
	memset(o->data, 0xAB, 1553);
	assert_int_equal(chip_read_data(chip, 0xF1E0, back, sizeof(back),
	    &n), 0);
	assert_int_equal(n, 1553);
	/* the boundary error was read (and so cleared) */
	assert_int_equal(fake.n, 3);
	assert_int_equal(fake.log[2].b[0], 0x01);
	assert_int_equal(fake.last_error, 0);
	assert_string_equal(op_errmsg(), "");

	/* an empty object reads as zero bytes */
	o->used = 0;
	assert_int_equal(chip_read_data(chip, 0xF1E0, back, sizeof(back),
	    &n), 0);
	assert_int_equal(n, 0);

	chip_close(&chip);
}

static void
test_chip_error(void **state)
{
	struct chip *chip = open_fake();
	uint8_t data[1729] = { 0 };
	uint8_t buf[16];
	size_t n;
	int rc;

	fake_add_obj(0xE0E1, 1728, true, true);
	fake_add_obj(0xE0E0, 1728, true, false);

	/* past the end: 1549 go in, the second chunk fails with 0x08 */
	rc = chip_write_data(chip, 0xE0E1, data, sizeof(data), true);
	assert_int_equal(rc, OP_RC(OP_LAYER_CHIP, 0x08));
	assert_int_equal(fake.n, 3);
	/* the error read: 01 00 00 06 F1 C2 00 00 00 01, no MSB */
	assert_int_equal(fake.log[2].len, 10);
	assert_memory_equal(fake.log[2].b,
	    "\x01\x00\x00\x06\xF1\xC2\x00\x00\x00\x01", 10);
	assert_non_null(strstr(op_errmsg(), "SetDataObject of 0xE0E1: chip "
	    "error 0x8008: data object boundary exceeded"));

	/* access refused */
	fake.n = 0;
	rc = chip_write_data(chip, 0xE0E0, data, 10, false);
	assert_int_equal(rc, OP_RC(OP_LAYER_CHIP, 0x07));
	assert_string_equal(op_errmsg(), "SetDataObject of 0xE0E0: chip "
	    "error 0x8007: access conditions not satisfied");

	/* every command but the error read carries the MSB */
	assert_true(fake.log[0].b[0] & 0x80);
	assert_false(fake.log[1].b[0] & 0x80);

	/* unknown object, through chip_transact */
	rc = chip_transact(chip, 0x01, 0x01, (const uint8_t *)"\xE0\x99", 2,
	    buf, sizeof(buf), &n);
	assert_int_equal(rc, OP_RC(OP_LAYER_CHIP, 0x01));
	assert_non_null(strstr(op_errmsg(), "GetDataObject of 0xE099: chip "
	    "error 0x8001: invalid OID"));

	chip_close(&chip);
}

static void
test_meta(void **state)
{
	struct chip *chip = open_fake();
	struct chip_meta m;

	fake_add_obj(0xE0E2, 1728, true, true)->used = 700;
	assert_int_equal(chip_get_meta(chip, 0xE0E2, &m), 0);
	assert_int_equal(m.max_size, 1728);
	assert_int_equal(m.used_size, 700);
	assert_memory_equal(fake.log[0].b, "\x81\x01\x00\x02\xE0\xE2", 6);

	chip_close(&chip);
}

static void
test_sign_ecdsa(void **state)
{
	struct chip *chip = open_fake();
	uint8_t rsp[80], digest[32], sig[CHIP_ECDSA_DER_MAX];
	const uint8_t *p = sig;
	ECDSA_SIG *es;
	size_t n;

	/* r = 00 3A.. (invalid DER as sent), s = 9A.. (padded) */
	memcpy(rsp, "\x02\x20\x00\x3A", 4);
	memset(rsp + 4, 0x11, 30);
	memcpy(rsp + 34, "\x02\x21\x00\x9A", 4);
	memset(rsp + 38, 0x22, 31);
	fake_canned(rsp, 69);
	memset(digest, 0x5A, sizeof(digest));

	assert_int_equal(chip_sign(chip, 0xE0F1, false, digest, 32, sig,
	    sizeof(sig), &n), 0);
	/* B1 11 0028 01 0020 digest 03 0002 E0F1 */
	assert_int_equal(fake.log[0].len, 4 + 3 + 32 + 5);
	assert_memory_equal(fake.log[0].b, "\xB1\x11\x00\x28\x01\x00\x20",
	    7);
	assert_memory_equal(fake.log[0].b + 39, "\x03\x00\x02\xE0\xF1", 5);

	/* 30 44 02 1F 3A.. 02 21 00 9A.. */
	assert_int_equal(n, 2 + 33 + 35);
	assert_memory_equal(sig, "\x30\x44\x02\x1F\x3A", 5);
	assert_non_null(es = d2i_ECDSA_SIG(NULL, &p, (long)n));
	ECDSA_SIG_free(es);

	/* RSA needs a hash-sized digest */
	assert_int_equal(chip_sign(chip, 0xE0FC, true, digest, 20, sig,
	    sizeof(sig), &n), OP_RC(OP_LAYER_USAGE, OP_E_INVAL));

	chip_close(&chip);
}

static void
test_genkey(void **state)
{
	struct chip *chip = open_fake();
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *pub = NULL;
	uint8_t bs[CHIP_PUBKEY_MAX], rsp[CHIP_PUBKEY_MAX + 3];
	size_t n;

	assert_non_null(k);
	assert_int_equal(chip_pubkey_encode(k, bs, sizeof(bs), &n, NULL), 0);
	rsp[0] = 0x02;
	rsp[1] = (uint8_t)(n >> 8);
	rsp[2] = (uint8_t)n;
	memcpy(rsp + 3, bs, n);
	fake_canned(rsp, n + 3);

	assert_int_equal(chip_genkey(chip, 0xE0F2, CHIP_ALG_P384,
	    CHIP_USAGE_SIGN | CHIP_USAGE_AUTH, &pub), 0);
	/* B8 04 0009 01 0002 E0F2 02 0001 11 */
	assert_int_equal(fake.log[0].len, 13);
	assert_memory_equal(fake.log[0].b, "\xB8\x04\x00\x09\x01\x00\x02"
	    "\xE0\xF2\x02\x00\x01\x11", 13);
	assert_int_equal(EVP_PKEY_eq(k, pub), 1);
	EVP_PKEY_free(pub);

	/* a key of another type than asked for is refused */
	pub = NULL;
	assert_int_not_equal(chip_genkey(chip, 0xE0F2, CHIP_ALG_P256,
	    CHIP_USAGE_SIGN, &pub), 0);
	assert_null(pub);

	EVP_PKEY_free(k);
	chip_close(&chip);
}

static void
test_random(void **state)
{
	struct chip *chip = open_fake();
	uint8_t canned[256], out[300];

	memset(canned, 0x77, sizeof(canned));

	/* 3 bytes: asks for the minimum of 8, keeps 3 */
	fake_canned(canned, 8);
	assert_int_equal(chip_get_random(chip, out, 3), 0);
	assert_memory_equal(fake.log[0].b, "\x8C\x00\x00\x02\x00\x08", 6);

	/* the chip answering with the wrong count is an error */
	fake.n = 0;
	assert_int_equal(chip_get_random(chip, out, 300),
	    OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL));
	assert_memory_equal(fake.log[0].b, "\x8C\x00\x00\x02\x01\x00", 6);

	chip_close(&chip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_1728),
		cmocka_unit_test(test_read_exact_chunk_end),
		cmocka_unit_test(test_chip_error),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_sign_ecdsa),
		cmocka_unit_test(test_genkey),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
