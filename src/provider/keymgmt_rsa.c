/*
 * The RSA key manager: RSA-1024 and RSA-2048 keys (e = 65537) in E0FC
 * and E0FD, for PKCS#1 v1.5 signatures (see signature.c for why PSS is
 * impossible).
 */
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/oprov.h"
#include "provider/prov_int.h"

static const OSSL_PARAM rsa_public_types[] = {
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM rsa_gettable[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_utf8_string(OPROV_PARAM_URI, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM rsa_gen_settable[] = {
	OSSL_PARAM_utf8_string(OPROV_PARAM_SLOT, NULL, 0),
	OSSL_PARAM_utf8_string(OPROV_PARAM_ALG, NULL, 0),
	OSSL_PARAM_utf8_string(OPROV_PARAM_DEVICE, NULL, 0),
	OSSL_PARAM_uint(OPROV_PARAM_USAGE, NULL),
	OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, NULL),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_END
};

static void *
rsa_new(void *provctx)
{
	return oprov_km_new_type(provctx, "RSA");
}

static void *
rsa_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	return oprov_km_gen_init_type(provctx, "RSA", params);
}

static const OSSL_PARAM *
rsa_public_param_types(int selection)
{
	return rsa_public_types;
}

static const OSSL_PARAM *
rsa_gettable_params(void *provctx)
{
	return rsa_gettable;
}

static const OSSL_PARAM *
rsa_gen_settable_params(void *genctx, void *provctx)
{
	return rsa_gen_settable;
}

static const char *
rsa_query_operation_name(int operation_id)
{
	return operation_id == OSSL_OP_SIGNATURE ? "RSA" : NULL;
}

const OSSL_DISPATCH oprov_rsa_keymgmt_functions[] = {
	OPROV_KEYMGMT_DISPATCH(rsa)
};
