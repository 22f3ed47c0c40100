/*
 * Virtual bus requests: parse and dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "util/log.h"

#include "vbus.h"

#define MOD "sim-vbus"

size_t
sim_vbus_parse(const uint8_t *buf, size_t len, struct sim_vbus_req *req)
{
	size_t plen;

	if (len < SIM_VBUS_HDR)
		return 0;
	plen = (size_t)buf[2] << 8 | buf[3];
	if (len - SIM_VBUS_HDR < plen)
		return 0;

	req->type = buf[0];
	req->addr = buf[1];
	req->payload = buf + SIM_VBUS_HDR;
	req->len = plen;

	return SIM_VBUS_HDR + plen;
}

static size_t
vbus_answer(uint8_t *out, size_t cap, uint8_t status, size_t len)
{
	if (cap < 3 || len > cap - 3 || len > SIM_VBUS_PAYLOAD_MAX) {
		/* Only a caller bug gets here: fail, never overflow. */
		if (cap < 3)
			return 0;
		status = SIM_ST_FAILURE;
		len = 0;
	}
	out[0] = status;
	out[1] = (uint8_t)(len >> 8);
	out[2] = (uint8_t)len;

	return 3 + len;
}

static size_t
vbus_malformed(uint8_t *out, size_t cap, const struct sim_vbus_req *req,
    const char *why)
{
	OP_DEBUG(MOD, "malformed request type 0x%02x (%zu payload bytes): "
	    "%s", req->type, req->len, why);

	return vbus_answer(out, cap, SIM_ST_MALFORMED, 0);
}

size_t
sim_vbus_handle(struct sim_dev *dev, const struct sim_vbus_req *req,
    uint8_t *out, size_t cap)
{
	const uint8_t *p = req->payload;
	size_t n;
	uint8_t st;

	if (cap < 3)
		return 0;

	switch (req->type) {
	case SIM_VBUS_HELLO:
		if (req->len != 0)
			return vbus_malformed(out, cap, req, "HELLO has no "
			    "payload");
		n = (size_t)snprintf((char *)out + 3, cap - 3,
		    "optiga-sim %d %s", SIM_VBUS_VERSION,
		    sim_product_name(dev->opts.product));
		return vbus_answer(out, cap, SIM_ST_ACK, n);
	case SIM_VBUS_WRITE:
		st = sim_dev_write(dev, req->addr, p, req->len);
		return vbus_answer(out, cap, st, 0);
	case SIM_VBUS_READ:
		if (req->len != 2)
			return vbus_malformed(out, cap, req, "READ takes a "
			    "2-byte count");
		n = (size_t)p[0] << 8 | p[1];
		if (n > cap - 3)
			return vbus_answer(out, cap, SIM_ST_FAILURE, 0);
		st = sim_dev_read(dev, req->addr, out + 3, n);
		return vbus_answer(out, cap, st, st == SIM_ST_ACK ? n : 0);
	case SIM_VBUS_RESET:
		if (req->len != 1 || (p[0] != 0 && p[0] != 2))
			return vbus_malformed(out, cap, req, "RESET takes one "
			    "byte, 0 (cold) or 2 (warm)");
		sim_dev_reset(dev, p[0] == 0);
		return vbus_answer(out, cap, SIM_ST_ACK, 0);
	case SIM_VBUS_POWER:
		if (req->len != 1 || p[0] > 1)
			return vbus_malformed(out, cap, req, "POWER takes one "
			    "byte, 0 or 1");
		sim_dev_power(dev, p[0] == 1);
		return vbus_answer(out, cap, SIM_ST_ACK, 0);
	case SIM_VBUS_CLOCK:
		if (req->len != 2 || (p[0] == 0 && p[1] == 0))
			return vbus_malformed(out, cap, req, "CLOCK takes a "
			    "2-byte kHz value above 0");
		sim_dev_set_clock(dev, (unsigned)(p[0] << 8 | p[1]));
		return vbus_answer(out, cap, SIM_ST_ACK, 0);
	case SIM_VBUS_STATS:
		if (req->len != 0)
			return vbus_malformed(out, cap, req, "STATS has no "
			    "payload");
		n = sim_stats_json(&dev->stats, (char *)out + 3, cap - 3);
		return vbus_answer(out, cap, SIM_ST_ACK, n);
	case SIM_VBUS_STATS_RESET:
		if (req->len != 0)
			return vbus_malformed(out, cap, req, "STATS_RESET has "
			    "no payload");
		sim_stats_reset(&dev->stats);
		return vbus_answer(out, cap, SIM_ST_ACK, 0);
	default:
		return vbus_malformed(out, cap, req, "unknown type");
	}
}
