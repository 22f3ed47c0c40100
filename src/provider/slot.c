/*
 * What an existing slot holds.  A chip never exports the public key of a
 * slot, so the provider looks for it, in this order:
 *
 *   1. pub=FILE in the URI (then the chip is not even opened until the
 *      first signature);
 *   2. the certificate in the slot's certificate slot (cert=OID in the
 *      URI, else the pair E0F0->E0E0 ... E0F3->E0E3; for E0FC/E0FD the
 *      provider settings cert-E0FC/cert-E0FD), if its key type fits the
 *      slot's algorithm (metadata tag E0);
 *   3. the host cache written at key generation (pubcache.c).
 *
 * When 2 and 3 both exist and disagree (a slot regenerated after its
 * certificate was stored, or elsewhere after the cache was written), one
 * test signature by the chip decides.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "provider/prov_int.h"
#include "util/err.h"
#include "util/log.h"

#define META_MAX 64
#define SLOT_ERR(code) OP_RC(OP_LAYER_CRYPTO, code)

uint16_t
oprov_cert_slot(const struct oprov_ctx *prov, uint16_t key_oid)
{
	switch (key_oid) {
	case OID_DEVICE_KEY:
		return OID_DEVICE_CERT;
	case OID_ECC_KEY_1:
		return OID_CERT_1;
	case OID_ECC_KEY_2:
		return OID_CERT_2;
	case OID_ECC_KEY_3:
		return OID_CERT_3;
	case OID_RSA_KEY_1:
		return prov != NULL ? prov->rsa_cert[0] : 0;
	case OID_RSA_KEY_2:
		return prov != NULL ? prov->rsa_cert[1] : 0;
	default:
		return 0;
	}
}

/* 24-bit big-endian length. */
static size_t
rd24(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

int
oprov_cert_read(struct chip *chip, uint16_t oid, uint8_t **der,
    size_t *len)
{
	uint8_t *buf;
	size_t n, off = 0, clen;
	int rc;

	*der = NULL;
	*len = 0;
	if ((buf = malloc(CHIP_CERT_MAX)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	if ((rc = chip_read_data(chip, oid, buf, CHIP_CERT_MAX, &n)) != 0)
		goto fail;

	/*
	 * 0x30: one DER certificate.  0xC0: TLS identity, C0 LLLL LLLLLL
	 * llllll DER...; the first (leaf) certificate is ours.
	 */
	clen = n;
	if (n >= 9 && buf[0] == 0xC0) {
		clen = rd24(buf + 6);
		off = 9;
		if (clen == 0 || off + clen > n || buf[off] != 0x30) {
			rc = op_err(SLOT_ERR(OP_E_INVAL), "object 0x%04X: bad "
			    "TLS-identity certificate lengths", oid);
			goto fail;
		}
	} else if (n == 0 || buf[0] != 0x30) {
		rc = op_err(SLOT_ERR(OP_E_NOTFOUND), "object 0x%04X holds no "
		    "certificate (first byte %s0x%02X, expected 0x30 or 0xC0)",
		    oid, n == 0 ? "none, " : "", n == 0 ? 0 : buf[0]);
		goto fail;
	}
	memmove(buf, buf + off, clen);
	*der = buf;
	*len = clen;

	return 0;
fail:
	free(buf);

	return rc;
}

/* Algorithm of a key slot from metadata tag E0, NULL when absent. */
static const struct chip_alg_info *
slot_alg(struct chip *chip, uint16_t oid)
{
	uint8_t meta[META_MAX];
	size_t n, i;

	if (chip_read_meta(chip, oid, meta, sizeof(meta), &n) != 0 ||
	    n < 2 || meta[0] != 0x20)
		return NULL;
	/* 20 LL { tag len value }* with one-byte lengths */
	for (i = 2; i + 2 <= n && i < (size_t)meta[1] + 2; ) {
		uint8_t tag = meta[i], len = meta[i + 1];

		if (i + 2 + len > n)
			break;
		if (tag == 0xE0 && len == 1)
			return chip_alg_by_id(meta[i + 2]);
		i += 2 + (size_t)len;
	}

	return NULL;
}

/* Public key of the certificate in cert_oid, if it fits alg. */
static EVP_PKEY *
cert_pub(struct oprov_ctx *prov, struct chip *chip, uint16_t cert_oid,
    const struct chip_alg_info *alg)
{
	EVP_PKEY *pub = NULL;
	uint8_t *der;
	size_t len;

	if (cert_oid == 0 || oprov_cert_read(chip, cert_oid, &der, &len))
		return NULL;
	(void)oprov_pub_from_der(prov, der, len, &pub);
	free(der);
	if (pub != NULL && alg != NULL && !oprov_pub_fits(pub, alg)) {
		OP_DEBUG(PROV_LOG, "certificate in 0x%04X is for another key "
		    "type than %s; ignored", cert_oid, alg->name);
		EVP_PKEY_free(pub);
		pub = NULL;
	}

	return pub;
}

/* Does the chip's signature with oid verify under pub? */
static bool
probe(struct oprov_ctx *prov, struct chip *chip, uint16_t oid,
    EVP_PKEY *pub)
{
	uint8_t dgst[32], sig[1024];
	size_t siglen;
	bool rsa = EVP_PKEY_is_a(pub, "RSA");
	EVP_PKEY_CTX *ctx = NULL;
	EVP_MD *md = NULL;
	bool ok = false;

	if (RAND_bytes(dgst, sizeof(dgst)) != 1 ||
	    chip_sign(chip, oid, rsa, dgst, sizeof(dgst), sig, sizeof(sig),
	    &siglen) != 0)
		goto fail;
	ctx = EVP_PKEY_CTX_new_from_pkey(prov->libctx, pub, OPROV_PROPQ);
	if (ctx == NULL || EVP_PKEY_verify_init(ctx) <= 0)
		goto fail;
	if (rsa && ((md = EVP_MD_fetch(prov->libctx, "SHA256",
	    OPROV_PROPQ)) == NULL || EVP_PKEY_CTX_set_signature_md(ctx,
	    md) <= 0))
		goto fail;
	ok = EVP_PKEY_verify(ctx, sig, siglen, dgst, sizeof(dgst)) == 1;
fail:
	EVP_MD_free(md);
	EVP_PKEY_CTX_free(ctx);

	return ok;
}

/* Choose among the certificate's key and the cached one. */
static int
slot_pick(struct oprov_ctx *prov, struct chip *chip, uint16_t oid,
    EVP_PKEY **from_cert, EVP_PKEY **from_cache, EVP_PKEY **pub)
{
	EVP_PKEY **pick = NULL;

	if (*from_cert != NULL && *from_cache != NULL) {
		if (EVP_PKEY_eq(*from_cert, *from_cache) == 1)
			pick = from_cert;
		else if (probe(prov, chip, oid, *from_cert))
			pick = from_cert;
		else if (probe(prov, chip, oid, *from_cache))
			pick = from_cache;
		else
			return op_err(SLOT_ERR(OP_E_VERIFY), "neither the "
			    "certificate nor the cached public key matches "
			    "the key in slot 0x%04X", oid);
		OP_DEBUG(PROV_LOG, "slot 0x%04X: certificate and cache "
		    "differ; the chip's signature chose the %s", oid,
		    pick == from_cert ? "certificate" : "cache");
	} else if (*from_cert != NULL) {
		pick = from_cert;
	} else if (*from_cache != NULL) {
		pick = from_cache;
	} else {
		return SLOT_ERR(OP_E_NOTFOUND);	/* the caller explains */
	}
	*pub = *pick;
	*pick = NULL;

	return 0;
}

static int
slot_key(struct oprov_ctx *prov, const struct oprov_uri *u, EVP_PKEY *pub,
    const struct chip_alg_info *alg, struct oprov_key **out)
{
	struct oprov_key *key;

	if (alg == NULL && (alg = oprov_alg_of_pub(pub)) == NULL)
		return op_err(SLOT_ERR(OP_E_UNSUPPORTED), "the public key for "
		    "slot 0x%04X is of a type the chip does not have",
		    u->oid);
	if (!oprov_pub_fits(pub, alg))
		return op_err(SLOT_ERR(OP_E_INVAL), "the public key for slot "
		    "0x%04X is not a %s key, which the slot holds", u->oid,
		    alg->name);
	if ((key = oprov_key_new(prov, alg->rsa ? "RSA" : "EC")) == NULL ||
	    (u->device != NULL && (key->device = strdup(u->device)) == NULL)) {
		oprov_key_free(key);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	key->oid = u->oid;
	key->alg = alg;
	key->pub = pub;
	*out = key;

	return 0;
}

static int
slot_search(struct oprov_ctx *prov, const struct oprov_uri *u,
    struct chip *chip, const struct chip_uid *uid, EVP_PKEY **pub,
    const struct chip_alg_info **alg)
{
	EVP_PKEY *from_cert = NULL, *from_cache = NULL;
	uint16_t cert_oid = u->cert ? u->cert : oprov_cert_slot(prov, u->oid);
	char *path = NULL;
	int rc;

	*alg = slot_alg(chip, u->oid);
	from_cert = cert_pub(prov, chip, cert_oid, *alg);
	rc = oprov_pubcache_read(prov, uid, u->oid, &from_cache);
	if (rc != 0 && OP_RC_CODE(rc) != OP_E_NOTFOUND)
		OP_WARN(PROV_LOG, "%s", op_errmsg());
	if (from_cache != NULL && *alg != NULL &&
	    !oprov_pub_fits(from_cache, *alg)) {
		OP_DEBUG(PROV_LOG, "cached key for 0x%04X is not %s; stale",
		    u->oid, (*alg)->name);
		EVP_PKEY_free(from_cache);
		from_cache = NULL;
	}

	rc = slot_pick(prov, chip, u->oid, &from_cert, &from_cache, pub);
	if (rc == SLOT_ERR(OP_E_NOTFOUND)) {
		(void)oprov_pubcache_path(prov, uid, u->oid, &path);
		rc = op_err(rc, "no public key known for slot 0x%04X%s: add "
		    "pub=FILE to the URI, store the certificate in 0x%04X "
		    "(or name its slot with cert=), or generate the key "
		    "through the provider or 'optiga-perso keygen' so that "
		    "it is cached (%s)", u->oid, *alg == NULL ?
		    " (its metadata names no key algorithm: empty?)" : "",
		    cert_oid, path != NULL ? path : "no cache directory");
	}
	free(path);
	EVP_PKEY_free(from_cert);
	EVP_PKEY_free(from_cache);

	return rc;
}

int
oprov_slot_resolve(struct oprov_ctx *prov, const struct oprov_uri *u,
    struct oprov_key **out)
{
	const char *dev = oprov_device(prov, u->device);
	const struct chip_alg_info *alg = NULL;
	struct chip_uid uid;
	struct chip *chip;
	EVP_PKEY *pub = NULL;
	int rc;

	*out = NULL;
	/* With pub= the chip is left alone until the first signature. */
	if (u->pub != NULL) {
		if ((rc = oprov_pub_read(prov, u->pub, &pub)) != 0)
			return rc;
	} else {
		if ((rc = oprov_dev_lock(dev, &chip, &uid)) != 0)
			return rc;
		rc = slot_search(prov, u, chip, &uid, &pub, &alg);
		oprov_dev_unlock(dev, rc);
		if (rc != 0)
			return rc;
	}

	if ((rc = slot_key(prov, u, pub, alg, out)) != 0)
		EVP_PKEY_free(pub);

	return rc;
}
