/*
 * optiga-sim presentation layer, device side (fact sheet 4): the slave
 * half of the shielded connection.  Hello and Finished of the PSK
 * handshake keyed by the chip's 0xE140, records with any protection
 * level, alerts.  Written apart from the host's src/ifxi2c/prl.c on
 * purpose, so that each side catches the other's mistakes.
 */
#ifndef OP_SIM_PRL_H
#define OP_SIM_PRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_PRL_SECRET_LEN	64
#define SIM_PRL_OID		0xE140	/* the one PTFBIND object */
/* a protected message adds SCTR, SEQ and tag to the APDU */
#define SIM_PRL_OVERHEAD	13

struct sim_dev;
struct sim_chip;

/*
 * What the link side needs from the chip side (sim/sim.h); main.c plugs
 * in sim_chip_binding_secret and sim_chip_set_protection.  Without them
 * (the link-side unit tests' chip double) every handshake gets a fatal
 * alert, as on a Trust X.
 */
struct sim_prl_chip {
	int (*secret)(struct sim_chip *chip,
	    uint8_t out[SIM_PRL_SECRET_LEN]);
	void (*protect)(struct sim_chip *chip, unsigned level,
	    uint16_t oid);
};

enum sim_prl_state {
	SIM_PRL_IDLE = 0,	/* no session: only SCTR 20 and Hello */
	SIM_PRL_HELLO,		/* Hello answered, Finished awaited */
	SIM_PRL_SESSION
};

struct sim_prl {
	const struct sim_prl_chip *chip_ops;	/* kept across resets */
	enum sim_prl_state state;
	uint8_t rnd[32];
	uint32_t sseq;		/* our last sequence number */
	uint32_t mseq;		/* the host's last accepted one */
	uint8_t enc_key[16];	/* slave view of KB (fact sheet 4.5) */
	uint8_t dec_key[16];
	uint8_t enc_nonce[4];
	uint8_t dec_nonce[4];
};

/* Drop the session (a chip reset); chip_ops stay. */
void sim_prl_reset(struct sim_prl *p);

/*
 * One presentation-layer unit from the host (SCTR first) in, the answer
 * (SCTR first) out; returns its length.  Records are executed by the
 * chip side at their protection level.
 */
size_t sim_prl_handle(struct sim_dev *dev, const uint8_t *in, size_t len,
    uint8_t *out, size_t cap);

/* exec.c: hand one APDU to the chip side; returns the response length. */
size_t sim_exec_chip(struct sim_dev *dev, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap);

#endif
