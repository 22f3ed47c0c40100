/*
 * The emulated chip at the APDU level: factory state, data objects,
 * metadata, access conditions, error rules and persistence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "simtest.h"

static void
check_uid(enum sim_product p, uint8_t b0, uint8_t b1, uint8_t *uid)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t in[2] = { 0xE0, 0xC2 };

	st_teardown();
	st_setup();
	chip = st_load(p);
	st_open(chip);
	/* the short form: the whole object from offset 0 */
	assert_int_equal(st_apdu(chip, 0x01, 0x00, in, 2, &r), 0);
	assert_int_equal(r.len, 27);
	assert_int_equal(r.data[0], 0xCD);
	assert_int_equal(r.data[25], b0);
	assert_int_equal(r.data[26], b1);
	memcpy(uid, r.data, 27);
	assert_string_equal(sim_chip_last_command(chip), "GetDataObject");
	sim_chip_free(&chip);
	assert_null(chip);
}

static void
test_uid(void **state)
{
	uint8_t a[27], b[27], c[27], d[27];

	(void)state;
	check_uid(SIM_TRUST_M3, 0x24, 0x40, a);
	check_uid(SIM_TRUST_M3, 0x24, 0x40, b);
	check_uid(SIM_TRUST_M1, 0x08, 0x09, c);
	check_uid(SIM_TRUST_X, 0x11, 0x18, d);
	/* chip-specific bytes differ between two chips */
	assert_memory_not_equal(a, b, 27);
	assert_memory_equal(a, b, 11);
}

static void
meta_is(struct sim_chip *chip, uint16_t oid, const char *hex)
{
	uint8_t want[80];
	size_t n = st_unhex(hex, want, sizeof(want));
	struct rsp r;

	assert_int_equal(st_read_meta(chip, oid, &r), 0);
	assert_int_equal(r.len, n);
	assert_memory_equal(r.data, want, n);
}

static void
test_factory_metadata(void **state)
{
	struct sim_chip *chip;
	struct rsp r;

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	meta_is(chip, 0xE0C0, "2009C40101D00100D10100");
	meta_is(chip, 0xE0C2, "2009C4011BD001FFD10100");
	meta_is(chip, 0xE0C5, "2009C40101D001FFD10100");
	meta_is(chip, 0xE0C6, "2006C40102D10100");
	meta_is(chip, 0xE0C9, "2011C00107C40108D003E1FC07D10100D301FF");
	meta_is(chip, 0xE0E1, "2019C00101C40206C0C50206C0D003E1FC07D10100"
	    "D30100E80112");
	meta_is(chip, 0xE0E8, "2019C00101C40204B0C50204B0D003E1FC07D10100"
	    "D30100E80111");
	meta_is(chip, 0xE0F0, "200FC00101D001FFD30100E00103E10101");
	meta_is(chip, 0xE0F1, "200BC00101D003E1FC07D30100");
	meta_is(chip, 0xE0FD, "200BC00101D003E1FC07D30100");
	meta_is(chip, 0xE120, "2017C00101C40108C50108D003E1FC07D10100"
	    "D30100E80101");
	meta_is(chip, 0xE140, "201DC00101C40140C50140D007E1FC07FE20E140"
	    "D103E1FC07D30100E80122");
	meta_is(chip, 0xF1D0, "2011C00101C4018CC50164D003E1FC07D10100");
	meta_is(chip, 0xF1E1, "2013C00101C40205DCC50205DCD003E1FC07D10100");

	/* E0E0: as dumped, with the used size of our certificate */
	assert_int_equal(st_read_meta(chip, 0xE0E0, &r), 0);
	assert_int_equal(r.len, 0x19);
	assert_memory_equal(r.data, "\x20\x17\xC0\x01\x01\xC4\x02\x06\xC0"
	    "\xC5\x02", 11);
	assert_memory_equal(r.data + 13, "\xD0\x01\xFF\xD1\x01\x00\xD3\x01"
	    "\x00\xE8\x01\x12", 12);

	/* factory data */
	assert_int_equal(st_read(chip, 0xE0E1, 0, 0x600, &r), 0);
	assert_int_equal(r.len, 0x600);
	for (size_t i = 0; i < r.len; i++)
		assert_int_equal(r.data[i], 0);
	assert_int_equal(st_read(chip, 0xE0E1, 0x600, 0x600, &r), 0);
	assert_int_equal(r.len, 1728 - 0x600);
	assert_int_equal(st_read(chip, 0xF1D0, 0, 0x600, &r), 0);
	assert_int_equal(r.len, 100);
	assert_int_equal(st_read(chip, 0xE0C6, 0, 2, &r), 0);
	assert_memory_equal(r.data, "\x06\x15", 2);
	assert_int_equal(st_read(chip, 0xE140, 0, 64, &r), 0);
	assert_int_equal(r.data[0], 1);
	assert_int_equal(r.data[63], 0x40);
	sim_chip_free(&chip);
}

