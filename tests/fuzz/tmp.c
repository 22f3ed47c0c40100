/*
 * Scratch files for targets whose parser reads a path.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[PATH_MAX];

static void
tmp_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", dir);
}

const char *
fuzz_tmpdir(void)
{
	if (dir[0] != '\0')
		return dir;
	snprintf(dir, sizeof(dir), "%s/op-fuzz-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(tmp_cleanup);

	return dir;
}

const char *
fuzz_tmpfile(const char *name, const uint8_t *data, size_t len)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), name);
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (len > 0 && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);

	return path;
}
