/*
 * The EC key manager: ECDSA keys in E0F0..E0F3 on every curve the chip
 * has (P-256, P-384, P-521, brainpoolP256r1/384r1/512r1; which of them a
 * given chip supports is the chip's answer at key generation).
 */
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/oprov.h"
#include "provider/prov_int.h"

static const OSSL_PARAM ec_public_types[] = {
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM ec_gettable[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_EC_PUB_X, NULL, 0),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_EC_PUB_Y, NULL, 0),
	OSSL_PARAM_utf8_string(OPROV_PARAM_URI, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM ec_gen_settable[] = {
	OSSL_PARAM_utf8_string(OPROV_PARAM_SLOT, NULL, 0),
	OSSL_PARAM_utf8_string(OPROV_PARAM_ALG, NULL, 0),
	OSSL_PARAM_utf8_string(OPROV_PARAM_DEVICE, NULL, 0),
	OSSL_PARAM_uint(OPROV_PARAM_USAGE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	OSSL_PARAM_END
};

static void *
ec_new(void *provctx)
{
	return oprov_km_new_type(provctx, "EC");
}

static void *
ec_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	return oprov_km_gen_init_type(provctx, "EC", params);
}

static const OSSL_PARAM *
ec_public_param_types(int selection)
{
	return ec_public_types;
}

static const OSSL_PARAM *
ec_gettable_params(void *provctx)
{
	return ec_gettable;
}

static const OSSL_PARAM *
ec_gen_settable_params(void *genctx, void *provctx)
{
	return ec_gen_settable;
}

static const char *
ec_query_operation_name(int operation_id)
{
	return operation_id == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

const OSSL_DISPATCH oprov_ec_keymgmt_functions[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))ec_new },
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))oprov_km_free },
	{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))oprov_km_dup },
	{ OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))oprov_km_load },
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))oprov_km_has },
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))oprov_km_match },
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))oprov_km_import },
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES,
	    (void (*)(void))ec_public_param_types },
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))oprov_km_export },
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES,
	    (void (*)(void))ec_public_param_types },
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))oprov_km_get_params },
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,
	    (void (*)(void))ec_gettable_params },
	{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))ec_gen_init },
	{ OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS,
	    (void (*)(void))oprov_km_gen_set_params },
	{ OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS,
	    (void (*)(void))ec_gen_settable_params },
	{ OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))oprov_km_gen },
	{ OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))oprov_km_gen_cleanup },
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,
	    (void (*)(void))ec_query_operation_name },
	{ 0, NULL }
};
