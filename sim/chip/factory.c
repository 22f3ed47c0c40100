/*
 * Factory identity of an emulated chip: a P-256 device key in E0F0 and a
 * certificate for it in E0E0, in the TLS-identity layout real chips ship
 * (fact sheet section 8).
 *
 * A real chip's certificate is issued by Infineon.  Ours is issued by a
 * CA generated for this one state file and plainly named as an emulator's
 * (never Infineon's name), so nobody can mistake it for a genuine part.
 * The CA key is thrown away after issuing; its certificate is kept in the
 * state file for tools that want to check the chain.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "simchip.h"
#include "util/err.h"
#include "util/hex.h"

#define FACTORY_CA_CN	"optiga-sim Emulated Factory CA (not Infineon)"
#define FACTORY_ORG	"optiga-sim emulator"
#define CERT_DAYS	(365L * 30)

static int
name_set(X509_NAME *n, const char *cn, const char *serial)
{
	if (X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)FACTORY_ORG, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		return -1;
	if (serial != NULL && X509_NAME_add_entry_by_txt(n, "serialNumber",
	    MBSTRING_UTF8, (const unsigned char *)serial, -1, -1, 0) != 1)
		return -1;

	return 0;
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int r;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);

	return r;
}

static X509 *
cert_make(EVP_PKEY *subject_key, const char *cn, const char *serialname,
    X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *c = NULL;
	BIGNUM *serial = NULL;
	bool ca = issuer == NULL;

	if ((c = X509_new()) == NULL || X509_set_version(c, X509_VERSION_3)
	    != 1)
		goto fail;
	if ((serial = BN_new()) == NULL ||
	    BN_rand(serial, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(c)) == NULL)
		goto fail;
	if (name_set(X509_get_subject_name(c), cn, serialname) != 0)
		goto fail;
	if (X509_set_issuer_name(c, ca ? X509_get_subject_name(c) :
	    X509_get_subject_name(issuer)) != 1)
		goto fail;
	if (X509_gmtime_adj(X509_getm_notBefore(c), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(c), CERT_DAYS, 0, NULL) ==
	    NULL)
		goto fail;
	if (X509_set_pubkey(c, subject_key) != 1)
		goto fail;
	if (add_ext(c, ca ? c : issuer, NID_basic_constraints, ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE") != 0 ||
	    add_ext(c, ca ? c : issuer, NID_key_usage, ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature") != 0 ||
	    add_ext(c, ca ? c : issuer, NID_subject_key_identifier, "hash")
	    != 0)
		goto fail;
	if (!ca && add_ext(c, issuer, NID_authority_key_identifier,
	    "keyid:always") != 0)
		goto fail;
	if (X509_sign(c, ca ? subject_key : issuer_key, EVP_sha256()) <= 0)
		goto fail;
	BN_free(serial);

	return c;
fail:
	BN_free(serial);
	X509_free(c);

	return NULL;
}

/* C0 LLLL | LLLLLL (list) | llllll (cert) | DER: fact sheet 8 */
static int
tls_identity(struct sim_obj *o, const uint8_t *der, size_t n)
{
	size_t used = n + 9;

	if (used > o->max)
		return -1;
	memset(o->data, 0, o->max);
	o->data[0] = 0xC0;
	o->data[1] = (uint8_t)((n + 6) >> 8);
	o->data[2] = (uint8_t)(n + 6);
	o->data[3] = 0;
	o->data[4] = (uint8_t)((n + 3) >> 8);
	o->data[5] = (uint8_t)(n + 3);
	o->data[6] = 0;
	o->data[7] = (uint8_t)(n >> 8);
	o->data[8] = (uint8_t)n;
	memcpy(o->data + 9, der, n);
	o->used = (uint16_t)used;

	return meta_set_size(&o->meta, META_TAG_USED_SIZE, o->used);
}

int
sim_factory_identity(struct sim_chip *chip)
{
	struct sim_obj *key_obj = sim_obj_find(chip, 0xE0F0);
	struct sim_obj *cert_obj = sim_obj_find(chip, 0xE0E0);
	struct sim_obj *uid_obj = sim_obj_find(chip, SIM_OID_UID);
	EVP_PKEY *ca_key = NULL;
	EVP_PKEY *dev_key = NULL;
	X509 *ca = NULL;
	X509 *dev = NULL;
	unsigned char *der = NULL;
	char uidhex[2 * SIM_UID_LEN + 1];
	int len;
	int r = -1;

	if (key_obj == NULL || cert_obj == NULL || uid_obj == NULL)
		goto fail;
	if ((ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1")) ==
	    NULL || (dev_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "prime256v1")) == NULL)
		goto fail;
	if ((ca = cert_make(ca_key, FACTORY_CA_CN, NULL, NULL, NULL)) == NULL)
		goto fail;

	/* the subject carries the chip's UID as its serialNumber */
	op_hex_encode(uid_obj->data, SIM_UID_LEN, uidhex);
	if ((dev = cert_make(dev_key, "optiga-sim emulated device", uidhex,
	    ca, ca_key)) == NULL)
		goto fail;

	if ((len = i2d_X509(dev, &der)) <= 0 ||
	    tls_identity(cert_obj, der, (size_t)len) != 0)
		goto fail;
	OPENSSL_free(der);
	der = NULL;
	if ((len = i2d_X509(ca, &der)) <= 0)
		goto fail;
	free(chip->ca_der);
	if ((chip->ca_der = malloc((size_t)len)) == NULL)
		goto fail;
	memcpy(chip->ca_der, der, (size_t)len);
	chip->ca_len = (size_t)len;

	EVP_PKEY_free(key_obj->key);
	key_obj->key = dev_key;
	dev_key = NULL;		/* now owned by E0F0 */

	r = 0;
fail:
	OPENSSL_free(der);
	X509_free(dev);
	X509_free(ca);
	EVP_PKEY_free(dev_key);
	EVP_PKEY_free(ca_key);
	if (r != 0)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot create the emulated factory identity");

	return 0;
}
