/*
 * The last two steps of the personalization flow (steps_tls.c): connect
 * with the new identity, then lock the slots that hold it.  Each runs
 * only when asked for (--connect, --lock; see connect_asked and
 * lock_asked in steps.c).
 */
#ifndef OP_PERSO_STEPS_TLS_H
#define OP_PERSO_STEPS_TLS_H

#include <jansson.h>

struct flow;

int flow_connect_done(struct flow *f);
int flow_connect_run(struct flow *f, json_t *line);
int flow_lock_done(struct flow *f);
int flow_lock_run(struct flow *f, json_t *line);

#endif
