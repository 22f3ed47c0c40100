/*
 * OpenSSL providers for the subcommands that use the chip key through
 * OpenSSL (csr, cert write): the optiga provider, and the default one,
 * which OpenSSL no longer loads by itself once another was loaded.
 */
#include <openssl/provider.h>

#include "cli/cli.h"
#include "provider/oprov.h"
#include "util/err.h"

int
cli_providers_load(struct cli_providers *p)
{
	int rc;

	p->deflt = NULL;
	p->optiga = NULL;
	if ((p->deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot load OpenSSL's default provider");
	if ((rc = oprov_load(NULL, &p->optiga)) != 0) {
		cli_providers_unload(p);
		return rc;
	}

	return 0;
}

void
cli_providers_unload(struct cli_providers *p)
{
	if (p->optiga != NULL)
		OSSL_PROVIDER_unload(p->optiga);
	if (p->deflt != NULL)
		OSSL_PROVIDER_unload(p->deflt);
	p->optiga = NULL;
	p->deflt = NULL;
}
