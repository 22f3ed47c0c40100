/*
 * A growing string for building requests.  Errors are sticky: after a
 * failed allocation every append is a no-op and buf_take() returns NULL,
 * so a builder checks once at the end.
 */
#ifndef OP_AWS_BUF_H
#define OP_AWS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool failed;
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Percent-encode n bytes of s for SigV4 and rest-json: everything but
 * A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash) becomes %XX, upper-case.
 */
void buf_add_uri(struct buf *b, const char *s, size_t n, bool keep_slash);

/* The string (caller frees), or NULL if an append failed. */
char *buf_take(struct buf *b);
/* Free, wiping first (the buffer may have held a secret). */
void buf_wipe(struct buf *b);

#endif
