/*
 * Internals of the CA library, shared by its files only.
 */
#ifndef OP_CA_CA_INT_H
#define OP_CA_CA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/ca.h"
#include "util/err.h"

#define CA_ERR(code)	OP_RC(OP_LAYER_CA, code)
#define CRYPTO_ERR(code) OP_RC(OP_LAYER_CRYPTO, code)

#define CA_CERT_FILE	"cacert.pem"
#define CA_KEY_FILE	"private/cakey.pem"
#define CA_CHAIN_FILE	"chain.pem"
#define CA_LOCK_FILE	".lock"

/* Device certificates: ten years unless asked otherwise. */
#define CA_DEVICE_DAYS	3650u
/* A CA: twenty years. */
#define CA_ROOT_DAYS	7305u
/* A verification certificate only has to outlive the registration. */
#define CA_VERIFY_DAYS	30u

struct ca {
	char *dir;		/* as given, without a trailing '/' */
	X509 *cert;
	EVP_PKEY *key;		/* NULL when opened without the key */
	char *md;		/* digest the CA signs with, "SHA256" */
};

/* pass.c */
int ca_pass_get(const struct ca_pass *p, bool confirm, char **out,
    size_t *len);
void ca_pass_free(char *pass, size_t len);

/* key.c */
int ca_key_alg_check(const char *alg);
int ca_key_generate(const char *alg, EVP_PKEY **out);
int ca_key_write(const char *path, EVP_PKEY *key, const char *pass,
    size_t passlen);
int ca_key_read(const char *path, const struct ca_pass *p,
    EVP_PKEY **out);
const char *ca_key_md(EVP_PKEY *key);
const char *ca_key_alg(EVP_PKEY *key);

/* pkcs11.c: a CA key in a PKCS#11 token */
bool ca_key_is_uri(const char *s);
/* The URI without pin-value, fit for files and messages (malloc'd). */
char *ca_key_uri_public(const char *uri);
/* The PIN is pin-value in the URI, else from p (may be NULL). */
int ca_pkcs11_load(const char *uri, const struct ca_pass *p,
    EVP_PKEY **out);

/* profile.c: extensions of each kind of certificate we issue */
int ca_profile_ca(X509 *cert, X509 *issuer, bool intermediate);
int ca_profile_device(X509 *cert, X509 *issuer);
int ca_profile_verification(X509 *cert, X509 *issuer);

/* index.c */
struct ca_lock;
int ca_lock_take(const char *dir, struct ca_lock **out);
void ca_lock_release(struct ca_lock **lock);
/* A fresh serial (127 random bits) not yet in index.txt; lock held. */
int ca_serial_new(const char *dir, ASN1_INTEGER **out);
/* Record an issued certificate in index.txt and newcerts/; lock held. */
int ca_index_record(const char *dir, X509 *cert);

/* sign.c */
/*
 * Fill in the common fields of cert (serial under the lock, validity
 * clamped to the issuer's, issuer name), let profile add extensions, sign
 * with the issuer key and record it.
 */
int ca_issue(const char *dir, X509 *issuer, EVP_PKEY *issuer_key,
    const char *md, X509 *cert, unsigned days,
    int (*profile)(X509 *, X509 *));

/* misc */
char *ca_path(const char *dir, const char *name);
int ca_crypto_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
