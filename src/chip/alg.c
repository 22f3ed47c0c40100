/*
 * Key types the chip generates (fact sheet 5.5), with the names used on
 * the command line, in config files and by OpenSSL.
 */
#include <strings.h>

#include "chip/chip.h"

static const struct chip_alg_info algs[] = {
	{ CHIP_ALG_P256, "p256", "prime256v1", "secp256r1", 256, 32, false },
	{ CHIP_ALG_P384, "p384", "secp384r1", "secp384r1", 384, 48, false },
	{ CHIP_ALG_P521, "p521", "secp521r1", "secp521r1", 521, 66, false },
	{ CHIP_ALG_BP256, "bp256", "brainpoolP256r1", "brainpoolP256r1",
	    256, 32, false },
	{ CHIP_ALG_BP384, "bp384", "brainpoolP384r1", "brainpoolP384r1",
	    384, 48, false },
	{ CHIP_ALG_BP512, "bp512", "brainpoolP512r1", "brainpoolP512r1",
	    512, 64, false },
	{ CHIP_ALG_RSA1024, "rsa1024", NULL, "rsa1024", 1024, 128, true },
	{ CHIP_ALG_RSA2048, "rsa2048", NULL, "rsa2048", 2048, 256, true },
};

#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

const struct chip_alg_info *
chip_alg_by_id(int id)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if ((int)algs[i].id == id)
			return &algs[i];

	return NULL;
}

const struct chip_alg_info *
chip_alg_by_name(const char *name)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (strcasecmp(algs[i].name, name) == 0 ||
		    strcasecmp(algs[i].config_name, name) == 0 ||
		    (algs[i].curve != NULL &&
		    strcasecmp(algs[i].curve, name) == 0))
			return &algs[i];

	return NULL;
}

const char *
chip_alg_names(void)
{
	return "p256 p384 p521 bp256 bp384 bp512 rsa1024 rsa2048";
}
