/*
 * Subjects written the way openssl writes them: "/C=DE/O=Example/CN=Name",
 * a backslash escaping a '/' or '\' inside a value.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca/ca_int.h"

/* Copy one "type=value" element, unescaping; returns the end. */
static const char *
next_element(const char *p, char *buf, size_t cap)
{
	size_t n = 0;

	while (*p != '\0' && *p != '/') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		if (n + 1 < cap)
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';

	return p;
}

int
ca_subject_parse(const char *s, X509_NAME **out)
{
	X509_NAME *name = NULL;
	char *buf = NULL;
	const char *p = s;
	size_t cap = strlen(s) + 1;
	int rc;

	*out = NULL;
	if (*p != '/') {
		rc = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "subject '%s' "
		    "must start with '/', as in /C=DE/O=Example/CN=Example "
		    "CA", s);
		goto fail;
	}
	if ((name = X509_NAME_new()) == NULL ||
	    (buf = malloc(cap)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	while (*p == '/') {
		char *eq;

		p = next_element(p + 1, buf, cap);
		if (buf[0] == '\0')
			continue;
		if ((eq = strchr(buf, '=')) == NULL || eq == buf ||
		    eq[1] == '\0') {
			rc = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "subject element '%s' is not TYPE=VALUE (as in "
			    "CN=Example CA)", buf);
			goto fail;
		}
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, buf, MBSTRING_UTF8,
		    (unsigned char *)eq + 1, -1, -1, 0)) {
			ERR_clear_error();
			rc = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "subject element '%s=%s' is not valid: unknown "
			    "type or value too long (types: C, ST, L, O, OU, "
			    "CN, emailAddress)", buf, eq + 1);
			goto fail;
		}
	}
	if (X509_NAME_get_index_by_NID(name, NID_commonName, -1) < 0) {
		rc = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "subject '%s' "
		    "has no CN; add /CN=NAME", s);
		goto fail;
	}

	*out = name;
	name = NULL;
	rc = 0;
fail:
	X509_NAME_free(name);
	free(buf);

	return rc;
}
