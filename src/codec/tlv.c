#include <string.h>

#include "codec/tlv.h"

void
bbuf_init(struct bbuf *b, uint8_t *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

void
bbuf_put(struct bbuf *b, const void *data, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

void
bbuf_u8(struct bbuf *b, uint8_t v)
{
	bbuf_put(b, &v, 1);
}

void
bbuf_u16(struct bbuf *b, uint16_t v)
{
	uint8_t be[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	bbuf_put(b, be, 2);
}

void
bbuf_tlv(struct bbuf *b, uint8_t tag, const void *v, size_t n)
{
	if (n > 0xffff) {
		b->overflow = true;
		return;
	}
	bbuf_u8(b, tag);
	bbuf_u16(b, (uint16_t)n);
	bbuf_put(b, v, n);
}

void
bbuf_tlv_u16(struct bbuf *b, uint8_t tag, uint16_t v)
{
	uint8_t be[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	bbuf_tlv(b, tag, be, 2);
}

void
bbuf_tlv_u8(struct bbuf *b, uint8_t tag, uint8_t v)
{
	bbuf_tlv(b, tag, &v, 1);
}

void
apdu_begin(struct bbuf *b, uint8_t cmd, uint8_t param)
{
	b->len = 0;
	b->overflow = false;
	bbuf_u8(b, cmd);
	bbuf_u8(b, param);
	bbuf_u16(b, 0);
}

bool
apdu_finish(struct bbuf *b)
{
	size_t inlen;

	if (b->overflow || b->len < APDU_HEADER_LEN)
		return false;
	inlen = b->len - APDU_HEADER_LEN;
	if (inlen > APDU_MAX_DATA)
		return false;
	b->p[2] = (uint8_t)(inlen >> 8);
	b->p[3] = (uint8_t)inlen;

	return true;
}

void
tlv_iter_init(struct tlv_iter *it, const uint8_t *buf, size_t len)
{
	it->p = buf;
	it->left = len;
}

int
tlv_next(struct tlv_iter *it, uint8_t *tag, const uint8_t **v, size_t *n)
{
	size_t l;

	if (it->left == 0)
		return 0;
	if (it->left < 3)
		return -1;
	l = rd16(it->p + 1);
	if (l > it->left - 3)
		return -1;
	*tag = it->p[0];
	*v = it->p + 3;
	*n = l;
	it->p += 3 + l;
	it->left -= 3 + l;

	return 1;
}

int
tlv_find(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **v,
    size_t *n)
{
	struct tlv_iter it;
	uint8_t t;
	int r;

	tlv_iter_init(&it, buf, len);
	while ((r = tlv_next(&it, &t, v, n)) == 1)
		if (t == tag)
			return 0;

	return -1;
}
