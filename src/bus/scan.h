/*
 * Finding chips: the I2C adapters and FT260 bridges of this machine, and
 * whether an OPTIGA answers at its address behind each.
 */
#ifndef OP_BUS_SCAN_H
#define OP_BUS_SCAN_H

#include <stdbool.h>
#include <stdint.h>

struct bus_found {
	char uri[160];		/* what to pass to --device */
	char desc[128];		/* adapter name or "FT260 serial ..." */
	bool opened;		/* the node could be opened */
	bool chip;		/* something ACKed at the address */
	uint8_t i2c_state[4];	/* its I2C_STATE register, when chip */
	char note[256];		/* why not, when !opened or !chip */
};

/*
 * Fill up to max entries; *n receives the count.  Probing reads the
 * I2C_STATE register (0x82) at 0x30, which has no side effects.
 */
int bus_scan(struct bus_found *found, int max, int *n);

#endif