static void
test_product_maps(void **state)
{
	struct sim_chip *chip;
	struct rsp r;

	(void)state;
	chip = st_load(SIM_TRUST_X);
	st_open(chip);
	/* Trust X: no E140, counters, RSA slots, E0E9 or E0C9 */
	assert_int_equal(st_read_meta(chip, 0xE140, &r), 0xff);
	assert_int_equal(st_error(chip), 0x01);
	assert_int_equal(st_read_meta(chip, 0xE0FC, &r), 0xff);
	assert_int_equal(st_read_meta(chip, 0xE0E9, &r), 0xff);
	assert_int_equal(st_read_meta(chip, 0xE120, &r), 0xff);
	assert_int_equal(st_read_meta(chip, 0xE0C9, &r), 0xff);
	assert_int_equal(st_read_meta(chip, 0xF1DF, &r), 0);
	sim_chip_free(&chip);

	st_teardown();
	st_setup();
	chip = st_load(SIM_TRUST_M1);
	st_open(chip);
	assert_int_equal(st_read_meta(chip, 0xE0C9, &r), 0xff);
	assert_int_equal(st_read_meta(chip, 0xF1DF, &r), 0xff);
	assert_int_equal(st_read_meta(chip, 0xE0FC, &r), 0);
	assert_int_equal(st_read(chip, 0xF1C1, 0, 1, &r), 0);
	assert_int_equal(r.data[0], 0x00);
	sim_chip_free(&chip);
}

static void
test_factory_certificate(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	const unsigned char *p;
	X509 *x;
	char issuer[256];
	size_t der;

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	assert_int_equal(st_read(chip, 0xE0E0, 0, 0x611, &r), 0);
	assert_true(r.len > 300);
	/* TLS identity: C0 LLLL LLLLLL llllll DER */
	assert_int_equal(r.data[0], 0xC0);
	der = (size_t)r.data[7] << 8 | r.data[8];
	assert_int_equal(((size_t)r.data[1] << 8 | r.data[2]), der + 6);
	assert_int_equal(((size_t)r.data[4] << 8 | r.data[5]), der + 3);
	assert_int_equal(r.len, der + 9);
	p = r.data + 9;
	assert_non_null(x = d2i_X509(NULL, &p, (long)der));
	X509_NAME_oneline(X509_get_issuer_name(x), issuer, sizeof(issuer));
	assert_non_null(strstr(issuer, "Emulated Factory CA (not Infineon)"));
	assert_null(strstr(issuer, "O=Infineon"));
	X509_free(x);
	sim_chip_free(&chip);
}

static void
test_write_bounds(void **state)
{
	struct sim_chip *chip;
	static uint8_t big[1728];
	struct rsp r;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);

	/* 1728 bytes in two chunks, as the library splits them */
	assert_int_equal(st_write(chip, 0x40, 0xE0E2, 0, big, 1549), 0);
	assert_int_equal(st_write(chip, 0x00, 0xE0E2, 1549, big + 1549,
	    1728 - 1549), 0);
	/* one byte past the end: refused, content kept */
	assert_int_equal(st_write(chip, 0x00, 0xE0E2, 1728, big, 1), 0xff);
	assert_int_equal(st_error(chip), 0x08);
	assert_int_equal(st_write(chip, 0x40, 0xE0E2, 1000, big, 729), 0xff);
	assert_int_equal(st_error(chip), 0x08);
	assert_int_equal(st_read(chip, 0xE0E2, 0, 1553, &r), 0);
	assert_int_equal(r.len, 1553);
	assert_memory_equal(r.data, big, 1553);
	assert_int_equal(st_read(chip, 0xE0E2, 1553, 1553, &r), 0);
	assert_int_equal(r.len, 1728 - 1553);
	assert_memory_equal(r.data, big + 1553, 1728 - 1553);
	/* past the used length */
	assert_int_equal(st_read(chip, 0xE0E2, 1728, 16, &r), 0xff);
	assert_int_equal(st_error(chip), 0x08);
	/* the short form of 1728 bytes does not fit an APDU */
	assert_int_equal(st_apdu(chip, 0x01, 0x00,
	    (const uint8_t *)"\xE0\xE2", 2, &r), 0xff);
	assert_int_equal(st_error(chip), 0x0D);
	sim_chip_free(&chip);
}

