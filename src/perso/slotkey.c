/*
 * The chip key as an OpenSSL key, through the optiga provider: the same
 * path serves the CSR, the proof of possession and, later, TLS.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/store.h>

#include "perso/perso.h"
#include "provider/oprov.h"
#include "util/err.h"

#define CRYPTO_ERR(code) OP_RC(OP_LAYER_CRYPTO, code)

/* challenge size for the proof of possession */
#define PROVE_LEN 32

static int
ossl_fail(int code, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256] = "";

	/* a chip refusal keeps its own status and message */
	if (op_err_last() != 0) {
		ERR_clear_error();
		return op_errctx(op_err_last(), "%s", what);
	}
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();

	return op_err(CRYPTO_ERR(code), "%s%s%s", what, buf[0] ? ": " : "",
	    buf);
}

uint16_t
perso_cert_slot_for(uint16_t key_slot)
{
	switch (key_slot) {
	case OID_DEVICE_KEY: return OID_DEVICE_CERT;
	case OID_ECC_KEY_1: return OID_CERT_1;
	case OID_ECC_KEY_2: return OID_CERT_2;
	case OID_ECC_KEY_3: return OID_CERT_3;
	default: return 0;
	}
}

int
perso_key_generate(OSSL_LIB_CTX *libctx, const char *device,
    uint16_t slot, const struct chip_alg_info *alg, uint8_t usage,
    EVP_PKEY **key)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[5];
	char oid[8];
	unsigned int u = usage;
	int r;

	*key = NULL;
	snprintf(oid, sizeof(oid), "0x%04X", slot);
	params[0] = OSSL_PARAM_construct_utf8_string(OPROV_PARAM_SLOT, oid, 0);
	params[1] = OSSL_PARAM_construct_utf8_string(OPROV_PARAM_ALG,
	    (char *)(uintptr_t)alg->name, 0);
	params[2] = OSSL_PARAM_construct_utf8_string(OPROV_PARAM_DEVICE,
	    (char *)(uintptr_t)device, 0);
	params[3] = OSSL_PARAM_construct_uint(OPROV_PARAM_USAGE, &u);
	params[4] = OSSL_PARAM_construct_end();

	op_err_clear();
	ctx = EVP_PKEY_CTX_new_from_name(libctx, alg->rsa ? "RSA" : "EC",
	    "provider=" OPROV_NAME);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(ctx, params) <= 0) {
		r = ossl_fail(OP_E_INVAL, "preparing key generation");
		goto out;
	}
	if (EVP_PKEY_generate(ctx, key) <= 0) {
		r = ossl_fail(OP_E_INVAL, "generating the key pair");
		goto out;
	}
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);

	return r;
}

int
perso_key_load(OSSL_LIB_CTX *libctx, const char *device, uint16_t slot,
    const char *pub_path, EVP_PKEY **key)
{
	OSSL_STORE_CTX *st = NULL;
	OSSL_STORE_INFO *info;
	char uri[1024];
	int r;

	*key = NULL;
	if (pub_path != NULL)
		snprintf(uri, sizeof(uri), "optiga:0x%04X?device=%s&pub=%s",
		    slot, device, pub_path);
	else
		snprintf(uri, sizeof(uri), "optiga:0x%04X?device=%s", slot,
		    device);

	op_err_clear();
	if ((st = OSSL_STORE_open_ex(uri, libctx, "provider=" OPROV_NAME,
	    NULL, NULL, NULL, NULL, NULL)) == NULL) {
		r = ossl_fail(OP_E_NOTFOUND, "opening the key");
		goto out;
	}
	OSSL_STORE_expect(st, OSSL_STORE_INFO_PKEY);
	while (*key == NULL && !OSSL_STORE_eof(st)) {
		if ((info = OSSL_STORE_load(st)) == NULL)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			*key = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	if (*key == NULL) {
		r = ossl_fail(OP_E_NOTFOUND, "loading the key");
		goto out;
	}
	r = 0;
out:
	OSSL_STORE_close(st);
	if (r != 0)
		op_errctx(r, "key slot 0x%04X", slot);

	return r;
}

int
perso_key_check(OSSL_LIB_CTX *libctx, EVP_PKEY *key, EVP_PKEY *pub)
{
	uint8_t challenge[PROVE_LEN];
	uint8_t sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *mctx = NULL;
	int r;

	if (RAND_bytes_ex(libctx, challenge, sizeof(challenge), 0) != 1)
		return ossl_fail(OP_E_INTERNAL, "no random challenge");

	op_err_clear();
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, NULL, key,
	    NULL) != 1 ||
	    EVP_DigestSign(mctx, sig, &siglen, challenge,
	    sizeof(challenge)) != 1) {
		r = ossl_fail(OP_E_INVAL, "the chip could not sign the "
		    "challenge");
		goto out;
	}
	EVP_MD_CTX_free(mctx);

	/* verify on the host, never through the chip */
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(mctx, NULL, "SHA256", libctx,
	    "provider!=" OPROV_NAME, pub, NULL) != 1) {
		r = ossl_fail(OP_E_INVAL, "cannot check the challenge");
		goto out;
	}
	if (EVP_DigestVerify(mctx, sig, siglen, challenge,
	    sizeof(challenge)) != 1) {
		ERR_clear_error();
		r = op_err(CRYPTO_ERR(OP_E_VERIFY), "a signature made by the "
		    "chip does not verify under the expected public key");
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(mctx);
	OPENSSL_cleanse(challenge, sizeof(challenge));

	return r;
}

int
perso_key_prove(OSSL_LIB_CTX *libctx, EVP_PKEY *key, X509 *cert)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int r;

	if (pub == NULL)
		return op_err(CRYPTO_ERR(OP_E_INVAL), "the certificate's "
		    "public key cannot be decoded");
	if ((r = perso_key_check(libctx, key, pub)) != 0 &&
	    OP_RC_CODE(r) == OP_E_VERIFY)
		return op_err(r, "the certificate does not belong to the key "
		    "in the chip: a signature made by the chip does not "
		    "verify under the certificate's public key");

	return r;
}
