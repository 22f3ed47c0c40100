/*
 * Creating a CA directory: a root, or an intermediate signed by a parent
 * CA directory.  The layout is the one `openssl ca` expects (see ca.h),
 * with an openssl.cnf that gives openssl the same device profile.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ca/ca_int.h"
#include "util/file.h"
#include "util/log.h"

static int
profile_root(X509 *cert, X509 *issuer)
{
	return ca_profile_ca(cert, issuer, false);
}

static int
profile_intermediate(X509 *cert, X509 *issuer)
{
	/* pathlen:0: devices below it, no further CAs */
	return ca_profile_ca(cert, issuer, true);
}

static int
make_dir(const char *dir, const char *sub, mode_t mode)
{
	char *path = sub != NULL ? ca_path(dir, sub) : strdup(dir);
	int e;

	if (path == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		goto fail;
	/* whatever the umask said, and for a directory that existed */
	if (chmod(path, mode) != 0)
		goto fail;
	free(path);

	return 0;
fail:
	e = errno;
	op_err(OP_RC(OP_LAYER_SYS, e == EACCES ? OP_E_PERM : OP_E_IO),
	    "cannot create directory %s: %s", path, strerror(e));
	free(path);

	return OP_RC(OP_LAYER_SYS, e == EACCES ? OP_E_PERM : OP_E_IO);
}

static int
write_text(const char *dir, const char *name, const char *text,
    mode_t mode)
{
	char *path = ca_path(dir, name);
	int rc;

	if (path == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	rc = op_file_write_atomic(path, text, strlen(text), mode);
	free(path);

	return rc;
}

/* A value for openssl.cnf: backslash before what the parser would eat. */
static void
cnf_escape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in != '\0' && n + 2 < cap; in++) {
		if (strchr("\\$#\"'", *in) != NULL)
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
}

static int
write_openssl_cnf(const char *dir, const char *absdir, const char *md)
{
	char esc[2 * PATH_MAX + 1];
	char *text = NULL;
	int rc;

	cnf_escape(absdir, esc, sizeof(esc));
	/*
	 * XXX: the path is absolute, so a moved directory needs its dir =
	 * line edited; a relative one would depend on the caller's cwd.
	 */
	if (asprintf(&text,
	    "# Written by optiga-perso ca init.  With it, `openssl ca "
	    "-config %s/openssl.cnf`\n"
	    "# issues device certificates with the same profile as "
	    "`optiga-perso ca sign`.\n"
	    "[ ca ]\n"
	    "default_ca = CA_default\n"
	    "\n"
	    "[ CA_default ]\n"
	    "dir = %s\n"
	    "certs = $dir/certs\n"
	    "crl_dir = $dir/crl\n"
	    "new_certs_dir = $dir/newcerts\n"
	    "database = $dir/index.txt\n"
	    "serial = $dir/serial\n"
	    "crlnumber = $dir/crlnumber\n"
	    "certificate = $dir/cacert.pem\n"
	    "private_key = $dir/private/cakey.pem\n"
	    "default_md = %s\n"
	    "default_days = %u\n"
	    "default_crl_days = 30\n"
	    "policy = policy_device\n"
	    "x509_extensions = device_cert\n"
	    "copy_extensions = none\n"
	    "unique_subject = no\n"
	    "\n"
	    "[ policy_device ]\n"
	    "countryName = optional\n"
	    "stateOrProvinceName = optional\n"
	    "localityName = optional\n"
	    "organizationName = optional\n"
	    "organizationalUnitName = optional\n"
	    "commonName = supplied\n"
	    "emailAddress = optional\n"
	    "\n"
	    "# for an EC device key; use -extensions device_cert_rsa for "
	    "RSA\n"
	    "[ device_cert ]\n"
	    "basicConstraints = critical,CA:FALSE\n"
	    "keyUsage = critical,digitalSignature\n"
	    "extendedKeyUsage = clientAuth\n"
	    "subjectKeyIdentifier = hash\n"
	    "authorityKeyIdentifier = keyid:always\n"
	    "\n"
	    "[ device_cert_rsa ]\n"
	    "basicConstraints = critical,CA:FALSE\n"
	    "keyUsage = critical,digitalSignature,keyEncipherment\n"
	    "extendedKeyUsage = clientAuth\n"
	    "subjectKeyIdentifier = hash\n"
	    "authorityKeyIdentifier = keyid:always\n"
	    "\n"
	    "[ intermediate_ca ]\n"
	    "basicConstraints = critical,CA:TRUE,pathlen:0\n"
	    "keyUsage = critical,keyCertSign,cRLSign,digitalSignature\n"
	    "subjectKeyIdentifier = hash\n"
	    "authorityKeyIdentifier = keyid:always\n",
	    esc, esc, strcmp(md, "SHA384") == 0 ? "sha384" : "sha256",
	    CA_DEVICE_DAYS) < 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");

	rc = write_text(dir, "openssl.cnf", text, 0644);
	free(text);

	return rc;
}

/* The serial file openssl ca counts from: random, like -create_serial. */
static int
write_serial_file(const char *dir)
{
	unsigned char r[16];
	char text[2 * sizeof(r) + 2];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return ca_crypto_err(OP_E_INTERNAL, "no random bytes");
	r[0] &= 0x7f;
	r[0] |= 0x40;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(text + 2 * i, 3, "%02X", r[i]);
	strcat(text, "\n");

	return write_text(dir, "serial", text, 0644);
}

static int
write_ca_json(const char *dir, const char *alg, const char *parent,
    bool encrypted, const char *key_uri)
{
	char *uri = key_uri != NULL ? ca_key_uri_public(key_uri) : NULL;
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *doc;
	char *text = NULL;
	int rc;

	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	doc = json_pack("{s:i,s:s,s:s*,s:b,s:s,s:s}", "format", 1,
	    "algorithm", alg, "parent", parent, "encrypted", encrypted,
	    "created", created, "tool", "optiga-perso " OP_VERSION);
	/* where ca_open() finds a key that is not in private/ */
	if (doc != NULL && uri != NULL)
		json_object_set_new(doc, "key_uri", json_string(uri));
	free(uri);
	if (doc == NULL || (text = json_dumps(doc, JSON_INDENT(2) |
	    JSON_SORT_KEYS)) == NULL) {
		json_decref(doc);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	json_decref(doc);

	rc = write_text(dir, "ca.json", text, 0644);
	free(text);

	return rc;
}

/* Intermediate: chain.pem = this certificate, then the parent's chain. */
static int
write_chain(const char *dir, X509 *cert, const struct ca *parent)
{
	char *path = ca_path(dir, CA_CHAIN_FILE);
	char *ppath = ca_path(parent->dir, CA_CHAIN_FILE);
	BIO *bio = BIO_new(BIO_s_mem());
	uint8_t *pbuf = NULL;
	size_t plen = 0;
	char *pem;
	long len;
	int rc;

	if (path == NULL || ppath == NULL || bio == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if (!PEM_write_bio_X509(bio, cert)) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot encode the chain");
		goto fail;
	}
	if (op_file_read(ppath, 1u << 20, &pbuf, &plen) == 0) {
		if (BIO_write(bio, pbuf, (int)plen) != (int)plen) {
			rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
			goto fail;
		}
	} else if (!PEM_write_bio_X509(bio, parent->cert)) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot encode the chain");
		goto fail;
	}
	op_err_clear();

	len = BIO_get_mem_data(bio, &pem);
	rc = op_file_write_atomic(path, pem, (size_t)len, 0644);
fail:
	BIO_free(bio);
	free(pbuf);
	free(path);
	free(ppath);

	return rc;
}

/* Refuse to overwrite a CA: its key would be lost for good. */
static int
check_fresh(const char *dir)
{
	char *path = ca_path(dir, CA_CERT_FILE);
	char *kpath = ca_path(dir, CA_KEY_FILE);
	struct stat st;
	bool exists;

	if (path == NULL || kpath == NULL) {
		free(path);
		free(kpath);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	exists = stat(path, &st) == 0 || stat(kpath, &st) == 0;
	free(path);
	free(kpath);
	if (exists)
		return op_err(CA_ERR(OP_E_EXISTS), "%s already holds a CA; "
		    "choose another directory (nothing was changed)", dir);

	return 0;
}

static int
build_name(const struct ca_init_opts *opts, X509_NAME **out)
{
	*out = NULL;
	if (opts->subject_name != NULL) {
		if (X509_NAME_get_index_by_NID(opts->subject_name,
		    NID_commonName, -1) < 0)
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "the CA subject has no CN");
		if ((*out = X509_NAME_dup(opts->subject_name)) == NULL)
			return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
			    "out of memory");
		return 0;
	}
	if (opts->subject == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "no subject "
		    "for the CA; give one such as /C=DE/O=Example/CN=Example "
		    "Root CA, or a config file");

	return ca_subject_parse(opts->subject, out);
}

/*
 * The CA key already in a PKCS#11 token: no key file is written, and
 * the algorithm is the key's own.
 */
static int
token_key(const struct ca_init_opts *opts, EVP_PKEY **key,
    const char **alg)
{
	const char *have;
	int rc;

	if (!ca_key_is_uri(opts->key_uri))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "CA key "
		    "'%s': give a PKCS#11 URI (pkcs11:token=...;object=...)",
		    opts->key_uri);
	if ((rc = ca_pkcs11_load(opts->key_uri, &opts->pass, key)) != 0)
		return rc;
	if ((have = ca_key_alg(*key)) == NULL)
		return op_err(CA_ERR(OP_E_UNSUPPORTED), "the key in the "
		    "token is %s of %d bits; a CA key must be P-256, P-384, "
		    "RSA-2048 or RSA-3072", EVP_PKEY_get0_type_name(*key) ?
		    EVP_PKEY_get0_type_name(*key) : "a key",
		    EVP_PKEY_get_bits(*key));
	if (opts->alg != NULL && strcmp(opts->alg, have) != 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "--alg %s, "
		    "but the key in the token is %s", opts->alg, have);
	*alg = have;

	return 0;
}

