/*
 * Signatures computed by the chip.  The host hashes (digest-sign: init,
 * update, final, as X509_REQ_sign_ctx and libssl use it) and the chip
 * signs the digest (CalcSign).  Plain EVP_PKEY_sign takes a precomputed
 * digest.
 *
 * ECDSA: any digest; one longer than the curve's order is cut to the
 * order's length first (FIPS 186-4 6.4, exact for these byte-aligned
 * curves).  Works for TLS 1.2 and TLS 1.3.
 *
 * RSA: PKCS#1 v1.5 with SHA-256/384/512 only; the chip adds the
 * DigestInfo itself and has no raw RSA private operation, so RSA-PSS is
 * impossible.  TLS 1.3 requires PSS for RSA keys, so TLS 1.3 with an RSA
 * chip key cannot work; TLS 1.2 with PKCS#1 v1.5 can.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "provider/prov_int.h"
#include "util/err.h"
#include "util/log.h"

#define SIG_ERR(code) OP_RC(OP_LAYER_CRYPTO, code)
#define SIG_MAX 1024

struct sigctx {
	struct oprov_ctx *prov;
	struct oprov_key *key;		/* libcrypto holds a reference */
	bool rsa;
	EVP_MD *md;			/* NULL: not chosen yet */
	EVP_MD_CTX *mdctx;		/* while digest-signing */
	EVP_MD_CTX *vmdctx;		/* while digest-verifying */
	bool verifying;
};

static void *
sig_newctx(void *provctx, const char *propq, bool rsa)
{
	struct sigctx *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->prov = provctx;
	c->rsa = rsa;

	return c;
}

static void *
ecdsa_newctx(void *provctx, const char *propq)
{
	return sig_newctx(provctx, propq, false);
}

static void *
rsa_newctx(void *provctx, const char *propq)
{
	return sig_newctx(provctx, propq, true);
}

static void
sig_freectx(void *ctx)
{
	struct sigctx *c = ctx;

	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->mdctx);
	EVP_MD_CTX_free(c->vmdctx);
	EVP_MD_free(c->md);
	free(c);
}

