/*
 * The key object and its public half.  The public key lives as an
 * ordinary EVP_PKEY of another provider (default, normally) in the
 * provider's child library context; everything public (encoding,
 * comparing, verifying) is done with it, and only signing goes to the
 * chip.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "provider/prov_int.h"
#include "util/err.h"
#include "util/file.h"

#define CRYPTO_ERR(code) OP_RC(OP_LAYER_CRYPTO, code)
#define PUB_FILE_MAX (64 * 1024)

const enum chip_alg oprov_all_algs[] = {
	CHIP_ALG_P256, CHIP_ALG_P384, CHIP_ALG_P521, CHIP_ALG_BP256,
	CHIP_ALG_BP384, CHIP_ALG_BP512, CHIP_ALG_RSA1024, CHIP_ALG_RSA2048
};
const size_t oprov_n_algs = sizeof(oprov_all_algs) /
    sizeof(oprov_all_algs[0]);

struct oprov_key *
oprov_key_new(struct oprov_ctx *prov, const char *type)
{
	struct oprov_key *key;

	if ((key = calloc(1, sizeof(*key))) == NULL)
		return NULL;
	key->prov = prov;
	key->type = type;

	return key;
}

void
oprov_key_free(struct oprov_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pub);
	free(key->device);
	free(key);
}

int
oprov_curve_nid(const char *name)
{
	int nid;

	if (name == NULL)
		return NID_undef;
	if ((nid = EC_curve_nist2nid(name)) != NID_undef)
		return nid;

	return OBJ_txt2nid(name);
}

bool
oprov_pub_fits(const EVP_PKEY *pub, const struct chip_alg_info *alg)
{
	char group[64];

	if (pub == NULL || alg == NULL)
		return false;
	if (alg->rsa)
		return EVP_PKEY_is_a(pub, "RSA") &&
		    EVP_PKEY_get_bits(pub) == (int)alg->bits;
	if (!EVP_PKEY_is_a(pub, "EC") ||
	    !EVP_PKEY_get_group_name(pub, group, sizeof(group), NULL))
		return false;

	return oprov_curve_nid(group) != NID_undef &&
	    oprov_curve_nid(group) == oprov_curve_nid(alg->curve);
}

const struct chip_alg_info *
oprov_alg_of_pub(const EVP_PKEY *pub)
{
	const struct chip_alg_info *alg;

	for (size_t i = 0; i < oprov_n_algs; i++) {
		alg = chip_alg_by_id(oprov_all_algs[i]);
		if (alg != NULL && oprov_pub_fits(pub, alg))
			return alg;
	}

	return NULL;
}

int
oprov_pub_from_der(struct oprov_ctx *prov, const uint8_t *der, size_t len,
    EVP_PKEY **pub)
{
	OSSL_LIB_CTX *libctx = prov != NULL ? prov->libctx : NULL;
	const unsigned char *p = der;
	X509 *cert;

	/* Trying one format, then the other, must leave no errors. */
	ERR_set_mark();
	*pub = d2i_PUBKEY_ex(NULL, &p, (long)len, libctx, OPROV_PROPQ);
	if (*pub == NULL) {
		p = der;
		if ((cert = X509_new_ex(libctx, OPROV_PROPQ)) != NULL &&
		    d2i_X509(&cert, &p, (long)len) != NULL)
			*pub = X509_get_pubkey(cert);
		X509_free(cert);
	}
	ERR_pop_to_mark();
	if (*pub == NULL)
		return op_err(CRYPTO_ERR(OP_E_INVAL), "not a DER public key "
		    "(SubjectPublicKeyInfo) or certificate");

	return 0;
}

static EVP_PKEY *
pem_read(struct oprov_ctx *prov, const uint8_t *buf, size_t len)
{
	OSSL_LIB_CTX *libctx = prov != NULL ? prov->libctx : NULL;
	EVP_PKEY *pub = NULL;
	X509 *cert = NULL;
	BIO *bio;

	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return NULL;
	ERR_set_mark();
	pub = PEM_read_bio_PUBKEY_ex(bio, NULL, NULL, NULL, libctx,
	    OPROV_PROPQ);
	if (pub == NULL && BIO_reset(bio) == 1 &&
	    (cert = X509_new_ex(libctx, OPROV_PROPQ)) != NULL &&
	    PEM_read_bio_X509(bio, &cert, NULL, NULL) != NULL)
		pub = X509_get_pubkey(cert);
	ERR_pop_to_mark();
	X509_free(cert);
	BIO_free(bio);

	return pub;
}

int
oprov_pub_read(struct oprov_ctx *prov, const char *path, EVP_PKEY **pub)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	*pub = NULL;
	if ((rc = op_file_read(path, PUB_FILE_MAX, &buf, &len)) != 0)
		return op_errctx(rc, "public key file");

	if (len > 10 && memmem(buf, len, "-----BEGIN", 10) != NULL)
		*pub = pem_read(prov, buf, len);
	else if (oprov_pub_from_der(prov, buf, len, pub) != 0)
		*pub = NULL;
	free(buf);
	if (*pub == NULL)
		return op_err(CRYPTO_ERR(OP_E_INVAL), "%s holds no public key:"
		    " expected a PEM or DER public key or certificate", path);

	return 0;
}

int
oprov_pub_adopt(struct oprov_ctx *prov, EVP_PKEY *in, EVP_PKEY **pub)
{
	unsigned char *der = NULL;
	int len;
	int rc;

	*pub = NULL;
	if ((len = i2d_PUBKEY(in, &der)) <= 0)
		return op_err(CRYPTO_ERR(OP_E_INTERNAL), "cannot encode the "
		    "public key from the chip");
	rc = oprov_pub_from_der(prov, der, (size_t)len, pub);
	OPENSSL_free(der);

	return rc;
}
