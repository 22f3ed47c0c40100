/*
 * Key management shared by the EC and RSA key managers: what libcrypto
 * needs to treat a chip slot as an ordinary key (has, match, export of
 * the public half, parameters), plus key generation in a slot.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/oprov.h"
#include "provider/prov_int.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/log.h"

#include <openssl/bn.h>
#include <openssl/objects.h>

#define USAGE_ERR OP_RC(OP_LAYER_USAGE, OP_E_INVAL)
#define PUBLIC_SEL (OSSL_KEYMGMT_SELECT_PUBLIC_KEY | \
    OSSL_KEYMGMT_SELECT_ALL_PARAMETERS)

void *
oprov_km_new_type(void *provctx, const char *type)
{
	return oprov_key_new(provctx, type);
}

void
oprov_km_free(void *keydata)
{
	oprov_key_free(keydata);
}

void *
oprov_km_dup(const void *keydata_from, int selection)
{
	const struct oprov_key *from = keydata_from;
	struct oprov_key *key;

	if ((key = oprov_key_new(from->prov, from->type)) == NULL)
		return NULL;
	if (from->device != NULL &&
	    (key->device = strdup(from->device)) == NULL)
		goto fail;
	key->oid = from->oid;
	key->alg = from->alg;
	if (from->pub != NULL && EVP_PKEY_up_ref(from->pub))
		key->pub = from->pub;

	return key;
fail:
	oprov_key_free(key);

	return NULL;
}

int
oprov_km_has(const void *keydata, int selection)
{
	const struct oprov_key *key = keydata;
	int ok = 1;

	if (key == NULL)
		return 0;
	/* "Has a private key" means: refers to a slot that holds one. */
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0)
		ok = ok && key->oid != 0;
	if ((selection & PUBLIC_SEL) != 0)
		ok = ok && key->pub != NULL;

	return ok;
}

int
oprov_km_match(const void *keydata1, const void *keydata2, int selection)
{
	const struct oprov_key *a = keydata1, *b = keydata2;

	if (a->pub == NULL || b->pub == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0)
		return EVP_PKEY_parameters_eq(a->pub, b->pub) == 1;

	return EVP_PKEY_eq(a->pub, b->pub) == 1;
}

static bool
has_private(const OSSL_PARAM params[])
{
	return OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY) !=
	    NULL || OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_D) !=
	    NULL;
}

/*
 * Import a public key (libcrypto does this to compare a certificate's key
 * with ours).  A private key is refused: this provider keeps none on the
 * host, and refusing lets libcrypto pick another provider.
 */
int
oprov_km_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct oprov_key *key = keydata;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pub = NULL;
	int ok = 0;

	if (key == NULL || has_private(params) ||
	    (selection & PUBLIC_SEL) == 0)
		return 0;

	ctx = EVP_PKEY_CTX_new_from_name(key->prov->libctx, key->type,
	    OPROV_PROPQ);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pub, EVP_PKEY_PUBLIC_KEY,
	    (OSSL_PARAM *)(uintptr_t)params) <= 0)
		goto fail;

	EVP_PKEY_free(key->pub);
	key->pub = pub;
	key->alg = oprov_alg_of_pub(pub);
	ok = 1;
fail:
	EVP_PKEY_CTX_free(ctx);

	return ok;
}

int
oprov_km_export(void *keydata, int selection, OSSL_CALLBACK *cb,
    void *cbarg)
{
	struct oprov_key *key = keydata;
	OSSL_PARAM *params = NULL;
	int ok;

	/*
	 * Only the public half exists on the host, and a request that
	 * includes the private key must fail rather than yield the public
	 * half: libcrypto asks for everything when it wants to move the key
	 * to another provider to sign there, and only a refusal makes it
	 * come back to our signature implementation.  Encoders and key
	 * comparison ask for the public part alone, which works.  A public
	 * key imported into us (a peer's, decoded from a certificate) has
	 * nothing private and moves freely.
	 */
	if (key == NULL || key->pub == NULL || (selection & PUBLIC_SEL) == 0 ||
	    (key->oid != 0 &&
	    (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0))
		return 0;
	if (EVP_PKEY_todata(key->pub, EVP_PKEY_PUBLIC_KEY, &params) != 1)
		return 0;
	ok = cb(params, cbarg);
	OSSL_PARAM_free(params);

	return ok;
}

static const char *
default_digest(const struct oprov_key *key)
{
	if (key->alg == NULL || key->alg->rsa || key->alg->scalar_len <= 32)
		return "SHA256";
	if (key->alg->scalar_len <= 48)
		return "SHA384";

	return "SHA512";
}

static int
set_uri(const struct oprov_key *key, OSSL_PARAM *p)
{
	char buf[512];

	if (key->oid == 0)
		return OSSL_PARAM_set_utf8_string(p, "");
	if (key->device != NULL)
		snprintf(buf, sizeof(buf), "optiga:0x%04X?device=%s",
		    key->oid, key->device);
	else
		snprintf(buf, sizeof(buf), "optiga:0x%04X", key->oid);

	return OSSL_PARAM_set_utf8_string(p, buf);
}

/*
 * Parameters come from the host copy of the public key (bits,
 * security-bits, max-size, group, encoded point, n, e ...); the default
 * digest follows the curve and the URI is ours.
 */
int
oprov_km_get_params(void *keydata, OSSL_PARAM params[])
{
	struct oprov_key *key = keydata;
	OSSL_PARAM *p;

	if (key == NULL)
		return 0;
	if (key->pub != NULL && !EVP_PKEY_get_params(key->pub, params))
		return 0;

	p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST);
	if (p != NULL && !OSSL_PARAM_set_utf8_string(p, default_digest(key)))
		return 0;
	p = OSSL_PARAM_locate(params, OPROV_PARAM_URI);
	if (p != NULL && !set_uri(key, p))
		return 0;

	return 1;
}

