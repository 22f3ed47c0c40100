#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "catest.h"

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;

	return remove(path);
}

void
ct_tmpdir_new(char *dir, size_t cap, const char *prefix)
{
	snprintf(dir, cap, "/tmp/%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(dir));
}

void
ct_tmpdir_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
