/*
 * Key URIs:  optiga:OID[?name=value[&name=value]...]
 *
 *   OID      the key (or certificate) slot, "0xE0F1" or "E0F1"
 *   device=  the chip, as for optiga-perso -d (sim:PATH, i2c:..., ft260:)
 *   pub=     a file with the slot's public key (PEM or DER, or a
 *            certificate)
 *   cert=    the slot holding the key's certificate (default: the
 *            paired slot, see oprov_cert_slot())
 *
 * Values may be percent-encoded (%26 for '&', for instance).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider/prov_int.h"
#include "util/err.h"
#include "util/hex.h"

#define URI_ERR OP_RC(OP_LAYER_USAGE, OP_E_INVAL)
#define SCHEME "optiga:"

bool
oprov_uri_is_ours(const char *s)
{
	return s != NULL && strncasecmp(s, SCHEME, strlen(SCHEME)) == 0;
}

/* Copy [s, s+n) into a new string, undoing %XX. */
static int
unescape(const char *s, size_t n, char **out)
{
	char *o;
	size_t j = 0;

	if ((o = malloc(n + 1)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			o[j++] = s[i];
			continue;
		}
		if (i + 2 >= n || (hi = op_hex_digit(s[i + 1])) < 0 ||
		    (lo = op_hex_digit(s[i + 2])) < 0) {
			free(o);
			return op_err(URI_ERR, "bad %%-escape in '%.*s': "
			    "expected %%XX with two hex digits", (int)n, s);
		}
		o[j++] = (char)(hi << 4 | lo);
		i += 2;
	}
	o[j] = '\0';
	*out = o;

	return 0;
}

static int
uri_attr(struct oprov_uri *u, const char *name, size_t nlen,
    const char *val, size_t vlen)
{
	char *v = NULL;
	int rc;

	if ((rc = unescape(val, vlen, &v)) != 0)
		return rc;

	if (nlen == 6 && strncmp(name, "device", 6) == 0) {
		free(u->device);
		u->device = v;
	} else if (nlen == 3 && strncmp(name, "pub", 3) == 0) {
		free(u->pub);
		u->pub = v;
	} else if (nlen == 4 && strncmp(name, "cert", 4) == 0) {
		rc = op_parse_oid(v, &u->cert);
		free(v);
		if (rc != 0)
			return op_errctx(rc, "cert= in the key URI");
	} else {
		free(v);
		return op_err(URI_ERR, "unknown key URI attribute '%.*s': "
		    "expected device=, pub= or cert=", (int)nlen, name);
	}

	return 0;
}

int
oprov_uri_parse(const char *s, struct oprov_uri *u)
{
	const char *p, *q, *end;
	char oid[16];
	int rc;

	memset(u, 0, sizeof(*u));
	if (!oprov_uri_is_ours(s))
		return op_err(URI_ERR, "'%s' is not an optiga: URI "
		    "(expected e.g. optiga:0xE0F1)", s);

	p = s + strlen(SCHEME);
	q = strchr(p, '?');
	end = q != NULL ? q : p + strlen(p);
	if ((size_t)(end - p) >= sizeof(oid))
		return op_err(URI_ERR, "bad slot in '%s': expected a 16-bit "
		    "object ID such as 0xE0F1", s);
	memcpy(oid, p, (size_t)(end - p));
	oid[end - p] = '\0';
	if ((rc = op_parse_oid(oid, &u->oid)) != 0)
		return op_errctx(rc, "key URI '%s'", s);

	/* name=value pairs separated by '&' */
	for (p = q != NULL ? q + 1 : end; *p != '\0'; p = end) {
		const char *eq;

		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL) {
			rc = op_err(URI_ERR, "'%.*s' in key URI '%s' is not "
			    "name=value", (int)(end - p), p, s);
			goto fail;
		}
		if ((rc = uri_attr(u, p, (size_t)(eq - p), eq + 1,
		    (size_t)(end - eq - 1))) != 0)
			goto fail;
		if (*end == '&')
			end++;
	}

	return 0;
fail:
	oprov_uri_clear(u);

	return rc;
}

void
oprov_uri_clear(struct oprov_uri *u)
{
	free(u->device);
	free(u->pub);
	memset(u, 0, sizeof(*u));
}
