/*
 * optiga-sim fault plan (--faults SPEC, docs/faults.md): damaged bytes,
 * dropped and truncated frames, address NACK bursts, resets and power
 * cuts during chosen commands, and the process exiting mid-command.
 * Every random choice comes from one generator seeded by seed=N, so a
 * plan replays the same faults for the same traffic.
 */
#ifndef OP_SIM_FAULT_H
#define OP_SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_fault_when {
	SIM_FAULT_CMD_RESET = 0,	/* reset after the command ran */
	SIM_FAULT_CMD_POWERCUT,		/* power lost before it commits */
	SIM_FAULT_CMD_KILL,		/* process exits before it commits */
	SIM_FAULT_CMD_MAX
};

/* One "the Nth time command X runs" trigger. */
struct sim_fault_cmd {
	bool set;
	char name[32];		/* chip command name, "SetDataObject" */
	unsigned nth;		/* 1-based */
	unsigned seen;		/* times the command ran so far */
	bool commit;		/* powercut: commit first (new content) */
	bool stay;		/* powercut: no reset brings power back */
};

struct sim_fault {
	double corrupt;		/* per byte: flip one bit */
	double drop;		/* per DATA read with a frame: lose it */
	double truncate;	/* per DATA read with a frame: cut it */
	double nack;		/* per transaction: start a NACK burst */
	unsigned nack_len;	/* transactions per burst */
	uint64_t seed;
	struct sim_fault_cmd cmd[SIM_FAULT_CMD_MAX];

	/* running state */
	uint64_t rng;
	unsigned nack_left;
	bool reset_pending;	/* after the current write transaction */
	bool cut_pending;
	bool dead;		/* powercut with stay: off for good */
	uint64_t injected;	/* faults injected, for the log */
};

/*
 * Parse SPEC (comma-separated key=value, see docs/faults.md) into f.
 * Fails with a usage status and a message naming the bad item.
 */
int sim_fault_parse(const char *spec, struct sim_fault *f);

/* Any fault at all configured? */
bool sim_fault_any(const struct sim_fault *f);

/* Hooks for the link side (dev.c, exec.c); f may be NULL. */

/* Should this transaction's address be NACKed (burst in progress)? */
bool sim_fault_nack(struct sim_fault *f);

/* Flip bits in the len bytes of buf, each with the corrupt rate. */
void sim_fault_corrupt(struct sim_fault *f, uint8_t *buf, size_t len);

/*
 * A DATA read of len bytes that carried a frame of frame_len bytes:
 * drop it (all FF) or cut it short (FF after a random point).
 */
void sim_fault_frame_read(struct sim_fault *f, uint8_t *buf, size_t len,
    size_t frame_len);

/*
 * Before the chip side executes a command (name from its code): count
 * it, and return true when it must not run (power cut or kill before
 * the commit).  A kill exits the process here.
 */
bool sim_fault_before_exec(struct sim_fault *f, const uint8_t *apdu,
    size_t len);

/* Name of an APDU's command ("SetDataObject"), "?" when unknown. */
const char *sim_fault_cmd_name(uint8_t code);

#endif
