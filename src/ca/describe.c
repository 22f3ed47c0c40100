/*
 * A CA directory at a glance, as JSON (for `ca show`), without its key.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "ca/ca_int.h"
#include "util/file.h"
#include "util/hex.h"

static json_t *
iso_time(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (!ASN1_TIME_to_tm(t, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);

	return json_string(buf);
}

static json_t *
name_text(const X509_NAME *name)
{
	char *s = X509_NAME_oneline(name, NULL, 0);
	json_t *j = s != NULL ? json_string(s) : json_null();

	OPENSSL_free(s);

	return j;
}

static json_t *
fingerprint(X509 *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned len = 0;

	if (!X509_digest(cert, EVP_sha256(), md, &len))
		return json_null();
	op_hex_encode(md, len, hex);

	return json_string(hex);
}

static json_t *
serial_text(X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	json_t *j = hex != NULL ? json_string(hex) : json_null();

	OPENSSL_free(hex);
	BN_free(bn);

	return j;
}

/* the key file says whether it is encrypted; no passphrase needed */
static json_t *
key_encrypted(const char *dir)
{
	char *path = ca_path(dir, CA_KEY_FILE);
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *j = json_null();

	if (path != NULL && op_file_read(path, 1u << 20, &buf, &len) == 0) {
		j = json_boolean(strstr((char *)buf,
		    "ENCRYPTED PRIVATE KEY") != NULL);
		OPENSSL_cleanse(buf, len);
	}
	op_err_clear();
	free(buf);
	free(path);

	return j;
}

static json_t *
parent_dir(const char *dir)
{
	char *path = ca_path(dir, "ca.json");
	json_t *doc = path != NULL ? json_load_file(path, 0, NULL) : NULL;
	json_t *p = json_object_get(doc, "parent");
	json_t *j = json_is_string(p) ? json_string(json_string_value(p)) :
	    json_null();

	json_decref(doc);
	free(path);

	return j;
}

int
ca_describe(const char *dir, json_t **out)
{
	struct ca *ca = NULL;
	unsigned valid = 0;
	unsigned total = 0;
	X509 *c;
	json_t *doc;
	int rc;

	*out = NULL;
	if ((rc = ca_open_cert_only(dir, &ca)) != 0)
		return rc;
	if ((rc = ca_index_count(ca->dir, &valid, &total)) != 0)
		goto fail;
	c = ca->cert;

	doc = json_object();
	json_object_set_new(doc, "dir", json_string(ca->dir));
	json_object_set_new(doc, "subject",
	    name_text(X509_get_subject_name(c)));
	json_object_set_new(doc, "issuer",
	    name_text(X509_get_issuer_name(c)));
	json_object_set_new(doc, "algorithm", json_string(ca_alg(ca)));
	json_object_set_new(doc, "serial", serial_text(c));
	json_object_set_new(doc, "not_before",
	    iso_time(X509_get0_notBefore(c)));
	json_object_set_new(doc, "not_after",
	    iso_time(X509_get0_notAfter(c)));
	json_object_set_new(doc, "sha256", fingerprint(c));
	json_object_set_new(doc, "root", json_boolean(
	    X509_check_issued(c, c) == X509_V_OK));
	json_object_set_new(doc, "parent", parent_dir(ca->dir));
	json_object_set_new(doc, "key_encrypted", key_encrypted(ca->dir));
	json_object_set_new(doc, "issued_valid", json_integer(valid));
	json_object_set_new(doc, "issued_total", json_integer(total));
	*out = doc;

	rc = 0;
fail:
	ca_close(&ca);

	return rc;
}
