/*
 * The state file: every persistent object of one emulated chip.
 *
 * Format version 1, binary, all integers big-endian:
 *
 *   offset size  field
 *   0      8     magic "OPSIMCHP"
 *   8      2     format version, 1
 *   10     1     product: 0 Trust M3, 1 Trust M1, 2 Trust X
 *   11     1     reserved, 0
 *   12     4     number of records
 *   16     ...   records: type(1) OID(2) length(4) value
 *   end-32 32    SHA-256 of every byte before it
 *
 *   type 1, data object:  metalen(1) metadata(0x20 container)
 *                         used(2) max(2) data(max bytes)
 *   type 2, key object:   metalen(1) metadata keylen(2) key, the
 *                         private key as OpenSSL DER (i2d_PrivateKey),
 *                         keylen 0 for an empty slot
 *   type 3, factory CA certificate (DER), OID 0
 *
 * Keys are stored in clear; the file is created 0600 and is as secret
 * as the chip would be.  Every change is committed by rewriting the
 * whole file with op_file_write_atomic() (temporary file, fsync, rename)
 * before the APDU's response leaves, so a kill at any instant leaves the
 * old or the new state, never a mix.  The checksum catches a file that
 * was damaged some other way.
 *
 * Not stored (RAM on a real chip too): the open-application flag, the
 * last error code, session keys E100-E103, hash contexts and the
 * hibernate handle.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "simchip.h"
#include "util/err.h"
#include "util/file.h"

#define STORE_MAGIC	"OPSIMCHP"
#define STORE_VERSION	1
#define STORE_HDR	16
#define REC_DATA	1
#define REC_KEY		2
#define REC_CA		3

#define STORE_ERR(code)	OP_RC(OP_LAYER_SYS, code)

static void
put32(struct bbuf *b, uint32_t v)
{
	bbuf_u16(b, (uint16_t)(v >> 16));
	bbuf_u16(b, (uint16_t)v);
}

static size_t
store_size_bound(const struct sim_chip *chip)
{
	size_t n = STORE_HDR + 32 + 16 + chip->ca_len;

	/* per object: header, metadata, sizes, data or a key (<= 2 KiB) */
	for (size_t i = 0; i < chip->nobj; i++)
		n += 7 + 1 + 255 + 4 + chip->obj[i].max + 2048;

	return n;
}

static int
rec_object(struct bbuf *b, const struct sim_obj *o)
{
	uint8_t meta[256];
	unsigned char *key = NULL;
	size_t mlen;
	int klen = 0;
	size_t vlen;

	if (meta_encode(&o->meta, meta, sizeof(meta), &mlen) != 0)
		return -1;
	if (o->kind != SIM_OBJ_DATA && o->key != NULL &&
	    (klen = i2d_PrivateKey(o->key, &key)) <= 0)
		return -1;

	vlen = 1 + mlen + (o->kind == SIM_OBJ_DATA ? 4 + (size_t)o->max :
	    2 + (size_t)klen);
	bbuf_u8(b, o->kind == SIM_OBJ_DATA ? REC_DATA : REC_KEY);
	bbuf_u16(b, o->oid);
	put32(b, (uint32_t)vlen);
	bbuf_u8(b, (uint8_t)mlen);
	bbuf_put(b, meta, mlen);
	if (o->kind == SIM_OBJ_DATA) {
		bbuf_u16(b, o->used);
		bbuf_u16(b, o->max);
		bbuf_put(b, o->data, o->max);
	} else {
		bbuf_u16(b, (uint16_t)klen);
		bbuf_put(b, key, (size_t)klen);
	}
	if (key != NULL)
		OPENSSL_clear_free(key, (size_t)klen);

	return 0;
}

