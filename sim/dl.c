/*
 * Data link layer, device side: the emulator rules of fact sheet 2.7.
 *
 * The chip cannot start a transfer; "sending" a frame means offering it
 * in DATA (RESP_RDY and LENGTH in I2C_STATE) until the host reads it.  A
 * control frame waiting in DATA goes first, then our data frame, which
 * stays stored until the host acknowledges it.
 */
#include <string.h>

#include "codec/frame.h"
#include "util/log.h"

#include "dev.h"

#define MOD "sim-dl"

void
sim_dl_reset(struct sim_dev *dev)
{
	struct sim_dl *dl = &dev->dl;

	/* Reset state: both counters 3, so the first frames are number 0. */
	memset(dl, 0, sizeof(*dl));
	dl->rx_last = 3;
	dl->tx_last = 3;
	dl->tx = SIM_TX_NONE;
}

static void
dl_control(struct sim_dev *dev, uint8_t fctr)
{
	struct sim_dl *dl = &dev->dl;

	ifx_frame_encode(dl->ctl, sizeof(dl->ctl), fctr, NULL, 0);
	dl->ctl_ready = true;
	OP_TRACE(MOD, "offer control 0x%02x", fctr);
}

static uint8_t
dl_tx_frnr(const struct sim_dl *dl)
{
	return (dl->frame[0] >> 2) & 3;
}

/* Frame the transport's current packet as our next data frame. */
static void
dl_offer_packet(struct sim_dev *dev)
{
	struct sim_dl *dl = &dev->dl;
	uint8_t pkt[SIM_FRAME_MAX];
	size_t n;
	uint8_t frnr = (dl->tx_last + 1) & 3;

	n = sim_tl_packet(&dev->tl, pkt, sizeof(pkt) - IFX_FRAME_OVERHEAD);
	dl->frame_len = ifx_frame_encode(dl->frame, sizeof(dl->frame),
	    ifx_fctr_data(frnr, dl->rx_last), pkt, n);
	if (n == 0 || dl->frame_len == 0) {
		/* Cannot happen: packets are cut to the frame size. */
		OP_WARN(MOD, "packet of %zu bytes does not fit a frame", n);
		dl->tx = SIM_TX_NONE;
		return;
	}
	dl->tx_last = frnr;
	dl->tx = SIM_TX_READY;
	op_log_hex(OP_LOG_TRACE, MOD, "offer frame", dl->frame,
	    dl->frame_len);
}

/* The host acknowledged frame n (control ACK or a data frame's ACKNR). */
static void
dl_acked(struct sim_dev *dev, uint8_t n)
{
	struct sim_dl *dl = &dev->dl;

	/* An ACK for a frame already acknowledged is ignored [SPEC 3-3]. */
	if (dl->tx == SIM_TX_NONE || n != dl_tx_frnr(dl)) {
		OP_DEBUG(MOD, "ACK %u ignored (nothing outstanding with that "
		    "number)", n);
		return;
	}
	if (sim_tl_last_packet(&dev->tl)) {
		dl->tx = SIM_TX_NONE;
		sim_stats_end(&dev->stats);
		return;
	}
	dev->tl.out_frag++;
	dl_offer_packet(dev);
}

static void
dl_nak(struct sim_dev *dev, uint8_t n)
{
	struct sim_dl *dl = &dev->dl;

	if (dl->tx == SIM_TX_NONE || n != dl_tx_frnr(dl)) {
		OP_DEBUG(MOD, "NAK %u ignored (nothing outstanding with that "
		    "number)", n);
		return;
	}
	dl->tx = SIM_TX_READY;
}

static void
dl_resync(struct sim_dev *dev)
{
	OP_DEBUG(MOD, "RESYNC: counters back to 3/3, chains dropped");
	sim_stats_abort(&dev->stats);
	sim_dl_reset(dev);
	dev->tl.chain_open = false;
	dev->tl.in_len = 0;
	dev->tl.out_valid = false;
}

/* A data frame whose number is not the one expected: re-ACK only. */
static void
dl_unexpected(struct sim_dev *dev, const struct ifx_frame *f)
{
	struct sim_dl *dl = &dev->dl;

	OP_DEBUG(MOD, "frame %u again (expected %u): re-ACK, not executed",
	    f->frnr, (dl->rx_last + 1) & 3);
	/*
	 * Our stored data frame carries ACKNR = last good frame, so
	 * offering it again is the re-ACK and the response at once.
	 * While the chip is busy it cannot be offered yet, and with no
	 * frame outstanding there is only the ACK to give.
	 */
	if (dl->tx == SIM_TX_NONE || sim_dev_busy(dev))
		dl_control(dev, ifx_fctr_ack(dl->rx_last));
	if (dl->tx != SIM_TX_NONE)
		dl->tx = SIM_TX_READY;
}

