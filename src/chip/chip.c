/*
 * Opening the chip, sending one command, and reading the reason when it
 * fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bus/bus.h"
#include "chip/chip_int.h"
#include "codec/frame.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define STA_OK		0x00
#define STA_FAIL	0xFF
#define CMD_MSB		0x80	/* the chip clears the last error first */

/*
 * Link recovery (see chip_cmd_repeatable): at most this many per command,
 * each only with this much of the command's budget left, frames never
 * smaller than this.
 */
#define CHIP_RECOVER_MAX	4
#define CHIP_RECOVER_MIN_US	500000
#define CHIP_FRAME_FLOOR	24

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
	/*
	 * A chip that reset behind our back (power glitch, RST) has closed
	 * its application and refuses even this read without a code.
	 */
	if (rlen == APDU_HEADER_LEN && chip->rsp[0] == STA_FAIL)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_STATE), "the chip "
		    "refuses even the error-code read (0xF1C2): its "
		    "application is not open (did the chip reset?)");
	if (rlen != 5 || chip->rsp[0] != STA_OK || rd16(chip->rsp + 2) != 1)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "the chip answered the error-code read (0xF1C2) with "
		    "%zu bytes, Sta 0x%02X; expected 00 00 00 01 <code>",
		    rlen, rlen > 0 ? chip->rsp[0] : 0);
	*code = chip->rsp[4];

	return 0;
}

/*
 * When the link breaks in the middle of a command we cannot know whether
 * the chip executed it: the command may have run and its response been
 * lost, or never arrived.  After the link is recovered (reset, reopened
 * application) the command is sent again only if running it twice leaves
 * the chip as running it once would, or if the first run's effect was
 * lost with the reset anyway:
 *
 *   - reads (GetDataObject data and metadata), GetRandom, VerifySign and
 *     OpenApplication change nothing that persists;
 *   - CalcSign with a persistent key: a second signature is as good as
 *     the first (not with a session key 0xE100..0xE103: the reset
 *     wiped it);
 *   - GenKeyPair into the same slot: a second key replaces the first,
 *     whose public half we never received, so only the second one is
 *     ever used;
 *   - SetDataObject of data (with or without erase) at a fixed offset:
 *     writing the same bytes at the same place again gives the same
 *     object.  Not for the monotonic counters 0xE120..0xE123, where a
 *     write adds, and not for metadata, whose first write may have
 *     locked the object against the second (it would fail, or worse,
 *     succeed against other access conditions).
 *
 * Everything else (CalcHash and CalcSSec/DeriveKey with their session
 * state, SetObjectProtected, metadata writes, counters) fails with a
 * message saying the effect is unknown; the link is usable again.
 */
static bool
chip_cmd_repeatable(uint8_t cmd, uint8_t param, uint16_t oid)
{
	switch (cmd & 0x7f) {
	case CHIP_CMD_GET_DATA:
	case CHIP_CMD_GET_RANDOM:
	case CHIP_CMD_OPEN_APP:
	case 0x32:	/* VerifySign */
		return true;
	case CHIP_CMD_CALC_SIGN:
	case CHIP_CMD_GEN_KEYPAIR:
		return !(oid >= 0xE100 && oid <= 0xE103);
	case CHIP_CMD_SET_DATA:
		return (param == 0x00 || param == 0x40) &&
		    !(oid >= 0xE120 && oid <= 0xE123);
	default:
		return false;
	}
}

/* The link below the command layer gave up: worth a recovery. */
static bool
chip_link_broken(int rc)
{
	int layer = OP_RC_LAYER(rc);

	return layer == OP_LAYER_BUS || layer == OP_LAYER_PL ||
	    layer == OP_LAYER_DL || layer == OP_LAYER_TL;
}

