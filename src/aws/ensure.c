/*
 * Find or create: the idempotent steps of CA and device registration.
 * Whatever exists (found by its certificate ID, the SHA-256 of the DER,
 * or by name) is reused and brought to the wanted state; nothing is
 * registered twice, and a policy whose document differs is reported,
 * never replaced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aws/aws_int.h"
#include "aws/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

#define IS_RC(r, code) \
	(OP_RC_LAYER(r) == OP_LAYER_AWS && OP_RC_CODE(r) == (code))

const char *
aws_action_name(enum aws_action a)
{
	switch (a) {
	case AWS_ACT_CREATED: return "created";
	case AWS_ACT_REUSED: return "reused";
	case AWS_ACT_UPDATED: return "updated";
	case AWS_ACT_ATTACHED: return "attached";
	case AWS_ACT_ALREADY_ATTACHED: return "already attached";
	default: return "none";
	}
}

int
aws_cert_id_from_pem(const char *pem, char id[65])
{
	BIO *bio = NULL;
	X509 *x = NULL;
	unsigned char *der = NULL;
	uint8_t md[32];
	unsigned int mdlen = 0;
	int len;
	int r;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
		goto fail;
	}
	if ((len = i2d_X509(x, &der)) <= 0 ||
	    !EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL)) {
		r = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot hash the certificate's DER");
		goto fail;
	}
	op_hex_encode(md, sizeof(md), id);

	r = 0;
fail:
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);

	return r;
}

int
aws_arn_parse(const char *arn, char partition[16], char region[32],
    char account[16])
{
	char f[6][64];
	const char *p = arn;

	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
	for (int i = 0; i < 5; i++) {
		const char *e = strchr(p, ':');

		if (e == NULL || (size_t)(e - p) >= sizeof(f[i]))
			return op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
			    "'%s' is not an ARN", arn);
		memcpy(f[i], p, (size_t)(e - p));
		f[i][e - p] = '\0';
		p = e + 1;
	}
	if (strcmp(f[0], "arn") != 0 || strlen(f[1]) >= 16 ||
	    strlen(f[3]) >= 32 || strlen(f[4]) >= 16)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_PROTOCOL),
		    "'%s' is not an ARN", arn);
	if (partition != NULL)
		snprintf(partition, 16, "%s", f[1]);
	if (region != NULL)
		snprintf(region, 32, "%s", f[3]);
	if (account != NULL)
		snprintf(account, 16, "%s", f[4]);

	return 0;
}

/* Two documents are the same when they are equal JSON, or equal text. */
static bool
same_json(const char *a, const char *b)
{
	json_t *ja;
	json_t *jb;
	bool same;

	if (a == NULL || b == NULL)
		return a == b;
	ja = json_loads(a, 0, NULL);
	jb = json_loads(b, 0, NULL);
	if (ja == NULL || jb == NULL)
		same = strcmp(a, b) == 0;
	else
		same = json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);

	return same;
}

/* The state of an existing CA, made to fit what is wanted. */
static int
ca_adjust(struct aws_client *c, const struct aws_ca_want *want,
    const struct aws_cert_info *info, struct aws_ca_result *res)
{
	const char *st = NULL;
	const char *ar = NULL;
	struct aws_reg_config rc = {
		.template_body = want->jitp_template,
		.role_arn = want->jitp_role_arn,
	};
	bool cfg_differs;
	int r;

	if (strcmp(info->status, "ACTIVE") != 0) {
		st = "ACTIVE";
		res->activated = true;
	}
	if (want->allow_auto_registration &&
	    strcmp(info->auto_registration, "ENABLE") != 0) {
		ar = "ENABLE";
		res->auto_registration_changed = true;
	}
	cfg_differs = want->jitp_template != NULL &&
	    (!same_json(want->jitp_template, info->template_body) ||
	    (want->jitp_role_arn != NULL && (info->role_arn == NULL ||
	    strcmp(want->jitp_role_arn, info->role_arn) != 0)));
	res->registration_config_changed = cfg_differs;
	if (st == NULL && ar == NULL && !cfg_differs) {
		res->action = AWS_ACT_REUSED;
		return 0;
	}

	if ((r = aws_iot_update_ca(c, info->id, st, ar, cfg_differs ? &rc :
	    NULL)) != 0)
		return r;
	res->action = AWS_ACT_UPDATED;

	return 0;
}

static int
ca_register(struct aws_client *c, const struct aws_ca_want *want,
    struct aws_ca_result *res)
{
	char code[65];
	char *verif = NULL;
	struct aws_reg_config rc = {
		.template_body = want->jitp_template,
		.role_arn = want->jitp_role_arn,
	};
	struct aws_ca_register reg = {
		.ca_pem = want->ca_pem,
		.set_active = true,
		.allow_auto_registration = want->allow_auto_registration,
		.reg_config = want->jitp_template ? &rc : NULL,
	};
	int r;

