/*
 * IFX I2C data link, host side (fact sheet 2.6): numbered data frames,
 * stop-and-wait with ACK/NAK control frames or piggybacked responses,
 * retransmission after TRANS_TIMEOUT, RESYNC after DL_TRANS_REPEAT
 * retransmissions.
 */
#include <string.h>

#include "codec/fcs.h"
#include "codec/frame.h"
#include "codec/tlv.h"
#include "ifxi2c/ifxi2c_int.h"
#include "util/err.h"
#include "util/log.h"

#define MOD "dl"

enum dl_event {
	DL_EV_NONE,	/* frame discarded (or answered): keep waiting */
	DL_EV_ACK,	/* our frame was acknowledged */
	DL_EV_RESEND,	/* the chip wants our frame again */
	DL_EV_DATA,	/* a new data frame was accepted, ACKed, queued */
	DL_EV_RESYNC	/* the chip reset the frame counters */
};

static void
dl_trace(struct ifxi2c *c, const char *what, const uint8_t *f, size_t len)
{
	if (!op_log_enabled(OP_LOG_TRACE))
		return;
	/* Redacted: FCTR and LEN only, never the packet. */
	op_log_hex(OP_LOG_TRACE, MOD, what, f, c->redact && len > 3 ? 3 : len);
}

void
dl_init(struct ifxi2c *c)
{
	c->tx_seq = 3;
	c->rx_seq = 3;
	c->tx_frame_len = 0;
	c->has_pending = false;
}

static int
dl_send_control(struct ifxi2c *c, uint8_t fctr, op_deadline_t dl)
{
	uint8_t f[IFX_FRAME_OVERHEAD];
	size_t n = ifx_frame_encode(f, sizeof(f), fctr, NULL, 0);

	dl_trace(c, "tx", f, n);

	return pl_frame_write(c, f, n, dl);
}

static int
dl_send_nak(struct ifxi2c *c, op_deadline_t dl)
{
	c->st.naks_sent++;

	return dl_send_control(c, ifx_fctr_nak(c->rx_seq + 1), dl);
}

static int
dl_send_resync(struct ifxi2c *c, op_deadline_t dl)
{
	c->st.resyncs++;
	c->tx_seq = 3;
	c->rx_seq = 3;

	return dl_send_control(c, IFX_FCTR_RESYNC, dl);
}

void
dl_resync(struct ifxi2c *c, op_deadline_t dl)
{
	c->has_pending = false;
	if (dl_send_resync(c, dl) != 0)
		OP_DEBUG(MOD, "RESYNC not sent: %s", op_errmsg());
}

/* Stamp the current FRNR/ACKNR on the saved frame and refresh its FCS. */
static void
dl_stamp(struct ifxi2c *c)
{
	size_t n = c->tx_frame_len;
	uint16_t fcs;

	c->tx_frame[0] = ifx_fctr_data(c->tx_seq, c->rx_seq);
	fcs = ifx_fcs(c->tx_frame, n - 2);
	c->tx_frame[n - 2] = (uint8_t)(fcs >> 8);
	c->tx_frame[n - 1] = (uint8_t)fcs;
}

static int
dl_send_frame(struct ifxi2c *c, op_deadline_t dl)
{
	dl_stamp(c);
	dl_trace(c, "tx", c->tx_frame, c->tx_frame_len);

	return pl_frame_write(c, c->tx_frame, c->tx_frame_len, dl);
}

/*
 * A control frame.  While transmitting: RESYNC is ignored (it is tested
 * first, before the FCS, as the vendor does), a bad FCS asks for a
 * resend, a malformed one or one about another frame is dropped, then
 * NAK or ACK.  While only receiving, RESYNC is the one that counts.
 */
static enum dl_event
dl_on_control(struct ifxi2c *c, const uint8_t *buf, size_t len, bool tx)
{
	struct ifx_frame f;
	enum ifx_frame_status s;

	if (tx && buf[0] == IFX_FCTR_RESYNC)
		return DL_EV_NONE;
	if (ifx_fcs(buf, len - 2) != rd16(buf + len - 2)) {
		OP_DEBUG(MOD, "control frame %02x: bad FCS", buf[0]);
		return tx ? DL_EV_RESEND : DL_EV_NONE;
	}
	if ((s = ifx_frame_decode(buf, len, &f)) != IFX_FRAME_OK) {
		OP_DEBUG(MOD, "control frame %02x dropped: %s", buf[0],
		    ifx_frame_status_str(s));
		return DL_EV_NONE;
	}

	if (!tx)
		return f.seqctr == IFX_SEQCTR_RESYNC ? DL_EV_RESYNC :
		    DL_EV_NONE;
	if (f.acknr != c->tx_seq) {
		OP_DEBUG(MOD, "control frame %02x is about frame %u, not %u: "
		    "dropped", f.fctr, f.acknr, c->tx_seq);
		return DL_EV_NONE;
	}

	return f.seqctr == IFX_SEQCTR_NAK ? DL_EV_RESEND : DL_EV_ACK;
}

