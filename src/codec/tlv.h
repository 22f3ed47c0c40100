/*
 * APDU byte buffers and the TLVs inside them.
 *
 * Command:  Cmd(1) Param(1) InLen(2) InData
 * Response: Sta(1) UnDef(1) OutLen(2) OutData
 * InData TLVs: Tag(1) Len(2, big-endian) Value.
 * Metadata TLVs (tags inside 0x20) use 1-byte lengths: see meta.h.
 */
#ifndef OP_CODEC_TLV_H
#define OP_CODEC_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APDU_HEADER_LEN		4
#define APDU_MAX_LEN		0x0615	/* 1557: "max com buffer size" */
#define APDU_MAX_DATA		(APDU_MAX_LEN - APDU_HEADER_LEN)

/*
 * A bounded byte builder.  Writes past cap set overflow instead of
 * writing, so a builder can be filled without checking each call and
 * checked once at the end.
 */
struct bbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

void bbuf_init(struct bbuf *b, uint8_t *mem, size_t cap);
void bbuf_put(struct bbuf *b, const void *data, size_t n);
void bbuf_u8(struct bbuf *b, uint8_t v);
void bbuf_u16(struct bbuf *b, uint16_t v);
void bbuf_tlv(struct bbuf *b, uint8_t tag, const void *v, size_t n);
void bbuf_tlv_u16(struct bbuf *b, uint8_t tag, uint16_t v);
void bbuf_tlv_u8(struct bbuf *b, uint8_t tag, uint8_t v);

/* Begin an APDU: header with InLen 0, patched by apdu_finish(). */
void apdu_begin(struct bbuf *b, uint8_t cmd, uint8_t param);
/* Patch InLen; false on overflow or when InData exceeds APDU_MAX_DATA. */
bool apdu_finish(struct bbuf *b);

/* Read a big-endian uint16. */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Walk TLVs with 2-byte lengths.  tlv_next() returns 1 and fills tag/v/n
 * for the next item, 0 at a clean end, -1 on a truncated item.
 */
struct tlv_iter {
	const uint8_t *p;
	size_t left;
};

void tlv_iter_init(struct tlv_iter *it, const uint8_t *buf, size_t len);
int tlv_next(struct tlv_iter *it, uint8_t *tag, const uint8_t **v,
    size_t *n);

/* Find the first TLV with this tag; 0 if found, -1 if absent or bad. */
int tlv_find(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **v,
    size_t *n);

#endif
