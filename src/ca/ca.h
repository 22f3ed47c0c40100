/*
 * A certificate authority kept in a directory laid out as `openssl ca`
 * lays it out, so that the user can keep using openssl on it:
 *
 *   DIR/cacert.pem          the CA certificate
 *   DIR/private/cakey.pem   its key, 0600, PKCS#8, optionally AES-256
 *   DIR/index.txt           one line per issued certificate
 *   DIR/serial              next serial (hex)
 *   DIR/certs/ DIR/crl/ DIR/newcerts/<SERIAL>.pem
 *   DIR/openssl.cnf         a config that makes `openssl ca` work here
 *   DIR/ca.json             our own notes (algorithm, parent, AWS state)
 */
#ifndef OP_CA_CA_H
#define OP_CA_CA_H

#include <stdbool.h>

#include <jansson.h>
#include <openssl/x509.h>

/* Where the passphrase of an encrypted CA key comes from. */
enum ca_pass_source {
	CA_PASS_NONE = 0,	/* key not encrypted */
	CA_PASS_FILE,		/* first line of a file */
	CA_PASS_ENV,		/* an environment variable */
	CA_PASS_PROMPT		/* the terminal, without echo */
};

struct ca_pass {
	enum ca_pass_source source;
	const char *arg;	/* file path or variable name */
};

struct ca_init_opts {
	const char *dir;
	const char *alg;	/* "p256" (default), "p384", "rsa2048",
				 * "rsa3072" */
	const char *subject;	/* "/C=DE/O=Example/CN=Example CA" */
	unsigned days;		/* 0 = 20 years */
	const char *parent_dir;	/* intermediate: signed by this CA */
	struct ca_pass pass;	/* encrypt the new key with this */
	struct ca_pass parent_pass;
	/* used instead of subject when set (for a subject from a config) */
	const X509_NAME *subject_name;
	/*
	 * "pkcs11:..." (RFC 7512): the CA key is this key in a PKCS#11
	 * token instead of a new key file; pass then gives the PIN.  The
	 * URI, less any pin-value, is kept in ca.json for ca_open().
	 */
	const char *key_uri;
};

struct ca;

int ca_init(const struct ca_init_opts *opts);
/*
 * With its key: private/cakey.pem, or the PKCS#11 key ca.json names
 * (pass then gives the PIN).
 */
int ca_open(const char *dir, const struct ca_pass *pass, struct ca **out);
/* The same with the key at key_uri ("pkcs11:...") when not NULL. */
int ca_open_with(const char *dir, const char *key_uri,
    const struct ca_pass *pass, struct ca **out);
/* Only the certificate, for looking at a CA without its passphrase. */
int ca_open_cert_only(const char *dir, struct ca **out);
void ca_close(struct ca **ca);

/* "file:PATH", "env:VARIABLE" or "prompt"; a usage error otherwise. */
int ca_pass_parse(const char *spec, struct ca_pass *out);

/* "/C=DE/O=Example/CN=Name" into a name; a CN is required. */
int ca_subject_parse(const char *s, X509_NAME **out);

/* The CA certificate (borrowed; valid until ca_close()). */
X509 *ca_cert(const struct ca *ca);
const char *ca_dir(const struct ca *ca);
/* "p256", "p384", "rsa2048" or "rsa3072". */
const char *ca_alg(const struct ca *ca);

/* Certificates listed in index.txt: still valid (V) and in all. */
int ca_index_count(const char *dir, unsigned *valid, unsigned *total);

/*
 * The CA at a glance, without its key: subject, algorithm, validity,
 * fingerprint, parent, whether the key is encrypted, certificates issued.
 */
int ca_describe(const char *dir, json_t **out);

/* PEM helpers; a request may also be DER. */
int ca_pem_read_cert(const char *path, X509 **out);
int ca_pem_read_req(const char *path, X509_REQ **out);
int ca_pem_write_cert(const char *path, X509 *cert);

/*
 * Verify the CSR's signature, then issue a device certificate (see
 * docs/ca.md for the profile), record it in index.txt and newcerts/.
 * Safe against concurrent signers on the same directory.
 */
int ca_sign_csr(struct ca *ca, X509_REQ *req, unsigned days, X509 **out);

/*
 * A certificate whose subject CN is code, signed by the CA key, for AWS
 * IoT's CA registration.  Its key pair is throwaway.
 */
int ca_issue_verification_cert(struct ca *ca, const char *code,
    X509 **out);

#endif
