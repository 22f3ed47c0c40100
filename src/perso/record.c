/*
 * Per-chip record in JSON lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "perso/record.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

static void
utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
record_append(const char *path, const char *uid, const char *step,
    json_t *obj)
{
	json_t *line;
	char at[32];
	char *text;
	int r;

	utc_now(at, sizeof(at));
	if ((line = obj) == NULL && (line = json_object()) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	json_object_set_new(line, "at", json_string(at));
	json_object_set_new(line, "uid", json_string(uid));
	json_object_set_new(line, "step", json_string(step));

	text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(line);
	if (text == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "cannot encode the record line");

	r = op_file_append_line(path, text, 0644);
	free(text);

	return r;
}

static void
fold_line(json_t *state, json_t *line)
{
	json_t *steps = json_incref(json_object_get(state, "steps"));
	const char *step = json_string_value(json_object_get(line, "step"));
	const char *outcome = json_string_value(json_object_get(line,
	    "outcome"));

	json_object_update(state, line);
	json_object_del(state, "step");
	json_object_del(state, "outcome");
	if (step != NULL)
		json_object_set_new(steps, step,
		    json_string(outcome ? outcome : "ok"));
	json_object_set_new(state, "steps", steps);
}

int
record_load(const char *path, const char *uid, json_t **state)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	json_t *st;

	if ((st = json_object()) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	json_object_set_new(st, "steps", json_object());
	*state = st;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO),
		    "cannot read the record %s: %s", path, strerror(errno));
	}
	flock(fileno(f), LOCK_SH);
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *obj;
		const char *u;

		lineno++;
		if ((obj = json_loads(line, 0, &jerr)) == NULL) {
			OP_WARN("record", "%s:%u: skipped, not JSON (%s)",
			    path, lineno, jerr.text);
			continue;
		}
		u = json_string_value(json_object_get(obj, "uid"));
		if (u != NULL && strcmp(u, uid) == 0)
			fold_line(st, obj);
		json_decref(obj);
	}
	free(line);
	fclose(f);

	return 0;
}

const char *
record_step_outcome(json_t *state, const char *step)
{
	return json_string_value(json_object_get(json_object_get(state,
	    "steps"), step));
}