static void
dl_accept(struct sim_dev *dev, const struct ifx_frame *f)
{
	struct sim_dl *dl = &dev->dl;
	size_t max_packet = dev->regs.data_reg_len - IFX_FRAME_OVERHEAD;
	bool chain_error_pkt = (f->packet[0] & SIM_PCTR_CHAIN_MASK) ==
	    SIM_CHAIN_ERROR;

	/*
	 * A new data frame means the host has moved on: whatever we still
	 * offered is dropped (in stop-and-wait it was acknowledged, by
	 * ACKNR or an earlier control frame).
	 */
	dl->rx_last = f->frnr;
	dl->ctl_ready = false;
	dl->tx = SIM_TX_NONE;
	if (!dev->tl.chain_open && !chain_error_pkt)
		sim_stats_begin(&dev->stats);

	switch (sim_tl_receive(&dev->tl, f->packet, f->packet_len,
	    max_packet)) {
	case SIM_TL_MORE:
		dl_control(dev, ifx_fctr_ack(dl->rx_last));
		break;
	case SIM_TL_APDU:
		sim_exec_apdu(dev);
		/*
		 * Fact sheet 1.8 (2): a command that takes longer than the
		 * host's ACK wait gets an ACK control frame now and its
		 * response later; a fast one gets the response with the ACK
		 * piggybacked.
		 */
		if (dev->opts.realtime && dev->busy_until >
		    sim_dev_now(dev) + SIM_PIGGYBACK_MAX_US)
			dl_control(dev, ifx_fctr_ack(dl->rx_last));
		dl_offer_packet(dev);
		break;
	case SIM_TL_CHAIN_ERROR:
		sim_tl_set_chain_error(&dev->tl);
		dl_offer_packet(dev);
		break;
	case SIM_TL_RESEND:
		if (!dev->tl.out_valid) {
			dl_control(dev, ifx_fctr_ack(dl->rx_last));
			break;
		}
		OP_DEBUG(MOD, "host reports a broken chain: resending the "
		    "response from its first packet");
		dev->tl.out_frag = 0;
		dl_offer_packet(dev);
		break;
	}
}

uint8_t
sim_dl_receive(struct sim_dev *dev, const uint8_t *buf, size_t len)
{
	struct sim_dl *dl = &dev->dl;
	struct ifx_frame f;
	enum ifx_frame_status st;

	op_log_hex(OP_LOG_TRACE, MOD, "frame in", buf, len);

	/* Receive-buffer overflow: NACK the byte past DATA_REG_LEN, NAK. */
	if (len > dev->regs.data_reg_len) {
		OP_DEBUG(MOD, "frame of %zu bytes, DATA_REG_LEN is %u", len,
		    dev->regs.data_reg_len);
		dl_control(dev, ifx_fctr_nak(dl->rx_last + 1));
		return SIM_ST_NACK_DATA;
	}

	/* A control frame of the wrong size is discarded silently. */
	if ((buf[0] & IFX_FCTR_CONTROL) != 0 && len != IFX_FRAME_OVERHEAD) {
		OP_DEBUG(MOD, "control frame of %zu bytes discarded", len);
		return SIM_ST_ACK;
	}

	if ((st = ifx_frame_decode(buf, len, &f)) != IFX_FRAME_OK) {
		OP_DEBUG(MOD, "bad frame (%s): NAK %u",
		    ifx_frame_status_str(st), (dl->rx_last + 1) & 3);
		dl_control(dev, ifx_fctr_nak(dl->rx_last + 1));
		return SIM_ST_ACK;
	}

	if (f.control) {
		switch (f.seqctr) {
		case IFX_SEQCTR_ACK:
			dl_acked(dev, f.acknr);
			break;
		case IFX_SEQCTR_NAK:
			dl_nak(dev, f.acknr);
			break;
		case IFX_SEQCTR_RESYNC:
			dl_resync(dev);
			break;
		}
		return SIM_ST_ACK;
	}

	if (f.frnr != ((dl->rx_last + 1) & 3)) {
		dl_unexpected(dev, &f);
		return SIM_ST_ACK;
	}

	/*
	 * XXX: a new command while the previous one still executes (the
	 * host ignored BUSY) is dropped unanswered; the real chip NACKs its
	 * address then.  The host retransmits and finally RESYNCs.
	 */
	if (sim_dev_busy(dev)) {
		OP_DEBUG(MOD, "frame %u while busy: dropped", f.frnr);
		return SIM_ST_ACK;
	}

	/*
	 * The ACKNR of a new data frame is not checked: in stop-and-wait
	 * the host has received what we sent before it sends again.  So
	 * the host's first FCTR may be 0x03 ([M]) or 0x00 ([Z]), conflict
	 * #3 of the fact sheet.
	 */
	dl_accept(dev, &f);

	return SIM_ST_ACK;
}

/* Our data frame may be read now (not while busy; again after a NAK or
 * TRANS_TIMEOUT without an ACK). */
static bool
dl_offerable(struct sim_dev *dev)
{
	struct sim_dl *dl = &dev->dl;

	if (dl->tx == SIM_TX_NONE || sim_dev_busy(dev))
		return false;
	if (dl->tx == SIM_TX_SENT &&
	    sim_dev_now(dev) - dl->sent_at < SIM_TRANS_TIMEOUT_US)
		return false;

	return true;
}

size_t
sim_dl_pending(struct sim_dev *dev)
{
	if (dev->dl.ctl_ready)
		return IFX_FRAME_OVERHEAD;
	if (dl_offerable(dev))
		return dev->dl.frame_len;

	return 0;
}

void
sim_dl_read(struct sim_dev *dev, uint8_t *out, size_t len)
{
	struct sim_dl *dl = &dev->dl;

	/* Nothing pending reads as 0xFF (conflict #12); out is prefilled. */
	if (dl->ctl_ready) {
		memcpy(out, dl->ctl, len < sizeof(dl->ctl) ? len :
		    sizeof(dl->ctl));
		dl->ctl_ready = false;
		return;
	}
	if (dl_offerable(dev)) {
		memcpy(out, dl->frame, len < dl->frame_len ? len :
		    dl->frame_len);
		dl->tx = SIM_TX_SENT;
		dl->sent_at = sim_dev_now(dev);
	}
}