/* Open the parent CA and check that it may sign another CA. */
static int
init_parent(const struct ca_init_opts *opts, struct ca **parent,
    char absparent[PATH_MAX])
{
	int rc;

	if ((rc = ca_open(opts->parent_dir, &opts->parent_pass,
	    parent)) != 0)
		return op_errctx(rc, "parent CA");
	if (X509_get_pathlen((*parent)->cert) == 0)
		return op_err(CA_ERR(OP_E_STATE), "%s is an intermediate CA "
		    "(pathlen 0) and may not sign another CA; use its root "
		    "as the parent", opts->parent_dir);
	if (realpath((*parent)->dir, absparent) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot resolve "
		    "%s", (*parent)->dir);

	return 0;
}

/* The directories as openssl ca has them; private/ for us alone. */
static int
init_dirs(const char *dir, char absdir[PATH_MAX])
{
	int rc;

	if ((rc = make_dir(dir, NULL, 0755)) != 0 ||
	    (rc = make_dir(dir, "certs", 0755)) != 0 ||
	    (rc = make_dir(dir, "crl", 0755)) != 0 ||
	    (rc = make_dir(dir, "newcerts", 0755)) != 0 ||
	    (rc = make_dir(dir, "private", 0700)) != 0)
		return rc;
	if (realpath(dir, absdir) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot resolve "
		    "%s", dir);

	return 0;
}

