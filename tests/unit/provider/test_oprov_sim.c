/*
 * The provider against optiga-sim, in-process: keys generated through
 * EVP_PKEY_generate, CSRs signed with X509_REQ_sign_ctx and checked with
 * X509_REQ_verify, keys found again through the store (cache,
 * certificate slot in both formats, pub=, conflicting sources), and TLS
 * client authentication through SSL_CTX_use_PrivateKey.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/store.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "provider/oprov.h"
#include "provider/prov_int.h"
#include "sim_child.h"

#ifndef OPTIGA_SIM_PATH
#define OPTIGA_SIM_PATH "optiga-sim"
#endif

static struct {
	struct sim_child sim;
	char cache[128];
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *dflt;
	OSSL_PROVIDER *optiga;
	EVP_PKEY *p256_pub;	/* host copy of the key in E0F1 */
} fx;

static void
dump_errors(void)
{
	ERR_print_errors_fp(stderr);
}

static int
group_setup(void **state)
{
	if (sim_child_start(&fx.sim, OPTIGA_SIM_PATH) != 0) {
		fprintf(stderr, "cannot start %s\n", OPTIGA_SIM_PATH);
		return -1;
	}
	snprintf(fx.cache, sizeof(fx.cache), "%s/pub", fx.sim.dir);
	setenv("OPTIGA_DEVICE", fx.sim.device, 1);
	setenv("OPTIGA_PUBCACHE_DIR", fx.cache, 1);

	if ((fx.libctx = OSSL_LIB_CTX_new()) == NULL ||
	    (fx.dflt = OSSL_PROVIDER_load(fx.libctx, "default")) == NULL ||
	    oprov_load(fx.libctx, &fx.optiga) != 0) {
		dump_errors();
		return -1;
	}

	return 0;
}

static int
group_teardown(void **state)
{
	EVP_PKEY_free(fx.p256_pub);
	OSSL_PROVIDER_unload(fx.optiga);
	OSSL_PROVIDER_unload(fx.dflt);
	OSSL_LIB_CTX_free(fx.libctx);
	sim_child_stop(&fx.sim);

	return 0;
}

/* The newest error on the queue carries this text. */
static void
assert_error_says(const char *text)
{
	const char *data = NULL;
	int flags = 0;

	assert_int_not_equal(ERR_peek_last_error_data(&data, &flags), 0);
	assert_non_null(data);
	if (strstr(data, text) == NULL)
		fail_msg("error '%s' does not say '%s'", data, text);
	ERR_clear_error();
}

/* Some error on the queue carries this text; the queue is emptied. */
static void
assert_queue_says(const char *text)
{
	const char *data;
	int flags;
	bool found = false;

	while (ERR_get_error_all(NULL, NULL, NULL, &data, &flags) != 0)
		if (data != NULL && strstr(data, text) != NULL)
			found = true;
	if (!found)
		fail_msg("no error says '%s'", text);
}

static EVP_PKEY *
genkey(const char *type, const char *slot, const OSSL_PARAM *extra)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[4];
	size_t n = 0;

	params[n++] = OSSL_PARAM_construct_utf8_string(OPROV_PARAM_SLOT,
	    (char *)(uintptr_t)slot, 0);
	for (; extra != NULL && extra->key != NULL; extra++)
		params[n++] = *extra;
	params[n] = OSSL_PARAM_construct_end();

	ctx = EVP_PKEY_CTX_new_from_name(fx.libctx, type, "provider=optiga");
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_params(ctx, params), 1);
	if (EVP_PKEY_generate(ctx, &pkey) != 1)
		dump_errors();
	EVP_PKEY_CTX_free(ctx);
	assert_non_null(pkey);

	return pkey;
}

static EVP_PKEY *
genkey_alg(const char *type, const char *slot, const char *alg)
{
	OSSL_PARAM extra[2] = {
		OSSL_PARAM_construct_utf8_string(OPROV_PARAM_ALG,
		    (char *)(uintptr_t)alg, 0),
		OSSL_PARAM_END
	};

	return genkey(type, slot, extra);
}

/* The public half as a default-provider key, via DER. */
static EVP_PKEY *
host_pub(EVP_PKEY *pkey)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int len;

	len = i2d_PUBKEY(pkey, &der);
	assert_true(len > 0);
	p = der;
	pub = d2i_PUBKEY_ex(NULL, &p, len, fx.libctx, "provider=default");
	OPENSSL_free(der);
	assert_non_null(pub);

	return pub;
}

