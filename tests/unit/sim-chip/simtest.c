#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "codec/tlv.h"
#include "simtest.h"
#include "util/err.h"
#include "util/hex.h"

static char dir[PATH_MAX];
static char path[PATH_MAX];

void
st_setup(void)
{
	snprintf(dir, sizeof(dir), "%s/simchip-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/chip.state", dir);
}

int
st_fixture_setup(void **state)
{
	(void)state;
	st_setup();

	return 0;
}

int
st_fixture_teardown(void **state)
{
	(void)state;
	st_teardown();

	return 0;
}

void
st_teardown(void)
{
	char f[PATH_MAX * 2];
	struct dirent *e;
	DIR *d;

	/* the state file and any temporary left by a killed writer */
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(f, sizeof(f), "%s/%s", dir, e->d_name);
		assert_int_equal(unlink(f), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

const char *
st_path(void)
{
	return path;
}

struct sim_chip *
st_load(enum sim_product p)
{
	struct sim_chip *chip = NULL;

	if (sim_chip_load(path, p, &chip) != 0)
		fail_msg("sim_chip_load: %s", op_errmsg());
	assert_non_null(chip);

	return chip;
}

int
st_apdu(struct sim_chip *chip, uint8_t cmd, uint8_t param,
    const uint8_t *in, size_t inlen, struct rsp *r)
{
	uint8_t apdu[APDU_MAX_LEN + 16];
	uint8_t out[APDU_MAX_LEN];
	size_t n;

	assert_true(inlen + 4 <= sizeof(apdu));
	apdu[0] = cmd;
	apdu[1] = param;
	apdu[2] = (uint8_t)(inlen >> 8);
	apdu[3] = (uint8_t)inlen;
	if (inlen > 0)
		memcpy(apdu + 4, in, inlen);
	n = sim_chip_execute(chip, apdu, inlen + 4, out, sizeof(out));
	assert_true(n >= 4);
	assert_int_equal(out[1], 0x00);
	assert_int_equal(rd16(out + 2), n - 4);
	r->sta = out[0];
	r->len = n - 4;
	memcpy(r->data, out + 4, r->len);
	if (r->sta == 0xff)
		assert_int_equal(n, 4);

	return r->sta;
}

void
st_open(struct sim_chip *chip)
{
	static const uint8_t aid[] = { 0xD2, 0x76, 0x00, 0x00, 0x04, 'G',
		'e', 'n', 'A', 'u', 't', 'h', 'A', 'p', 'p', 'l' };
	struct rsp r;

	assert_int_equal(st_apdu(chip, 0xF0, 0x00, aid, sizeof(aid), &r), 0);
	assert_int_equal(r.len, 0);
}

uint8_t
st_error(struct sim_chip *chip)
{
	static const uint8_t in[] = { 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01 };
	struct rsp r;

	/* without the MSB, which would clear the code first */
	assert_int_equal(st_apdu(chip, 0x01, 0x00, in, sizeof(in), &r), 0);
	assert_int_equal(r.len, 1);

	return r.data[0];
}

int
st_read(struct sim_chip *chip, uint16_t oid, uint16_t off, uint16_t len,
    struct rsp *r)
{
	uint8_t in[6] = { (uint8_t)(oid >> 8), (uint8_t)oid,
		(uint8_t)(off >> 8), (uint8_t)off, (uint8_t)(len >> 8),
		(uint8_t)len };

	return st_apdu(chip, 0x81, 0x00, in, sizeof(in), r);
}

int
st_read_meta(struct sim_chip *chip, uint16_t oid, struct rsp *r)
{
	uint8_t in[2] = { (uint8_t)(oid >> 8), (uint8_t)oid };

	return st_apdu(chip, 0x81, 0x01, in, sizeof(in), r);
}

int
st_write(struct sim_chip *chip, uint8_t param, uint16_t oid, uint16_t off,
    const uint8_t *d, size_t n)
{
	uint8_t in[APDU_MAX_LEN];
	struct rsp r;

	assert_true(n + 4 <= sizeof(in));
	in[0] = (uint8_t)(oid >> 8);
	in[1] = (uint8_t)oid;
	in[2] = (uint8_t)(off >> 8);
	in[3] = (uint8_t)off;
	if (n > 0)
		memcpy(in + 4, d, n);

	return st_apdu(chip, 0x82, param, in, n + 4, &r);
}

size_t
st_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n;

	assert_int_equal(op_hex_decode(hex, out, cap, &n), 0);

	return n;
}

int
st_write_meta(struct sim_chip *chip, uint16_t oid, const char *hex)
{
	uint8_t m[80];
	size_t n = st_unhex(hex, m, sizeof(m));

	return st_write(chip, 0x01, oid, 0, m, n);
}
