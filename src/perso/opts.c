/*
 * Options of a production run: how certificates reach AWS IoT, where the
 * CA key lives, and the bulk-registration export.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "perso/batch.h"
#include "util/err.h"

#define USAGE_ERR(code) OP_RC(OP_LAYER_USAGE, code)

int
perso_registration_parse(const char *s, enum perso_registration *out)
{
	if (strcmp(s, "api") == 0)
		*out = PERSO_REG_API;
	else if (strcmp(s, "jitp") == 0)
		*out = PERSO_REG_JITP;
	else if (strcmp(s, "none") == 0)
		*out = PERSO_REG_NONE;
	else
		return op_err(USAGE_ERR(OP_E_INVAL), "--registration '%s': "
		    "use api (register each certificate now), jitp (devices "
		    "register on first connection) or none (export for bulk "
		    "registration)", s);

	return 0;
}

int
perso_opts_check(struct perso_opts *o)
{
	if (o->registration == PERSO_REG_JITP && o->no_aws)
		return op_err(USAGE_ERR(OP_E_INVAL), "--no-aws and "
		    "--registration jitp contradict each other; JITP "
		    "registers the CA with AWS IoT");
	if (o->registration == PERSO_REG_JITP && o->jitp_role_arn == NULL)
		return op_err(USAGE_ERR(OP_E_INVAL), "--registration jitp "
		    "needs --jitp-role ARN: the IAM role AWS IoT assumes to "
		    "run the provisioning template (e.g. one with the "
		    "AWSIoTThingsRegistration policy)");
	if (o->registration != PERSO_REG_JITP && (o->jitp_role_arn != NULL ||
	    o->jitp_template != NULL))
		return op_err(USAGE_ERR(OP_E_INVAL), "--jitp-role and "
		    "--jitp-template apply to --registration jitp only");
	if (o->ca_key != NULL && strncmp(o->ca_key, "pkcs11:", 7) != 0)
		return op_err(USAGE_ERR(OP_E_INVAL), "--ca-key '%s': give a "
		    "PKCS#11 URI (RFC 7512) such as "
		    "\"pkcs11:token=ca;object=ca-key\"", o->ca_key);
	if (o->registration == PERSO_REG_NONE)
		o->no_aws = true;

	return 0;
}

int
perso_bulk_export_for(const struct perso_opts *o, size_t *count,
    const char **where)
{
	struct perso_bulk_opts bo;
	struct perso_config *cfg = NULL;
	const char *out = o->out_dir ? o->out_dir : "optiga-perso-out";
	char record[PATH_MAX];
	int r;

	*count = 0;
	*where = out;
	if ((r = perso_config_load(o->config_path, 0, &cfg)) != 0)
		return r;
	if (o->record_path != NULL)
		snprintf(record, sizeof(record), "%s", o->record_path);
	else
		snprintf(record, sizeof(record), "%s/records.jsonl", out);

	memset(&bo, 0, sizeof(bo));
	bo.record_path = record;
	bo.chips_dir = out;
	bo.ca_dir = o->ca_dir != NULL ? o->ca_dir : cfg->ca_dir;
	bo.out_dir = out;
	bo.thing = cfg->thing;
	bo.policy = cfg->policy;
	if (bo.ca_dir == NULL)
		r = op_err(USAGE_ERR(OP_E_INVAL), "no CA: give --ca DIR or "
		    "\"ca_dir\" in %s", o->config_path);
	else
		r = perso_manifest_export_bulk(&bo, count);
	perso_config_free(&cfg);
	if (r != 0)
		return op_errctx(r, "bulk registration export");

	return 0;
}
