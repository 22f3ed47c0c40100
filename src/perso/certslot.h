/*
 * What a certificate slot (0xE0E0..0xE0E3) holds, as bytes.
 *
 * Two layouts are in use (fact sheet section 8), told apart by the first
 * byte:
 *   0x30  one DER certificate ("der");
 *   0xC0  the TLS "Certificate" message form ("tls"): C0, 2-byte length of
 *         what follows, 3-byte length of the list, then per certificate a
 *         3-byte length and the DER, leaf first.
 *
 * We write the TLS form by default: it is what the factory certificate in
 * 0xE0E0 uses, the only one that can hold a chain, and every reader we
 * know (Infineon's Linux tools and Python package) accepts it.  "der"
 * remains available for a single certificate, for instance for readers
 * that only know raw DER.
 */
#ifndef OP_PERSO_CERTSLOT_H
#define OP_PERSO_CERTSLOT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

enum certslot_format {
	CERTSLOT_TLS = 0,	/* 0xC0 TLS identity (default) */
	CERTSLOT_DER		/* one raw DER certificate */
};

#define CERTSLOT_MAX 1728	/* bytes a certificate slot can hold */

/* "tls" or "der"; usage error naming the value otherwise. */
int certslot_format_parse(const char *s, enum certslot_format *fmt);

/*
 * Encode a chain (leaf first) into a malloc'd buffer.  Fails with a range
 * error naming the total when it would exceed CERTSLOT_MAX, and with a
 * usage error for a chain in the DER format.
 */
int certslot_encode(STACK_OF(X509) *chain, enum certslot_format fmt,
    uint8_t **out, size_t *len);

/*
 * Decode a slot's contents (trailing zero padding of an erased or never
 * written slot is ignored).  An empty slot (all zeros or no bytes) gives
 * an empty stack, not an error.
 */
int certslot_decode(const uint8_t *buf, size_t len,
    STACK_OF(X509) **chain, enum certslot_format *fmt);

#endif
