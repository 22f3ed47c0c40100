/*
 * A capture of the virtual bus (optiga-sim --capture FILE): every request
 * and its response as they crossed the socket, for tests that look at
 * what an eavesdropper on the I2C lines would see.
 *
 * File format: a sequence of records, each a 1-byte direction ('>' from
 * the host, '<' to the host), a 4-byte big-endian length and that many
 * bytes of the virtual bus message (docs/virtual-bus.md).
 */
#ifndef OP_SIM_CAPTURE_H
#define OP_SIM_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Start capturing into path (truncated); 0 or an op_err status. */
int sim_capture_open(const char *path);
void sim_capture_close(void);

/* One request and its response; nothing when no capture is open. */
void sim_capture_exchange(const uint8_t *req, size_t req_len,
    const uint8_t *rsp, size_t rsp_len);

#endif
