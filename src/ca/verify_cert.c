/*
 * The verification certificate AWS IoT asks for when a CA is registered:
 * its subject CN is the registration code the account was given, and it
 * is signed by the CA key, which proves that whoever registers the CA
 * holds its key.  Its own key pair is thrown away.
 */
#include <ctype.h>
#include <string.h>

#include <openssl/x509.h>

#include "ca/ca_int.h"

/* The longest CN X.520 allows (ub-common-name). */
#define CN_MAX 64

static int
check_code(const char *code)
{
	size_t len = strlen(code);

	if (len == 0 || len > CN_MAX)
		return op_err(CA_ERR(OP_E_INVAL), "registration code of %zu "
		    "characters; it must be 1 to %d (AWS IoT gives 64 hex "
		    "digits)", len, CN_MAX);
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)code[i]))
			return op_err(CA_ERR(OP_E_INVAL), "registration code "
			    "has a non-printable character at position %zu",
			    i + 1);

	return 0;
}

int
ca_issue_verification_cert(struct ca *ca, const char *code, X509 **out)
{
	EVP_PKEY *key = NULL;
	X509_NAME *name = NULL;
	X509 *cert = NULL;
	int rc;

	*out = NULL;
	if (ca->key == NULL) {
		rc = op_err(CA_ERR(OP_E_STATE), "CA %s was opened without "
		    "its key", ca->dir);
		goto fail;
	}
	if ((rc = check_code(code)) != 0)
		goto fail;

	if ((rc = ca_key_generate("p256", &key)) != 0)
		goto fail;
	if ((name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)code, -1, -1, 0) ||
	    (cert = X509_new()) == NULL ||
	    !X509_set_subject_name(cert, name) ||
	    !X509_set_pubkey(cert, key)) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot build the "
		    "verification certificate");
		goto fail;
	}

	/* recorded like any other, so openssl ca's database stays whole */
	if ((rc = ca_issue(ca->dir, ca->cert, ca->key, ca->md, cert,
	    CA_VERIFY_DAYS, ca_profile_verification)) != 0)
		goto fail;

	*out = cert;
	cert = NULL;
	rc = 0;
fail:
	EVP_PKEY_free(key);
	X509_NAME_free(name);
	X509_free(cert);

	return rc;
}
