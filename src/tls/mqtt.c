/*
 * The few MQTT 3.1.1 packets connect needs, written by hand (OASIS MQTT
 * 3.1.1, sections 2 and 3): CONNECT with a clean session and no user
 * name, PUBLISH at QoS 1, DISCONNECT; CONNACK and PUBACK read back.
 * Strings are a 2-byte big-endian length and UTF-8 bytes.
 */
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"
#include "util/err.h"

#define TLS_ERR(code) OP_RC(OP_LAYER_TLS, code)
#define MQTT_LEN_MAX	268435455u	/* four length bytes */

size_t
mqtt_encode_len(size_t n, uint8_t out[4])
{
	size_t i = 0;

	do {
		uint8_t b = (uint8_t)(n % 128);

		n /= 128;
		out[i++] = (uint8_t)(b | (n > 0 ? 0x80 : 0));
	} while (n > 0 && i < 4);

	return i;
}

int
mqtt_decode_len(const uint8_t *buf, size_t avail, size_t *n, size_t *used)
{
	size_t v = 0;
	size_t mult = 1;

	for (size_t i = 0; i < 4; i++) {
		if (i >= avail)
			return TLS_ERR(OP_E_RANGE);
		v += (size_t)(buf[i] & 0x7f) * mult;
		mult *= 128;
		if ((buf[i] & 0x80) == 0) {
			*n = v;
			*used = i + 1;
			return 0;
		}
	}

	return op_err(TLS_ERR(OP_E_PROTOCOL), "MQTT remaining length longer "
	    "than 4 bytes");
}

/* fixed header: type byte and remaining length; *off past it */
static int
put_header(uint8_t type, size_t rem, uint8_t *out, size_t cap, size_t *off)
{
	uint8_t l[4];
	size_t n;

	if (rem > MQTT_LEN_MAX)
		return op_err(TLS_ERR(OP_E_RANGE), "MQTT packet of %zu bytes "
		    "is too large", rem);
	n = mqtt_encode_len(rem, l);
	if (cap < 1 + n + rem)
		return op_err(TLS_ERR(OP_E_RANGE), "MQTT packet of %zu bytes "
		    "does not fit %zu", 1 + n + rem, cap);
	out[0] = type;
	memcpy(out + 1, l, n);
	*off = 1 + n;

	return 0;
}

static size_t
put_str(uint8_t *p, const char *s, size_t len)
{
	p[0] = (uint8_t)(len >> 8);
	p[1] = (uint8_t)len;
	memcpy(p + 2, s, len);

	return 2 + len;
}

int
mqtt_encode_connect(const char *client_id, uint16_t keepalive,
    uint8_t *out, size_t cap, size_t *len)
{
	size_t idlen = strlen(client_id);
	size_t off = 0;
	int r;

	if (idlen == 0 || idlen > MQTT_CLIENT_ID_MAX)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "client ID "
		    "'%s': give 1 to %d characters", client_id,
		    MQTT_CLIENT_ID_MAX);

	/* "MQTT", level 4, flags, keep alive; then the client ID */
	if ((r = put_header(MQTT_CONNECT, 10 + 2 + idlen, out, cap,
	    &off)) != 0)
		return r;
	off += put_str(out + off, "MQTT", 4);
	out[off++] = 4;			/* protocol level: 3.1.1 */
	out[off++] = 0x02;		/* clean session, no will, no user */
	out[off++] = (uint8_t)(keepalive >> 8);
	out[off++] = (uint8_t)keepalive;
	off += put_str(out + off, client_id, idlen);
	*len = off;

	return 0;
}

int
mqtt_encode_publish(const char *topic, const uint8_t *payload, size_t plen,
    uint16_t packet_id, uint8_t *out, size_t cap, size_t *len)
{
	size_t tlen = strlen(topic);
	size_t off = 0;
	int r;

	/* no wildcards in a topic name (3.3.2.1) */
	if (tlen == 0 || tlen > 65535 || strpbrk(topic, "+#") != NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "topic '%s': "
		    "give a topic name without + or #", topic);
	if (plen > MQTT_PAYLOAD_MAX)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE), "message of "
		    "%zu bytes: at most %d", plen, MQTT_PAYLOAD_MAX);
	if (packet_id == 0)
		return op_err(TLS_ERR(OP_E_INVAL), "MQTT packet identifier 0");

	/* QoS 1 (flags 0x02): the broker acknowledges with PUBACK */
	if ((r = put_header(MQTT_PUBLISH | 0x02, 2 + tlen + 2 + plen, out,
	    cap, &off)) != 0)
		return r;
	off += put_str(out + off, topic, tlen);
	out[off++] = (uint8_t)(packet_id >> 8);
	out[off++] = (uint8_t)packet_id;
	if (plen > 0)
		memcpy(out + off, payload, plen);
	*len = off + plen;

	return 0;
}

int
mqtt_encode_disconnect(uint8_t *out, size_t cap, size_t *len)
{
	size_t off = 0;
	int r;

	if ((r = put_header(MQTT_DISCONNECT, 0, out, cap, &off)) != 0)
		return r;
	*len = off;

	return 0;
}

int
mqtt_decode_connack(const uint8_t *body, size_t len, bool *session,
    uint8_t *code)
{
	if (len != 2 || (body[0] & 0xfe) != 0)
		return op_err(TLS_ERR(OP_E_PROTOCOL), "malformed CONNACK (%zu "
		    "bytes, flags 0x%02x)", len, len > 0 ? body[0] : 0);
	*session = (body[0] & 1) != 0;
	*code = body[1];

	return 0;
}

int
mqtt_decode_puback(const uint8_t *body, size_t len, uint16_t *id)
{
	if (len != 2)
		return op_err(TLS_ERR(OP_E_PROTOCOL), "malformed PUBACK (%zu "
		    "bytes)", len);
	*id = (uint16_t)(body[0] << 8 | body[1]);

	return 0;
}

const char *
mqtt_connack_str(uint8_t code)
{
	switch (code) {
	case 0: return "connection accepted";
	case 1: return "unacceptable protocol version";
	case 2: return "client identifier rejected";
	case 3: return "server unavailable";
	case 4: return "bad user name or password";
	case 5: return "not authorized";
	default: return "unknown return code";
	}
}

int
mqtt_packet_read(struct tls_conn *c, uint8_t *type, uint8_t *buf,
    size_t cap, size_t *len)
{
	uint8_t hdr[5];
	size_t n = 0;
	size_t used;
	size_t i;
	int r;

	/* type byte, then the length one byte at a time */
	if ((r = tls_conn_read(c, hdr, 1)) != 0)
		return r;
	for (i = 1; i < sizeof(hdr); i++) {
		if ((r = tls_conn_read(c, hdr + i, 1)) != 0)
			return r;
		if ((r = mqtt_decode_len(hdr + 1, i, &n, &used)) == 0)
			break;
		if (OP_RC_CODE(r) != OP_E_RANGE)
			return r;
	}
	if (i == sizeof(hdr))
		return op_err(TLS_ERR(OP_E_PROTOCOL), "MQTT remaining length "
		    "longer than 4 bytes");
	if (n > cap)
		return op_err(TLS_ERR(OP_E_PROTOCOL), "MQTT packet type 0x%02x "
		    "of %zu bytes, more than the %zu expected", hdr[0], n,
		    cap);
	if (n > 0 && (r = tls_conn_read(c, buf, n)) != 0)
		return r;
	*type = hdr[0];
	*len = n;

	return 0;
}
