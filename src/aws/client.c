/*
 * The client: the endpoint, and one signed call with retries.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "aws/aws_int.h"
#include "aws/buf.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define BACKOFF_BASE_US		(500u * 1000)
#define BACKOFF_CAP_US		(20u * 1000 * 1000)

static time_t
clock_now(void *arg)
{
	return time(NULL);
}

static void
clock_sleep(void *arg, uint64_t us)
{
	op_sleep_us(us);
}

/* 127.0.0.0/8, ::1 and localhost (which curl >= 7.78 resolves to
 * loopback itself, without asking DNS or /etc/hosts). */
static bool
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char tmp[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n > 2 && n < sizeof(tmp) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		return inet_pton(AF_INET6, tmp, &a6) == 1 &&
		    memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	}

	return false;
}

/* Split the endpoint URL into origin, Host header and base path. */
static int
parse_endpoint(struct aws_client *c, const char *url)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *user = NULL;
	bool https;
	int r;

	if ((u = curl_url()) == NULL) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "endpoint URL '%s' is not a URL such as "
		    "https://iot.eu-central-1.amazonaws.com", url);
		goto fail;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_PATH, &path, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	if (query != NULL || user != NULL) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "endpoint URL '%s' may not carry a query or a user", url);
		goto fail;
	}

	/* TLS, except to this machine */
	https = strcasecmp(scheme, "https") == 0;
	c->loopback = host_is_loopback(host);
	if (!https && (strcasecmp(scheme, "http") != 0 || !c->loopback)) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_PERM),
		    "refusing endpoint '%s': only https:// may be used, or "
		    "http:// to this machine (127.0.0.0/8, [::1], "
		    "localhost)", url);
		goto fail;
	}

	/* the Host header keeps a port that is not the default */
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (port != NULL && strcmp(port, https ? "443" : "80") != 0)
		r = asprintf(&c->host, "%s:%s", host, port);
	else
		r = asprintf(&c->host, "%s", host);
	if (r < 0 || asprintf(&c->origin, "%s://%s", https ? "https" :
	    "http", c->host) < 0) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if (path != NULL) {
		size_t n = strlen(path);

		while (n > 0 && path[n - 1] == '/')
			path[--n] = '\0';
	}
	if ((c->base_path = strdup(path ? path : "")) == NULL) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	r = 0;
fail:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	curl_url_cleanup(u);

	return r;
}

int
aws_client_new(const struct aws_config *cfg, struct aws_client **out)
{
	struct aws_client *c;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");
	c->cfg = cfg;
	c->now = clock_now;
	c->sleep_us = clock_sleep;
	c->rate_wait = true;
	if ((r = parse_endpoint(c, cfg->endpoint_url)) != 0 ||
	    (r = aws_curl_new(cfg, c->loopback, &c->curl)) != 0)
		goto fail;
	c->send = aws_curl_send;
	c->send_arg = c->curl;
	OP_DEBUG("aws", "endpoint %s, region %s, signing as %s, keys from %s",
	    c->origin, cfg->region, cfg->signing_name, cfg->creds_source ?
	    cfg->creds_source : "?");

	*out = c;
	c = NULL;	/* now owned by the caller */
	r = 0;
fail:
	aws_client_free(&c);

	return r;
}

void
aws_client_free(struct aws_client **cp)
{
	struct aws_client *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	aws_curl_free(&c->curl);
	free(c->origin);
	free(c->host);
	free(c->base_path);
	free(c);
	*cp = NULL;
}

void
aws_client_set_clock(struct aws_client *c, time_t (*now)(void *), void *arg)
{
	c->now = now;
	c->now_arg = arg;
}

void
aws_client_set_transport(struct aws_client *c, aws_send_fn *send,
    void *arg)
{
	c->send = send;
	c->send_arg = arg;
}

void
aws_client_set_sleep(struct aws_client *c, void (*sleep_us)(void *,
    uint64_t), void *arg)
{
	c->sleep_us = sleep_us;
	c->sleep_arg = arg;
	/* no rate-limit waits either; the reservations still count */
	c->rate_wait = false;
}

const struct aws_error *
aws_client_error(const struct aws_client *c)
{
	return &c->err;
}

const struct aws_config *
aws_client_config(const struct aws_client *c)
{
	return c->cfg;
}

unsigned
aws_client_attempts(const struct aws_client *c)
{
	return c->attempts;
}

/* Full jitter: a random time in [0, min(cap, base * 2^(n-1))]. */
static uint64_t
backoff_us(unsigned attempt)
{
	uint64_t ceil = BACKOFF_BASE_US;
	uint32_t rnd = 0;

	for (unsigned i = 1; i < attempt && ceil < BACKOFF_CAP_US; i++)
		ceil *= 2;
	if (ceil > BACKOFF_CAP_US)
		ceil = BACKOFF_CAP_US;
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		return ceil / 2;

	return (uint64_t)rnd * ceil / UINT32_MAX;
}

/* One attempt: date, headers, signature, exchange. */
static int
call_once(struct aws_client *c, const struct aws_call *call,
    struct aws_http_reply *reply)
{
	const struct aws_config *cfg = c->cfg;
	struct aws_header h[7];
	size_t nh = 0;
	char amzdate[17];
	char *authz = NULL;
	char *url = NULL;
	struct aws_sigv4_req req;
	struct aws_sigv4_scope scope = {
		.access_key_id = cfg->access_key_id,
		.secret_access_key = cfg->secret_access_key,
		.region = cfg->region,
		.service = cfg->signing_name,
	};
	struct aws_http_msg msg;
	struct buf path = { 0 };
	int r;

	if ((r = aws_sigv4_amzdate(c->now(c->now_arg), amzdate)) != 0)
		return r;

