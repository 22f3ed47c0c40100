/*
 * Key formats of the chip (fact sheet section 9) on top of OpenSSL 3 EVP:
 * public keys as the BIT STRING of a SubjectPublicKeyInfo, private keys
 * on export as an OCTET STRING, ECDSA signatures as two fixed-width
 * INTEGERs without the SEQUENCE.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "simchip.h"


static const uint8_t algid_p256[] = { 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE,
	0x3D, 0x03, 0x01, 0x07 };
static const uint8_t algid_p384[] = { 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00,
	0x22 };
static const uint8_t algid_p521[] = { 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00,
	0x23 };
static const uint8_t algid_bp256[] = { 0x30, 0x14, 0x06, 0x07, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x09, 0x2B, 0x24, 0x03, 0x03,
	0x02, 0x08, 0x01, 0x01, 0x07 };
static const uint8_t algid_bp384[] = { 0x30, 0x14, 0x06, 0x07, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x09, 0x2B, 0x24, 0x03, 0x03,
	0x02, 0x08, 0x01, 0x01, 0x0B };
static const uint8_t algid_bp512[] = { 0x30, 0x14, 0x06, 0x07, 0x2A, 0x86,
	0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x09, 0x2B, 0x24, 0x03, 0x03,
	0x02, 0x08, 0x01, 0x01, 0x0D };
static const uint8_t algid_rsa[] = { 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86,
	0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00 };

#define A(x)	x, sizeof(x)

static const struct sim_alg_info algs[] = {
	{ SIM_ALG_P256, "prime256v1", 256, 32, A(algid_p256) },
	{ SIM_ALG_P384, "secp384r1", 384, 48, A(algid_p384) },
	{ SIM_ALG_P521, "secp521r1", 521, 66, A(algid_p521) },
	{ SIM_ALG_BP256, "brainpoolP256r1", 256, 32, A(algid_bp256) },
	{ SIM_ALG_BP384, "brainpoolP384r1", 384, 48, A(algid_bp384) },
	{ SIM_ALG_BP512, "brainpoolP512r1", 512, 64, A(algid_bp512) },
	{ SIM_ALG_RSA1024, NULL, 1024, 128, A(algid_rsa) },
	{ SIM_ALG_RSA2048, NULL, 2048, 256, A(algid_rsa) },
};

const struct sim_alg_info *
sim_alg_info(int id)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if ((int)algs[i].id == id)
			return &algs[i];

	return NULL;
}

/* Fact sheet 5.6: V1 has no P-521/Brainpool, Trust X no RSA either. */
bool
sim_alg_on_product(enum sim_product p, int id)
{
	switch (id) {
	case SIM_ALG_P256:
	case SIM_ALG_P384:
		return true;
	case SIM_ALG_RSA1024:
	case SIM_ALG_RSA2048:
		return p != SIM_TRUST_X;
	case SIM_ALG_P521:
	case SIM_ALG_BP256:
	case SIM_ALG_BP384:
	case SIM_ALG_BP512:
		return p == SIM_TRUST_M3;
	default:
		return false;
	}
}

int
sim_alg_of_key(EVP_PKEY *key)
{
	char group[64];

	if (EVP_PKEY_is_a(key, "RSA"))
		return EVP_PKEY_get_bits(key) == 1024 ? SIM_ALG_RSA1024 :
		    EVP_PKEY_get_bits(key) == 2048 ? SIM_ALG_RSA2048 : -1;
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].group != NULL &&
		    strcmp(algs[i].group, group) == 0)
			return algs[i].id;
	/* OpenSSL may report the NIST names */
	if (strcmp(group, "P-256") == 0)
		return SIM_ALG_P256;
	if (strcmp(group, "P-384") == 0)
		return SIM_ALG_P384;
	if (strcmp(group, "P-521") == 0)
		return SIM_ALG_P521;

	return -1;
}

EVP_PKEY *
sim_key_generate(const struct sim_alg_info *a)
{
	if (a->group != NULL)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", a->group);

	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)a->bits);
}