	if (want->make_verification == NULL)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_INVAL),
		    "the CA is not registered and no verification "
		    "certificate can be made");
	if ((r = aws_iot_get_registration_code(c, code)) != 0)
		return r;
	if ((r = want->make_verification(want->arg, code, &verif)) != 0)
		return op_errctx(r, "making the verification certificate");
	reg.verification_pem = verif;
	r = aws_iot_register_ca(c, &reg, res->id, res->arn);
	free(verif);
	if (r == 0)
		res->action = AWS_ACT_CREATED;

	return r;
}

int
aws_ensure_ca(struct aws_client *c, const struct aws_ca_want *want,
    struct aws_ca_result *res)
{
	struct aws_cert_info info = { 0 };
	char id[65];
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = aws_cert_id_from_pem(want->ca_pem, id)) != 0)
		return op_errctx(r, "the CA certificate");
	/* the record of an earlier run only informs: AWS's answer for the
	 * ID computed now is what counts */
	if (want->known_id != NULL && strcmp(want->known_id, id) != 0)
		OP_WARN("aws", "the CA certificate changed since it was "
		    "registered as %s; registering %s", want->known_id, id);

	/* registered already?  The ID is ours to compute. */
	r = aws_iot_describe_ca(c, id, &info);
	if (r != 0 && !IS_RC(r, OP_E_NOTFOUND))
		goto fail;
	if (r != 0) {
		r = ca_register(c, want, res);
		if (!IS_RC(r, OP_E_EXISTS))
			goto done;
		/* registered meanwhile, by someone else: use it */
		if ((r = aws_iot_describe_ca(c, c->err.resource_id[0] ?
		    c->err.resource_id : id, &info)) != 0)
			goto fail;
	}
	snprintf(res->id, sizeof(res->id), "%s", info.id);
	snprintf(res->arn, sizeof(res->arn), "%s", info.arn);
	if ((r = ca_adjust(c, want, &info, res)) != 0)
		goto fail;
done:
	if (r == 0)
		r = aws_arn_parse(res->arn, NULL, NULL, res->account);
fail:
	aws_cert_info_clear(&info);

	return r;
}

/* Replace the known ${name} placeholders; policy variables such as
 * ${iot:ClientId} (they have a ':') are AWS's and stay. */
int
aws_policy_render(const char *tmpl, const char *partition,
    const char *region, const char *account, const char *thing,
    char **doc)
{
	struct buf b = { 0 };
	const char *p = tmpl;

	*doc = NULL;
	while (*p != '\0') {
		const char *s = strstr(p, "${");
		const char *e;
		const char *v = NULL;
		size_t n;

		if (s == NULL || (e = strchr(s, '}')) == NULL) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(s - p));
		n = (size_t)(e - s - 2);
		if (memchr(s + 2, ':', n) != NULL) {
			buf_add(&b, s, (size_t)(e - s + 1));
			p = e + 1;
			continue;
		}
		if (n == 6 && strncmp(s + 2, "region", n) == 0)
			v = region;
		else if (n == 7 && strncmp(s + 2, "account", n) == 0)
			v = account;
		else if (n == 9 && strncmp(s + 2, "partition", n) == 0)
			v = partition;
		else if (n == 5 && strncmp(s + 2, "thing", n) == 0)
			v = thing;
		else {
			buf_wipe(&b);
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "policy template: unknown placeholder ${%.*s}; "
			    "known are ${region}, ${account}, ${partition} "
			    "and ${thing}", (int)n, s + 2);
		}
		if (v == NULL) {
			buf_wipe(&b);
			return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
			    "policy template uses ${%.*s} but no value is "
			    "known for it%s", (int)n, s + 2, n == 5 ?
			    " (give a thing name)" : "");
		}
		buf_adds(&b, v);
		p = e + 1;
	}
	if ((*doc = buf_take(&b)) == NULL)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");

	return 0;
}

static int
device_cert(struct aws_client *c, const struct aws_device_want *want,
    struct aws_device_result *res)
{
	struct aws_cert_info info = { 0 };
	int r;

	if ((r = aws_cert_id_from_pem(want->cert_pem, res->cert_id)) != 0)
		return op_errctx(r, "the device certificate");
	if ((r = aws_cert_id_from_pem(want->ca_pem, res->ca_id)) != 0)
		return op_errctx(r, "the CA certificate");

	r = aws_iot_describe_cert(c, res->cert_id, &info);
	if (IS_RC(r, OP_E_NOTFOUND)) {
		r = aws_iot_register_cert(c, want->cert_pem, want->ca_pem,
		    "ACTIVE", res->cert_id, res->cert_arn);
		if (r == 0) {
			res->cert = AWS_ACT_CREATED;
			goto fail;
		}
		if (!IS_RC(r, OP_E_EXISTS))
			goto fail;
		r = aws_iot_describe_cert(c, res->cert_id, &info);
	}
	if (r != 0)
		goto fail;

