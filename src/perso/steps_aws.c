/*
 * The AWS IoT steps of the flow.  Both are idempotent by construction
 * (aws_ensure_*: find by certificate ID or name, create only what is
 * missing), so they run on every pass and say "already done" when AWS
 * already holds everything as wanted.
 *
 * The CA's registration is remembered in <CA dir>/aws.json (the same
 * file 'aws register-ca' keeps), so that other chips signed by the same
 * CA skip the registration code dance.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "perso/flow_int.h"
#include "perso/jitp.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

static int
pem_of(X509 *x, char **out)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *data;
	long len;

	*out = NULL;
	if (mem == NULL || !PEM_write_bio_X509(mem, x)) {
		BIO_free(mem);
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode a certificate as PEM");
	}
	len = BIO_get_mem_data(mem, &data);
	*out = strndup(data, (size_t)len);
	BIO_free(mem);

	return *out ? 0 : op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
	    "out of memory");
}

static int
client(struct flow *f)
{
	int r;

	if (f->aws != NULL)
		return 0;
	if ((r = aws_config_load(&f->o->aws, &f->aws_cfg)) != 0)
		return r;

	return aws_client_new(f->aws_cfg, &f->aws);
}

/* --- aws-ca -------------------------------------------------------------- */

static int
make_verification(void *arg, const char *code, char **pem)
{
	struct flow *f = arg;
	X509 *v = NULL;
	int r;

	/* only now is the CA key needed (and its passphrase asked for) */
	if (f->ca == NULL && (r = ca_open_with(f->ca_dir, f->o->ca_key,
	    &f->o->ca_pass, &f->ca)) != 0)
		return r;
	if ((r = ca_issue_verification_cert(f->ca, code, &v)) != 0)
		return r;
	r = pem_of(v, pem);
	X509_free(v);

	return r;
}

int
flow_aws_ca_done(struct flow *f)
{
	(void)f;

	/* always asked: AWS is the authority on what it holds */
	return 0;
}

/*
 * Chips personalized in parallel (batch.c) share one CA: one thread at a
 * time registers it, the others then find it in aws.json.
 */
static pthread_mutex_t aws_ca_lock = PTHREAD_MUTEX_INITIALIZER;

static int policy_template(struct flow *f, char **tmpl);

static int
aws_ca_run(struct flow *f, json_t *line)
{
	struct aws_ca_want want;
	struct aws_ca_result res;
	struct ca *ca = NULL;
	char *ca_pem = NULL;
	char *jitp = NULL;
	char *policy = NULL;
	char known[65];
	bool jitp_mode = f->o->registration == PERSO_REG_JITP;
	int r;

	if ((r = client(f)) != 0)
		return r;
	if (jitp_mode && ((r = flow_jitp_template(f, &jitp)) != 0 ||
	    (r = policy_template(f, &policy)) != 0))
		goto out;
	if ((r = ca_open_cert_only(f->ca_dir, &ca)) != 0 ||
	    (r = pem_of(ca_cert(ca), &ca_pem)) != 0)
		goto out;
	aws_ca_state_known(f->ca_dir, f->aws_cfg->endpoint_url, known);

	memset(&want, 0, sizeof(want));
	want.ca_pem = ca_pem;
	want.allow_auto_registration = f->o->auto_registration || jitp_mode;
	want.jitp_template = jitp;
	want.jitp_role_arn = jitp_mode ? f->o->jitp_role_arn : NULL;
	want.known_id = known[0] ? known : NULL;
	want.make_verification = make_verification;
	want.arg = f;
	memset(&res, 0, sizeof(res));
	if ((r = aws_ensure_ca(f->aws, &want, &res)) != 0)
		goto out;
	if ((r = aws_ca_state_save(f->ca_dir, f->aws_cfg, &res,
	    want.allow_auto_registration)) != 0)
		goto out;
	if (jitp_mode && (r = flow_jitp_policy(f, res.arn, res.account,
	    policy)) != 0)
		goto out;

	memcpy(f->aws_ca_id, res.id, sizeof(f->aws_ca_id));
	f->unchanged = res.action == AWS_ACT_REUSED && !res.activated &&
	    !res.auto_registration_changed &&
	    !res.registration_config_changed;
	json_object_set_new(line, "aws_ca_id", json_string(res.id));
	json_object_set_new(line, "aws_ca_arn", json_string(res.arn));
	json_object_set_new(line, "aws_ca_action",
	    json_string(aws_action_name(res.action)));
	if (jitp_mode)
		json_object_set_new(line, "aws_registration",
		    json_string("jitp"));
out:
	free(policy);
	free(jitp);
	free(ca_pem);
	ca_close(&ca);

	return r;
}

int
flow_aws_ca_run(struct flow *f, json_t *line)
{
	int r;

	pthread_mutex_lock(&aws_ca_lock);
	r = aws_ca_run(f, line);
	pthread_mutex_unlock(&aws_ca_lock);

	return r;
}

