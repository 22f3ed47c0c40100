/*
 * Shared by the fuzz targets: the libFuzzer entry point each defines,
 * and the helpers some of them use.
 */
#ifndef OP_FUZZ_FUZZ_H
#define OP_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Virtual clock (vclock.c): sleeping advances time, instantly. */
void fuzz_clock_reset(void);

/* A per-process scratch directory, created on first use. */
const char *fuzz_tmpdir(void);

/* Write data to a scratch file named name; returns its path. */
const char *fuzz_tmpfile(const char *name, const uint8_t *data, size_t len);

#endif