	snprintf(res->cert_arn, sizeof(res->cert_arn), "%s", info.arn);
	if (info.ca_id[0] != '\0' && strcmp(info.ca_id, res->ca_id) != 0) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_STATE),
		    "certificate %s is registered under CA %s, not under "
		    "the given CA %s", res->cert_id, info.ca_id, res->ca_id);
		goto fail;
	}
	if (strcmp(info.status, "ACTIVE") == 0) {
		res->cert = AWS_ACT_REUSED;
	} else if (strcmp(info.status, "INACTIVE") == 0 ||
	    strcmp(info.status, "PENDING_ACTIVATION") == 0) {
		if ((r = aws_iot_update_cert(c, res->cert_id, "ACTIVE")) != 0)
			goto fail;
		res->cert = AWS_ACT_UPDATED;
	} else {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_STATE),
		    "certificate %s is %s in AWS IoT and cannot be made "
		    "ACTIVE from there", res->cert_id, info.status);
		goto fail;
	}
	r = 0;
fail:
	aws_cert_info_clear(&info);

	return r;
}

static int
device_thing(struct aws_client *c, const char *name,
    struct aws_device_result *res)
{
	int r;

	r = aws_iot_describe_thing(c, name, res->thing_arn);
	if (r == 0) {
		res->thing = AWS_ACT_REUSED;
		return 0;
	}
	if (!IS_RC(r, OP_E_NOTFOUND))
		return r;
	if ((r = aws_iot_create_thing(c, name, res->thing_arn)) == 0)
		res->thing = AWS_ACT_CREATED;

	return r;
}

static int
device_policy(struct aws_client *c, const struct aws_device_want *want,
    const char *partition, struct aws_device_result *res)
{
	char *doc = NULL;
	char *have = NULL;
	int r;

	if (want->policy_template != NULL &&
	    (r = aws_policy_render(want->policy_template, partition,
	    res->region, res->account, want->thing, &doc)) != 0)
		return r;

	r = aws_iot_get_policy(c, want->policy, res->policy_arn, &have);
	if (r == 0) {
		if (doc != NULL && !same_json(doc, have)) {
			r = op_err(OP_RC(OP_LAYER_AWS, OP_E_EXISTS),
			    "policy '%s' exists in AWS IoT with a different "
			    "document; it was not replaced (compare with "
			    "'aws iot get-policy --policy-name %s', then "
			    "delete it or use another name)", want->policy,
			    want->policy);
			goto fail;
		}
		res->policy = AWS_ACT_REUSED;
		goto fail;
	}
	if (!IS_RC(r, OP_E_NOTFOUND))
		goto fail;
	if (doc == NULL) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOTFOUND),
		    "policy '%s' does not exist; give a policy file to "
		    "create it", want->policy);
		goto fail;
	}
	if ((r = aws_iot_create_policy(c, want->policy, doc,
	    res->policy_arn)) == 0)
		res->policy = AWS_ACT_CREATED;
fail:
	free(doc);
	free(have);

	return r;
}

static bool
array_has(json_t *arr, const char *key, const char *want)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = key ? json_string_value(json_object_get(v,
		    key)) : json_string_value(v);

		if (s != NULL && strcmp(s, want) == 0)
			return true;
	}

	return false;
}

static int
device_attach(struct aws_client *c, const struct aws_device_want *want,
    struct aws_device_result *res)
{
	json_t *list = NULL;
	int r;

	if (want->policy != NULL) {
		if ((r = aws_iot_list_attached_policies(c, res->cert_arn,
		    &list)) != 0)
			return r;
		if (array_has(list, "policyName", want->policy))
			res->policy_attach = AWS_ACT_ALREADY_ATTACHED;
		else if ((r = aws_iot_attach_policy(c, want->policy,
		    res->cert_arn)) == 0)
			res->policy_attach = AWS_ACT_ATTACHED;
		json_decref(list);
		list = NULL;
		if (r != 0)
			return r;
	}

	if (want->thing != NULL) {
		if ((r = aws_iot_list_thing_principals(c, want->thing,
		    &list)) != 0)
			return r;
		if (array_has(list, NULL, res->cert_arn))
			res->thing_attach = AWS_ACT_ALREADY_ATTACHED;
		else if ((r = aws_iot_attach_thing_principal(c, want->thing,
		    res->cert_arn)) == 0)
			res->thing_attach = AWS_ACT_ATTACHED;
		json_decref(list);
		if (r != 0)
			return r;
	}

	return 0;
}

int
aws_ensure_device(struct aws_client *c, const struct aws_device_want *want,
    struct aws_device_result *res)
{
	char partition[16];
	int r;

	memset(res, 0, sizeof(*res));

	/* the certificate, then what hangs on it */
	if ((r = device_cert(c, want, res)) != 0 ||
	    (r = aws_arn_parse(res->cert_arn, partition, res->region,
	    res->account)) != 0)
		return r;
	if (want->thing != NULL && (r = device_thing(c, want->thing, res)) !=
	    0)
		return r;
	if (want->policy != NULL && (r = device_policy(c, want, partition,
	    res)) != 0)
		return r;

	return device_attach(c, want, res);
}
