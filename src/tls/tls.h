/*
 * connect: prove an identity by using it.  A TLS 1.2/1.3 client that
 * authenticates with a key it is handed (the chip key, through the
 * optiga provider) and the certificate that goes with it, then speaks
 * just enough MQTT 3.1.1 to be judged by a real broker: CONNECT,
 * CONNACK, an optional PUBLISH (QoS 1, so the broker acknowledges it),
 * DISCONNECT.  Each phase is timed.
 *
 * This layer knows OpenSSL objects, sockets and MQTT, never the chip:
 * the caller (perso, the CLI) loads the key and the certificate.
 */
#ifndef OP_TLS_TLS_H
#define OP_TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TLS_PORT_MQTT		8883
#define TLS_PORT_HTTPS		443
/* AWS IoT takes MQTT with client certificates on 443 under this ALPN */
#define TLS_ALPN_AWS_MQTT	"x-amzn-mqtt-ca"
#define TLS_TIMEOUT_MS		10000
#define TLS_HOST_MAX		256

/* --- endpoints (endpoint.c) ------------------------------------------ */

struct tls_endpoint {
	char host[TLS_HOST_MAX];	/* name or address, no brackets */
	uint16_t port;
	bool is_ip;			/* host is a literal address */
};

/*
 * "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT"; the port defaults to 8883.
 * Usage error naming the text when it is malformed.
 */
int tls_endpoint_parse(const char *s, struct tls_endpoint *ep);

/* --- the client context (ctx.c) ------------------------------------- */

struct tls_client_opts {
	EVP_PKEY *key;			/* client key (a provider key) */
	X509 *cert;			/* its certificate */
	STACK_OF(X509) *chain;		/* intermediates to send; may be NULL */
	const char *ca_file;		/* server trust; NULL: system store */
	const char *alpn;		/* NULL: by port (443 -> AWS's) */
	int max_version;		/* TLS1_2_VERSION..; 0: the newest */
};

/*
 * An SSL_CTX for ep: TLS 1.2 at least, the server verified against
 * ca_file, client authentication with key and cert (checked to belong
 * together), ALPN when asked for or on port 443.  RSA keys are limited
 * to TLS 1.2 with PKCS#1 v1.5 signatures: the chip cannot sign PSS.
 */
int tls_ctx_new(const struct tls_client_opts *o,
    const struct tls_endpoint *ep, SSL_CTX **out);

/* --- one connection (conn.c) ---------------------------------------- */

struct tls_conn;

/*
 * TCP connect (every address of the name, in order) and the TLS
 * handshake, each within timeout_ms.  The server's name or address is
 * checked against its certificate.  tcp_ms/tls_ms get the time each
 * took.
 */
int tls_conn_open(SSL_CTX *ctx, const struct tls_endpoint *ep,
    unsigned timeout_ms, struct tls_conn **out, double *tcp_ms,
    double *tls_ms);
/* Close notify (best effort), then close; NULLs *c. */
void tls_conn_close(struct tls_conn **c);

/* Exactly len bytes, or an error that says why (alerts decoded). */
int tls_conn_write(struct tls_conn *c, const uint8_t *buf, size_t len);
int tls_conn_read(struct tls_conn *c, uint8_t *buf, size_t len);

SSL *tls_conn_ssl(struct tls_conn *c);
/* The address actually connected to, "127.0.0.1" or "2001:db8::1". */
const char *tls_conn_peer(const struct tls_conn *c);

/* --- MQTT 3.1.1 packets (mqtt.c) ------------------------------------ */

#define MQTT_CONNECT		0x10
#define MQTT_CONNACK		0x20
#define MQTT_PUBLISH		0x30
#define MQTT_PUBACK		0x40
#define MQTT_DISCONNECT		0xE0
#define MQTT_CLIENT_ID_MAX	128	/* AWS IoT's limit */
#define MQTT_PAYLOAD_MAX	(128 * 1024)	/* AWS IoT's limit */
#define MQTT_KEEPALIVE_S	60

/*
 * Each writes a whole packet into out (cap bytes) and its length into
 * *len; OP_E_RANGE when it does not fit.
 */
int mqtt_encode_connect(const char *client_id, uint16_t keepalive,
    uint8_t *out, size_t cap, size_t *len);
int mqtt_encode_publish(const char *topic, const uint8_t *payload,
    size_t plen, uint16_t packet_id, uint8_t *out, size_t cap,
    size_t *len);
int mqtt_encode_disconnect(uint8_t *out, size_t cap, size_t *len);

/* The Remaining Length field: 1-4 bytes; returns the bytes written. */
size_t mqtt_encode_len(size_t n, uint8_t out[4]);
/*
 * Decode a Remaining Length from buf (avail bytes); *used gets its size.
 * OP_E_PROTOCOL when malformed, OP_E_RANGE when more bytes are needed.
 */
int mqtt_decode_len(const uint8_t *buf, size_t avail, size_t *n,
    size_t *used);

/* CONNACK body (2 bytes): *code is the return code, 0 = accepted. */
int mqtt_decode_connack(const uint8_t *body, size_t len, bool *session,
    uint8_t *code);
/* PUBACK body (2 bytes): the packet identifier. */
int mqtt_decode_puback(const uint8_t *body, size_t len, uint16_t *id);
/* "connection accepted", "not authorized", ... */
const char *mqtt_connack_str(uint8_t code);

/* One packet from c: type byte, body into buf (cap bytes). */
int mqtt_packet_read(struct tls_conn *c, uint8_t *type, uint8_t *buf,
    size_t cap, size_t *len);

/* --- the whole check (session.c) ------------------------------------ */

enum tls_phase {
	TLS_PHASE_CHIP,		/* key and certificate from the chip */
	TLS_PHASE_TCP,
	TLS_PHASE_HANDSHAKE,
	TLS_PHASE_CONNECT,	/* MQTT CONNECT until CONNACK */
	TLS_PHASE_PUBLISH,	/* PUBLISH until PUBACK */
	TLS_PHASE_DISCONNECT,
	TLS_PHASE_N
};

struct tls_session_opts {
	struct tls_client_opts client;
	struct tls_endpoint ep;
	const char *client_id;		/* NULL: the certificate's CN */
	const char *topic;		/* publish when not NULL */
	const uint8_t *message;
	size_t message_len;
	unsigned timeout_ms;		/* per phase; 0: TLS_TIMEOUT_MS */
};

struct tls_report {
	char peer[64];			/* address connected to */
	char protocol[16];		/* "TLSv1.3" */
	char cipher[64];
	char group[32];			/* key exchange group, if known */
	char alpn[32];			/* negotiated, "" if none */
	char server_subject[256];
	char server_issuer[256];
	char client_subject[256];
	char client_id[MQTT_CLIENT_ID_MAX + 1];
	bool session_present;
	bool published;
	bool timed[TLS_PHASE_N];
	double ms[TLS_PHASE_N];		/* how long each phase took */
};

/* "chip", "tcp", "tls", "mqtt-connect", "publish", "disconnect" */
const char *tls_phase_name(enum tls_phase p);

/*
 * Connect, handshake, CONNECT/CONNACK, optional PUBLISH/PUBACK,
 * DISCONNECT.  rep is filled as far as the session got, so a failure
 * still reports the phases that worked.  Failures are OP_LAYER_TLS
 * statuses whose message names the phase and the reason (a refused
 * client certificate, a server that does not verify, CONNACK's code).
 */
int tls_session_run(const struct tls_session_opts *o, struct tls_report *rep);

#endif
