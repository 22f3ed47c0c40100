/*
 * The state file lock.  The lock file holds the owner's pid, only to make
 * the refusal message useful; the flock is what counts, and the kernel
 * drops it when the owner dies, so a stale lock file is harmless.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

#include "lock.h"

int
sim_lock_state(const char *state_path, int *out)
{
	char path[4096];
	char pid[32] = "";
	ssize_t n;
	int fd;
	int r;

	*out = -1;
	if (snprintf(path, sizeof(path), "%s.lock", state_path) >=
	    (int)sizeof(path))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE), "state path "
		    "%s is too long", state_path);

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot open lock "
		    "file %s: %s (is the directory of --state writable?)",
		    path, strerror(errno));

	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) {
			r = op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot lock "
			    "%s: %s", path, strerror(errno));
			goto fail;
		}
		if ((n = pread(fd, pid, sizeof(pid) - 1, 0)) > 0)
			pid[n] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_BUSY), "state file %s is "
		    "in use by another optiga-sim%s%s (it holds %s); stop that "
		    "one or give a different --state", state_path,
		    pid[0] ? ", pid " : "", pid, path);
		goto fail;
	}

	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		/* Only the message of a later refusal suffers. */
	}

	*out = fd;
	fd = -1;
	r = 0;
fail:
	if (fd >= 0)
		close(fd);

	return r;
}
