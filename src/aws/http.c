/*
 * The libcurl transport: carries a request that sigv4.c has signed,
 * byte for byte.  No CURLOPT_AWS_SIGV4 (see aws.h for why).  TLS peer
 * and host verification are always on; there is no switch to turn them
 * off.  Plain http:// was refused earlier (client.c) unless the host is
 * loopback.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "aws/aws_int.h"
#include "aws/buf.h"
#include "util/err.h"
#include "util/log.h"

#define REPLY_MAX		(8u * 1024 * 1024)
#define CONNECT_TIMEOUT_S	10L
#define TOTAL_TIMEOUT_S		60L

struct aws_curl {
	CURL *h;
	char *ca_bundle;
	bool loopback;
};

struct rx {
	struct buf body;
	bool too_big;
	struct aws_http_reply *reply;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
aws_curl_new(const struct aws_config *cfg, bool loopback,
    struct aws_curl **out)
{
	struct aws_curl *cu;

	*out = NULL;
	/* once per process, whichever thread makes the first client */
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_INTERNAL),
		    "curl_global_init failed");
	if ((cu = calloc(1, sizeof(*cu))) == NULL ||
	    (cfg->ca_bundle && (cu->ca_bundle = strdup(cfg->ca_bundle)) ==
	    NULL) || (cu->h = curl_easy_init()) == NULL) {
		aws_curl_free(&cu);
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "cannot make a libcurl handle");
	}
	cu->loopback = loopback;
	*out = cu;

	return 0;
}

void
aws_curl_free(struct aws_curl **cup)
{
	struct aws_curl *cu;

	if (cup == NULL || (cu = *cup) == NULL)
		return;
	if (cu->h != NULL)
		curl_easy_cleanup(cu->h);
	free(cu->ca_bundle);
	free(cu);
	*cup = NULL;
}

void
aws_http_reply_clear(struct aws_http_reply *reply)
{
	free(reply->body);
	free(reply->error_type);
	free(reply->request_id);
	memset(reply, 0, sizeof(*reply));
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct rx *rx = arg;
	size_t len = size * n;

	if (rx->body.len + len > REPLY_MAX) {
		rx->too_big = true;
		return 0;	/* makes curl stop with a write error */
	}
	buf_add(&rx->body, data, len);

	return rx->body.failed ? 0 : len;
}

/* A header line "Name: value\r\n" we want, as a malloc'd value. */
static char *
header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v;
	const char *end = line + len;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	v = line + n + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' '))
		end--;

	return strndup(v, (size_t)(end - v));
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct rx *rx = arg;
	size_t len = size * n;
	char *v;

	/* a new status line (after a 100 Continue) starts over */
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(rx->reply->error_type);
		free(rx->reply->request_id);
		rx->reply->error_type = NULL;
		rx->reply->request_id = NULL;
	}
	if ((v = header_value(line, len, "x-amzn-ErrorType")) != NULL) {
		free(rx->reply->error_type);
		rx->reply->error_type = v;
	} else if ((v = header_value(line, len, "x-amzn-RequestId")) !=
	    NULL) {
		free(rx->reply->request_id);
		rx->reply->request_id = v;
	}

	return len;
}

static bool
has_header(const struct aws_http_msg *msg, const char *name)
{
	for (size_t i = 0; i < msg->nhdrs; i++)
		if (strcasecmp(msg->hdrs[i].name, name) == 0)
			return true;

	return false;
}

static int
header_list(const struct aws_http_msg *msg, struct curl_slist **out)
{
	struct curl_slist *l = NULL;
	struct curl_slist *t;

	*out = NULL;
	for (size_t i = 0; i < msg->nhdrs; i++) {
		const char *v = msg->hdrs[i].value;
		char *line = NULL;

		if (strpbrk(v, "\r\n") != NULL) {
			curl_slist_free_all(l);
			return op_err(OP_RC(OP_LAYER_AWS, OP_E_INVAL),
			    "header %s holds a line break; refusing to send",
			    msg->hdrs[i].name);
		}
		if (asprintf(&line, "%s: %s", msg->hdrs[i].name, v) < 0)
			goto nomem;
		t = curl_slist_append(l, line);
		free(line);
		if (t == NULL)
			goto nomem;
		l = t;
	}

	/*
	 * Headers curl would add on its own: a form Content-Type on a POST
	 * without body, and Expect on larger bodies.  Neither is signed, so
	 * they would do no harm to the signature, but the CLI sends
	 * neither; "Name:" removes them.
	 */
	if (!has_header(msg, "Content-Type") &&
	    (t = curl_slist_append(l, "Content-Type:")) != NULL)
		l = t;
	if ((t = curl_slist_append(l, "Expect:")) == NULL)
		goto nomem;
	l = t;
	*out = l;

	return 0;
nomem:
	curl_slist_free_all(l);

	return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
}

