/*
 * AWS IoT control plane client (rest-json over HTTPS, SigV4).
 *
 * The signer is our own (sigv4.c): libcurl 7.88's CURLOPT_AWS_SIGV4 does
 * not sort or encode the query and signs the path verbatim, so it cannot
 * sign ListAttachedPolicies (an ARN in the path), thing names with ':'
 * or policy names with '+=,@'.  libcurl only carries the bytes.
 *
 * Settings are found the way the AWS CLI v2 finds them (creds.c), every
 * operation maps to one function (iot.c), and the idempotent "find or
 * create" steps that registration needs are in ensure.c.  Errors are
 * OP_RC(OP_LAYER_AWS, code) with a message that names the operation,
 * AWS's error code and message, and a hint where one helps.
 */
#ifndef OP_AWS_AWS_H
#define OP_AWS_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* --- SigV4 (sigv4.c) --------------------------------------------------- */

struct aws_header {
	const char *name;
	const char *value;
};

/* A request exactly as it goes on the wire. */
struct aws_sigv4_req {
	const char *method;
	const char *path;		/* percent-encoded, as sent */
	const char *query;		/* as sent, without '?'; NULL if none */
	const struct aws_header *hdrs;	/* the headers to sign, host and
					 * x-amz-date included */
	size_t nhdrs;
	const void *body;
	size_t body_len;
};

struct aws_sigv4_scope {
	const char *access_key_id;
	const char *secret_access_key;
	const char *region;
	const char *service;		/* "iot" or "execute-api" */
};

/* t as YYYYMMDDTHHMMSSZ (UTC). */
int aws_sigv4_amzdate(time_t t, char out[17]);

/* Canonical request (malloc'd), for tests and -vvvv diagnostics. */
int aws_sigv4_canonical_request(const struct aws_sigv4_req *req,
    char **out);

/* HMAC chain over secret, date (YYYYMMDD), region and service. */
int aws_sigv4_signing_key(const char *secret, const char *date,
    const char *region, const char *service, uint8_t key[32]);

/*
 * The Authorization header value (malloc'd) for req signed at amzdate,
 * which must also be the value of the x-amz-date header in req->hdrs.
 */
int aws_sigv4_sign(const struct aws_sigv4_req *req,
    const struct aws_sigv4_scope *scope, const char *amzdate, char **authz);

/* --- settings and credentials (creds.c) -------------------------------- */

/* What the command line says; NULL means "not given". */
struct aws_config_opts {
	const char *profile;		/* --profile */
	const char *region;		/* --region */
	const char *endpoint_url;	/* --endpoint-url */
	const char *signing_name;	/* --signing-name (iot|execute-api) */
};

struct aws_config {
	char *profile;			/* the profile in effect */
	char *access_key_id;
	char *secret_access_key;	/* wiped on free */
	char *session_token;		/* NULL without a token; wiped */
	char *creds_source;		/* "environment", "FILE [profile]" */
	char *region;
	char *endpoint_url;		/* always set once loaded */
	char *ca_bundle;		/* AWS_CA_BUNDLE / ca_bundle, or NULL */
	char *signing_name;		/* "iot" unless asked otherwise */
	unsigned max_attempts;		/* AWS_MAX_ATTEMPTS, default 3 */
};

/*
 * Fill cfg the way the AWS CLI v2 does: environment, then the shared
 * credentials file, then the config file (AWS_SHARED_CREDENTIALS_FILE,
 * AWS_CONFIG_FILE, else ~/.aws/...).  See docs/aws.md for the order.
 */
int aws_config_load(const struct aws_config_opts *opts,
    struct aws_config **cfg);
void aws_config_free(struct aws_config **cfg);

/* --- the client and its transport (client.c, http.c) ------------------- */

struct aws_http_msg {
	const char *method;
	const char *url;		/* scheme://host[:port]/path?query */
	const struct aws_header *hdrs;	/* all headers to send */
	size_t nhdrs;
	const void *body;
	size_t body_len;
};

