/*
 * The host's copy of the platform binding secret (fact sheet 4.3): a
 * 64-byte file, private to its owner, written atomically by pairing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ifxi2c/ifxi2c.h"
#include "util/err.h"
#include "util/file.h"

/*
 * 01 02 .. 40: what evaluation samples hold in 0xE140 and the vendor's
 * Linux host library keeps as its default [inferred for samples]; known
 * to everybody, so it shields against nothing but passive sniffing.
 */
const uint8_t ifxi2c_secret_eval[IFXI2C_SECRET_LEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
	0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40,
};

int
ifxi2c_secret_load(const char *path, uint8_t out[IFXI2C_SECRET_LEN])
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (stat(path, &sb) != 0)
		return op_err(OP_RC(OP_LAYER_SYS, errno == ENOENT ?
		    OP_E_NOTFOUND : OP_E_IO), "binding secret %s: %s (pair "
		    "host and chip with 'optiga-perso pair --out %s')", path,
		    strerror(errno), path);
	if ((sb.st_mode & 077) != 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_PERM), "binding secret "
		    "%s: mode %03o lets others read it; chmod 600 it", path,
		    (unsigned)(sb.st_mode & 0777));
	if ((r = op_file_read(path, IFXI2C_SECRET_LEN + 1, &buf, &len)) != 0)
		return op_errctx(r, "binding secret %s", path);
	if (len != IFXI2C_SECRET_LEN) {
		r = op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "binding secret "
		    "%s: %zu bytes; expected exactly %d raw bytes, as "
		    "'optiga-perso pair' writes them", path, len,
		    IFXI2C_SECRET_LEN);
		goto fail;
	}
	memcpy(out, buf, IFXI2C_SECRET_LEN);

	r = 0;
fail:
	OPENSSL_cleanse(buf, len);
	free(buf);

	return r;
}

int
ifxi2c_secret_store(const char *path, const uint8_t s[IFXI2C_SECRET_LEN])
{
	int r;

	if ((r = op_file_write_atomic(path, s, IFXI2C_SECRET_LEN, 0600)) != 0)
		return op_errctx(r, "binding secret %s", path);

	return 0;
}
