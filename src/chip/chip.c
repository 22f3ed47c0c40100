/*
 * Opening the chip, sending one command, and reading the reason when it
 * fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chip/chip_int.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define STA_OK		0x00
#define STA_FAIL	0xFF
#define CMD_MSB		0x80	/* the chip clears the last error first */

/* RID D276000004 + "GenAuthAppl" (fact sheet 5.4, OpenApplication) */
static const uint8_t chip_aid[16] = {
	0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65, 0x6E,
	0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C
};

const char *
chip_cmd_name(uint8_t cmd)
{
	switch (cmd & 0x7f) {
	case 0x01: return "GetDataObject";
	case 0x02: return "SetDataObject";
	case 0x03: return "SetObjectProtected";
	case 0x0C: return "GetRandom";
	case 0x14: return "EncryptSym";
	case 0x15: return "DecryptSym";
	case 0x1E: return "EncryptAsym";
	case 0x1F: return "DecryptAsym";
	case 0x30: return "CalcHash";
	case 0x31: return "CalcSign";
	case 0x32: return "VerifySign";
	case 0x33: return "CalcSSec";
	case 0x34: return "DeriveKey";
	case 0x38: return "GenKeyPair";
	case 0x39: return "GenSymKey";
	case 0x70: return "OpenApplication";
	case 0x71: return "CloseApplication";
	default: return "unknown command";
	}
}

static const char *
uri_hint(const char *uri)
{
	if (strncmp(uri, "sim:", 4) == 0)
		return "is optiga-sim running with --socket on that path?";
	if (strncmp(uri, "i2c:", 4) == 0)
		return "check the bus number and address (0x30 by default), "
		    "that the chip is powered, and that you may open the "
		    "i2c device";
	if (strncmp(uri, "ft260:", 6) == 0)
		return "check that the FT260 is plugged in and that you may "
		    "open its hidraw device";

	return "a device is sim:SOCKET, i2c:/dev/i2c-N[@ADDR] or "
	    "ft260:[SERIAL|/dev/hidrawN]";
}

/*
 * Read the last error code (0xF1C2) WITHOUT the MSB: with it the chip
 * would clear the code before the read (fact sheet 5.2).
 */
static int
chip_last_error(struct chip *chip, uint8_t *code)
{
	static const uint8_t apdu[] = {
		0x01, 0x00, 0x00, 0x06, 0xF1, 0xC2, 0x00, 0x00, 0x00, 0x01
	};
	size_t rlen = 0;
	int rc;

	rc = ifxi2c_transceive(chip->link, apdu, sizeof(apdu), chip->rsp,
	    sizeof(chip->rsp), &rlen, op_deadline_in_ms(CHIP_TIMEOUT_MS));
	if (rc != 0)
		return op_errctx(rc, "reading the chip's error code (0xF1C2)");
	if (rlen != 5 || chip->rsp[0] != STA_OK || rd16(chip->rsp + 2) != 1)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "the chip answered the error-code read (0xF1C2) with "
		    "%zu bytes, Sta 0x%02X; expected 00 00 00 01 <code>",
		    rlen, rlen > 0 ? chip->rsp[0] : 0);
	*code = chip->rsp[4];

	return 0;
}

static void
chip_what(char *buf, size_t cap, uint8_t cmd, uint16_t oid)
{
	if (oid != 0)
		snprintf(buf, cap, "%s of 0x%04X", chip_cmd_name(cmd), oid);
	else
		snprintf(buf, cap, "%s", chip_cmd_name(cmd));
}

static int
chip_failed(struct chip *chip, const char *what)
{
	uint8_t code = 0;
	int rc;

	if ((rc = chip_last_error(chip, &code)) != 0)
		return op_errctx(rc, "%s failed", what);

	OP_DEBUG(CHIP_LOG, "%s: chip error 0x80%02X", what, code);

	return op_err(OP_RC(OP_LAYER_CHIP, code),
	    "%s: chip error 0x80%02X: %s", what, code,
	    op_chip_strerr(code));
}