/* Read one DER header; returns the header length or 0 when malformed. */
static size_t
der_hdr(const uint8_t *p, size_t len, uint8_t *tag, size_t *vlen)
{
	size_t n;

	if (len < 2)
		return 0;
	*tag = p[0];
	if (p[1] < 0x80) {
		*vlen = p[1];
		n = 2;
	} else if (p[1] == 0x81 && len >= 3) {
		*vlen = p[2];
		n = 3;
	} else if (p[1] == 0x82 && len >= 4) {
		*vlen = (size_t)p[2] << 8 | p[3];
		n = 4;
	} else
		return 0;

	return *vlen <= len - n ? n : 0;
}

static void
der_put_len(struct bbuf *b, size_t n)
{
	if (n < 0x80)
		bbuf_u8(b, (uint8_t)n);
	else if (n < 0x100) {
		bbuf_u8(b, 0x81);
		bbuf_u8(b, (uint8_t)n);
	} else {
		bbuf_u8(b, 0x82);
		bbuf_u16(b, (uint16_t)n);
	}
}

int
sim_key_pub_bitstring(EVP_PKEY *key, struct bbuf *out)
{
	unsigned char *der = NULL;
	const uint8_t *p;
	size_t left, h, vlen;
	uint8_t tag;
	int len;
	int r = -1;

	if ((len = i2d_PUBKEY(key, &der)) <= 0)
		return -1;
	p = der;
	left = (size_t)len;

	/* SEQUENCE { AlgorithmIdentifier, BIT STRING }: keep the latter */
	if ((h = der_hdr(p, left, &tag, &vlen)) == 0 || tag != 0x30)
		goto fail;
	p += h;
	left = vlen;
	if ((h = der_hdr(p, left, &tag, &vlen)) == 0 || tag != 0x30)
		goto fail;
	p += h + vlen;
	left -= h + vlen;
	if ((h = der_hdr(p, left, &tag, &vlen)) == 0 || tag != 0x03 ||
	    h + vlen != left)
		goto fail;
	bbuf_put(out, p, left);

	r = out->overflow ? -1 : 0;
fail:
	OPENSSL_free(der);

	return r;
}

int
sim_key_priv_octets(EVP_PKEY *key, const struct sim_alg_info *a,
    struct bbuf *out)
{
	const char *name = a->group ? OSSL_PKEY_PARAM_PRIV_KEY :
	    OSSL_PKEY_PARAM_RSA_D;
	BIGNUM *bn = NULL;
	uint8_t buf[256];
	int r = -1;

	/* ECC: the scalar; RSA: the private exponent only (fact sheet 9.4) */
	if (EVP_PKEY_get_bn_param(key, name, &bn) != 1 ||
	    BN_bn2binpad(bn, buf, (int)a->width) < 0)
		goto fail;
	bbuf_u8(out, 0x04);
	der_put_len(out, a->width);
	bbuf_put(out, buf, a->width);

	r = out->overflow ? -1 : 0;
fail:
	OPENSSL_cleanse(buf, sizeof(buf));
	BN_clear_free(bn);

	return r;
}

EVP_PKEY *
sim_key_from_bitstring(const struct sim_alg_info *a, const uint8_t *bs,
    size_t len)
{
	uint8_t spki[600];
	struct bbuf b;
	const unsigned char *p = spki;
	EVP_PKEY *key;
	size_t h, vlen;
	uint8_t tag;

	if ((h = der_hdr(bs, len, &tag, &vlen)) == 0 || tag != 0x03 ||
	    h + vlen != len)
		return NULL;
	bbuf_init(&b, spki, sizeof(spki));
	bbuf_u8(&b, 0x30);
	der_put_len(&b, a->algid_len + len);
	bbuf_put(&b, a->algid, a->algid_len);
	bbuf_put(&b, bs, len);
	if (b.overflow)
		return NULL;
	if ((key = d2i_PUBKEY(NULL, &p, (long)b.len)) == NULL)
		return NULL;
	if (p != spki + b.len || sim_alg_of_key(key) != (int)a->id) {
		EVP_PKEY_free(key);
		return NULL;
	}

	return key;
}

