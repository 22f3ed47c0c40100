/*
 * Status codes and the thread-local error message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

#define OP_ERRBUF_LEN 1024

static _Thread_local char errbuf[OP_ERRBUF_LEN];
static _Thread_local int errlast;

int
op_err(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	errlast = rc;

	return rc;
}

int
op_errctx(int rc, const char *fmt, ...)
{
	char ctx[OP_ERRBUF_LEN];
	char old[OP_ERRBUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);

	memcpy(old, errbuf, sizeof(old));
	if (old[0] == '\0')
		snprintf(errbuf, sizeof(errbuf), "%s", ctx);
	else
		snprintf(errbuf, sizeof(errbuf), "%s: %s", ctx, old);
	errlast = rc;

	return rc;
}

const char *
op_errmsg(void)
{
	return errbuf;
}

void
op_err_clear(void)
{
	errbuf[0] = '\0';
	errlast = 0;
}

int
op_err_last(void)
{
	return errlast;
}

static const char *const layer_names[OP_LAYER_MAX] = {
	[OP_LAYER_NONE] = "none",
	[OP_LAYER_BUS] = "bus",
	[OP_LAYER_PL] = "physical layer",
	[OP_LAYER_DL] = "data link",
	[OP_LAYER_TL] = "transport",
	[OP_LAYER_PRL] = "presentation layer",
	[OP_LAYER_CMD] = "command",
	[OP_LAYER_CHIP] = "chip",
	[OP_LAYER_CA] = "CA",
	[OP_LAYER_AWS] = "AWS IoT",
	[OP_LAYER_CONFIG] = "config",
	[OP_LAYER_SYS] = "system",
	[OP_LAYER_CRYPTO] = "crypto",
	[OP_LAYER_USAGE] = "usage",
	[OP_LAYER_PERSO] = "personalize",
	[OP_LAYER_TLS] = "connect",
};

static const char *const layer_tags[OP_LAYER_MAX] = {
	[OP_LAYER_NONE] = "NONE", [OP_LAYER_BUS] = "BUS",
	[OP_LAYER_PL] = "PL", [OP_LAYER_DL] = "DL", [OP_LAYER_TL] = "TL",
	[OP_LAYER_PRL] = "PRL", [OP_LAYER_CMD] = "CMD",
	[OP_LAYER_CHIP] = "CHIP", [OP_LAYER_CA] = "CA",
	[OP_LAYER_AWS] = "AWS", [OP_LAYER_CONFIG] = "CONFIG",
	[OP_LAYER_SYS] = "SYS", [OP_LAYER_CRYPTO] = "CRYPTO",
	[OP_LAYER_USAGE] = "USAGE", [OP_LAYER_PERSO] = "PERSO",
	[OP_LAYER_TLS] = "TLS",
};

static const char *const code_tags[OP_E_MAX] = {
	[OP_OK] = "OK", [OP_E_IO] = "IO", [OP_E_TIMEOUT] = "TIMEOUT",
	[OP_E_NACK] = "NACK", [OP_E_PROTOCOL] = "PROTOCOL",
	[OP_E_CRC] = "CRC", [OP_E_NOMEM] = "NOMEM", [OP_E_INVAL] = "INVAL",
	[OP_E_RANGE] = "RANGE", [OP_E_NOTFOUND] = "NOTFOUND",
	[OP_E_PERM] = "PERM", [OP_E_EXISTS] = "EXISTS",
	[OP_E_UNSUPPORTED] = "UNSUPPORTED", [OP_E_VERIFY] = "VERIFY",
	[OP_E_BUSY] = "BUSY", [OP_E_STATE] = "STATE", [OP_E_AUTH] = "AUTH",
	[OP_E_THROTTLED] = "THROTTLED", [OP_E_SERVER] = "SERVER",
	[OP_E_INTERNAL] = "INTERNAL",
};

const char *
op_layer_name(int layer)
{
	if (layer < 0 || layer >= OP_LAYER_MAX)
		return "unknown";

	return layer_names[layer];
}

const char *
op_strerr(int rc, char *buf, unsigned buflen)
{
	int layer = OP_RC_LAYER(rc);
	int code = OP_RC_CODE(rc);

	if (rc == 0) {
		snprintf(buf, buflen, "OK");
		return buf;
	}
	if (layer >= OP_LAYER_MAX) {
		snprintf(buf, buflen, "UNKNOWN_0x%08x", (unsigned)rc);
		return buf;
	}
	if (layer == OP_LAYER_CHIP || code >= OP_E_MAX)
		snprintf(buf, buflen, "%s_0x%04x", layer_tags[layer],
		    layer == OP_LAYER_CHIP ? 0x8000u | (unsigned)code :
		    (unsigned)code);
	else
		snprintf(buf, buflen, "%s_%s", layer_tags[layer],
		    code_tags[code]);

	return buf;
}

const char *
op_chip_strerr(uint8_t code)
{
	switch (code) {
	case 0x00: return "no error";
	case 0x01: return "invalid OID";
	case 0x02: return "invalid password";
	case 0x03: return "invalid Param field";
	case 0x04: return "invalid length field";
	case 0x05: return "invalid parameter in InData";
	case 0x06: return "internal process error";
	case 0x07: return "access conditions not satisfied";
	case 0x08: return "data object boundary exceeded";
	case 0x09: return "metadata truncation error";
	case 0x0a: return "invalid command field";
	case 0x0b: return "command out of sequence";
	case 0x0c: return "command not available";
	case 0x0d: return "insufficient buffer/memory";
	case 0x0e: return "counter threshold limit exceeded";
	case 0x0f: return "invalid manifest";
	case 0x10: return "invalid/wrong payload version";
	case 0x11: return "invalid metadata of the key/data object";
	case 0x24: return "unsupported extension/identifier";
	case 0x25: return "unsupported parameters";
	case 0x29: return "invalid certificate format";
	case 0x2a: return "unsupported certificate";
	case 0x2c: return "signature verification failure";
	case 0x2d: return "integrity validation failure";
	case 0x2e: return "decryption failure";
	case 0x2f: return "authorization failure";
	default: return "unknown chip error";
	}
}

int
op_exit_code(int rc)
{
	if (rc == 0)
		return OP_EXIT_OK;

	switch (OP_RC_LAYER(rc)) {
	case OP_LAYER_USAGE:
	case OP_LAYER_CONFIG:
		return OP_EXIT_USAGE;
	case OP_LAYER_BUS:
	case OP_LAYER_PL:
	case OP_LAYER_DL:
	case OP_LAYER_TL:
	case OP_LAYER_PRL:
	case OP_LAYER_CMD:
		return OP_EXIT_DEVICE;
	case OP_LAYER_CHIP:
		return OP_EXIT_CHIP;
	case OP_LAYER_AWS:
		return OP_EXIT_CLOUD;
	case OP_LAYER_TLS:
		return OP_EXIT_TLS;
	default:
		break;
	}
	if (OP_RC_CODE(rc) == OP_E_VERIFY)
		return OP_EXIT_VERIFY;

	return OP_EXIT_ERROR;
}
