/*
 * The CA library against OpenSSL's own verifier: each key algorithm,
 * the certificate profiles, intermediates, encrypted keys, file modes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/ca.h"
#include "catest.h"
#include "util/err.h"
#include "util/file.h"

static char tmp[64];

static int
setup(void **state)
{
	ct_tmpdir_new(tmp, sizeof(tmp), "op-ca-test");

	return 0;
}

static int
teardown(void **state)
{
	ct_tmpdir_remove(tmp);

	return 0;
}

static char *
tpath(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);

	return buf[i];
}

static void
init_ca(const char *name, const char *alg, const char *parent)
{
	struct ca_init_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.dir = tpath(name);
	o.alg = alg;
	o.subject = "/C=DE/O=Test/CN=Test CA";
	o.parent_dir = parent != NULL ? tpath(parent) : NULL;
	rc = ca_init(&o);
	if (rc != 0)
		print_error("ca_init: %s\n", op_errmsg());
	assert_int_equal(rc, 0);
}

static X509_REQ *
make_req(const char *type, const char *arg, const char *cn)
{
	EVP_PKEY *key;
	X509_REQ *req;
	X509_NAME *name;

	if (strcmp(type, "RSA") == 0)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", arg);
	assert_non_null(key);
	req = X509_REQ_new();
	name = X509_REQ_get_subject_name(req);
	assert_true(X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"DE", -1, -1, 0));
	assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0));
	assert_true(X509_REQ_set_pubkey(req, key));
	assert_true(X509_REQ_sign(req, key, EVP_sha256()) > 0);
	EVP_PKEY_free(key);

	return req;
}

/* verify leaf against root (and an optional intermediate) */
static int
verify(X509 *leaf, X509 *root, X509 *inter)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int ok;

	X509_STORE_add_cert(store, root);
	if (inter != NULL)
		sk_X509_push(untrusted, inter);
	X509_STORE_CTX_init(ctx, store, leaf, untrusted);
	ok = X509_verify_cert(ctx);
	if (ok != 1)
		print_error("verify: %s\n", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);

	return ok;
}

static bool
ext_critical(X509 *cert, int nid)
{
	int i = X509_get_ext_by_NID(cert, nid, -1);

	assert_true(i >= 0);

	return X509_EXTENSION_get_critical(X509_get_ext(cert, i)) != 0;
}

static void
check_device_cert(X509 *cert, bool rsa)
{
	uint32_t ku = X509_get_key_usage(cert);
	BIGNUM *bn;

	assert_true(ext_critical(cert, NID_basic_constraints));
	assert_int_equal(X509_check_ca(cert), 0);
	assert_true(ext_critical(cert, NID_key_usage));
	assert_true(ku & KU_DIGITAL_SIGNATURE);
	assert_int_equal(!!(ku & KU_KEY_ENCIPHERMENT), rsa);
	assert_false(ku & KU_KEY_CERT_SIGN);
	assert_int_equal(X509_get_extended_key_usage(cert), XKU_SSL_CLIENT);
	assert_non_null(X509_get0_subject_key_id(cert));
	assert_non_null(X509_get0_authority_key_id(cert));

	/* at least 64 random bits in the serial, and positive */
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	assert_true(BN_num_bits(bn) >= 64);
	assert_false(BN_is_negative(bn));
	BN_free(bn);
}

static void
check_ca_cert(X509 *cert, bool intermediate)
{
	uint32_t ku = X509_get_key_usage(cert);

	assert_true(ext_critical(cert, NID_basic_constraints));
	assert_int_equal(X509_check_ca(cert), 1);
	assert_true(ext_critical(cert, NID_key_usage));
	assert_int_equal(ku, KU_KEY_CERT_SIGN | KU_CRL_SIGN |
	    KU_DIGITAL_SIGNATURE);
	assert_non_null(X509_get0_subject_key_id(cert));
	assert_non_null(X509_get0_authority_key_id(cert));
	assert_int_equal(X509_get_pathlen(cert), intermediate ? 0 : -1);
}

