/*
 * Fuzz target: the host's IFX I2C stack (physical layer, data link,
 * transport) against a chip that answers with the fuzzer's bytes.  Every
 * read transaction (I2C_STATE, DATA, negotiation registers) takes its
 * bytes from the input in turn; a first byte of 0xFF..0xFE in the input
 * stream's status byte NACKs the address.  Writes are acknowledged.  The
 * clock is virtual, so retries and timeouts cost nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "codec/tlv.h"
#include "ifxi2c/ifxi2c.h"
#include "util/err.h"

#include "fuzz.h"

struct feed {
	const uint8_t *p;
	size_t left;
};

static int
feed_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)addr;
	(void)buf;
	(void)len;

	return 0;
}

/* status byte: bit 7 set NACKs; else the read's bytes follow */
static int
feed_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
	struct feed *f = ctx;
	size_t n;

	(void)addr;
	if (f->left == 0)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "input used up");
	f->left--;
	if (*f->p++ & 0x80)
		return OP_RC(OP_LAYER_BUS, OP_E_NACK);

	n = len < f->left ? len : f->left;
	memcpy(buf, f->p, n);
	memset(buf + n, 0xff, len - n);
	f->p += n;
	f->left -= n;

	return 0;
}

static int
feed_reset(void *ctx, enum bus_reset kind)
{
	(void)ctx;
	(void)kind;

	return 0;
}

static void
feed_close(void *ctx)
{
	(void)ctx;
}

static const struct bus_ops feed_ops = {
	.write = feed_write,
	.read = feed_read,
	.reset = feed_reset,
	.close = feed_close,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* GetDataObject of the UID, then one long enough to chain */
	static const uint8_t get_uid[] = {
		0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x1B
	};
	uint8_t big[600];
	uint8_t rsp[APDU_MAX_LEN];
	struct ifxi2c_cfg cfg = { .reset = IFXI2C_RESET_NONE };
	struct feed f = { data, size };
	struct ifxi2c *c = NULL;
	struct bus *bus;
	size_t n;

	fuzz_clock_reset();
	if ((bus = calloc(1, sizeof(*bus))) == NULL)
		return 0;
	bus->ops = &feed_ops;
	bus->ctx = &f;
	bus->addr = BUS_ADDR_DEFAULT;
	strcpy(bus->name, "fuzz:");

	/* the link owns the bus, also when opening fails */
	if (ifxi2c_open(bus, &cfg, &c) != 0)
		goto out;
	(void)ifxi2c_transceive(c, get_uid, sizeof(get_uid), rsp, sizeof(rsp),
	    &n, op_deadline_in_ms(2000));
	memset(big, 0x5a, sizeof(big));
	big[0] = 0x82;
	big[2] = (uint8_t)((sizeof(big) - 4) >> 8);
	big[3] = (uint8_t)(sizeof(big) - 4);
	(void)ifxi2c_transceive(c, big, sizeof(big), rsp, sizeof(rsp), &n,
	    op_deadline_in_ms(2000));
	(void)ifxi2c_reset(c, IFXI2C_RESET_SOFT);
out:
	ifxi2c_close(&c);
	op_err_clear();

	return 0;
}
