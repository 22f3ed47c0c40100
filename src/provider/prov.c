/*
 * Provider entry: configuration, the algorithm tables, errors, and the
 * in-process loader for our own programs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "provider/oprov.h"
#include "provider/prov_int.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

static const OSSL_ALGORITHM keymgmt_algs[] = {
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", OPROV_PROPS,
	    oprov_ec_keymgmt_functions, "OPTIGA EC key slot" },
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", OPROV_PROPS,
	    oprov_rsa_keymgmt_functions, "OPTIGA RSA key slot" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM signature_algs[] = {
	{ "ECDSA", OPROV_PROPS, oprov_ecdsa_signature_functions,
	    "ECDSA computed by the OPTIGA chip" },
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", OPROV_PROPS,
	    oprov_rsa_signature_functions,
	    "RSA PKCS#1 v1.5 computed by the OPTIGA chip" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM store_algs[] = {
	{ "optiga", OPROV_PROPS, oprov_store_functions,
	    "OPTIGA key slots: optiga:0xE0F1[?device=...&pub=...]" },
	{ NULL, NULL, NULL, NULL }
};

/*
 * Reason codes are the op_code values (util/err.h).  OSSL_ITEM wants a
 * writable pointer, hence the arrays.
 */
static char rs_io[] = "input/output error";
static char rs_timeout[] = "timeout";
static char rs_nack[] = "chip did not answer";
static char rs_protocol[] = "protocol error";
static char rs_crc[] = "checksum error";
static char rs_nomem[] = "out of memory";
static char rs_inval[] = "invalid argument";
static char rs_range[] = "out of range";
static char rs_notfound[] = "not found";
static char rs_perm[] = "permission denied";
static char rs_exists[] = "exists";
static char rs_unsupported[] = "not supported";
static char rs_verify[] = "verification failed";
static char rs_busy[] = "busy";
static char rs_state[] = "wrong state";
static char rs_auth[] = "refused";
static char rs_internal[] = "internal error";

static const OSSL_ITEM reason_strings[] = {
	{ OP_E_IO, rs_io },
	{ OP_E_TIMEOUT, rs_timeout },
	{ OP_E_NACK, rs_nack },
	{ OP_E_PROTOCOL, rs_protocol },
	{ OP_E_CRC, rs_crc },
	{ OP_E_NOMEM, rs_nomem },
	{ OP_E_INVAL, rs_inval },
	{ OP_E_RANGE, rs_range },
	{ OP_E_NOTFOUND, rs_notfound },
	{ OP_E_PERM, rs_perm },
	{ OP_E_EXISTS, rs_exists },
	{ OP_E_UNSUPPORTED, rs_unsupported },
	{ OP_E_VERIFY, rs_verify },
	{ OP_E_BUSY, rs_busy },
	{ OP_E_STATE, rs_state },
	{ OP_E_AUTH, rs_auth },
	{ OP_E_INTERNAL, rs_internal },
	{ 0, NULL }
};

static const OSSL_PARAM gettable_params[] = {
	OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
	OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
	OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
	OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
	OSSL_PARAM_END
};

static void
raise_fmt(struct oprov_ctx *prov, int reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	prov->vset_error(prov->handle, (uint32_t)reason, fmt, ap);
	va_end(ap);
}

void
oprov_raise(struct oprov_ctx *prov, int rc, const char *func)
{
	const char *msg = op_errmsg();
	char name[64];
	int reason = OP_RC_CODE(rc);

	if (reason <= 0 || reason >= OP_E_MAX)
		reason = OP_E_INTERNAL;
	OP_DEBUG(PROV_LOG, "%s: %s", func, msg);
	if (prov == NULL || prov->new_error == NULL ||
	    prov->set_error_debug == NULL || prov->vset_error == NULL)
		return;

	op_strerr(rc, name, sizeof(name));
	prov->new_error(prov->handle);
	prov->set_error_debug(prov->handle, "optiga", 0, func);
	raise_fmt(prov, reason, "%s [%s]", msg[0] ? msg : "failed", name);
}

const char *
oprov_device(const struct oprov_ctx *prov, const char *dev)
{
	if (dev != NULL && dev[0] != '\0')
		return dev;
	if (prov != NULL && prov->device != NULL && prov->device[0] != '\0')
		return prov->device;

	return NULL;
}

static const OSSL_PARAM *
prov_gettable_params(void *provctx)
{
	return gettable_params;
}

static int
prov_get_params(void *provctx, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "OPTIGA Trust provider"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, OP_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "optiga-perso "
	    OP_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (p != NULL && !OSSL_PARAM_set_int(p, 1))
		return 0;

	return 1;
}

static const OSSL_ALGORITHM *
prov_query(void *provctx, int operation_id, int *no_cache)
{
	*no_cache = 0;
	switch (operation_id) {
	case OSSL_OP_KEYMGMT:
		return keymgmt_algs;
	case OSSL_OP_SIGNATURE:
		return signature_algs;
	case OSSL_OP_STORE:
		return store_algs;
	default:
		return NULL;
	}
}

