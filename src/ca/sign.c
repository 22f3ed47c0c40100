/*
 * Issuing certificates: the steps every certificate we make shares, and
 * device certificates from CSRs.
 */
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca/ca_int.h"
#include "util/log.h"

/*
 * Validity: from now for days, but never past the issuer's own end,
 * because a certificate that outlives its issuer is rejected by many
 * verifiers once the issuer expires anyway.
 */
static int
set_validity(X509 *cert, X509 *issuer, unsigned days)
{
	const ASN1_TIME *limit = issuer != NULL ?
	    X509_get0_notAfter(issuer) : NULL;
	ASN1_TIME *t = NULL;
	int rc;

	if (X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
	    (t = X509_time_adj_ex(NULL, (int)days, 0, NULL)) == NULL) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot set validity");
		goto fail;
	}
	if (limit != NULL && ASN1_TIME_compare(t, limit) > 0) {
		OP_INFO("ca", "validity cut to the issuer's end");
		if (!X509_set1_notAfter(cert, limit)) {
			rc = ca_crypto_err(OP_E_INTERNAL, "cannot set "
			    "validity");
			goto fail;
		}
	} else if (!X509_set1_notAfter(cert, t)) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot set validity");
		goto fail;
	}

	rc = 0;
fail:
	ASN1_TIME_free(t);

	return rc;
}

int
ca_issue(const char *dir, X509 *issuer, EVP_PKEY *issuer_key,
    const char *md, X509 *cert, unsigned days,
    int (*profile)(X509 *, X509 *))
{
	struct ca_lock *lock = NULL;
	ASN1_INTEGER *serial = NULL;
	X509 *signer = issuer != NULL ? issuer : cert;
	int rc;

	if (days == 0 || days > 36525) {
		rc = op_err(CA_ERR(OP_E_RANGE), "validity of %u days is out "
		    "of range; give 1 to 36525 days", days);
		goto fail;
	}

	/* serial to index line under one lock: concurrent signers */
	if (dir != NULL && (rc = ca_lock_take(dir, &lock)) != 0)
		goto fail;
	if ((rc = ca_serial_new(dir, &serial)) != 0)
		goto fail;

	if (!X509_set_version(cert, X509_VERSION_3) ||
	    !X509_set_serialNumber(cert, serial) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(signer))) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot fill in the "
		    "certificate");
		goto fail;
	}
	if ((rc = set_validity(cert, issuer, days)) != 0)
		goto fail;
	if ((rc = profile(cert, signer)) != 0)
		goto fail;

	if (X509_sign(cert, issuer_key, EVP_get_digestbyname(md)) <= 0) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot sign the "
		    "certificate with the CA key");
		goto fail;
	}

	if (dir != NULL && (rc = ca_index_record(dir, cert)) != 0)
		goto fail;

	rc = 0;
fail:
	ca_lock_release(&lock);
	ASN1_INTEGER_free(serial);

	return rc;
}

/* Only keys a device certificate may carry: EC or RSA >= 1024. */
static int
check_req_key(EVP_PKEY *pub)
{
	if (EVP_PKEY_is_a(pub, "EC"))
		return 0;
	if (EVP_PKEY_is_a(pub, "RSA") && EVP_PKEY_get_bits(pub) >= 1024)
		return 0;

	return op_err(CA_ERR(OP_E_UNSUPPORTED), "the CSR's key is %s of %d "
	    "bits; a device certificate needs an EC key or an RSA key of "
	    "at least 1024 bits", EVP_PKEY_get0_type_name(pub),
	    EVP_PKEY_get_bits(pub));
}

int
ca_sign_csr(struct ca *ca, X509_REQ *req, unsigned days, X509 **out)
{
	EVP_PKEY *pub;
	X509 *cert = NULL;
	int rc;

	*out = NULL;
	if (ca->key == NULL) {
		rc = op_err(CA_ERR(OP_E_STATE), "CA %s was opened without "
		    "its key", ca->dir);
		goto fail;
	}

	/* a CSR proves possession of its key by its signature */
	if ((pub = X509_REQ_get0_pubkey(req)) == NULL) {
		rc = ca_crypto_err(OP_E_INVAL, "the CSR's public key cannot "
		    "be decoded");
		goto fail;
	}
	if (X509_REQ_verify(req, pub) != 1) {
		ERR_clear_error();
		rc = op_err(CA_ERR(OP_E_VERIFY), "the CSR's signature does "
		    "not verify with its own public key; it was altered or "
		    "signed with another key");
		goto fail;
	}
	if ((rc = check_req_key(pub)) != 0)
		goto fail;
	if (X509_NAME_entry_count(X509_REQ_get_subject_name(req)) == 0) {
		rc = op_err(CA_ERR(OP_E_INVAL), "the CSR has an empty "
		    "subject; give it at least a CN");
		goto fail;
	}

	if ((cert = X509_new()) == NULL ||
	    !X509_set_subject_name(cert, X509_REQ_get_subject_name(req)) ||
	    !X509_set_pubkey(cert, pub)) {
		rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = ca_issue(ca->dir, ca->cert, ca->key, ca->md, cert,
	    days ? days : CA_DEVICE_DAYS, ca_profile_device)) != 0)
		goto fail;

	*out = cert;
	cert = NULL;
	rc = 0;
fail:
	X509_free(cert);

	return rc;
}
