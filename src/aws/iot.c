/*
 * The AWS IoT operations we use, built as the service model says
 * (method, URI, query and body members in model order) and encoded as
 * the CLI encodes them: path labels and query values percent-encoded
 * with only A-Za-z0-9-_.~ left bare, booleans as true/false, a JSON body
 * whenever the input shape has body members ({} when none is set).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_int.h"
#include "aws/buf.h"
#include "util/err.h"

#define LIST_PAGES_MAX	1000	/* 250 per page: far beyond any account */

static int
nomem(void)
{
	return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
}

/* "/pre" + encoded label + "post" */
static char *
path_label(const char *pre, const char *label, const char *post)
{
	struct buf b = { 0 };

	buf_adds(&b, pre);
	buf_add_uri(&b, label, strlen(label), false);
	buf_adds(&b, post);

	return buf_take(&b);
}

static void
query_add(struct buf *q, const char *name, const char *value)
{
	if (q->len > 0)
		buf_addc(q, '&');
	buf_add_uri(q, name, strlen(name), false);
	buf_addc(q, '=');
	buf_add_uri(q, value, strlen(value), false);
}

static char *
json_body(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(obj);

	return s;
}

/* Copy a string member of a reply; a missing one leaves dst empty. */
static int
get_str(const char *op, json_t *obj, const char *key, char *dst,
    size_t len)
{
	const char *s = json_string_value(json_object_get(obj, key));

	dst[0] = '\0';
	if (s == NULL)
		return 0;
	if (strlen(s) >= len)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
		    "%s: %s in the reply is longer than %zu characters", op,
		    key, len - 1);
	memcpy(dst, s, strlen(s) + 1);

	return 0;
}

static int
need_str(const char *op, json_t *obj, const char *key, char *dst,
    size_t len)
{
	int r;

	if ((r = get_str(op, obj, key, dst, len)) != 0)
		return r;
	if (dst[0] == '\0')
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
		    "%s: the reply has no %s", op, key);

	return 0;
}

static int
dup_str(json_t *obj, const char *key, char **dst)
{
	const char *s = json_string_value(json_object_get(obj, key));

	*dst = NULL;
	if (s != NULL && (*dst = strdup(s)) == NULL)
		return nomem();

	return 0;
}

/* Run a call whose path was built by path_label (NULL = no memory). */
static int
run(struct aws_client *c, struct aws_call *call, char *path, char *query,
    char *body, bool has_body)
{
	int r;

	if (path == NULL || (has_body && body == NULL)) {
		r = nomem();
		goto fail;
	}
	call->path = path;
	call->query = query;
	call->body = body;
	r = aws_call(c, call);
fail:
	free(path);
	free(query);
	free(body);

	return r;
}

/* For operations without output members: the reply is dropped. */
static int
run_void(struct aws_client *c, struct aws_call *call, char *path,
    char *query, char *body, bool has_body)
{
	int r = run(c, call, path, query, body, has_body);

	json_decref(call->reply);
	call->reply = NULL;

	return r;
}

/* Take one string member out of a call's reply and drop the reply. */
static int
reply_str(struct aws_call *call, const char *key, char *dst, size_t len)
{
	int r = need_str(call->op, call->reply, key, dst, len);

	json_decref(call->reply);
	call->reply = NULL;

	return r;
}

/* The same for the certificateId and certificateArn of a registration. */
static int
reply_id_arn(struct aws_call *call, char id[65], char arn[256])
{
	int r;

	if ((r = need_str(call->op, call->reply, "certificateId", id,
	    65)) == 0)
		r = need_str(call->op, call->reply, "certificateArn", arn,
		    256);
	json_decref(call->reply);
	call->reply = NULL;

	return r;
}

void
aws_cert_info_clear(struct aws_cert_info *info)
{
	free(info->template_body);
	free(info->role_arn);
	free(info->template_name);
	memset(info, 0, sizeof(*info));
}

int
aws_iot_get_registration_code(struct aws_client *c, char code[65])
{
	struct aws_call call = { .op = "GetRegistrationCode",
	    .method = "GET" };
	int r;

	if ((r = run(c, &call, strdup("/registrationcode"), NULL, NULL,
	    false)) != 0)
		return r;

	return reply_str(&call, "registrationCode", code, 65);
}