static void
test_used_length(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t d[10];

	(void)state;
	memset(d, 0xA5, sizeof(d));
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* write keeps the larger used length */
	assert_int_equal(st_write(chip, 0x00, 0xF1D0, 0, d, 10), 0);
	assert_int_equal(st_read(chip, 0xF1D0, 0, 0x200, &r), 0);
	assert_int_equal(r.len, 100);
	assert_int_equal(r.data[9], 0xA5);
	assert_int_equal(r.data[10], 0x00);
	assert_int_equal(st_write(chip, 0x00, 0xF1D0, 130, d, 10), 0);
	meta_is(chip, 0xF1D0, "2011C00101C4018CC5018CD003E1FC07D10100");
	/* erase & write: used = offset + n, the rest cleared */
	assert_int_equal(st_write(chip, 0x40, 0xF1D0, 2, d, 10), 0);
	assert_int_equal(st_read(chip, 0xF1D0, 0, 0x200, &r), 0);
	assert_int_equal(r.len, 12);
	assert_memory_equal(r.data, "\0\0", 2);
	meta_is(chip, 0xF1D0, "2011C00101C4018CC5010CD003E1FC07D10100");
	/* empty object: a read from 0 gives no data */
	assert_int_equal(st_write(chip, 0x40, 0xF1D1, 0, d, 0), 0);
	assert_int_equal(st_read(chip, 0xF1D1, 0, 16, &r), 0);
	assert_int_equal(r.len, 0);
	sim_chip_free(&chip);
}

