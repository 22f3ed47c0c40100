/*
 * The client around the transport: retries and their bounds, rest-json
 * error parsing, status codes and hints, endpoint rules, and the pure
 * helpers of ensure.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "util/err.h"

struct canned {
	long status;
	const char *error_type;		/* x-amzn-ErrorType */
	const char *body;
	int transport_rc;		/* nonzero: no reply at all */
};

#define REPLY(st, ty, bo)	{ (st), (ty), (bo), 0 }
#define NO_REPLY(rc)		{ 0, NULL, NULL, (rc) }
#define THROTTLED REPLY(400, "ThrottlingException:", \
    "{\"message\":\"Rate exceeded\"}")

struct script {
	const struct canned *steps;
	size_t n;
	size_t next;
	uint64_t slept[16];
	size_t nsleeps;
};

static int
script_send(void *arg, const struct aws_http_msg *msg,
    struct aws_http_reply *reply)
{
	struct script *s = arg;
	const struct canned *c;

	assert_true(s->next < s->n);
	c = &s->steps[s->next++];
	memset(reply, 0, sizeof(*reply));
	if (c->transport_rc != 0)
		return op_err(c->transport_rc, "connection refused");
	reply->status = c->status;
	reply->body = strdup(c->body ? c->body : "");
	reply->body_len = strlen(reply->body);
	reply->error_type = c->error_type ? strdup(c->error_type) : NULL;
	reply->request_id = strdup("req-1");

	return 0;
}

static void
script_sleep(void *arg, uint64_t us)
{
	struct script *s = arg;

	assert_true(s->nsleeps < 16);
	s->slept[s->nsleeps++] = us;
}

static struct aws_config cfg;

static int
setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.access_key_id = strdup("AKIDEXAMPLE");
	cfg.secret_access_key = strdup("secret");
	cfg.region = strdup("us-east-1");
	cfg.endpoint_url = strdup("http://127.0.0.1:1");
	cfg.signing_name = strdup("iot");
	cfg.creds_source = strdup("environment");
	cfg.max_attempts = 3;

	return 0;
}

static int
teardown(void **state)
{
	free(cfg.access_key_id);
	free(cfg.secret_access_key);
	free(cfg.region);
	free(cfg.endpoint_url);
	free(cfg.signing_name);
	free(cfg.creds_source);

	return 0;
}

static struct aws_client *
client(struct script *s)
{
	struct aws_client *c = NULL;

	assert_int_equal(aws_client_new(&cfg, &c), 0);
	aws_client_set_transport(c, script_send, s);
	aws_client_set_sleep(c, script_sleep, s);

	return c;
}

static void
assert_msg_has(const char *needle)
{
	if (strstr(op_errmsg(), needle) == NULL)
		fail_msg("message '%s' lacks '%s'", op_errmsg(), needle);
}

static void
test_retry_5xx_then_ok(void **state)
{
	static const struct canned steps[] = {
		REPLY(500, "InternalFailureException:", "{\"message\":\"x\"}"),
		REPLY(503, NULL, ""),
		REPLY(200, NULL, "{\"endpointAddress\":\"abc-ats.iot\"}"),
	};
	struct script s = { steps, 3, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	char addr[256];

	assert_int_equal(aws_iot_describe_endpoint(c, "iot:Data-ATS", addr),
	    0);
	assert_string_equal(addr, "abc-ats.iot");
	assert_int_equal(aws_client_attempts(c), 3);
	/* full jitter below a doubling ceiling: 0.5 s, then 1 s */
	assert_int_equal(s.nsleeps, 2);
	assert_true(s.slept[0] <= 500000);
	assert_true(s.slept[1] <= 1000000);
	aws_client_free(&c);
}

static void
test_throttling_gives_up(void **state)
{
	static const struct canned steps[] = {
		THROTTLED, THROTTLED, THROTTLED,
		REPLY(200, NULL, "{}"),
	};
	struct script s = { steps, 4, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	char code[65];
	int r;

	r = aws_iot_get_registration_code(c, code);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_THROTTLED));
	assert_int_equal(op_exit_code(r), OP_EXIT_CLOUD);
	assert_int_equal(aws_client_attempts(c), 3);
	assert_int_equal(s.next, 3);
	assert_msg_has("GetRegistrationCode failed: ThrottlingException "
	    "(HTTP 400): Rate exceeded");
	assert_msg_has("gave up after 3 attempts");
	aws_client_free(&c);
}

