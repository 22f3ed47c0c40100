/*
 * Crypto commands: GetRandom, CalcHash, GenKeyPair, CalcSign, VerifySign
 * (fact sheet 5.4, formats of section 9).
 */
#include <string.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "simchip.h"

#define MAX_TLVS	4

/* InData TLVs by tag; a repeated or malformed TLV is an InData error. */
struct tlvs {
	size_t n;
	uint8_t tag[MAX_TLVS];
	const uint8_t *v[MAX_TLVS];
	size_t len[MAX_TLVS];
};

static int
tlvs_parse(const struct sim_cmd *c, struct tlvs *t)
{
	struct tlv_iter it;
	uint8_t tag;
	const uint8_t *v;
	size_t n;
	int r;

	t->n = 0;
	tlv_iter_init(&it, c->in, c->inlen);
	while ((r = tlv_next(&it, &tag, &v, &n)) == 1) {
		for (size_t i = 0; i < t->n; i++)
			if (t->tag[i] == tag)
				return SIM_E_INDATA;
		if (t->n == MAX_TLVS)
			return SIM_E_INDATA;
		t->tag[t->n] = tag;
		t->v[t->n] = v;
		t->len[t->n] = n;
		t->n++;
	}

	return r == 0 ? 0 : SIM_E_LENGTH;
}

static const uint8_t *
tlvs_get(const struct tlvs *t, uint8_t tag, size_t *len)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->tag[i] == tag) {
			*len = t->len[i];
			return t->v[i];
		}

	return NULL;
}

int
sim_cmd_get_random(struct sim_chip *chip, struct sim_cmd *c)
{
	uint8_t buf[256];
	size_t n;

	(void)chip;
	if (c->param == 0x04)
		/* XXX: pre-master secret into a session is not emulated */
		return SIM_E_UNSUP_PARAM;
	if (c->param != 0x00 && c->param != 0x01)
		return SIM_E_PARAM;
	if (c->inlen > 2)
		/* XXX: storing the random in a session is not emulated */
		return SIM_E_UNSUP_PARAM;
	if (c->inlen != 2)
		return SIM_E_LENGTH;
	if ((n = rd16(c->in)) < 8 || n > 256)
		return SIM_E_INDATA;
	if (RAND_bytes(buf, (int)n) != 1)
		return SIM_E_INTERNAL;
	bbuf_put(&c->out, buf, n);
	c->us = sim_time_random(n);

	return 0;
}

/* Data of a hashed object (tags 1y): OID(2) offset(2) length(2). */
static int
hash_object_data(struct sim_chip *chip, const uint8_t *v, size_t len,
    const uint8_t **data, size_t *n)
{
	struct sim_obj *o;
	uint16_t off, want;

	if (len != 6)
		return SIM_E_LENGTH;
	if ((o = sim_obj_find(chip, rd16(v))) == NULL)
		return SIM_E_OID;
	if (o->kind != SIM_OBJ_DATA || o->oid == SIM_OID_LAST_ERROR ||
	    !sim_ac_allows(chip, o, META_TAG_READ))
		return SIM_E_ACCESS;
	off = rd16(v + 2);
	want = rd16(v + 4);
	if (off > o->used)
		return SIM_E_BOUNDARY;
	*data = o->data + off;
	*n = o->used - off < want ? o->used - off : want;

	return 0;
}

static int
hash_digest(EVP_MD_CTX *ctx, bool keep, struct bbuf *out)
{
	EVP_MD_CTX *fin = ctx;
	uint8_t md[32];
	unsigned int mdlen;
	int r = 0;

	/* y = 5 finishes a copy and keeps the running context */
	if (keep && ((fin = EVP_MD_CTX_new()) == NULL ||
	    EVP_MD_CTX_copy_ex(fin, ctx) != 1))
		r = SIM_E_INTERNAL;
	if (r == 0 && EVP_DigestFinal_ex(fin, md, &mdlen) != 1)
		r = SIM_E_INTERNAL;
	if (r == 0)
		bbuf_tlv(out, 0x01, md, mdlen);
	if (keep)
		EVP_MD_CTX_free(fin);

	return r;
}