static void
sign_and_check(const char *alg)
{
	struct ca *ca = NULL;
	X509_REQ *req;
	X509 *a = NULL;
	X509 *b = NULL;

	init_ca("ca", alg, NULL);
	assert_int_equal(ca_open(tpath("ca"), NULL, &ca), 0);
	assert_string_equal(ca_alg(ca), alg);
	check_ca_cert(ca_cert(ca), false);
	/* 20 years by default (give or take leap days) */
	{
		int days, secs;

		assert_true(ASN1_TIME_diff(&days, &secs,
		    X509_get0_notBefore(ca_cert(ca)),
		    X509_get0_notAfter(ca_cert(ca))));
		assert_in_range(days, 7300, 7306);
	}

	req = make_req("EC", "P-256", "device-1");
	assert_int_equal(ca_sign_csr(ca, req, 0, &a), 0);
	X509_REQ_free(req);
	check_device_cert(a, false);
	assert_int_equal(verify(a, ca_cert(ca), NULL), 1);

	req = make_req("RSA", NULL, "device-2");
	assert_int_equal(ca_sign_csr(ca, req, 30, &b), 0);
	X509_REQ_free(req);
	check_device_cert(b, true);
	assert_int_equal(verify(b, ca_cert(ca), NULL), 1);

	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(a),
	    X509_get0_serialNumber(b)), 0);

	X509_free(a);
	X509_free(b);
	ca_close(&ca);
	assert_null(ca);
}

static void
test_p256(void **state)
{
	sign_and_check("p256");
}

static void
test_p384(void **state)
{
	struct ca *ca = NULL;

	sign_and_check("p384");
	/* a P-384 CA signs with SHA-384 */
	assert_int_equal(ca_open(tpath("ca"), NULL, &ca), 0);
	assert_int_equal(X509_get_signature_nid(ca_cert(ca)),
	    NID_ecdsa_with_SHA384);
	ca_close(&ca);
}

static void
test_rsa2048(void **state)
{
	sign_and_check("rsa2048");
}

static void
test_rsa3072(void **state)
{
	sign_and_check("rsa3072");
}

static void
test_bad_alg(void **state)
{
	struct ca_init_opts o = { .dir = tpath("x"), .alg = "ed25519",
	    .subject = "/CN=x" };
	int rc = ca_init(&o);

	assert_int_equal(rc, OP_RC(OP_LAYER_USAGE, OP_E_UNSUPPORTED));
	assert_non_null(strstr(op_errmsg(), "p256, p384, rsa2048"));
	/* refused before anything was made */
	assert_int_equal(access(tpath("x"), F_OK), -1);
}

