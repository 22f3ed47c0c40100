/*
 * The entry point of the loadable module optiga.so, for
 *   openssl ... -provider-path DIR -provider optiga -provider default
 * or an openssl.cnf [provider_sect] entry (docs/provider.md).
 */
#include <openssl/core.h>

#include "provider/oprov.h"

OSSL_provider_init_fn OSSL_provider_init;

int
OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	return oprov_init(handle, in, out, provctx);
}
