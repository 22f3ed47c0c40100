/*
 * Fuzz target: certificate and request input the user hands the CA and
 * the cert subcommand: a PEM certificate, a CSR in PEM or DER, and a
 * subject string as given to 'ca init --subject'.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "ca/ca.h"
#include "util/err.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509 *cert = NULL;
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	const char *path;
	char *s;

	path = fuzz_tmpfile("input", data, size);
	if (ca_pem_read_cert(path, &cert) == 0)
		X509_free(cert);
	if (ca_pem_read_req(path, &req) == 0)
		X509_REQ_free(req);

	if (size < 512 && (s = malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (ca_subject_parse(s, &name) == 0)
			X509_NAME_free(name);
		free(s);
	}
	op_err_clear();

	return 0;
}
