/*
 * Crash-safe file helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/file.h"

#define SYS_ERR(code) OP_RC(OP_LAYER_SYS, code)

static int
errno_code(int e)
{
	switch (e) {
	case ENOENT: return OP_E_NOTFOUND;
	case EACCES:
	case EPERM: return OP_E_PERM;
	case EEXIST: return OP_E_EXISTS;
	case ENOMEM: return OP_E_NOMEM;
	default: return OP_E_IO;
	}
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}

	return 0;
}

static void
fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int
op_file_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode)
{
	char *tmp = NULL;
	int fd = -1;
	int e;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return op_err(SYS_ERR(OP_E_NOMEM), "out of memory");

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode) != 0 || write_all(fd, buf, len) != 0 ||
	    fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	fsync_dir_of(path);
	free(tmp);

	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);

	return op_err(SYS_ERR(errno_code(e)), "cannot write %s: %s", path,
	    strerror(e));
}

int
op_file_read(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	FILE *f;
	uint8_t *p = NULL;
	size_t n = 0;
	size_t cap = 0;
	int e;

	*buf = NULL;
	*len = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		e = errno;
		return op_err(SYS_ERR(errno_code(e)), "cannot open %s: %s",
		    path, strerror(e));
	}
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			uint8_t *q;

			cap = cap ? cap * 2 : 8192;
			if ((q = realloc(p, cap)) == NULL) {
				free(p);
				fclose(f);
				return op_err(SYS_ERR(OP_E_NOMEM),
				    "out of memory reading %s", path);
			}
			p = q;
		}
		got = fread(p + n, 1, cap - n - 1, f);
		n += got;
		if (n > max) {
			free(p);
			fclose(f);
			return op_err(SYS_ERR(OP_E_RANGE),
			    "%s is larger than %zu bytes", path, max);
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		fclose(f);
		return op_err(SYS_ERR(OP_E_IO), "cannot read %s", path);
	}
	fclose(f);
	p[n] = '\0';
	*buf = p;
	*len = n;

	return 0;
}

int
op_file_append_line(const char *path, const char *line, mode_t mode)
{
	size_t len = strlen(line);
	bool nl = len == 0 || line[len - 1] != '\n';
	char *buf = NULL;
	int fd = -1;
	int e;

	struct stat st;
	size_t off = 1;
	char last;

	/*
	 * One write() for the line and its newline: O_APPEND then puts the
	 * whole line at the end at once.  A line torn by an earlier crash is
	 * ended first, so that it stays one bad line and never swallows the
	 * next good one.
	 */
	if ((buf = malloc(len + 3)) == NULL)
		return op_err(SYS_ERR(OP_E_NOMEM), "out of memory");
	buf[0] = '\n';
	memcpy(buf + 1, line, len);
	len++;
	if (nl)
		buf[len++] = '\n';

	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
		goto fail;
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n')
		off = 0;
	if (write_all(fd, (const uint8_t *)buf + off, len - off) != 0)
		goto fail;
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	free(buf);

	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(buf);

	return op_err(SYS_ERR(errno_code(e)), "cannot append to %s: %s",
	    path, strerror(e));
}
