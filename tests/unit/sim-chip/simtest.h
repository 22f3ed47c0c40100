/*
 * Helpers for the APDU-level tests of the emulated chip: a temporary
 * state file and one-call APDU exchanges.
 */
#ifndef OP_TEST_SIMTEST_H
#define OP_TEST_SIMTEST_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct rsp {
	uint8_t sta;
	size_t len;
	uint8_t data[1600];
};

/* A fresh temporary directory; st_path() names the state file in it. */
void st_setup(void);
void st_teardown(void);
const char *st_path(void);

/* The same as cmocka fixtures: a fresh directory for each test. */
int st_fixture_setup(void **state);
int st_fixture_teardown(void **state);
#define ST_TEST(f)							\
	cmocka_unit_test_setup_teardown(f, st_fixture_setup,		\
	    st_fixture_teardown)

struct sim_chip *st_load(enum sim_product p);
void st_open(struct sim_chip *chip);

/* Execute Cmd Param InData; fills r and returns Sta. */
int st_apdu(struct sim_chip *chip, uint8_t cmd, uint8_t param,
    const uint8_t *in, size_t inlen, struct rsp *r);
/* Sta 0xFF expected; returns the code read from F1C2. */
uint8_t st_error(struct sim_chip *chip);

int st_read(struct sim_chip *chip, uint16_t oid, uint16_t off,
    uint16_t len, struct rsp *r);
int st_read_meta(struct sim_chip *chip, uint16_t oid, struct rsp *r);
int st_write(struct sim_chip *chip, uint8_t param, uint16_t oid,
    uint16_t off, const uint8_t *d, size_t n);
int st_write_meta(struct sim_chip *chip, uint16_t oid, const char *hex);
size_t st_unhex(const char *hex, uint8_t *out, size_t cap);

#endif
