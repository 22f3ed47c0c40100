/*
 * The whole check, phase by phase: TCP, TLS with the chip key, MQTT
 * CONNECT/CONNACK, PUBLISH/PUBACK when asked, DISCONNECT.  The report is
 * filled as the phases succeed, so a failure still shows how far it got.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/tls.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define TLS_ERR(code) OP_RC(OP_LAYER_TLS, code)

static const char *const phase_names[TLS_PHASE_N] = {
	[TLS_PHASE_CHIP] = "chip",
	[TLS_PHASE_TCP] = "tcp",
	[TLS_PHASE_HANDSHAKE] = "tls",
	[TLS_PHASE_CONNECT] = "mqtt-connect",
	[TLS_PHASE_PUBLISH] = "publish",
	[TLS_PHASE_DISCONNECT] = "disconnect",
};

const char *
tls_phase_name(enum tls_phase p)
{
	return p < TLS_PHASE_N ? phase_names[p] : "?";
}

static void
timed(struct tls_report *rep, enum tls_phase p, uint64_t t0)
{
	rep->ms[p] = (double)(op_now_us() - t0) / 1000.0;
	rep->timed[p] = true;
}

static void
name_text(const X509_NAME *n, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s;
	long len;

	out[0] = '\0';
	if (b != NULL && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_get_mem_data(b, &s)) >= 0)
		snprintf(out, cap, "%.*s", (int)len, s);
	BIO_free(b);
}

/* The client ID by default: the certificate's common name. */
static int
default_client_id(X509 *cert, char *out, size_t cap)
{
	X509_NAME *n = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	ASN1_STRING *s;
	unsigned char *utf8 = NULL;
	int len;

	if (i < 0 || (s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n,
	    i))) == NULL || (len = ASN1_STRING_to_UTF8(&utf8, s)) <= 0) {
		ERR_clear_error();
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "the "
		    "certificate has no common name to use as MQTT client "
		    "ID; give --client-id");
	}
	snprintf(out, cap, "%.*s", len, (char *)utf8);
	OPENSSL_free(utf8);
	if ((size_t)len >= cap)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "the "
		    "certificate's common name is longer than the %zu "
		    "characters of an MQTT client ID; give --client-id",
		    cap - 1);

	return 0;
}

/* A refused certificate: say which one, and who issued it. */
static void
refused_whom(X509 *cert, int r)
{
	char msg[1024];
	char issuer[256];

	snprintf(msg, sizeof(msg), "%s", op_errmsg());
	name_text(X509_get_issuer_name(cert), issuer, sizeof(issuer));
	op_err(r, "%s (the chip's certificate was issued by %s)", msg, issuer);
}

static void
report_tls(struct tls_conn *c, struct tls_report *rep)
{
	SSL *ssl = tls_conn_ssl(c);
	X509 *peer = SSL_get0_peer_certificate(ssl);
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	const char *g;
	int nid;

	snprintf(rep->peer, sizeof(rep->peer), "%s", tls_conn_peer(c));
	snprintf(rep->protocol, sizeof(rep->protocol), "%s",
	    SSL_get_version(ssl));
	snprintf(rep->cipher, sizeof(rep->cipher), "%s",
	    SSL_get_cipher_name(ssl));
	nid = SSL_get_negotiated_group(ssl);
	if (nid > 0 && (g = SSL_group_to_name(ssl, nid)) != NULL)
		snprintf(rep->group, sizeof(rep->group), "%s", g);
	SSL_get0_alpn_selected(ssl, &alpn, &alen);
	if (alen > 0)
		snprintf(rep->alpn, sizeof(rep->alpn), "%.*s", (int)alen,
		    (const char *)alpn);
	if (peer != NULL) {
		name_text(X509_get_subject_name(peer), rep->server_subject,
		    sizeof(rep->server_subject));
		name_text(X509_get_issuer_name(peer), rep->server_issuer,
		    sizeof(rep->server_issuer));
	}
}

static int
mqtt_connect(struct tls_conn *c, const char *client_id,
    struct tls_report *rep)
{
	uint8_t pkt[16 + MQTT_CLIENT_ID_MAX];
	uint8_t body[8];
	uint8_t type;
	uint8_t code;
	size_t len;
	int r;

	if ((r = mqtt_encode_connect(client_id, MQTT_KEEPALIVE_S, pkt,
	    sizeof(pkt), &len)) != 0 ||
	    (r = tls_conn_write(c, pkt, len)) != 0)
		return op_errctx(r, "MQTT CONNECT");

