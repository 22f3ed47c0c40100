/*
 * stderr logging with one global level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static int log_level = OP_LOG_WARN;

void
op_log_set_level(int level)
{
	if (level < OP_LOG_ERROR)
		level = OP_LOG_ERROR;
	if (level > OP_LOG_TRACE)
		level = OP_LOG_TRACE;
	log_level = level;
}

int
op_log_level(void)
{
	return log_level;
}

void
op_log_init_env(void)
{
	static const char *const names[] = {
		"error", "warn", "info", "debug", "trace"
	};
	const char *v = getenv("OPTIGA_LOG");

	if (v == NULL)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			log_level = (int)i;
}

void
op_log(int level, const char *module, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;

	fprintf(stderr, "[%s] ", module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
op_log_hex(int level, const char *module, const char *what,
    const uint8_t *buf, size_t len)
{
	if (level > log_level)
		return;

	fprintf(stderr, "[%s] %s (%zu):", module, what, len);
	for (size_t i = 0; i < len; i++) {
		if (i % 32 == 0 && len > 32)
			fputs("\n   ", stderr);
		fprintf(stderr, " %02x", buf[i]);
	}
	fputc('\n', stderr);
}
