/*
 * optiga-sim socket server: a single-threaded poll loop serving one
 * client at a time on a Unix stream socket.
 */
#ifndef OP_SIM_SERVER_H
#define OP_SIM_SERVER_H

#include <signal.h>

#include "dev.h"

/*
 * Bind and listen on path.  A stale socket left by a dead simulator is
 * replaced; a live one, or any other kind of file, is an error.
 */
int sim_server_listen(const char *path, int *fd);

/*
 * Serve until *stop is set.  The caller blocks the stop signals; they
 * are let through (waitmask) only while the loop sleeps in ppoll.
 */
int sim_server_run(struct sim_dev *dev, int listen_fd,
    const sigset_t *waitmask, volatile sig_atomic_t *stop);

#endif
