/*
 * Fuzz target: what the host parses out of the chip's responses (the
 * OutData of GetDataObject, GenKeyPair and CalcSign): the UID (0xE0C2),
 * a public key BIT STRING for every algorithm, an ECDSA signature, and a
 * certificate slot (bare DER, or the TLS identity chain 0xC0).  The
 * first byte picks the parser.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "chip/chip.h"
#include "perso/certslot.h"
#include "util/err.h"

#include "fuzz.h"

static const enum chip_alg algs[] = {
	CHIP_ALG_P256, CHIP_ALG_P384, CHIP_ALG_P521, CHIP_ALG_BP256,
	CHIP_ALG_BP384, CHIP_ALG_BP512, CHIP_ALG_RSA1024, CHIP_ALG_RSA2048
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t der[CHIP_ECDSA_DER_MAX];
	STACK_OF(X509) *chain = NULL;
	enum certslot_format fmt;
	struct chip_uid uid;
	EVP_PKEY *pkey = NULL;
	size_t n;

	if (size < 1)
		return 0;

	switch (data[0] % 4) {
	case 0:
		(void)chip_uid_decode(data + 1, size - 1, &uid);
		break;
	case 1:
		if (size < 2)
			break;
		(void)chip_pubkey_decode(algs[data[1] % 8], data + 2,
		    size - 2, &pkey);
		EVP_PKEY_free(pkey);
		break;
	case 2:
		(void)chip_ecdsa_to_der(data + 1, size - 1, der, sizeof(der),
		    &n);
		break;
	case 3:
		if (certslot_decode(data + 1, size - 1, &chain, &fmt) == 0)
			sk_X509_pop_free(chain, X509_free);
		break;
	}
	op_err_clear();

	return 0;
}