static X509_REQ *
make_csr(EVP_PKEY *pkey, const char *md)
{
	X509_REQ *req = X509_REQ_new_ex(fx.libctx, NULL);
	X509_NAME *name = X509_REQ_get_subject_name(req);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();

	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"test", -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pkey), 1);
	assert_int_equal(EVP_DigestSignInit_ex(mctx, NULL, md, fx.libctx,
	    NULL, pkey, NULL), 1);
	if (X509_REQ_sign_ctx(req, mctx) <= 0) {
		dump_errors();
		fail_msg("X509_REQ_sign_ctx failed");
	}
	EVP_MD_CTX_free(mctx);

	return req;
}

static void
check_csr(EVP_PKEY *pkey, const char *md, int sig_nid)
{
	X509_REQ *req = make_csr(pkey, md);
	EVP_PKEY *pub = host_pub(pkey);
	EVP_PKEY *other;

	assert_int_equal(X509_REQ_verify(req, pub), 1);
	assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(req), pub), 1);
	assert_int_equal(X509_REQ_get_signature_nid(req), sig_nid);

	/* matching: the chip key equals its public half, not another */
	assert_int_equal(EVP_PKEY_eq(pkey, pub), 1);
	assert_int_equal(EVP_PKEY_eq(pub, pkey), 1);
	other = EVP_PKEY_is_a(pub, "RSA") ?
	    EVP_PKEY_Q_keygen(fx.libctx, NULL, "RSA", (size_t)2048) :
	    EVP_PKEY_Q_keygen(fx.libctx, NULL, "EC", "P-256");
	assert_int_not_equal(EVP_PKEY_eq(pkey, other), 1);
	assert_int_not_equal(X509_REQ_verify(req, other), 1);
	ERR_clear_error();

	EVP_PKEY_free(other);
	EVP_PKEY_free(pub);
	X509_REQ_free(req);
}

static void
test_p256_csr(void **state)
{
	EVP_PKEY *pkey = genkey_alg("EC", "0xE0F1", "p256");

	assert_true(EVP_PKEY_is_a(pkey, "EC"));
	assert_int_equal(EVP_PKEY_get_bits(pkey), 256);
	assert_int_equal(EVP_PKEY_get_security_bits(pkey), 128);
	assert_true(EVP_PKEY_get_size(pkey) >= 70);
	check_csr(pkey, "SHA256", NID_ecdsa_with_SHA256);
	check_csr(pkey, "SHA512", NID_ecdsa_with_SHA512);
	fx.p256_pub = host_pub(pkey);
	EVP_PKEY_free(pkey);
}

static void
test_p384_csr(void **state)
{
	OSSL_PARAM extra[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		    (char *)(uintptr_t)"P-384", 0),
		OSSL_PARAM_END
	};
	EVP_PKEY *pkey = genkey("EC", "0xE0F2", extra);
	char mdname[32];

	assert_int_equal(EVP_PKEY_get_bits(pkey), 384);
	assert_true(EVP_PKEY_get_default_digest_name(pkey, mdname,
	    sizeof(mdname)) > 0);
	assert_string_equal(mdname, "SHA384");
	/* no digest named: the key's default */
	check_csr(pkey, NULL, NID_ecdsa_with_SHA384);
	EVP_PKEY_free(pkey);
}

static void
test_rsa2048_csr(void **state)
{
	size_t bits = 2048;
	OSSL_PARAM extra[2] = {
		OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits),
		OSSL_PARAM_END
	};
	EVP_PKEY *pkey = genkey("RSA", "0xE0FC", extra);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	assert_true(EVP_PKEY_is_a(pkey, "RSA"));
	assert_int_equal(EVP_PKEY_get_bits(pkey), 2048);
	assert_int_equal(EVP_PKEY_get_size(pkey), 256);
	check_csr(pkey, "SHA256", NID_sha256WithRSAEncryption);
	check_csr(pkey, "SHA384", NID_sha384WithRSAEncryption);

	/* PSS is impossible with the chip and says so */
	assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, "SHA256",
	    fx.libctx, NULL, pkey, NULL), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) <= 0);
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
}

static void
test_wrong_gen(void **state)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OPROV_PARAM_SLOT,
		    (char *)(uintptr_t)"0xE0FC", 0),
		OSSL_PARAM_construct_utf8_string(OPROV_PARAM_ALG,
		    (char *)(uintptr_t)"p256", 0),
		OSSL_PARAM_END
	};

	/* an EC key cannot go into an RSA slot; no slot, no key */
	ctx = EVP_PKEY_CTX_new_from_name(fx.libctx, "EC", "provider=optiga");
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &pkey), 0);
	assert_int_equal(EVP_PKEY_CTX_set_params(ctx, p), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &pkey), 0);
	assert_null(pkey);
	assert_error_says("cannot hold an ECC key");
	EVP_PKEY_CTX_free(ctx);
}

