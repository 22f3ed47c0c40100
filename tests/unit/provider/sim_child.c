/*
 * optiga-sim as a child process, for tests that talk to a chip.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_child.h"

int
sim_child_start(struct sim_child *s, const char *path)
{
	char sock[96], state[96], log[96];
	const char *env = getenv("OPTIGA_SIM");
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct stat st;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/oprov-test.XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(sock, sizeof(sock), "%s/chip.sock", s->dir);
	snprintf(state, sizeof(state), "%s/chip.state", s->dir);
	snprintf(log, sizeof(log), "%s/sim.log", s->dir);
	snprintf(s->device, sizeof(s->device), "sim:%s", sock);
	if (env != NULL && env[0] != '\0')
		path = env;

	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		if (freopen(log, "w", stderr) == NULL)
			_exit(126);
		execl(path, path, "--state", state, "--socket", sock,
		    (char *)NULL);
		_exit(127);
	}

	/* up to 10 s for the socket */
	for (int i = 0; i < 500; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		nanosleep(&ts, NULL);
	}

	return -1;
}

void
sim_child_stop(struct sim_child *s)
{
	char cmd[128];

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0] != '\0' && getenv("OPROV_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", s->dir);
	}
}
