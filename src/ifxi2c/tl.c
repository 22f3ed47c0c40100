/*
 * IFX I2C network and transport layers, host side (fact sheet 3): one
 * channel, and chaining of a unit longer than one packet into full-size
 * first and intermediate packets and a last one.  The unit is an APDU,
 * or the presentation layer's record once one sits above (then
 * c->presence is set and the PRESENCE bit travels in PCTR).
 */
#include <string.h>

#include "codec/frame.h"
#include "ifxi2c/ifxi2c_int.h"
#include "util/err.h"
#include "util/log.h"

#define MOD "tl"

/* APDU bytes per packet: the frame minus its overhead and PCTR. */
static size_t
tl_chunk_max(const struct ifxi2c *c)
{
	return c->frame_size - IFX_FRAME_OVERHEAD - 1;
}

static bool
tl_is_chain_error(const uint8_t *pkt, size_t len)
{
	return len == 1 && (pkt[0] & TL_CHAIN_MASK) == TL_CHAIN_ERROR;
}

static uint8_t
tl_chain_of(size_t i, size_t n)
{
	if (n == 1)
		return TL_CHAIN_SINGLE;
	if (i == 0)
		return TL_CHAIN_FIRST;

	return i == n - 1 ? TL_CHAIN_LAST : TL_CHAIN_INTER;
}

/*
 * Send sdu as one packet or a chain.  The chip ACKs every packet but the
 * last; a data packet in place of an ACK can only be its chaining error,
 * which sets *chain_err.
 */
static int
tl_send(struct ifxi2c *c, const uint8_t *sdu, size_t len, bool *chain_err,
    op_deadline_t dl)
{
	uint8_t pkt[IFXI2C_PACKET_MAX];
	size_t max = tl_chunk_max(c);
	size_t n = (len + max - 1) / max;
	size_t off = 0, chunk;
	int r;

	*chain_err = false;
	for (size_t i = 0; i < n; i++, off += chunk) {
		chunk = len - off < max ? len - off : max;
		/* The vendor sets PRESENCE on every packet; receivers look
		 * only at the first. */
		pkt[0] = tl_chain_of(i, n) | (c->presence ? TL_PCTR_PRESENCE :
		    0);
		memcpy(pkt + 1, sdu + off, chunk);
		if ((r = dl_transmit(c, pkt, chunk + 1, dl)) != 0)
			return op_errctx(r, "transport: packet %zu of %zu",
			    i + 1, n);

		if (i == n - 1 || !c->has_pending)
			continue;
		if (tl_is_chain_error(c->pending, c->pending_len)) {
			OP_DEBUG(MOD, "chaining error from the chip after "
			    "packet %zu of %zu", i + 1, n);
			c->has_pending = false;
			*chain_err = true;
			return 0;
		}
		return op_err(OP_RC(OP_LAYER_TL, OP_E_PROTOCOL), "transport: "
		    "the chip answered packet %zu of %zu with a data packet "
		    "(PCTR %02x, %zu bytes) instead of an acknowledgement",
		    i + 1, n, c->pending[0], c->pending_len);
	}

	return 0;
}

/* Is a packet with this chain field and size the right one now? */
static bool
tl_chain_ok(const struct ifxi2c *c, uint8_t chain, size_t n, bool in_chain)
{
	size_t full = c->frame_size - IFX_FRAME_OVERHEAD;

	switch (chain) {
	case TL_CHAIN_SINGLE:
		return !in_chain;
	case TL_CHAIN_FIRST:
		return !in_chain && n == full;
	case TL_CHAIN_INTER:
		return in_chain && n == full;
	case TL_CHAIN_LAST:
		return in_chain;
	default:
		return false;
	}
}

