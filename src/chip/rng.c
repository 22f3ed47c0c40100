/*
 * GetRandom: the chip's TRNG, 8 to 256 bytes per command.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip_int.h"
#include "util/err.h"

#define RNG_TRNG	0x00
#define RNG_MIN		8
#define RNG_MAX		256

int
chip_get_random(struct chip *chip, uint8_t *buf, size_t n)
{
	uint8_t tmp[RNG_MAX];
	size_t done = 0;
	int rc = 0;

	while (done < n) {
		size_t want = n - done;
		size_t got = 0;
		uint8_t in[2];

		/* ask for at least the minimum and keep what is needed */
		if (want > RNG_MAX)
			want = RNG_MAX;
		if (want < RNG_MIN)
			want = RNG_MIN;
		in[0] = (uint8_t)(want >> 8);
		in[1] = (uint8_t)want;
		if ((rc = chip_cmd(chip, CHIP_CMD_GET_RANDOM, RNG_TRNG, 0, in,
		    sizeof(in), tmp, sizeof(tmp), &got, 0)) != 0)
			goto fail;
		if (got != want) {
			rc = op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
			    "GetRandom: asked for %zu bytes, got %zu", want,
			    got);
			goto fail;
		}
		if (want > n - done)
			want = n - done;
		memcpy(buf + done, tmp, want);
		done += want;
	}

	rc = 0;
fail:
	OPENSSL_cleanse(tmp, sizeof(tmp));

	return rc;
}
