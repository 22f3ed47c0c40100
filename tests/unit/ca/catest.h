/*
 * Helpers shared by the CA unit tests: a scratch directory per test.
 */
#ifndef OP_TEST_CATEST_H
#define OP_TEST_CATEST_H

#include <stddef.h>

/* Make dir ("/tmp/<prefix>.XXXXXX", at most cap bytes); fails the test. */
void ct_tmpdir_new(char *dir, size_t cap, const char *prefix);
/* Remove dir and everything below it. */
void ct_tmpdir_remove(const char *dir);

#endif
