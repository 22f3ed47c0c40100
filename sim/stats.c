/*
 * Traffic counters per command.  A command's window opens with the write
 * of its first frame and closes with the host's ACK of its last response
 * frame; everything outside a window is "link" traffic.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

#include "stats.h"

#define MOD "sim-stats"

void
sim_stats_reset(struct sim_stats *st)
{
	bool active = st->active, closing = st->closing;
	char name[SIM_STATS_NAME_MAX];

	/* A command in flight keeps its window, with its counts from now. */
	memcpy(name, st->cur_name, sizeof(name));
	memset(st, 0, sizeof(*st));
	st->active = active;
	st->closing = closing;
	memcpy(st->cur_name, name, sizeof(name));
}

void
sim_stats_begin(struct sim_stats *st)
{
	if (st->active)
		sim_stats_abort(st);
	st->active = true;
	st->closing = false;
	st->cur_name[0] = '\0';
	memset(&st->cur, 0, sizeof(st->cur));
}

/* Names come from the chip side; keep them safe to put in JSON. */
void
sim_stats_name(struct sim_stats *st, const char *name)
{
	size_t i;

	if (!st->active)
		return;
	if (name == NULL || *name == '\0')
		name = "unknown";
	for (i = 0; name[i] != '\0' && i < sizeof(st->cur_name) - 1; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';

		st->cur_name[i] = ok ? c : '_';
	}
	st->cur_name[i] = '\0';
}

static struct sim_stats_cmd *
stats_find(struct sim_stats *st, const char *name)
{
	struct sim_stats_cmd *c;

	for (size_t i = 0; i < st->ncmds; i++)
		if (strcmp(st->cmds[i].name, name) == 0)
			return &st->cmds[i];
	if (st->ncmds == SIM_STATS_MAX_CMDS) {
		OP_WARN(MOD, "more than %d command names; '%s' counted as "
		    "link traffic", SIM_STATS_MAX_CMDS, name);
		return NULL;
	}
	c = &st->cmds[st->ncmds++];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, sizeof(c->name));

	return c;
}

static void
stats_commit(struct sim_stats *st)
{
	struct sim_stats_cmd *c = NULL;

	/* A window that never reached the chip (a broken chain) is link. */
	if (st->cur_name[0] != '\0')
		c = stats_find(st, st->cur_name);
	if (c != NULL) {
		c->count++;
		c->c.transactions += st->cur.transactions;
		c->c.bytes += st->cur.bytes;
	} else {
		st->link.transactions += st->cur.transactions;
		st->link.bytes += st->cur.bytes;
	}
	st->active = false;
	st->closing = false;
	st->cur_name[0] = '\0';
	memset(&st->cur, 0, sizeof(st->cur));
}

void
sim_stats_end(struct sim_stats *st)
{
	if (st->active)
		st->closing = true;
}

void
sim_stats_abort(struct sim_stats *st)
{
	if (st->active)
		stats_commit(st);
}

void
sim_stats_txn(struct sim_stats *st, size_t bytes, bool nacked)
{
	struct sim_count *c = st->active ? &st->cur : &st->link;

	st->total.transactions++;
	st->total.bytes += bytes;
	if (nacked)
		st->nacks++;
	c->transactions++;
	c->bytes += bytes;
	if (st->closing)
		stats_commit(st);
}

struct jbuf {
	char *p;
	size_t cap;
	size_t len;
};

static void
jb_add(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	/* Truncated: the caller sees len == cap. */
	if (b->len >= b->cap)
		b->len = b->cap;
}

size_t
sim_stats_json(const struct sim_stats *st, char *out, size_t cap)
{
	struct jbuf b = { out, cap, 0 };

	if (cap == 0)
		return 0;
	jb_add(&b, "{\"total\": {\"transactions\": %" PRIu64 ", \"bytes\": %"
	    PRIu64 ", \"nacks\": %" PRIu64 "},\n", st->total.transactions,
	    st->total.bytes, st->nacks);
	jb_add(&b, " \"link\": {\"transactions\": %" PRIu64 ", \"bytes\": %"
	    PRIu64 "},\n", st->link.transactions, st->link.bytes);
	jb_add(&b, " \"commands\": {");
	for (size_t i = 0; i < st->ncmds; i++) {
		const struct sim_stats_cmd *c = &st->cmds[i];

		jb_add(&b, "%s\"%s\": {\"count\": %" PRIu64 ", "
		    "\"transactions\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
		    i ? ",\n  " : "", c->name, c->count, c->c.transactions,
		    c->c.bytes);
	}
	jb_add(&b, "}}\n");
	if (b.len >= cap) {
		/* Never hand out cut JSON. */
		snprintf(out, cap, "{}");
		return cap >= 3 ? 2 : 0;
	}

	return b.len;
}
