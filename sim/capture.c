/*
 * Capture of the virtual bus, one file per simulator run.  Written with
 * stdio and flushed per exchange, so a test can read it while the
 * simulator runs and a killed simulator loses at most one exchange.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"

#include "capture.h"

static FILE *cap;

int
sim_capture_open(const char *path)
{
	if ((cap = fopen(path, "wb")) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "--capture %s: "
		    "%s", path, strerror(errno));

	return 0;
}

void
sim_capture_close(void)
{
	if (cap != NULL)
		fclose(cap);
	cap = NULL;
}

static void
capture_record(char dir, const uint8_t *buf, size_t len)
{
	uint8_t hdr[5];

	hdr[0] = (uint8_t)dir;
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
	if (fwrite(hdr, 1, sizeof(hdr), cap) != sizeof(hdr) ||
	    fwrite(buf, 1, len, cap) != len) {
		OP_WARN("sim-capture", "write failed: %s; capture stopped",
		    strerror(errno));
		sim_capture_close();
	}
}

void
sim_capture_exchange(const uint8_t *req, size_t req_len, const uint8_t *rsp,
    size_t rsp_len)
{
	if (cap == NULL)
		return;
	capture_record('>', req, req_len);
	if (cap != NULL)
		capture_record('<', rsp, rsp_len);
	if (cap != NULL)
		fflush(cap);
}
