/*
 * Keys held by the chip: GenKeyPair and CalcSign.
 */
#include <string.h>

#include "chip/chip_int.h"
#include "util/err.h"
#include "util/log.h"

#define TAG_KEY_OID	0x01	/* GenKeyPair InData */
#define TAG_USAGE	0x02
#define TAG_PUBKEY	0x02	/* GenKeyPair OutData */
#define TAG_DIGEST	0x01	/* CalcSign InData */
#define TAG_SIGN_OID	0x03

#define SIGN_ECDSA	0x11
#define SIGN_RSA_SHA256	0x01
#define SIGN_RSA_SHA384	0x02
#define SIGN_RSA_SHA512	0x03

#define SIG_RAW_MAX	512	/* RSA-2048: 256; ECDSA P-521: 138 */

int
chip_genkey(struct chip *chip, uint16_t oid, enum chip_alg alg,
    uint8_t usage, EVP_PKEY **pub)
{
	const struct chip_alg_info *ai = chip_alg_by_id(alg);
	uint8_t in[16];
	uint8_t out[CHIP_PUBKEY_MAX + 8];
	const uint8_t *bs;
	size_t outlen = 0;
	size_t bslen;
	struct bbuf b;
	int rc;

	*pub = NULL;
	if (ai == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "key type 0x%02X is none of %s", alg, chip_alg_names());

	bbuf_init(&b, in, sizeof(in));
	bbuf_tlv_u16(&b, TAG_KEY_OID, oid);
	bbuf_tlv_u8(&b, TAG_USAGE, usage);

	OP_INFO(CHIP_LOG, "generating %s key in 0x%04X, usage 0x%02X",
	    ai->name, oid, usage);
	if ((rc = chip_cmd(chip, CHIP_CMD_GEN_KEYPAIR, (uint8_t)alg, oid, in,
	    b.len, out, sizeof(out), &outlen, CHIP_TIMEOUT_KEYGEN_MS)) != 0)
		return rc;

	if (tlv_find(out, outlen, TAG_PUBKEY, &bs, &bslen) != 0)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "GenKeyPair of 0x%04X: no public key (tag 02) in the "
		    "%zu-byte response", oid, outlen);
	if ((rc = chip_pubkey_decode(alg, bs, bslen, pub)) != 0)
		return op_errctx(rc, "GenKeyPair of 0x%04X", oid);

	return 0;
}

static int
sign_rsa_param(size_t dlen, uint8_t *param)
{
	switch (dlen) {
	case 32:
		*param = SIGN_RSA_SHA256;
		return 0;
	case 48:
		*param = SIGN_RSA_SHA384;
		return 0;
	case 64:
		*param = SIGN_RSA_SHA512;
		return 0;
	default:
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "an RSA signature needs a SHA-256, SHA-384 or SHA-512 "
		    "digest (32, 48 or 64 bytes), not %zu bytes", dlen);
	}
}

int
chip_sign(struct chip *chip, uint16_t oid, bool rsa, const uint8_t *digest,
    size_t dlen, uint8_t *sig, size_t cap, size_t *siglen)
{
	uint8_t in[96];
	uint8_t raw[SIG_RAW_MAX];
	size_t rawlen = 0;
	uint8_t param = SIGN_ECDSA;
	struct bbuf b;
	int rc;

	*siglen = 0;
	if (rsa && (rc = sign_rsa_param(dlen, &param)) != 0)
		return rc;
	if (!rsa && (dlen < 10 || dlen > 66))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "an ECDSA digest must have 10 to 66 bytes, not %zu", dlen);

	bbuf_init(&b, in, sizeof(in));
	bbuf_tlv(&b, TAG_DIGEST, digest, dlen);
	bbuf_tlv_u16(&b, TAG_SIGN_OID, oid);

	if ((rc = chip_cmd(chip, CHIP_CMD_CALC_SIGN, param, oid, in, b.len,
	    raw, sizeof(raw), &rawlen, 0)) != 0)
		return rc;

	if (!rsa) {
		if ((rc = chip_ecdsa_to_der(raw, rawlen, sig, cap,
		    siglen)) != 0)
			return op_errctx(rc, "CalcSign of 0x%04X", oid);
		return 0;
	}

	/* RSA: the raw PKCS#1 v1.5 signature, no encoding (9.2) */
	if (rawlen != 128 && rawlen != 256)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "CalcSign of 0x%04X: RSA signature of %zu bytes; "
		    "expected 128 or 256", oid, rawlen);
	if (rawlen > cap)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_RANGE),
		    "RSA signature of %zu bytes exceeds the %zu-byte buffer",
		    rawlen, cap);
	memcpy(sig, raw, rawlen);
	*siglen = rawlen;

	return 0;
}
