/*
 * One TLS connection over TCP, blocking with a time limit on every
 * read and write, and errors that say what the other side meant: a TLS
 * alert is decoded, a refused client certificate is named as such.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls/tls.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define TLS_ERR(code) OP_RC(OP_LAYER_TLS, code)

struct tls_conn {
	int fd;
	SSL *ssl;
	bool handshaken;
	char peer[64];
};

static double
ms_since(uint64_t t0)
{
	return (double)(op_now_us() - t0) / 1000.0;
}

static void
peer_name(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->
	    sin6_addr : (const void *)&((const struct sockaddr_in *)
	    (const void *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, a, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "?");
}

/* Non-blocking connect bounded by the deadline, then blocking again. */
static int
tcp_try(const struct addrinfo *ai, op_deadline_t dl, int *err)
{
	struct pollfd p;
	socklen_t len = sizeof(*err);
	int fd;
	int fl;

	*err = 0;
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) < 0) {
		*err = errno;
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, (int)(op_deadline_left_us(dl) / 1000)) <= 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0 ||
		    *err != 0)
			goto fail_err;
	}
	if (fcntl(fd, F_SETFL, fl) != 0)
		goto fail;

	return fd;
fail:
	*err = errno;
fail_err:
	close(fd);

	return -1;
}

static int
tcp_connect(const struct tls_endpoint *ep, unsigned timeout_ms,
    struct tls_conn *c)
{
	struct addrinfo hints, *res = NULL;
	op_deadline_t dl = op_deadline_in_ms(timeout_ms);
	struct timeval tv;
	char port[8];
	int err = 0;
	int one = 1;
	int g;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = ep->is_ip ? AI_NUMERICHOST : 0;
	snprintf(port, sizeof(port), "%u", (unsigned)ep->port);
	if ((g = getaddrinfo(ep->host, port, &hints, &res)) != 0)
		return op_err(TLS_ERR(OP_E_NOTFOUND), "cannot resolve %s: %s",
		    ep->host, gai_strerror(g));

	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if ((c->fd = tcp_try(ai, dl, &err)) >= 0) {
			peer_name(ai->ai_addr, c->peer, sizeof(c->peer));
			break;
		}
		if (op_deadline_passed(dl))
			break;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return op_err(TLS_ERR(err == ETIMEDOUT ? OP_E_TIMEOUT :
		    OP_E_IO), "cannot connect to %s port %u: %s", ep->host,
		    (unsigned)ep->port, strerror(err ? err : EHOSTUNREACH));

	/* every later read and write gets the same limit */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	return 0;
}

/* Alerts a server sends when it does not accept our certificate. */
static bool
alert_refuses_cert(int desc)
{
	switch (desc) {
	case SSL3_AD_BAD_CERTIFICATE:
	case SSL3_AD_UNSUPPORTED_CERTIFICATE:
	case SSL3_AD_CERTIFICATE_REVOKED:
	case SSL3_AD_CERTIFICATE_EXPIRED:
	case SSL3_AD_CERTIFICATE_UNKNOWN:
	case TLS1_AD_UNKNOWN_CA:
	case TLS1_AD_ACCESS_DENIED:
	case TLS1_AD_DECRYPT_ERROR:
	case TLS13_AD_CERTIFICATE_REQUIRED:
		return true;
	default:
		return false;
	}
}

/*
 * Turn a failed SSL_* call into a status and a message: what we were
 * doing, then the reason.
 */
static int
conn_fail(struct tls_conn *c, int ret, const char *doing)
{
	int e = SSL_get_error(c->ssl, ret);
	int sys = errno;
	unsigned long q = ERR_peek_error();
	int reason = ERR_GET_REASON(q);
	char text[256] = "";
	long vr;

	if (q != 0)
		ERR_error_string_n(q, text, sizeof(text));
	ERR_clear_error();

	switch (e) {
	case SSL_ERROR_ZERO_RETURN:
		return op_err(TLS_ERR(OP_E_SERVER), "%s: the server closed "
		    "the connection", doing);
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		/* a blocking socket wants more only when its time ran out */
		return op_err(TLS_ERR(OP_E_TIMEOUT), "%s: no answer from "
		    "the server in time", doing);
	case SSL_ERROR_SYSCALL:
		if (q == 0 && (ret == 0 || sys == 0 || sys == ECONNRESET ||
		    sys == EPIPE))
			return op_err(TLS_ERR(OP_E_SERVER), "%s: the server "
			    "closed the connection without a TLS alert "
			    "(AWS IoT does this when a policy forbids the "
			    "action)", doing);
		if (sys == EAGAIN || sys == ETIMEDOUT)
			return op_err(TLS_ERR(OP_E_TIMEOUT), "%s: no answer "
			    "from the server in time", doing);
		return op_err(TLS_ERR(OP_E_IO), "%s: %s", doing,
		    q != 0 ? text : strerror(sys));
	default:
		break;
	}

	/* an alert from the server: reason = offset + its description */
	if (ERR_GET_LIB(q) == ERR_LIB_SSL && reason >= SSL_AD_REASON_OFFSET &&
	    reason < SSL_AD_REASON_OFFSET + 256) {
		int desc = reason - SSL_AD_REASON_OFFSET;

		if (alert_refuses_cert(desc))
			return op_err(TLS_ERR(OP_E_AUTH), "%s: the server "
			    "refused the client certificate (TLS alert \"%s\"):"
			    " it does not trust the CA that issued it, or the "
			    "certificate is not registered or not active "
			    "there", doing, SSL_alert_desc_string_long(desc));
		return op_err(TLS_ERR(OP_E_PROTOCOL), "%s: the server sent "
		    "TLS alert \"%s\"", doing,
		    SSL_alert_desc_string_long(desc));
	}
	if (ERR_GET_LIB(q) == ERR_LIB_SSL &&
	    reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		vr = SSL_get_verify_result(c->ssl);
		return op_err(TLS_ERR(OP_E_VERIFY), "%s: the server's "
		    "certificate does not verify: %s (give the CA that issued "
		    "it with --ca-file)", doing,
		    X509_verify_cert_error_string(vr));
	}
	/* a refusal by the chip keeps its own status and message */
	if (op_err_last() != 0 && OP_RC_LAYER(op_err_last()) != OP_LAYER_TLS)
		return op_errctx(op_err_last(), "%s: signing with the chip "
		    "key", doing);

	return op_err(TLS_ERR(OP_E_PROTOCOL), "%s: %s", doing,
	    text[0] ? text : "TLS failed without a reason");
}

