/*
 * Inside the optiga provider: the provider context, the key object that
 * every operation shares, and the helpers between the files.
 */
#ifndef OP_PROVIDER_PROV_INT_H
#define OP_PROVIDER_PROV_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>

#include "chip/chip.h"

#define PROV_LOG		"provider"

/*
 * Property query for everything the provider asks of libcrypto (hashes,
 * host copies of public keys): any provider but this one, so a fetch can
 * never come back into us.
 */
#define OPROV_PROPQ		"provider!=optiga"
#define OPROV_PROPS		"provider=optiga"

struct oprov_ctx {
	const OSSL_CORE_HANDLE *handle;
	OSSL_LIB_CTX *libctx;		/* child of the core's context */
	char *device;			/* "device" or OPTIGA_DEVICE */
	char *cache_dir;		/* "pubcache-dir" or NULL */
	uint16_t rsa_cert[2];		/* "cert-E0FC", "cert-E0FD" */
	OSSL_FUNC_core_new_error_fn *new_error;
	OSSL_FUNC_core_set_error_debug_fn *set_error_debug;
	OSSL_FUNC_core_vset_error_fn *vset_error;
};

/*
 * A key.  With a slot (oid != 0) it can sign through the chip; without
 * one it is a public key imported from elsewhere (libcrypto does that
 * to compare keys), only good for matching and export.
 */
struct oprov_key {
	struct oprov_ctx *prov;
	char *device;			/* NULL: the provider's default */
	uint16_t oid;			/* 0: public key only */
	const struct chip_alg_info *alg;
	EVP_PKEY *pub;			/* host copy, other provider */
	const char *type;		/* "EC" or "RSA" */
};

/* Push the current op_errmsg() into OpenSSL's error queue. */
void oprov_raise(struct oprov_ctx *prov, int rc, const char *func);
#define OPROV_RAISE(prov, rc)	oprov_raise(prov, rc, __func__)

/* Device URI to use for a key (its own, the provider's, none). */
const char *oprov_device(const struct oprov_ctx *prov, const char *dev);

/* device.c: one shared, lazily opened connection per device URI. */
struct oprov_dev;
int oprov_dev_lock(const char *uri, struct chip **chip,
    struct chip_uid *uid);
/* Unlock; a link-level failure rc drops the connection for a reopen. */
void oprov_dev_unlock(const char *uri, int rc);
void oprov_dev_ref(void);
void oprov_dev_unref(void);

/* uri.c */
struct oprov_uri {
	uint16_t oid;
	char *device;			/* device=, NULL if absent */
	char *pub;			/* pub=FILE */
	uint16_t cert;			/* cert=OID, 0 if absent */
};
int oprov_uri_parse(const char *s, struct oprov_uri *u);
void oprov_uri_clear(struct oprov_uri *u);
bool oprov_uri_is_ours(const char *s);

/* key.c */
struct oprov_key *oprov_key_new(struct oprov_ctx *prov, const char *type);
void oprov_key_free(struct oprov_key *key);
/* Does pub fit alg (same type and curve or size)? */
bool oprov_pub_fits(const EVP_PKEY *pub, const struct chip_alg_info *alg);
const struct chip_alg_info *oprov_alg_of_pub(const EVP_PKEY *pub);
/* NID of a curve from any of its names ("P-256", "prime256v1"). */
int oprov_curve_nid(const char *name);
/* Read a PEM or DER SubjectPublicKeyInfo / certificate file. */
int oprov_pub_read(struct oprov_ctx *prov, const char *path,
    EVP_PKEY **pub);
/* Decode DER SubjectPublicKeyInfo or certificate into the provider's
 * library context. */
int oprov_pub_from_der(struct oprov_ctx *prov, const uint8_t *der,
    size_t len, EVP_PKEY **pub);
/* Re-home a key made elsewhere (the chip layer) in our context. */
int oprov_pub_adopt(struct oprov_ctx *prov, EVP_PKEY *in, EVP_PKEY **pub);

/* pubcache.c */
int oprov_pubcache_path(const struct oprov_ctx *prov,
    const struct chip_uid *uid, uint16_t oid, char **path);
int oprov_pubcache_write(const struct oprov_ctx *prov,
    const struct chip_uid *uid, uint16_t oid, EVP_PKEY *pub);