static json_t *
reg_config_json(const struct aws_reg_config *rc)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if ((rc->template_body && json_object_set_new(o, "templateBody",
	    json_string(rc->template_body)) != 0) ||
	    (rc->role_arn && json_object_set_new(o, "roleArn",
	    json_string(rc->role_arn)) != 0) ||
	    (rc->template_name && json_object_set_new(o, "templateName",
	    json_string(rc->template_name)) != 0)) {
		json_decref(o);
		return NULL;
	}

	return o;
}

int
aws_iot_register_ca(struct aws_client *c, const struct aws_ca_register *req,
    char id[65], char arn[256])
{
	struct aws_call call = { .op = "RegisterCACertificate",
	    .method = "POST" };
	struct buf q = { 0 };
	json_t *body = json_object();
	int r;

	/* query members in model order: setAsActive, allowAutoRegistration */
	query_add(&q, "setAsActive", req->set_active ? "true" : "false");
	query_add(&q, "allowAutoRegistration", req->allow_auto_registration ?
	    "true" : "false");

	/* body members in model order */
	if (body == NULL || json_object_set_new(body, "caCertificate",
	    json_string(req->ca_pem)) != 0 || (req->verification_pem &&
	    json_object_set_new(body, "verificationCertificate",
	    json_string(req->verification_pem)) != 0) || (req->reg_config &&
	    json_object_set_new(body, "registrationConfig",
	    reg_config_json(req->reg_config)) != 0)) {
		json_decref(body);
		buf_wipe(&q);
		return nomem();
	}

	if ((r = run(c, &call, strdup("/cacertificate"), buf_take(&q),
	    json_body(body), true)) != 0)
		return r;

	return reply_id_arn(&call, id, arn);
}

int
aws_iot_update_ca(struct aws_client *c, const char *id,
    const char *new_status, const char *new_auto,
    const struct aws_reg_config *reg_config)
{
	struct aws_call call = { .op = "UpdateCACertificate",
	    .method = "PUT" };
	struct buf q = { 0 };
	json_t *body = json_object();

	if (new_status != NULL)
		query_add(&q, "newStatus", new_status);
	if (new_auto != NULL)
		query_add(&q, "newAutoRegistrationStatus", new_auto);
	if (body == NULL || (reg_config && json_object_set_new(body,
	    "registrationConfig", reg_config_json(reg_config)) != 0)) {
		json_decref(body);
		buf_wipe(&q);
		return nomem();
	}
	if (q.len == 0)
		buf_wipe(&q);

	return run_void(c, &call, path_label("/cacertificate/", id, ""),
	    q.p ? buf_take(&q) : NULL, json_body(body), true);
}

static int
parse_cert_desc(const char *op, json_t *reply, struct aws_cert_info *info)
{
	json_t *d = json_object_get(reply, "certificateDescription");
	json_t *rc = json_object_get(reply, "registrationConfig");
	int r;

	if (!json_is_object(d))
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
		    "%s: the reply has no certificateDescription", op);
	if ((r = need_str(op, d, "certificateId", info->id,
	    sizeof(info->id))) != 0 ||
	    (r = need_str(op, d, "certificateArn", info->arn,
	    sizeof(info->arn))) != 0 ||
	    (r = need_str(op, d, "status", info->status,
	    sizeof(info->status))) != 0 ||
	    (r = get_str(op, d, "caCertificateId", info->ca_id,
	    sizeof(info->ca_id))) != 0 ||
	    (r = get_str(op, d, "autoRegistrationStatus",
	    info->auto_registration, sizeof(info->auto_registration))) != 0 ||
	    (r = get_str(op, d, "ownedBy", info->owned_by,
	    sizeof(info->owned_by))) != 0)
		return r;
	if (json_is_object(rc) &&
	    ((r = dup_str(rc, "templateBody", &info->template_body)) != 0 ||
	    (r = dup_str(rc, "roleArn", &info->role_arn)) != 0 ||
	    (r = dup_str(rc, "templateName", &info->template_name)) != 0))
		return r;

	return 0;
}

