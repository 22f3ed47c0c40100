/*
 * optiga-sim chip side, internal: the object store, the RAM state and the
 * command handlers behind sim/sim.h.
 */
#ifndef OP_SIM_CHIP_SIMCHIP_H
#define OP_SIM_CHIP_SIMCHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "codec/meta.h"
#include "codec/tlv.h"
#include "sim.h"

/* Chip error codes (fact sheet 5.2), as kept in F1C2. */
enum sim_err {
	SIM_E_OK = 0x00,
	SIM_E_OID = 0x01,
	SIM_E_PARAM = 0x03,
	SIM_E_LENGTH = 0x04,
	SIM_E_INDATA = 0x05,
	SIM_E_INTERNAL = 0x06,
	SIM_E_ACCESS = 0x07,
	SIM_E_BOUNDARY = 0x08,
	SIM_E_META_TRUNC = 0x09,
	SIM_E_COMMAND = 0x0A,
	SIM_E_SEQUENCE = 0x0B,
	SIM_E_NOT_AVAIL = 0x0C,
	SIM_E_MEMORY = 0x0D,
	SIM_E_COUNTER = 0x0E,
	SIM_E_META = 0x11,
	SIM_E_UNSUPPORTED = 0x24,
	SIM_E_UNSUP_PARAM = 0x25,
	SIM_E_CERT_FORMAT = 0x29,
	SIM_E_CERT_UNSUP = 0x2A,
	SIM_E_VERIFY = 0x2C
};

/* Algorithm identifiers (GenKeyPair param, tag E0, VerifySign tag 05) */
enum sim_alg {
	SIM_ALG_P256 = 0x03,
	SIM_ALG_P384 = 0x04,
	SIM_ALG_P521 = 0x05,
	SIM_ALG_BP256 = 0x13,
	SIM_ALG_BP384 = 0x15,
	SIM_ALG_BP512 = 0x16,
	SIM_ALG_RSA1024 = 0x41,
	SIM_ALG_RSA2048 = 0x42
};

#define SIM_USAGE_AUTH		0x01
#define SIM_USAGE_ENC		0x02
#define SIM_USAGE_SIGN		0x10
#define SIM_USAGE_KEYAGREE	0x20

#define SIM_OID_LAST_ERROR	0xF1C2
#define SIM_OID_LCSG		0xE0C0
#define SIM_OID_SECSTA_G	0xE0C1
#define SIM_OID_UID		0xE0C2
#define SIM_OID_LCSA		0xF1C0
#define SIM_OID_SECSTA_A	0xF1C1
#define SIM_OID_SESSION_0	0xE100
#define SIM_OID_PLATFORM_BINDING 0xE140
#define SIM_SESSIONS		4

#define SIM_UID_LEN		27
#define SIM_MAX_OBJECTS		48
/* Metadata the chip accepts, content bytes (fact sheet 7.1) */
#define SIM_META_LIMIT		44

enum sim_obj_kind {
	SIM_OBJ_DATA,
	SIM_OBJ_KEY_ECC,	/* E0F0-E0F3 */
	SIM_OBJ_KEY_RSA		/* E0FC, E0FD */
};

struct sim_obj {
	uint16_t oid;
	enum sim_obj_kind kind;
	struct meta meta;
	uint16_t max;		/* data objects: C4 */
	uint16_t used;		/* data objects: used length */
	uint8_t *data;		/* data objects: max bytes */
	EVP_PKEY *key;		/* key objects: NULL while empty */
};

struct sim_chip {
	char *path;
	enum sim_product product;
	struct sim_obj obj[SIM_MAX_OBJECTS];
	size_t nobj;
	uint8_t *ca_der;	/* factory CA certificate, kept for tools */
	size_t ca_len;

