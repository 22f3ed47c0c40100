/*
 * What each kind of certificate says about itself (see docs/ca.md):
 *
 *   CA            critical basicConstraints CA:TRUE (pathlen:0 below a
 *                 root), critical keyUsage keyCertSign, cRLSign,
 *                 digitalSignature, subject and authority key IDs;
 *   device        critical basicConstraints CA:FALSE, critical keyUsage
 *                 digitalSignature (+ keyEncipherment for RSA, which TLS
 *                 RSA key exchange needs), extendedKeyUsage clientAuth,
 *                 key IDs;
 *   verification  CA:FALSE and key IDs: AWS IoT only checks its CN and
 *                 its signature.
 *
 * Extensions a CSR asks for are not copied: the CA decides the profile.
 */
#include <openssl/x509v3.h>

#include "ca/ca_int.h"

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	/* the issuer's subject key ID becomes our authority key ID */
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return ca_crypto_err(OP_E_INTERNAL, "cannot make extension "
		    "%s = %s", OBJ_nid2sn(nid), value);
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok)
		return ca_crypto_err(OP_E_INTERNAL, "cannot add extension %s",
		    OBJ_nid2sn(nid));

	return 0;
}

/* Key IDs last: a self-signed certificate's AKI is read from its SKI. */
static int
add_key_ids(X509 *cert, X509 *issuer)
{
	int rc;

	if ((rc = add_ext(cert, issuer, NID_subject_key_identifier,
	    "hash")) != 0)
		return rc;

	return add_ext(cert, issuer, NID_authority_key_identifier,
	    "keyid:always");
}

int
ca_profile_ca(X509 *cert, X509 *issuer, bool intermediate)
{
	int rc;

	if ((rc = add_ext(cert, issuer, NID_basic_constraints,
	    intermediate ? "critical,CA:TRUE,pathlen:0" :
	    "critical,CA:TRUE")) != 0)
		return rc;
	if ((rc = add_ext(cert, issuer, NID_key_usage,
	    "critical,keyCertSign,cRLSign,digitalSignature")) != 0)
		return rc;

	return add_key_ids(cert, issuer);
}

int
ca_profile_device(X509 *cert, X509 *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int rc;

	if ((rc = add_ext(cert, issuer, NID_basic_constraints,
	    "critical,CA:FALSE")) != 0)
		return rc;
	if ((rc = add_ext(cert, issuer, NID_key_usage,
	    pub != NULL && EVP_PKEY_is_a(pub, "RSA") ?
	    "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature")) != 0)
		return rc;
	if ((rc = add_ext(cert, issuer, NID_ext_key_usage,
	    "clientAuth")) != 0)
		return rc;

	return add_key_ids(cert, issuer);
}

int
ca_profile_verification(X509 *cert, X509 *issuer)
{
	int rc;

	if ((rc = add_ext(cert, issuer, NID_basic_constraints,
	    "critical,CA:FALSE")) != 0)
		return rc;

	return add_key_ids(cert, issuer);
}