/*
 * A data frame: NAK it if damaged, re-ACK a repeat of the last good one
 * (our ACK was lost), drop one that acknowledges another frame, honour a
 * NAK riding on it, else accept it, ACK it and queue its packet.
 */
static int
dl_on_data(struct ifxi2c *c, const uint8_t *buf, size_t len,
    enum dl_event *ev, op_deadline_t dl)
{
	struct ifx_frame f;
	enum ifx_frame_status s;
	uint8_t next = (uint8_t)((c->rx_seq + 1) & 3);

	*ev = DL_EV_NONE;
	if ((s = ifx_frame_decode(buf, len, &f)) != IFX_FRAME_OK) {
		OP_DEBUG(MOD, "data frame %02x (%zu bytes): %s: NAK", buf[0],
		    len, ifx_frame_status_str(s));
		return dl_send_nak(c, dl);
	}
	if (f.frnr != next) {
		OP_DEBUG(MOD, "data frame %u again (expected %u): re-ACK",
		    f.frnr, next);
		return dl_send_control(c, ifx_fctr_ack(c->rx_seq), dl);
	}
	if (f.acknr != c->tx_seq) {
		OP_DEBUG(MOD, "data frame %u acknowledges frame %u, not %u: "
		    "dropped", f.frnr, f.acknr, c->tx_seq);
		return 0;
	}
	if (f.seqctr == IFX_SEQCTR_NAK) {
		*ev = DL_EV_RESEND;
		return 0;
	}

	c->rx_seq = f.frnr;
	memcpy(c->pending, f.packet, f.packet_len);
	c->pending_len = f.packet_len;
	c->has_pending = true;
	*ev = DL_EV_DATA;

	return dl_send_control(c, ifx_fctr_ack(c->rx_seq), dl);
}

static int
dl_on_frame(struct ifxi2c *c, const uint8_t *buf, size_t len, bool tx,
    enum dl_event *ev, op_deadline_t dl)
{
	dl_trace(c, "rx", buf, len);
	*ev = DL_EV_NONE;

	if (len < IFX_FRAME_OVERHEAD) {
		OP_DEBUG(MOD, "frame of %zu bytes: NAK", len);
		return dl_send_nak(c, dl);
	}
	if ((buf[0] & IFX_FCTR_CONTROL) != 0) {
		*ev = dl_on_control(c, buf, len, tx);
		return 0;
	}

	return dl_on_data(c, buf, len, ev, dl);
}

/* Wait for the answer to the frame just written, until until_us. */
static int
dl_wait_ack(struct ifxi2c *c, uint64_t until_us, enum dl_event *ev,
    op_deadline_t dl)
{
	size_t n;
	int r;

	for (;;) {
		if ((r = pl_frame_poll(c, c->rx_frame, &n, until_us, dl)) != 0)
			return r;
		if (n == 0) {
			*ev = DL_EV_NONE;	/* timer ran out */
			return 0;
		}
		if ((r = dl_on_frame(c, c->rx_frame, n, true, ev, dl)) != 0)
			return r;
		if (*ev != DL_EV_NONE)
			return 0;
	}
}