/* 0 and *pub, OP_E_NOTFOUND when there is no entry, or another error. */
int oprov_pubcache_read(struct oprov_ctx *prov, const struct chip_uid *uid,
    uint16_t oid, EVP_PKEY **pub);

/* slot.c: find the algorithm and public key of an existing slot. */
int oprov_slot_resolve(struct oprov_ctx *prov, const struct oprov_uri *u,
    struct oprov_key **out);
/* Certificate (DER) held in oid, 0x30 or 0xC0 form; *der is malloc'd. */
int oprov_cert_read(struct chip *chip, uint16_t oid, uint8_t **der,
    size_t *len);
/* The certificate slot paired with a key slot, 0 if none. */
uint16_t oprov_cert_slot(const struct oprov_ctx *prov, uint16_t key_oid);

/* key generation, shared by both key managers (keymgmt.c) */
struct oprov_gen {
	struct oprov_ctx *prov;
	const char *type;
	uint16_t oid;
	const struct chip_alg_info *alg;
	char *device;
	uint8_t usage;
};

/* Dispatch tables. */
extern const OSSL_DISPATCH oprov_ec_keymgmt_functions[];
extern const OSSL_DISPATCH oprov_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH oprov_ecdsa_signature_functions[];
extern const OSSL_DISPATCH oprov_rsa_signature_functions[];
extern const OSSL_DISPATCH oprov_store_functions[];

/* Key manager functions shared by EC and RSA (keymgmt.c). */
OSSL_FUNC_keymgmt_free_fn oprov_km_free;
OSSL_FUNC_keymgmt_has_fn oprov_km_has;
OSSL_FUNC_keymgmt_match_fn oprov_km_match;
OSSL_FUNC_keymgmt_export_fn oprov_km_export;
OSSL_FUNC_keymgmt_get_params_fn oprov_km_get_params;
OSSL_FUNC_keymgmt_load_fn oprov_km_load;
OSSL_FUNC_keymgmt_gen_cleanup_fn oprov_km_gen_cleanup;
OSSL_FUNC_keymgmt_gen_fn oprov_km_gen;
OSSL_FUNC_keymgmt_dup_fn oprov_km_dup;
OSSL_FUNC_keymgmt_import_fn oprov_km_import;
OSSL_FUNC_keymgmt_gen_set_params_fn oprov_km_gen_set_params;
void *oprov_km_new_type(void *provctx, const char *type);
void *oprov_km_gen_init_type(void *provctx, const char *type,
    const OSSL_PARAM params[]);

/*
 * The dispatch entries of a key manager.  EC and RSA differ only in the
 * key type and in their parameter lists, so each file defines
 * <pfx>_new, <pfx>_gen_init, <pfx>_public_param_types,
 * <pfx>_gettable_params, <pfx>_gen_settable_params and
 * <pfx>_query_operation_name, and the operations both must offer are
 * listed once, here.
 */
#define OPROV_KEYMGMT_DISPATCH(pfx)					\
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))pfx##_new },		\
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))oprov_km_free },	\
	{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))oprov_km_dup },	\
	{ OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))oprov_km_load },	\
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))oprov_km_has },	\
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))oprov_km_match },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))oprov_km_import },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES,				\
	    (void (*)(void))pfx##_public_param_types },			\
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))oprov_km_export },	\
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES,				\
	    (void (*)(void))pfx##_public_param_types },			\
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS,					\
	    (void (*)(void))oprov_km_get_params },			\
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,				\
	    (void (*)(void))pfx##_gettable_params },			\
	{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))pfx##_gen_init },	\
	{ OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS,				\
	    (void (*)(void))oprov_km_gen_set_params },			\
	{ OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS,			\
	    (void (*)(void))pfx##_gen_settable_params },		\
	{ OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))oprov_km_gen },	\
	{ OSSL_FUNC_KEYMGMT_GEN_CLEANUP,				\
	    (void (*)(void))oprov_km_gen_cleanup },			\
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,			\
	    (void (*)(void))pfx##_query_operation_name },		\
	{ 0, NULL }

/* Every algorithm the chip family knows, for lookups. */
extern const enum chip_alg oprov_all_algs[];
extern const size_t oprov_n_algs;

#endif