/* --- aws-device ---------------------------------------------------------- */

int
flow_aws_device_done(struct flow *f)
{
	(void)f;

	return 0;
}

/*
 * The policy created when the config names one that does not exist and
 * gives no document: a device may connect as its own thing and use the
 * topics under its thing name, nothing else.  One policy serves a whole
 * product line, so it names no thing: AWS substitutes the connecting
 * thing for ${iot:Connection.Thing.ThingName}.
 */
static const char default_policy[] =
"{\n"
"  \"Version\": \"2012-10-17\",\n"
"  \"Statement\": [\n"
"    {\"Effect\": \"Allow\", \"Action\": \"iot:Connect\",\n"
"     \"Resource\": \"arn:${partition}:iot:${region}:${account}:client/"
"${iot:Connection.Thing.ThingName}\"},\n"
"    {\"Effect\": \"Allow\", \"Action\": [\"iot:Publish\", "
"\"iot:Receive\"],\n"
"     \"Resource\": \"arn:${partition}:iot:${region}:${account}:topic/"
"${iot:Connection.Thing.ThingName}/*\"},\n"
"    {\"Effect\": \"Allow\", \"Action\": \"iot:Subscribe\",\n"
"     \"Resource\": \"arn:${partition}:iot:${region}:${account}:"
"topicfilter/${iot:Connection.Thing.ThingName}/*\"}\n"
"  ]\n"
"}\n";

static int
policy_template(struct flow *f, char **tmpl)
{
	const char *path = f->o->policy_file ? f->o->policy_file :
	    f->cfg->policy_document;
	uint8_t *buf;
	size_t len;
	int r;

	*tmpl = NULL;
	if (path == NULL) {
		*tmpl = strdup(default_policy);
		return *tmpl ? 0 : op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	if ((r = op_file_read(path, 64 * 1024, &buf, &len)) != 0)
		return op_errctx(r, "policy document");
	*tmpl = (char *)buf;

	return 0;
}

int
flow_aws_device_run(struct flow *f, json_t *line)
{
	struct aws_device_want want;
	struct aws_device_result res;
	struct ca *ca = NULL;
	char *ca_pem = NULL;
	char *cert_pem = NULL;
	char *tmpl = NULL;
	int r;

	if (f->o->registration == PERSO_REG_JITP) {
		/* AWS registers the certificate when the chip connects */
		const char *was = json_string_value(json_object_get(f->state,
		    "aws_registration"));
		const char *ca_was = json_string_value(json_object_get(
		    f->state, "aws_ca_id"));

		f->unchanged = was != NULL && strcmp(was, "jitp") == 0 &&
		    ca_was != NULL && strcmp(ca_was, f->aws_ca_id) == 0;
		json_object_set_new(line, "aws_registration",
		    json_string("jitp"));
		json_object_set_new(line, "aws_ca_id",
		    json_string(f->aws_ca_id));
		return 0;
	}
	if ((r = client(f)) != 0)
		return r;
	if ((r = ca_open_cert_only(f->ca_dir, &ca)) != 0 ||
	    (r = pem_of(ca_cert(ca), &ca_pem)) != 0 ||
	    (r = pem_of(f->cert, &cert_pem)) != 0 ||
	    (r = policy_template(f, &tmpl)) != 0)
		goto out;

	memset(&want, 0, sizeof(want));
	want.cert_pem = cert_pem;
	want.ca_pem = ca_pem;
	want.thing = f->cfg->thing;
	want.policy = f->cfg->policy;
	want.policy_template = tmpl;
	memset(&res, 0, sizeof(res));
	if ((r = aws_ensure_device(f->aws, &want, &res)) != 0)
		goto out;

	f->unchanged = res.cert == AWS_ACT_REUSED &&
	    (want.thing == NULL || (res.thing == AWS_ACT_REUSED &&
	    res.thing_attach == AWS_ACT_ALREADY_ATTACHED)) &&
	    (want.policy == NULL || (res.policy == AWS_ACT_REUSED &&
	    res.policy_attach == AWS_ACT_ALREADY_ATTACHED));
	json_object_set_new(line, "aws_cert_id", json_string(res.cert_id));
	json_object_set_new(line, "aws_cert_arn", json_string(res.cert_arn));
	json_object_set_new(line, "aws_cert_action",
	    json_string(aws_action_name(res.cert)));
	if (want.thing != NULL) {
		json_object_set_new(line, "thing", json_string(want.thing));
		json_object_set_new(line, "thing_arn",
		    json_string(res.thing_arn));
	}
	if (want.policy != NULL) {
		json_object_set_new(line, "policy", json_string(want.policy));
		json_object_set_new(line, "policy_arn",
		    json_string(res.policy_arn));
	}
out:
	free(tmpl);
	free(cert_pem);
	free(ca_pem);
	ca_close(&ca);

	return r;
}