/* OpenApplication on a fresh link, in buffers of its own. */
static int
chip_open_app(struct chip *chip, op_deadline_t dl)
{
	uint8_t apdu[4 + sizeof(chip_aid)];
	uint8_t rsp[16];
	size_t rlen = 0;
	int rc;

	apdu[0] = CHIP_CMD_OPEN_APP | CMD_MSB;
	apdu[1] = 0x00;
	apdu[2] = 0x00;
	apdu[3] = sizeof(chip_aid);
	memcpy(apdu + 4, chip_aid, sizeof(chip_aid));
	if ((rc = ifxi2c_transceive(chip->link, apdu, sizeof(apdu), rsp,
	    sizeof(rsp), &rlen, dl)) != 0)
		return op_errctx(rc, "OpenApplication");
	if (rlen < APDU_HEADER_LEN || rsp[0] != STA_OK)
		return op_err(OP_RC(OP_LAYER_CMD, OP_E_PROTOCOL),
		    "OpenApplication after a link recovery: Sta 0x%02X",
		    rlen > 0 ? rsp[0] : 0);

	return 0;
}

/*
 * Throw the link away and build a new one: reopen the bus, reset the
 * chip and negotiate again, reopen the application.  A chip that stopped
 * acknowledging its address (lost its power, hangs) gets a cold reset
 * where the bus can give one, as a test fixture power-cycles it; else a
 * soft reset, falling back to cold.  When frames were damaged (the data
 * link or transport gave up) the frame size is halved for the session:
 * on a noisy wire short frames get through where long ones do not.
 */
/* a reset and negotiation take some 20 ms; never spend more than this */
#define RELINK_MAX_MS	5000

