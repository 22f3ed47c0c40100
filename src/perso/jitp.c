/*
 * The provisioning template for JITP and the policy it names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perso/jitp.h"
#include "util/err.h"
#include "util/file.h"

static int
template_file(const char *path, char **body)
{
	json_error_t jerr;
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *doc;
	int r;

	*body = NULL;
	if ((r = op_file_read(path, 64 * 1024, &buf, &len)) != 0)
		return op_errctx(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "--jitp-template");
	if ((doc = json_loadb((char *)buf, len, 0, &jerr)) == NULL ||
	    !json_is_object(doc)) {
		json_decref(doc);
		free(buf);
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "--jitp-"
		    "template %s: not a JSON object (%s at line %d); a "
		    "provisioning template has \"Parameters\" and "
		    "\"Resources\"", path, jerr.text, jerr.line);
	}
	json_decref(doc);
	if (len > PERSO_JITP_TEMPLATE_MAX) {
		free(buf);
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE), "--jitp-"
		    "template %s: %zu characters; AWS takes at most %u",
		    path, len, PERSO_JITP_TEMPLATE_MAX);
	}
	*body = (char *)buf;

	return 0;
}

/*
 * JITP fills the AWS::IoT::Certificate::* parameters from the
 * certificate; Id is the only one every certificate has.  The thing is
 * the config's, as in the api mode; a per-chip thing ("${uid}" in the
 * config) cannot be written into a template registered once for all
 * chips, so it becomes the certificate's common name: give both the
 * same pattern.
 */
int
flow_jitp_template(struct flow *f, char **body)
{
	json_t *t;
	json_t *res;

	*body = NULL;
	if (f->o->jitp_template != NULL)
		return template_file(f->o->jitp_template, body);

	t = json_pack("{s:{s:{s:s}}}", "Parameters",
	    "AWS::IoT::Certificate::Id", "Type", "String");
	res = json_pack("{s:{s:s,s:{s:{s:s},s:s}}}", "certificate",
	    "Type", "AWS::IoT::Certificate", "Properties",
	    "CertificateId", "Ref", "AWS::IoT::Certificate::Id",
	    "Status", "ACTIVE");
	if (t != NULL && res != NULL && f->cfg->thing_pattern != NULL) {
		json_object_set_new(json_object_get(t, "Parameters"),
		    "AWS::IoT::Certificate::CommonName", json_pack("{s:s}",
		    "Type", "String"));
		json_object_set_new(res, "thing", json_pack(
		    "{s:s,s:{s:{s:s}}}", "Type", "AWS::IoT::Thing",
		    "Properties", "ThingName", "Ref",
		    "AWS::IoT::Certificate::CommonName"));
	} else if (t != NULL && res != NULL && f->cfg->thing != NULL) {
		json_object_set_new(res, "thing", json_pack("{s:s,s:{s:s}}",
		    "Type", "AWS::IoT::Thing", "Properties", "ThingName",
		    f->cfg->thing));
	}
	if (t != NULL && res != NULL && f->cfg->policy != NULL)
		json_object_set_new(res, "policy", json_pack("{s:s,s:{s:s}}",
		    "Type", "AWS::IoT::Policy", "Properties", "PolicyName",
		    f->cfg->policy));
	if (t != NULL && res != NULL) {
		json_object_set_new(t, "Resources", res);
		res = NULL;
		*body = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(res);
	json_decref(t);

	return *body != NULL ? 0 : op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
	    "out of memory");
}

int
flow_jitp_policy(struct flow *f, const char *ca_arn, const char *account,
    const char *policy_doc)
{
	const struct aws_error *e;
	char partition[16] = "aws";
	char arn[256];
	char *doc = NULL;
	const char *p;
	int r;

	if (f->cfg->policy == NULL)
		return 0;
	if ((r = aws_iot_get_policy(f->aws, f->cfg->policy, arn,
	    &doc)) == 0) {
		free(doc);
		return 0;
	}
	e = aws_client_error(f->aws);
	if (e == NULL || strcmp(e->code, "ResourceNotFoundException") != 0)
		return r;
	op_err_clear();

	/* arn:PARTITION:iot:REGION:ACCOUNT:cacert/ID */
	if (strncmp(ca_arn, "arn:", 4) == 0 && (p = strchr(ca_arn + 4,
	    ':')) != NULL && (size_t)(p - ca_arn - 4) < sizeof(partition))
		snprintf(partition, sizeof(partition), "%.*s",
		    (int)(p - ca_arn - 4), ca_arn + 4);
	if ((r = aws_policy_render(policy_doc, partition,
	    f->aws_cfg->region, account, f->cfg->thing, &doc)) != 0)
		return op_errctx(r, "policy %s", f->cfg->policy);
	r = aws_iot_create_policy(f->aws, f->cfg->policy, doc, arn);
	free(doc);

	return r;
}
