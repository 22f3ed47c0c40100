/*
 * Build and sign a CSR through whatever provider holds the key.
 */
#include <openssl/err.h>
#include <openssl/x509.h>

#include "perso/csr.h"
#include "util/err.h"

#define CRYPTO_ERR(code) OP_RC(OP_LAYER_CRYPTO, code)

static int
ossl_fail(int code, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();

	return op_err(CRYPTO_ERR(code), "%s%s%s", what, buf[0] ? ": " : "",
	    buf);
}

static int
reparse(OSSL_LIB_CTX *libctx, X509_REQ *req, X509_REQ **out)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int len = i2d_X509_REQ(req, &der);

	*out = NULL;
	if (len <= 0)
		return ossl_fail(OP_E_INVAL, "cannot encode the CSR");
	p = der;
	if ((*out = X509_REQ_new_ex(libctx, NULL)) == NULL ||
	    d2i_X509_REQ(out, &p, len) == NULL) {
		OPENSSL_free(der);
		return ossl_fail(OP_E_INVAL, "cannot decode the CSR");
	}
	OPENSSL_free(der);

	return 0;
}

int
csr_build(OSSL_LIB_CTX *libctx, const X509_NAME *subject, EVP_PKEY *key,
    const char *md, X509_REQ **out)
{
	X509_REQ *req = NULL;
	X509_REQ *parsed = NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY *pub;
	int r;

	*out = NULL;
	if ((req = X509_REQ_new_ex(libctx, NULL)) == NULL) {
		r = ossl_fail(OP_E_NOMEM, "cannot allocate a CSR");
		goto fail;
	}

	/* version 1 is encoded as 0 */
	if (!X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, subject) ||
	    !X509_REQ_set_pubkey(req, key)) {
		r = ossl_fail(OP_E_INVAL, "cannot fill in the CSR");
		goto fail;
	}

	/* the digest is computed here; the chip signs it */
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(mctx, NULL, md, libctx, NULL, key,
	    NULL) != 1) {
		r = ossl_fail(OP_E_INVAL, "cannot start the CSR signature");
		goto fail;
	}
	op_err_clear();
	if (X509_REQ_sign_ctx(req, mctx) <= 0) {
		/*
		 * When the chip refused, the provider left the chip layer's
		 * status and message behind: keep them, they say more than
		 * OpenSSL's queue.
		 */
		if (op_err_last() != 0) {
			ERR_clear_error();
			r = op_errctx(op_err_last(), "signing the CSR");
		} else {
			r = ossl_fail(OP_E_INVAL, "signing the CSR");
		}
		goto fail;
	}

	/*
	 * Continue with the request as a verifier will decode it: the one
	 * built here still refers to the provider's key object, which must
	 * not be used to check the chip's own signature.
	 */
	if ((r = reparse(libctx, req, &parsed)) != 0)
		goto fail;
	if ((pub = X509_REQ_get0_pubkey(parsed)) == NULL ||
	    X509_REQ_verify(parsed, pub) != 1) {
		r = ossl_fail(OP_E_VERIFY, "the CSR signature made by the "
		    "chip does not verify under the CSR's public key");
		goto fail;
	}

	*out = parsed;
	parsed = NULL;
	r = 0;
fail:
	EVP_MD_CTX_free(mctx);
	X509_REQ_free(req);
	X509_REQ_free(parsed);

	return r;
}
