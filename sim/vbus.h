/*
 * The virtual bus protocol (docs/virtual-bus.md), server side: request
 * parsing and dispatch over byte buffers, with no socket in sight, so the
 * fuzzer and the unit tests drive exactly what the server runs.
 */
#ifndef OP_SIM_VBUS_H
#define OP_SIM_VBUS_H

#include <stddef.h>
#include <stdint.h>

#include "dev.h"

#define SIM_VBUS_HELLO		0x00
#define SIM_VBUS_WRITE		0x01
#define SIM_VBUS_READ		0x02
#define SIM_VBUS_RESET		0x10
#define SIM_VBUS_POWER		0x11
#define SIM_VBUS_CLOCK		0x12
#define SIM_VBUS_STATS		0x20
#define SIM_VBUS_STATS_RESET	0x21

#define SIM_VBUS_HDR		4	/* type addr len(2) */
#define SIM_VBUS_PAYLOAD_MAX	0xffff
#define SIM_VBUS_REQ_MAX	(SIM_VBUS_HDR + SIM_VBUS_PAYLOAD_MAX)
/* status(1) len(2) payload */
#define SIM_VBUS_RSP_MAX	(3 + SIM_VBUS_PAYLOAD_MAX)

#define SIM_VBUS_VERSION	1

struct sim_vbus_req {
	uint8_t type;
	uint8_t addr;
	const uint8_t *payload;	/* points into the parsed buffer */
	size_t len;
};

/*
 * Find one whole request at the start of buf.  Returns the bytes it
 * takes (header and payload), or 0 when buf holds only part of one.
 * Any header frames a request: its meaning is checked by the handler.
 */
size_t sim_vbus_parse(const uint8_t *buf, size_t len,
    struct sim_vbus_req *req);

/*
 * Carry out req on dev and write the response (status, length, payload)
 * into out.  Returns the response length; never more than cap, and cap
 * of SIM_VBUS_RSP_MAX always suffices.  Malformed requests are answered
 * 0xFE and change nothing.
 */
size_t sim_vbus_handle(struct sim_dev *dev, const struct sim_vbus_req *req,
    uint8_t *out, size_t cap);

#endif
