/*
 * bench-rss: run a command and write its peak resident set size.
 *
 *   bench-rss FILE COMMAND [ARG...]
 *
 * Writes the child's ru_maxrss (KiB) to FILE and exits as the child did.
 * Linux carries the high-water mark across execve(), so a child forked
 * from a large process (the Python driver) would report at least the
 * parent's size; forked from this small program it reports its own.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-rss FILE COMMAND [ARG...]\n");
		return 2;
	}

	if ((pid = fork()) < 0) {
		perror("bench-rss: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("bench-rss: exec");
		_exit(127);
	}

	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("bench-rss: wait4");
		return 1;
	}
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "%ld\n", ru.ru_maxrss);
	fclose(f);

	if (WIFEXITED(status))
		return WEXITSTATUS(status);

	return 128 + WTERMSIG(status);
}