static void
test_layout_and_modes(void **state)
{
	struct stat st;
	uint8_t *buf;
	size_t len;

	init_ca("ca", "p256", NULL);
	assert_int_equal(stat(tpath("ca/private"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(tpath("ca/private/cakey.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(tpath("ca/certs"), &st), 0);
	assert_int_equal(stat(tpath("ca/crl"), &st), 0);
	assert_int_equal(stat(tpath("ca/newcerts"), &st), 0);
	assert_int_equal(stat(tpath("ca/index.txt"), &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(op_file_read(tpath("ca/serial"), 100, &buf, &len),
	    0);
	assert_int_equal(len, 33);
	free(buf);
	assert_int_equal(op_file_read(tpath("ca/private/cakey.pem"), 10000,
	    &buf, &len), 0);
	assert_non_null(strstr((char *)buf, "BEGIN PRIVATE KEY"));
	free(buf);

	/* a second init would destroy the key: refused */
	{
		struct ca_init_opts o = { .dir = tpath("ca"),
		    .subject = "/CN=x" };

		assert_int_equal(ca_init(&o), OP_RC(OP_LAYER_CA,
		    OP_E_EXISTS));
	}
}

static void
test_encrypted(void **state)
{
	struct ca_init_opts o;
	struct ca_pass env = { CA_PASS_ENV, "OP_TEST_CA_PASS" };
	struct ca_pass file = { CA_PASS_FILE, NULL };
	char passfile[256];
	struct ca *ca = NULL;
	X509_REQ *req;
	X509 *cert = NULL;
	uint8_t *buf;
	size_t len;
	int rc;

	snprintf(passfile, sizeof(passfile), "%s", tpath("passfile"));
	file.arg = passfile;
	setenv("OP_TEST_CA_PASS", "correct horse", 1);
	memset(&o, 0, sizeof(o));
	o.dir = tpath("ca");
	o.subject = "/CN=Encrypted CA";
	o.pass = env;
	assert_int_equal(ca_init(&o), 0);

	assert_int_equal(op_file_read(tpath("ca/private/cakey.pem"), 10000,
	    &buf, &len), 0);
	assert_non_null(strstr((char *)buf, "BEGIN ENCRYPTED PRIVATE KEY"));
	assert_null(strstr((char *)buf, "correct horse"));
	free(buf);

	/* no passphrase */
	rc = ca_open(tpath("ca"), NULL, &ca);
	assert_int_equal(rc, OP_RC(OP_LAYER_CA, OP_E_AUTH));
	assert_non_null(strstr(op_errmsg(), "is encrypted"));
	assert_null(ca);

	/* wrong passphrase, from a file (first line only) */
	assert_int_equal(op_file_write_atomic(file.arg, "wrong one\n", 10,
	    0600), 0);
	rc = ca_open(tpath("ca"), &file, &ca);
	assert_int_equal(rc, OP_RC(OP_LAYER_CA, OP_E_AUTH));
	assert_non_null(strstr(op_errmsg(), "wrong passphrase"));
	assert_null(strstr(op_errmsg(), "wrong one"));

	/* right passphrase from a file with a trailing CRLF */
	assert_int_equal(op_file_write_atomic(file.arg,
	    "correct horse\r\nsecond line\n", 27, 0600), 0);
	assert_int_equal(ca_open(tpath("ca"), &file, &ca), 0);
	ca_close(&ca);

	/* unset variable */
	unsetenv("OP_TEST_CA_PASS");
	rc = ca_open(tpath("ca"), &env, &ca);
	assert_int_equal(rc, OP_RC(OP_LAYER_CA, OP_E_NOTFOUND));
	assert_non_null(strstr(op_errmsg(), "OP_TEST_CA_PASS"));

	setenv("OP_TEST_CA_PASS", "correct horse", 1);
	assert_int_equal(ca_open(tpath("ca"), &env, &ca), 0);
	req = make_req("EC", "P-256", "device");
	assert_int_equal(ca_sign_csr(ca, req, 0, &cert), 0);
	assert_int_equal(verify(cert, ca_cert(ca), NULL), 1);
	X509_REQ_free(req);
	X509_free(cert);
	ca_close(&ca);
	unsetenv("OP_TEST_CA_PASS");
}

static void
test_intermediate(void **state)
{
	struct ca_pass none = { CA_PASS_NONE, NULL };
	struct ca *root = NULL;
	struct ca *inter = NULL;
	unsigned valid, total;
	X509_REQ *req;
	X509 *cert = NULL;
	X509 *bad = NULL;

	init_ca("root", "p384", NULL);
	init_ca("inter", "p256", "root");
	assert_int_equal(ca_open(tpath("root"), &none, &root), 0);
	assert_int_equal(ca_open(tpath("inter"), &none, &inter), 0);
	check_ca_cert(ca_cert(inter), true);
	assert_int_equal(verify(ca_cert(inter), ca_cert(root), NULL), 1);
	/* the root recorded what it issued */
	assert_int_equal(ca_index_count(tpath("root"), &valid, &total), 0);
	assert_int_equal(valid, 1);
	/* never outlives the root */
	assert_true(ASN1_TIME_compare(X509_get0_notAfter(ca_cert(inter)),
	    X509_get0_notAfter(ca_cert(root))) <= 0);

	req = make_req("EC", "P-256", "device");
	assert_int_equal(ca_sign_csr(inter, req, 0, &cert), 0);
	assert_int_equal(verify(cert, ca_cert(root), ca_cert(inter)), 1);
	/* and not without the intermediate */
	assert_int_not_equal(verify(cert, ca_cert(root), NULL), 1);
	X509_REQ_free(req);

	/* pathlen 0: an intermediate cannot make another CA */
	{
		struct ca_init_opts o = { .dir = tpath("sub"),
		    .subject = "/CN=sub", .parent_dir = tpath("inter") };

		assert_int_equal(ca_init(&o), OP_RC(OP_LAYER_CA,
		    OP_E_STATE));
	}

	X509_free(cert);
	X509_free(bad);
	ca_close(&root);
	ca_close(&inter);
}

static void
test_bad_csr(void **state)
{
	struct ca *ca = NULL;
	X509_REQ *req;
	X509 *cert = NULL;
	EVP_PKEY *other;
	X509_NAME *name;

	init_ca("ca", "p256", NULL);
	assert_int_equal(ca_open(tpath("ca"), NULL, &ca), 0);

	/* swap in another public key: the signature no longer holds */
	req = make_req("EC", "P-256", "device");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_true(X509_REQ_set_pubkey(req, other));
	assert_int_equal(ca_sign_csr(ca, req, 0, &cert),
	    OP_RC(OP_LAYER_CA, OP_E_VERIFY));
	assert_null(cert);
	EVP_PKEY_free(other);

	/* a changed subject breaks it too */
	X509_REQ_free(req);
	req = make_req("EC", "P-256", "device");
	name = X509_REQ_get_subject_name(req);
	assert_true(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Evil", -1, -1, 0));
	assert_int_equal(ca_sign_csr(ca, req, 0, &cert),
	    OP_RC(OP_LAYER_CA, OP_E_VERIFY));
	X509_REQ_free(req);

	/* nothing was recorded */
	{
		unsigned valid, total;

		assert_int_equal(ca_index_count(tpath("ca"), &valid, &total),
		    0);
		assert_int_equal(total, 0);
	}
	ca_close(&ca);
}

static void
test_verification_cert(void **state)
{
	static const char code[] =
	    "8b3f0e6a2b7c4d1e9f00112233445566778899aabbccddeeff00112233445566";
	struct ca *ca = NULL;
	X509 *cert = NULL;
	char cn[80];

	init_ca("ca", "rsa2048", NULL);
	assert_int_equal(ca_open(tpath("ca"), NULL, &ca), 0);
	assert_int_equal(ca_issue_verification_cert(ca, code, &cert), 0);
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
	    NID_commonName, cn, sizeof(cn)) > 0);
	assert_string_equal(cn, code);
	assert_int_equal(X509_verify(cert, X509_get0_pubkey(ca_cert(ca))),
	    1);
	X509_free(cert);

	assert_int_equal(ca_issue_verification_cert(ca, "", &cert),
	    OP_RC(OP_LAYER_CA, OP_E_INVAL));
	ca_close(&ca);
}

static void
test_subject_parse(void **state)
{
	X509_NAME *n = NULL;
	char buf[128];

	assert_int_equal(ca_subject_parse("/C=DE/O=A\\/B/CN=x y", &n), 0);
	X509_NAME_get_text_by_NID(n, NID_organizationName, buf, sizeof(buf));
	assert_string_equal(buf, "A/B");
	X509_NAME_free(n);

	assert_int_not_equal(ca_subject_parse("CN=x", &n), 0);
	assert_int_not_equal(ca_subject_parse("/C=DE/O=x", &n), 0);
	assert_non_null(strstr(op_errmsg(), "no CN"));
	assert_int_not_equal(ca_subject_parse("/XX=1/CN=x", &n), 0);
	assert_int_not_equal(ca_subject_parse("/CN", &n), 0);
	assert_null(n);
}

static void
test_pass_parse(void **state)
{
	struct ca_pass p;

	assert_int_equal(ca_pass_parse("file:/x", &p), 0);
	assert_int_equal(p.source, CA_PASS_FILE);
	assert_string_equal(p.arg, "/x");
	assert_int_equal(ca_pass_parse("env:V", &p), 0);
	assert_int_equal(p.source, CA_PASS_ENV);
	assert_int_equal(ca_pass_parse("prompt", &p), 0);
	assert_int_equal(p.source, CA_PASS_PROMPT);
	assert_int_not_equal(ca_pass_parse("pass:secret123", &p), 0);
	assert_null(strstr(op_errmsg(), "secret123"));
	assert_int_not_equal(ca_pass_parse("file:", &p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_p256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p384, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsa2048, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rsa3072, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_alg, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_layout_and_modes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_encrypted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_intermediate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_csr, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verification_cert, setup,
		    teardown),
		cmocka_unit_test(test_subject_parse),
		cmocka_unit_test(test_pass_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
