/*
 * Regression replay: feed every file named on the command line (or found
 * in a directory named there) to the target's LLVMFuzzerTestOneInput,
 * once each.  Built into every test build with the ordinary compiler and
 * sanitizers, so a committed corpus file that once crashed keeps being
 * checked without clang or libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(1u << 20)

static int
replay_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* a fresh copy of exactly n bytes, so ASan sees overreads */
	{
		uint8_t *copy = malloc(n ? n : 1);

		if (copy == NULL)
			return -1;
		memcpy(copy, buf, n);
		LLVMFuzzerTestOneInput(copy, n);
		free(copy);
	}

	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir, unsigned *count)
{
	char path[PATH_MAX];
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char **grown;

		if (e->d_name[0] == '.')
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) ==
		    NULL || (grown[n] = strdup(e->d_name)) == NULL) {
			free(grown);
			closedir(d);
			return -1;
		}
		names = grown;
		n++;
	}
	closedir(d);

	/* a fixed order, so a failure replays the same way */
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (r == 0 && replay_file(path) != 0)
			r = -1;
		(*count)++;
		free(names[i]);
	}
	free(names);

	return r;
}

int
main(int argc, char **argv)
{
	unsigned count = 0;
	struct stat st;

	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				return 1;
		} else {
			if (replay_file(argv[i]) != 0)
				return 1;
			count++;
		}
	}
	if (count == 0) {
		fprintf(stderr, "replay: no input files\n");
		return 1;
	}
	printf("replayed %u inputs\n", count);

	return 0;
}