/*
 * Take the key object the store handed over by reference (a pointer, see
 * store.c); the store's copy is cleared so it is freed exactly once.
 */
void *
oprov_km_load(const void *reference, size_t reference_sz)
{
	struct oprov_key *key;

	if (reference == NULL || reference_sz != sizeof(key))
		return NULL;
	memcpy(&key, reference, sizeof(key));
	memset((void *)(uintptr_t)reference, 0, sizeof(key));

	return key;
}

void *
oprov_km_gen_init_type(void *provctx, const char *type,
    const OSSL_PARAM params[])
{
	struct oprov_gen *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->prov = provctx;
	g->type = type;
	g->usage = CHIP_USAGE_SIGN | CHIP_USAGE_AUTH;
	if (!oprov_km_gen_set_params(g, params)) {
		oprov_km_gen_cleanup(g);
		return NULL;
	}

	return g;
}

void
oprov_km_gen_cleanup(void *genctx)
{
	struct oprov_gen *g = genctx;

	if (g == NULL)
		return;
	free(g->device);
	free(g);
}

static int
gen_set_slot(struct oprov_gen *g, const OSSL_PARAM *p)
{
	unsigned int v;
	int rc;

	if (p->data_type == OSSL_PARAM_UTF8_STRING) {
		if ((rc = op_parse_oid(p->data, &g->oid)) != 0)
			return op_errctx(rc, "key generation parameter slot");
		return 0;
	}
	if (!OSSL_PARAM_get_uint(p, &v) || v == 0 || v > 0xffff)
		return op_err(USAGE_ERR, "key generation parameter slot: "
		    "expected an object ID such as 0xE0F1");
	g->oid = (uint16_t)v;

	return 0;
}

static int
gen_set_group(struct oprov_gen *g, const char *group)
{
	const struct chip_alg_info *alg;
	int nid = oprov_curve_nid(group);

	for (size_t i = 0; i < oprov_n_algs && nid != NID_undef; i++) {
		alg = chip_alg_by_id(oprov_all_algs[i]);
		if (alg != NULL && !alg->rsa &&
		    oprov_curve_nid(alg->curve) == nid) {
			g->alg = alg;
			return 0;
		}
	}

	return op_err(USAGE_ERR, "curve '%s' is not one the chip has: "
	    "expected one of %s", group, chip_alg_names());
}

static int
gen_set_bits(struct oprov_gen *g, size_t bits)
{
	const struct chip_alg_info *alg;

	for (size_t i = 0; i < oprov_n_algs; i++) {
		alg = chip_alg_by_id(oprov_all_algs[i]);
		if (alg != NULL && alg->rsa && alg->bits == bits) {
			g->alg = alg;
			return 0;
		}
	}

	return op_err(USAGE_ERR, "RSA key size %zu is not one the chip has:"
	    " expected 1024 or 2048", bits);
}