static void *
sig_dupctx(void *ctx)
{
	const struct sigctx *c = ctx;
	struct sigctx *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	*d = *c;
	d->md = NULL;
	d->mdctx = NULL;
	d->vmdctx = NULL;
	if (c->md != NULL) {
		if (!EVP_MD_up_ref(c->md))
			goto fail;
		d->md = c->md;
	}
	if (c->mdctx != NULL && ((d->mdctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_MD_CTX_copy_ex(d->mdctx, c->mdctx)))
		goto fail;
	if (c->vmdctx != NULL && ((d->vmdctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_MD_CTX_copy_ex(d->vmdctx, c->vmdctx)))
		goto fail;

	return d;
fail:
	sig_freectx(d);

	return NULL;
}

/* The digests the chip can sign with: RSA names the hash in CalcSign. */
static int
md_check(const struct sigctx *c, const EVP_MD *md)
{
	int size = EVP_MD_get_size(md);

	if (c->rsa && !EVP_MD_is_a(md, "SHA256") && !EVP_MD_is_a(md,
	    "SHA384") && !EVP_MD_is_a(md, "SHA512"))
		return op_err(SIG_ERR(OP_E_UNSUPPORTED), "the chip signs RSA "
		    "PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512 only, not "
		    "%s", EVP_MD_get0_name(md));
	if (size <= 0 || size > 64)
		return op_err(SIG_ERR(OP_E_UNSUPPORTED), "digest %s is not "
		    "one the chip can sign (at most 64 bytes)",
		    EVP_MD_get0_name(md));

	return 0;
}

static int
sig_set_md(struct sigctx *c, const char *name, const char *props)
{
	EVP_MD *md;
	int rc;

	if ((md = EVP_MD_fetch(c->prov->libctx, name, props != NULL ?
	    props : OPROV_PROPQ)) == NULL)
		return op_err(SIG_ERR(OP_E_NOTFOUND), "no digest '%s' in "
		    "the loaded providers (load the default provider too)",
		    name);
	if ((rc = md_check(c, md)) != 0) {
		EVP_MD_free(md);
		return rc;
	}
	EVP_MD_free(c->md);
	c->md = md;

	return 0;
}

static int
sig_set_key(struct sigctx *c, void *provkey)
{
	struct oprov_key *key = provkey;

	if (key == NULL || key->oid == 0 || key->pub == NULL)
		return op_err(SIG_ERR(OP_E_INVAL), "this key names no chip "
		    "slot, so it cannot sign (load it as optiga:0xE0F1)");
	if ((key->alg != NULL && key->alg->rsa != c->rsa) ||
	    (c->rsa != EVP_PKEY_is_a(key->pub, "RSA")))
		return op_err(SIG_ERR(OP_E_INVAL), "slot 0x%04X holds no %s "
		    "key", key->oid, c->rsa ? "RSA" : "EC");
	c->key = key;

	return 0;
}

static int sig_set_params(void *ctx, const OSSL_PARAM params[]);

static int
sig_sign_init(void *ctx, void *provkey, const OSSL_PARAM params[])
{
	struct sigctx *c = ctx;
	int rc;

	if ((rc = sig_set_key(c, provkey)) != 0) {
		OPROV_RAISE(c->prov, rc);
		return 0;
	}

	return sig_set_params(c, params);
}

/* One CalcSign; sig must hold SIG_MAX bytes. */
static int
sig_chip(struct sigctx *c, const uint8_t *dgst, size_t dlen, uint8_t *sig,
    size_t *siglen)
{
	const struct oprov_key *key = c->key;
	const char *uri = oprov_device(c->prov, key->device);
	struct chip *chip;
	int rc;

	if (c->rsa && dlen != 32 && dlen != 48 && dlen != 64)
		return op_err(SIG_ERR(OP_E_INVAL), "RSA signing needs a "
		    "SHA-256, SHA-384 or SHA-512 digest, not %zu bytes",
		    dlen);
	if (c->rsa && c->md != NULL && (size_t)EVP_MD_get_size(c->md) != dlen)
		return op_err(SIG_ERR(OP_E_INVAL), "digest is %zu bytes, but "
		    "%s was chosen", dlen, EVP_MD_get0_name(c->md));
	if (!c->rsa && key->alg != NULL && dlen > key->alg->scalar_len)
		dlen = key->alg->scalar_len;

	if ((rc = oprov_dev_lock(uri, &chip, NULL)) != 0)
		return rc;
	rc = chip_sign(chip, key->oid, c->rsa, dgst, dlen, sig, SIG_MAX,
	    siglen);
	oprov_dev_unlock(uri, rc);
	if (rc != 0)
		return op_errctx(rc, "signing with slot 0x%04X", key->oid);

	return 0;
}

static int
sig_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
    const unsigned char *tbs, size_t tbslen)
{
	struct sigctx *c = ctx;
	uint8_t buf[SIG_MAX];
	size_t len;
	int max = EVP_PKEY_get_size(c->key->pub);
	int rc;

	if (sig == NULL) {
		*siglen = max > 0 ? (size_t)max : SIG_MAX;
		return 1;
	}
	if ((rc = sig_chip(c, tbs, tbslen, buf, &len)) != 0)
		goto fail;
	if (len > sigsize) {
		rc = op_err(SIG_ERR(OP_E_RANGE), "signature of %zu bytes "
		    "does not fit the caller's %zu", len, sigsize);
		goto fail;
	}
	memcpy(sig, buf, len);
	*siglen = len;

	return 1;
fail:
	OPROV_RAISE(c->prov, rc);

	return 0;
}

static int
sig_digest_sign_init(void *ctx, const char *mdname, void *provkey,
    const OSSL_PARAM params[])
{
	struct sigctx *c = ctx;
	int rc;

	if ((rc = sig_set_key(c, provkey)) != 0)
		goto fail;
	if (mdname == NULL || mdname[0] == '\0')
		mdname = c->key->alg == NULL || c->key->alg->scalar_len <= 32 ?
		    "SHA256" : c->key->alg->scalar_len <= 48 ? "SHA384" :
		    "SHA512";
	if ((rc = sig_set_md(c, mdname, NULL)) != 0)
		goto fail;
	if (!sig_set_params(c, params))
		return 0;

	if (c->mdctx == NULL && (c->mdctx = EVP_MD_CTX_new()) == NULL) {
		rc = op_err(SIG_ERR(OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if (!EVP_DigestInit_ex2(c->mdctx, c->md, NULL)) {
		rc = op_err(SIG_ERR(OP_E_INTERNAL), "cannot start %s",
		    EVP_MD_get0_name(c->md));
		goto fail;
	}

	return 1;
fail:
	OPROV_RAISE(c->prov, rc);

	return 0;
}

static int
sig_digest_sign_update(void *ctx, const unsigned char *data, size_t len)
{
	struct sigctx *c = ctx;

	if (c->mdctx == NULL)
		return 0;

	return EVP_DigestUpdate(c->mdctx, data, len);
}

static int
sig_digest_sign_final(void *ctx, unsigned char *sig, size_t *siglen,
    size_t sigsize)
{
	struct sigctx *c = ctx;
	unsigned char dgst[EVP_MAX_MD_SIZE];
	unsigned int dlen;

	if (c->mdctx == NULL)
		return 0;
	/* A size query must leave the hash running. */
	if (sig == NULL)
		return sig_sign(c, NULL, siglen, sigsize, NULL, 0);
	if (!EVP_DigestFinal_ex(c->mdctx, dgst, &dlen))
		return 0;

	return sig_sign(c, sig, siglen, sigsize, dgst, dlen);
}

/*
 * Verification needs no chip: it is done with the host copy of the
 * public key by another provider.  libcrypto comes here when a public
 * key it decoded was imported into this provider's key manager.
 */
static int
sig_verify_key(struct sigctx *c, void *provkey)
{
	struct oprov_key *key = provkey;

	if (key == NULL || key->pub == NULL ||
	    c->rsa != EVP_PKEY_is_a(key->pub, "RSA"))
		return 0;
	c->key = key;
	c->verifying = true;

	return 1;
}

static int
sig_verify_init(void *ctx, void *provkey, const OSSL_PARAM params[])
{
	struct sigctx *c = ctx;

	EVP_MD_CTX_free(c->vmdctx);
	c->vmdctx = NULL;

	return sig_verify_key(c, provkey) && sig_set_params(c, params);
}

static int
sig_verify(void *ctx, const unsigned char *sig, size_t siglen,
    const unsigned char *tbs, size_t tbslen)
{
	struct sigctx *c = ctx;
	EVP_PKEY_CTX *v;
	int ok = 0;

	v = EVP_PKEY_CTX_new_from_pkey(c->prov->libctx, c->key->pub,
	    OPROV_PROPQ);
	if (v != NULL && EVP_PKEY_verify_init(v) == 1 &&
	    (c->md == NULL || EVP_PKEY_CTX_set_signature_md(v, c->md) == 1))
		ok = EVP_PKEY_verify(v, sig, siglen, tbs, tbslen) == 1;
	EVP_PKEY_CTX_free(v);

	return ok;
}

static int
sig_digest_verify_init(void *ctx, const char *mdname, void *provkey,
    const OSSL_PARAM params[])
{
	struct sigctx *c = ctx;

	if (!sig_verify_key(c, provkey))
		return 0;
	EVP_MD_CTX_free(c->vmdctx);
	if ((c->vmdctx = EVP_MD_CTX_new()) == NULL)
		return 0;

	return EVP_DigestVerifyInit_ex(c->vmdctx, NULL, mdname,
	    c->prov->libctx, OPROV_PROPQ, c->key->pub, params) == 1;
}

static int
sig_digest_verify_update(void *ctx, const unsigned char *data, size_t len)
{
	struct sigctx *c = ctx;

	return c->vmdctx != NULL &&
	    EVP_DigestVerifyUpdate(c->vmdctx, data, len) == 1;
}

static int
sig_digest_verify_final(void *ctx, const unsigned char *sig, size_t siglen)
{
	struct sigctx *c = ctx;

	return c->vmdctx != NULL &&
	    EVP_DigestVerifyFinal(c->vmdctx, sig, siglen) == 1;
}

/* DER AlgorithmIdentifier of the signature, for X.509 signing. */
static int
sig_algid(const struct sigctx *c, OSSL_PARAM *p)
{
	X509_ALGOR *alg = NULL;
	unsigned char *der = NULL;
	int sig_nid, len, ok = 0;

	if (c->md == NULL || !OBJ_find_sigid_by_algs(&sig_nid,
	    EVP_MD_get_type(c->md), c->rsa ? NID_rsaEncryption :
	    NID_X9_62_id_ecPublicKey))
		return 1;	/* nothing to say: the caller reports it */

	/* RSA PKCS#1 algorithms carry NULL parameters, ECDSA none. */
	if ((alg = X509_ALGOR_new()) == NULL ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid), c->rsa ? V_ASN1_NULL :
	    V_ASN1_UNDEF, NULL) || (len = i2d_X509_ALGOR(alg, &der)) <= 0)
		goto fail;
	ok = OSSL_PARAM_set_octet_string(p, der, (size_t)len);
fail:
	OPENSSL_free(der);
	X509_ALGOR_free(alg);

	return ok;
}

static int
sig_get_params(void *ctx, OSSL_PARAM params[])
{
	struct sigctx *c = ctx;
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
	if (p != NULL && !sig_algid(c, p))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
	if (p != NULL && c->md != NULL &&
	    !OSSL_PARAM_set_utf8_string(p, EVP_MD_get0_name(c->md)))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST_SIZE);
	if (p != NULL && c->md != NULL &&
	    !OSSL_PARAM_set_size_t(p, (size_t)EVP_MD_get_size(c->md)))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE);
	if (p != NULL && c->rsa) {
		if (p->data_type == OSSL_PARAM_UTF8_STRING)
			return OSSL_PARAM_set_utf8_string(p,
			    OSSL_PKEY_RSA_PAD_MODE_PKCSV15);
		return OSSL_PARAM_set_int(p, RSA_PKCS1_PADDING);
	}

	return 1;
}

