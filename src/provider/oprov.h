/*
 * The optiga OpenSSL 3 provider: a key slot of the chip as an ordinary
 * EVP_PKEY.  Keys are named by URIs such as "optiga:0xE0F1" (see
 * docs/provider.md); the same provider is built as a loadable module
 * (optiga.so) and as this static library for our own programs.
 */
#ifndef OP_PROVIDER_OPROV_H
#define OP_PROVIDER_OPROV_H

#include <openssl/core.h>
#include <openssl/provider.h>

#define OPROV_NAME		"optiga"

/* Key generation parameters (EVP_PKEY_CTX_set_params after keygen_init). */
#define OPROV_PARAM_SLOT	"slot"		/* utf8 "0xE0F1" or uint */
#define OPROV_PARAM_ALG		"alg"		/* utf8 "p256", "rsa2048"... */
#define OPROV_PARAM_DEVICE	"device"	/* utf8 device URI */
#define OPROV_PARAM_USAGE	"usage"		/* uint, chip key usage bits */

/* Key parameters that can be read back (EVP_PKEY_get_params). */
#define OPROV_PARAM_URI		"optiga-uri"	/* utf8 "optiga:0xE0F1?..." */

/*
 * Register the provider with libctx (NULL for the default context) under
 * the name "optiga" and load it; *out is for OSSL_PROVIDER_unload().  The
 * default provider must be available too, for hashing and for public key
 * operations.
 */
int oprov_load(OSSL_LIB_CTX *libctx, OSSL_PROVIDER **out);

/*
 * The provider's connection to the chip at device (NULL: $OPTIGA_DEVICE),
 * for code in the same process that needs the chip directly (reading or
 * writing certificates) while the provider may be using it: a chip takes
 * one session, so both share one connection.  The chip is locked from
 * acquire to release; release with the status of what was done, so a
 * link failure drops the connection.  Without a loaded provider the
 * connection closes at release.
 */
struct chip;
int oprov_chip_acquire(const char *device, struct chip **chip);
void oprov_chip_release(const char *device, int rc);

/* The provider entry point, the same one optiga.so exports. */
OSSL_provider_init_fn oprov_init;

#endif
