/*
 * Key generation, signing and verification through APDUs, checked with
 * OpenSSL on the host side: every algorithm of every product, the chip's
 * fixed-width ECDSA integers, key usage and access rules, sessions,
 * export mode and the factory identity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "simtest.h"

struct alg {
	uint8_t id;
	const char *spki_prefix;	/* fact sheet 9.3 */
	size_t publen;
	size_t width;
	bool rsa;
};

static const struct alg algs[] = {
	{ 0x03, "3059301306072A8648CE3D020106082A8648CE3D030107", 68, 32, 0 },
	{ 0x04, "3076301006072A8648CE3D020106052B81040022", 100, 48, 0 },
	{ 0x05, "30819B301006072A8648CE3D020106052B81040023", 137, 66, 0 },
	{ 0x13, "305A301406072A8648CE3D020106092B2403030208010107", 68, 32,
	    0 },
	{ 0x15, "307A301406072A8648CE3D020106092B240303020801010B", 100, 48,
	    0 },
	{ 0x16, "30819B301406072A8648CE3D020106092B240303020801010D", 133,
	    64, 0 },
	{ 0x41, "30819F300D06092A864886F70D0101010500", 144, 128, 1 },
	{ 0x42, "30820122300D06092A864886F70D0101010500", 275, 256, 1 },
};

static size_t
tlv(uint8_t *p, uint8_t tag, const void *v, size_t n)
{
	p[0] = tag;
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)n;
	memcpy(p + 3, v, n);

	return 3 + n;
}

static int
genkey(struct sim_chip *chip, uint8_t alg, uint16_t oid, uint8_t usage,
    struct rsp *r)
{
	uint8_t in[16], o[2] = { (uint8_t)(oid >> 8), (uint8_t)oid };
	size_t n = tlv(in, 0x01, o, 2);

	n += tlv(in + n, 0x02, &usage, 1);

	return st_apdu(chip, 0xB8, alg, in, n, r);
}

static int
sign(struct sim_chip *chip, uint8_t param, uint16_t oid, const uint8_t *d,
    size_t dlen, struct rsp *r)
{
	uint8_t in[128], o[2] = { (uint8_t)(oid >> 8), (uint8_t)oid };
	size_t n = tlv(in, 0x01, d, dlen);

	n += tlv(in + n, 0x03, o, 2);

	return st_apdu(chip, 0xB1, param, in, n, r);
}

static int
verify_inline(struct sim_chip *chip, uint8_t param, uint8_t alg,
    const uint8_t *d, size_t dlen, const uint8_t *sig, size_t slen,
    const uint8_t *pub, size_t plen)
{
	uint8_t in[1200];
	size_t n = tlv(in, 0x01, d, dlen);
	struct rsp r;

	n += tlv(in + n, 0x02, sig, slen);
	n += tlv(in + n, 0x05, &alg, 1);
	n += tlv(in + n, 0x06, pub, plen);

	return st_apdu(chip, 0xB2, param, in, n, &r);
}

static EVP_PKEY *
spki_key(const struct alg *a, const uint8_t *bs, size_t len)
{
	uint8_t der[600];
	const unsigned char *p = der;
	size_t n = st_unhex(a->spki_prefix, der, sizeof(der));
	EVP_PKEY *k;

	memcpy(der + n, bs, len);
	k = d2i_PUBKEY(NULL, &p, (long)(n + len));
	assert_non_null(k);
	assert_ptr_equal(p, der + n + len);

	return k;
}

/*
 * Check the chip's fixed-width INTEGER pair and rebuild minimal DER:
 * 02 w <w bytes, top < 80> or 02 w+1 00 <w bytes, top >= 80>.
 */
static size_t
ecdsa_to_der(const uint8_t *sig, size_t len, size_t width, uint8_t *der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *v[2];
	unsigned char *out = der;
	size_t off = 0;
	int n;

	for (int i = 0; i < 2; i++) {
		size_t l;

		assert_true(off + 2 <= len);
		assert_int_equal(sig[off], 0x02);
		l = sig[off + 1];
		if (l == width + 1) {
			assert_int_equal(sig[off + 2], 0x00);
			assert_true(sig[off + 3] >= 0x80);
		} else {
			assert_int_equal(l, width);
			assert_true(sig[off + 2] < 0x80);
		}
		v[i] = BN_bin2bn(sig + off + 2, (int)l, NULL);
		off += 2 + l;
	}
	assert_int_equal(off, len);
	assert_int_equal(ECDSA_SIG_set0(es, v[0], v[1]), 1);
	n = i2d_ECDSA_SIG(es, &out);
	assert_true(n > 0);
	ECDSA_SIG_free(es);

	return (size_t)n;
}