static int
pad_check(const struct sigctx *c, const OSSL_PARAM *p)
{
	const char *s;
	int mode = 0;

	if (p->data_type == OSSL_PARAM_UTF8_STRING) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
			return op_err(SIG_ERR(OP_E_INVAL), "bad padding mode");
		if (strcmp(s, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0)
			mode = RSA_PKCS1_PADDING;
	} else if (!OSSL_PARAM_get_int(p, &mode)) {
		return op_err(SIG_ERR(OP_E_INVAL), "bad padding mode");
	}
	if (mode != RSA_PKCS1_PADDING)
		return op_err(SIG_ERR(OP_E_UNSUPPORTED), "the chip signs RSA "
		    "with PKCS#1 v1.5 padding only: RSA-PSS (and so TLS 1.3 "
		    "with an RSA chip key) is impossible");

	return 0;
}

static int
sig_set_params(void *ctx, const OSSL_PARAM params[])
{
	struct sigctx *c = ctx;
	const OSSL_PARAM *p;
	const char *name, *props = NULL;
	int rc;

	if (params == NULL)
		return 1;
	/* verifying: any padding the public key can check (PSS too) */
	if (c->verifying && c->vmdctx != NULL)
		return EVP_PKEY_CTX_set_params(EVP_MD_CTX_get_pkey_ctx(
		    c->vmdctx), params);
	p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE);
	if (p != NULL && c->rsa && !c->verifying &&
	    (rc = pad_check(c, p)) != 0)
		goto fail;

	p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PROPERTIES);
	if (p != NULL && !OSSL_PARAM_get_utf8_string_ptr(p, &props))
		return 0;
	p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
	if (p != NULL) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
			return 0;
		/* Changing the hash in the middle of one is a bug. */
		if (c->mdctx != NULL && c->md != NULL &&
		    !EVP_MD_is_a(c->md, name)) {
			rc = op_err(SIG_ERR(OP_E_STATE), "cannot change the "
			    "digest while signing");
			goto fail;
		}
		if ((rc = sig_set_md(c, name, props)) != 0)
			goto fail;
	}

	return 1;
