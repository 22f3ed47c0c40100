/*
 * Public keys in the chip's form: the BIT STRING of a SubjectPublicKeyInfo
 * without its AlgorithmIdentifier (fact sheet 9.3).  ECC: 00 04 X Y.  RSA:
 * 00 SEQUENCE { INTEGER n, INTEGER e }.
 *
 * Decoding parses the DER lengths instead of trusting fixed prefixes: the
 * SRM shows the RSA exponent as 02 04 00 01 00 01 in one place and the
 * tools assume 02 03 01 00 01 ([conflict] 12.2 #4).  OpenSSL rejects the
 * padded INTEGER, so RSA is rebuilt from n and e rather than by d2i.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "chip/chip_int.h"
#include "util/err.h"

static int
pk_bad(const char *alg, const char *what)
{
	return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
	    "malformed %s public key from the chip: %s", alg, what);
}

static int
pk_crypto(const char *what)
{
	return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
	    "OpenSSL could not %s", what);
}

/*
 * One DER item with tag at p (left bytes): its contents and the bytes it
 * takes in all.  Lengths up to 0xFFFF.
 */
static int
der_item(const uint8_t *p, size_t left, uint8_t tag, const uint8_t **v,
    size_t *n, size_t *total)
{
	size_t hl = 2;
	size_t len;

	if (left < 2 || p[0] != tag)
		return -1;
	len = p[1];
	if (len == 0x81) {
		if (left < 3)
			return -1;
		len = p[2];
		hl = 3;
	} else if (len == 0x82) {
		if (left < 4)
			return -1;
		len = (size_t)p[2] << 8 | p[3];
		hl = 4;
	} else if (len > 0x7f) {
		return -1;
	}
	if (len > left - hl)
		return -1;
	*v = p + hl;
	*n = len;
	*total = hl + len;

	return 0;
}

static int
pk_fromdata(const char *type, OSSL_PARAM *params, EVP_PKEY **pkey)
{
	EVP_PKEY_CTX *ctx = NULL;
	int ok;

	/*
	 * A host-side public key: prefer the default provider, so that a
	 * program which also loaded the optiga provider (whose key managers
	 * answer to "EC" and "RSA" too) gets an ordinary key.
	 */
	ok = (ctx = EVP_PKEY_CTX_new_from_name(NULL, type,
	    "?provider=default")) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
	EVP_PKEY_CTX_free(ctx);

	return ok ? 0 : -1;
}

static int
pk_decode_ec(const struct chip_alg_info *ai, const uint8_t *pt, size_t n,
    EVP_PKEY **pkey)
{
	OSSL_PARAM params[3];

	if (n != 1 + 2 * ai->scalar_len || pt[0] != 0x04)
		return pk_bad(ai->name, "not an uncompressed point of the "
		    "curve's size");
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)ai->curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)pt, n);
	params[2] = OSSL_PARAM_construct_end();

	/* the import checks that the point lies on the curve */
	if (pk_fromdata("EC", params, pkey) != 0)
		return pk_bad(ai->name, "the point is not on the curve");

	return 0;
}

static int
pk_decode_rsa(const struct chip_alg_info *ai, const uint8_t *seq,
    size_t len, EVP_PKEY **pkey)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *n = NULL, *e = NULL;
	const uint8_t *v, *nv, *ev;
	size_t vn, nn, en, t1, t2, t3;
	int rc;

	if (der_item(seq, len, 0x30, &v, &vn, &t1) != 0 || t1 != len ||
	    der_item(v, vn, 0x02, &nv, &nn, &t2) != 0 ||
	    der_item(v + t2, vn - t2, 0x02, &ev, &en, &t3) != 0 ||
	    t2 + t3 != vn) {
		rc = pk_bad(ai->name, "not SEQUENCE { n, e }");
		goto fail;
	}
	if ((n = BN_bin2bn(nv, (int)nn, NULL)) == NULL ||
	    (e = BN_bin2bn(ev, (int)en, NULL)) == NULL) {
		rc = pk_crypto("read the RSA numbers");
		goto fail;
	}
	if ((unsigned)BN_num_bits(n) != ai->bits || !BN_is_odd(e)) {
		rc = op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "the chip's %s key has a %d-bit modulus%s; expected "
		    "%u bits and an odd exponent", ai->name, BN_num_bits(n),
		    BN_is_odd(e) ? "" : " and an even exponent", ai->bits);
		goto fail;
	}

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    pk_fromdata("RSA", params, pkey) != 0) {
		rc = pk_crypto("build the RSA public key");
		goto fail;
	}

	rc = 0;
