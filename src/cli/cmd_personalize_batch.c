/*
 * personalize --devices / --devices-file: many chips at once.  The work
 * is perso_batch_run(); this file shows progress and prints the table.
 *
 * Progress goes to stderr: on a terminal one live line per chip, redrawn
 * in place; otherwise (a log, a pipe) plain lines, one when a chip starts
 * and one when it ends, every step too with -v.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "perso/batch.h"
#include "util/err.h"

/* More chips than this and the live view would not fit a screen. */
#define LIVE_MAX	40

struct view {
	struct cli *cli;
	const char *const *devices;
	size_t n;
	bool live;
	bool plain;
	bool drawn;
	size_t done;
	char (*line)[96];
};

static void
view_draw(struct view *v)
{
	if (v->drawn)
		fprintf(stderr, "\033[%zuA", v->n);
	for (size_t i = 0; i < v->n; i++)
		fprintf(stderr, "\r\033[K%-28.28s %s\n", v->devices[i],
		    v->line[i]);
	fflush(stderr);
	v->drawn = true;
}

static void
view_progress(void *arg, size_t idx, const char *step, const char *what)
{
	struct view *v = arg;

	if (step == NULL && strcmp(what, "started") != 0)
		v->done++;
	if (v->live) {
		if (step != NULL)
			snprintf(v->line[idx], sizeof(v->line[idx]),
			    "%-11s %s", step, what);
		else
			snprintf(v->line[idx], sizeof(v->line[idx]), "%s",
			    what);
		view_draw(v);
		return;
	}
	if (!v->plain || (step != NULL && v->cli->verbose == 0))
		return;
	if (step != NULL)
		fprintf(stderr, "%s: %-11s %s\n", v->devices[idx], step, what);
	else
		fprintf(stderr, "%s: %s (%zu of %zu done)\n",
		    v->devices[idx], what, v->done, v->n);
}

static const char *
str_of(json_t *sum, const char *key)
{
	const char *s = json_string_value(json_object_get(sum, key));

	return s != NULL ? s : "-";
}

static void
print_table(struct cli *cli, const struct perso_batch_result *res)
{
	cli_say(cli, "%-28s %-54s %-34s %-8s %8s\n", "DEVICE", "UID",
	    "SERIAL", "OUTCOME", "SECONDS");
	for (size_t i = 0; i < res->n; i++) {
		const struct perso_batch_item *it = &res->items[i];

		cli_say(cli, "%-28s %-54s %-34s %-8s %8.2f\n", it->device,
		    str_of(it->summary, "uid"), str_of(it->summary, "serial"),
		    it->rc == 0 ? "ok" : "FAILED", it->seconds);
	}
	cli_say(cli, "%zu of %zu personalized in %.2f s", res->n_ok, res->n,
	    res->seconds);
	if (res->seconds > 0)
		cli_say(cli, " (%.0f devices/h)", (double)res->n_ok * 3600.0 /
		    res->seconds);
	cli_say(cli, "\n");
	for (size_t i = 0; i < res->n; i++)
		if (res->items[i].rc != 0)
			cli_say(cli, "%s: %s\n", res->items[i].device,
			    res->items[i].error ? res->items[i].error :
			    "failed");
}

static json_t *
result_json(const struct perso_batch_result *res)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < res->n; i++) {
		const struct perso_batch_item *it = &res->items[i];
		char name[64];
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:f,s:O*}",
		    "device", it->device, "uid", str_of(it->summary, "uid"),
		    "serial", str_of(it->summary, "serial"), "outcome",
		    it->rc == 0 ? "ok" : "failed", "ok", it->rc == 0,
		    "seconds", it->seconds, "summary", it->summary);

		if (o != NULL && it->rc != 0) {
			op_strerr(it->rc, name, sizeof(name));
			json_object_set_new(o, "error", json_string(it->error ?
			    it->error : "failed"));
			json_object_set_new(o, "status", json_string(name));
			json_object_set_new(o, "exit_code",
			    json_integer(op_exit_code(it->rc)));
		}
		json_array_append_new(arr, o);
	}

	return arr;
}

int
cli_personalize_batch(struct cli *cli, const struct perso_opts *o,
    const char *list, const char *file, unsigned jobs)
{
	struct perso_batch_opts bo;
	struct perso_batch_result *res = NULL;
	struct view v;
	char **devs = NULL;
	size_t n = 0;
	int r;

	if (list != NULL && file != NULL)
		return cli_usage_error(cli, "give --devices or "
		    "--devices-file, not both");
	if (list != NULL)
		r = perso_batch_parse_list(list, &devs, &n);
	else
		r = perso_batch_read_file(file, &devs, &n);
	if (r != 0)
		return r;

	memset(&v, 0, sizeof(v));
	v.cli = cli;
	v.devices = (const char *const *)devs;
	v.n = n;
	v.live = !cli->quiet && isatty(STDERR_FILENO) && n <= LIVE_MAX;
	v.plain = !cli->quiet && !v.live;
	if (v.live && (v.line = calloc(n, sizeof(*v.line))) == NULL)
		v.live = false;
	for (size_t i = 0; v.live && i < n; i++)
		strcpy(v.line[i], "waiting");

	memset(&bo, 0, sizeof(bo));
	bo.base = o;
	bo.devices = (const char *const *)devs;
	bo.n_devices = n;
	bo.jobs = jobs;
	bo.progress = view_progress;
	bo.progress_arg = &v;
	r = perso_batch_run(&bo, &res);

	if (res != NULL && cli->json) {
		cli_print_json(result_json(res));
		/* the array is the whole answer; no second error document */
		cli->json = false;
	} else if (res != NULL) {
		print_table(cli, res);
	}
	perso_batch_free(&res);
	free(v.line);
	free(devs);

	return r;
}