static int
tl_check_pctr(const struct ifxi2c *c, uint8_t pctr, bool in_chain)
{
	uint8_t want = c->presence ? TL_PCTR_PRESENCE : 0;

	if ((pctr & TL_PCTR_CHAN_MASK) != 0)
		return op_err(OP_RC(OP_LAYER_TL, OP_E_PROTOCOL), "transport: "
		    "packet for network channel %u (PCTR %02x); only channel "
		    "0 exists", pctr >> 4, pctr);
	if (!in_chain && (pctr & TL_PCTR_PRESENCE) != want)
		return op_err(OP_RC(OP_LAYER_TL, OP_E_PROTOCOL), "transport: "
		    "PCTR %02x %s the presentation-layer bit, but the "
		    "connection is %s", pctr, want ? "lacks" : "has",
		    want ? "shielded" : "not shielded");

	return 0;
}

/*
 * Receive the answer into rsp.  A broken chain is answered with one
 * chaining-error packet, after which the chip sends the whole answer
 * again; a second broken chain fails.  A lone chaining-error packet from
 * the chip (it refused our chain) sets *chain_err.
 */
static int
tl_recv(struct ifxi2c *c, uint8_t *rsp, size_t cap, size_t *rsp_len,
    bool *chain_err, op_deadline_t dl)
{
	static const uint8_t err_pkt[1] = { TL_CHAIN_ERROR };
	uint8_t pkt[IFXI2C_PACKET_MAX];
	bool in_chain = false, sent_err = false;
	size_t n, off = 0;
	uint8_t chain;
	int r;

	*chain_err = false;
	for (;;) {
		if ((r = dl_receive(c, pkt, sizeof(pkt), &n, dl)) != 0)
			return op_errctx(r, "transport: receiving packet %s",
			    in_chain ? "of a chain" : "1");
		chain = pkt[0] & TL_CHAIN_MASK;
		if (!in_chain && tl_is_chain_error(pkt, n)) {
			*chain_err = true;
			return 0;
		}
		if ((r = tl_check_pctr(c, pkt[0], in_chain)) != 0)
			return r;

		if (!tl_chain_ok(c, chain, n, in_chain)) {
			if (sent_err)
				return op_err(OP_RC(OP_LAYER_TL,
				    OP_E_PROTOCOL), "transport: the chip's "
				    "answer broke its chain again (PCTR %02x, "
				    "%zu bytes, %zu received)", pkt[0], n, off);
			OP_DEBUG(MOD, "broken chain (PCTR %02x, %zu bytes): "
			    "asking for the whole answer again", pkt[0], n);
			sent_err = true;
			in_chain = false;
			off = 0;
			if ((r = dl_transmit(c, err_pkt, sizeof(err_pkt),
			    dl)) != 0)
				return op_errctx(r, "transport: sending a "
				    "chaining error");
			continue;
		}

		if (n - 1 > cap - off)
			return op_err(OP_RC(OP_LAYER_TL, OP_E_RANGE),
			    "transport: answer longer than the %zu bytes "
			    "expected", cap);
		memcpy(rsp + off, pkt + 1, n - 1);
		off += n - 1;
		if (chain == TL_CHAIN_SINGLE || chain == TL_CHAIN_LAST)
			break;
		in_chain = true;
	}

	*rsp_len = off;

	return 0;
}

int
tl_transceive(struct ifxi2c *c, const uint8_t *sdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t dl)
{
	bool chain_err, restarted = false;
	int r;

	for (;;) {
		if ((r = tl_send(c, sdu, len, &chain_err, dl)) != 0)
			return r;
		if (!chain_err && (r = tl_recv(c, rsp, cap, rsp_len,
		    &chain_err, dl)) != 0)
			return r;
		if (!chain_err)
			return 0;

		/* The vendor resends the whole unit once, then gives up. */
		if (restarted)
			return op_err(OP_RC(OP_LAYER_TL, OP_E_PROTOCOL),
			    "transport: the chip reported a chaining error "
			    "again after the %zu-byte command was resent", len);
		OP_DEBUG(MOD, "chaining error from the chip: resending the "
		    "%zu-byte command", len);
		restarted = true;
	}
}