static void
host_verify(EVP_PKEY *k, const struct alg *a, const uint8_t *dgst,
    size_t dlen, const uint8_t *sig, size_t slen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	uint8_t der[200];
	size_t n;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	if (a->rsa) {
		assert_int_equal(slen, a->width);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx,
		    EVP_sha256()), 1);
		assert_int_equal(EVP_PKEY_verify(ctx, sig, slen, dgst, dlen),
		    1);
	} else {
		n = ecdsa_to_der(sig, slen, a->width, der);
		assert_int_equal(EVP_PKEY_verify(ctx, der, n, dgst, dlen), 1);
	}
	EVP_PKEY_CTX_free(ctx);
}

static bool
supported(enum sim_product p, uint8_t alg)
{
	if (p == SIM_TRUST_M3)
		return true;
	if (alg == 0x03 || alg == 0x04)
		return true;

	return p == SIM_TRUST_M1 && (alg == 0x41 || alg == 0x42);
}

static void
all_algorithms(enum sim_product p)
{
	struct sim_chip *chip = st_load(p);
	struct rsp r, s;

	st_open(chip);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct alg *a = &algs[i];
		uint16_t slot = a->rsa ? 0xE0FC : 0xE0F1;
		uint8_t dgst[32], pub[300], meta[6];
		size_t plen;
		EVP_PKEY *k;

		RAND_bytes(dgst, sizeof(dgst));
		if (!supported(p, a->id)) {
			assert_int_equal(genkey(chip, a->id, slot, 0x10, &r),
			    0xff);
			/* refused for the algorithm, before the slot */
			assert_int_equal(st_error(chip), 0x25);
			continue;
		}
		assert_int_equal(genkey(chip, a->id, slot, 0x10, &r), 0);
		assert_int_equal(r.data[0], 0x02);
		plen = (size_t)r.data[1] << 8 | r.data[2];
		assert_int_equal(plen, a->publen);
		assert_int_equal(r.len, 3 + plen);
		assert_int_equal(r.data[3], 0x03);
		memcpy(pub, r.data + 3, plen);
		k = spki_key(a, pub, plen);

		/* E0 and E1 written by the key generation, at the end */
		meta[0] = 0xE0;
		meta[1] = 0x01;
		meta[2] = a->id;
		memcpy(meta + 3, "\xE1\x01\x10", 3);
		assert_int_equal(st_read_meta(chip, slot, &s), 0);
		assert_true(s.len > 6);
		assert_memory_equal(s.data + s.len - 6, meta, 6);

		assert_int_equal(sign(chip, a->rsa ? 0x01 : 0x11, slot, dgst,
		    32, &s), 0);
		host_verify(k, a, dgst, 32, s.data, s.len);
		/* the chip verifies its own signature, and refuses a change */
		assert_int_equal(verify_inline(chip, a->rsa ? 0x01 : 0x11,
		    a->id, dgst, 32, s.data, s.len, pub, plen), 0);
		dgst[5] ^= 1;
		assert_int_equal(verify_inline(chip, a->rsa ? 0x01 : 0x11,
		    a->id, dgst, 32, s.data, s.len, pub, plen), 0xff);
		assert_int_equal(st_error(chip), 0x2C);
		EVP_PKEY_free(k);
	}
	sim_chip_free(&chip);
}

static void
test_algorithms_m3(void **state)
{
	(void)state;
	all_algorithms(SIM_TRUST_M3);
}

static void
test_algorithms_m1(void **state)
{
	(void)state;
	all_algorithms(SIM_TRUST_M1);
}

static void
test_algorithms_x(void **state)
{
	(void)state;
	all_algorithms(SIM_TRUST_X);
}

