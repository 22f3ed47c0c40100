/*
 * The fault plan: parsing --faults SPEC and the decisions the link side
 * asks for at each transaction and command.  Pure state plus one
 * generator; the link side applies the outcome (dev.c, dl.c, exec.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

#include "fault.h"

#define MOD "sim-fault"
/* Exit status of kill=: the process "lost power" (EX_TEMPFAIL). */
#define FAULT_KILL_EXIT	75

static const struct {
	uint8_t code;
	const char *name;
} fault_cmds[] = {
	{ 0x01, "GetDataObject" },
	{ 0x02, "SetDataObject" },
	{ 0x03, "SetObjectProtected" },
	{ 0x0C, "GetRandom" },
	{ 0x30, "CalcHash" },
	{ 0x31, "CalcSign" },
	{ 0x32, "VerifySign" },
	{ 0x33, "CalcSSec" },
	{ 0x34, "DeriveKey" },
	{ 0x38, "GenKeyPair" },
	{ 0x70, "OpenApplication" },
	{ 0x71, "CloseApplication" },
};

const char *
sim_fault_cmd_name(uint8_t code)
{
	for (size_t i = 0; i < sizeof(fault_cmds) / sizeof(fault_cmds[0]);
	    i++)
		if (fault_cmds[i].code == (code & 0x7f))
			return fault_cmds[i].name;

	return "?";
}

static bool
fault_known_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(fault_cmds) / sizeof(fault_cmds[0]);
	    i++)
		if (strcmp(fault_cmds[i].name, name) == 0)
			return true;

	return false;
}

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t
fault_next(struct sim_fault *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

	return z ^ (z >> 31);
}

/* true with probability p */
static bool
fault_chance(struct sim_fault *f, double p)
{
	if (p <= 0)
		return false;

	return (double)(fault_next(f) >> 11) * 0x1.0p-53 < p;
}

static int
fault_usage(const char *item, const char *why)
{
	return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "--faults: '%s': %s "
	    "(see docs/faults.md)", item, why);
}

static int
fault_rate(const char *item, const char *v, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(*out >= 0) ||
	    *out > 1)
		return fault_usage(item, "expected a rate 0..1, such as 0.01");

	return 0;
}

static int
fault_uint(const char *item, const char *v, unsigned long long max,
    unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || *v == '-' ||
	    *out > max)
		return fault_usage(item, "expected a whole number");

	return 0;
}

/* nack=RATE:LEN */
static int
fault_parse_nack(const char *item, char *v, struct sim_fault *f)
{
	unsigned long long n = 1;
	char *colon = strchr(v, ':');
	int r;

	if (colon != NULL) {
		*colon = '\0';
		if ((r = fault_uint(item, colon + 1, 10000, &n)) != 0)
			return r;
		if (n == 0)
			return fault_usage(item, "a burst is at least 1 "
			    "transaction");
	}
	if ((r = fault_rate(item, v, &f->nack)) != 0)
		return r;
	f->nack_len = (unsigned)n;

	return 0;
}

/* CMD[:N][:old|new|stay] */
static int
fault_parse_cmd(const char *item, char *v, enum sim_fault_when when,
    struct sim_fault *f)
{
	struct sim_fault_cmd *c = &f->cmd[when];
	unsigned long long n = 1;
	char *p, *save = NULL;
	int field = 0;
	int r;

	memset(c, 0, sizeof(*c));
	for (p = strtok_r(v, ":", &save); p != NULL;
	    p = strtok_r(NULL, ":", &save), field++) {
		if (field == 0) {
			if (!fault_known_cmd(p))
				return fault_usage(item, "unknown command; "
				    "use a chip command name such as "
				    "SetDataObject or GetDataObject");
			snprintf(c->name, sizeof(c->name), "%s", p);
		} else if (field == 1) {
			if ((r = fault_uint(item, p, 1000000, &n)) != 0)
				return r;
			if (n == 0)
				return fault_usage(item, "N counts from 1");
		} else if (when == SIM_FAULT_CMD_POWERCUT &&
		    strcmp(p, "old") == 0) {
			c->commit = false;
		} else if (when == SIM_FAULT_CMD_POWERCUT &&
		    strcmp(p, "new") == 0) {
			c->commit = true;
		} else if (when == SIM_FAULT_CMD_POWERCUT &&
		    strcmp(p, "stay") == 0) {
			c->stay = true;
		} else {
			return fault_usage(item,
			    when == SIM_FAULT_CMD_POWERCUT ?
			    "after CMD:N only old, new or stay may follow" :
			    "expected CMD or CMD:N");
		}
	}
	if (field == 0)
		return fault_usage(item, "a command name is missing");
	c->nth = (unsigned)n;
	c->set = true;

	return 0;
}

