/*
 * Transport layer, device side: chaining rules of fact sheet section 3.2.
 */
#include <string.h>

#include "util/log.h"

#include "tl.h"

#define MOD "sim-tl"

void
sim_tl_reset(struct sim_tl *tl)
{
	memset(tl, 0, sizeof(*tl));
}

static enum sim_tl_event
tl_broken(struct sim_tl *tl, const char *why, uint8_t pctr, size_t len)
{
	OP_DEBUG(MOD, "chaining error: %s (PCTR 0x%02x, %zu bytes)", why,
	    pctr, len);
	tl->chain_open = false;
	tl->in_len = 0;

	return SIM_TL_CHAIN_ERROR;
}

static bool
tl_append(struct sim_tl *tl, const uint8_t *p, size_t n)
{
	/* SCTR, SEQ and tag come on top of an APDU with PRESENCE */
	size_t max = tl->in_presence ? sizeof(tl->in) : SIM_APDU_MAX;

	if (n > max - tl->in_len)
		return false;
	memcpy(tl->in + tl->in_len, p, n);
	tl->in_len += n;

	return true;
}

/* A first or single packet starts a new APDU: the old response is gone. */
static void
tl_start(struct sim_tl *tl, uint8_t pctr)
{
	tl->in_len = 0;
	tl->in_presence = (pctr & SIM_PCTR_PRESENCE) != 0;
	tl->out_valid = false;
}

enum sim_tl_event
sim_tl_receive(struct sim_tl *tl, const uint8_t *pkt, size_t len,
    size_t max_packet)
{
	uint8_t pctr;

	if (len == 0)
		return tl_broken(tl, "empty packet", 0, len);
	pctr = pkt[0];

	/*
	 * [inferred] Only network channel 0 exists (MAX_NET_CHAN = 1); a
	 * packet for another channel is answered as a broken packet.
	 */
	if ((pctr & SIM_PCTR_CHAN_MASK) != 0)
		return tl_broken(tl, "channel other than 0", pctr, len);

	switch (pctr & SIM_PCTR_CHAIN_MASK) {
	case SIM_CHAIN_ERROR:
		/* The host saw our chain broken: drop its partial APDU too. */
		tl->chain_open = false;
		tl->in_len = 0;
		return SIM_TL_RESEND;
	case SIM_CHAIN_SINGLE:
		if (tl->chain_open)
			return tl_broken(tl, "single packet inside a chain",
			    pctr, len);
		tl_start(tl, pctr);
		if (!tl_append(tl, pkt + 1, len - 1))
			return tl_broken(tl, "APDU too long", pctr, len);
		return SIM_TL_APDU;
	case SIM_CHAIN_FIRST:
		if (tl->chain_open)
			return tl_broken(tl, "first packet inside a chain",
			    pctr, len);
		if (len != max_packet)
			return tl_broken(tl, "first packet not full size",
			    pctr, len);
		tl_start(tl, pctr);
		if (!tl_append(tl, pkt + 1, len - 1))
			return tl_broken(tl, "APDU too long", pctr, len);
		tl->chain_open = true;
		return SIM_TL_MORE;
	case SIM_CHAIN_INTER:
		if (!tl->chain_open)
			return tl_broken(tl, "intermediate packet with no "
			    "chain open", pctr, len);
		if (len != max_packet)
			return tl_broken(tl, "intermediate packet not full "
			    "size", pctr, len);
		if (!tl_append(tl, pkt + 1, len - 1))
			return tl_broken(tl, "APDU longer than 1557 bytes",
			    pctr, len);
		return SIM_TL_MORE;
	case SIM_CHAIN_LAST:
		if (!tl->chain_open)
			return tl_broken(tl, "last packet with no chain open",
			    pctr, len);
		if (len < 2)
			return tl_broken(tl, "last packet without data", pctr,
			    len);
		if (!tl_append(tl, pkt + 1, len - 1))
			return tl_broken(tl, "APDU longer than 1557 bytes",
			    pctr, len);
		tl->chain_open = false;
		return SIM_TL_APDU;
	default:
		return tl_broken(tl, "invalid CHAIN value", pctr, len);
	}
}

void
sim_tl_set_response(struct sim_tl *tl, const uint8_t *rsp, size_t len,
    uint8_t flags, size_t max_packet)
{
	size_t frag = max_packet > 1 ? max_packet - 1 : 1;

	if (len > sizeof(tl->out)) {
		OP_WARN(MOD, "response of %zu bytes cut to %zu", len,
		    sizeof(tl->out));
		len = sizeof(tl->out);
	}
	memcpy(tl->out, rsp, len);
	tl->out_len = len;
	tl->out_flags = flags;
	tl->out_frag_size = frag;
	tl->out_nfrag = len == 0 ? 1 : (len + frag - 1) / frag;
	tl->out_frag = 0;
	tl->out_valid = true;
}

void
sim_tl_set_chain_error(struct sim_tl *tl)
{
	/*
	 * The bare 07, never with PRESENCE: [M] accepts 07 in every build
	 * and 0F only in shielded ones (fact sheet 3.2).
	 */
	tl->out_len = 0;
	tl->out_flags = SIM_CHAIN_ERROR;
	tl->out_frag_size = 1;
	tl->out_nfrag = 1;
	tl->out_frag = 0;
	tl->out_valid = false;	/* nothing to resend on the host's 07 */
}

bool
sim_tl_last_packet(const struct sim_tl *tl)
{
	return tl->out_frag + 1 >= tl->out_nfrag;
}

size_t
sim_tl_packet(const struct sim_tl *tl, uint8_t *out, size_t cap)
{
	size_t off = tl->out_frag * tl->out_frag_size;
	size_t n = 0;
	uint8_t chain;

	if (tl->out_flags == SIM_CHAIN_ERROR) {
		if (cap < 1)
			return 0;
		out[0] = SIM_CHAIN_ERROR;
		return 1;
	}

	if (off < tl->out_len)
		n = tl->out_len - off;
	if (n > tl->out_frag_size)
		n = tl->out_frag_size;
	if (n + 1 > cap)
		return 0;

	if (tl->out_nfrag == 1)
		chain = SIM_CHAIN_SINGLE;
	else if (tl->out_frag == 0)
		chain = SIM_CHAIN_FIRST;
	else if (sim_tl_last_packet(tl))
		chain = SIM_CHAIN_LAST;
	else
		chain = SIM_CHAIN_INTER;

	out[0] = (uint8_t)(tl->out_flags | chain);
	memcpy(out + 1, tl->out + off, n);

	return n + 1;
}