static void
test_full_width(void **state)
{
	struct sim_chip *chip;
	struct rsp r, s;
	uint8_t dgst[64], der[200];
	EVP_PKEY *k;

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	assert_int_equal(genkey(chip, 0x03, 0xE0F2, 0x11, &r), 0);
	k = spki_key(&algs[0], r.data + 3, r.len - 3);
	/* 200 signatures: every INTEGER full width, all verify */
	for (int i = 0; i < 200; i++) {
		RAND_bytes(dgst, 32);
		assert_int_equal(sign(chip, 0x11, 0xE0F2, dgst, 32, &s), 0);
		assert_true(s.len >= 68 && s.len <= 70);
		host_verify(k, &algs[0], dgst, 32, s.data, s.len);
	}
	/* a minimal-DER pair is accepted by VerifySign too */
	{
		size_t n = ecdsa_to_der(s.data, s.len, 32, der);

		assert_int_equal(verify_inline(chip, 0x11, 0x03, dgst, 32,
		    der + 2, n - 2, r.data + 3, r.len - 3), 0);
	}
	EVP_PKEY_free(k);

	/* P-521: always 02 42 + 66 bytes */
	assert_int_equal(genkey(chip, 0x05, 0xE0F3, 0x10, &r), 0);
	for (int i = 0; i < 20; i++) {
		RAND_bytes(dgst, 64);
		assert_int_equal(sign(chip, 0x11, 0xE0F3, dgst, 64, &s), 0);
		assert_int_equal(s.len, 136);
		assert_memory_equal(s.data, "\x02\x42", 2);
		assert_memory_equal(s.data + 68, "\x02\x42", 2);
	}
	/* digest bounds: 10..key size */
	assert_int_equal(sign(chip, 0x11, 0xE0F2, dgst, 9, &s), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	assert_int_equal(sign(chip, 0x11, 0xE0F2, dgst, 33, &s), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	assert_int_equal(sign(chip, 0x11, 0xE0F2, dgst, 10, &s), 0);
	sim_chip_free(&chip);
}

static void
test_key_rules(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t dgst[32] = { 1 };

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* usage KeyAgree only: no signing */
	assert_int_equal(genkey(chip, 0x03, 0xE0F2, 0x20, &r), 0);
	assert_int_equal(sign(chip, 0x11, 0xE0F2, dgst, 32, &r), 0xff);
	assert_int_equal(st_error(chip), 0x24);
	/* ECDSA with an RSA key, RSA with an EC key */
	assert_int_equal(genkey(chip, 0x41, 0xE0FD, 0x10, &r), 0);
	assert_int_equal(sign(chip, 0x11, 0xE0FD, dgst, 32, &r), 0xff);
	assert_int_equal(st_error(chip), 0x24);
	assert_int_equal(genkey(chip, 0x03, 0xE0F1, 0x10, &r), 0);
	assert_int_equal(sign(chip, 0x01, 0xE0F1, dgst, 32, &r), 0xff);
	assert_int_equal(st_error(chip), 0x24);
	/* RSA with a wrong digest length for SHA-256 */
	assert_int_equal(sign(chip, 0x01, 0xE0FD, dgst, 20, &r), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	/* empty slot */
	assert_int_equal(sign(chip, 0x11, 0xE0F3, dgst, 32, &r), 0xff);
	assert_int_equal(st_error(chip), 0x0B);
	/* EC key into an RSA slot and the reverse */
	assert_int_equal(genkey(chip, 0x03, 0xE0FC, 0x10, &r), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	assert_int_equal(genkey(chip, 0x41, 0xE0F3, 0x10, &r), 0xff);
	assert_int_equal(st_error(chip), 0x05);
	/* the factory key cannot be replaced (D0 NEV) */
	assert_int_equal(genkey(chip, 0x03, 0xE0F0, 0x10, &r), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* unknown algorithm identifier */
	assert_int_equal(genkey(chip, 0x07, 0xE0F1, 0x10, &r), 0xff);
	assert_int_equal(st_error(chip), 0x03);
	/* no signing once the execute AC says NEV */
	assert_int_equal(st_write_meta(chip, 0xE0F1, "2003D301FF"), 0);
	assert_int_equal(sign(chip, 0x11, 0xE0F1, dgst, 32, &r), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* LcsO op: the slot is locked for key generation */
	assert_int_equal(st_write_meta(chip, 0xE0F3, "2003C00107"), 0);
	assert_int_equal(genkey(chip, 0x03, 0xE0F3, 0x10, &r), 0xff);
	assert_int_equal(st_error(chip), 0x07);
	/* GenKeyPair P-256 and CalcSign take the section 10 times */
	assert_int_equal(genkey(chip, 0x03, 0xE0F2, 0x10, &r), 0);
	assert_int_equal(sim_chip_last_exec_us(chip), 52000);
	assert_string_equal(sim_chip_last_command(chip), "GenKeyPair");
	assert_int_equal(sign(chip, 0x11, 0xE0F2, dgst, 32, &r), 0);
	assert_int_equal(sim_chip_last_exec_us(chip), 61000);
	assert_string_equal(sim_chip_last_command(chip), "CalcSign");
	sim_chip_free(&chip);
}

static void
test_session_and_export(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	uint8_t dgst[32] = { 2 };
	uint8_t exp[3] = { 0x07, 0x00, 0x00 };
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;
	BIGNUM *d;

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	/* session key: usable until the application closes */
	assert_int_equal(genkey(chip, 0x03, 0xE100, 0x10, &r), 0);
	assert_int_equal(sign(chip, 0x11, 0xE100, dgst, 32, &r), 0);
	sim_chip_reset(chip);
	st_open(chip);
	assert_int_equal(sign(chip, 0x11, 0xE100, dgst, 32, &r), 0xff);
	assert_int_equal(st_error(chip), 0x0B);
	assert_int_equal(genkey(chip, 0x41, 0xE101, 0x10, &r), 0xff);

	/* export: 01 0022 04 20 d, 02 0044 03 42 00 04 X Y; a real pair */
	assert_int_equal(st_apdu(chip, 0xB8, 0x03, exp, 3, &r), 0);
	assert_int_equal(r.len, 3 + 0x22 + 3 + 0x44);
	assert_memory_equal(r.data, "\x01\x00\x22\x04\x20", 5);
	assert_memory_equal(r.data + 37, "\x02\x00\x44\x03\x42\x00\x04", 7);
	assert_non_null(d = BN_bin2bn(r.data + 5, 32, NULL));
	assert_non_null(bld = OSSL_PARAM_BLD_new());
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    r.data + 43, 65);
	assert_non_null(params = OSSL_PARAM_BLD_to_param(bld));
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	assert_int_equal(EVP_PKEY_pairwise_check(ctx), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(k);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(d);

	/* RSA-1024 export: the private exponent, 04 81 80 d */
	assert_int_equal(st_apdu(chip, 0xB8, 0x41, exp, 3, &r), 0);
	assert_memory_equal(r.data, "\x01\x00\x83\x04\x81\x80", 6);
	assert_memory_equal(r.data + 3 + 0x83, "\x02\x00\x90", 3);
	sim_chip_free(&chip);
}

static void
test_factory_identity(void **state)
{
	struct sim_chip *chip;
	struct rsp r, s;
	uint8_t cert[1600], dgst[32], in[1600];
	const unsigned char *p;
	size_t der, n;
	X509 *x;
	EVP_PKEY *k;
	uint16_t ta = 0xE0E8;
	uint8_t oid[2] = { 0xE0, 0xE8 };

	(void)state;
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	assert_int_equal(st_read(chip, 0xE0E0, 0, 1553, &r), 0);
	der = (size_t)r.data[7] << 8 | r.data[8];
	memcpy(cert, r.data + 9, der);
	p = cert;
	assert_non_null(x = d2i_X509(NULL, &p, (long)der));
	assert_non_null(k = X509_get0_pubkey(x));

	/* the factory key (usage Auth) signs; its certificate verifies */
	RAND_bytes(dgst, sizeof(dgst));
	assert_int_equal(sign(chip, 0x11, 0xE0F0, dgst, 32, &s), 0);
	host_verify(k, &algs[0], dgst, 32, s.data, s.len);

	/* VerifySign against a DER certificate stored in a trust anchor */
	assert_int_equal(st_write(chip, 0x40, ta, 0, cert, der), 0);
	n = tlv(in, 0x01, dgst, 32);
	n += tlv(in + n, 0x02, s.data, s.len);
	n += tlv(in + n, 0x04, oid, 2);
	assert_int_equal(st_apdu(chip, 0xB2, 0x11, in, n, &r), 0);
	/* the TLS-identity form is not a certificate for VerifySign */
	oid[1] = 0xE0;
	n = tlv(in, 0x01, dgst, 32);
	n += tlv(in + n, 0x02, s.data, s.len);
	n += tlv(in + n, 0x04, oid, 2);
	assert_int_equal(st_apdu(chip, 0xB2, 0x11, in, n, &r), 0xff);
	assert_int_equal(st_error(chip), 0x29);
	X509_free(x);
	sim_chip_free(&chip);
}

static void
test_key_persistence(void **state)
{
	struct sim_chip *chip;
	struct rsp r, s;
	uint8_t dgst[32], pub[300];
	size_t plen;
	EVP_PKEY *k;

	(void)state;
	RAND_bytes(dgst, sizeof(dgst));
	chip = st_load(SIM_TRUST_M1);
	st_open(chip);
	assert_int_equal(genkey(chip, 0x42, 0xE0FC, 0x12, &r), 0);
	plen = r.len - 3;
	memcpy(pub, r.data + 3, plen);
	sim_chip_free(&chip);

	chip = st_load(SIM_TRUST_M1);
	st_open(chip);
	assert_int_equal(sign(chip, 0x01, 0xE0FC, dgst, 32, &s), 0);
	k = spki_key(&algs[7], pub, plen);
	host_verify(k, &algs[7], dgst, 32, s.data, s.len);
	EVP_PKEY_free(k);
	/* V1 has no RSA-SHA512 signatures */
	assert_int_equal(sign(chip, 0x03, 0xE0FC, dgst, 32, &s), 0xff);
	assert_int_equal(st_error(chip), 0x25);
	sim_chip_free(&chip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		ST_TEST(test_algorithms_m3),
		ST_TEST(test_algorithms_m1),
		ST_TEST(test_algorithms_x),
		ST_TEST(test_full_width),
		ST_TEST(test_key_rules),
		ST_TEST(test_session_and_export),
		ST_TEST(test_factory_identity),
		ST_TEST(test_key_persistence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
