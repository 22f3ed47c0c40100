/*
 * Fuzz target: the product-line config file (JSON, the Infineon sample
 * format and its extensions), parsed and checked, and the subject built
 * from it.
 */
#include <openssl/x509.h>

#include "perso/config.h"
#include "util/err.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perso_config *cfg = NULL;
	X509_NAME *name = NULL;

	if (perso_config_parse((const char *)data, size, "fuzz.json",
	    fuzz_tmpdir(), 0, &cfg) == 0) {
		if (perso_config_subject(cfg, &name) == 0)
			X509_NAME_free(name);
		perso_config_free(&cfg);
	}
	op_err_clear();

	return 0;
}