int
sim_cmd_calc_hash(struct sim_chip *chip, struct sim_cmd *c)
{
	struct tlvs t;
	const uint8_t *data;
	size_t n;
	uint8_t tag, y;
	int e;

	if (c->param != 0xE2)
		return SIM_E_PARAM;
	if ((e = tlvs_parse(c, &t)) != 0)
		return e;
	if (t.n == 0)
		return SIM_E_LENGTH;
	if (t.n > 1)
		/* XXX: hash contexts cannot be exported or imported */
		return t.tag[1] == 0x06 || t.tag[1] == 0x07 ?
		    SIM_E_UNSUP_PARAM : SIM_E_INDATA;

	tag = t.tag[0];
	data = t.v[0];
	n = t.len[0];
	if (tag == 0x06 || tag == 0x07)
		return SIM_E_UNSUP_PARAM;
	if (tag == 0x04) {
		/* terminate */
		if (n != 0)
			return SIM_E_LENGTH;
		if (chip->hash == NULL)
			return SIM_E_SEQUENCE;
		EVP_MD_CTX_free(chip->hash);
		chip->hash = NULL;
		c->us = 2000;
		return 0;
	}
	y = tag & 0x0f;
	if ((tag & 0xf0) > 0x10 || y == 0x04 || y > 0x05)
		return SIM_E_INDATA;
	if ((tag & 0xf0) == 0x10 &&
	    (e = hash_object_data(chip, t.v[0], t.len[0], &data, &n)) != 0)
		return e;

	/* start and start&final drop any unfinished sequence */
	if (y == 0x00 || y == 0x01) {
		EVP_MD_CTX_free(chip->hash);
		if ((chip->hash = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(chip->hash, EVP_sha256(), NULL) != 1)
			return SIM_E_INTERNAL;
	} else if (chip->hash == NULL)
		return SIM_E_SEQUENCE;
	if (EVP_DigestUpdate(chip->hash, data, n) != 1)
		return SIM_E_INTERNAL;
	c->us = sim_time_hash(chip, n);

	if (y == 0x00 || y == 0x02)
		return 0;
	if ((e = hash_digest(chip->hash, y == 0x05, &c->out)) != 0 ||
	    y == 0x05)
		return e;
	EVP_MD_CTX_free(chip->hash);
	chip->hash = NULL;

	return 0;
}

static bool
is_session(uint16_t oid)
{
	return oid >= SIM_OID_SESSION_0 &&
	    oid < SIM_OID_SESSION_0 + SIM_SESSIONS;
}

static uint8_t
key_usage(const struct sim_obj *o)
{
	const uint8_t *v;
	size_t n;

	if ((v = meta_get(&o->meta, META_TAG_KEY_USAGE, &n)) == NULL ||
	    n != 1)
		return 0;

	return v[0];
}

/*
 * The slot (01) and key usage (02) of a GenKeyPair that keeps its key:
 * *o is the key object, or stays NULL for a session slot, which holds
 * ECC keys only.  Returns a chip error or 0.
 */
static int
keygen_slot(struct sim_chip *chip, const struct sim_alg_info *a,
    const struct tlvs *t, uint16_t *oid, uint8_t *usage,
    struct sim_obj **o)
{
	const uint8_t *v;
	size_t n;

	if ((v = tlvs_get(t, 0x01, &n)) == NULL || n != 2)
		return SIM_E_INDATA;
	*oid = rd16(v);
	if ((v = tlvs_get(t, 0x02, &n)) == NULL || n != 1 || t->n != 2)
		return SIM_E_INDATA;
	*usage = v[0];
	if (*usage == 0 || (*usage & ~0x33) != 0)
		return SIM_E_INDATA;

	if (is_session(*oid))
		return a->group == NULL ? SIM_E_INDATA : 0;
	if ((*o = sim_obj_find(chip, *oid)) == NULL)
		return SIM_E_OID;
	if ((*o)->kind == SIM_OBJ_DATA ||
	    ((*o)->kind == SIM_OBJ_KEY_RSA) != (a->group == NULL))
		return SIM_E_INDATA;
	if (!sim_ac_allows(chip, *o, META_TAG_CHANGE))
		return SIM_E_ACCESS;

	return 0;
}

int
sim_cmd_gen_keypair(struct sim_chip *chip, struct sim_cmd *c)
{
	const struct sim_alg_info *a;
	struct tlvs t;
	size_t n;
	struct sim_obj *o = NULL;
	uint16_t oid = 0;
	uint8_t usage = 0;
	EVP_PKEY *key = NULL;
	uint8_t kbuf[300];
	struct bbuf kb;
	bool exp;
	int e;

	/*
	 * An unknown identifier is a bad Param; a known one the product
	 * lacks (RSA on Trust X, P-521 on V1) is "unsupported parameters".
	 */
	if ((a = sim_alg_info(c->param)) == NULL)
		return SIM_E_PARAM;
	if (!sim_alg_on_product(chip->product, c->param))
		return SIM_E_UNSUP_PARAM;
	if ((e = tlvs_parse(c, &t)) != 0)
		return e;

	exp = tlvs_get(&t, 0x07, &n) != NULL;
	if (exp) {
		if (n != 0 || t.n != 1)
			return SIM_E_INDATA;
	} else if ((e = keygen_slot(chip, a, &t, &oid, &usage, &o)) != 0)
		return e;

	if ((key = sim_key_generate(a)) == NULL)
		return SIM_E_INTERNAL;
	/* export: 01 LLLL OCTET STRING first; then 02 LLLL BIT STRING */
	bbuf_init(&kb, kbuf, sizeof(kbuf));
	if (exp && sim_key_priv_octets(key, a, &kb) != 0)
		goto internal;
	if (exp)
		bbuf_tlv(&c->out, 0x01, kbuf, kb.len);
	bbuf_init(&kb, kbuf, sizeof(kbuf));
	if (sim_key_pub_bitstring(key, &kb) != 0)
		goto internal;
	bbuf_tlv(&c->out, 0x02, kbuf, kb.len);
	OPENSSL_cleanse(kbuf, sizeof(kbuf));
	c->us = sim_time_alg(chip, a->id, SIM_T_KEYGEN);

	if (exp) {
		EVP_PKEY_free(key);
	} else if (o == NULL) {
		EVP_PKEY_free(chip->session[oid - SIM_OID_SESSION_0]);
		chip->session[oid - SIM_OID_SESSION_0] = key;
	} else {
		uint8_t alg = (uint8_t)a->id;

		/* E0 is written by the chip; E1 from the request [inferred] */
		if (meta_set(&o->meta, META_TAG_ALGORITHM, &alg, 1) != 0 ||
		    meta_set(&o->meta, META_TAG_KEY_USAGE, &usage, 1) != 0)
			goto internal;
		EVP_PKEY_free(o->key);
		o->key = key;
		chip->dirty = true;
	}

	return 0;
internal:
	OPENSSL_cleanse(kbuf, sizeof(kbuf));
	EVP_PKEY_free(key);

	return SIM_E_INTERNAL;
}

static const EVP_MD *
rsa_md(struct sim_chip *chip, uint8_t param, size_t *dlen)
{
	switch (param) {
	case 0x01:
		*dlen = 32;
		return EVP_sha256();
	case 0x02:
		*dlen = 48;
		return EVP_sha384();
	case 0x03:
		/* V1 has no RSA-SHA512 signatures (fact sheet 5.6) */
		*dlen = 64;
		return chip->product == SIM_TRUST_M3 ? EVP_sha512() : NULL;
	default:
		return NULL;
	}
}

/*
 * The scheme of a CalcSign or VerifySign param: 0x11 is ECDSA (*md stays
 * NULL), the others RSA with the hash rsa_md() names, whose digest must
 * be *want bytes.  Returns a chip error or 0.
 */
static int
sign_scheme(struct sim_chip *chip, uint8_t param, const EVP_MD **md,
    size_t *want)
{
	*md = NULL;
	if (param == 0x11)
		return 0;
	if (chip->product == SIM_TRUST_X ||
	    (*md = rsa_md(chip, param, want)) == NULL)
		return param == 0x03 && chip->product == SIM_TRUST_M1 ?
		    SIM_E_UNSUP_PARAM : SIM_E_PARAM;

	return 0;
}

/* The key named by a CalcSign InData; returns a chip error or 0. */
static int
sign_key(struct sim_chip *chip, uint16_t oid, EVP_PKEY **key)
{
	struct sim_obj *o;
	uint8_t usage;

	if (is_session(oid)) {
		/* an empty session slot is "out of sequence" (fact sheet) */
		if ((*key = chip->session[oid - SIM_OID_SESSION_0]) == NULL)
			return SIM_E_SEQUENCE;
		return 0;
	}
	if ((o = sim_obj_find(chip, oid)) == NULL || o->kind == SIM_OBJ_DATA)
		return SIM_E_OID;
	if (!sim_ac_allows(chip, o, META_TAG_EXECUTE))
		return SIM_E_ACCESS;
	/* an empty key slot: same code as an empty session [inferred] */
	if (o->key == NULL)
		return SIM_E_SEQUENCE;
	/* usage Sign or Auth; a mismatch gives 0x24 [inferred] */
	usage = key_usage(o);
	if ((usage & (SIM_USAGE_SIGN | SIM_USAGE_AUTH)) == 0)
		return SIM_E_UNSUPPORTED;
	*key = o->key;

	return 0;
}

int
sim_cmd_calc_sign(struct sim_chip *chip, struct sim_cmd *c)
{
	const struct sim_alg_info *a;
	const EVP_MD *md = NULL;
	struct tlvs t;
	const uint8_t *dgst, *v;
	size_t dlen, n, want = 0;
	EVP_PKEY *key = NULL;
	int e, alg;

	if ((e = sign_scheme(chip, c->param, &md, &want)) != 0)
		return e;
	if ((e = tlvs_parse(c, &t)) != 0)
		return e;
	if ((dgst = tlvs_get(&t, 0x01, &dlen)) == NULL ||
	    (v = tlvs_get(&t, 0x03, &n)) == NULL || n != 2 || t.n != 2)
		return SIM_E_INDATA;
	if ((e = sign_key(chip, rd16(v), &key)) != 0)
		return e;

	/* the scheme must fit the key's algorithm */
	alg = sim_alg_of_key(key);
	if ((a = sim_alg_info(alg)) == NULL)
		return SIM_E_INTERNAL;
	if ((a->group == NULL) != (md != NULL))
		return SIM_E_UNSUPPORTED;

	if (md == NULL) {
		/* ECDSA on a given hash: 10 bytes up to the key size */
		if (dlen < 10 || dlen > a->width)
			return SIM_E_INDATA;
		if (sim_ecdsa_sign(key, a->width, dgst, dlen, &c->out) != 0)
			return SIM_E_INTERNAL;
	} else {
		if (dlen != want)
			return SIM_E_INDATA;
		if (sim_rsa_sign(key, md, dgst, dlen, &c->out) != 0)
			return SIM_E_INTERNAL;
	}
	c->us = sim_time_alg(chip, alg, SIM_T_SIGN);

	return 0;
}

/*
 * VerifySign's certificate: one DER certificate, first byte 0x30, at
 * most 1300 bytes (fact sheet 8); the codes 0x29/0x2A are [inferred].
 */
static int
cert_key(struct sim_chip *chip, uint16_t oid, EVP_PKEY **key)
{
	struct sim_obj *o;
	const unsigned char *p;
	X509 *x;

	if ((o = sim_obj_find(chip, oid)) == NULL || o->kind != SIM_OBJ_DATA)
		return SIM_E_OID;
	if (o->used == 0 || o->data[0] != 0x30)
		return SIM_E_CERT_FORMAT;
	if (o->used > 1300)
		return SIM_E_CERT_UNSUP;
	p = o->data;
	if ((x = d2i_X509(NULL, &p, o->used)) == NULL)
		return SIM_E_CERT_FORMAT;
	*key = X509_get_pubkey(x);
	X509_free(x);
	if (*key == NULL || sim_alg_of_key(*key) < 0 ||
	    !sim_alg_on_product(chip->product, sim_alg_of_key(*key))) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return SIM_E_CERT_UNSUP;
	}

	return 0;
}

