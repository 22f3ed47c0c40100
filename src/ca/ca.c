/*
 * Opening a CA directory, and small helpers the other files share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/ca_int.h"
#include "util/file.h"

char *
ca_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;

	return p;
}

/* op_err() with OpenSSL's reason for the failure appended. */
int
ca_crypto_err(int code, const char *fmt, ...)
{
	char msg[512];
	char why[256];
	unsigned long e = ERR_peek_last_error();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	if (e == 0)
		return op_err(CRYPTO_ERR(code), "%s", msg);

	return op_err(CRYPTO_ERR(code), "%s (%s)", msg, why);
}

int
ca_pem_read_cert(const char *path, X509 **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio;
	int rc;

	*out = NULL;
	if ((rc = op_file_read(path, 1u << 20, &buf, &len)) != 0)
		return rc;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (*out = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		rc = ca_crypto_err(OP_E_INVAL, "%s is not a PEM certificate",
		    path);
	BIO_free(bio);
	free(buf);

	return rc;
}

int
ca_pem_read_req(const char *path, X509_REQ **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio;
	int rc;

	*out = NULL;
	if ((rc = op_file_read(path, 1u << 20, &buf, &len)) != 0)
		return op_errctx(rc, "CSR");
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
	else if ((*out = PEM_read_bio_X509_REQ(bio, NULL, NULL,
	    NULL)) == NULL) {
		/* a DER request is as good */
		ERR_clear_error();
		BIO_free(bio);
		bio = BIO_new_mem_buf(buf, (int)len);
		if (bio == NULL || (*out = d2i_X509_REQ_bio(bio,
		    NULL)) == NULL)
			rc = op_err(CA_ERR(OP_E_INVAL), "%s is not a "
			    "certificate signing request (PEM or DER)", path);
		ERR_clear_error();
	}
	BIO_free(bio);
	free(buf);

	return rc;
}

int
ca_pem_write_cert(const char *path, X509 *cert)
{
	BIO *bio;
	char *pem;
	long len;
	int rc;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509(bio, cert)) {
		BIO_free(bio);
		return ca_crypto_err(OP_E_INTERNAL, "cannot encode the "
		    "certificate");
	}
	len = BIO_get_mem_data(bio, &pem);
	rc = op_file_write_atomic(path, pem, (size_t)len, 0644);
	BIO_free(bio);

	return rc;
}

/* The key URI ca.json names, or NULL (malloc'd). */
static char *
recorded_key_uri(const char *dir)
{
	char *path = ca_path(dir, "ca.json");
	const char *v;
	char *uri = NULL;
	json_t *doc;

	if (path != NULL && (doc = json_load_file(path, 0, NULL)) != NULL) {
		v = json_string_value(json_object_get(doc, "key_uri"));
		if (ca_key_is_uri(v))
			uri = strdup(v);
		json_decref(doc);
	}
	free(path);

	return uri;
}

/*
 * The key file when it exists; else the PKCS#11 key ca.json names;
 * key_uri, when given, wins over both.
 */
static int
open_key(struct ca *ca, const char *key_uri, const struct ca_pass *pass,
    const char **what, char **path)
{
	char *recorded = NULL;
	int rc;

	if ((*path = ca_path(ca->dir, CA_KEY_FILE)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	*what = *path;
	if (key_uri == NULL && access(*path, F_OK) != 0)
		key_uri = recorded = recorded_key_uri(ca->dir);
	if (key_uri == NULL)
		return ca_key_read(*path, pass, &ca->key);

	*what = "the PKCS#11 key";
	rc = ca_pkcs11_load(key_uri, pass, &ca->key);
	free(recorded);

	return rc;
}

static int
ca_open_common(const char *dir, const char *key_uri,
    const struct ca_pass *pass, bool key, struct ca **out)
{
	const char *what = NULL;
	struct ca *ca = NULL;
	char *path = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->dir = strdup(dir)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	n = strlen(ca->dir);
	while (n > 1 && ca->dir[n - 1] == '/')
		ca->dir[--n] = '\0';

	if ((path = ca_path(ca->dir, CA_CERT_FILE)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if ((rc = ca_pem_read_cert(path, &ca->cert)) != 0) {
		op_errctx(rc, "%s is not a CA directory (made by 'ca init')",
		    dir);
		goto fail;
	}
	free(path);
	path = NULL;

	if (key) {
		if ((rc = open_key(ca, key_uri, pass, &what, &path)) != 0)
			goto fail;
		if (X509_check_private_key(ca->cert, ca->key) != 1) {
			rc = op_err(CA_ERR(OP_E_VERIFY), "%s does not belong "
			    "to %s/%s", what, ca->dir, CA_CERT_FILE);
			goto fail;
		}
	}
	if ((ca->md = strdup(ca_key_md(X509_get0_pubkey(ca->cert)))) ==
	    NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	*out = ca;
	ca = NULL;
	rc = 0;
fail:
	ERR_clear_error();
	free(path);
	ca_close(&ca);

	return rc;
}

int
ca_open(const char *dir, const struct ca_pass *pass, struct ca **out)
{
	return ca_open_common(dir, NULL, pass, true, out);
}

int
ca_open_with(const char *dir, const char *key_uri,
    const struct ca_pass *pass, struct ca **out)
{
	if (key_uri != NULL && !ca_key_is_uri(key_uri))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "CA key "
		    "'%s': give a PKCS#11 URI (pkcs11:...)", key_uri);

	return ca_open_common(dir, key_uri, pass, true, out);
}

int
ca_open_cert_only(const char *dir, struct ca **out)
{
	return ca_open_common(dir, NULL, NULL, false, out);
}

void
ca_close(struct ca **ca)
{
	if (*ca == NULL)
		return;
	X509_free((*ca)->cert);
	EVP_PKEY_free((*ca)->key);
	free((*ca)->dir);
	free((*ca)->md);
	free(*ca);
	*ca = NULL;
}

X509 *
ca_cert(const struct ca *ca)
{
	return ca->cert;
}

const char *
ca_dir(const struct ca *ca)
{
	return ca->dir;
}

const char *
ca_alg(const struct ca *ca)
{
	const char *alg = ca_key_alg(X509_get0_pubkey(ca->cert));

	return alg != NULL ? alg : "unknown";
}