	/* RAM only, lost on reset (never persisted) */
	bool app_open;
	uint8_t last_error;
	EVP_PKEY *session[SIM_SESSIONS];
	EVP_MD_CTX *hash;
	uint8_t hib_handle[8];
	bool hib_valid;
	bool dirty;		/* persistent state changed by this APDU */
	unsigned prot;		/* PRL protection of this APDU (sim.h) */
	uint16_t prot_oid;
	uint64_t exec_us;
	const char *cmd_name;
};

/* A command's view of the APDU and where its response goes. */
struct sim_cmd {
	uint8_t cmd;		/* without the MSB */
	uint8_t param;
	const uint8_t *in;
	size_t inlen;
	struct bbuf out;	/* OutData */
	uint64_t us;		/* modelled execution time */
};

/* chip.c: RAM state that a reset or CloseApplication ends */
void sim_chip_volatile_drop(struct sim_chip *chip);

/* objmap.c: the product's objects in factory state */
int sim_objmap_build(struct sim_chip *chip);
struct sim_obj *sim_obj_find(struct sim_chip *chip, uint16_t oid);
void sim_obj_clear(struct sim_obj *o);
void sim_uid_make(enum sim_product product, uint8_t uid[SIM_UID_LEN]);
uint16_t sim_product_build(enum sim_product product);

/* factory.c: factory device key, certificate and CA */
int sim_factory_identity(struct sim_chip *chip);

/* store.c: the state file */
int sim_store_save(struct sim_chip *chip);
int sim_store_load(struct sim_chip *chip, const uint8_t *buf, size_t len);

/* ac.c: access conditions; what = D0, D1 or D3 */
bool sim_ac_allows(struct sim_chip *chip, const struct sim_obj *o,
    uint8_t what);
uint8_t sim_obj_lcso(const struct sim_obj *o);

/* keys.c */
struct sim_alg_info {
	enum sim_alg id;
	const char *group;	/* OpenSSL group, NULL for RSA */
	unsigned bits;
	size_t width;		/* ECC scalar bytes; RSA modulus bytes */
	const uint8_t *algid;	/* DER AlgorithmIdentifier */
	size_t algid_len;
};

const struct sim_alg_info *sim_alg_info(int id);
bool sim_alg_on_product(enum sim_product p, int id);
int sim_alg_of_key(EVP_PKEY *key);
EVP_PKEY *sim_key_generate(const struct sim_alg_info *a);
int sim_key_pub_bitstring(EVP_PKEY *key, struct bbuf *out);
int sim_key_priv_octets(EVP_PKEY *key, const struct sim_alg_info *a,
    struct bbuf *out);
EVP_PKEY *sim_key_from_bitstring(const struct sim_alg_info *a,
    const uint8_t *bs, size_t len);
int sim_ecdsa_sign(EVP_PKEY *key, size_t width, const uint8_t *dgst,
    size_t dlen, struct bbuf *out);
bool sim_ecdsa_verify(EVP_PKEY *key, const uint8_t *dgst, size_t dlen,
    const uint8_t *sig, size_t slen);
int sim_rsa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *dgst,
    size_t dlen, struct bbuf *out);
bool sim_rsa_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *dgst,
    size_t dlen, const uint8_t *sig, size_t slen);

/* Command handlers: return a chip error code, 0 on success. */
int sim_cmd_open_app(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_close_app(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_get_data(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_set_data(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_get_random(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_calc_hash(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_gen_keypair(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_calc_sign(struct sim_chip *chip, struct sim_cmd *c);
int sim_cmd_verify_sign(struct sim_chip *chip, struct sim_cmd *c);

/* Execution-time model (timing.c) */
enum sim_time_op { SIM_T_KEYGEN, SIM_T_SIGN, SIM_T_VERIFY };
uint64_t sim_time_rw(const struct sim_chip *chip, bool write, size_t n);
uint64_t sim_time_alg(const struct sim_chip *chip, int alg,
    enum sim_time_op op);
uint64_t sim_time_hash(const struct sim_chip *chip, size_t n);
uint64_t sim_time_random(size_t n);

#endif
