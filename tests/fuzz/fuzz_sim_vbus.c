/*
 * Fuzz target: optiga-sim as a client drives it, a stream of virtual bus
 * requests (docs/virtual-bus.md) through the same parser and handler the
 * server runs, into the register file, the device-side data link and
 * transport, and the chip side.  The chip is loaded once from a scratch
 * state file; the sim's clock is virtual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#include "dev.h"
#include "vbus.h"

#include "fuzz.h"

static uint64_t
vnow(void *ctx)
{
	(void)ctx;

	return op_now_us();
}

static void
vsleep(void *ctx, uint64_t us)
{
	(void)ctx;
	op_sleep_us(us);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_chip *chip;
	static struct sim_dev *dev;
	static uint8_t out[SIM_VBUS_RSP_MAX];
	struct sim_vbus_req req;
	struct sim_opts opts;
	size_t used;
	char path[512];

	if (chip == NULL) {
		op_log_set_level(OP_LOG_ERROR);
		snprintf(path, sizeof(path), "%s/vbus.state", fuzz_tmpdir());
		if (sim_chip_load(path, SIM_TRUST_M3, &chip) != 0 ||
		    (dev = calloc(1, sizeof(*dev))) == NULL)
			abort();
	}
	sim_opts_default(&opts);
	/* the first byte picks the timing model */
	if (size > 0) {
		opts.realtime = (data[0] & 1) != 0;
		opts.nack_busy = (data[0] & 2) != 0;
		data++;
		size--;
	}
	opts.clock.now_us = vnow;
	opts.clock.sleep_us = vsleep;
	sim_dev_init(dev, &opts, chip);

	while (size > 0 && (used = sim_vbus_parse(data, size, &req)) != 0) {
		size_t n = sim_vbus_handle(dev, &req, out, sizeof(out));

		if (n < 3 || n > sizeof(out))
			abort();
		data += used;
		size -= used;
	}
	op_err_clear();

	return 0;
}