static int
curl_status(CURLcode cr, const char *url, const char *detail)
{
	const char *why = detail[0] ? detail : curl_easy_strerror(cr);

	switch (cr) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_VERIFY),
		    "TLS verification of %s failed: %s (if you use a private "
		    "endpoint, give its CA with AWS_CA_BUNDLE)", url, why);
	case CURLE_OPERATION_TIMEDOUT:
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_TIMEOUT),
		    "%s did not answer in time: %s", url, why);
	default:
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_IO),
		    "cannot reach %s: %s", url, why);
	}
}

/*
 * Set one option, or leave through setopt_fail with the option's name:
 * every curl_easy_setopt result is checked.
 */
#define SETOPT(opt, val) do {						\
	if ((cr = curl_easy_setopt(h, opt, val)) != CURLE_OK) {		\
		optname = #opt;						\
		goto setopt_fail;					\
	}								\
} while (0)

int
aws_curl_send(void *arg, const struct aws_http_msg *msg,
    struct aws_http_reply *reply)
{
	struct aws_curl *cu = arg;
	CURL *h = cu->h;
	struct curl_slist *hdrs = NULL;
	struct rx rx = { .reply = reply };
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *optname = "";
	CURLcode cr;
	int r;

	memset(reply, 0, sizeof(*reply));
	if ((r = header_list(msg, &hdrs)) != 0)
		return r;

	/*
	 * A fresh handle state each time: a reused handle keeps the last
	 * POSTFIELDS, which would be sent (and hashed) again.
	 */
	curl_easy_reset(h);
	SETOPT(CURLOPT_URL, msg->url);
	SETOPT(CURLOPT_PROTOCOLS_STR, cu->loopback ? "http,https" : "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cu->ca_bundle != NULL)
		SETOPT(CURLOPT_CAINFO, cu->ca_bundle);
	/* the path is already in its final encoding; send it as is */
	SETOPT(CURLOPT_PATH_AS_IS, 1L);
	/* no proxy between us and a loopback endpoint */
	if (cu->loopback)
		SETOPT(CURLOPT_NOPROXY, "*");
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	SETOPT(CURLOPT_TIMEOUT, TOTAL_TIMEOUT_S);
	SETOPT(CURLOPT_USERAGENT, "optiga-perso/" OP_VERSION);
	SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(CURLOPT_HTTPHEADER, hdrs);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &rx);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &rx);

	/* method and body; Content-Length: 0 on PUT/POST/DELETE without
	 * a body, as the CLI sends it */
	if (strcmp(msg->method, "GET") == 0) {
		SETOPT(CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(msg->method, "POST") == 0)
			SETOPT(CURLOPT_POST, 1L);
		else
			SETOPT(CURLOPT_CUSTOMREQUEST, msg->method);
		SETOPT(CURLOPT_POSTFIELDSIZE, (long)msg->body_len);
		SETOPT(CURLOPT_POSTFIELDS, msg->body ? msg->body : "");
	}

	/* the exchange */
	if ((cr = curl_easy_perform(h)) != CURLE_OK) {
		if (rx.too_big)
			r = op_err(OP_RC(OP_LAYER_AWS, OP_E_RANGE),
			    "reply from %s is larger than %u bytes",
			    msg->url, REPLY_MAX);
		else
			r = curl_status(cr, msg->url, errbuf);
		goto fail;
	}
	if ((cr = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE,
	    &reply->status)) != CURLE_OK) {
		r = curl_status(cr, msg->url, errbuf);
		goto fail;
	}
	reply->body_len = rx.body.len;
	if ((reply->body = buf_take(&rx.body)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	OP_DEBUG("aws", "%s %s -> %ld (%zu bytes)", msg->method, msg->url,
	    reply->status, reply->body_len);

	r = 0;
	goto out;
setopt_fail:
	r = op_err(OP_RC(OP_LAYER_AWS, OP_E_INTERNAL),
	    "libcurl refused %s: %s", optname, curl_easy_strerror(cr));
fail:
	aws_http_reply_clear(reply);
out:
	buf_wipe(&rx.body);
	/* the handle points at our stack; drop that before returning */
	curl_easy_reset(h);
	curl_slist_free_all(hdrs);

	return r;
}
