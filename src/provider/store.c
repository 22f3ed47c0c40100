/*
 * The store loader for optiga: URIs.  A key slot yields the key object
 * (by reference: a pointer that the key manager's load takes over), then
 * the certificate in its certificate slot, if one is there.  A
 * certificate slot (optiga:0xE0E1) yields its certificate alone.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "provider/prov_int.h"
#include "util/err.h"
#include "util/log.h"

enum store_step { STEP_KEY, STEP_CERT, STEP_EOF };

struct store_ctx {
	struct oprov_ctx *prov;
	struct oprov_uri uri;
	int expect;			/* OSSL_STORE_INFO_*, 0 = any */
	enum store_step step;
};

static bool
is_key_slot(uint16_t oid)
{
	return (oid >= OID_DEVICE_KEY && oid <= OID_ECC_KEY_3) ||
	    oid == OID_RSA_KEY_1 || oid == OID_RSA_KEY_2;
}

static void *
store_open(void *provctx, const char *uri)
{
	struct oprov_ctx *prov = provctx;
	struct store_ctx *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->prov = prov;
	if ((rc = oprov_uri_parse(uri, &s->uri)) != 0) {
		OPROV_RAISE(prov, rc);
		free(s);
		return NULL;
	}
	s->step = is_key_slot(s->uri.oid) ? STEP_KEY : STEP_CERT;

	return s;
}

static int
store_set_params(void *loaderctx, const OSSL_PARAM params[])
{
	struct store_ctx *s = loaderctx;
	const OSSL_PARAM *p;

	p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
	if (p != NULL && !OSSL_PARAM_get_int(p, &s->expect))
		return 0;

	return 1;
}

static const OSSL_PARAM *
store_settable_params(void *provctx)
{
	static const OSSL_PARAM settable[] = {
		OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
		OSSL_PARAM_END
	};

	return settable;
}

static bool
wanted(const struct store_ctx *s, int type)
{
	return s->expect == 0 || s->expect == type;
}

static int
load_key(struct store_ctx *s, OSSL_CALLBACK *cb, void *cbarg)
{
	struct oprov_key *key = NULL;
	int type = OSSL_OBJECT_PKEY;
	OSSL_PARAM params[4];
	int rc, ok;

	if ((rc = oprov_slot_resolve(s->prov, &s->uri, &key)) != 0) {
		OPROV_RAISE(s->prov, rc);
		return 0;
	}

	params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
	params[1] = OSSL_PARAM_construct_utf8_string(
	    OSSL_OBJECT_PARAM_DATA_TYPE, (char *)(uintptr_t)key->type, 0);
	/* The reference is the pointer itself; see oprov_km_load(). */
	params[2] = OSSL_PARAM_construct_octet_string(
	    OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof(key));
	params[3] = OSSL_PARAM_construct_end();
	ok = cb(params, cbarg);

	/* Not taken (another provider's key manager, an error): ours. */
	oprov_key_free(key);

	return ok;
}

/* A missing or unreadable certificate is no error: there may be none. */
static int
load_cert(struct store_ctx *s, uint16_t oid, OSSL_CALLBACK *cb,
    void *cbarg)
{
	const char *dev = oprov_device(s->prov, s->uri.device);
	int type = OSSL_OBJECT_CERT;
	OSSL_PARAM params[3];
	struct chip *chip;
	uint8_t *der = NULL;
	size_t len;
	int rc, ok;

	if (oid == 0 || (rc = oprov_dev_lock(dev, &chip, NULL)) != 0)
		return 1;
	rc = oprov_cert_read(chip, oid, &der, &len);
	oprov_dev_unlock(dev, rc);
	if (rc != 0) {
		OP_DEBUG(PROV_LOG, "no certificate: %s", op_errmsg());
		return 1;
	}

	params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA,
	    der, len);
	params[2] = OSSL_PARAM_construct_end();
	ok = cb(params, cbarg);
	free(der);

	return ok;
}

static int
store_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
    OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
	struct store_ctx *s = loaderctx;
	uint16_t cert_oid;
	int ok;

	/* the key, when it is wanted; one object per call */
	if (s->step == STEP_KEY) {
		s->step = STEP_CERT;
		if (wanted(s, OSSL_STORE_INFO_PKEY)) {
			if (!(ok = load_key(s, object_cb, object_cbarg)))
				s->step = STEP_EOF;
			return ok;
		}
	}

	/* then the certificate */
	if (s->step != STEP_CERT)
		return 1;
	s->step = STEP_EOF;
	if (!wanted(s, OSSL_STORE_INFO_CERT))
		return 1;
	if (!is_key_slot(s->uri.oid))
		cert_oid = s->uri.oid;
	else if (s->uri.cert != 0)
		cert_oid = s->uri.cert;
	else
		cert_oid = oprov_cert_slot(s->prov, s->uri.oid);

	return load_cert(s, cert_oid, object_cb, object_cbarg);
}

static int
store_eof(void *loaderctx)
{
	const struct store_ctx *s = loaderctx;

	return s->step == STEP_EOF;
}

static int
store_close(void *loaderctx)
{
	struct store_ctx *s = loaderctx;

	if (s == NULL)
		return 1;
	oprov_uri_clear(&s->uri);
	free(s);

	return 1;
}

const OSSL_DISPATCH oprov_store_functions[] = {
	{ OSSL_FUNC_STORE_OPEN, (void (*)(void))store_open },
	{ OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS,
	    (void (*)(void))store_settable_params },
	{ OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))store_set_params },
	{ OSSL_FUNC_STORE_LOAD, (void (*)(void))store_load },
	{ OSSL_FUNC_STORE_EOF, (void (*)(void))store_eof },
	{ OSSL_FUNC_STORE_CLOSE, (void (*)(void))store_close },
	{ 0, NULL }
};
