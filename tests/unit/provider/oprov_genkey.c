/*
 * oprov-genkey SLOT ALG [OUT.pem]: generate a key in a chip slot through
 * the provider (EVP_PKEY_generate), which caches its public key; print
 * or write the public key.  For the shell tests: the device comes from
 * OPTIGA_DEVICE, the cache directory from the usual places.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>

#include "chip/chip.h"
#include "provider/oprov.h"
#include "util/err.h"

int
main(int argc, char **argv)
{
	const struct chip_alg_info *alg;
	OSSL_PROVIDER *dflt = NULL, *prov = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[3];
	BIO *out = NULL;
	int status = 1;

	if (argc < 3 || argc > 4 || (alg = chip_alg_by_name(argv[2])) ==
	    NULL) {
		fprintf(stderr, "usage: oprov-genkey SLOT ALG [OUT.pem]\n"
		    "ALG: %s\n", chip_alg_names());
		return 2;
	}
	if ((dflt = OSSL_PROVIDER_load(NULL, "default")) == NULL ||
	    oprov_load(NULL, &prov) != 0)
		goto fail;

	params[0] = OSSL_PARAM_construct_utf8_string(OPROV_PARAM_SLOT,
	    argv[1], 0);
	params[1] = OSSL_PARAM_construct_utf8_string(OPROV_PARAM_ALG,
	    argv[2], 0);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg->rsa ? "RSA" : "EC",
	    "provider=optiga");
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
	    EVP_PKEY_generate(ctx, &pkey) != 1)
		goto fail;

	out = argc == 4 ? BIO_new_file(argv[3], "w") :
	    BIO_new_fp(stdout, BIO_NOCLOSE);
	if (out == NULL || !PEM_write_bio_PUBKEY(out, pkey))
		goto fail;
	status = 0;
fail:
	if (status != 0)
		ERR_print_errors_fp(stderr);
	BIO_free(out);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PROVIDER_unload(prov);
	OSSL_PROVIDER_unload(dflt);

	return status;
}