	/*
	 * With TLS 1.3 the server checks our certificate after the client
	 * has finished its handshake: a refusal arrives here as an alert.
	 */
	if ((r = mqtt_packet_read(c, &type, body, sizeof(body), &len)) != 0)
		return op_errctx(r, "waiting for CONNACK");
	if (type != MQTT_CONNACK)
		return op_err(TLS_ERR(OP_E_PROTOCOL), "the server answered "
		    "CONNECT with packet type 0x%02x, not CONNACK", type);
	if ((r = mqtt_decode_connack(body, len, &rep->session_present,
	    &code)) != 0)
		return r;
	if (code != 0)
		return op_err(TLS_ERR(code == 4 || code == 5 ? OP_E_AUTH :
		    OP_E_SERVER), "the broker refused the MQTT connection "
		    "as %s: CONNACK return code %u (%s)", client_id,
		    (unsigned)code, mqtt_connack_str(code));

	return 0;
}

static int
mqtt_publish(struct tls_conn *c, const struct tls_session_opts *o)
{
	uint8_t *pkt = NULL;
	size_t cap = o->message_len + strlen(o->topic) + 16;
	uint8_t body[8];
	uint16_t id = 0;
	uint16_t got;
	uint8_t type;
	size_t len;
	int r;

	if (RAND_bytes((uint8_t *)&id, sizeof(id)) != 1 || id == 0)
		id = 1;
	if ((pkt = malloc(cap)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	if ((r = mqtt_encode_publish(o->topic, o->message, o->message_len,
	    id, pkt, cap, &len)) != 0 ||
	    (r = tls_conn_write(c, pkt, len)) != 0) {
		op_errctx(r, "MQTT PUBLISH to %s", o->topic);
		goto fail;
	}
	if ((r = mqtt_packet_read(c, &type, body, sizeof(body),
	    &len)) != 0) {
		op_errctx(r, "waiting for PUBACK of the message to %s",
		    o->topic);
		goto fail;
	}
	if (type != MQTT_PUBACK || (r = mqtt_decode_puback(body, len,
	    &got)) != 0 || got != id) {
		r = op_err(TLS_ERR(OP_E_PROTOCOL), "the broker answered "
		    "PUBLISH (id %u) with packet type 0x%02x, not its PUBACK",
		    (unsigned)id, type);
		goto fail;
	}

	r = 0;
fail:
	free(pkt);

	return r;
}

int
tls_session_run(const struct tls_session_opts *o, struct tls_report *rep)
{
	unsigned timeout = o->timeout_ms ? o->timeout_ms : TLS_TIMEOUT_MS;
	struct tls_conn *c = NULL;
	SSL_CTX *ctx = NULL;
	uint8_t pkt[4];
	uint64_t t0;
	size_t len;
	int r;

	name_text(X509_get_subject_name(o->client.cert), rep->client_subject,
	    sizeof(rep->client_subject));
	if (o->client_id != NULL)
		snprintf(rep->client_id, sizeof(rep->client_id), "%s",
		    o->client_id);
	else if ((r = default_client_id(o->client.cert, rep->client_id,
	    sizeof(rep->client_id))) != 0)
		return r;

	if ((r = tls_ctx_new(&o->client, &o->ep, &ctx)) != 0)
		return r;
	if ((r = tls_conn_open(ctx, &o->ep, timeout, &c,
	    &rep->ms[TLS_PHASE_TCP], &rep->ms[TLS_PHASE_HANDSHAKE])) != 0) {
		/* the TCP time is set once TCP worked */
		rep->timed[TLS_PHASE_TCP] = rep->ms[TLS_PHASE_TCP] > 0;
		goto fail;
	}
	rep->timed[TLS_PHASE_TCP] = rep->timed[TLS_PHASE_HANDSHAKE] = true;
	report_tls(c, rep);

	t0 = op_now_us();
	if ((r = mqtt_connect(c, rep->client_id, rep)) != 0)
		goto fail;
	timed(rep, TLS_PHASE_CONNECT, t0);

	if (o->topic != NULL) {
		t0 = op_now_us();
		if ((r = mqtt_publish(c, o)) != 0)
			goto fail;
		timed(rep, TLS_PHASE_PUBLISH, t0);
		rep->published = true;
	}

	t0 = op_now_us();
	if ((r = mqtt_encode_disconnect(pkt, sizeof(pkt), &len)) != 0 ||
	    (r = tls_conn_write(c, pkt, len)) != 0) {
		op_errctx(r, "MQTT DISCONNECT");
		goto fail;
	}
	tls_conn_close(&c);
	timed(rep, TLS_PHASE_DISCONNECT, t0);

	r = 0;
fail:
	if (OP_RC_LAYER(r) == OP_LAYER_TLS && OP_RC_CODE(r) == OP_E_AUTH)
		refused_whom(o->client.cert, r);
	tls_conn_close(&c);
	SSL_CTX_free(ctx);

	return r;
}
