/*
 * The TLS client context: who we are (the chip key and its
 * certificate), whom we trust (the CA file or the system store) and
 * what we speak (ALPN).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/tls.h"
#include "util/err.h"

#define TLS_ERR(code) OP_RC(OP_LAYER_TLS, code)

/* The last OpenSSL error as text; the queue is cleared. */
static const char *
ossl_text(char *buf, size_t cap)
{
	unsigned long e = ERR_peek_last_error();

	buf[0] = '\0';
	if (e != 0)
		ERR_error_string_n(e, buf, cap);
	ERR_clear_error();

	return buf[0] ? buf : "no detail from OpenSSL";
}

static int
ctx_identity(SSL_CTX *ctx, const struct tls_client_opts *o)
{
	char why[256];

	if (SSL_CTX_use_certificate(ctx, o->cert) != 1)
		return op_err(TLS_ERR(OP_E_INVAL), "the client certificate "
		    "is not usable: %s", ossl_text(why, sizeof(why)));
	/* our reference, the context takes its own */
	if (SSL_CTX_use_PrivateKey(ctx, o->key) != 1)
		return op_err(TLS_ERR(OP_E_INVAL), "the client key is not "
		    "usable with the certificate: %s",
		    ossl_text(why, sizeof(why)));
	if (SSL_CTX_check_private_key(ctx) != 1)
		return op_err(TLS_ERR(OP_E_VERIFY), "the client certificate "
		    "is not for this key: %s", ossl_text(why, sizeof(why)));
	for (int i = 0; o->chain != NULL && i < sk_X509_num(o->chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(o->chain,
		    i)) != 1)
			return op_err(TLS_ERR(OP_E_INVAL), "cannot add "
			    "certificate %d of the chain: %s", i + 1,
			    ossl_text(why, sizeof(why)));

	/*
	 * The chip signs RSA only as PKCS#1 v1.5 (docs/provider.md): TLS 1.3
	 * needs PSS, and TLS 1.2 must be told not to prefer it.
	 */
	if (EVP_PKEY_is_a(o->key, "RSA") &&
	    (SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set1_client_sigalgs_list(ctx,
	    "RSA+SHA256:RSA+SHA384:RSA+SHA512") != 1))
		return op_err(TLS_ERR(OP_E_INTERNAL), "cannot limit an RSA "
		    "key to PKCS#1 v1.5: %s", ossl_text(why, sizeof(why)));

	return 0;
}

static int
ctx_trust(SSL_CTX *ctx, const char *ca_file)
{
	char why[256];

	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file == NULL) {
		if (SSL_CTX_set_default_verify_paths(ctx) != 1)
			return op_err(TLS_ERR(OP_E_NOTFOUND), "cannot load "
			    "the system's trusted CAs (give --ca-file): %s",
			    ossl_text(why, sizeof(why)));
		return 0;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "--ca-file "
		    "%s: cannot load it as PEM certificates: %s", ca_file,
		    ossl_text(why, sizeof(why)));

	return 0;
}

static int
ctx_alpn(SSL_CTX *ctx, const char *alpn)
{
	uint8_t wire[256];
	size_t n = strlen(alpn);

	if (n == 0 || n > 255)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "ALPN '%s': "
		    "give 1 to 255 characters", alpn);
	wire[0] = (uint8_t)n;
	memcpy(wire + 1, alpn, n);
	/* 0 is success here, unlike the rest of libssl */
	if (SSL_CTX_set_alpn_protos(ctx, wire, (unsigned)n + 1) != 0)
		return op_err(TLS_ERR(OP_E_INTERNAL), "cannot set ALPN %s",
		    alpn);

	return 0;
}

int
tls_ctx_new(const struct tls_client_opts *o, const struct tls_endpoint *ep,
    SSL_CTX **out)
{
	const char *alpn = o->alpn;
	SSL_CTX *ctx;
	char why[256];
	int r;

	*out = NULL;
	if (alpn == NULL && ep->port == TLS_PORT_HTTPS)
		alpn = TLS_ALPN_AWS_MQTT;

	if ((ctx = SSL_CTX_new_ex(NULL, NULL, TLS_client_method())) == NULL)
		return op_err(TLS_ERR(OP_E_INTERNAL), "cannot create a TLS "
		    "context: %s", ossl_text(why, sizeof(why)));
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		r = op_err(TLS_ERR(OP_E_INTERNAL), "cannot require TLS 1.2");
		goto fail;
	}
	if (o->max_version != 0 &&
	    SSL_CTX_set_max_proto_version(ctx, o->max_version) != 1) {
		r = op_err(TLS_ERR(OP_E_INTERNAL), "cannot limit TLS to "
		    "version 0x%04x", (unsigned)o->max_version);
		goto fail;
	}
	if ((r = ctx_identity(ctx, o)) != 0 ||
	    (r = ctx_trust(ctx, o->ca_file)) != 0 ||
	    (alpn != NULL && (r = ctx_alpn(ctx, alpn)) != 0))
		goto fail;

	*out = ctx;

	return 0;
fail:
	SSL_CTX_free(ctx);

	return r;
}
