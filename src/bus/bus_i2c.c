/*
 * Linux i2c-dev backend.
 */
#include "bus/bus.h"
#include "util/err.h"

int
bus_i2c_open(const char *spec, struct bus *bus)
{
	(void)bus;

	/* XXX: the i2c-dev backend is a later task; only sim: works yet. */
	return op_err(OP_RC(OP_LAYER_BUS, OP_E_UNSUPPORTED), "the i2c-dev "
	    "backend is not built yet (asked for '%s'); use sim:SOCKET with "
	    "optiga-sim for now", spec);
}
