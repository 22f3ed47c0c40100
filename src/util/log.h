/*
 * Diagnostics on stderr, silent unless asked for.
 *
 * The level comes from -v (repeatable) or OPTIGA_LOG=error|warn|info|
 * debug|trace.  Trace adds hex dumps of frames and APDUs.  Nothing secret
 * may be passed to these functions: keys, passphrases and AWS secrets are
 * never logged, at any level.
 */
#ifndef OP_UTIL_LOG_H
#define OP_UTIL_LOG_H

#include <stddef.h>
#include <stdint.h>

enum op_log_level {
	OP_LOG_ERROR = 0,
	OP_LOG_WARN,
	OP_LOG_INFO,
	OP_LOG_DEBUG,
	OP_LOG_TRACE
};

void op_log_set_level(int level);
int op_log_level(void);
/* Reads OPTIGA_LOG; a level set later with op_log_set_level() wins. */
void op_log_init_env(void);

void op_log(int level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void op_log_hex(int level, const char *module, const char *what,
    const uint8_t *buf, size_t len);

#define op_log_enabled(level) (op_log_level() >= (level))

#define OP_WARN(mod, ...)	op_log(OP_LOG_WARN, mod, __VA_ARGS__)
#define OP_INFO(mod, ...)	op_log(OP_LOG_INFO, mod, __VA_ARGS__)
#define OP_DEBUG(mod, ...)	op_log(OP_LOG_DEBUG, mod, __VA_ARGS__)
#define OP_TRACE(mod, ...)	op_log(OP_LOG_TRACE, mod, __VA_ARGS__)

#endif