static int
gen_set(struct oprov_gen *g, const OSSL_PARAM params[])
{
	const OSSL_PARAM *p;
	const char *s;
	unsigned int u;
	size_t bits;
	BIGNUM *e = NULL;
	int rc;

	if ((p = OSSL_PARAM_locate_const(params, OPROV_PARAM_SLOT)) != NULL &&
	    (rc = gen_set_slot(g, p)) != 0)
		return rc;

	if ((p = OSSL_PARAM_locate_const(params, OPROV_PARAM_ALG)) != NULL) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s) ||
		    (g->alg = chip_alg_by_name(s)) == NULL)
			return op_err(USAGE_ERR, "key generation parameter "
			    "alg: expected one of %s", chip_alg_names());
	}

	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
	if (p != NULL) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
			return op_err(USAGE_ERR, "group name is not a string");
		if ((rc = gen_set_group(g, s)) != 0)
			return rc;
	}

	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_BITS);
	if (p != NULL) {
		if (!OSSL_PARAM_get_size_t(p, &bits))
			return op_err(USAGE_ERR, "RSA bits is not a number");
		if ((rc = gen_set_bits(g, bits)) != 0)
			return rc;
	}

	/* The chip always uses e = 65537. */
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
	if (p != NULL) {
		bool ok = OSSL_PARAM_get_BN(p, &e) && BN_is_word(e, 65537);

		BN_free(e);
		if (!ok)
			return op_err(USAGE_ERR, "the chip generates RSA keys "
			    "with public exponent 65537 only");
	}

	p = OSSL_PARAM_locate_const(params, OPROV_PARAM_DEVICE);
	if (p != NULL) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
			return op_err(USAGE_ERR, "device is not a string");
		free(g->device);
		if ((g->device = strdup(s)) == NULL)
			return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
			    "out of memory");
	}

	p = OSSL_PARAM_locate_const(params, OPROV_PARAM_USAGE);
	if (p != NULL) {
		if (!OSSL_PARAM_get_uint(p, &u) || u == 0 || u > 0xff)
			return op_err(USAGE_ERR, "key usage: expected a byte "
			    "of usage bits (0x01 auth, 0x10 sign, ...)");
		g->usage = (uint8_t)u;
	}

	return 0;
}

int
oprov_km_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
	struct oprov_gen *g = genctx;
	int rc;

	if (params == NULL)
		return 1;
	if ((rc = gen_set(g, params)) != 0) {
		OPROV_RAISE(g->prov, rc);
		return 0;
	}

	return 1;
}

static int
gen_check(const struct oprov_gen *g)
{
	bool rsa = strcmp(g->type, "RSA") == 0;

	if (g->oid == 0)
		return op_err(USAGE_ERR, "key generation needs the slot "
		    "parameter, e.g. slot=0xE0F1");
	if (g->alg == NULL)
		return op_err(USAGE_ERR, "key generation in slot 0x%04X needs "
		    "an algorithm: alg=p256 (one of %s), or a group or RSA "
		    "size", g->oid, chip_alg_names());
	if (g->alg->rsa != rsa)
		return op_err(USAGE_ERR, "algorithm %s is not an %s key",
		    g->alg->name, g->type);
	if (rsa && g->oid != OID_RSA_KEY_1 && g->oid != OID_RSA_KEY_2)
		return op_err(USAGE_ERR, "slot 0x%04X cannot hold an RSA key:"
		    " RSA keys go in 0xE0FC or 0xE0FD", g->oid);
	if (!rsa && (g->oid < OID_DEVICE_KEY || g->oid > OID_ECC_KEY_3))
		return op_err(USAGE_ERR, "slot 0x%04X cannot hold an ECC key:"
		    " ECC keys go in 0xE0F0..0xE0F3", g->oid);

	return 0;
}

static int
gen_run(struct oprov_gen *g, struct oprov_key **out)
{
	const char *uri = oprov_device(g->prov, g->device);
	struct oprov_key *key = NULL;
	struct chip_uid uid;
	struct chip *chip;
	EVP_PKEY *pub = NULL;
	int rc;

	*out = NULL;
	if ((rc = gen_check(g)) != 0 ||
	    (rc = oprov_dev_lock(uri, &chip, &uid)) != 0)
		return rc;
	rc = chip_genkey(chip, g->oid, g->alg->id, g->usage, &pub);
	oprov_dev_unlock(uri, rc);
	if (rc != 0)
		return op_errctx(rc, "generating %s key in slot 0x%04X",
		    g->alg->name, g->oid);

	if ((key = oprov_key_new(g->prov, g->type)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	if ((rc = oprov_pub_adopt(g->prov, pub, &key->pub)) != 0)
		goto fail;
	if (g->device != NULL && (key->device = strdup(g->device)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	key->oid = g->oid;
	key->alg = g->alg;

	/*
	 * XXX: a failed cache write is only logged: the key exists in the
	 * chip now and this process holds its public half; failing here
	 * would lose it.  A later load then needs pub= or a certificate.
	 */
	if ((rc = oprov_pubcache_write(g->prov, &uid, g->oid, key->pub)))
		OP_WARN(PROV_LOG, "%s", op_errmsg());

	*out = key;
	key = NULL;
	rc = 0;
fail:
	oprov_key_free(key);
	EVP_PKEY_free(pub);

	return rc;
}

void *
oprov_km_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
	struct oprov_gen *g = genctx;
	struct oprov_key *key;
	int rc;

	if ((rc = gen_run(g, &key)) != 0) {
		OPROV_RAISE(g->prov, rc);
		return NULL;
	}

	return key;
}