static void
test_access(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t d[4] = { 1, 2, 3, 4 };

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* key objects are never readable or writable as data */
	assert_int_equal(st_read(chip, 0xE0F0, 0, 16, &r), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	assert_int_equal(st_write(chip, 0x00, 0xE0F1, 0, d, 4), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* read-only objects */
	assert_int_equal(st_write(chip, 0x00, 0xE0C2, 0, d, 1), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	assert_int_equal(st_write(chip, 0x00, 0xE0E0, 0, d, 1), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* sessions are not data objects */
	assert_int_equal(st_read(chip, 0xE100, 0, 16, &r), 0xff);
	assert_int_equal(st_error(chip), 0x01);
	/* security status: bits can only be cleared */
	d[0] = 0xff;
	assert_int_equal(st_write(chip, 0x00, 0xE0C1, 0, d, 1), 0);
	assert_int_equal(st_read(chip, 0xE0C1, 0, 1, &r), 0);
	assert_int_equal(r.data[0], 0x20);
	d[0] = 0x00;
	assert_int_equal(st_write(chip, 0x00, 0xE0C1, 0, d, 1), 0);
	assert_int_equal(st_read(chip, 0xE0C1, 0, 1, &r), 0);
	assert_int_equal(r.data[0], 0x00);
	/* current limit range 06..0F */
	d[0] = 0x10;
	assert_int_equal(st_write(chip, 0x00, 0xE0C4, 0, d, 1), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	sim_chip_free(&chip);
}

static void
test_last_error(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t bad[2] = { 0x12, 0x34 };

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* 0x08 then 0x01 (without MSB): the highest is kept */
	assert_int_equal(st_read(chip, 0xE0E2, 1728, 16, &r), 0xff);
	assert_int_equal(st_apdu(chip, 0x01, 0x00, bad, 2, &r), 0xff);
	assert_int_equal(st_error(chip), 0x08);
	/* reading cleared it */
	assert_int_equal(st_error(chip), 0x00);
	/* lower code first, then higher: still the highest */
	assert_int_equal(st_apdu(chip, 0x01, 0x00, bad, 2, &r), 0xff);
	assert_int_equal(st_read(chip, 0xE0F0, 0, 1, &r), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* an MSB command clears the code before it runs */
	assert_int_equal(st_apdu(chip, 0x01, 0x00, bad, 2, &r), 0xff);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 1, &r), 0);
	assert_int_equal(st_error(chip), 0x00);
	/* an MSB read of F1C2 clears it first, so reads 0 */
	assert_int_equal(st_apdu(chip, 0x01, 0x00, bad, 2, &r), 0xff);
	assert_int_equal(st_read(chip, 0xF1C2, 0, 1, &r), 0);
	assert_int_equal(r.len, 1);
	assert_int_equal(r.data[0], 0x00);
	sim_chip_free(&chip);
}

static void
test_command_rules(void **state)
{
	static const uint8_t aid[] = { 0xD2, 0x76, 0x00, 0x00, 0x04, 'G',
		'e', 'n', 'A', 'u', 't', 'h', 'A', 'p', 'p', 'l' };
	uint8_t apdu[2000], out[2000];
	struct sim_chip *chip;
	struct rsp r;
	uint8_t len[2] = { 0x00, 0x10 };
	size_t n;

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	/* before OpenApplication */
	assert_int_equal(st_apdu(chip, 0x8C, 0x00, len, 2, &r), 0xff);
	assert_string_equal(sim_chip_last_command(chip), "GetRandom");
	/* open without MSB so the code survives, then read it */
	assert_int_equal(st_apdu(chip, 0x70, 0x00, aid, 16, &r), 0);
	assert_int_equal(st_error(chip), 0x0C);
	/* unknown command, and one the emulator does not implement */
	assert_int_equal(st_apdu(chip, 0x7E, 0x00, NULL, 0, &r), 0xff);
	assert_string_equal(sim_chip_last_command(chip), "unknown");
	assert_int_equal(st_error(chip), 0x0A);
	assert_int_equal(st_apdu(chip, 0xB3, 0x01, NULL, 0, &r), 0xff);
	assert_int_equal(st_error(chip), 0x0A);
	/* bad param */
	assert_int_equal(st_apdu(chip, 0x81, 0x07, len, 2, &r), 0xff);
	assert_int_equal(st_error(chip), 0x03);
	/* InLen disagrees with the bytes sent */
	memcpy(apdu, "\x8C\x00\x00\x03\x00\x10", 6);
	n = sim_chip_execute(chip, apdu, 6, out, sizeof(out));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\xFF\x00\x00\x00", 4);
	assert_int_equal(st_error(chip), 0x04);
	/* longer than 1557 bytes */
	memset(apdu, 0, sizeof(apdu));
	memcpy(apdu, "\x82\x00\x06\x12\xF1\xE0\x00\x00", 8);
	n = sim_chip_execute(chip, apdu, 1558, out, sizeof(out));
	assert_int_equal(n, 4);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(st_error(chip), 0x04);
	/* too short for a header */
	n = sim_chip_execute(chip, apdu, 3, out, sizeof(out));
	assert_int_equal(out[0], 0xff);
	assert_int_equal(st_error(chip), 0x04);
	/* GetRandom bounds and output */
	assert_int_equal(st_apdu(chip, 0x8C, 0x00, len, 2, &r), 0);
	assert_int_equal(r.len, 16);
	len[1] = 7;
	assert_int_equal(st_apdu(chip, 0x8C, 0x00, len, 2, &r), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	/* close: every command but OpenApplication fails again */
	assert_int_equal(st_apdu(chip, 0xF1, 0x00, NULL, 0, &r), 0);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 1, &r), 0xff);
	/* reset closes too */
	st_open(chip);
	sim_chip_reset(chip);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 1, &r), 0xff);
	/* hibernate and restore with the handle */
	st_open(chip);
	assert_int_equal(st_apdu(chip, 0xF1, 0x01, NULL, 0, &r), 0);
	assert_int_equal(r.len, 8);
	memcpy(apdu, aid, 16);
	memcpy(apdu + 16, r.data, 8);
	apdu[16] ^= 1;
	assert_int_equal(st_apdu(chip, 0xF0, 0x01, apdu, 24, &r), 0xff);
	/* the right handle restores, once */
	st_open(chip);
	assert_int_equal(st_apdu(chip, 0xF1, 0x01, NULL, 0, &r), 0);
	memcpy(apdu + 16, r.data, 8);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 1, &r), 0xff);
	assert_int_equal(st_apdu(chip, 0xF0, 0x01, apdu, 24, &r), 0);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 1, &r), 0);
	assert_int_equal(st_apdu(chip, 0xF1, 0x00, NULL, 0, &r), 0);
	assert_int_equal(st_apdu(chip, 0xF0, 0x01, apdu, 24, &r), 0xff);
	sim_chip_free(&chip);
}