static EVP_PKEY *
store_key(const char *uri, X509 **cert)
{
	OSSL_STORE_CTX *sc;
	OSSL_STORE_INFO *info;
	EVP_PKEY *pkey = NULL;

	if (cert != NULL)
		*cert = NULL;
	sc = OSSL_STORE_open_ex(uri, fx.libctx, NULL, NULL, NULL, NULL, NULL,
	    NULL);
	assert_non_null(sc);
	while (!OSSL_STORE_eof(sc)) {
		if ((info = OSSL_STORE_load(sc)) == NULL)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pkey = OSSL_STORE_INFO_get1_PKEY(info);
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_CERT &&
		    cert != NULL)
			*cert = OSSL_STORE_INFO_get1_CERT(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(sc);

	return pkey;
}

static void
test_store_cache(void **state)
{
	EVP_PKEY *pkey;

	assert_non_null(fx.p256_pub);
	/* no certificate in E0E1: the cache written at keygen */
	if ((pkey = store_key("optiga:0xE0F1", NULL)) == NULL)
		dump_errors();
	assert_non_null(pkey);
	assert_int_equal(EVP_PKEY_eq(pkey, fx.p256_pub), 1);
	check_csr(pkey, "SHA256", NID_ecdsa_with_SHA256);
	EVP_PKEY_free(pkey);
}

static void
test_sign_digest(void **state)
{
	unsigned char dgst[64], sig[256];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = store_key("optiga:0xE0F1", NULL);

	assert_non_null(pkey);
	memset(dgst, 0x5A, sizeof(dgst));
	for (size_t dlen = 32; dlen <= 64; dlen += 32) {
		ctx = EVP_PKEY_CTX_new_from_pkey(fx.libctx, pkey, NULL);
		assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
		siglen = sizeof(sig);
		assert_int_equal(EVP_PKEY_sign(ctx, sig, &siglen, dgst, dlen),
		    1);
		EVP_PKEY_CTX_free(ctx);

		ctx = EVP_PKEY_CTX_new_from_pkey(fx.libctx, fx.p256_pub,
		    NULL);
		assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
		assert_int_equal(EVP_PKEY_verify(ctx, sig, siglen, dgst,
		    dlen), 1);
		EVP_PKEY_CTX_free(ctx);
	}
	EVP_PKEY_free(pkey);
}

static X509 *
make_cert(EVP_PKEY *pub, const char *cn, X509 *issuer, EVP_PKEY *ca_key)
{
	X509 *x = X509_new_ex(fx.libctx, NULL);
	X509_NAME *name = X509_get_subject_name(x);

	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x),
	    (long)random() & 0xffffff), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name), 1);
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	if (issuer == NULL) {
		/* self-signed: a CA, as chain verification demands */
		X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL,
		    NID_basic_constraints, "critical,CA:TRUE");

		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);

	return x;
}

/* Write cert into oid, as DER (0x30) or TLS identity (0xC0). */
static void
write_cert(uint16_t oid, X509 *x, bool tls_identity)
{
	unsigned char *der = NULL, buf[CHIP_CERT_MAX];
	struct chip *chip;
	size_t off = 0;
	int len = i2d_X509(x, &der);
	int rc;

	assert_true(len > 0 && (size_t)len + 9 <= sizeof(buf));
	if (tls_identity) {
		size_t l = (size_t)len;

		buf[0] = 0xC0;
		buf[1] = (uint8_t)((l + 6) >> 8);
		buf[2] = (uint8_t)(l + 6);
		buf[3] = (uint8_t)((l + 3) >> 16);
		buf[4] = (uint8_t)((l + 3) >> 8);
		buf[5] = (uint8_t)(l + 3);
		buf[6] = (uint8_t)(l >> 16);
		buf[7] = (uint8_t)(l >> 8);
		buf[8] = (uint8_t)l;
		off = 9;
	}
	memcpy(buf + off, der, (size_t)len);
	OPENSSL_free(der);

	assert_int_equal(oprov_dev_lock(fx.sim.device, &chip, NULL), 0);
	rc = chip_write_data(chip, oid, buf, off + (size_t)len, true);
	oprov_dev_unlock(fx.sim.device, rc);
	assert_int_equal(rc, 0);
}

