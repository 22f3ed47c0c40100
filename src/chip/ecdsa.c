/*
 * ECDSA signatures from the chip to DER.
 *
 * The chip sends r and s as two INTEGERs with no SEQUENCE around them,
 * each padded to the full width of the curve and then given one 00 when
 * the top bit is set (fact sheet 9.1).  About one value in 256 starts
 * 00 <= 7F, which DER forbids; OpenSSL and many verifiers reject it.  We
 * drop every leading zero byte, add one back where the sign bit needs it,
 * and wrap the pair in a SEQUENCE.
 */
#include <string.h>

#include "chip/chip_int.h"
#include "util/err.h"

#define ECDSA_INT_MAX	67	/* 66 (P-521) plus a sign byte */

static int
ecdsa_bad(const char *what)
{
	return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
	    "malformed ECDSA signature from the chip: %s", what);
}

/* One INTEGER at *p; returns its magnitude without leading zeros. */
static int
ecdsa_int(const uint8_t **p, size_t *left, const uint8_t **v, size_t *n)
{
	const uint8_t *q = *p;
	size_t len;

	if (*left < 2 || q[0] != 0x02)
		return ecdsa_bad("INTEGER tag missing");
	len = q[1];
	q += 2;
	*left -= 2;
	if (len == 0x81) {
		/* long form, tolerated though a chip never needs it */
		if (*left < 1)
			return ecdsa_bad("truncated length");
		len = q[0];
		q++;
		(*left)--;
	} else if (len > 0x7f) {
		return ecdsa_bad("INTEGER length form");
	}
	if (len == 0 || len > *left || len > ECDSA_INT_MAX)
		return ecdsa_bad("INTEGER length");

	*p = q + len;
	*left -= len;
	while (len > 0 && q[0] == 0x00) {
		q++;
		len--;
	}
	if (len == 0)
		return ecdsa_bad("r or s is zero");
	*v = q;
	*n = len;

	return 0;
}

static size_t
der_int_len(size_t n, const uint8_t *v)
{
	return 2 + n + ((v[0] & 0x80) ? 1 : 0);
}

static uint8_t *
der_int_put(uint8_t *o, const uint8_t *v, size_t n)
{
	bool pad = (v[0] & 0x80) != 0;

	*o++ = 0x02;
	*o++ = (uint8_t)(n + pad);
	if (pad)
		*o++ = 0x00;
	memcpy(o, v, n);

	return o + n;
}

int
chip_ecdsa_to_der(const uint8_t *in, size_t inlen, uint8_t *out,
    size_t cap, size_t *outlen)
{
	const uint8_t *p = in;
	size_t left = inlen;
	const uint8_t *r = NULL, *s = NULL;
	size_t rn = 0, sn = 0, body, total;
	uint8_t *o = out;
	int rc;

	*outlen = 0;

	/* tolerate a SEQUENCE around the pair, as minimal DER would have */
	if (left >= 2 && p[0] == 0x30) {
		size_t hl = (p[1] == 0x81) ? 3 : 2;

		if (left < hl)
			return ecdsa_bad("truncated SEQUENCE");
		p += hl;
		left -= hl;
	}

	if ((rc = ecdsa_int(&p, &left, &r, &rn)) != 0 ||
	    (rc = ecdsa_int(&p, &left, &s, &sn)) != 0)
		return rc;
	if (left != 0)
		return ecdsa_bad("bytes after s");

	body = der_int_len(rn, r) + der_int_len(sn, s);
	total = body + (body > 0x7f ? 3 : 2);
	if (total > cap)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_RANGE),
		    "DER signature of %zu bytes exceeds the %zu-byte buffer",
		    total, cap);

	*o++ = 0x30;
	if (body > 0x7f)
		*o++ = 0x81;
	*o++ = (uint8_t)body;
	o = der_int_put(o, r, rn);
	o = der_int_put(o, s, sn);
	*outlen = (size_t)(o - out);

	return 0;
}