/*
 * The chip's ECDSA integer: the value left-padded to the full scalar
 * width, then one 00 in front when the top bit is set (fact sheet 9.1).
 * So roughly 1 in 256 integers are not minimal DER, as on a real chip.
 */
static int
ecdsa_put_int(struct bbuf *out, const BIGNUM *v, size_t width)
{
	uint8_t buf[66];

	if (width > sizeof(buf) || BN_bn2binpad(v, buf, (int)width) < 0)
		return -1;
	bbuf_u8(out, 0x02);
	if (buf[0] >= 0x80) {
		bbuf_u8(out, (uint8_t)(width + 1));
		bbuf_u8(out, 0x00);
	} else
		bbuf_u8(out, (uint8_t)width);
	bbuf_put(out, buf, width);

	return 0;
}

int
sim_ecdsa_sign(EVP_PKEY *key, size_t width, const uint8_t *dgst,
    size_t dlen, struct bbuf *out)
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	uint8_t der[160];
	const unsigned char *p = der;
	size_t dl = sizeof(der);
	const BIGNUM *r, *s;
	int rc = -1;

	/* no digest set: the chip signs the given hash as is */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_sign(ctx, der, &dl, dgst, dlen) != 1)
		goto fail;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)dl)) == NULL)
		goto fail;
	ECDSA_SIG_get0(sig, &r, &s);
	if (ecdsa_put_int(out, r, width) != 0 ||
	    ecdsa_put_int(out, s, width) != 0 || out->overflow)
		goto fail;

	rc = 0;
fail:
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(ctx);

	return rc;
}

static BIGNUM *
ecdsa_get_int(const uint8_t **p, size_t *left)
{
	size_t h, vlen;
	uint8_t tag;
	BIGNUM *bn;

	if ((h = der_hdr(*p, *left, &tag, &vlen)) == 0 || tag != 0x02 ||
	    vlen == 0 || vlen > 67)
		return NULL;
	bn = BN_bin2bn(*p + h, (int)vlen, NULL);
	*p += h + vlen;
	*left -= h + vlen;

	return bn;
}

/* Accepts the chip's fixed-width form and minimal DER integers alike. */
bool
sim_ecdsa_verify(EVP_PKEY *key, const uint8_t *dgst, size_t dlen,
    const uint8_t *sig, size_t slen)
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int derlen;
	bool ok = false;

	if ((r = ecdsa_get_int(&sig, &slen)) == NULL ||
	    (s = ecdsa_get_int(&sig, &slen)) == NULL || slen != 0)
		goto fail;
	if ((es = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto fail;
	r = s = NULL;	/* now owned by es */
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto fail;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) != 1)
		goto fail;
	ok = EVP_PKEY_verify(ctx, der, (size_t)derlen, dgst, dlen) == 1;
fail:
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);

	return ok;
}

static EVP_PKEY_CTX *
rsa_ctx(EVP_PKEY *key, const EVP_MD *md, bool sign)
{
	EVP_PKEY_CTX *ctx;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}

	return ctx;
}

/* PKCS#1 v1.5: the chip adds the DigestInfo; the signature is raw. */
int
sim_rsa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *dgst,
    size_t dlen, struct bbuf *out)
{
	EVP_PKEY_CTX *ctx;
	uint8_t sig[256];
	size_t slen = sizeof(sig);
	int r = -1;

	if ((ctx = rsa_ctx(key, md, true)) == NULL)
		return -1;
	if (EVP_PKEY_sign(ctx, sig, &slen, dgst, dlen) != 1)
		goto fail;
	bbuf_put(out, sig, slen);

	r = out->overflow ? -1 : 0;
fail:
	EVP_PKEY_CTX_free(ctx);

	return r;
}

bool
sim_rsa_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *dgst,
    size_t dlen, const uint8_t *sig, size_t slen)
{
	EVP_PKEY_CTX *ctx;
	bool ok;

	if ((ctx = rsa_ctx(key, md, false)) == NULL)
		return false;
	ok = EVP_PKEY_verify(ctx, sig, slen, dgst, dlen) == 1;
	EVP_PKEY_CTX_free(ctx);

	return ok;
}