	/* the headers we sign are the headers we send */
	h[nh++] = (struct aws_header){ "Host", c->host };
	h[nh++] = (struct aws_header){ "X-Amz-Date", amzdate };
	if (cfg->session_token != NULL)
		h[nh++] = (struct aws_header){ "X-Amz-Security-Token",
		    cfg->session_token };
	if (call->body != NULL)
		h[nh++] = (struct aws_header){ "Content-Type",
		    "application/json" };
	if (call->principal != NULL)
		h[nh++] = (struct aws_header){ "x-amzn-principal",
		    call->principal };

	buf_adds(&path, c->base_path);
	buf_adds(&path, call->path);
	if (path.failed) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	memset(&req, 0, sizeof(req));
	req.method = call->method;
	req.path = path.p;
	req.query = call->query;
	req.hdrs = h;
	req.nhdrs = nh;
	req.body = call->body;
	req.body_len = call->body ? strlen(call->body) : 0;
	if ((r = aws_sigv4_sign(&req, &scope, amzdate, &authz)) != 0)
		goto fail;
	h[nh++] = (struct aws_header){ "Authorization", authz };

	if (asprintf(&url, "%s%s%s%s", c->origin, path.p, call->query &&
	    call->query[0] ? "?" : "", call->query ? call->query : "") < 0) {
		url = NULL;
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	memset(&msg, 0, sizeof(msg));
	msg.method = call->method;
	msg.url = url;
	msg.hdrs = h;
	msg.nhdrs = nh;
	msg.body = call->body;
	msg.body_len = req.body_len;
	r = c->send(c->send_arg, &msg, reply);
fail:
	free(authz);
	free(url);
	buf_wipe(&path);

	return r;
}

/* Fill c->err from an error reply, the way botocore reads rest-json. */
static void
parse_error(struct aws_client *c, const struct aws_http_reply *reply)
{
	struct aws_error *e = &c->err;
	json_t *doc = NULL;
	const char *s;

	memset(e, 0, sizeof(*e));
	e->status = reply->status;
	if (reply->request_id != NULL)
		snprintf(e->request_id, sizeof(e->request_id), "%s",
		    reply->request_id);
	if (reply->body != NULL && reply->body_len > 0)
		doc = json_loadb(reply->body, reply->body_len, 0, NULL);

	/* code: header, then body code/Code, then __type after '#' */
	if (reply->error_type != NULL && reply->error_type[0] != '\0') {
		snprintf(e->code, sizeof(e->code), "%.*s",
		    (int)strcspn(reply->error_type, ":"), reply->error_type);
	} else if (json_is_object(doc) &&
	    ((s = json_string_value(json_object_get(doc, "code"))) ||
	    (s = json_string_value(json_object_get(doc, "Code"))))) {
		snprintf(e->code, sizeof(e->code), "%s", s);
	} else if (json_is_object(doc) &&
	    (s = json_string_value(json_object_get(doc, "__type")))) {
		const char *h = strrchr(s, '#');

		snprintf(e->code, sizeof(e->code), "%s", h ? h + 1 : s);
	} else
		snprintf(e->code, sizeof(e->code), "%ld", reply->status);

	if (json_is_object(doc)) {
		if ((s = json_string_value(json_object_get(doc,
		    "message"))) || (s = json_string_value(json_object_get(doc,
		    "Message"))))
			snprintf(e->message, sizeof(e->message), "%s", s);
		if ((s = json_string_value(json_object_get(doc,
		    "resourceId"))))
			snprintf(e->resource_id, sizeof(e->resource_id), "%s",
			    s);
		if ((s = json_string_value(json_object_get(doc,
		    "resourceArn"))))
			snprintf(e->resource_arn, sizeof(e->resource_arn),
			    "%s", s);
	}
	json_decref(doc);
}

static bool
transport_retryable(int r)
{
	return OP_RC_CODE(r) == OP_E_IO || OP_RC_CODE(r) == OP_E_TIMEOUT;
}

int
aws_call(struct aws_client *c, struct aws_call *call)
{
	struct aws_http_reply reply;
	json_error_t jerr;
	unsigned max = c->cfg->max_attempts ? c->cfg->max_attempts : 1;
	int r;

	call->reply = NULL;
	memset(&c->err, 0, sizeof(c->err));
	memset(&reply, 0, sizeof(reply));

	for (c->attempts = 1; ; c->attempts++) {
		uint64_t wait;
		bool again;

		/* under the operation's quota, with every other thread */
		if ((wait = aws_ratelimit_reserve(call->op)) > 0 &&
		    c->rate_wait)
			op_sleep_us(wait);
		aws_http_reply_clear(&reply);
		r = call_once(c, call, &reply);
		if (r == 0 && reply.status >= 200 && reply.status < 300)
			break;
		if (r == 0)
			parse_error(c, &reply);
		again = r == 0 ? aws_error_retryable(&c->err) :
		    transport_retryable(r);
		if (!again || c->attempts >= max) {
			if (r == 0)
				r = aws_error_status(c, call->op);
			else
				op_errctx(r, "%s", call->op);
			goto fail;
		}
		OP_INFO("aws", "%s: attempt %u of %u failed (%s), retrying",
		    call->op, c->attempts, max, r == 0 ? c->err.code :
		    op_errmsg());
		c->sleep_us(c->sleep_arg, backoff_us(c->attempts));
	}

	/* an empty body is a reply without members */
	if (reply.body_len > 0) {
		call->reply = json_loadb(reply.body, reply.body_len, 0, &jerr);
		if (call->reply == NULL) {
			r = op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
			    "%s: the reply is not JSON: %s", call->op,
			    jerr.text);
			goto fail;
		}
	}

	r = 0;
fail:
	aws_http_reply_clear(&reply);

	return r;
}
