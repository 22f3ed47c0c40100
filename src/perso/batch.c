/*
 * The parallel runner: a pool of threads taking the next device from a
 * shared counter, each running the whole flow for it.
 *
 * What makes perso_run safe to run in several threads at once:
 *  - error messages (op_err) and OpenSSL's error queue are thread-local;
 *  - the provider keeps one connection per device URI under a lock, and
 *    the devices of a batch are distinct (checked when parsing);
 *  - the CA takes an exclusive flock of DIR/.lock around serial, signing
 *    and index.txt, and each thread opens its own descriptor, so threads
 *    serialise like processes do;
 *  - record lines are appended under flock, one write per line, fsync'd;
 *  - the providers are loaded here once before the threads start, so
 *    the chip connections live for the whole batch instead of being
 *    torn down and reopened between devices.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/provider.h>

#include "perso/batch.h"
#include "provider/oprov.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

struct batch {
	const struct perso_batch_opts *o;
	struct perso_batch_result *res;
	pthread_mutex_t lock;		/* next and progress calls */
	size_t next;
};

struct job {
	struct batch *b;
	size_t idx;
};

static void
job_progress(void *arg, const char *step, const char *what)
{
	struct job *j = arg;
	struct batch *b = j->b;

	if (b->o->progress == NULL)
		return;
	pthread_mutex_lock(&b->lock);
	b->o->progress(b->o->progress_arg, j->idx, step, what);
	pthread_mutex_unlock(&b->lock);
}

static void
run_one(struct batch *b, size_t idx)
{
	struct perso_batch_item *it = &b->res->items[idx];
	struct perso_opts o = *b->o->base;
	struct job j = { b, idx };
	uint64_t t0 = op_now_us();

	o.device = it->device;
	o.progress = job_progress;
	o.progress_arg = &j;
	job_progress(&j, NULL, "started");

	op_err_clear();
	it->rc = perso_run(&o, &it->summary);
	it->seconds = (double)(op_now_us() - t0) / 1e6;
	if (it->rc != 0)
		it->error = strdup(op_errmsg()[0] ? op_errmsg() : "failed");

	job_progress(&j, NULL, it->rc == 0 ? "personalized" : "failed");
}

static void *
worker(void *arg)
{
	struct batch *b = arg;
	size_t idx;

	for (;;) {
		pthread_mutex_lock(&b->lock);
		idx = b->next < b->res->n ? b->next++ : b->res->n;
		pthread_mutex_unlock(&b->lock);
		if (idx >= b->res->n)
			break;
		run_one(b, idx);
	}

	return NULL;
}

void
perso_batch_free(struct perso_batch_result **res)
{
	if (*res == NULL)
		return;
	for (size_t i = 0; i < (*res)->n; i++) {
		free((*res)->items[i].error);
		json_decref((*res)->items[i].summary);
	}
	free((*res)->items);
	free(*res);
	*res = NULL;
}

static unsigned
jobs_for(const struct perso_batch_opts *o)
{
	unsigned jobs = o->jobs;

	if (jobs == 0)
		jobs = 8;
	if (jobs > o->n_devices)
		jobs = (unsigned)o->n_devices;

	return jobs;
}

static int
check_opts(const struct perso_batch_opts *o)
{
	if (o->base == NULL || o->n_devices == 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "no devices to personalize");
	if (o->n_devices > PERSO_BATCH_MAX_DEVICES)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE), "%zu "
		    "devices in one batch; at most %u (split the list)",
		    o->n_devices, PERSO_BATCH_MAX_DEVICES);
	if (o->jobs > PERSO_BATCH_MAX_JOBS)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE), "--jobs %u: "
		    "at most %u", o->jobs, PERSO_BATCH_MAX_JOBS);
	if (o->base->ca_pass.source == CA_PASS_PROMPT && o->n_devices > 1)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "several "
		    "devices cannot share a passphrase prompt; give the CA "
		    "passphrase with --ca-pass file:PATH or env:VARIABLE");

	return 0;
}

