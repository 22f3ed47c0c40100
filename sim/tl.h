/*
 * optiga-sim transport layer, device side: reassembles chained command
 * packets into one APDU and cuts a response into packets (fact sheet
 * section 3).  Pure state over buffers: no I/O, no clock.
 */
#ifndef OP_SIM_TL_H
#define OP_SIM_TL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_APDU_MAX		0x0615	/* 1557, object 0xE0C6 */
/* A response may carry an SCTR byte in front of the APDU. */
#define SIM_RSP_MAX		(SIM_APDU_MAX + 16)

/* PCTR fields */
#define SIM_PCTR_CHAN_MASK	0xF0
#define SIM_PCTR_PRESENCE	0x08
#define SIM_PCTR_CHAIN_MASK	0x07
#define SIM_CHAIN_SINGLE	0x00
#define SIM_CHAIN_FIRST		0x01
#define SIM_CHAIN_INTER		0x02
#define SIM_CHAIN_LAST		0x04
#define SIM_CHAIN_ERROR		0x07

enum sim_tl_event {
	SIM_TL_MORE = 0,	/* fragment taken, chain still open */
	SIM_TL_APDU,		/* a whole APDU is in tl->in */
	SIM_TL_CHAIN_ERROR,	/* broken chain: answer packet 07 */
	SIM_TL_RESEND		/* host sent 07: resend the whole response */
};

struct sim_tl {
	/* inbound: an APDU, or a protected record of one with PRESENCE */
	uint8_t in[SIM_RSP_MAX];
	size_t in_len;
	bool chain_open;
	bool in_presence;	/* PRESENCE bit of the first packet */

	/* outbound: the last response, kept until the next APDU */
	uint8_t out[SIM_RSP_MAX];
	size_t out_len;
	bool out_valid;
	uint8_t out_flags;	/* ORed into every PCTR (PRESENCE) */
	size_t out_frag_size;	/* payload bytes per packet, after PCTR */
	size_t out_nfrag;
	size_t out_frag;	/* index of the packet in flight */
};

void sim_tl_reset(struct sim_tl *tl);

/*
 * Take one packet (PCTR + payload) from an accepted data frame.
 * max_packet is the largest packet the current frame size allows
 * (DATA_REG_LEN - 5); first and intermediate packets must be exactly
 * that long.
 */
enum sim_tl_event sim_tl_receive(struct sim_tl *tl, const uint8_t *pkt,
    size_t len, size_t max_packet);

/*
 * Make rsp (len bytes) the response to send, cut into packets of at most
 * max_packet bytes, each PCTR ORed with flags.  len must be at most
 * SIM_RSP_MAX; a longer one is cut (and logged).
 */
void sim_tl_set_response(struct sim_tl *tl, const uint8_t *rsp, size_t len,
    uint8_t flags, size_t max_packet);

/* The one-byte chaining-error packet as the response. */
void sim_tl_set_chain_error(struct sim_tl *tl);

/* Build packet number tl->out_frag into out; returns its length. */
size_t sim_tl_packet(const struct sim_tl *tl, uint8_t *out, size_t cap);

/* True when tl->out_frag is the last packet of the response. */
bool sim_tl_last_packet(const struct sim_tl *tl);

#endif
