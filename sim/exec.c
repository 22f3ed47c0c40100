/*
 * Hand-over from the link side to the chip side: one reassembled APDU
 * in, its response out; units with PRESENCE go through prl.c.
 */
#include <string.h>

#include "util/log.h"

#include "dev.h"
#include "prl.h"

#define MOD "sim-exec"

/* The chip's general failure response: Sta FF, OutLen 0. */
static const uint8_t rsp_failure[] = { 0xff, 0x00, 0x00, 0x00 };

size_t
sim_exec_chip(struct sim_dev *dev, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap)
{
	size_t n;

	op_log_hex(OP_LOG_TRACE, MOD, "APDU in", apdu, len);
	/* --faults: a power cut before the commit runs nothing */
	n = sim_fault_before_exec(dev->fault, apdu, len) ? 0 :
	    sim_chip_execute(dev->chip, apdu, len, rsp, cap);
	if (n == 0 || n > cap) {
		OP_WARN(MOD, "chip side returned %zu bytes for a %zu-byte "
		    "APDU; answering a failure", n, len);
		memcpy(rsp, rsp_failure, sizeof(rsp_failure));
		n = sizeof(rsp_failure);
	}
	op_log_hex(OP_LOG_TRACE, MOD, "APDU out", rsp, n);

	return n;
}

void
sim_exec_apdu(struct sim_dev *dev)
{
	struct sim_tl *tl = &dev->tl;
	uint8_t rsp[SIM_RSP_MAX];
	size_t max_packet = dev->regs.data_reg_len - IFX_FRAME_OVERHEAD;
	size_t n;
	uint8_t flags = 0;
	const char *name;
	uint64_t exec_us;

	if (!tl->in_presence) {
		n = sim_exec_chip(dev, tl->in, tl->in_len, rsp, SIM_APDU_MAX);
	} else {
		/*
		 * PRESENCE: an SCTR byte leads the unit (prl.c).  The first
		 * one since a reset finds no session from before it.
		 */
		if (!dev->prl_used)
			sim_prl_reset(&dev->prl);
		dev->prl_used = true;
		flags = SIM_PCTR_PRESENCE;
		n = sim_prl_handle(dev, tl->in, tl->in_len, rsp, sizeof(rsp));
		if ((rsp[0] & 0xE0) != 0x20) {
			/* handshake or alert: nothing was executed */
			sim_tl_set_response(tl, rsp, n, flags, max_packet);
			sim_stats_name(&dev->stats, "PresentationLayer");
			return;
		}
	}

	name = sim_chip_last_command(dev->chip);
	sim_stats_name(&dev->stats, name);
	OP_DEBUG(MOD, "%s: %zu bytes in, %zu out", name ? name : "?",
	    tl->in_len, n);

	if (dev->opts.realtime) {
		uint64_t now = sim_dev_now(dev);

		exec_us = sim_chip_last_exec_us(dev->chip);
		dev->busy_until = now + exec_us;
		if (dev->opts.nack_busy)
			dev->nack_until = now + (exec_us < SIM_NACK_MAX_US ?
			    exec_us : SIM_NACK_MAX_US);
	}

	sim_tl_set_response(tl, rsp, n, flags, max_packet);
}
