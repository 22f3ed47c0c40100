/*
 * Passphrases of encrypted CA keys: from a file, an environment variable
 * or the terminal.  The passphrase is never logged and is wiped when
 * done with; there is deliberately no way to give it on the command line,
 * where every user of the machine could read it in the process list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca/ca_int.h"
#include "util/file.h"

#define PASS_MAX 1024

int
ca_pass_parse(const char *spec, struct ca_pass *out)
{
	memset(out, 0, sizeof(*out));

	if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0') {
		out->source = CA_PASS_FILE;
		out->arg = spec + 5;
	} else if (strncmp(spec, "env:", 4) == 0 && spec[4] != '\0') {
		out->source = CA_PASS_ENV;
		out->arg = spec + 4;
	} else if (strcmp(spec, "prompt") == 0) {
		out->source = CA_PASS_PROMPT;
	} else {
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "passphrase source '%.*s...' not understood; use "
		    "file:PATH, env:VARIABLE or prompt (a literal passphrase "
		    "is not accepted: it would show in the process list)",
		    4, spec);
	}

	return 0;
}

void
ca_pass_free(char *pass, size_t len)
{
	if (pass == NULL)
		return;
	OPENSSL_cleanse(pass, len);
	free(pass);
}

/* the first line, without its end of line */
static size_t
first_line(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[n] != '\n' && s[n] != '\r')
		n++;

	return n;
}

static int
pass_from_file(const char *path, char **out, size_t *len)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	size_t line;
	int rc;

	if ((rc = op_file_read(path, PASS_MAX, &buf, &n)) != 0)
		return op_errctx(rc, "passphrase file");
	line = first_line((char *)buf, n);
	OPENSSL_cleanse(buf + line, n - line);
	buf[line] = '\0';
	*out = (char *)buf;
	*len = line;

	return 0;
}

static int
pass_from_env(const char *name, char **out, size_t *len)
{
	const char *v = getenv(name);

	if (v == NULL)
		return op_err(CA_ERR(OP_E_NOTFOUND), "environment variable "
		    "%s, which should hold the CA passphrase, is not set",
		    name);
	if ((*out = strdup(v)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	*len = strlen(v);

	return 0;
}

/* read one line from the terminal with echo off */
static int
tty_read(int fd, const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios old;
	struct termios quiet;
	size_t n = 0;
	ssize_t r;
	char c;

	if (tcgetattr(fd, &old) != 0)
		return op_err(CA_ERR(OP_E_IO), "cannot set up the terminal "
		    "for the passphrase prompt: %s", strerror(errno));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return op_err(CA_ERR(OP_E_IO), "cannot turn off echo on the "
		    "terminal: %s", strerror(errno));

	r = write(fd, prompt, strlen(prompt));
	while (r >= 0) {
		if ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
			r = 0;
		else if (r <= 0 || c == '\n' || c == '\r')
			break;
		else if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = '\0';
	*len = n;
	c = '\0';

	/* the user's Enter was not echoed either */
	r = write(fd, "\n", 1);
	tcsetattr(fd, TCSAFLUSH, &old);
	(void)r;

	return 0;
}

static int
pass_from_tty(bool confirm, char **out, size_t *len)
{
	char *a = NULL;
	char *b = NULL;
	size_t alen = 0;
	size_t blen = 0;
	int fd;
	int rc;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		return op_err(CA_ERR(OP_E_IO), "no terminal to ask for the "
		    "CA passphrase; use --pass file:PATH or --pass env:VAR");
	a = calloc(1, PASS_MAX);
	b = calloc(1, PASS_MAX);
	if (a == NULL || b == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	if ((rc = tty_read(fd, "CA key passphrase: ", a, PASS_MAX,
	    &alen)) != 0)
		goto fail;

	if (confirm) {
		if ((rc = tty_read(fd, "Again, to confirm: ", b, PASS_MAX,
		    &blen)) != 0)
			goto fail;
		if (alen != blen || memcmp(a, b, alen) != 0) {
			rc = op_err(CA_ERR(OP_E_INVAL), "the two passphrases "
			    "differ");
			goto fail;
		}
	}

	*out = a;
	*len = alen;
	a = NULL;
	rc = 0;
fail:
	close(fd);
	if (a != NULL)
		OPENSSL_cleanse(a, PASS_MAX);
	if (b != NULL)
		OPENSSL_cleanse(b, PASS_MAX);
	free(a);
	free(b);

	return rc;
}

int
ca_pass_get(const struct ca_pass *p, bool confirm, char **out,
    size_t *len)
{
	int rc;

	*out = NULL;
	*len = 0;

	switch (p->source) {
	case CA_PASS_FILE:
		rc = pass_from_file(p->arg, out, len);
		break;
	case CA_PASS_ENV:
		rc = pass_from_env(p->arg, out, len);
		break;
	case CA_PASS_PROMPT:
		rc = pass_from_tty(confirm, out, len);
		break;
	default:
		return op_err(CA_ERR(OP_E_INVAL), "no passphrase source");
	}
	if (rc != 0)
		return rc;

	if (*len == 0) {
		ca_pass_free(*out, *len);
		*out = NULL;
		return op_err(CA_ERR(OP_E_INVAL), "the CA passphrase is "
		    "empty; an empty passphrase would protect nothing");
	}
	if (*len < 4) {
		ca_pass_free(*out, *len);
		*out = NULL;
		/* OpenSSL's own tools refuse fewer than 4 characters. */
		return op_err(CA_ERR(OP_E_INVAL), "the CA passphrase is "
		    "shorter than 4 characters, which openssl refuses");
	}

	return 0;
}
