/*
 * optiga-sim traffic counters: transactions and bytes per command, for
 * the STATS request (docs/virtual-bus.md).
 */
#ifndef OP_SIM_STATS_H
#define OP_SIM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_STATS_MAX_CMDS	64
#define SIM_STATS_NAME_MAX	32

struct sim_count {
	uint64_t transactions;
	uint64_t bytes;
};

struct sim_stats_cmd {
	char name[SIM_STATS_NAME_MAX];
	uint64_t count;
	struct sim_count c;
};

struct sim_stats {
	struct sim_count total;
	struct sim_count link;		/* traffic outside any command */
	uint64_t nacks;			/* transactions NACKed on the address */
	struct sim_stats_cmd cmds[SIM_STATS_MAX_CMDS];
	size_t ncmds;

	/* the command in flight */
	bool active;
	bool closing;			/* ends after the current transaction */
	char cur_name[SIM_STATS_NAME_MAX];
	struct sim_count cur;
};

void sim_stats_reset(struct sim_stats *st);

/* A command starts with the frame being written now. */
void sim_stats_begin(struct sim_stats *st);
/* Its name, known once the chip has executed it. */
void sim_stats_name(struct sim_stats *st, const char *name);
/* It ends with the transaction being counted now (the host's last ACK). */
void sim_stats_end(struct sim_stats *st);
/* It was cut short (reset, RESYNC): book what it had, now. */
void sim_stats_abort(struct sim_stats *st);

/* Count one bus transaction of bytes data bytes (after the address). */
void sim_stats_txn(struct sim_stats *st, size_t bytes, bool nacked);

/* The JSON of docs/virtual-bus.md into out; returns its length. */
size_t sim_stats_json(const struct sim_stats *st, char *out, size_t cap);

#endif