struct aws_http_reply {
	long status;
	char *body;			/* malloc'd, NUL-terminated */
	size_t body_len;
	char *error_type;		/* x-amzn-ErrorType, malloc'd or NULL */
	char *request_id;		/* x-amzn-RequestId, malloc'd or NULL */
};

/*
 * One HTTP exchange.  Returns 0 when a reply (of any status) arrived,
 * else an OP_LAYER_AWS status with a message.  Replaceable for tests.
 */
typedef int aws_send_fn(void *arg, const struct aws_http_msg *msg,
    struct aws_http_reply *reply);

void aws_http_reply_clear(struct aws_http_reply *reply);

/* The AWS error of the last failed call, if AWS answered with one. */
struct aws_error {
	long status;			/* HTTP status, 0 when none */
	char code[96];			/* "ResourceNotFoundException" */
	char message[512];
	char request_id[96];
	char resource_id[96];		/* ResourceAlreadyExistsException */
	char resource_arn[256];
};

struct aws_client;

/* cfg is borrowed and must outlive the client. */
int aws_client_new(const struct aws_config *cfg, struct aws_client **out);
void aws_client_free(struct aws_client **client);

/* For tests: pin the clock, replace the transport, skip the sleeps. */
void aws_client_set_clock(struct aws_client *c, time_t (*now)(void *),
    void *arg);
void aws_client_set_transport(struct aws_client *c, aws_send_fn *send,
    void *arg);
/* (set_sleep also skips the rate limiter's waits, see ratelimit.c) */
void aws_client_set_sleep(struct aws_client *c, void (*sleep_us)(void *,
    uint64_t), void *arg);

const struct aws_error *aws_client_error(const struct aws_client *c);
const struct aws_config *aws_client_config(const struct aws_client *c);
/* Number of HTTP attempts made by the last call (retries included). */
unsigned aws_client_attempts(const struct aws_client *c);

/* --- operations (iot.c) ------------------------------------------------ */

/* CACertificateDescription / CertificateDescription, the parts we use. */
struct aws_cert_info {
	char id[65];
	char arn[256];
	char status[24];		/* ACTIVE, INACTIVE, ... */
	char ca_id[65];			/* device certificates only */
	char auto_registration[8];	/* CA only: ENABLE, DISABLE */
	char owned_by[16];
	char *template_body;		/* CA only: registrationConfig */
	char *role_arn;
	char *template_name;
};

void aws_cert_info_clear(struct aws_cert_info *info);

struct aws_reg_config {
	const char *template_body;	/* JSON text, or NULL */
	const char *role_arn;
	const char *template_name;
};

struct aws_ca_register {
	const char *ca_pem;
	const char *verification_pem;
	bool set_active;
	bool allow_auto_registration;
	const struct aws_reg_config *reg_config;	/* NULL: none */
};

int aws_iot_get_registration_code(struct aws_client *c, char code[65]);
int aws_iot_register_ca(struct aws_client *c,
    const struct aws_ca_register *req, char id[65], char arn[256]);
/* new_status / new_auto / reg_config may each be NULL (unchanged). */
int aws_iot_update_ca(struct aws_client *c, const char *id,
    const char *new_status, const char *new_auto,
    const struct aws_reg_config *reg_config);
int aws_iot_describe_ca(struct aws_client *c, const char *id,
    struct aws_cert_info *info);
/* All pages; *certs is an array of {certificateId, certificateArn,
 * status}. */
int aws_iot_list_ca(struct aws_client *c, json_t **certs);

/* status: "ACTIVE", "INACTIVE", or NULL to let AWS choose. */
int aws_iot_register_cert(struct aws_client *c, const char *pem,
    const char *ca_pem, const char *status, char id[65], char arn[256]);
int aws_iot_describe_cert(struct aws_client *c, const char *id,
    struct aws_cert_info *info);
int aws_iot_update_cert(struct aws_client *c, const char *id,
    const char *new_status);

int aws_iot_create_thing(struct aws_client *c, const char *name,
    char arn[256]);
