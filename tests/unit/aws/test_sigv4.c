/*
 * SigV4: the signer against published vectors, and the whole client
 * (request building, encoding, signing) against what botocore computes
 * for the very requests we send (sigv4_vectors.h, made by
 * gen_sigv4_vectors.py; test_vectors_fresh re-runs that script).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "util/hex.h"

struct sigv4_vec {
	const char *name;
	const char *op;
	const char *endpoint;
	const char *region;
	const char *service;
	const char *token;
	const char *a[4];
	int b[2];
	const char *page1_reply;
	const char *method;
	const char *path;
	const char *query;
	const char *principal;
	const char *body;
	const char *creq;
	const char *authz;
};

#include "sigv4_vectors.h"

/* --- the signer alone: AWS's test suite (service "service") ----------- */

#define SUITE_DATE "20150830T123600Z"

static void
sign_suite(const char *method, const char *path, const char *query,
    const struct aws_header *h, size_t nh, const char *body,
    const char *want_sig)
{
	struct aws_sigv4_req req = {
		.method = method, .path = path, .query = query,
		.hdrs = h, .nhdrs = nh, .body = body,
		.body_len = body ? strlen(body) : 0,
	};
	struct aws_sigv4_scope scope = {
		.access_key_id = "AKIDEXAMPLE",
		.secret_access_key = SIGV4_VEC_SK,
		.region = "us-east-1", .service = "service",
	};
	char *authz = NULL;
	const char *sig;

	assert_int_equal(aws_sigv4_sign(&req, &scope, SUITE_DATE, &authz), 0);
	sig = strstr(authz, "Signature=");
	assert_non_null(sig);
	assert_string_equal(sig + strlen("Signature="), want_sig);
	free(authz);
}

static void
test_signing_key(void **state)
{
	uint8_t key[32];
	char hex[65];

	assert_int_equal(aws_sigv4_signing_key(SIGV4_VEC_SK, "20150830",
	    "us-east-1", "iam", key), 0);
	op_hex_encode(key, sizeof(key), hex);
	assert_string_equal(hex, "c4afb1cc5771d871763a393e44b703571b55cc28"
	    "424d1a5e86da6ed3c154a4b9");
}

