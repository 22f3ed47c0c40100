/*
 * Certificate slot layouts: round trips, the 1728-byte bound, and the
 * byte layout of the TLS identity form (fact sheet section 8).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "perso/certslot.h"
#include "util/err.h"

/* A self-signed P-256 certificate whose CN pads it to about size bytes. */
static X509 *
make_cert(size_t cn_len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	char *cn = malloc(cn_len + 1);

	assert_non_null(key);
	memset(cn, 'a', cn_len);
	cn[cn_len] = '\0';
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	/* extra O entries make the certificate larger without limits on CN */
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);

	X509_NAME_free(n);
	EVP_PKEY_free(key);
	free(cn);

	return x;
}

static STACK_OF(X509) *
chain_of(int n, size_t cn_len)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	for (int i = 0; i < n; i++)
		sk_X509_push(sk, make_cert(cn_len));

	return sk;
}

static void
test_tls_layout_single(void **state)
{
	STACK_OF(X509) *sk = chain_of(1, 20);
	uint8_t *buf;
	size_t len;
	int der_len = i2d_X509(sk_X509_value(sk, 0), NULL);

	(void)state;
	assert_int_equal(certslot_encode(sk, CERTSLOT_TLS, &buf, &len), 0);

	/* used size = n + 9; outer = n + 6; list = n + 3 */
	assert_int_equal(len, (size_t)der_len + 9);
	assert_int_equal(buf[0], 0xC0);
	assert_int_equal((buf[1] << 8 | buf[2]), der_len + 6);
	assert_int_equal((buf[3] << 16 | buf[4] << 8 | buf[5]), der_len + 3);
	assert_int_equal((buf[6] << 16 | buf[7] << 8 | buf[8]), der_len);
	assert_int_equal(buf[9], 0x30);

	free(buf);
	sk_X509_pop_free(sk, X509_free);
}

static void
roundtrip(int n, enum certslot_format fmt, size_t pad)
{
	STACK_OF(X509) *sk = chain_of(n, 30);
	STACK_OF(X509) *back = NULL;
	enum certslot_format got;
	uint8_t *buf;
	uint8_t *padded;
	size_t len;

	assert_int_equal(certslot_encode(sk, fmt, &buf, &len), 0);
	padded = calloc(1, len + pad);
	memcpy(padded, buf, len);
	assert_int_equal(certslot_decode(padded, len + pad, &back, &got), 0);
	assert_int_equal(got, fmt);
	assert_int_equal(sk_X509_num(back), n);
	for (int i = 0; i < n; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, i),
		    sk_X509_value(back, i)), 0);

	free(buf);
	free(padded);
	sk_X509_pop_free(sk, X509_free);
	sk_X509_pop_free(back, X509_free);
}

static void
test_roundtrips(void **state)
{
	(void)state;
	roundtrip(1, CERTSLOT_TLS, 0);
	roundtrip(3, CERTSLOT_TLS, 0);
	roundtrip(1, CERTSLOT_DER, 0);
	/* a slot read back whole carries zero padding after the data */
	roundtrip(2, CERTSLOT_TLS, 200);
	roundtrip(1, CERTSLOT_DER, 200);
}

static void
test_der_refuses_chain(void **state)
{
	STACK_OF(X509) *sk = chain_of(2, 10);
	uint8_t *buf;
	size_t len;
	int r;

	(void)state;
	r = certslot_encode(sk, CERTSLOT_DER, &buf, &len);
	assert_int_equal(OP_RC_LAYER(r), OP_LAYER_USAGE);
	assert_non_null(strstr(op_errmsg(), "tls"));
	sk_X509_pop_free(sk, X509_free);
}

static void
test_bound(void **state)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	(void)state;
	/* add certificates until the chain no longer fits */
	for (;;) {
		sk_X509_push(sk, make_cert(40));
		r = certslot_encode(sk, CERTSLOT_TLS, &buf, &len);
		if (r != 0)
			break;
		assert_true(len <= CERTSLOT_MAX);
		free(buf);
	}
	assert_int_equal(OP_RC_CODE(r), OP_E_RANGE);
	assert_non_null(strstr(op_errmsg(), "1728"));
	assert_null(buf);
	sk_X509_pop_free(sk, X509_free);
}

static void
test_empty_and_garbage(void **state)
{
	uint8_t zeros[1728] = { 0 };
	uint8_t junk[8] = { 0x42, 1, 2, 3 };
	uint8_t short_tls[9] = { 0xC0, 0x00, 0x40, 0x00, 0x00, 0x3D };
	STACK_OF(X509) *sk = NULL;
	enum certslot_format f;

	(void)state;
	assert_int_equal(certslot_decode(zeros, sizeof(zeros), &sk, &f), 0);
	assert_int_equal(sk_X509_num(sk), 0);
	sk_X509_pop_free(sk, X509_free);

	assert_int_not_equal(certslot_decode(junk, sizeof(junk), &sk, &f), 0);
	assert_null(sk);
	assert_non_null(strstr(op_errmsg(), "0x42"));

	assert_int_not_equal(certslot_decode(short_tls, sizeof(short_tls),
	    &sk, &f), 0);
	assert_null(sk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_layout_single),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_der_refuses_chain),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_empty_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
