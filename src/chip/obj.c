/*
 * Data objects and their metadata: GetDataObject and SetDataObject, split
 * into chunks that fit the chip's 1557-byte command buffer.
 */
#include <string.h>

#include "chip/chip_int.h"
#include "util/err.h"
#include "util/log.h"

#define PARAM_DATA	0x00
#define PARAM_META	0x01
#define PARAM_ERASE	0x40
#define OFFSET_MAX	0xffff

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Chunks of at most 1553 bytes until a short chunk, as the vendor library
 * does.  Error 0x08 (boundary) at an offset means the data ended exactly
 * there: the chip refuses offsets at or past the used length.
 */
int
chip_read_data(struct chip *chip, uint16_t oid, uint8_t *buf, size_t cap,
    size_t *len)
{
	uint8_t in[6];
	size_t done = 0;
	int rc;

	*len = 0;
	while (done < cap && done <= OFFSET_MAX) {
		size_t want = cap - done;
		size_t got = 0;

		if (want > CHIP_READ_CHUNK)
			want = CHIP_READ_CHUNK;
		put16(in, oid);
		put16(in + 2, done);
		put16(in + 4, want);
		rc = chip_cmd(chip, CHIP_CMD_GET_DATA, PARAM_DATA, oid, in,
		    sizeof(in), buf + done, want, &got, 0);
		if (rc == OP_RC(OP_LAYER_CHIP, 0x08)) {
			op_err_clear();
			break;
		}
		if (rc != 0)
			return rc;
		done += got;
		if (got < want)
			break;
	}
	*len = done;

	return 0;
}

int
chip_read_meta(struct chip *chip, uint16_t oid, uint8_t *buf, size_t cap,
    size_t *len)
{
	uint8_t in[2];

	put16(in, oid);

	return chip_cmd(chip, CHIP_CMD_GET_DATA, PARAM_META, oid, in,
	    sizeof(in), buf, cap, len, 0);
}

/*
 * Chunks of at most 1549 bytes (OID and offset take 4 of the 1553).  Only
 * the first chunk erases; the later ones write behind it at increasing
 * offsets (fact sheet 5.4, SetDataObject).
 */
int
chip_write_data(struct chip *chip, uint16_t oid, const uint8_t *buf,
    size_t len, bool erase)
{
	uint8_t in[4 + CHIP_WRITE_CHUNK];
	uint8_t param = erase ? PARAM_ERASE : PARAM_DATA;
	size_t off = 0;
	int rc;

	if (len > OFFSET_MAX)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE),
		    "%zu bytes for 0x%04X: no object holds more than %d",
		    len, oid, OFFSET_MAX);

	do {
		size_t n = len - off;

		if (n > CHIP_WRITE_CHUNK)
			n = CHIP_WRITE_CHUNK;
		put16(in, oid);
		put16(in + 2, off);
		if (n > 0)
			memcpy(in + 4, buf + off, n);
		if ((rc = chip_cmd(chip, CHIP_CMD_SET_DATA, param, oid, in,
		    4 + n, NULL, 0, NULL, 0)) != 0) {
			if (off > 0)
				op_errctx(rc, "after %zu of %zu bytes", off,
				    len);
			return rc;
		}
		param = PARAM_DATA;
		off += n;
	} while (off < len);

	return 0;
}

int
chip_write_meta(struct chip *chip, uint16_t oid, const uint8_t *meta,
    size_t len)
{
	uint8_t in[4 + 255];

	if (len > sizeof(in) - 4)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE),
		    "metadata of %zu bytes for 0x%04X; at most %zu fit one "
		    "command", len, oid, sizeof(in) - 4);
	put16(in, oid);
	put16(in + 2, 0);
	memcpy(in + 4, meta, len);

	return chip_cmd(chip, CHIP_CMD_SET_DATA, PARAM_META, oid, in, 4 + len,
	    NULL, 0, NULL, 0);
}

int
chip_get_meta(struct chip *chip, uint16_t oid, struct chip_meta *m)
{
	uint8_t buf[256];
	size_t len = 0;
	int rc;

	if ((rc = chip_read_meta(chip, oid, buf, sizeof(buf), &len)) != 0)
		return rc;
	if ((rc = chip_meta_parse(buf, len, m)) != 0)
		return op_errctx(rc, "metadata of 0x%04X", oid);

	return 0;
}
