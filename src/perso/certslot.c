/*
 * Certificate slot layouts: raw DER and the TLS identity form.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "perso/certslot.h"
#include "util/err.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

int
certslot_format_parse(const char *s, enum certslot_format *fmt)
{
	if (strcmp(s, "tls") == 0)
		*fmt = CERTSLOT_TLS;
	else if (strcmp(s, "der") == 0)
		*fmt = CERTSLOT_DER;
	else
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "certificate format '%s' is not known; use 'tls' "
		    "(TLS identity, 0xC0, holds a chain) or 'der' (one raw "
		    "DER certificate)", s);

	return 0;
}

static void
put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static size_t
get24(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

int
certslot_encode(STACK_OF(X509) *chain, enum certslot_format fmt,
    uint8_t **out, size_t *len)
{
	int n = sk_X509_num(chain);
	size_t list = 0;
	size_t total;
	uint8_t *buf = NULL;
	uint8_t *p;

	*out = NULL;
	*len = 0;
	if (n < 1)
		return op_err(PERSO_ERR(OP_E_INVAL), "no certificate given");
	if (fmt == CERTSLOT_DER && n > 1)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "a chain of %d certificates cannot be stored as raw "
		    "DER, which holds one; use the 'tls' format", n);

	/* sizes first, so nothing is allocated for a chain that won't fit */
	for (int i = 0; i < n; i++) {
		int l = i2d_X509(sk_X509_value(chain, i), NULL);

		if (l <= 0)
			return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INVAL),
			    "certificate %d cannot be encoded", i + 1);
		list += (size_t)l + (fmt == CERTSLOT_TLS ? 3 : 0);
	}
	total = fmt == CERTSLOT_TLS ? list + 6 : list;
	if (total > CERTSLOT_MAX)
		return op_err(PERSO_ERR(OP_E_RANGE), "%s of %d certificate%s "
		    "takes %zu bytes in the slot; a slot holds at most %d",
		    n > 1 ? "a chain" : "a certificate", n, n > 1 ? "s" : "",
		    total, CERTSLOT_MAX);

	if ((buf = malloc(total)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	p = buf;
	if (fmt == CERTSLOT_TLS) {
		p[0] = 0xC0;
		p[1] = (uint8_t)((list + 3) >> 8);
		p[2] = (uint8_t)(list + 3);
		put24(p + 3, list);
		p += 6;
	}
	for (int i = 0; i < n; i++) {
		int l = i2d_X509(sk_X509_value(chain, i), NULL);

		if (fmt == CERTSLOT_TLS) {
			put24(p, (size_t)l);
			p += 3;
		}
		i2d_X509(sk_X509_value(chain, i), &p);
	}

	*out = buf;
	*len = total;

	return 0;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;

	return 1;
}

static int
push_der(STACK_OF(X509) *sk, const uint8_t *p, size_t n, size_t *used)
{
	const uint8_t *q = p;
	X509 *x = d2i_X509(NULL, &q, (long)n);

	if (x == NULL)
		return op_err(PERSO_ERR(OP_E_PROTOCOL),
		    "bytes in the slot are not a DER certificate");
	if (!sk_X509_push(sk, x)) {
		X509_free(x);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	}
	*used = (size_t)(q - p);

	return 0;
}

static int
decode_tls(const uint8_t *buf, size_t len, STACK_OF(X509) *sk)
{
	size_t outer;
	size_t list;
	size_t off;
	size_t used = 0;
	int r;

	if (len < 6)
		return op_err(PERSO_ERR(OP_E_PROTOCOL),
		    "TLS identity header truncated (%zu bytes)", len);
	outer = (size_t)buf[1] << 8 | buf[2];
	list = get24(buf + 3);
	if (outer + 3 > len || list + 3 != outer)
		return op_err(PERSO_ERR(OP_E_PROTOCOL), "TLS identity "
		    "lengths disagree: outer %zu, list %zu, slot %zu bytes",
		    outer, list, len);

	for (off = 6; off < 6 + list; off += 3 + used) {
		size_t n;

		if (6 + list - off < 3)
			return op_err(PERSO_ERR(OP_E_PROTOCOL),
			    "certificate length truncated at byte %zu", off);
		n = get24(buf + off);
		if (n > 6 + list - off - 3)
			return op_err(PERSO_ERR(OP_E_PROTOCOL), "certificate "
			    "at byte %zu claims %zu bytes, past the list",
			    off, n);
		if ((r = push_der(sk, buf + off + 3, n, &used)) != 0)
			return op_errctx(r, "certificate at byte %zu", off);
		if (used != n)
			return op_err(PERSO_ERR(OP_E_PROTOCOL), "certificate "
			    "at byte %zu is %zu bytes, its length says %zu",
			    off, used, n);
	}

	return 0;
}

int
certslot_decode(const uint8_t *buf, size_t len, STACK_OF(X509) **chain,
    enum certslot_format *fmt)
{
	STACK_OF(X509) *sk;
	size_t used = 0;
	int r = 0;

	if ((sk = sk_X509_new_null()) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");

	*fmt = CERTSLOT_TLS;
	if (len == 0 || all_zero(buf, len))
		goto out;

	switch (buf[0]) {
	case 0x30:
		*fmt = CERTSLOT_DER;
		r = push_der(sk, buf, len, &used);
		if (r == 0 && !all_zero(buf + used, len - used))
			r = op_err(PERSO_ERR(OP_E_PROTOCOL), "%zu bytes "
			    "after the DER certificate are not padding",
			    len - used);
		break;
	case 0xC0:
		r = decode_tls(buf, len, sk);
		break;
	case 0xC2:
		r = op_err(PERSO_ERR(OP_E_UNSUPPORTED), "the slot holds a "
		    "USB Type-C certificate chain (0xC2), which this tool "
		    "does not read");
		break;
	default:
		r = op_err(PERSO_ERR(OP_E_PROTOCOL), "the slot starts with "
		    "0x%02x: neither a DER certificate (0x30) nor a TLS "
		    "identity (0xC0)", buf[0]);
		break;
	}
out:
	if (r != 0) {
		sk_X509_pop_free(sk, X509_free);
		sk = NULL;
	}
	*chain = sk;

	return r;
}
