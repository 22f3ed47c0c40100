#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec/frame.h"
#include "fakebus.h"
#include "util/err.h"

struct fake_bus fake;

static const char *
hex(const uint8_t *b, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x ", b[i]);
	if (len > 0 && o + 4 >= cap)
		snprintf(out + cap - 4, 4, "...");

	return out;
}

static int
fake_op_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
	struct fake_step *st;
	char h1[200], h2[200];

	(void)ctx;
	assert_int_equal(addr, BUS_ADDR_DEFAULT);
	for (;;) {
		if (fake.pos >= fake.n)
			fail_msg("write %s after the end of the script",
			    hex(buf, len, h1, sizeof(h1)));
		st = &fake.steps[fake.pos];
		if (st->kind != FAKE_IDLE_ANY)
			break;
		if (len == 1 && buf[0] == 0x82) {
			fake.idle_read_next = true;
			fake.idle_polls++;
			return 0;
		}
		fake.pos++;
	}

	if (st->kind != FAKE_WRITE)
		fail_msg("step %zu: expected a read of %zu bytes, got write %s",
		    fake.pos, st->len, hex(buf, len, h1, sizeof(h1)));
	if (len != st->len || memcmp(buf, st->b, len) != 0)
		fail_msg("step %zu: wrote %s\nexpected %s", fake.pos,
		    hex(buf, len, h1, sizeof(h1)),
		    hex(st->b, st->len, h2, sizeof(h2)));
	fake.pos++;

	if (st->rc == 0 && len > 4 && buf[0] == 0x80 && buf[1] < 0x80 &&
	    fake.n_data < sizeof(fake.data_len) / sizeof(fake.data_len[0])) {
		fake.data_len[fake.n_data] = len - 1;
		fake.data_pctr[fake.n_data] = len > 4 ? buf[4] : 0;
		fake.n_data++;
	}

	return st->rc;
}

static int
fake_op_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
	static const uint8_t idle[4] = { 0x08, 0x80, 0x00, 0x00 };
	struct fake_step *st;

	(void)ctx;
	assert_int_equal(addr, BUS_ADDR_DEFAULT);
	if (fake.idle_read_next) {
		fake.idle_read_next = false;
		assert_int_equal(len, 4);
		memcpy(buf, idle, 4);
		return 0;
	}
	if (fake.pos >= fake.n)
		fail_msg("read of %zu bytes after the end of the script", len);
	st = &fake.steps[fake.pos];
	if (st->kind != FAKE_READ)
		fail_msg("step %zu: unexpected read of %zu bytes", fake.pos,
		    len);
	if (len != st->len)
		fail_msg("step %zu: read of %zu bytes, expected %zu", fake.pos,
		    len, st->len);
	memcpy(buf, st->b, len);
	fake.pos++;

	return st->rc;
}

static int
fake_op_set_clock(void *ctx, unsigned khz)
{
	(void)ctx;
	assert_true(fake.n_clocks < 8);
	fake.clocks[fake.n_clocks++] = khz;

	return 0;
}

static void
fake_op_close(void *ctx)
{
	(void)ctx;
}

static const struct bus_ops fake_ops = {
	.write = fake_op_write,
	.read = fake_op_read,
	.set_clock = fake_op_set_clock,
	.close = fake_op_close,
};

void
fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	op_err_clear();
}

struct bus *
fake_bus_new(size_t max_xfer)
{
	struct bus *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	b->ops = &fake_ops;
	b->addr = BUS_ADDR_DEFAULT;
	b->max_xfer = max_xfer;
	snprintf(b->name, sizeof(b->name), "fake:");

	return b;
}

void
fake_done(void)
{
	/* trailing idle polls are fine */
	while (fake.pos < fake.n && fake.steps[fake.pos].kind ==
	    FAKE_IDLE_ANY)
		fake.pos++;
	if (fake.pos != fake.n)
		fail_msg("script stopped at step %zu of %zu", fake.pos,
		    fake.n);
}

static struct fake_step *
fake_add(enum fake_kind kind, const uint8_t *b, size_t len, int rc)
{
	struct fake_step *st;

	assert_true(fake.n < FAKE_STEPS_MAX);
	assert_true(len <= FAKE_BYTES_MAX);
	st = &fake.steps[fake.n++];
	st->kind = kind;
	if (len > 0)
		memcpy(st->b, b, len);
	st->len = len;
	st->rc = rc;

	return st;
}

void
fake_write(const uint8_t *b, size_t len, int rc)
{
	fake_add(FAKE_WRITE, b, len, rc);
}

void
fake_read(const uint8_t *b, size_t len, int rc)
{
	fake_add(FAKE_READ, b, len, rc);
}

void
fake_idle_any(void)
{
	fake_add(FAKE_IDLE_ANY, NULL, 0, 0);
}

void
fake_state(uint8_t b0, uint16_t len)
{
	static const uint8_t reg = 0x82;
	uint8_t st[4] = { b0, 0x80, (uint8_t)(len >> 8), (uint8_t)len };

	fake_write(&reg, 1, 0);
	fake_read(st, 4, 0);
}

void
fake_host_frame(uint8_t fctr, const uint8_t *pkt, size_t len)
{
	uint8_t buf[FAKE_BYTES_MAX];
	size_t n;

	buf[0] = 0x80;
	n = ifx_frame_encode(buf + 1, sizeof(buf) - 1, fctr, pkt, len);
	assert_int_not_equal(n, 0);
	fake_write(buf, n + 1, 0);
}

void
fake_host_ctrl(uint8_t fctr)
{
	fake_host_frame(fctr, NULL, 0);
}

void
fake_chip_bytes(const uint8_t *frame, size_t len)
{
	static const uint8_t reg = 0x80;

	/* BUSY stays set while only a control frame is ready */
	fake_state(len == 5 ? 0xC8 : 0x48, (uint16_t)len);
	fake_write(&reg, 1, 0);
	fake_read(frame, len, 0);
}

void
fake_chip_frame(uint8_t fctr, const uint8_t *pkt, size_t len)
{
	uint8_t buf[FAKE_BYTES_MAX];
	size_t n = ifx_frame_encode(buf, sizeof(buf), fctr, pkt, len);

	assert_int_not_equal(n, 0);
	fake_chip_bytes(buf, n);
}

void
fake_chip_ctrl(uint8_t fctr)
{
	fake_chip_frame(fctr, NULL, 0);
}

void
fake_open_none(unsigned frame_size)
{
	static const uint8_t r84 = 0x84, r81 = 0x81;
	static const uint8_t scl[4] = { 0x00, 0x00, 0x01, 0x90 };
	uint8_t len[3] = { 0x81, (uint8_t)(frame_size >> 8),
	    (uint8_t)frame_size };

	fake_host_ctrl(IFX_FCTR_RESYNC);
	fake_write(&r84, 1, 0);
	fake_read(scl, 4, 0);
	fake_write(len, 3, 0);
	fake_write(&r81, 1, 0);
	fake_read(len + 1, 2, 0);
}
