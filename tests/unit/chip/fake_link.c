/*
 * The fake link and its chip model.  It implements just enough of
 * GetDataObject, SetDataObject and the last-error rule (fact sheet 5.2)
 * to check what the chip layer sends.
 */
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "codec/tlv.h"
#include "ifxi2c/ifxi2c.h"
#include "util/err.h"
#include "fake_link.h"

struct fake_chip fake;

struct ifxi2c {
	int dummy;
};

void
fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

struct fake_obj *
fake_add_obj(uint16_t oid, size_t max, bool r, bool w)
{
	struct fake_obj *o = &fake.obj[fake.nobj++];

	o->oid = oid;
	o->max = max;
	o->readable = r;
	o->writable = w;

	return o;
}

void
fake_canned(const uint8_t *out, size_t len)
{
	memcpy(fake.canned, out, len);
	fake.canned_len = len;
}

static struct fake_obj *
find(uint16_t oid)
{
	for (size_t i = 0; i < fake.nobj; i++)
		if (fake.obj[i].oid == oid)
			return &fake.obj[i];

	return NULL;
}

static size_t
fail(uint8_t code, uint8_t *rsp)
{
	/* the highest code is kept until read (5.2) */
	if (code > fake.last_error)
		fake.last_error = code;
	memcpy(rsp, "\xff\x00\x00\x00", 4);

	return 4;
}

static size_t
ok(uint8_t *rsp, const uint8_t *out, size_t n)
{
	rsp[0] = 0;
	rsp[1] = 0;
	rsp[2] = (uint8_t)(n >> 8);
	rsp[3] = (uint8_t)n;
	if (n > 0)
		memcpy(rsp + 4, out, n);

	return 4 + n;
}

static size_t
get_data(const uint8_t *in, size_t inlen, uint8_t param, uint8_t *rsp)
{
	struct fake_obj *o;
	size_t off, len;
	uint8_t meta[16];

	if (inlen < 2 || (o = find(rd16(in))) == NULL)
		return fail(0x01, rsp);
	if (param == 0x01) {
		/* C4 max, C5 used, both 2 bytes */
		memcpy(meta, "\x20\x08\xC4\x02\x00\x00\xC5\x02\x00\x00", 10);
		meta[4] = (uint8_t)(o->max >> 8);
		meta[5] = (uint8_t)o->max;
		meta[8] = (uint8_t)(o->used >> 8);
		meta[9] = (uint8_t)o->used;
		return ok(rsp, meta, 10);
	}
	if (!o->readable)
		return fail(0x07, rsp);
	if (inlen != 6)
		return fail(0x04, rsp);
	off = rd16(in + 2);
	len = rd16(in + 4);
	if (off >= o->used)
		return fail(0x08, rsp);
	if (len > o->used - off)
		len = o->used - off;
	if (len > 1553)
		return fail(0x0D, rsp);

	return ok(rsp, o->data + off, len);
}

static size_t
set_data(const uint8_t *in, size_t inlen, uint8_t param, uint8_t *rsp)
{
	struct fake_obj *o;
	size_t off, n;

	if (inlen < 4 || (o = find(rd16(in))) == NULL)
		return fail(0x01, rsp);
	if (!o->writable)
		return fail(0x07, rsp);
	off = rd16(in + 2);
	n = inlen - 4;
	if (off + n > o->max)
		return fail(0x08, rsp);
	if (param == 0x40) {
		memset(o->data, 0, sizeof(o->data));
		o->used = off + n;
	} else if (off + n > o->used) {
		o->used = off + n;
	}
	memcpy(o->data + off, in + 4, n);

	return ok(rsp, NULL, 0);
}

static size_t
execute(const uint8_t *a, size_t len, uint8_t *rsp)
{
	uint8_t cmd = a[0];
	uint8_t code;

	if (len < 4 || rd16(a + 2) != len - 4)
		return fail(0x04, rsp);

	/* the error-code read must come without the MSB (5.2) */
	if (cmd == 0x01 && len == 10 && rd16(a + 4) == 0xF1C2) {
		code = fake.last_error;
		fake.last_error = 0;
		return ok(rsp, &code, 1);
	}
	if (cmd & 0x80)
		fake.last_error = 0;

	switch (cmd & 0x7f) {
	case 0x01:
		return get_data(a + 4, len - 4, a[1], rsp);
	case 0x02:
		return set_data(a + 4, len - 4, a[1], rsp);
	case 0x70:
		return ok(rsp, NULL, 0);
	default:
		if (fake.canned_len == 0)
			return fail(0x0A, rsp);
		return ok(rsp, fake.canned, fake.canned_len);
	}
}

int
bus_open(const char *uri, struct bus **out)
{
	*out = calloc(1, sizeof(**out));

	return 0;
}

void
bus_close(struct bus **bus)
{
	free(*bus);
	*bus = NULL;
}

int
ifxi2c_open(struct bus *bus, const struct ifxi2c_cfg *cfg,
    struct ifxi2c **out)
{
	bus_close(&bus);
	*out = calloc(1, sizeof(**out));

	return 0;
}

void
ifxi2c_close(struct ifxi2c **ctx)
{
	free(*ctx);
	*ctx = NULL;
}

int
ifxi2c_transceive(struct ifxi2c *ctx, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t deadline)
{
	if (fake.n < FAKE_LOG_MAX && len <= FAKE_APDU_MAX) {
		fake.log[fake.n].len = len;
		memcpy(fake.log[fake.n].b, apdu, len);
		fake.n++;
	}
	*rsp_len = execute(apdu, len, rsp);

	return 0;
}

unsigned
ifxi2c_frame_size(const struct ifxi2c *ctx)
{
	return 277;
}

void
ifxi2c_get_stats(const struct ifxi2c *ctx, struct ifxi2c_stats *st)
{
	memset(st, 0, sizeof(*st));
}

/* The fake link has no presentation layer. */
bool
ifxi2c_shielded(const struct ifxi2c *ctx)
{
	return false;
}

int
ifxi2c_secret_load(const char *path, uint8_t out[IFXI2C_SECRET_LEN])
{
	memset(out, 0, IFXI2C_SECRET_LEN);

	return op_err(OP_RC(OP_LAYER_PRL, OP_E_UNSUPPORTED), "the fake link "
	    "has no shielded connection (%s)", path);
}