static void
test_not_found_not_retried(void **state)
{
	static const struct canned steps[] = {
		REPLY(404, "ResourceNotFoundException:",
		    "{\"message\":\"The certificate does not exist\"}"),
	};
	struct script s = { steps, 1, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	struct aws_cert_info info;
	int r;

	r = aws_iot_describe_cert(c, "00", &info);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_NOTFOUND));
	assert_int_equal(aws_client_attempts(c), 1);
	assert_string_equal(aws_client_error(c)->code,
	    "ResourceNotFoundException");
	assert_string_equal(aws_client_error(c)->request_id, "req-1");
	assert_msg_has("DescribeCertificate failed");
	aws_client_free(&c);
}

static void
test_bad_signature_hint(void **state)
{
	static const struct canned steps[] = {
		REPLY(403, "InvalidSignatureException:", "{\"message\":\"The "
		    "request signature we calculated does not match the "
		    "signature you provided.\"}"),
		REPLY(403, NULL, "{\"__type\":\"com.amazonaws.iot#"
		    "InvalidSignatureException\",\"message\":\"Signature "
		    "expired: 20150830T123600Z is now earlier than ...\"}"),
		REPLY(403, NULL, "{\"Message\":\"denied\",\"Code\":"
		    "\"AccessDeniedException\"}"),
		REPLY(403, NULL, "{\"message\":\"The security token included "
		    "in the request is expired\"}"),
	};
	struct script s = { steps, 4, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	char code[65];
	int r;

	r = aws_iot_get_registration_code(c, code);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_AUTH));
	assert_int_equal(op_exit_code(r), OP_EXIT_CLOUD);
	assert_int_equal(aws_client_attempts(c), 1);
	assert_msg_has("InvalidSignatureException (HTTP 403)");
	assert_msg_has("hint: the secret access key does not belong to "
	    "access key AKIDEXAMPLE (from environment)");

	/* code from __type; a skewed clock gets its own hint */
	r = aws_iot_get_registration_code(c, code);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_AUTH));
	assert_msg_has("hint: this machine's clock");

	/* code from the body's Code, message from Message */
	r = aws_iot_get_registration_code(c, code);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_PERM));
	assert_msg_has("AccessDeniedException (HTTP 403): denied");
	assert_msg_has("may not call iot:GetRegistrationCode");

	/* no code at all: the status stands in */
	r = aws_iot_get_registration_code(c, code);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_PERM));
	assert_string_equal(aws_client_error(c)->code, "403");
	aws_client_free(&c);
}

static void
test_already_exists_fields(void **state)
{
	static const struct canned steps[] = {
		REPLY(409, "ResourceAlreadyExistsException:",
		    "{\"message\":\"The certificate is already provisioned "
		    "or registered\","
		    "\"resourceId\":\"abcd\",\"resourceArn\":\"arn:aws:iot:"
		    "us-east-1:123456789012:cert/abcd\"}"),
	};
	struct script s = { steps, 1, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	char id[65], arn[256];
	int r;

	r = aws_iot_register_cert(c, "pem", NULL, "ACTIVE", id, arn);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_EXISTS));
	assert_string_equal(aws_client_error(c)->resource_id, "abcd");
	assert_string_equal(aws_client_error(c)->resource_arn,
	    "arn:aws:iot:us-east-1:123456789012:cert/abcd");
	aws_client_free(&c);
}

static void
test_transport_retried(void **state)
{
	static const struct canned steps[] = {
		NO_REPLY(OP_RC(OP_LAYER_AWS, OP_E_IO)),
		NO_REPLY(OP_RC(OP_LAYER_AWS, OP_E_IO)),
		NO_REPLY(OP_RC(OP_LAYER_AWS, OP_E_IO)),
	};
	struct script s = { steps, 3, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	char code[65];
	int r;

	r = aws_iot_get_registration_code(c, code);
	assert_int_equal(r, OP_RC(OP_LAYER_AWS, OP_E_IO));
	assert_int_equal(aws_client_attempts(c), 3);
	assert_msg_has("GetRegistrationCode: connection refused");
	aws_client_free(&c);
}

static void
test_not_json(void **state)
{
	static const struct canned steps[] = {
		REPLY(200, NULL, "<html>proxy</html>"),
	};
	struct script s = { steps, 1, 0, { 0 }, 0 };
	struct aws_client *c = client(&s);
	char code[65];

	assert_int_equal(aws_iot_get_registration_code(c, code),
	    OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL));
	assert_msg_has("not JSON");
	aws_client_free(&c);
}

