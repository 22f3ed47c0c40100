/*
 * Fuzz target: the emulator's APDU dispatcher (sim_chip_execute) with the
 * application open, as the link side hands it whole commands.  The input
 * is a sequence of APDUs, each cut by its own header's length field; the
 * chip is loaded once from a scratch state file, so objects written by
 * one input are there for the next, as on a real chip.
 */
#include <stdio.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"

#include "sim.h"

#include "fuzz.h"

#define APDU_HDR	4
#define RSP_MAX		2048

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t open_app[] = {
		0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47,
		0x65, 0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C
	};
	static struct sim_chip *chip;
	static uint8_t rsp[RSP_MAX];
	char path[512];
	size_t n;

	if (chip == NULL) {
		op_log_set_level(OP_LOG_ERROR);
		snprintf(path, sizeof(path), "%s/apdu.state", fuzz_tmpdir());
		if (sim_chip_load(path, SIM_TRUST_M3, &chip) != 0)
			abort();
	}
	sim_chip_reset(chip);
	(void)sim_chip_execute(chip, open_app, sizeof(open_app), rsp,
	    sizeof(rsp));

	for (int i = 0; i < 8 && size > 0; i++) {
		n = size;
		if (size >= APDU_HDR) {
			n = APDU_HDR + (size_t)(data[2] << 8 | data[3]);
			if (n > size)
				n = size;
		}
		if (sim_chip_execute(chip, data, n, rsp, sizeof(rsp)) >
		    sizeof(rsp))
			abort();
		(void)sim_chip_last_command(chip);
		data += n;
		size -= n;
	}
	op_err_clear();

	return 0;
}