int
sim_cmd_verify_sign(struct sim_chip *chip, struct sim_cmd *c)
{
	const struct sim_alg_info *a;
	const EVP_MD *md = NULL;
	struct tlvs t;
	const uint8_t *dgst, *sig, *v;
	size_t dlen, slen, n, want = 0;
	EVP_PKEY *key = NULL;
	bool ok;
	int e, alg;

	if ((e = sign_scheme(chip, c->param, &md, &want)) != 0)
		return e;
	if ((e = tlvs_parse(c, &t)) != 0)
		return e;
	if ((dgst = tlvs_get(&t, 0x01, &dlen)) == NULL || dlen > 64 ||
	    (sig = tlvs_get(&t, 0x02, &slen)) == NULL || slen > 520)
		return SIM_E_INDATA;

	if ((v = tlvs_get(&t, 0x04, &n)) != NULL) {
		if (n != 2 || t.n != 3)
			return SIM_E_INDATA;
		if ((e = cert_key(chip, rd16(v), &key)) != 0)
			return e;
	} else {
		if ((v = tlvs_get(&t, 0x05, &n)) == NULL || n != 1 ||
		    t.n != 4)
			return SIM_E_INDATA;
		if ((a = sim_alg_info(v[0])) == NULL)
			return SIM_E_INDATA;
		if (!sim_alg_on_product(chip->product, v[0]))
			return SIM_E_UNSUP_PARAM;
		if ((v = tlvs_get(&t, 0x06, &n)) == NULL ||
		    (key = sim_key_from_bitstring(a, v, n)) == NULL)
			return SIM_E_INDATA;
	}

	alg = sim_alg_of_key(key);
	a = sim_alg_info(alg);
	if (a == NULL || (a->group == NULL) != (md != NULL)) {
		EVP_PKEY_free(key);
		return SIM_E_UNSUPPORTED;
	}
	if (md != NULL)
		ok = dlen == want && sim_rsa_verify(key, md, dgst, dlen, sig,
		    slen);
	else
		ok = sim_ecdsa_verify(key, dgst, dlen, sig, slen);
	EVP_PKEY_free(key);
	c->us = sim_time_alg(chip, alg, SIM_T_VERIFY);

	return ok ? 0 : SIM_E_VERIFY;
}
