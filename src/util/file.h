/*
 * Whole-file reads and crash-safe writes.
 */
#ifndef OP_UTIL_FILE_H
#define OP_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Write buf to path so that a crash at any instant leaves either the old
 * file or the new one: temporary file in the same directory, fsync,
 * rename, fsync of the directory.  The file is created with mode (0600 for
 * anything secret) whatever the umask.
 */
int op_file_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode);

/* Read a whole file (at most max bytes) into a malloc'd, NUL-terminated
 * buffer; *len excludes the NUL. */
int op_file_read(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Append one line under an exclusive flock, then fsync. */
int op_file_append_line(const char *path, const char *line, mode_t mode);

#endif