/*
 * A write fails when the server has already hung up, and the reason it
 * sent before (an alert refusing our certificate, after a TLS 1.3
 * handshake) may still be waiting to be read: prefer it.
 */
static int
conn_write_fail(struct tls_conn *c, int ret)
{
	uint8_t b;
	int r = conn_fail(c, ret, "sending");
	int rr;

	if (OP_RC_CODE(r) != OP_E_SERVER && OP_RC_CODE(r) != OP_E_IO)
		return r;
	ERR_clear_error();
	if ((rr = SSL_read(c->ssl, &b, 1)) <= 0 &&
	    SSL_get_error(c->ssl, rr) == SSL_ERROR_SSL)
		return conn_fail(c, rr, "sending");
	ERR_clear_error();

	return op_err_last();
}

static int
tls_handshake(SSL_CTX *ctx, const struct tls_endpoint *ep,
    struct tls_conn *c)
{
	X509_VERIFY_PARAM *vp;
	int ret;

	if ((c->ssl = SSL_new(ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		return op_err(TLS_ERR(OP_E_NOMEM), "cannot set up TLS");

	/* the server must be the one named: its name or its address */
	vp = SSL_get0_param(c->ssl);
	if (ep->is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, ep->host) != 1)
			return op_err(TLS_ERR(OP_E_INVAL), "cannot check "
			    "address %s", ep->host);
	} else if (SSL_set_tlsext_host_name(c->ssl, ep->host) != 1 ||
	    SSL_set1_host(c->ssl, ep->host) != 1) {
		return op_err(TLS_ERR(OP_E_INVAL), "cannot check host name "
		    "%s", ep->host);
	}

	op_err_clear();
	ERR_clear_error();
	if ((ret = SSL_connect(c->ssl)) != 1)
		return conn_fail(c, ret, "TLS handshake");
	c->handshaken = true;

	return 0;
}

int
tls_conn_open(SSL_CTX *ctx, const struct tls_endpoint *ep,
    unsigned timeout_ms, struct tls_conn **out, double *tcp_ms,
    double *tls_ms)
{
	struct tls_conn *c;
	uint64_t t0;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	c->fd = -1;

	t0 = op_now_us();
	if ((r = tcp_connect(ep, timeout_ms, c)) != 0)
		goto fail;
	*tcp_ms = ms_since(t0);
	OP_DEBUG("tls", "connected to %s (%s) port %u in %.1f ms", ep->host,
	    c->peer, (unsigned)ep->port, *tcp_ms);

	t0 = op_now_us();
	if ((r = tls_handshake(ctx, ep, c)) != 0)
		goto fail;
	*tls_ms = ms_since(t0);
	*out = c;

	return 0;
fail:
	tls_conn_close(&c);

	return r;
}

void
tls_conn_close(struct tls_conn **cp)
{
	struct tls_conn *c = *cp;

	if (c == NULL)
		return;
	if (c->ssl != NULL && c->handshaken)
		(void)SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	ERR_clear_error();
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	*cp = NULL;
}

int
tls_conn_write(struct tls_conn *c, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	int ret;

	while (done < len) {
		ERR_clear_error();
		if ((ret = SSL_write(c->ssl, buf + done, (int)(len -
		    done))) <= 0)
			return conn_write_fail(c, ret);
		done += (size_t)ret;
	}

	return 0;
}

int
tls_conn_read(struct tls_conn *c, uint8_t *buf, size_t len)
{
	size_t done = 0;
	int ret;

	while (done < len) {
		ERR_clear_error();
		if ((ret = SSL_read(c->ssl, buf + done, (int)(len -
		    done))) <= 0)
			return conn_fail(c, ret, "receiving");
		done += (size_t)ret;
	}

	return 0;
}

SSL *
tls_conn_ssl(struct tls_conn *c)
{
	return c->ssl;
}

const char *
tls_conn_peer(const struct tls_conn *c)
{
	return c->peer;
}
