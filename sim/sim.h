/*
 * optiga-sim internals: the seam between the link side (virtual bus,
 * registers, data link, transport) and the chip side (APDU interpreter,
 * object store, crypto).
 */
#ifndef OP_SIM_SIM_H
#define OP_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_product {
	SIM_TRUST_M3 = 0,	/* default */
	SIM_TRUST_M1,
	SIM_TRUST_X
};

struct sim_chip;

/*
 * Load the chip from its state file, or create a factory-fresh one (new
 * UID, factory key and certificate) when the file does not exist.  The
 * product is fixed at creation; a mismatch with an existing file fails.
 */
int sim_chip_load(const char *state_path, enum sim_product product,
    struct sim_chip **out);
void sim_chip_free(struct sim_chip **chip);

/*
 * Execute one APDU and write the response (Sta UnDef OutLen OutData) into
 * rsp.  Returns the response length.  Every change to persistent objects
 * is committed to the state file before this returns.
 */
size_t sim_chip_execute(struct sim_chip *chip, const uint8_t *apdu,
    size_t len, uint8_t *rsp, size_t cap);

/*
 * How long the real chip would take for this APDU, in microseconds (for
 * the real-time mode).  Valid after sim_chip_execute().
 */
uint64_t sim_chip_last_exec_us(const struct sim_chip *chip);

/*
 * The shielded connection (sim/prl.c).  The link side calls
 * sim_chip_set_protection() right before sim_chip_execute() for an APDU
 * that came in a presentation-layer record: level is the record's
 * protection bits (1: command protected, 2: response protected) and oid
 * the PTFBIND object whose secret keyed the session.  It holds for that
 * one APDU, so Conf(oid)/Int(oid) access conditions can be met; APDUs
 * without it run at level 0.
 */
void sim_chip_set_protection(struct sim_chip *chip, unsigned level,
    uint16_t oid);

/*
 * The platform binding secret, the contents of 0xE140, whatever its
 * access conditions say (the chip reads its own object).  Fails (-1)
 * unless the object exists and holds exactly 64 bytes.
 */
int sim_chip_binding_secret(struct sim_chip *chip, uint8_t out[64]);

/* A reset of any kind: application closed, volatile state dropped. */
void sim_chip_reset(struct sim_chip *chip);

/* Name of the command last executed, for per-command statistics. */
const char *sim_chip_last_command(const struct sim_chip *chip);

#endif
