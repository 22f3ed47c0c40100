#ifndef OP_UTIL_HEX_H
#define OP_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void op_hex_encode(const uint8_t *in, size_t len, char *out);

/* Value of one hex digit (either case), or -1; any int is safe. */
int op_hex_digit(int c);

/*
 * Parse hex (whitespace, ':' and an optional 0x prefix allowed) into out.
 * Returns 0, or OP_RC(OP_LAYER_USAGE, OP_E_INVAL) with a message naming
 * the offending character.
 */
int op_hex_decode(const char *in, uint8_t *out, size_t cap, size_t *len);

/* Parse an OID such as "0xE0F1" or "E0F1"; returns 0 or a usage error. */
int op_parse_oid(const char *s, uint16_t *oid);

#endif
