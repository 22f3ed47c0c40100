/*
 * Fuzz target: the AWS IoT client's handling of replies (status, error
 * type, JSON body, pagination), through every read operation and a
 * registration.  The transport is replaced: each reply comes from the
 * input as status(1) type(1) len(2) body[len]; when the input runs out
 * the "connection" fails.  Sleeps between retries are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/aws.h"
#include "util/err.h"

#include "fuzz.h"

struct feed {
	const uint8_t *p;
	size_t left;
};

static const long statuses[8] = { 200, 200, 200, 400, 404, 409, 429, 500 };
static const char *const types[4] = {
	NULL, "ResourceNotFoundException", "ThrottlingException",
	"ResourceAlreadyExistsException"
};

static int
feed_send(void *arg, const struct aws_http_msg *msg,
    struct aws_http_reply *reply)
{
	struct feed *f = arg;
	size_t n;

	(void)msg;
	memset(reply, 0, sizeof(*reply));
	if (f->left < 4)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_IO), "input used up");
	reply->status = statuses[f->p[0] % 8];
	if (types[f->p[1] % 4] != NULL)
		reply->error_type = strdup(types[f->p[1] % 4]);
	n = (size_t)(f->p[2] << 8 | f->p[3]);
	f->p += 4;
	f->left -= 4;
	if (n > f->left)
		n = f->left;
	if ((reply->body = malloc(n + 1)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	memcpy(reply->body, f->p, n);
	reply->body[n] = '\0';
	reply->body_len = n;
	reply->request_id = strdup("fuzz");
	f->p += n;
	f->left -= n;

	return 0;
}

static void
no_sleep(void *arg, uint64_t us)
{
	(void)arg;
	(void)us;
}

static time_t
fixed_now(void *arg)
{
	(void)arg;

	return 1700000000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char akid[] = "AKIDFUZZ", secret[] = "fuzz-secret";
	static char region[] = "us-east-1", url[] = "http://127.0.0.1:1";
	static char signing[] = "iot", source[] = "fuzz";
	static char profile[] = "default";
	static struct aws_config cfg = {
		.access_key_id = akid,
		.secret_access_key = secret,
		.region = region,
		.endpoint_url = url,
		.signing_name = signing,
		.creds_source = source,
		.profile = profile,
		.max_attempts = 2,
	};
	struct feed f = { data, size };
	struct aws_client *c = NULL;
	struct aws_cert_info info;
	json_t *arr = NULL;
	char id[65], arn[256], addr[256], code[65];
	char *doc = NULL;

	if (aws_client_new(&cfg, &c) != 0)
		return 0;
	aws_client_set_transport(c, feed_send, &f);
	aws_client_set_sleep(c, no_sleep, NULL);
	aws_client_set_clock(c, fixed_now, NULL);

	memset(&info, 0, sizeof(info));
	(void)aws_iot_describe_ca(c, "ca1", &info);
	aws_cert_info_clear(&info);
	(void)aws_iot_describe_cert(c, "c1", &info);
	aws_cert_info_clear(&info);
	if (aws_iot_list_ca(c, &arr) == 0)
		json_decref(arr);
	if (aws_iot_list_thing_principals(c, "t", &arr) == 0)
		json_decref(arr);
	if (aws_iot_list_attached_policies(c, "arn:x", &arr) == 0)
		json_decref(arr);
	if (aws_iot_get_policy(c, "p", arn, &doc) == 0)
		free(doc);
	(void)aws_iot_describe_thing(c, "t", arn);
	(void)aws_iot_describe_endpoint(c, "iot:Data-ATS", addr);
	(void)aws_iot_get_registration_code(c, code);
	(void)aws_iot_register_cert(c, "-----BEGIN CERTIFICATE-----\n",
	    NULL, "ACTIVE", id, arn);
	(void)aws_iot_create_thing(c, "t", arn);
	(void)aws_client_error(c);

	aws_client_free(&c);
	op_err_clear();

	return 0;
}