static const OSSL_ITEM *
prov_reason_strings(void *provctx)
{
	return reason_strings;
}

static void
prov_teardown(void *provctx)
{
	struct oprov_ctx *prov = provctx;

	if (prov == NULL)
		return;
	OSSL_LIB_CTX_free(prov->libctx);
	free(prov->device);
	free(prov->cache_dir);
	free(prov);
	oprov_dev_unref();
}

static const OSSL_DISPATCH prov_functions[] = {
	{ OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))prov_teardown },
	{ OSSL_FUNC_PROVIDER_GETTABLE_PARAMS,
	    (void (*)(void))prov_gettable_params },
	{ OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))prov_get_params },
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))prov_query },
	{ OSSL_FUNC_PROVIDER_GET_REASON_STRINGS,
	    (void (*)(void))prov_reason_strings },
	{ 0, NULL }
};

static char *
dup_nonempty(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return NULL;

	return strdup(s);
}

/*
 * Settings from the provider's section of openssl.cnf, e.g.
 *   [optiga_sect]
 *   device = sim:/run/optiga.sock
 *   pubcache-dir = /var/lib/optiga/pub
 *   cert-E0FC = 0xE0E3
 * The environment (OPTIGA_DEVICE) fills in a device not configured.
 */
static int
prov_configure(struct oprov_ctx *prov, OSSL_FUNC_core_get_params_fn *get)
{
	char *device = NULL, *cache = NULL, *rsa1 = NULL, *rsa2 = NULL;
	OSSL_PARAM req[] = {
		OSSL_PARAM_utf8_ptr("device", &device, 0),
		OSSL_PARAM_utf8_ptr("pubcache-dir", &cache, 0),
		OSSL_PARAM_utf8_ptr("cert-E0FC", &rsa1, 0),
		OSSL_PARAM_utf8_ptr("cert-E0FD", &rsa2, 0),
		OSSL_PARAM_END
	};
	int rc;

	if (get != NULL && !get(prov->handle, req))
		OP_DEBUG(PROV_LOG, "no configuration from the core");

	if ((prov->device = dup_nonempty(device)) == NULL)
		prov->device = dup_nonempty(getenv("OPTIGA_DEVICE"));
	prov->cache_dir = dup_nonempty(cache);

	if (rsa1 != NULL && (rc = op_parse_oid(rsa1, &prov->rsa_cert[0])))
		return op_errctx(rc, "provider setting cert-E0FC");
	if (rsa2 != NULL && (rc = op_parse_oid(rsa2, &prov->rsa_cert[1])))
		return op_errctx(rc, "provider setting cert-E0FD");

	return 0;
}

int
oprov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	OSSL_FUNC_core_get_params_fn *get_params = NULL;
	const OSSL_DISPATCH *f;
	struct oprov_ctx *prov;
	int rc;

	if ((prov = calloc(1, sizeof(*prov))) == NULL)
		return 0;
	prov->handle = handle;
	oprov_dev_ref();

	for (f = in; f->function_id != 0; f++) {
		switch (f->function_id) {
		case OSSL_FUNC_CORE_GET_PARAMS:
			get_params = OSSL_FUNC_core_get_params(f);
			break;
		case OSSL_FUNC_CORE_NEW_ERROR:
			prov->new_error = OSSL_FUNC_core_new_error(f);
			break;
		case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
			prov->set_error_debug =
			    OSSL_FUNC_core_set_error_debug(f);
			break;
		case OSSL_FUNC_CORE_VSET_ERROR:
			prov->vset_error = OSSL_FUNC_core_vset_error(f);
			break;
		default:
			break;
		}
	}

	op_log_init_env();
	if ((rc = prov_configure(prov, get_params)) != 0) {
		OPROV_RAISE(prov, rc);
		goto fail;
	}

	/*
	 * A child context sees the providers of the application's context
	 * (default, fips, ...), so hashing and public key work follow the
	 * application's choice.
	 */
	if ((prov->libctx = OSSL_LIB_CTX_new_child(handle, in)) == NULL)
		goto fail;

	*out = prov_functions;
	*provctx = prov;

	return 1;
fail:
	prov_teardown(prov);

	return 0;
}

int
oprov_load(OSSL_LIB_CTX *libctx, OSSL_PROVIDER **out)
{
	OSSL_PROVIDER *p;

	*out = NULL;
	/*
	 * A second registration in the same context fails with "already
	 * exists", which is what we want; keep it off the error queue.
	 */
	ERR_set_mark();
	(void)OSSL_PROVIDER_add_builtin(libctx, OPROV_NAME, oprov_init);
	ERR_pop_to_mark();

	if ((p = OSSL_PROVIDER_load(libctx, OPROV_NAME)) == NULL)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_NOTFOUND),
		    "cannot load the built-in OpenSSL provider '%s'",
		    OPROV_NAME);
	*out = p;

	return 0;
}
