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

/*
 * Key generation parameters (EVP_PKEY_CTX_set_params after keygen_init):
 * slot (utf8 "0xE0F1" or uint), alg (utf8 "p256", "rsa2048", ...),
 * device (utf8 device URI), usage (uint, chip key usage bits).
 */
#define OPROV_PARAM_SLOT	"slot"
#define OPROV_PARAM_ALG		"alg"
#define OPROV_PARAM_DEVICE	"device"
#define OPROV_PARAM_USAGE	"usage"

/* The key's URI, utf8, readable with EVP_PKEY_get_params. */
#define OPROV_PARAM_URI		"optiga-uri"

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
/* The UID of the chip at device, as read when the connection opened. */
struct chip_uid;
int oprov_chip_uid(const char *device, struct chip_uid *uid);

/* The provider entry point, the same one optiga.so exports. */
OSSL_provider_init_fn oprov_init;

#endif
