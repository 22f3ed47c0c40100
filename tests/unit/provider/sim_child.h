/* Run optiga-sim as a child process on a socket in a temporary dir. */
#ifndef OP_TEST_SIM_CHILD_H
#define OP_TEST_SIM_CHILD_H

#include <sys/types.h>

struct sim_child {
	pid_t pid;
	char dir[64];		/* temporary directory, removed at stop */
	char device[128];	/* "sim:DIR/chip.sock" */
};

/* Start the emulator ($OPTIGA_SIM or path) and wait for its socket. */
int sim_child_start(struct sim_child *s, const char *path);
void sim_child_stop(struct sim_child *s);

#endif
