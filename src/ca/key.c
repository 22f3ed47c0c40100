/*
 * CA keys: generation, and PKCS#8 files that are 0600 and, when a
 * passphrase is given, encrypted with AES-256-CBC (PBES2, PBKDF2).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/ca_int.h"
#include "util/file.h"
#include "util/log.h"

struct key_alg {
	const char *name;	/* as given to ca init --alg */
	const char *type;	/* EVP_PKEY_Q_keygen type */
	const char *curve;
	size_t bits;
	const char *md;
};

static const struct key_alg key_algs[] = {
	{ "p256", "EC", "P-256", 0, "SHA256" },
	{ "p384", "EC", "P-384", 0, "SHA384" },
	{ "rsa2048", "RSA", NULL, 2048, "SHA256" },
	{ "rsa3072", "RSA", NULL, 3072, "SHA256" },
};

#define N_KEY_ALGS (sizeof(key_algs) / sizeof(key_algs[0]))

static const struct key_alg *
key_alg_find(const char *alg)
{
	for (size_t i = 0; i < N_KEY_ALGS; i++)
		if (strcmp(key_algs[i].name, alg) == 0)
			return &key_algs[i];

	return NULL;
}

int
ca_key_alg_check(const char *alg)
{
	if (key_alg_find(alg) == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_UNSUPPORTED),
		    "CA key algorithm '%s' is not supported; use p256, p384, "
		    "rsa2048 or rsa3072", alg);

	return 0;
}

int
ca_key_generate(const char *alg, EVP_PKEY **out)
{
	const struct key_alg *a = key_alg_find(alg);

	*out = NULL;
	if (a == NULL)
		return ca_key_alg_check(alg);

	if (a->curve != NULL)
		*out = EVP_PKEY_Q_keygen(NULL, NULL, a->type, a->curve);
	else
		*out = EVP_PKEY_Q_keygen(NULL, NULL, a->type, a->bits);
	if (*out == NULL)
		return ca_crypto_err(OP_E_INTERNAL, "cannot generate a %s "
		    "key", alg);

	return 0;
}

/* Our name of a key's algorithm, or NULL for one we do not use. */
const char *
ca_key_alg(EVP_PKEY *key)
{
	char curve[64];
	size_t len;

	if (EVP_PKEY_is_a(key, "RSA")) {
		switch (EVP_PKEY_get_bits(key)) {
		case 2048: return "rsa2048";
		case 3072: return "rsa3072";
		default: return NULL;
		}
	}
	if (!EVP_PKEY_is_a(key, "EC") || !EVP_PKEY_get_utf8_string_param(key,
	    "group", curve, sizeof(curve), &len))
		return NULL;
	if (strcmp(curve, "prime256v1") == 0)
		return "p256";
	if (strcmp(curve, "secp384r1") == 0)
		return "p384";

	return NULL;
}

/*
 * The digest a CA signs with: as strong as its key, so a P-384 CA does
 * not sign with SHA-256.
 */
const char *
ca_key_md(EVP_PKEY *key)
{
	const char *alg = ca_key_alg(key);

	if (alg != NULL && strcmp(alg, "p384") == 0)
		return "SHA384";

	return "SHA256";
}

int
ca_key_write(const char *path, EVP_PKEY *key, const char *pass,
    size_t passlen)
{
	const EVP_CIPHER *cipher = NULL;
	BIO *bio = NULL;
	char *pem;
	long len;
	int rc;

	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
		goto fail;
	}
	if (pass != NULL)
		cipher = EVP_aes_256_cbc();
	if (passlen > INT_MAX ||
	    !PEM_write_bio_PKCS8PrivateKey(bio, key, cipher, pass,
	    (int)passlen, NULL, NULL)) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot encode the CA key");
		goto fail;
	}

	len = BIO_get_mem_data(bio, &pem);
	if ((rc = op_file_write_atomic(path, pem, (size_t)len, 0600)) != 0)
		goto fail;

	rc = 0;
fail:
	/* an unencrypted key passed through this buffer */
	if (bio != NULL && (len = BIO_get_mem_data(bio, &pem)) > 0)
		OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(bio);

	return rc;
}

struct pass_cb_arg {
	const char *pass;
	size_t len;
	bool asked;
};

/*
 * Hands OpenSSL our passphrase; without one it refuses, where OpenSSL's
 * default callback would prompt on the terminal behind our back.
 */
static int
pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_cb_arg *a = u;

	a->asked = true;
	if (a->pass == NULL || size < 0 || a->len > (size_t)size)
		return -1;
	memcpy(buf, a->pass, a->len);

	return (int)a->len;
}

int
ca_key_read(const char *path, const struct ca_pass *p, EVP_PKEY **out)
{
	struct pass_cb_arg arg = { NULL, 0, false };
	char *pass = NULL;
	size_t passlen = 0;
	uint8_t *pem = NULL;
	size_t pemlen = 0;
	bool encrypted;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	if ((rc = op_file_read(path, 1u << 20, &pem, &pemlen)) != 0)
		return op_errctx(rc, "CA key");
	encrypted = strstr((char *)pem, "ENCRYPTED PRIVATE KEY") != NULL;

	if (encrypted && (p == NULL || p->source == CA_PASS_NONE)) {
		rc = op_err(CA_ERR(OP_E_AUTH), "the CA key %s is encrypted; "
		    "give its passphrase with --pass file:PATH, --pass "
		    "env:VAR or --pass prompt", path);
		goto fail;
	}
	if (encrypted) {
		if ((rc = ca_pass_get(p, false, &pass, &passlen)) != 0)
			goto fail;
		arg.pass = pass;
		arg.len = passlen;
	}

	if ((bio = BIO_new_mem_buf(pem, (int)pemlen)) == NULL) {
		rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((*out = PEM_read_bio_PrivateKey(bio, NULL, pass_cb,
	    &arg)) == NULL) {
		if (encrypted)
			rc = op_err(CA_ERR(OP_E_AUTH), "cannot decrypt the CA "
			    "key %s: wrong passphrase", path);
		else
			rc = ca_crypto_err(OP_E_INVAL, "%s is not a private "
			    "key in PEM", path);
		ERR_clear_error();
		goto fail;
	}
	if (!encrypted && p != NULL && p->source != CA_PASS_NONE)
		OP_WARN("ca", "%s is not encrypted; the passphrase given "
		    "was not needed", path);

	rc = 0;
fail:
	BIO_free(bio);
	OPENSSL_cleanse(pem, pemlen);
	free(pem);
	ca_pass_free(pass, passlen);

	return rc;
}
