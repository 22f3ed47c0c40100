/*
 * index.txt as openssl ca writes it, and signers racing on one directory.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/ca.h"
#include "catest.h"
#include "util/err.h"

#define SIGNERS 20

static char tmp[64];

static int
setup(void **state)
{
	struct ca_init_opts o;

	ct_tmpdir_new(tmp, sizeof(tmp), "op-ca-index");
	memset(&o, 0, sizeof(o));
	o.dir = tmp;
	o.subject = "/C=DE/CN=Index CA";
	assert_int_equal(ca_init(&o), 0);

	return 0;
}

static int
teardown(void **state)
{
	ct_tmpdir_remove(tmp);

	return 0;
}

static X509_REQ *
make_req(const char *cn)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_REQ_get_subject_name(req);

	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Acme", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_pubkey(req, key);
	X509_REQ_sign(req, key, EVP_sha256());
	EVP_PKEY_free(key);

	return req;
}

static int
sign_one(const char *cn, X509 **out)
{
	struct ca *ca = NULL;
	X509_REQ *req = make_req(cn);
	int rc;

	if ((rc = ca_open(tmp, NULL, &ca)) == 0)
		rc = ca_sign_csr(ca, req, 0, out);
	X509_REQ_free(req);
	ca_close(&ca);

	return rc;
}

static char **
read_lines(const char *path, size_t *n)
{
	char **lines = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	*n = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		assert_int_equal(line[len - 1], '\n');
		line[len - 1] = '\0';
		lines[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);

	return lines;
}

static void
free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void
test_line_format(void **state)
{
	X509 *cert = NULL;
	BIGNUM *bn;
	char *hex;
	char *want;
	char path[128];
	char **lines;
	size_t n;
	struct stat st;

	assert_int_equal(sign_one("dev 1", &cert), 0);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	hex = BN_bn2hex(bn);
	assert_int_equal(strlen(hex), 32);
	assert_true(asprintf(&want, "V\t%.*s\t\t%s\tunknown\t"
	    "/O=Acme/CN=dev 1",
	    ASN1_STRING_length(X509_get0_notAfter(cert)),
	    (const char *)ASN1_STRING_get0_data(X509_get0_notAfter(cert)),
	    hex) > 0);

	snprintf(path, sizeof(path), "%s/index.txt", tmp);
	lines = read_lines(path, &n);
	assert_int_equal(n, 1);
	assert_string_equal(lines[0], want);
	/* UTCTime YYMMDDHHMMSSZ */
	{
		regex_t re;

		assert_int_equal(regcomp(&re, "^V\t[0-9]{12}Z\t\t[0-9A-F]{32}"
		    "\tunknown\t/", REG_EXTENDED), 0);
		assert_int_equal(regexec(&re, lines[0], 0, NULL, 0), 0);
		regfree(&re);
	}

	snprintf(path, sizeof(path), "%s/newcerts/%s.pem", tmp, hex);
	assert_int_equal(stat(path, &st), 0);

	free_lines(lines, n);
	free(want);
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(cert);
}

/* SIGNERS processes sign at once; each serial must be distinct. */
static void
test_concurrent(void **state)
{
	pid_t pids[SIGNERS];
	char path[128];
	char **lines;
	size_t n;

	for (int i = 0; i < SIGNERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char cn[32];
			X509 *cert = NULL;
			int rc;

			snprintf(cn, sizeof(cn), "racer %d", i);
			rc = sign_one(cn, &cert);
			X509_free(cert);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < SIGNERS; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	snprintf(path, sizeof(path), "%s/index.txt", tmp);
	lines = read_lines(path, &n);
	assert_int_equal(n, SIGNERS);
	for (size_t i = 0; i < n; i++) {
		char *si = strchr(strchr(strchr(lines[i], '\t') + 1, '\t') +
		    1, '\t') + 1;

		for (size_t j = i + 1; j < n; j++) {
			char *sj = strchr(strchr(strchr(lines[j], '\t') + 1,
			    '\t') + 1, '\t') + 1;

			assert_int_not_equal(strncmp(si, sj, 32), 0);
		}
	}
	free_lines(lines, n);

	{
		unsigned valid, total;

		assert_int_equal(ca_index_count(tmp, &valid, &total), 0);
		assert_int_equal(valid, SIGNERS);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_line_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