static int
fault_parse_item(char *item, struct sim_fault *f)
{
	char copy[128];
	char *eq = strchr(item, '=');
	unsigned long long n;
	char *v;
	int r;

	snprintf(copy, sizeof(copy), "%s", item);
	if (eq == NULL)
		return fault_usage(copy, "expected key=value");
	*eq = '\0';
	v = eq + 1;

	if (strcmp(item, "corrupt") == 0)
		return fault_rate(copy, v, &f->corrupt);
	if (strcmp(item, "drop") == 0)
		return fault_rate(copy, v, &f->drop);
	if (strcmp(item, "truncate") == 0)
		return fault_rate(copy, v, &f->truncate);
	if (strcmp(item, "nack") == 0)
		return fault_parse_nack(copy, v, f);
	if (strcmp(item, "reset-during") == 0)
		return fault_parse_cmd(copy, v, SIM_FAULT_CMD_RESET, f);
	if (strcmp(item, "powercut") == 0)
		return fault_parse_cmd(copy, v, SIM_FAULT_CMD_POWERCUT, f);
	if (strcmp(item, "kill") == 0)
		return fault_parse_cmd(copy, v, SIM_FAULT_CMD_KILL, f);
	if (strcmp(item, "seed") == 0) {
		if ((r = fault_uint(copy, v, UINT64_MAX, &n)) != 0)
			return r;
		f->seed = n;
		return 0;
	}

	return fault_usage(copy, "unknown fault; known: corrupt, drop, "
	    "truncate, nack, reset-during, powercut, kill, seed");
}

int
sim_fault_parse(const char *spec, struct sim_fault *f)
{
	char *dup = NULL, *item, *save = NULL;
	int r = 0;

	memset(f, 0, sizeof(*f));
	f->nack_len = 1;
	f->seed = 1;
	if ((dup = strdup(spec)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");

	for (item = strtok_r(dup, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		if ((r = fault_parse_item(item, f)) != 0)
			goto fail;
	f->rng = f->seed;

	r = 0;
fail:
	free(dup);

	return r;
}

bool
sim_fault_any(const struct sim_fault *f)
{
	if (f == NULL)
		return false;

	return f->corrupt > 0 || f->drop > 0 || f->truncate > 0 ||
	    f->nack > 0 || f->cmd[SIM_FAULT_CMD_RESET].set ||
	    f->cmd[SIM_FAULT_CMD_POWERCUT].set ||
	    f->cmd[SIM_FAULT_CMD_KILL].set;
}

bool
sim_fault_nack(struct sim_fault *f)
{
	if (f == NULL || f->nack <= 0)
		return false;
	if (f->nack_left == 0 && fault_chance(f, f->nack)) {
		f->nack_left = f->nack_len;
		f->injected++;
		OP_DEBUG(MOD, "NACK burst of %u transactions", f->nack_len);
	}
	if (f->nack_left == 0)
		return false;
	f->nack_left--;

	return true;
}

void
sim_fault_corrupt(struct sim_fault *f, uint8_t *buf, size_t len)
{
	if (f == NULL || f->corrupt <= 0)
		return;
	for (size_t i = 0; i < len; i++) {
		if (!fault_chance(f, f->corrupt))
			continue;
		buf[i] ^= (uint8_t)(1u << (fault_next(f) & 7));
		f->injected++;
		OP_DEBUG(MOD, "byte %zu of %zu flipped", i, len);
	}
}

void
sim_fault_frame_read(struct sim_fault *f, uint8_t *buf, size_t len,
    size_t frame_len)
{
	size_t keep;

	if (f == NULL || frame_len == 0 || len == 0)
		return;
	if (fault_chance(f, f->drop)) {
		memset(buf, 0xff, len);
		f->injected++;
		OP_DEBUG(MOD, "frame of %zu bytes dropped", frame_len);
		return;
	}
	if (frame_len > 1 && fault_chance(f, f->truncate)) {
		keep = 1 + (size_t)(fault_next(f) % (frame_len - 1));
		if (keep < len)
			memset(buf + keep, 0xff, len - keep);
		f->injected++;
		OP_DEBUG(MOD, "frame of %zu bytes cut after %zu", frame_len,
		    keep);
	}
}

static bool
fault_cmd_fires(struct sim_fault_cmd *c, const char *name)
{
	if (!c->set || strcmp(c->name, name) != 0)
		return false;

	return ++c->seen == c->nth;
}

bool
sim_fault_before_exec(struct sim_fault *f, const uint8_t *apdu, size_t len)
{
	const char *name;
	struct sim_fault_cmd *c;

	if (f == NULL || len == 0)
		return false;
	name = sim_fault_cmd_name(apdu[0]);

	c = &f->cmd[SIM_FAULT_CMD_KILL];
	if (fault_cmd_fires(c, name)) {
		/*
		 * The whole station loses power: nothing is committed and
		 * nobody cleans up (the socket file stays behind).
		 */
		OP_WARN(MOD, "kill: exiting during %s #%u, before it "
		    "commits", name, c->nth);
		_exit(FAULT_KILL_EXIT);
	}

	c = &f->cmd[SIM_FAULT_CMD_RESET];
	if (fault_cmd_fires(c, name)) {
		OP_WARN(MOD, "reset during %s #%u: it runs, its response is "
		    "lost", name, c->nth);
		f->reset_pending = true;
		f->injected++;
	}

	c = &f->cmd[SIM_FAULT_CMD_POWERCUT];
	if (fault_cmd_fires(c, name)) {
		OP_WARN(MOD, "power cut during %s #%u (%s)%s", name, c->nth,
		    c->commit ? "after the commit: new content" :
		    "before the commit: old content", c->stay ?
		    ", power stays off" : "");
		f->cut_pending = true;
		f->injected++;
		return !c->commit;
	}

	return false;
}