static int
chip_relink(struct chip *chip, int why, op_deadline_t dl)
{
	struct ifxi2c_cfg cfg = chip->opts.link;
	struct bus *bus = NULL;
	unsigned frame = 0;
	bool silent = OP_RC_CODE(why) == OP_E_NACK ||
	    OP_RC_LAYER(why) == OP_LAYER_BUS;
	bool noisy = OP_RC_LAYER(why) == OP_LAYER_DL ||
	    OP_RC_LAYER(why) == OP_LAYER_TL;
	int rc;

	if (chip->link != NULL) {
		frame = ifxi2c_frame_size(chip->link);
		ifxi2c_close(&chip->link);
	}
	if (noisy && frame != 0) {
		frame /= 2;
		if (frame < CHIP_FRAME_FLOOR)
			frame = CHIP_FRAME_FLOOR;
		chip->frame_cap = frame;
	}
	if (chip->frame_cap != 0 && (cfg.frame_size == 0 ||
	    cfg.frame_size > chip->frame_cap))
		cfg.frame_size = chip->frame_cap;

	cfg.reset = silent ? IFXI2C_RESET_COLD : IFXI2C_RESET_SOFT;
	for (int i = 0; i < 2; i++) {
		/* the reset and its negotiation spend the command's time */
		uint64_t left_ms = op_deadline_left_us(dl) / 1000;

		if (left_ms == 0)
			return op_err(OP_RC(OP_LAYER_PL, OP_E_TIMEOUT),
			    "no time left to recover the link to %s",
			    chip->uri);
		cfg.open_ms = (unsigned)(left_ms < RELINK_MAX_MS ? left_ms :
		    RELINK_MAX_MS);
		if ((rc = bus_open(chip->uri, &bus)) != 0)
			return op_errctx(rc, "reopening %s", chip->uri);
		OP_INFO(CHIP_LOG, "recovering the link: %s reset, frames of "
		    "at most %u bytes", cfg.reset == IFXI2C_RESET_COLD ?
		    "cold" : "soft", cfg.frame_size ? cfg.frame_size :
		    IFX_FRAME_SIZE_DEFAULT);
		/* the link owns the bus from here on, also when this fails */
		if ((rc = ifxi2c_open(bus, &cfg, &chip->link)) == 0)
			break;
		/* soft failed: try cold; cold impossible here: try soft */
		if (i == 1 || (cfg.reset == IFXI2C_RESET_COLD &&
		    OP_RC_CODE(rc) != OP_E_UNSUPPORTED))
			return op_errctx(rc, "%s reset",
			    cfg.reset == IFXI2C_RESET_COLD ? "after a cold" :
			    "after a soft");
		cfg.reset = cfg.reset == IFXI2C_RESET_COLD ?
		    IFXI2C_RESET_SOFT : IFXI2C_RESET_COLD;
	}
	chip->recoveries++;

	return chip_open_app(chip, dl);
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

/*
 * The link broke (or the chip reset) with the status why during a
 * command: rebuild it, and return 0 when the command may be sent again.
 */
static int
chip_recover(struct chip *chip, const char *what, uint8_t cmd,
    uint8_t param, uint16_t oid, int why, op_deadline_t dl)
{
	char msg[512];
	int rc;

	snprintf(msg, sizeof(msg), "%s", op_errmsg());
	OP_INFO(CHIP_LOG, "%s: %s; recovering", what, msg);
	chip->recovering = true;
	rc = chip_relink(chip, why, dl);
	chip->recovering = false;
	if (rc != 0)
		return op_errctx(rc, "%s: the link failed (%s) and could not "
		    "be recovered", what, msg);
	if (!chip_cmd_repeatable(cmd, param, oid))
		return op_err(why, "%s: the link failed (%s); it works again, "
		    "but whether the chip carried the command out is unknown "
		    "and it is not safe to repeat: check the object and run "
		    "again", what, msg);
	OP_INFO(CHIP_LOG, "%s: link recovered, sending it again", what);

	return 0;
}

/*
 * Send the APDU in chip->apdu (len bytes) and receive its response into
 * chip->rsp.  When the link breaks: recover it, then repeat the command
 * if that is safe, all within dl and CHIP_RECOVER_MAX recoveries.
 */
static int
chip_exchange(struct chip *chip, const char *what, uint8_t cmd,
    uint8_t param, uint16_t oid, size_t len, size_t *rlen, op_deadline_t dl)
{
	uint8_t apdu[APDU_MAX_LEN];
	int rc = 0;

	memcpy(apdu, chip->apdu, len);
	for (unsigned n = 0;; n++) {
		if (chip->link == NULL)
			rc = op_err(OP_RC(OP_LAYER_BUS, OP_E_IO), "no link to "
			    "the chip (an earlier recovery failed)");
		else
			rc = ifxi2c_transceive(chip->link, apdu, len,
			    chip->rsp, sizeof(chip->rsp), rlen, dl);
		if (rc == 0)
			return 0;
		if (!chip_link_broken(rc) || chip->recovering ||
		    n == CHIP_RECOVER_MAX ||
		    op_deadline_left_us(dl) < CHIP_RECOVER_MIN_US)
			return op_errctx(rc, "%s", what);

		if ((rc = chip_recover(chip, what, cmd, param, oid, rc,
		    dl)) != 0)
			return rc;
	}
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
	op_deadline_t dl;
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

	/* exchange, recovering a broken link (see chip_cmd_repeatable) */
	t0 = op_now_us();
	dl = op_deadline_in_ms(timeout_ms);
	if ((rc = chip_exchange(chip, what, cmd, param, oid, b.len, &rlen,
	    dl)) != 0)
		return rc;
	if (rlen == APDU_HEADER_LEN && chip->rsp[0] == STA_FAIL &&
	    (rc = chip_failed(chip, what)) == OP_RC(OP_LAYER_CMD,
	    OP_E_STATE) && !chip->recovering) {
		/* the chip reset: reopen, and send again when safe */
		if ((rc = chip_recover(chip, what, cmd, param, oid, rc,
		    dl)) != 0 || (rc = chip_exchange(chip, what, cmd, param,
		    oid, b.len, &rlen, dl)) != 0)
			return rc;
	} else if (rc != 0) {
		return rc;
	}

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