/* A new key of alg in DIR/private, encrypted when pass is given. */
static int
init_key_file(const char *dir, const char *alg, const char *pass,
    size_t passlen, EVP_PKEY **key)
{
	char *path;
	int rc;

	if ((rc = ca_key_generate(alg, key)) != 0)
		return rc;
	if ((path = ca_path(dir, CA_KEY_FILE)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	rc = ca_key_write(path, *key, pass, passlen);
	free(path);

	return rc;
}

int
ca_init(const struct ca_init_opts *opts)
{
	const char *alg = opts->alg != NULL ? opts->alg : "p256";
	unsigned days = opts->days != 0 ? opts->days : CA_ROOT_DAYS;
	struct ca *parent = NULL;
	EVP_PKEY *key = NULL;
	X509_NAME *name = NULL;
	X509 *cert = NULL;
	char *pass = NULL;
	size_t passlen = 0;
	char *path = NULL;
	char absdir[PATH_MAX];
	char absparent[PATH_MAX];
	int rc;

	if (opts->dir == NULL || opts->dir[0] == '\0') {
		rc = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "no CA "
		    "directory given");
		goto fail;
	}
	if ((rc = ca_key_alg_check(alg)) != 0)
		goto fail;
	if ((rc = build_name(opts, &name)) != 0)
		goto fail;
	if ((rc = check_fresh(opts->dir)) != 0)
		goto fail;

	/* the parent first: a wrong passphrase should cost nothing */
	if (opts->parent_dir != NULL &&
	    (rc = init_parent(opts, &parent, absparent)) != 0)
		goto fail;
	/* for a key in a token, pass is its PIN, asked for when loading */
	if (opts->key_uri == NULL && opts->pass.source != CA_PASS_NONE &&
	    (rc = ca_pass_get(&opts->pass, true, &pass, &passlen)) != 0)
		goto fail;

	if ((rc = init_dirs(opts->dir, absdir)) != 0)
		goto fail;
	if (opts->key_uri != NULL)
		rc = token_key(opts, &key, &alg);
	else
		rc = init_key_file(opts->dir, alg, pass, passlen, &key);
	if (rc != 0)
		goto fail;

	if ((cert = X509_new()) == NULL ||
	    !X509_set_subject_name(cert, name) ||
	    !X509_set_pubkey(cert, key)) {
		rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
		goto fail;
	}
	if (parent != NULL)
		rc = ca_issue(parent->dir, parent->cert, parent->key,
		    parent->md, cert, days, profile_intermediate);
	else
		rc = ca_issue(NULL, NULL, key, ca_key_md(key), cert, days,
		    profile_root);
	if (rc != 0)
		goto fail;

	/* the database, then the certificate that makes it a CA */
	if ((rc = write_text(opts->dir, "index.txt", "", 0644)) != 0 ||
	    (rc = write_text(opts->dir, "index.txt.attr",
	    "unique_subject = no\n", 0644)) != 0 ||
	    (rc = write_text(opts->dir, "crlnumber", "1000\n", 0644)) != 0 ||
	    (rc = write_serial_file(opts->dir)) != 0 ||
	    (rc = write_openssl_cnf(opts->dir, absdir,
	    ca_key_md(key))) != 0 ||
	    (rc = write_ca_json(opts->dir, alg, parent != NULL ? absparent :
	    NULL, pass != NULL, opts->key_uri)) != 0)
		goto fail;
	if (parent != NULL && (rc = write_chain(opts->dir, cert,
	    parent)) != 0)
		goto fail;
	if ((path = ca_path(opts->dir, CA_CERT_FILE)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if ((rc = ca_pem_write_cert(path, cert)) != 0)
		goto fail;

	rc = 0;
fail:
	ca_close(&parent);
	EVP_PKEY_free(key);
	X509_NAME_free(name);
	X509_free(cert);
	ca_pass_free(pass, passlen);
	free(path);

	return rc;
}