int
perso_batch_run(const struct perso_batch_opts *opts,
    struct perso_batch_result **out)
{
	struct batch b;
	pthread_t tid[PERSO_BATCH_MAX_JOBS];
	OSSL_PROVIDER *deflt = NULL;
	OSSL_PROVIDER *prov = NULL;
	unsigned jobs;
	unsigned started = 0;
	uint64_t t0 = op_now_us();
	int r;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if ((r = check_opts(opts)) != 0)
		return r;
	jobs = jobs_for(opts);
	b.o = opts;
	if ((b.res = calloc(1, sizeof(*b.res))) == NULL ||
	    (b.res->items = calloc(opts->n_devices,
	    sizeof(*b.res->items))) == NULL) {
		free(b.res);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	b.res->n = opts->n_devices;
	for (size_t i = 0; i < b.res->n; i++)
		b.res->items[i].device = opts->devices[i];

	/* the connections then stay open from one step to the next */
	if ((deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		r = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot load OpenSSL's default provider");
		goto fail;
	}
	if ((r = oprov_load(NULL, &prov)) != 0)
		goto fail;

	pthread_mutex_init(&b.lock, NULL);
	for (; started < jobs; started++)
		if (pthread_create(&tid[started], NULL, worker, &b) != 0)
			break;
	if (started == 0) {
		/* no thread at all: do the work here */
		worker(&b);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&b.lock);
	b.res->seconds = (double)(op_now_us() - t0) / 1e6;

	for (size_t i = 0; i < b.res->n; i++)
		b.res->n_ok += b.res->items[i].rc == 0;
	r = 0;
	for (size_t i = 0; i < b.res->n && r == 0; i++) {
		struct perso_batch_item *it = &b.res->items[i];

		/* the first failure in the order given sets the status */
		if (it->rc != 0)
			r = op_err(it->rc, "%s: %s (%zu of %zu devices "
			    "failed)", it->device, it->error ? it->error :
			    "failed", b.res->n - b.res->n_ok, b.res->n);
	}
	*out = b.res;
	b.res = NULL;
fail:
	if (prov != NULL)
		OSSL_PROVIDER_unload(prov);
	if (deflt != NULL)
		OSSL_PROVIDER_unload(deflt);
	perso_batch_free(&b.res);

	return r;
}

/* --- device lists -------------------------------------------------------- */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';

	return s;
}

/*
 * Split text (modified in place) at sep into a NULL-terminated array;
 * with comments, '#' to the end of an item is dropped.
 */
static int
split(char *text, char sep, bool comments, const char *what, char ***devs,
    size_t *n)
{
	size_t cap = 1;
	char **v;
	size_t k = 0;
	unsigned lineno = 0;

	for (const char *p = text; *p != '\0'; p++)
		cap += *p == sep;
	if ((v = calloc(cap + 1, sizeof(*v))) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");

	for (char *item = text, *next; item != NULL; item = next) {
		char *hash;

		lineno++;
		if ((next = strchr(item, sep)) != NULL)
			*next++ = '\0';
		if (comments && (hash = strchr(item, '#')) != NULL)
			*hash = '\0';
		item = trim(item);
		if (*item == '\0')
			continue;
		for (size_t i = 0; i < k; i++)
			if (strcmp(v[i], item) == 0) {
				free(v);
				return op_err(OP_RC(OP_LAYER_USAGE,
				    OP_E_INVAL), "%s: device %s is listed "
				    "twice (item %u); each chip once",
				    what, item, lineno);
			}
		v[k++] = item;
	}
	if (k == 0) {
		free(v);
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "%s: no "
		    "devices; give URIs such as sim:/tmp/chip1.sock or "
		    "i2c:/dev/i2c-1", what);
	}
	*devs = v;
	*n = k;

	return 0;
}

/*
 * The strings are copied behind the pointer array so that one free()
 * releases everything.
 */
static int
pack(char **v, size_t n, char ***out)
{
	size_t bytes = (n + 1) * sizeof(char *);
	char **w;
	char *p;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	if ((w = malloc(bytes)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	p = (char *)(w + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		memcpy(p, v[i], len);
		w[i] = p;
		p += len;
	}
	w[n] = NULL;
	*out = w;

	return 0;
}

static int
parse_text(char *text, char sep, bool comments, const char *what,
    char ***devs, size_t *n)
{
	char **v = NULL;
	int r;

	*devs = NULL;
	*n = 0;
	if ((r = split(text, sep, comments, what, &v, n)) != 0)
		return r;
	r = pack(v, *n, devs);
	free(v);
	if (r != 0)
		*n = 0;

	return r;
}

int
perso_batch_parse_list(const char *list, char ***devs, size_t *n)
{
	char *copy = strdup(list);
	int r;

	if (copy == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	r = parse_text(copy, ',', false, "--devices", devs, n);
	free(copy);

	return r;
}

int
perso_batch_read_file(const char *path, char ***devs, size_t *n)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*devs = NULL;
	*n = 0;
	if ((r = op_file_read(path, 1u << 20, &buf, &len)) != 0)
		return op_errctx(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "--devices-file");
	r = parse_text((char *)buf, '\n', true, path, devs, n);
	free(buf);

	return r;
}
