/*
 * A CA key in a PKCS#11 token (an HSM, a smart card, SoftHSM2), named by
 * an RFC 7512 URI such as
 *   pkcs11:token=ca;object=ca-key;type=private?module-path=/usr/lib/...
 *
 * The key is reached through libp11's pkcs11 engine
 * (libengine-pkcs11-openssl): in Debian 12 it is the maintained way for
 * OpenSSL 3 to use a PKCS#11 key, since pkcs11-provider only arrives in
 * Debian 13.  The engine API is deprecated in OpenSSL 3.0 but present
 * and supported through the 3.x series; its use is confined to this
 * file, which alone is compiled with OPENSSL_SUPPRESS_DEPRECATED.  The
 * key it gives is an ordinary EVP_PKEY: X509_sign and
 * X509_check_private_key work on it unchanged, the private half never
 * leaves the token.
 *
 * module-path (RFC 7512 query attribute) selects the module; without it
 * the engine takes PKCS11_MODULE_PATH or p11-kit's proxy, which serves
 * every module registered with p11-kit (SoftHSM2's is).  The PIN comes
 * from pin-value in the URI or from the CA passphrase source (--pass).
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/ui.h>

#include "ca/ca_int.h"
#include "util/log.h"

/* the engine and the token are used by one thread at a time here */
static pthread_mutex_t p11_lock = PTHREAD_MUTEX_INITIALIZER;

bool
ca_key_is_uri(const char *s)
{
	return s != NULL && strncmp(s, "pkcs11:", 7) == 0;
}

/*
 * Split off the query attributes we handle (module-path) or must keep
 * out of files (pin-value); what is left goes to the engine.
 */
static int
uri_split(const char *uri, char **engine_uri, char **module, bool *has_pin)
{
	char *copy = strdup(uri);
	char *q;
	size_t cap = strlen(uri) + 2;
	char *rest = calloc(1, cap);

	*engine_uri = NULL;
	*module = NULL;
	*has_pin = false;
	if (copy == NULL || rest == NULL) {
		free(copy);
		free(rest);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	if ((q = strchr(copy, '?')) != NULL)
		*q++ = '\0';
	for (char *save = NULL, *a = q ? strtok_r(q, "&", &save) : NULL;
	    a != NULL; a = strtok_r(NULL, "&", &save)) {
		if (strncmp(a, "module-path=", 12) == 0) {
			free(*module);
			*module = strdup(a + 12);
			continue;
		}
		if (strncmp(a, "pin-value=", 10) == 0)
			*has_pin = true;
		strcat(rest, rest[0] ? "&" : "?");
		strcat(rest, a);
	}
	if (asprintf(engine_uri, "%s%s", copy, rest) < 0)
		*engine_uri = NULL;
	free(copy);
	free(rest);
	if (*engine_uri == NULL) {
		free(*module);
		*module = NULL;
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}

	return 0;
}

char *
ca_key_uri_public(const char *uri)
{
	char *pub = strdup(uri);
	char *p;

	/* drop pin-value=...: a PIN does not go into ca.json */
	while (pub != NULL && (p = strstr(pub, "pin-value=")) != NULL) {
		char *end = strchr(p, '&');

		if (end != NULL)
			memmove(p, end + 1, strlen(end + 1) + 1);
		else
			*(p > pub && (p[-1] == '&' || p[-1] == '?') ? p - 1 :
			    p) = '\0';
	}

	return pub;
}

/* A UI that never prompts: without a PIN the login fails, with a hint. */
static int
no_prompt(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;

	return -1;
}

static ENGINE *
engine_open(const char *module, const char *pin)
{
	ENGINE *e;

	if ((e = ENGINE_by_id("pkcs11")) == NULL)
		return NULL;
	if ((module != NULL && !ENGINE_ctrl_cmd_string(e, "MODULE_PATH",
	    module, 0)) || !ENGINE_init(e)) {
		ENGINE_free(e);
		return NULL;
	}
	/* the functional reference from ENGINE_init is the one we keep */
	ENGINE_free(e);
	if (pin != NULL && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
		ENGINE_finish(e);
		return NULL;
	}

	return e;
}

int
ca_pkcs11_load(const char *uri, const struct ca_pass *p, EVP_PKEY **out)
{
	char *engine_uri = NULL;
	char *module = NULL;
	char *shown = ca_key_uri_public(uri);
	char *pin = NULL;
	size_t pinlen = 0;
	bool has_pin;
	UI_METHOD *ui = NULL;
	ENGINE *e = NULL;
	int rc;

	*out = NULL;
	if ((rc = uri_split(uri, &engine_uri, &module, &has_pin)) != 0)
		return rc;
	if (!has_pin && p != NULL && p->source != CA_PASS_NONE &&
	    (rc = ca_pass_get(p, false, &pin, &pinlen)) != 0)
		goto fail;

	pthread_mutex_lock(&p11_lock);
	if ((e = engine_open(module, pin)) == NULL) {
		pthread_mutex_unlock(&p11_lock);
		rc = ca_crypto_err(OP_E_NOTFOUND, "cannot start OpenSSL's "
		    "pkcs11 engine%s%s (install libengine-pkcs11-openssl; "
		    "check module-path in the URI)", module ? " with " : "",
		    module ? module : "");
		goto fail;
	}
	ui = UI_UTIL_wrap_read_pem_callback(no_prompt, 0);
	*out = ENGINE_load_private_key(e, engine_uri, ui, NULL);
	/* the key holds its own reference to the engine */
	ENGINE_finish(e);
	pthread_mutex_unlock(&p11_lock);
	if (*out == NULL) {
		rc = ca_crypto_err(OP_E_NOTFOUND, "no private key at %s in "
		    "the PKCS#11 token%s", shown ? shown : "the URI",
		    !has_pin && pin ==
		    NULL ? "; if the token needs a PIN, give it with --pass "
		    "(ca) / --ca-pass (personalize) or pin-value in the URI" :
		    "");
		goto fail;
	}
	OP_DEBUG("ca", "CA key from PKCS#11: %s", shown ? shown : "");

	rc = 0;
fail:
	UI_destroy_method(ui);
	ca_pass_free(pin, pinlen);
	free(engine_uri);
	free(module);
	free(shown);

	return rc;
}