static void
test_metadata_rules(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t d[4] = { 9, 9, 9, 9 };

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* a partial update merges and comes back in ascending order */
	assert_int_equal(st_write_meta(chip, 0xF1D1, "2006D101FFD00100"), 0);
	meta_is(chip, 0xF1D1, "200FC00101C4018CC50164D00100D101FF");
	assert_int_equal(st_read(chip, 0xF1D1, 0, 4, &r), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* D0 NEV: writes refused from now on */
	assert_int_equal(st_write(chip, 0x00, 0xF1D1, 0, d, 4), 0);
	assert_int_equal(st_write_meta(chip, 0xF1D1, "2003D001FF"), 0);
	assert_int_equal(st_write(chip, 0x00, 0xF1D1, 0, d, 4), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* fixed and automatic tags */
	assert_int_equal(st_write_meta(chip, 0xF1D1, "2003C40110"), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	assert_int_equal(st_write_meta(chip, 0xF1D1, "2003C50110"), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* a malformed access condition */
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003D001FD"), 0xff);
	assert_int_equal(st_error(chip), 0x11);
	/* malformed container */
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2004D001"), 0xff);
	assert_int_equal(st_error(chip), 0x05);

	/* LcsO forward only; other tags frozen from op on */
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003C00103"), 0);
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003C00101"), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003C00107"), 0);
	/* LcsO < op no longer holds: data and metadata locked */
	assert_int_equal(st_write(chip, 0x00, 0xF1D2, 0, d, 4), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003D00100"), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003C00103"), 0xff);
	assert_int_equal(st_write_meta(chip, 0xF1D2, "2003C0010F"), 0);
	meta_is(chip, 0xF1D2, "2011C0010FC4018CC50164D003E1FC07D10100");
	/* objects without C0 can never change their metadata */
	assert_int_equal(st_write_meta(chip, 0xE0C3, "2003D001FF"), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* longer than the chip's 44 bytes */
	assert_int_equal(st_write_meta(chip, 0xF1D3,
	    "2021D11F" "E1FC07FDE1FC07FDE1FC07FDE1FC07FDE1FC07FDE1FC07FD"
	    "E1FC07FEE1FC07"), 0xff);
	assert_int_equal(st_error(chip), 0x09);
	sim_chip_free(&chip);
}

static void
test_counter(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t thr[8] = { 0, 0, 0, 1, 0, 0, 0, 3 };
	uint8_t one = 1, five = 5;

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	assert_int_equal(st_write(chip, 0x40, 0xE120, 0, thr, 8), 0);
	assert_int_equal(st_write(chip, 0x02, 0xE120, 0, &one, 1), 0);
	assert_int_equal(st_read(chip, 0xE120, 0, 8, &r), 0);
	assert_int_equal(r.data[3], 2);
	assert_int_equal(st_write(chip, 0x02, 0xE120, 0, &five, 1), 0);
	assert_int_equal(st_read(chip, 0xE120, 0, 8, &r), 0);
	assert_int_equal(r.data[3], 3);
	assert_int_equal(st_write(chip, 0x02, 0xE120, 0, &one, 1), 0xff);
	assert_int_equal(st_error(chip), 0x0E);
	/* not a counter */
	assert_int_equal(st_write(chip, 0x02, 0xF1D0, 0, &one, 1), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	sim_chip_free(&chip);
}

static void
test_hash(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t in[300], md[32];
	unsigned int mdlen;
	const char *msg = "abcdefghijklmnopqrstuvwxyz";

	(void)state;
	EVP_Digest(msg, 26, md, &mdlen, EVP_sha256(), NULL);
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* continue without start */
	memcpy(in, "\x02\x00\x03" "abc", 6);
	assert_int_equal(st_apdu(chip, 0xB0, 0xE2, in, 6, &r), 0xff);
	assert_int_equal(st_error(chip), 0x0B);
	/* start, continue, final */
	memcpy(in, "\x00\x00\x0A" "abcdefghij", 13);
	assert_int_equal(st_apdu(chip, 0xB0, 0xE2, in, 13, &r), 0);
	assert_int_equal(r.len, 0);
	memcpy(in, "\x02\x00\x0A" "klmnopqrst", 13);
	assert_int_equal(st_apdu(chip, 0xB0, 0xE2, in, 13, &r), 0);
	memcpy(in, "\x03\x00\x06" "uvwxyz", 9);
	assert_int_equal(st_apdu(chip, 0xB0, 0xE2, in, 9, &r), 0);
	assert_int_equal(r.len, 35);
	assert_memory_equal(r.data, "\x01\x00\x20", 3);
	assert_memory_equal(r.data + 3, md, 32);
	/* start & final in one */
	memcpy(in, "\x01\x00\x1A", 3);
	memcpy(in + 3, msg, 26);
	assert_int_equal(st_apdu(chip, 0xB0, 0xE2, in, 29, &r), 0);
	assert_memory_equal(r.data + 3, md, 32);
	/* context export is not emulated */
	memcpy(in, "\x00\x00\x01" "a" "\x07\x00\x00", 7);
	assert_int_equal(st_apdu(chip, 0xB0, 0xE2, in, 7, &r), 0xff);
	assert_int_equal(st_error(chip), 0x25);
	/* wrong param */
	assert_int_equal(st_apdu(chip, 0xB0, 0xE3, in, 4, &r), 0xff);
	assert_int_equal(st_error(chip), 0x03);
	sim_chip_free(&chip);
}

static void
test_persistence(void **state)
{
	struct sim_chip *chip, *other = NULL;
	struct rsp r;
	uint8_t uid[27], pat[1500];
	struct stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i ^ 0x5a);
	chip = st_load(SIM_TRUST_M3);
	assert_int_equal(stat(st_path(), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	st_open(chip);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 27, &r), 0);
	memcpy(uid, r.data, 27);
	assert_int_equal(st_write(chip, 0x40, 0xF1E0, 0, pat, 1500), 0);
	assert_int_equal(st_write_meta(chip, 0xF1D5, "2003D101FF"), 0);
	sim_chip_free(&chip);

	/* another product on the same file is refused */
	assert_int_not_equal(sim_chip_load(st_path(), SIM_TRUST_X, &other),
	    0);
	assert_null(other);

	chip = st_load(SIM_TRUST_M3);
	/* RAM state is not kept: the application is closed again */
	assert_int_equal(st_read(chip, 0xE0C2, 0, 27, &r), 0xff);
	st_open(chip);
	assert_int_equal(st_read(chip, 0xE0C2, 0, 27, &r), 0);
	assert_memory_equal(r.data, uid, 27);
	assert_int_equal(st_read(chip, 0xF1E0, 0, 1500, &r), 0);
	assert_int_equal(r.len, 1500);
	assert_memory_equal(r.data, pat, 1500);
	meta_is(chip, 0xF1D5, "2011C00101C4018CC50164D003E1FC07D101FF");
	assert_int_equal(stat(st_path(), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	sim_chip_free(&chip);
}

static void
test_damaged_file(void **state)
{
	struct sim_chip *chip = NULL;
	FILE *f;

	(void)state;
	chip = st_load(SIM_TRUST_M1);
	sim_chip_free(&chip);
	/* flip one byte in the middle */
	assert_non_null(f = fopen(st_path(), "r+b"));
	assert_int_equal(fseek(f, 2000, SEEK_SET), 0);
	assert_int_equal(fputc(0x55 ^ 0xff, f), 0x55 ^ 0xff);
	fclose(f);
	assert_int_not_equal(sim_chip_load(st_path(), SIM_TRUST_M1, &chip),
	    0);
	assert_null(chip);
}

static void
test_timing(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t d[256] = { 0 };

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	assert_int_equal(st_read(chip, 0xF1E0, 0, 256, &r), 0);
	/* SRM 30 and 55 ms per 256 B, less ~7 ms of bus time each */
	assert_int_equal(sim_chip_last_exec_us(chip), 23000);
	assert_int_equal(st_write(chip, 0x00, 0xF1E0, 0, d, 256), 0);
	assert_int_equal(sim_chip_last_exec_us(chip), 48000);
	assert_string_equal(sim_chip_last_command(chip), "SetDataObject");
	sim_chip_free(&chip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		ST_TEST(test_uid),
		ST_TEST(test_factory_metadata),
		ST_TEST(test_product_maps),
		ST_TEST(test_factory_certificate),
		ST_TEST(test_write_bounds),
		ST_TEST(test_used_length),
		ST_TEST(test_access),
		ST_TEST(test_last_error),
		ST_TEST(test_command_rules),
		ST_TEST(test_metadata_rules),
		ST_TEST(test_counter),
		ST_TEST(test_hash),
		ST_TEST(test_persistence),
		ST_TEST(test_damaged_file),
		ST_TEST(test_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