int
dl_transmit(struct ifxi2c *c, const uint8_t *pkt, size_t len,
    op_deadline_t dl)
{
	unsigned repeats = 0;
	enum dl_event ev;
	int r;

	if (len == 0 || len > c->frame_size - IFX_FRAME_OVERHEAD)
		return op_err(OP_RC(OP_LAYER_DL, OP_E_INTERNAL), "data link: "
		    "packet of %zu bytes does not fit a %u-byte frame", len,
		    c->frame_size);
	if (c->has_pending)
		OP_DEBUG(MOD, "unread packet of %zu bytes dropped",
		    c->pending_len);
	c->has_pending = false;

	c->tx_seq = (uint8_t)((c->tx_seq + 1) & 3);
	c->tx_frame_len = ifx_frame_encode(c->tx_frame, sizeof(c->tx_frame),
	    0, pkt, len);

	for (;;) {
		if ((r = dl_send_frame(c, dl)) != 0 ||
		    (r = dl_wait_ack(c, op_now_us() + DL_ACK_TIMEOUT_US, &ev,
		    dl)) != 0)
			return op_errctx(r, "data link: frame %u", c->tx_seq);
		if (ev == DL_EV_ACK || ev == DL_EV_DATA)
			return 0;

		if (op_deadline_passed(dl))
			return op_err(OP_RC(OP_LAYER_DL, OP_E_TIMEOUT), "data "
			    "link: frame %u (%zu bytes) not acknowledged "
			    "before the deadline (%u retransmissions since "
			    "the last resync)", c->tx_seq, len, repeats);

		/* no answer, a NAK or a damaged control frame */
		if (repeats < DL_TRANS_REPEAT) {
			repeats++;
			c->st.retransmits++;
			OP_DEBUG(MOD, "frame %u: %s, retransmission %u",
			    c->tx_seq, ev == DL_EV_RESEND ? "NAK" : "timeout",
			    repeats);
			continue;
		}
		OP_DEBUG(MOD, "frame %u: %u retransmissions failed: RESYNC",
		    c->tx_seq, repeats);
		if ((r = dl_send_resync(c, dl)) != 0)
			return op_errctx(r, "data link: sending RESYNC");
		c->tx_seq = 0;
		repeats = 0;
	}
}

int
dl_receive(struct ifxi2c *c, uint8_t *pkt, size_t cap, size_t *len,
    op_deadline_t dl)
{
	enum dl_event ev;
	unsigned idle = 0;
	size_t n;
	int r;

	while (!c->has_pending) {
		if ((r = pl_frame_poll(c, c->rx_frame, &n, op_now_us() +
		    DL_IDLE_US, dl)) != 0)
			return op_errctx(r, "data link: waiting for frame %u",
			    (c->rx_seq + 1) & 3);
		if (n == 0 && op_deadline_passed(dl))
			return op_err(OP_RC(OP_LAYER_DL, OP_E_TIMEOUT), "data "
			    "link: no frame %u from the chip before the "
			    "deadline", (c->rx_seq + 1) & 3);
		/*
		 * A chip that is not BUSY and offers nothing has no answer
		 * for us: it reset after it acknowledged our frame, or lost
		 * it.  Sending the frame again is safe (a chip that has it
		 * answers a repeat without executing it again, fact sheet
		 * 2.7); after DL_TRANS_REPEAT tries the link is reported
		 * broken, and the chip layer recovers it.  A BUSY chip is
		 * left to work as long as the deadline allows.
		 */
		if (n == 0) {
			if (c->busy || c->tx_frame_len == 0)
				continue;
			if (idle++ == DL_TRANS_REPEAT)
				return op_err(OP_RC(OP_LAYER_DL,
				    OP_E_PROTOCOL), "data link: the chip is "
				    "idle and offers no frame %u after %u "
				    "repeats of frame %u (did it reset?)",
				    (c->rx_seq + 1) & 3, DL_TRANS_REPEAT,
				    c->tx_seq);
			c->st.retransmits++;
			OP_DEBUG(MOD, "chip idle without an answer: frame %u "
			    "again", c->tx_seq);
			if ((r = dl_send_frame(c, dl)) != 0)
				return op_errctx(r, "data link: resending "
				    "frame %u", c->tx_seq);
			continue;
		}
		if ((r = dl_on_frame(c, c->rx_frame, n, false, &ev, dl)) != 0)
			return op_errctx(r, "data link: answering frame "
			    "%02x", c->rx_frame[0]);

		if (ev == DL_EV_RESYNC) {
			c->tx_seq = 3;
			c->rx_seq = 3;
			return op_err(OP_RC(OP_LAYER_DL, OP_E_PROTOCOL), "data "
			    "link: the chip resynchronised the link while we "
			    "waited for its answer");
		}
		if (ev == DL_EV_RESEND && c->tx_frame_len != 0) {
			c->st.retransmits++;
			if ((r = dl_send_frame(c, dl)) != 0)
				return op_errctx(r, "data link: resending "
				    "frame %u", c->tx_seq);
		}
	}

	if (c->pending_len > cap)
		return op_err(OP_RC(OP_LAYER_DL, OP_E_RANGE), "data link: "
		    "packet of %zu bytes, room for %zu", c->pending_len, cap);
	memcpy(pkt, c->pending, c->pending_len);
	*len = c->pending_len;
	c->has_pending = false;

	return 0;
}