/* DescribeCACertificate and DescribeCertificate: GET pre + id. */
static int
describe_cert(struct aws_client *c, const char *op, const char *pre,
    const char *id, struct aws_cert_info *info)
{
	struct aws_call call = { .op = op, .method = "GET" };
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = run(c, &call, path_label(pre, id, ""), NULL, NULL,
	    false)) != 0)
		return r;
	if ((r = parse_cert_desc(call.op, call.reply, info)) != 0)
		aws_cert_info_clear(info);
	json_decref(call.reply);

	return r;
}

int
aws_iot_describe_ca(struct aws_client *c, const char *id,
    struct aws_cert_info *info)
{
	return describe_cert(c, "DescribeCACertificate", "/cacertificate/",
	    id, info);
}

/*
 * Page through a list operation: list_key holds the items, the marker
 * travels back as marker_param.
 */
static int
list_all(struct aws_client *c, const char *op, const char *method,
    const char *path, const char *list_key, const char *size_param,
    const char *marker_param, const char *next_key, bool size_first,
    json_t **out)
{
	json_t *all = json_array();
	char *marker = NULL;
	int r = 0;

	*out = NULL;
	if (all == NULL)
		return nomem();

	for (unsigned page = 0; page < LIST_PAGES_MAX; page++) {
		struct aws_call call = { .op = op, .method = method };
		struct buf q = { 0 };
		json_t *items;
		const char *next;
		bool has_next;

		/* query members in model order, as the CLI sends them */
		if (size_first)
			query_add(&q, size_param, "250");
		if (marker != NULL)
			query_add(&q, marker_param, marker);
		if (!size_first)
			query_add(&q, size_param, "250");
		if ((r = run(c, &call, strdup(path), buf_take(&q), NULL,
		    false)) != 0)
			goto fail;

		items = json_object_get(call.reply, list_key);
		if (items != NULL && (!json_is_array(items) ||
		    json_array_extend(all, items) != 0)) {
			json_decref(call.reply);
			r = op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
			    "%s: %s in the reply is not a list", op, list_key);
			goto fail;
		}
		next = json_string_value(json_object_get(call.reply,
		    next_key));
		has_next = next != NULL && next[0] != '\0';
		free(marker);
		marker = has_next ? strdup(next) : NULL;
		json_decref(call.reply);	/* next is gone now */
		if (has_next && marker == NULL) {
			r = nomem();
			goto fail;
		}
		if (marker == NULL) {
			*out = all;
			all = NULL;	/* now owned by the caller */
			goto fail;
		}
	}
	r = op_err(OP_RC(OP_LAYER_AWS, OP_E_RANGE),
	    "%s: more than %u pages; giving up", op, LIST_PAGES_MAX);
fail:
	free(marker);
	json_decref(all);

	return r;
}

int
aws_iot_list_ca(struct aws_client *c, json_t **certs)
{
	return list_all(c, "ListCACertificates", "GET", "/cacertificates",
	    "certificates", "pageSize", "marker", "nextMarker", true, certs);
}

int
aws_iot_register_cert(struct aws_client *c, const char *pem,
    const char *ca_pem, const char *status, char id[65], char arn[256])
{
	struct aws_call call = { .op = "RegisterCertificate",
	    .method = "POST" };
	json_t *body = json_object();
	int r;

	/* status in the body, not the deprecated setAsActive query */
	if (body == NULL || json_object_set_new(body, "certificatePem",
	    json_string(pem)) != 0 || (ca_pem && json_object_set_new(body,
	    "caCertificatePem", json_string(ca_pem)) != 0) || (status &&
	    json_object_set_new(body, "status", json_string(status)) != 0)) {
		json_decref(body);
		return nomem();
	}
	if ((r = run(c, &call, strdup("/certificate/register"), NULL,
	    json_body(body), true)) != 0)
		return r;

	return reply_id_arn(&call, id, arn);
}

int
aws_iot_describe_cert(struct aws_client *c, const char *id,
    struct aws_cert_info *info)
{
	return describe_cert(c, "DescribeCertificate", "/certificates/", id,
	    info);
}

int
aws_iot_update_cert(struct aws_client *c, const char *id,
    const char *new_status)
{
	struct aws_call call = { .op = "UpdateCertificate", .method = "PUT" };
	struct buf q = { 0 };

	query_add(&q, "newStatus", new_status);

	return run_void(c, &call, path_label("/certificates/", id, ""),
	    buf_take(&q), NULL, false);
}

