/*
 * Inside the aws layer: the client and one signed call.
 */
#ifndef OP_AWS_AWS_INT_H
#define OP_AWS_AWS_INT_H

#include <jansson.h>

#include "aws/aws.h"

struct aws_curl;

struct aws_client {
	const struct aws_config *cfg;
	char *origin;			/* scheme://host[:port] */
	char *host;			/* Host header: host[:port] */
	char *base_path;		/* "" or "/prefix" from the URL */
	bool loopback;
	time_t (*now)(void *);
	void *now_arg;
	aws_send_fn *send;
	void *send_arg;
	void (*sleep_us)(void *, uint64_t);
	void *sleep_arg;
	struct aws_curl *curl;
	bool rate_wait;			/* sleep for the rate limit */
	struct aws_error err;
	unsigned attempts;
};

/* One operation, as the model describes it. */
struct aws_call {
	const char *op;			/* "DescribeCACertificate" */
	const char *method;
	const char *path;		/* percent-encoded */
	const char *query;		/* percent-encoded, or NULL */
	const char *principal;		/* x-amzn-principal, or NULL */
	const char *body;		/* JSON, or NULL for no body */
	json_t *reply;			/* out: the JSON reply, or NULL */
};

/*
 * Sign and send, retrying throttling and 5xx with capped exponential
 * backoff and full jitter; on an AWS error fill c->err and return an
 * OP_LAYER_AWS status whose message names call->op.
 */
int aws_call(struct aws_client *c, struct aws_call *call);

/*
 * The process-wide rate limit of an operation (ratelimit.c): reserve its
 * next slot and return the wait until it, in microseconds.
 */
uint64_t aws_ratelimit_reserve(const char *op);
/* Forget every reservation and read OPTIGA_AWS_TPS again (tests). */
void aws_ratelimit_reset(void);

/* The status and message for an AWS error reply (errors.c). */
int aws_error_status(struct aws_client *c, const char *op);
bool aws_error_retryable(const struct aws_error *e);

/* The libcurl transport (http.c). */
int aws_curl_new(const struct aws_config *cfg, bool loopback,
    struct aws_curl **out);
void aws_curl_free(struct aws_curl **cu);
aws_send_fn aws_curl_send;

#endif
