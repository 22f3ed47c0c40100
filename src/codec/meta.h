/*
 * Object metadata: the 0x20 container of 1-byte-tag, 1-byte-length TLVs
 * (fact sheet section 7), and the access-condition expressions inside
 * tags D0/D1/D3/D8.
 *
 * Stateless, shared by the host stack (to show and build metadata) and
 * the emulator (to store and enforce it).  A struct meta is a plain value:
 * parse, change, encode.  Encoding puts the tags in ascending order and
 * C4/C5 in minimal width, which is how a real chip answers a read.
 */
#ifndef OP_CODEC_META_H
#define OP_CODEC_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define META_TAG_CONTAINER	0x20
#define META_TAG_LCSO		0xC0
#define META_TAG_VERSION	0xC1
#define META_TAG_MAX_SIZE	0xC4
#define META_TAG_USED_SIZE	0xC5
#define META_TAG_CHANGE		0xD0
#define META_TAG_READ		0xD1
#define META_TAG_EXECUTE	0xD3
#define META_TAG_META_UPDATE	0xD8
#define META_TAG_ALGORITHM	0xE0
#define META_TAG_KEY_USAGE	0xE1
#define META_TAG_TYPE		0xE8
#define META_TAG_RESET_TYPE	0xF0

/* Life-cycle states (tag C0, objects E0C0 and F1C0) */
#define META_LCS_CR		0x01
#define META_LCS_IN		0x03
#define META_LCS_OP		0x07
#define META_LCS_TE		0x0F

/*
 * The chip allows 44 bytes of metadata; the host-side parser of the
 * vendor's Python tools reads up to 62.  Parsing accepts up to 62 bytes
 * of content so a host can show whatever a chip returns.
 */
#define META_MAX_CONTENT	62
#define META_MAX_ITEMS		16

struct meta_item {
	uint8_t tag;
	uint8_t len;
	uint8_t v[META_MAX_CONTENT];
};

struct meta {
	size_t n;
	struct meta_item item[META_MAX_ITEMS];
};

void meta_init(struct meta *m);

/*
 * Parse a whole container "20 LL {tag len value}*".  Fails with
 * OP_RC(OP_LAYER_CMD, OP_E_INVAL) and a message on a missing 0x20, a
 * length that disagrees with the buffer, a truncated item or a repeated
 * tag.
 */
int meta_parse(const uint8_t *buf, size_t len, struct meta *m);

/* Value of tag, or NULL when absent; *len gets its length. */
const uint8_t *meta_get(const struct meta *m, uint8_t tag, size_t *len);
bool meta_has(const struct meta *m, uint8_t tag);

/* Add or replace one tag.  Fails when the value or the table is full. */
int meta_set(struct meta *m, uint8_t tag, const uint8_t *v, size_t len);
void meta_remove(struct meta *m, uint8_t tag);

/* Sizes (C4/C5): big-endian, 1 or 2 bytes. */
int meta_get_size(const struct meta *m, uint8_t tag, uint16_t *v);
int meta_set_size(struct meta *m, uint8_t tag, uint16_t v);

/* Every tag of upd replaces the same tag in dst (a partial write). */
int meta_merge(struct meta *dst, const struct meta *upd);

/*
 * Encode as "20 LL ..." with tags in ascending order.  *len gets the
 * total length.  Fails when it does not fit cap or 255 bytes.
 */
int meta_encode(const struct meta *m, uint8_t *out, size_t cap,
    size_t *len);

/* Length of the content (LL) the encoding would have. */
size_t meta_content_len(const struct meta *m);

/*
 * Access-condition expressions.  An expression is up to 3 tokens joined
 * by OR (FE); a token is up to 7 simple conditions joined by AND (FD).
 * ALW (00) and NEV (FF) stand alone.
 */
#define META_AC_ALW		0x00
#define META_AC_NEV		0xFF
#define META_AC_SECSTA_G	0x10
#define META_AC_SECSTA_A	0x90
#define META_AC_CONF		0x20
#define META_AC_INT		0x21
#define META_AC_AUTO		0x23
#define META_AC_LUC		0x40
#define META_AC_LCSG		0x70
#define META_AC_LCSA		0xE0
#define META_AC_LCSO		0xE1
#define META_AC_EQ		0xFA
#define META_AC_GT		0xFB
#define META_AC_LT		0xFC
#define META_AC_AND		0xFD
#define META_AC_OR		0xFE

#define META_AC_MAX_AND		7
#define META_AC_MAX_OR		3
#define META_AC_MAX_CONDS	(META_AC_MAX_AND * META_AC_MAX_OR)

struct meta_ac_cond {
	uint8_t kind;		/* META_AC_ALW .. META_AC_LCSO */
	uint8_t cmp;		/* FA/FB/FC for the life-cycle kinds */
	uint8_t val;		/* life-cycle value or status mask */
	uint16_t oid;		/* Conf, Int, Auto, Luc */
	bool or_next;		/* an OR follows this condition */
};

struct meta_ac {
	size_t n;
	struct meta_ac_cond c[META_AC_MAX_CONDS];
};

/* Parse and check the grammar of an expression (the value of D0 etc). */
int meta_ac_parse(const uint8_t *ac, size_t len, struct meta_ac *out);

/*
 * Render an expression as text, for example "LcsO < op || Conf(E140)".
 * Always NUL-terminates (truncating when out is short).  Returns 0, or
 * the meta_ac_parse() error after rendering "invalid (hex)".
 */
int meta_ac_describe(const uint8_t *ac, size_t len, char *out, size_t cap);

/* "cr", "in", "op", "te" or NULL. */
const char *meta_lcs_name(uint8_t v);

#endif
