/*
 * Client-side rate limits per AWS IoT operation, shared by every client
 * and thread of the process, so that a station personalizing many chips
 * at once stays under the account's default quotas instead of learning
 * them from ThrottlingException and backoff.
 *
 * Each operation has a rate; calls are spaced 1/rate apart: a caller
 * reserves the next free slot under a lock and sleeps until it.  The
 * spacing (no burst) keeps any one-second window at or under the rate
 * plus one, whatever the other threads do.
 *
 * The defaults are AWS IoT Core's default quotas (performance-anchors.md
 * section 4).  OPTIGA_AWS_TPS overrides them: "off", or a comma-separated
 * list of OPERATION=TPS with "*" for every operation not named, e.g.
 * "RegisterCertificate=5,*=20".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_int.h"
#include "util/clock.h"
#include "util/log.h"

struct rate {
	char op[48];
	double tps;			/* 0: unlimited */
	uint64_t next_us;		/* first free slot, monotonic */
};

/* AWS IoT Core default quotas, requests per second (all adjustable). */
static const struct {
	const char *op;
	double tps;
} quota_defaults[] = {
	{ "RegisterCACertificate", 10 },
	{ "RegisterCertificate", 10 },
	{ "RegisterCertificateWithoutCA", 10 },
	{ "CreateThing", 100 },
	{ "AttachThingPrincipal", 100 },
	{ "AttachPolicy", 15 },
	{ "CreatePolicy", 10 },
	{ "UpdateCertificate", 10 },
	{ "DescribeCertificate", 10 },
	{ "CreateCertificateFromCsr", 15 },
	{ "StartThingRegistrationTask", 10 },
};

/*
 * Operations the fact sheet gives no figure for (DescribeCACertificate,
 * GetPolicy, List*, ...).  [inferred] 10 TPS, the lowest default of the
 * listed control-plane APIs, so an unknown quota is not exceeded.
 */
#define RATE_OTHER_TPS	10.0

#define MAX_RATES	64

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rate rates[MAX_RATES];
static size_t n_rates;
static double other_tps = RATE_OTHER_TPS;
static bool configured;
static bool disabled;

static struct rate *
rate_add(const char *op, double tps)
{
	struct rate *r;

	for (size_t i = 0; i < n_rates; i++)
		if (strcmp(rates[i].op, op) == 0) {
			rates[i].tps = tps;
			return &rates[i];
		}
	if (n_rates == MAX_RATES)
		return NULL;
	r = &rates[n_rates++];
	snprintf(r->op, sizeof(r->op), "%s", op);
	r->tps = tps;
	r->next_us = 0;

	return r;
}

/* OPTIGA_AWS_TPS; a malformed item is a warning, never a failure. */
static void
configure_env(const char *spec)
{
	char buf[1024];
	char *save = NULL;

	if (strcmp(spec, "off") == 0 || strcmp(spec, "0") == 0) {
		disabled = true;
		return;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		char *end;
		double tps;

		if (eq == NULL || eq == item || (tps = strtod(eq + 1,
		    &end)) < 0 || end == eq + 1 || *end != '\0') {
			OP_WARN("aws", "OPTIGA_AWS_TPS: '%s' ignored; give "
			    "OPERATION=TPS (e.g. RegisterCertificate=5, "
			    "*=20) or off", item);
			continue;
		}
		*eq = '\0';
		if (strcmp(item, "*") == 0)
			other_tps = tps;
		else
			rate_add(item, tps);
	}
}

static void
configure(void)
{
	const char *env = getenv("OPTIGA_AWS_TPS");

	for (size_t i = 0; i < sizeof(quota_defaults) /
	    sizeof(quota_defaults[0]); i++)
		rate_add(quota_defaults[i].op, quota_defaults[i].tps);
	if (env != NULL && env[0] != '\0')
		configure_env(env);
	configured = true;
}

uint64_t
aws_ratelimit_reserve(const char *op)
{
	uint64_t now = op_now_us();
	uint64_t at;
	struct rate *r = NULL;
	double tps;

	pthread_mutex_lock(&rate_lock);
	if (!configured)
		configure();
	if (disabled) {
		pthread_mutex_unlock(&rate_lock);
		return 0;
	}
	for (size_t i = 0; i < n_rates && r == NULL; i++)
		if (strcmp(rates[i].op, op) == 0)
			r = &rates[i];
	if (r == NULL)
		r = rate_add(op, other_tps);
	tps = r != NULL ? r->tps : other_tps;
	if (r == NULL || tps <= 0) {
		pthread_mutex_unlock(&rate_lock);
		return 0;
	}
	at = r->next_us > now ? r->next_us : now;
	r->next_us = at + (uint64_t)(1e6 / tps);
	pthread_mutex_unlock(&rate_lock);

	return at - now;
}

void
aws_ratelimit_reset(void)
{
	pthread_mutex_lock(&rate_lock);
	n_rates = 0;
	other_tps = RATE_OTHER_TPS;
	configured = false;
	disabled = false;
	pthread_mutex_unlock(&rate_lock);
}
