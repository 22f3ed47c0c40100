/*
 * bench-issue: certificates issued per second in-process.
 *
 *   bench-issue CA_DIR CSR N
 *
 * Opens the CA once and issues N certificates for one CSR through
 * ca_sign_csr(), the path `optiga-perso personalize` and `ca sign` take:
 * CSR signature check, the device profile, the CA's signature, then the
 * line in index.txt and the copy in newcerts/ (each written atomically,
 * with fsync).  Prints one JSON line: {"certs": N, "seconds": S}.
 * The baseline, one `openssl x509 -req` process per certificate, is run
 * by bench.py.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "ca/ca.h"
#include "util/clock.h"
#include "util/err.h"

int
main(int argc, char **argv)
{
	struct ca_pass pass = { CA_PASS_NONE, NULL };
	struct ca *ca = NULL;
	X509_REQ *req = NULL;
	X509 *cert = NULL;
	uint64_t t0, t1;
	long n;
	int ok = 1;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench-issue CA_DIR CSR N\n");
		return 2;
	}

	if (ca_open(argv[1], &pass, &ca) != 0 ||
	    ca_pem_read_req(argv[2], &req) != 0) {
		fprintf(stderr, "bench-issue: %s\n", op_errmsg());
		goto fail;
	}

	/* the clock runs around the issuance only, as the row says */
	t0 = op_now_us();
	for (long i = 0; i < n; i++) {
		if (ca_sign_csr(ca, req, 0, &cert) != 0) {
			fprintf(stderr, "bench-issue: certificate %ld: %s\n",
			    i + 1, op_errmsg());
			goto fail;
		}
		X509_free(cert);
		cert = NULL;
	}
	t1 = op_now_us();

	printf("{\"certs\": %ld, \"seconds\": %.6f}\n", n,
	    (double)(t1 - t0) / 1e6);
	ok = 0;
fail:
	X509_REQ_free(req);
	ca_close(&ca);

	return ok;
}
