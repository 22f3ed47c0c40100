/*
 * perso_meta_locked(): which metadata make an object unchangeable for
 * good (fact sheet 7; docs/lock.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "perso/perso.h"

static bool
locked(const char *what, const uint8_t *meta, size_t len)
{
	struct chip_meta m;

	assert_int_equal(chip_meta_parse(meta, len, &m), 0);
	(void)what;

	return perso_meta_locked(&m);
}

#define LOCKED(m)	locked(#m, m, sizeof(m))

static void
test_factory(void **state)
{
	/* fresh slots (fact sheet 6): LcsO cr, change LcsO < op */
	static const uint8_t cert[] = { 0x20, 0x0f, 0xC0, 0x01, 0x01, 0xC4,
	    0x02, 0x06, 0xC0, 0xD0, 0x03, 0xE1, 0xFC, 0x07, 0xD1, 0x01, 0x00 };
	static const uint8_t key[] = { 0x20, 0x0b, 0xC0, 0x01, 0x01, 0xD0,
	    0x03, 0xE1, 0xFC, 0x07, 0xD3, 0x01, 0x00 };
	/* the factory key: change NEV, but metadata still open (LcsO cr) */
	static const uint8_t e0f0[] = { 0x20, 0x09, 0xC0, 0x01, 0x01, 0xD0,
	    0x01, 0xFF, 0xD3, 0x01, 0x00 };

	assert_false(LOCKED(cert));
	assert_false(LOCKED(key));
	assert_false(LOCKED(e0f0));
}

static void
test_operational(void **state)
{
	/* after the lock: LcsO op with LcsO < op, or NEV, or no D0 */
	static const uint8_t lt_op[] = { 0x20, 0x08, 0xC0, 0x01, 0x07, 0xD0,
	    0x03, 0xE1, 0xFC, 0x07 };
	static const uint8_t nev[] = { 0x20, 0x06, 0xC0, 0x01, 0x07, 0xD0,
	    0x01, 0xFF };
	static const uint8_t no_d0[] = { 0x20, 0x03, 0xC0, 0x01, 0x07 };
	static const uint8_t te[] = { 0x20, 0x08, 0xC0, 0x01, 0x0F, 0xD0,
	    0x03, 0xE1, 0xFC, 0x07 };
	/* no C0 at all: operational, metadata frozen; D0 NEV (the UID) */
	static const uint8_t uid[] = { 0x20, 0x06, 0xC4, 0x01, 0x1B, 0xD0,
	    0x01, 0xFF };
	/* LcsO == cr: false from op on */
	static const uint8_t eq_cr[] = { 0x20, 0x08, 0xC0, 0x01, 0x07, 0xD0,
	    0x03, 0xE1, 0xFA, 0x01 };
	/* both OR branches dead */
	static const uint8_t or_dead[] = { 0x20, 0x0c, 0xC0, 0x01, 0x07,
	    0xD0, 0x07, 0xE1, 0xFC, 0x07, 0xFE, 0xE1, 0xFC, 0x03 };
	/* an AND with one dead condition is dead */
	static const uint8_t and_dead[] = { 0x20, 0x0c, 0xC0, 0x01, 0x07,
	    0xD0, 0x07, 0x20, 0xE1, 0x40, 0xFD, 0xE1, 0xFC, 0x07 };

	assert_true(LOCKED(lt_op));
	assert_true(LOCKED(nev));
	assert_true(LOCKED(no_d0));
	assert_true(LOCKED(te));
	assert_true(LOCKED(uid));
	assert_true(LOCKED(eq_cr));
	assert_true(LOCKED(or_dead));
	assert_true(LOCKED(and_dead));
}

static void
test_still_open(void **state)
{
	/* operational, but the change condition can still hold */
	static const uint8_t alw[] = { 0x20, 0x06, 0xC0, 0x01, 0x07, 0xD0,
	    0x01, 0x00 };
	/* E140's: LcsO < op OR Conf(E140): the shielded connection can */
	static const uint8_t conf[] = { 0x20, 0x0c, 0xC0, 0x01, 0x07, 0xD0,
	    0x07, 0xE1, 0xFC, 0x07, 0xFE, 0x20, 0xE1, 0x40 };
	/* LcsO < te holds at op; LcsO > op holds at te; == te too */
	static const uint8_t lt_te[] = { 0x20, 0x08, 0xC0, 0x01, 0x07, 0xD0,
	    0x03, 0xE1, 0xFC, 0x0F };
	static const uint8_t gt_op[] = { 0x20, 0x08, 0xC0, 0x01, 0x07, 0xD0,
	    0x03, 0xE1, 0xFB, 0x07 };
	static const uint8_t eq_te[] = { 0x20, 0x08, 0xC0, 0x01, 0x07, 0xD0,
	    0x03, 0xE1, 0xFA, 0x0F };
	/* LcsA is not the object's life cycle */
	static const uint8_t lcsa[] = { 0x20, 0x08, 0xC0, 0x01, 0x07, 0xD0,
	    0x03, 0xE0, 0xFC, 0x07 };
	/* LcsO in: "< op" still holds */
	static const uint8_t in[] = { 0x20, 0x08, 0xC0, 0x01, 0x03, 0xD0,
	    0x03, 0xE1, 0xFC, 0x07 };

	assert_false(LOCKED(alw));
	assert_false(LOCKED(conf));
	assert_false(LOCKED(lt_te));
	assert_false(LOCKED(gt_op));
	assert_false(LOCKED(eq_te));
	assert_false(LOCKED(lcsa));
	assert_false(LOCKED(in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factory),
		cmocka_unit_test(test_operational),
		cmocka_unit_test(test_still_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
