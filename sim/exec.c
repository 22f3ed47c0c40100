/*
 * Hand-over from the link side to the chip side: one reassembled APDU
 * in, its response out, and the seam where the presentation layer goes.
 */
#include <string.h>

#include "util/log.h"

#include "dev.h"

#define MOD "sim-exec"

/* SCTR values (fact sheet 4.1) */
#define SIM_SCTR_PLAIN		0x20	/* record, nothing protected */
#define SIM_SCTR_ALERT_FATAL	0x40

/* The chip's general failure response: Sta FF, OutLen 0. */
static const uint8_t rsp_failure[] = { 0xff, 0x00, 0x00, 0x00 };

static size_t
exec_chip(struct sim_dev *dev, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap)
{
	size_t n;

	op_log_hex(OP_LOG_TRACE, MOD, "APDU in", apdu, len);
	n = sim_chip_execute(dev->chip, apdu, len, rsp, cap);
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
		n = exec_chip(dev, tl->in, tl->in_len, rsp, SIM_APDU_MAX);
	} else {
		/*
		 * PRESENCE: an SCTR byte leads the APDU.  With no session,
		 * SCTR 20 (nothing protected) is allowed and answered inside
		 * a plain record (fact sheet 4.6).
		 * XXX: no handshake, protected records or context
		 * management yet; any other SCTR gets a fatal alert, which
		 * ends the host's attempt at a shielded connection.
		 */
		dev->prl_used = true;
		flags = SIM_PCTR_PRESENCE;
		if (dev->opts.product == SIM_TRUST_X || tl->in_len < 1 ||
		    tl->in[0] != SIM_SCTR_PLAIN) {
			OP_WARN(MOD, "presentation layer message SCTR 0x%02x "
			    "not supported; fatal alert", tl->in_len ?
			    tl->in[0] : 0);
			rsp[0] = SIM_SCTR_ALERT_FATAL;
			sim_tl_set_response(tl, rsp, 1, flags, max_packet);
			sim_stats_name(&dev->stats, "PresentationLayer");
			return;
		}
		rsp[0] = SIM_SCTR_PLAIN;
		n = 1 + exec_chip(dev, tl->in + 1, tl->in_len - 1, rsp + 1,
		    SIM_APDU_MAX);
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