fail:
	OPROV_RAISE(c->prov, rc);

	return 0;
}

static const OSSL_PARAM ecdsa_gettable[] = {
	OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM rsa_gettable[] = {
	OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
	OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM ecdsa_settable[] = {
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM rsa_settable[] = {
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
	OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM *
ecdsa_gettable_params(void *ctx, void *provctx)
{
	return ecdsa_gettable;
}

static const OSSL_PARAM *
ecdsa_settable_params(void *ctx, void *provctx)
{
	return ecdsa_settable;
}

static const OSSL_PARAM *
rsa_gettable_params(void *ctx, void *provctx)
{
	return rsa_gettable;
}

static const OSSL_PARAM *
rsa_settable_params(void *ctx, void *provctx)
{
	return rsa_settable;
}

#define SIG_COMMON \
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx }, \
	{ OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sig_dupctx }, \
	{ OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))sig_sign_init }, \
	{ OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))sig_sign }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, \
	    (void (*)(void))sig_digest_sign_init }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, \
	    (void (*)(void))sig_digest_sign_update }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, \
	    (void (*)(void))sig_digest_sign_final }, \
	{ OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))sig_verify_init }, \
	{ OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))sig_verify }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, \
	    (void (*)(void))sig_digest_verify_init }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, \
	    (void (*)(void))sig_digest_verify_update }, \
	{ OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, \
	    (void (*)(void))sig_digest_verify_final }, \
	{ OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, \
	    (void (*)(void))sig_get_params }, \
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, \
	    (void (*)(void))sig_set_params }

const OSSL_DISPATCH oprov_ecdsa_signature_functions[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))ecdsa_newctx },
	SIG_COMMON,
	{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
	    (void (*)(void))ecdsa_gettable_params },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
	    (void (*)(void))ecdsa_settable_params },
	{ 0, NULL }
};

const OSSL_DISPATCH oprov_rsa_signature_functions[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))rsa_newctx },
	SIG_COMMON,
	{ OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
	    (void (*)(void))rsa_gettable_params },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
	    (void (*)(void))rsa_settable_params },
	{ 0, NULL }
};