static void
cache_path(uint16_t oid, char **path)
{
	struct chip_uid uid;
	struct chip *chip;
	struct oprov_ctx prov;

	assert_int_equal(oprov_dev_lock(fx.sim.device, &chip, &uid), 0);
	oprov_dev_unlock(fx.sim.device, 0);
	memset(&prov, 0, sizeof(prov));
	assert_int_equal(oprov_pubcache_path(&prov, &uid, oid, path), 0);
}

static void
test_store_cert(void **state)
{
	EVP_PKEY *pkey = genkey_alg("EC", "0xE0F3", "p256");
	EVP_PKEY *pub = host_pub(pkey);
	EVP_PKEY *ca = EVP_PKEY_Q_keygen(fx.libctx, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(fx.libctx, NULL, "EC", "P-256");
	X509 *x = make_cert(pub, "slot E0F3", NULL, ca), *got = NULL;
	X509 *stale = make_cert(other, "old key", NULL, ca);
	EVP_PKEY *loaded;
	char *path = NULL;
	BIO *bio;

	EVP_PKEY_free(pkey);
	cache_path(0xE0F3, &path);

	/* the certificate alone (cache removed), DER and TLS identity */
	assert_int_equal(unlink(path), 0);
	for (int form = 0; form < 2; form++) {
		write_cert(0xE0E3, x, form == 1);
		loaded = store_key("optiga:0xE0F3", &got);
		assert_non_null(loaded);
		assert_int_equal(EVP_PKEY_eq(loaded, pub), 1);
		assert_non_null(got);
		assert_int_equal(X509_cmp(got, x), 0);
		assert_int_equal(X509_check_private_key(got, loaded), 1);
		check_csr(loaded, "SHA256", NID_ecdsa_with_SHA256);
		EVP_PKEY_free(loaded);
		X509_free(got);
	}

	/* a stale cache entry loses to the certificate: the chip decides */
	bio = BIO_new_file(path, "w");
	assert_int_equal(PEM_write_bio_PUBKEY(bio, other), 1);
	BIO_free(bio);
	loaded = store_key("optiga:0xE0F3", NULL);
	assert_non_null(loaded);
	assert_int_equal(EVP_PKEY_eq(loaded, pub), 1);
	EVP_PKEY_free(loaded);

	/* a stale certificate loses to the right cache entry */
	write_cert(0xE0E3, stale, false);
	bio = BIO_new_file(path, "w");
	assert_int_equal(PEM_write_bio_PUBKEY(bio, pub), 1);
	BIO_free(bio);
	loaded = store_key("optiga:0xE0F3", NULL);
	assert_non_null(loaded);
	assert_int_equal(EVP_PKEY_eq(loaded, pub), 1);
	EVP_PKEY_free(loaded);

	/* nothing at all: an error that says what to do */
	free(path);
	path = NULL;
	cache_path(0xE0F2, &path);
	assert_int_equal(unlink(path), 0);
	assert_null(store_key("optiga:0xE0F2", NULL));
	assert_error_says("no public key known for slot 0xE0F2");

	free(path);
	X509_free(x);
	X509_free(stale);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(other);
}

static void
test_store_pub_param(void **state)
{
	char path[160], uri[256];
	EVP_PKEY *loaded;
	BIO *bio;

	snprintf(path, sizeof(path), "%s/e0f1.pem", fx.sim.dir);
	bio = BIO_new_file(path, "w");
	assert_int_equal(PEM_write_bio_PUBKEY(bio, fx.p256_pub), 1);
	BIO_free(bio);

	snprintf(uri, sizeof(uri), "optiga:0xE0F1?pub=%s&device=%s", path,
	    fx.sim.device);
	loaded = store_key(uri, NULL);
	assert_non_null(loaded);
	assert_int_equal(EVP_PKEY_eq(loaded, fx.p256_pub), 1);
	check_csr(loaded, "SHA384", NID_ecdsa_with_SHA384);
	EVP_PKEY_free(loaded);

	/* a missing file is named */
	snprintf(uri, sizeof(uri), "optiga:0xE0F1?pub=%s/nonexistent.pem",
	    fx.sim.dir);
	assert_null(store_key(uri, NULL));
	assert_error_says("nonexistent.pem");
}

/* Drive a client and a server through memory BIOs to the end. */
static int
handshake(SSL_CTX *cctx, SSL_CTX *sctx)
{
	SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
	BIO *cb = NULL, *sb = NULL;
	int done_c = 0, done_s = 0, ok = 0;

	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);

	for (int i = 0; i < 50 && !(done_c && done_s); i++) {
		int r;

		if (!done_c) {
			r = SSL_do_handshake(c);
			if (r == 1)
				done_c = 1;
			else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
				goto out;
		}
		if (!done_s) {
			r = SSL_do_handshake(s);
			if (r == 1)
				done_s = 1;
			else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
				goto out;
		}
	}
	/* TLS 1.3: the server checks the client's proof after its own end */
	if (done_c && done_s) {
		char byte = 'x';
		X509 *peer = SSL_get1_peer_certificate(s);

		ok = peer != NULL && SSL_write(c, &byte, 1) == 1 &&
		    SSL_read(s, &byte, 1) == 1;
		X509_free(peer);
	}
out:
	SSL_free(c);
	SSL_free(s);

	return ok;
}