int aws_iot_describe_thing(struct aws_client *c, const char *name,
    char arn[256]);
int aws_iot_attach_thing_principal(struct aws_client *c, const char *name,
    const char *principal);
/* All pages; *principals is an array of strings. */
int aws_iot_list_thing_principals(struct aws_client *c, const char *name,
    json_t **principals);

int aws_iot_create_policy(struct aws_client *c, const char *name,
    const char *doc, char arn[256]);
/* *doc is malloc'd. */
int aws_iot_get_policy(struct aws_client *c, const char *name,
    char arn[256], char **doc);
int aws_iot_attach_policy(struct aws_client *c, const char *name,
    const char *target);
/* All pages; *policies is an array of {policyName, policyArn}. */
int aws_iot_list_attached_policies(struct aws_client *c,
    const char *target, json_t **policies);

/* type: "iot:Data-ATS" etc., or NULL. */
int aws_iot_describe_endpoint(struct aws_client *c, const char *type,
    char address[256]);

/* --- find or create (ensure.c) ----------------------------------------- */

enum aws_action {
	AWS_ACT_NONE = 0,
	AWS_ACT_CREATED,		/* registered / created now */
	AWS_ACT_REUSED,			/* existed as wanted */
	AWS_ACT_UPDATED,		/* existed; state changed to fit */
	AWS_ACT_ATTACHED,
	AWS_ACT_ALREADY_ATTACHED
};

const char *aws_action_name(enum aws_action a);

/* Called for a verification certificate when the CA must be registered. */
typedef int aws_verif_fn(void *arg, const char *registration_code,
    char **pem);

struct aws_ca_want {
	const char *ca_pem;
	bool allow_auto_registration;
	const char *jitp_template;	/* registrationConfig body, or NULL */
	const char *jitp_role_arn;
	const char *known_id;		/* from a previous run, or NULL */
	aws_verif_fn *make_verification;
	void *arg;
};

struct aws_ca_result {
	char id[65];
	char arn[256];
	char account[16];
	enum aws_action action;
	bool activated;			/* was INACTIVE, now ACTIVE */
	bool auto_registration_changed;
	bool registration_config_changed;
};

int aws_ensure_ca(struct aws_client *c, const struct aws_ca_want *want,
    struct aws_ca_result *res);

struct aws_device_want {
	const char *cert_pem;
	const char *ca_pem;
	const char *thing;		/* NULL: no thing */
	const char *policy;		/* NULL: no policy */
	const char *policy_template;	/* NULL: the policy must exist */
};

struct aws_device_result {
	char cert_id[65];
	char cert_arn[256];
	char ca_id[65];
	char account[16];
	char region[32];
	char thing_arn[256];
	char policy_arn[256];
	enum aws_action cert;
	enum aws_action thing;
	enum aws_action policy;
	enum aws_action policy_attach;
	enum aws_action thing_attach;
};

int aws_ensure_device(struct aws_client *c,
    const struct aws_device_want *want, struct aws_device_result *res);

/*
 * <CA dir>/aws.json (castate.c): the CA's registration per endpoint.
 * known: its certificate ID at endpoint, or "" when none is recorded.
 * save: record res, writing the file only when something changed.
 */
void aws_ca_state_known(const char *dir, const char *endpoint,
    char id[65]);
int aws_ca_state_save(const char *dir, const struct aws_config *cfg,
    const struct aws_ca_result *res, bool auto_reg);

/*
 * Replace ${region}, ${account}, ${partition} and ${thing} in a policy
 * template; an unknown or unset placeholder is an error naming it.
 */
int aws_policy_render(const char *tmpl, const char *partition,
    const char *region, const char *account, const char *thing,
    char **doc);

/* certificateId: lower-case hex SHA-256 of the DER of the first
 * certificate in pem. */
int aws_cert_id_from_pem(const char *pem, char id[65]);

/* Split an ARN; any out pointer may be NULL.  Sizes as in the results. */
int aws_arn_parse(const char *arn, char partition[16], char region[32],
    char account[16]);

#endif
