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
	OPROV_KEYMGMT_DISPATCH(ec)
};