static int
tls_with(EVP_PKEY *chip_key, int version, const char *client_sigalgs)
{
	EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(fx.libctx, NULL, "EC", "P-256");
	EVP_PKEY *srv_key = EVP_PKEY_Q_keygen(fx.libctx, NULL, "EC", "P-256");
	EVP_PKEY *pub = host_pub(chip_key);
	X509 *ca = make_cert(ca_key, "test CA", NULL, ca_key);
	X509 *srv = make_cert(srv_key, "server", ca, ca_key);
	X509 *cli = make_cert(pub, "device", ca, ca_key);
	SSL_CTX *cctx = SSL_CTX_new_ex(fx.libctx, NULL, TLS_client_method());
	SSL_CTX *sctx = SSL_CTX_new_ex(fx.libctx, NULL, TLS_server_method());
	int ok;

	/* the client: the chip key as an ordinary private key */
	assert_int_equal(SSL_CTX_use_certificate(cctx, cli), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(cctx, chip_key), 1);
	assert_int_equal(SSL_CTX_check_private_key(cctx), 1);
	if (client_sigalgs != NULL)
		assert_int_equal(SSL_CTX_set1_client_sigalgs_list(cctx,
		    client_sigalgs), 1);
	SSL_CTX_set_min_proto_version(cctx, version);
	SSL_CTX_set_max_proto_version(cctx, version);

	/* the server: demands a certificate from the test CA */
	assert_int_equal(SSL_CTX_use_certificate(sctx, srv), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, srv_key), 1);
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(sctx),
	    ca), 1);
	SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);

	ok = handshake(cctx, sctx);

	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	X509_free(ca);
	X509_free(srv);
	X509_free(cli);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);

	return ok;
}

static void
test_tls_ecdsa(void **state)
{
	EVP_PKEY *pkey = store_key("optiga:0xE0F1", NULL);

	assert_non_null(pkey);
	if (!tls_with(pkey, TLS1_3_VERSION, NULL)) {
		dump_errors();
		fail_msg("TLS 1.3 with the chip's P-256 key failed");
	}
	if (!tls_with(pkey, TLS1_2_VERSION, NULL)) {
		dump_errors();
		fail_msg("TLS 1.2 with the chip's P-256 key failed");
	}
	EVP_PKEY_free(pkey);
}

static void
test_tls_rsa(void **state)
{
	EVP_PKEY *pkey = store_key("optiga:0xE0FC", NULL);

	assert_non_null(pkey);
	/* PKCS#1 v1.5 client signatures: TLS 1.2 only */
	if (!tls_with(pkey, TLS1_2_VERSION, "RSA+SHA256:RSA+SHA384")) {
		dump_errors();
		fail_msg("TLS 1.2 with the chip's RSA key failed");
	}
	/* TLS 1.3 demands RSA-PSS, which the chip cannot do, and says so */
	ERR_clear_error();
	assert_int_equal(tls_with(pkey, TLS1_3_VERSION, NULL), 0);
	assert_queue_says("RSA-PSS");
	EVP_PKEY_free(pkey);
}

int
main(void)
{
	/* order matters: later tests use the keys earlier ones made */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p256_csr),
		cmocka_unit_test(test_p384_csr),
		cmocka_unit_test(test_rsa2048_csr),
		cmocka_unit_test(test_wrong_gen),
		cmocka_unit_test(test_store_cache),
		cmocka_unit_test(test_sign_digest),
		cmocka_unit_test(test_store_cert),
		cmocka_unit_test(test_store_pub_param),
		cmocka_unit_test(test_tls_ecdsa),
		cmocka_unit_test(test_tls_rsa),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