static void
test_endpoints(void **state)
{
	static const char *const ok[] = {
		"http://127.0.0.1:8443", "http://127.1.2.3", "http://[::1]:80/",
		"http://localhost:1234", "HTTP://LocalHost",
		"https://iot.eu-central-1.amazonaws.com",
		"https://example.com:8443/prefix/",
	};
	static const char *const refused[] = {
		"http://10.0.0.1:8443", "http://iot.us-east-1.amazonaws.com",
		"http://128.0.0.1", "http://[::2]", "ftp://127.0.0.1",
		"http://localhost.evil.example", "not a url",
		"https://127.0.0.1/?x=1",
	};
	struct aws_client *c = NULL;
	char *saved = cfg.endpoint_url;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cfg.endpoint_url = (char *)(uintptr_t)ok[i];
		if (aws_client_new(&cfg, &c) != 0)
			fail_msg("%s refused: %s", ok[i], op_errmsg());
		aws_client_free(&c);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cfg.endpoint_url = (char *)(uintptr_t)refused[i];
		if (aws_client_new(&cfg, &c) == 0)
			fail_msg("%s accepted", refused[i]);
		assert_null(c);
	}
	cfg.endpoint_url = (char *)(uintptr_t)"http://192.168.1.1";
	assert_int_not_equal(aws_client_new(&cfg, &c), 0);
	assert_msg_has("only https://");
	cfg.endpoint_url = saved;
}

static void
test_policy_render(void **state)
{
	char *doc = NULL;

	assert_int_equal(aws_policy_render("{\"r\":\"arn:${partition}:iot:"
	    "${region}:${account}:thing/${thing}\",\"c\":\"${iot:ClientId}\"}",
	    "aws", "eu-west-1", "123456789012", "t1", &doc), 0);
	assert_string_equal(doc, "{\"r\":\"arn:aws:iot:eu-west-1:"
	    "123456789012:thing/t1\",\"c\":\"${iot:ClientId}\"}");
	free(doc);

	assert_int_not_equal(aws_policy_render("${bogus}", "aws", "r", "a",
	    NULL, &doc), 0);
	assert_msg_has("unknown placeholder ${bogus}");
	assert_int_not_equal(aws_policy_render("x${thing}", "aws", "r", "a",
	    NULL, &doc), 0);
	assert_msg_has("give a thing name");
	assert_null(doc);
	assert_int_equal(aws_policy_render("no end ${", "aws", "r", "a",
	    NULL, &doc), 0);
	assert_string_equal(doc, "no end ${");
	free(doc);
}

static void
test_arn_and_id(void **state)
{
	/* a self-signed P-256 certificate and its DER's SHA-256 */
	static const char pem[] =
	    "-----BEGIN CERTIFICATE-----\n"
	    "MIIBgDCCASWgAwIBAgIUTTaU3pS/c0trWlANdH4U+iMEfLswCgYIKoZIzj0EAwIw\n"
	    "FTETMBEGA1UEAwwKb3AtdGVzdC1jYTAeFw0yNjEyMDMxMzMwMzdaFw0zNjExMzAx\n"
	    "MzMwMzdaMBUxEzARBgNVBAMMCm9wLXRlc3QtY2EwWTATBgcqhkjOPQIBBggqhkjO\n"
	    "PQMBBwNCAASHS0hbMTAsmLELgF6FgJzN2sIJH89MbpeazBQk/hrH3ofEGanYVj+4\n"
	    "L9v7rsfRyhMuD/viYNRUhnD0jvTPX4ASo1MwUTAdBgNVHQ4EFgQUID1e6D/wx73z\n"
	    "0XVQUEQ5eF5bVZowHwYDVR0jBBgwFoAUID1e6D/wx73z0XVQUEQ5eF5bVZowDwYD\n"
	    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA1NBhivZF0mRCzBv4ynLR\n"
	    "Ou40YEmQAZbwfrWX8984MLYCIQCprSl50MxqdzQANQpHW4Ycv/DRvuk8slAxC+Gy\n"
	    "W/8etg==\n"
	    "-----END CERTIFICATE-----\n";
	char id[65];
	char part[16], region[32], account[16];

	assert_int_equal(aws_cert_id_from_pem(pem, id), 0);
	assert_string_equal(id, "b8957931eb4f7c4d8c7407ca506f07c5"
	    "ab2f6de6b76c60135fc51f039161de5f");
	assert_int_not_equal(aws_cert_id_from_pem("junk", id), 0);

	assert_int_equal(aws_arn_parse("arn:aws-cn:iot:cn-north-1:"
	    "123456789012:cert/ab", part, region, account), 0);
	assert_string_equal(part, "aws-cn");
	assert_string_equal(region, "cn-north-1");
	assert_string_equal(account, "123456789012");
	assert_int_not_equal(aws_arn_parse("cert/ab", NULL, NULL, account),
	    0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_retry_5xx_then_ok),
		T(test_throttling_gives_up),
		T(test_not_found_not_retried),
		T(test_bad_signature_hint),
		T(test_already_exists_fields),
		T(test_transport_retried),
		T(test_not_json),
		T(test_endpoints),
		T(test_policy_render),
		T(test_arn_and_id),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