int
chip_cmd(struct chip *chip, uint8_t cmd, uint8_t param, uint16_t oid,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen, unsigned timeout_ms)
{
	char what[64];
	struct bbuf b;
	size_t rlen = 0;
	size_t olen;
	uint64_t t0;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	chip_what(what, sizeof(what), cmd, oid);
	if (chip->opts.timeout_ms != 0)
		timeout_ms = chip->opts.timeout_ms;
	else if (timeout_ms == 0)
		timeout_ms = CHIP_TIMEOUT_MS;

	/* build */
	bbuf_init(&b, chip->apdu, sizeof(chip->apdu));
	apdu_begin(&b, (uint8_t)(cmd | CMD_MSB), param);
	bbuf_put(&b, in, inlen);
	if (!apdu_finish(&b))
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_RANGE),
		    "%s: %zu bytes of input exceed the chip's %d-byte "
		    "command buffer", what, inlen, APDU_MAX_DATA);

	/* exchange */
	t0 = op_now_us();
	rc = ifxi2c_transceive(chip->link, chip->apdu, b.len, chip->rsp,
	    sizeof(chip->rsp), &rlen, op_deadline_in_ms(timeout_ms));
	if (rc != 0)
		return op_errctx(rc, "%s", what);

	/* Sta UnDef OutLen(2) OutData */
	if (rlen < APDU_HEADER_LEN ||
	    rlen != APDU_HEADER_LEN + (size_t)rd16(chip->rsp + 2))
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "%s: malformed response of %zu bytes (OutLen %u)", what,
		    rlen, rlen >= 4 ? rd16(chip->rsp + 2) : 0);
	olen = rlen - APDU_HEADER_LEN;
	OP_DEBUG(CHIP_LOG, "%s param 0x%02X: %zu bytes in, Sta 0x%02X, "
	    "%zu bytes out, %llu ms", what, param, inlen, chip->rsp[0], olen,
	    (unsigned long long)((op_now_us() - t0) / 1000));

	if (chip->rsp[0] == STA_FAIL)
		return chip_failed(chip, what);
	if (chip->rsp[0] != STA_OK)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "%s: response status 0x%02X is neither 00 nor FF", what,
		    chip->rsp[0]);

	if (out == NULL || outlen == NULL) {
		if (olen > 0)
			OP_DEBUG(CHIP_LOG, "%s: %zu unexpected bytes ignored",
			    what, olen);
		return 0;
	}
	if (olen > cap)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_RANGE),
		    "%s: response of %zu bytes exceeds the %zu-byte buffer",
		    what, olen, cap);
	memcpy(out, chip->rsp + APDU_HEADER_LEN, olen);
	*outlen = olen;

	return 0;
}

int
chip_transact(struct chip *chip, uint8_t cmd, uint8_t param,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	uint16_t oid = 0;

	/* data object commands start with the OID */
	cmd &= 0x7f;
	if ((cmd == CHIP_CMD_GET_DATA || cmd == CHIP_CMD_SET_DATA) &&
	    inlen >= 2)
		oid = rd16(in);

	return chip_cmd(chip, cmd, param, oid, in, inlen, out, cap, outlen,
	    0);
}

int
chip_open(const char *uri, const struct chip_opts *opts, struct chip **out)
{
	struct chip *chip = NULL;
	struct bus *bus = NULL;
	int rc;

	*out = NULL;
	if ((chip = calloc(1, sizeof(*chip))) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	if (opts != NULL)
		chip->opts = *opts;
	else
		chip->opts.link.reset = IFXI2C_RESET_SOFT;
	snprintf(chip->uri, sizeof(chip->uri), "%s", uri);
	if ((rc = chip_shield_setup(&chip->opts)) != 0)
		goto fail;

	if ((rc = bus_open(uri, &bus)) != 0) {
		op_errctx(rc, "cannot open %s (%s)", uri, uri_hint(uri));
		goto fail;
	}

	/* the link owns the bus from here on, also when this fails */
	if ((rc = ifxi2c_open(bus, &chip->opts.link, &chip->link)) != 0) {
		op_errctx(rc, "no working link to the chip at %s (%s)", uri,
		    uri_hint(uri));
		goto fail;
	}

	OP_INFO(CHIP_LOG, "link up on %s, frame size %u", uri,
	    ifxi2c_frame_size(chip->link));

	if ((rc = chip_cmd(chip, CHIP_CMD_OPEN_APP, 0x00, 0, chip_aid,
	    sizeof(chip_aid), NULL, 0, NULL, 0)) != 0) {
		op_errctx(rc, "cannot open the application on %s", uri);
		goto fail;
	}

	*out = chip;
	chip = NULL;
	rc = 0;
fail:
	chip_close(&chip);

	return rc;
}

void
chip_close(struct chip **chipp)
{
	struct chip *chip;

	if (chipp == NULL || (chip = *chipp) == NULL)
		return;
	if (chip->link != NULL)
		ifxi2c_close(&chip->link);
	/* the buffers may hold random bytes or a binding secret */
	OPENSSL_cleanse(chip, sizeof(*chip));
	free(chip);
	*chipp = NULL;
}

void
chip_get_stats(const struct chip *chip, struct ifxi2c_stats *st)
{
	ifxi2c_get_stats(chip->link, st);
}

const char *
chip_uri(const struct chip *chip)
{
	return chip->uri;
}
