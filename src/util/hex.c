#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/hex.h"

void
op_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/*
 * No tolower(): callers pass plain char, and a negative char is
 * undefined behaviour for <ctype.h>.
 */
int
op_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;

	return -1;
}

int
op_hex_decode(const char *in, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = 0;
	int hi = -1;

	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;

	for (const char *p = in; *p != '\0'; p++) {
		int v;

		if (isspace((unsigned char)*p) || *p == ':')
			continue;
		if ((v = op_hex_digit((unsigned char)*p)) < 0)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "'%c' at position %zu is not a hex digit",
			    *p, (size_t)(p - in));
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE),
			    "more than %zu bytes of hex", cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "odd number of hex digits");

	*len = n;

	return 0;
}

int
op_parse_oid(const char *s, uint16_t *oid)
{
	char *end;
	unsigned long v;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (strlen(p) != 4)
		goto fail;
	v = strtoul(p, &end, 16);
	if (*end != '\0')
		goto fail;
	*oid = (uint16_t)v;

	return 0;
fail:
	return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
	    "'%s' is not an object ID; expected four hex digits such as "
	    "0xE0F1", s);
}
