/*
 * <CA dir>/aws.json: which AWS IoT endpoints a CA was registered with,
 * so that the next run (of any chip signed by that CA) starts from the
 * known certificate ID instead of a new registration code.  AWS stays
 * the authority: the ID is only a hint that aws_ensure_ca() checks.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "util/err.h"
#include "util/file.h"

#define AWS_JSON "aws.json"

static json_t *
state_load(const char *dir)
{
	char *path = NULL;
	json_t *doc = NULL;

	if (asprintf(&path, "%s/" AWS_JSON, dir) < 0)
		return NULL;
	doc = json_load_file(path, 0, NULL);
	free(path);
	if (!json_is_object(doc) ||
	    !json_is_array(json_object_get(doc, "registrations"))) {
		json_decref(doc);
		doc = json_pack("{s:i,s:[]}", "version", 1, "registrations");
	}

	return doc;
}

static json_t *
state_entry(json_t *doc, const char *endpoint)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(doc, "registrations"), i, e) {
		const char *s = json_string_value(json_object_get(e,
		    "endpoint"));

		if (s != NULL && strcmp(s, endpoint) == 0)
			return e;
	}

	return NULL;
}

void
aws_ca_state_known(const char *dir, const char *endpoint, char id[65])
{
	json_t *doc = state_load(dir);
	const char *v;

	id[0] = '\0';
	v = json_string_value(json_object_get(state_entry(doc, endpoint),
	    "certificateId"));
	if (v != NULL && strlen(v) == 64)
		memcpy(id, v, 65);
	json_decref(doc);
}

int
aws_ca_state_save(const char *dir, const struct aws_config *cfg,
    const struct aws_ca_result *res, bool auto_reg)
{
	json_t *doc = NULL;
	json_t *now = NULL;
	json_t *e;
	char *path = NULL;
	char *text = NULL;
	int r;

	if ((doc = state_load(dir)) == NULL ||
	    (now = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "endpoint",
	    cfg->endpoint_url, "region", cfg->region, "certificateId",
	    res->id, "certificateArn", res->arn, "account", res->account,
	    "autoRegistration", auto_reg)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto out;
	}

	/* unchanged: leave the file alone, a second run is a no-op */
	e = state_entry(doc, cfg->endpoint_url);
	if (e != NULL && json_equal(e, now)) {
		r = 0;
		goto out;
	}
	if (e != NULL)
		json_object_update(e, now);
	else
		json_array_append(json_object_get(doc, "registrations"), now);

	if (asprintf(&path, "%s/" AWS_JSON, dir) < 0 || (text =
	    json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto out;
	}
	if ((r = op_file_write_atomic(path, text, strlen(text), 0644)) != 0)
		op_errctx(r, "recording the registration in %s", path);
out:
	free(path);
	free(text);
	json_decref(now);
	json_decref(doc);

	return r;
}