fail:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);

	return rc;
}

int
chip_pubkey_decode(enum chip_alg alg, const uint8_t *bs, size_t len,
    EVP_PKEY **pkey)
{
	const struct chip_alg_info *ai = chip_alg_by_id(alg);
	const uint8_t *v;
	size_t n, total;

	*pkey = NULL;
	if (ai == NULL)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_UNSUPPORTED),
		    "key type 0x%02X is not one this tool knows", alg);
	if (der_item(bs, len, 0x03, &v, &n, &total) != 0 || total != len)
		return pk_bad(ai->name, "not one BIT STRING");
	if (n < 1 || v[0] != 0x00)
		return pk_bad(ai->name, "BIT STRING with unused bits");

	if (ai->rsa)
		return pk_decode_rsa(ai, v + 1, n - 1, pkey);

	return pk_decode_ec(ai, v + 1, n - 1, pkey);
}

/* Which chip key type the EVP_PKEY is, or -1. */
static int
pk_alg_of(const EVP_PKEY *pkey)
{
	char group[64];
	size_t glen = 0;
	int nid;

	if (EVP_PKEY_is_a(pkey, "RSA")) {
		switch (EVP_PKEY_get_bits(pkey)) {
		case 1024: return CHIP_ALG_RSA1024;
		case 2048: return CHIP_ALG_RSA2048;
		default: return -1;
		}
	}
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen))
		return -1;
	if ((nid = OBJ_sn2nid(group)) == NID_undef)
		nid = EC_curve_nist2nid(group);

	switch (nid) {
	case NID_X9_62_prime256v1: return CHIP_ALG_P256;
	case NID_secp384r1: return CHIP_ALG_P384;
	case NID_secp521r1: return CHIP_ALG_P521;
	case NID_brainpoolP256r1: return CHIP_ALG_BP256;
	case NID_brainpoolP384r1: return CHIP_ALG_BP384;
	case NID_brainpoolP512r1: return CHIP_ALG_BP512;
	default: return -1;
	}
}

int
chip_pubkey_encode(const EVP_PKEY *pkey, uint8_t *out, size_t cap,
    size_t *len, enum chip_alg *alg)
{
	unsigned char *der = NULL;
	const uint8_t *v, *a, *b;
	size_t vn, an, bn, t1, t2, t3;
	int dlen;
	int id;
	int rc;

	*len = 0;
	if ((id = pk_alg_of(pkey)) < 0)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_UNSUPPORTED),
		    "the key is none of %s", chip_alg_names());

	/* SPKI = SEQUENCE { AlgorithmIdentifier, BIT STRING } */
	if ((dlen = i2d_PUBKEY(pkey, &der)) <= 0) {
		rc = pk_crypto("encode the public key");
		goto fail;
	}
	if (der_item(der, (size_t)dlen, 0x30, &v, &vn, &t1) != 0 ||
	    der_item(v, vn, 0x30, &a, &an, &t2) != 0 ||
	    der_item(v + t2, vn - t2, 0x03, &b, &bn, &t3) != 0) {
		rc = pk_crypto("parse its own SubjectPublicKeyInfo");
		goto fail;
	}
	if (t3 > cap) {
		rc = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_RANGE),
		    "public key of %zu bytes exceeds the %zu-byte buffer",
		    t3, cap);
		goto fail;
	}
	memcpy(out, v + t2, t3);
	*len = t3;
	if (alg != NULL)
		*alg = (enum chip_alg)id;

	rc = 0;
fail:
	OPENSSL_free(der);

	return rc;
}
