/*
 * The openssl ca database: index.txt, newcerts/ and serials.
 *
 * Signers on one directory serialise on an exclusive flock of DIR/.lock,
 * held from choosing the serial until the index line is written, so two
 * `ca sign` at once get distinct serials and the index stays whole.
 *
 * XXX: `openssl ca` itself does not take our lock: it rewrites index.txt
 * through a rename.  Do not run it at the same instant as `ca sign` on
 * the same directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ca/ca_int.h"
#include "util/file.h"
#include "util/log.h"

/*
 * 16 random bytes with the top bit cleared: a positive serial of 127
 * random bits, far above the 64 the CA/Browser Forum asks for.
 */
#define SERIAL_BYTES 16
#define SERIAL_TRIES 8

struct ca_lock {
	int fd;
};

int
ca_lock_take(const char *dir, struct ca_lock **out)
{
	struct ca_lock *l;
	char *path;
	int e;
	int rc;

	*out = NULL;
	if ((path = ca_path(dir, CA_LOCK_FILE)) == NULL ||
	    (l = calloc(1, sizeof(*l))) == NULL) {
		free(path);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}

	l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0 || flock(l->fd, LOCK_EX) != 0) {
		e = errno;
		if (l->fd >= 0)
			close(l->fd);
		free(l);
		rc = op_err(CA_ERR(e == ENOENT ? OP_E_NOTFOUND : OP_E_IO),
		    "cannot lock %s: %s", path, strerror(e));
		free(path);
		return rc;
	}
	free(path);
	*out = l;

	return 0;
}

void
ca_lock_release(struct ca_lock **lock)
{
	if (*lock == NULL)
		return;
	/* closing the descriptor drops the flock */
	close((*lock)->fd);
	free(*lock);
	*lock = NULL;
}

/* The serial as openssl ca spells it: upper-case hex, even length. */
static char *
serial_hex(const ASN1_INTEGER *serial)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *hex = NULL;

	if (bn == NULL)
		return NULL;
	if (BN_is_zero(bn))
		hex = OPENSSL_strdup("00");
	else
		hex = BN_bn2hex(bn);
	BN_free(bn);

	return hex;
}

/* Open DIR/index.txt for reading. */
static int
index_open(const char *dir, FILE **f)
{
	char *path = ca_path(dir, "index.txt");
	int rc;

	if (path == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	if ((*f = fopen(path, "r")) == NULL) {
		rc = op_err(CA_ERR(OP_E_NOTFOUND), "cannot open %s: %s; is "
		    "%s a CA directory (made by 'ca init')?", path,
		    strerror(errno), dir);
		free(path);
		return rc;
	}
	free(path);

	return 0;
}

/* Whether index.txt already lists hex as a serial (column 4). */
static int
serial_used(const char *dir, const char *hex, bool *used)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc;

	*used = false;
	if ((rc = index_open(dir, &f)) != 0)
		return rc;
	while (getline(&line, &cap, f) > 0) {
		char *p = line;

		/* status, expiry, revocation, then the serial */
		for (int tab = 0; tab < 3 && p != NULL; tab++)
			if ((p = strchr(p, '\t')) != NULL)
				p++;
		if (p != NULL && strncasecmp(p, hex, strlen(hex)) == 0 &&
		    p[strlen(hex)] == '\t')
			*used = true;
	}
	free(line);
	fclose(f);

	return 0;
}

int
ca_serial_new(const char *dir, ASN1_INTEGER **out)
{
	unsigned char r[SERIAL_BYTES];
	BIGNUM *bn = NULL;
	char *hex = NULL;
	bool used = true;
	int rc;

	*out = NULL;
	for (int i = 0; i < SERIAL_TRIES && used; i++) {
		BN_free(bn);
		OPENSSL_free(hex);
		hex = NULL;
		if (RAND_bytes(r, sizeof(r)) != 1 ||
		    (bn = BN_bin2bn(r, sizeof(r), NULL)) == NULL) {
			rc = ca_crypto_err(OP_E_INTERNAL, "cannot draw a "
			    "random serial");
			goto fail;
		}
		/* positive, and never short: the top byte is 0x40..0x7f */
		BN_clear_bit(bn, SERIAL_BYTES * 8 - 1);
		BN_set_bit(bn, SERIAL_BYTES * 8 - 2);
		if ((hex = BN_bn2hex(bn)) == NULL) {
			rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
			goto fail;
		}
		if (dir != NULL && (rc = serial_used(dir, hex, &used)) != 0)
			goto fail;
		if (dir == NULL)
			used = false;
	}
	if (used) {
		rc = op_err(CA_ERR(OP_E_INTERNAL), "no unused serial after %d "
		    "random draws; is the random source broken?",
		    SERIAL_TRIES);
		goto fail;
	}
	if ((*out = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
		rc = ca_crypto_err(OP_E_NOMEM, "out of memory");
		goto fail;
	}

	rc = 0;
fail:
	BN_free(bn);
	OPENSSL_free(hex);

	return rc;
}

static int
write_newcert(const char *dir, const char *hex, X509 *cert)
{
	BIO *bio = NULL;
	char *name = NULL;
	char *path = NULL;
	char *pem;
	long len;
	int rc;

	if (asprintf(&name, "newcerts/%s.pem", hex) < 0) {
		name = NULL;
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if ((path = ca_path(dir, name)) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if (!PEM_write_bio_X509(bio, cert)) {
		rc = ca_crypto_err(OP_E_INTERNAL, "cannot encode certificate "
		    "%s", hex);
		goto fail;
	}
	len = BIO_get_mem_data(bio, &pem);
	rc = op_file_write_atomic(path, pem, (size_t)len, 0644);
fail:
	BIO_free(bio);
	free(name);
	free(path);

	return rc;
}

/*
 * One line as openssl ca writes it: status V, expiry exactly as encoded
 * in the certificate (UTCTime YYMMDDHHMMSSZ up to 2049), no revocation
 * date, serial, file name "unknown", subject in the one-line form.
 */
int
ca_index_record(const char *dir, X509 *cert)
{
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	char *hex = NULL;
	char *subject = NULL;
	char *line = NULL;
	char *path = NULL;
	int rc;

	hex = serial_hex(X509_get0_serialNumber(cert));
	subject = X509_NAME_oneline(X509_get_subject_name(cert), NULL, 0);
	if (hex == NULL || subject == NULL || (path = ca_path(dir,
	    "index.txt")) == NULL || asprintf(&line, "V\t%.*s\t\t%s\tunknown"
	    "\t%s\n", ASN1_STRING_length(na),
	    (const char *)ASN1_STRING_get0_data(na), hex, subject) < 0) {
		line = NULL;
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	/* the certificate first: an index line never points at nothing */
	if ((rc = write_newcert(dir, hex, cert)) != 0)
		goto fail;
	if ((rc = op_file_append_line(path, line, 0644)) != 0)
		goto fail;
	OP_DEBUG("ca", "recorded serial %s in %s", hex, path);

	rc = 0;
fail:
	OPENSSL_free(hex);
	OPENSSL_free(subject);
	free(line);
	free(path);

	return rc;
}

int
ca_index_count(const char *dir, unsigned *valid, unsigned *total)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc;

	*valid = *total = 0;
	if ((rc = index_open(dir, &f)) != 0)
		return rc;
	while (getline(&line, &cap, f) > 0) {
		(*total)++;
		if (line[0] == 'V')
			(*valid)++;
	}
	free(line);
	fclose(f);

	return 0;
}
