/*
 * Status codes and error messages.
 *
 * Every fallible function returns an int status: 0 on success, otherwise
 * OP_RC(layer, code), so one number says where (the layer) and what (the
 * code).  For OP_LAYER_CHIP the code is the chip's own error byte as read
 * from 0xF1C2 (printed as 0x80xx).
 *
 * The text that explains a failure travels separately: the layer that
 * detects the failure sets it with op_err(), each layer above may prefix
 * context with op_errctx(), and the one place that reports (the CLI)
 * prints op_errmsg().  The buffer is thread-local.
 */
#ifndef OP_UTIL_ERR_H
#define OP_UTIL_ERR_H

#include <stdint.h>

enum op_layer {
	OP_LAYER_NONE = 0,
	OP_LAYER_BUS,		/* i2c-dev, FT260, virtual bus socket */
	OP_LAYER_PL,		/* IFX I2C physical layer */
	OP_LAYER_DL,		/* data link */
	OP_LAYER_TL,		/* transport (chaining) */
	OP_LAYER_PRL,		/* presentation (shielded connection) */
	OP_LAYER_CMD,		/* chip command encoding/decoding */
	OP_LAYER_CHIP,		/* the chip refused: code = 0xF1C2 value */
	OP_LAYER_CA,		/* certificate authority */
	OP_LAYER_AWS,		/* AWS IoT control plane */
	OP_LAYER_CONFIG,	/* configuration file */
	OP_LAYER_SYS,		/* files, memory, processes */
	OP_LAYER_CRYPTO,	/* OpenSSL */
	OP_LAYER_USAGE,		/* command line */
	OP_LAYER_PERSO,		/* personalization flow */
	OP_LAYER_TLS,		/* connect: TLS and MQTT */
	OP_LAYER_MAX
};

enum op_code {
	OP_OK = 0,
	OP_E_IO,		/* read/write/ioctl failed */
	OP_E_TIMEOUT,		/* time budget exhausted */
	OP_E_NACK,		/* address not acknowledged */
	OP_E_PROTOCOL,		/* peer broke the protocol */
	OP_E_CRC,		/* frame check sequence wrong */
	OP_E_NOMEM,
	OP_E_INVAL,		/* bad argument or input */
	OP_E_RANGE,		/* too large or too small */
	OP_E_NOTFOUND,
	OP_E_PERM,		/* permission denied */
	OP_E_EXISTS,
	OP_E_UNSUPPORTED,
	OP_E_VERIFY,		/* a signature or check did not hold */
	OP_E_BUSY,
	OP_E_STATE,		/* operation not valid in this state */
	OP_E_AUTH,		/* credentials or signature refused */
	OP_E_THROTTLED,
	OP_E_SERVER,		/* remote side failed */
	OP_E_INTERNAL,
	OP_E_MAX
};

#define OP_RC(layer, code)	((int)(((unsigned)(layer) << 16) | (code)))
#define OP_RC_LAYER(rc)		((int)((unsigned)(rc) >> 16))
#define OP_RC_CODE(rc)		((int)((unsigned)(rc) & 0xffffu))

/* Record a message for rc (replacing any older one); returns rc. */
int op_err(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix context to the current message ("ctx: old"); returns rc. */
int op_errctx(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The current message, or "" when none was recorded. */
const char *op_errmsg(void);
void op_err_clear(void);

/*
 * The status last recorded by op_err()/op_errctx(), 0 after
 * op_err_clear().  For crossing a boundary that drops statuses, such as
 * an OpenSSL provider callback that can only return 0 or 1.
 */
int op_err_last(void);

/* Symbolic name such as "DL_TIMEOUT" or "CHIP_0x8007". */
const char *op_strerr(int rc, char *buf, unsigned buflen);

/* Meaning of a chip error byte (0xF1C2), e.g. 0x07. */
const char *op_chip_strerr(uint8_t code);

/* Name of a layer, e.g. "data link". */
const char *op_layer_name(int layer);

/* Documented process exit code for a status (see docs/exit-codes.md). */
enum op_exit {
	OP_EXIT_OK = 0,
	OP_EXIT_ERROR = 1,	/* anything not listed below */
	OP_EXIT_USAGE = 2,	/* bad command line or input file */
	OP_EXIT_DEVICE = 3,	/* cannot talk to the chip */
	OP_EXIT_CHIP = 4,	/* the chip refused a command */
	OP_EXIT_CLOUD = 5,	/* AWS IoT refused or could not be reached */
	OP_EXIT_VERIFY = 6,	/* a signature, certificate or key check
				 * failed */
	OP_EXIT_TLS = 7		/* connect: TLS handshake or MQTT failed */
};
int op_exit_code(int rc);

#endif
