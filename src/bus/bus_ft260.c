/*
 * FTDI FT260 USB-to-I2C bridge backend.
 */
#include "bus/bus.h"
#include "util/err.h"

int
bus_ft260_open(const char *spec, struct bus *bus)
{
	(void)bus;

	/* XXX: the FT260 backend is a later task; only sim: works yet. */
	return op_err(OP_RC(OP_LAYER_BUS, OP_E_UNSUPPORTED), "the FT260 "
	    "backend is not built yet (asked for '%s'); use sim:SOCKET with "
	    "optiga-sim for now", spec);
}