static void
test_suite_vectors(void **state)
{
	const struct aws_header vanilla[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", SUITE_DATE },
	};
	const struct aws_header token[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", SUITE_DATE },
		{ "X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d"
		    "763fbf315fa00fa31553b73ebf194267" },
	};
	const struct aws_header form[] = {
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", SUITE_DATE },
	};

	sign_suite("GET", "/", NULL, vanilla, 2, NULL, "5fa00fa31553b73ebf1942"
	    "676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	sign_suite("GET", "/", "Param2=value2&Param1=value1", vanilla, 2,
	    NULL, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec9"
	    "4cdf2500");
	sign_suite("GET", "/", NULL, token, 3, NULL, "07ec1639c89043aa0e3e2de"
	    "82b96708f198cceab042d4a97044c66dd9f74e7f8");
	sign_suite("POST", "/", NULL, form, 3, "Param1=value1", "ff11897932a"
	    "d3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

static char *
creq_of(const char *path, const char *query, const struct aws_header *h,
    size_t nh)
{
	struct aws_sigv4_req req = {
		.method = "GET", .path = path, .query = query,
		.hdrs = h, .nhdrs = nh,
	};
	char *out = NULL;

	assert_int_equal(aws_sigv4_canonical_request(&req, &out), 0);

	return out;
}

static void
test_canonical_parts(void **state)
{
	const struct aws_header h[] = {
		{ "X-Amz-Date", SUITE_DATE },
		{ "My-Header", "  a   b \t c  " },
		{ "Host", "h" },
		{ "my-header", "second" },
	};
	char *c;

	/* dot segments go, empty segments collapse, % is encoded again;
	 * the query is decoded, re-encoded (upper case) and sorted;
	 * header values trimmed, repeated headers joined with ',' */
	c = creq_of("/a/./b/../c//d%3Ae/", "z=1&b=%2f%2B&b=%20&a", h, 4);
	assert_string_equal(c, "GET\n/a/c/d%253Ae/\na=&b=%20&b=%2F%2B&z=1\n"
	    "host:h\nmy-header:a b c,second\nx-amz-date:" SUITE_DATE "\n\n"
	    "host;my-header;x-amz-date\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(c);

	c = creq_of("", NULL, h, 1);
	assert_string_equal(c, "GET\n/\n\nx-amz-date:" SUITE_DATE "\n\n"
	    "x-amz-date\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(c);
}

static void
test_amzdate(void **state)
{
	char d[17];

	assert_int_equal(aws_sigv4_amzdate(SIGV4_VEC_EPOCH, d), 0);
	assert_string_equal(d, "20150830T123600Z");
	assert_int_equal(aws_sigv4_amzdate(0, d), 0);
	assert_string_equal(d, "19700101T000000Z");
}

static void
test_bad_date(void **state)
{
	const struct aws_header h[] = { { "Host", "h" } };
	struct aws_sigv4_req req = { .method = "GET", .path = "/",
	    .hdrs = h, .nhdrs = 1 };
	struct aws_sigv4_scope scope = { "AK", "SK", "r", "iot" };
	char *authz = NULL;

	assert_int_not_equal(aws_sigv4_sign(&req, &scope, "2015-08-30",
	    &authz), 0);
	assert_null(authz);
}

/* --- the client's requests against botocore's ------------------------- */

struct sent {
	char *method;
	char *url;
	struct aws_header hdrs[16];
	size_t nhdrs;
	char *body;
};

struct fake {
	struct sent sent[4];
	unsigned n;
	const char *replies[4];
};

/* Enough members for every parser to be content. */
static const char any_reply[] =
    "{\"registrationCode\":\"" "0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef\","
    "\"certificateId\":\"3a5b3a5b3a5b3a5b3a5b3a5b3a5b3a5b3a5b3a5b3a5b3a5b"
    "3a5b3a5b3a5b3a5b\",\"certificateArn\":\"arn:aws:iot:us-east-1:"
    "123456789012:cert/x\",\"thingArn\":\"arn:t\",\"policyArn\":\"arn:p\","
    "\"policyDocument\":\"{}\",\"endpointAddress\":\"a-ats.iot\","
    "\"certificateDescription\":{\"certificateId\":\"x\","
    "\"certificateArn\":\"arn:c\",\"status\":\"ACTIVE\"},"
    "\"certificates\":[],\"principals\":[],\"policies\":[]}";

static int
fake_send(void *arg, const struct aws_http_msg *msg,
    struct aws_http_reply *reply)
{
	struct fake *f = arg;
	struct sent *s;
	const char *r;

	assert_true(f->n < 4);
	s = &f->sent[f->n];
	s->method = strdup(msg->method);
	s->url = strdup(msg->url);
	assert_true(msg->nhdrs <= 16);
	for (size_t i = 0; i < msg->nhdrs; i++) {
		s->hdrs[i].name = strdup(msg->hdrs[i].name);
		s->hdrs[i].value = strdup(msg->hdrs[i].value);
	}
	s->nhdrs = msg->nhdrs;
	s->body = msg->body ? strndup(msg->body, msg->body_len) : NULL;
	r = f->replies[f->n] ? f->replies[f->n] : any_reply;
	f->n++;

	memset(reply, 0, sizeof(*reply));
	reply->status = 200;
	reply->body = strdup(r);
	reply->body_len = strlen(r);

	return 0;
}

static void
fake_free(struct fake *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		free(f->sent[i].method);
		free(f->sent[i].url);
		free(f->sent[i].body);
		for (size_t j = 0; j < f->sent[i].nhdrs; j++) {
			free((void *)(uintptr_t)f->sent[i].hdrs[j].name);
			free((void *)(uintptr_t)f->sent[i].hdrs[j].value);
		}
	}
}

static time_t
fixed_now(void *arg)
{
	return SIGV4_VEC_EPOCH;
}

static const char *
hdr(const struct sent *s, const char *name)
{
	for (size_t i = 0; i < s->nhdrs; i++)
		if (strcasecmp(s->hdrs[i].name, name) == 0)
			return s->hdrs[i].value;

	return NULL;
}

static int
run_op(struct aws_client *c, const struct sigv4_vec *v)
{
	char s1[65], s2[256];
	char *doc = NULL;
	json_t *list = NULL;
	struct aws_cert_info info;
	int r = -1;

	if (strcmp(v->op, "get_registration_code") == 0)
		r = aws_iot_get_registration_code(c, s1);
	else if (strcmp(v->op, "register_ca_certificate") == 0) {
		struct aws_reg_config rc = { v->a[2], v->a[3], NULL };
		struct aws_ca_register reg = {
			.ca_pem = v->a[0], .verification_pem = v->a[1],
			.set_active = v->b[0], .allow_auto_registration =
			v->b[1], .reg_config = v->a[2] ? &rc : NULL,
		};

		r = aws_iot_register_ca(c, &reg, s1, s2);
	} else if (strcmp(v->op, "update_ca_certificate") == 0)
		r = aws_iot_update_ca(c, v->a[0], v->a[1], v->a[2], NULL);
	else if (strcmp(v->op, "describe_ca_certificate") == 0) {
		r = aws_iot_describe_ca(c, v->a[0], &info);
		aws_cert_info_clear(&info);
	} else if (strcmp(v->op, "list_ca_certificates") == 0)
		r = aws_iot_list_ca(c, &list);
	else if (strcmp(v->op, "register_certificate") == 0)
		r = aws_iot_register_cert(c, v->a[0], v->a[1], v->a[2], s1, s2);
	else if (strcmp(v->op, "describe_certificate") == 0) {
		r = aws_iot_describe_cert(c, v->a[0], &info);
		aws_cert_info_clear(&info);
	} else if (strcmp(v->op, "update_certificate") == 0)
		r = aws_iot_update_cert(c, v->a[0], v->a[1]);
	else if (strcmp(v->op, "create_thing") == 0)
		r = aws_iot_create_thing(c, v->a[0], s2);
	else if (strcmp(v->op, "describe_thing") == 0)
		r = aws_iot_describe_thing(c, v->a[0], s2);
	else if (strcmp(v->op, "attach_thing_principal") == 0)
		r = aws_iot_attach_thing_principal(c, v->a[0], v->a[1]);
	else if (strcmp(v->op, "list_thing_principals") == 0)
		r = aws_iot_list_thing_principals(c, v->a[0], &list);
	else if (strcmp(v->op, "create_policy") == 0)
		r = aws_iot_create_policy(c, v->a[0], v->a[1], s2);
	else if (strcmp(v->op, "get_policy") == 0)
		r = aws_iot_get_policy(c, v->a[0], s2, &doc);
	else if (strcmp(v->op, "attach_policy") == 0)
		r = aws_iot_attach_policy(c, v->a[0], v->a[1]);
	else if (strcmp(v->op, "list_attached_policies") == 0)
		r = aws_iot_list_attached_policies(c, v->a[0], &list);
	else if (strcmp(v->op, "describe_endpoint") == 0)
		r = aws_iot_describe_endpoint(c, v->a[0], s2);
	else
		fail_msg("vector %s: no C call for %s", v->name, v->op);
	free(doc);
	json_decref(list);

	return r;
}

static void
check_vector(const struct sigv4_vec *v)
{
	struct aws_config cfg = { 0 };
	struct aws_client *c = NULL;
	struct fake f = { 0 };
	const struct sent *s;
	struct aws_header signed_hdrs[16];
	size_t ns = 0;
	struct aws_sigv4_req req = { 0 };
	char *url = NULL;
	char *creq = NULL;
	int r;

	cfg.access_key_id = strdup(SIGV4_VEC_AK);
	cfg.secret_access_key = strdup(SIGV4_VEC_SK);
	cfg.session_token = v->token ? strdup(v->token) : NULL;
	cfg.region = strdup(v->region);
	cfg.endpoint_url = strdup(v->endpoint);
	cfg.signing_name = strdup(v->service);
	cfg.max_attempts = 1;
	assert_int_equal(aws_client_new(&cfg, &c), 0);
	aws_client_set_clock(c, fixed_now, NULL);
	aws_client_set_transport(c, fake_send, &f);
	f.replies[0] = v->page1_reply;

	r = run_op(c, v);
	if (r != 0)
		fail_msg("%s: call failed", v->name);
	assert_int_equal(f.n, v->page1_reply ? 2 : 1);
	s = &f.sent[f.n - 1];

	/* the wire request botocore would send */
	assert_string_equal(s->method, v->method);
	assert_true(asprintf(&url, "%s%s%s%s", v->endpoint, v->path,
	    v->query[0] ? "?" : "", v->query) > 0);
	assert_string_equal(s->url, url);
	if (v->body == NULL)
		assert_null(s->body);
	else
		assert_string_equal(s->body, v->body);
	if (v->principal == NULL)
		assert_null(hdr(s, "x-amzn-principal"));
	else
		assert_string_equal(hdr(s, "x-amzn-principal"), v->principal);
	if (v->token == NULL)
		assert_null(hdr(s, "X-Amz-Security-Token"));
	else
		assert_string_equal(hdr(s, "X-Amz-Security-Token"), v->token);
	assert_true((hdr(s, "Content-Type") != NULL) == (v->body != NULL));

	/* botocore's signature over it */
	assert_non_null(hdr(s, "Authorization"));
	if (strcmp(hdr(s, "Authorization"), v->authz) != 0)
		fail_msg("%s:\n got  %s\n want %s", v->name,
		    hdr(s, "Authorization"), v->authz);

	/* every header sent but Authorization is signed, and the
	 * canonical request is botocore's */
	for (size_t i = 0; i < s->nhdrs; i++)
		if (strcasecmp(s->hdrs[i].name, "Authorization") != 0)
			signed_hdrs[ns++] = s->hdrs[i];
	req.method = s->method;
	req.path = v->path;
	req.query = v->query;
	req.hdrs = signed_hdrs;
	req.nhdrs = ns;
	req.body = s->body;
	req.body_len = s->body ? strlen(s->body) : 0;
	assert_int_equal(aws_sigv4_canonical_request(&req, &creq), 0);
	assert_string_equal(creq, v->creq);

	free(creq);
	free(url);
	fake_free(&f);
	aws_client_free(&c);
	free(cfg.access_key_id);
	free(cfg.secret_access_key);
	free(cfg.session_token);
	free(cfg.region);
	free(cfg.endpoint_url);
	free(cfg.signing_name);
}

static void
test_botocore_vectors(void **state)
{
	size_t n = sizeof(sigv4_vecs) / sizeof(sigv4_vecs[0]);

	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++)
		check_vector(&sigv4_vecs[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signing_key),
		cmocka_unit_test(test_suite_vectors),
		cmocka_unit_test(test_canonical_parts),
		cmocka_unit_test(test_amzdate),
		cmocka_unit_test(test_bad_date),
		cmocka_unit_test(test_botocore_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