int
aws_iot_create_thing(struct aws_client *c, const char *name,
    char arn[256])
{
	struct aws_call call = { .op = "CreateThing", .method = "POST" };
	int r;

	/* the input has body members, none set: the body is {} */
	if ((r = run(c, &call, path_label("/things/", name, ""), NULL,
	    strdup("{}"), true)) != 0)
		return r;

	return reply_str(&call, "thingArn", arn, 256);
}

int
aws_iot_describe_thing(struct aws_client *c, const char *name,
    char arn[256])
{
	struct aws_call call = { .op = "DescribeThing", .method = "GET" };
	int r;

	if ((r = run(c, &call, path_label("/things/", name, ""), NULL, NULL,
	    false)) != 0)
		return r;

	return reply_str(&call, "thingArn", arn, 256);
}

int
aws_iot_attach_thing_principal(struct aws_client *c, const char *name,
    const char *principal)
{
	struct aws_call call = { .op = "AttachThingPrincipal",
	    .method = "PUT", .principal = principal };

	return run_void(c, &call, path_label("/things/", name, "/principals"),
	    NULL, NULL, false);
}

int
aws_iot_list_thing_principals(struct aws_client *c, const char *name,
    json_t **principals)
{
	char *path = path_label("/things/", name, "/principals");
	int r;

	if (path == NULL)
		return nomem();
	r = list_all(c, "ListThingPrincipals", "GET", path, "principals",
	    "maxResults", "nextToken", "nextToken", false, principals);
	free(path);

	return r;
}

int
aws_iot_create_policy(struct aws_client *c, const char *name,
    const char *doc, char arn[256])
{
	struct aws_call call = { .op = "CreatePolicy", .method = "POST" };
	json_t *body = json_object();
	int r;

	if (body == NULL || json_object_set_new(body, "policyDocument",
	    json_string(doc)) != 0) {
		json_decref(body);
		return nomem();
	}
	if ((r = run(c, &call, path_label("/policies/", name, ""), NULL,
	    json_body(body), true)) != 0)
		return r;

	return reply_str(&call, "policyArn", arn, 256);
}

int
aws_iot_get_policy(struct aws_client *c, const char *name, char arn[256],
    char **doc)
{
	struct aws_call call = { .op = "GetPolicy", .method = "GET" };
	int r;

	*doc = NULL;
	if ((r = run(c, &call, path_label("/policies/", name, ""), NULL, NULL,
	    false)) != 0)
		return r;
	if ((r = need_str(call.op, call.reply, "policyArn", arn, 256)) == 0 &&
	    (r = dup_str(call.reply, "policyDocument", doc)) == 0 &&
	    *doc == NULL)
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
		    "%s: the reply has no policyDocument", call.op);
	json_decref(call.reply);

	return r;
}

int
aws_iot_attach_policy(struct aws_client *c, const char *name,
    const char *target)
{
	struct aws_call call = { .op = "AttachPolicy", .method = "PUT" };
	json_t *body = json_object();

	if (body == NULL || json_object_set_new(body, "target",
	    json_string(target)) != 0) {
		json_decref(body);
		return nomem();
	}

	return run_void(c, &call, path_label("/target-policies/", name, ""),
	    NULL, json_body(body), true);
}

int
aws_iot_list_attached_policies(struct aws_client *c, const char *target,
    json_t **policies)
{
	/* the target ARN travels in the path, its '/' encoded too */
	char *path = path_label("/attached-policies/", target, "");
	int r;

	if (path == NULL)
		return nomem();
	r = list_all(c, "ListAttachedPolicies", "POST", path, "policies",
	    "pageSize", "marker", "nextMarker", false, policies);
	free(path);

	return r;
}

int
aws_iot_describe_endpoint(struct aws_client *c, const char *type,
    char address[256])
{
	struct aws_call call = { .op = "DescribeEndpoint", .method = "GET" };
	struct buf q = { 0 };
	int r;

	if (type != NULL)
		query_add(&q, "endpointType", type);
	if ((r = run(c, &call, strdup("/endpoint"), type ? buf_take(&q) :
	    NULL, NULL, false)) != 0)
		return r;

	return reply_str(&call, "endpointAddress", address, 256);
}