int
sim_store_save(struct sim_chip *chip)
{
	size_t cap = store_size_bound(chip);
	uint8_t *buf;
	struct bbuf b;
	int r = STORE_ERR(OP_E_INTERNAL);

	if ((buf = malloc(cap)) == NULL)
		return op_err(STORE_ERR(OP_E_NOMEM), "out of memory");
	bbuf_init(&b, buf, cap);
	bbuf_put(&b, STORE_MAGIC, 8);
	bbuf_u16(&b, STORE_VERSION);
	bbuf_u8(&b, (uint8_t)chip->product);
	bbuf_u8(&b, 0);
	put32(&b, (uint32_t)(chip->nobj + 1));

	for (size_t i = 0; i < chip->nobj; i++)
		if (rec_object(&b, &chip->obj[i]) != 0) {
			op_err(r, "cannot encode object %04X",
			    chip->obj[i].oid);
			goto fail;
		}
	bbuf_u8(&b, REC_CA);
	bbuf_u16(&b, 0);
	put32(&b, (uint32_t)chip->ca_len);
	bbuf_put(&b, chip->ca_der, chip->ca_len);
	if (b.overflow || b.len + SHA256_DIGEST_LENGTH > cap) {
		op_err(r, "state of %s does not fit its buffer", chip->path);
		goto fail;
	}
	SHA256(buf, b.len, buf + b.len);
	b.len += SHA256_DIGEST_LENGTH;

	r = op_file_write_atomic(chip->path, buf, b.len, 0600);
fail:
	OPENSSL_cleanse(buf, cap);
	free(buf);

	return r;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
load_object(struct sim_obj *o, uint8_t type, const uint8_t *v, size_t n)
{
	const unsigned char *kp;
	struct meta m;
	size_t mlen;
	uint16_t used, max, klen;

	if (type != (o->kind == SIM_OBJ_DATA ? REC_DATA : REC_KEY) || n < 1)
		return -1;
	mlen = v[0];
	if (n < 1 + mlen || meta_parse(v + 1, mlen, &m) != 0)
		return -1;
	v += 1 + mlen;
	n -= 1 + mlen;

	if (o->kind == SIM_OBJ_DATA) {
		if (n < 4)
			return -1;
		used = rd16(v);
		max = rd16(v + 2);
		if (max != o->max || used > max || n != 4 + (size_t)max)
			return -1;
		memcpy(o->data, v + 4, max);
		o->used = used;
	} else {
		if (n < 2 || (klen = rd16(v)) != n - 2)
			return -1;
		EVP_PKEY_free(o->key);
		o->key = NULL;
		kp = v + 2;
		if (klen > 0 && ((o->key = d2i_AutoPrivateKey(NULL, &kp,
		    klen)) == NULL || kp != v + 2 + klen))
			return -1;
	}
	o->meta = m;

	return 0;
}

int
sim_store_load(struct sim_chip *chip, const uint8_t *buf, size_t len)
{
	uint8_t sum[SHA256_DIGEST_LENGTH];
	bool seen[SIM_MAX_OBJECTS] = { false };
	size_t off = STORE_HDR;
	size_t nseen = 0;
	uint32_t nrec;
	int bad = STORE_ERR(OP_E_INVAL);

	if (len < STORE_HDR + SHA256_DIGEST_LENGTH ||
	    memcmp(buf, STORE_MAGIC, 8) != 0)
		return op_err(bad, "%s is not an optiga-sim state file",
		    chip->path);
	if (rd16(buf + 8) != STORE_VERSION)
		return op_err(bad, "%s has state format %u, this build reads "
		    "%u", chip->path, rd16(buf + 8), STORE_VERSION);
	len -= SHA256_DIGEST_LENGTH;
	SHA256(buf, len, sum);
	if (memcmp(sum, buf + len, sizeof(sum)) != 0)
		return op_err(bad, "%s is damaged (checksum mismatch)",
		    chip->path);
	if (buf[10] != (uint8_t)chip->product)
		return op_err(STORE_ERR(OP_E_STATE), "%s holds product %u, "
		    "not the requested %u", chip->path, buf[10],
		    (unsigned)chip->product);

	nrec = get32(buf + 12);
	for (uint32_t i = 0; i < nrec; i++) {
		uint8_t type;
		uint16_t oid;
		size_t n;
		struct sim_obj *o;

		if (len - off < 7)
			goto trunc;
		type = buf[off];
		oid = rd16(buf + off + 1);
		n = get32(buf + off + 3);
		off += 7;
		if (n > len - off)
			goto trunc;
		if (type == REC_CA) {
			free(chip->ca_der);
			if ((chip->ca_der = malloc(n ? n : 1)) == NULL)
				return op_err(STORE_ERR(OP_E_NOMEM),
				    "out of memory");
			memcpy(chip->ca_der, buf + off, n);
			chip->ca_len = n;
		} else {
			if ((o = sim_obj_find(chip, oid)) == NULL ||
			    seen[o - chip->obj] ||
			    load_object(o, type, buf + off, n) != 0)
				return op_err(bad, "%s: object %04X is "
				    "invalid for this product", chip->path,
				    oid);
			seen[o - chip->obj] = true;
			nseen++;
		}
		off += n;
	}
	if (off != len || nseen != chip->nobj)
		return op_err(bad, "%s: %zu of %zu objects, %zu stray bytes",
		    chip->path, nseen, chip->nobj, len - off);

	return 0;
trunc:
	return op_err(bad, "%s is truncated", chip->path);
}
