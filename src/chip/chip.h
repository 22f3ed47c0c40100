/*
 * OPTIGA Trust commands, host side.  Blocking calls over the IFX I2C
 * stack; each builds its APDU, sends it within the chip's deadline, and
 * parses the response.  A failed command (Sta 0xFF) is followed by a read
 * of the last error code (0xF1C2) and returned as OP_RC(OP_LAYER_CHIP,
 * code) with op_errmsg() naming the command, the object and the chip's
 * reason.
 */
#ifndef OP_CHIP_CHIP_H
#define OP_CHIP_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ifxi2c/ifxi2c.h"

#define CHIP_UID_LEN		27
#define CHIP_CERT_MAX		1728	/* 0xE0E0..0xE0E3 */
#define CHIP_OBJ_MAX		1728	/* largest data object */
#define CHIP_META_MAX		64	/* 44 by the SRM; room for more */

/*
 * Per-APDU limits (fact sheet 5.4): a read returns at most 1557 - 4 bytes
 * of OutData; a write carries OID and offset (4 bytes) besides the data.
 */
#define CHIP_READ_CHUNK		1553
#define CHIP_WRITE_CHUNK	1549

/* Command codes, without the MSB (chip_transact adds it). */
#define CHIP_CMD_GET_DATA	0x01
#define CHIP_CMD_SET_DATA	0x02
#define CHIP_CMD_GET_RANDOM	0x0C
#define CHIP_CMD_CALC_SIGN	0x31
#define CHIP_CMD_GEN_KEYPAIR	0x38
#define CHIP_CMD_OPEN_APP	0x70
#define CHIP_CMD_CLOSE_APP	0x71

/* Default time budget per command; key generation may take a minute. */
#define CHIP_TIMEOUT_MS		10000
#define CHIP_TIMEOUT_KEYGEN_MS	60000

/* Well-known objects */
#define OID_LCS_GLOBAL		0xE0C0
#define OID_SEC_STATUS_G	0xE0C1
#define OID_UID			0xE0C2
#define OID_SLEEP_DELAY		0xE0C3
#define OID_CURRENT_LIMIT	0xE0C4
#define OID_SEC_COUNTER		0xE0C5
#define OID_MAX_COMM_BUF	0xE0C6
#define OID_SEC_MONITOR_CFG	0xE0C9
#define OID_DEVICE_CERT		0xE0E0	/* factory certificate */
#define OID_CERT_1		0xE0E1
#define OID_CERT_2		0xE0E2
#define OID_CERT_3		0xE0E3
#define OID_TRUST_ANCHOR_1	0xE0E8
#define OID_TRUST_ANCHOR_2	0xE0E9
#define OID_TRUST_ANCHOR_8	0xE0EF
#define OID_DEVICE_KEY		0xE0F0	/* factory key */
#define OID_ECC_KEY_1		0xE0F1
#define OID_ECC_KEY_2		0xE0F2
#define OID_ECC_KEY_3		0xE0F3
#define OID_RSA_KEY_1		0xE0FC
#define OID_RSA_KEY_2		0xE0FD
#define OID_PLATFORM_BINDING	0xE140
#define OID_AES_KEY		0xE200
#define OID_LCS_APP		0xF1C0
#define OID_SEC_STATUS_A	0xF1C1
#define OID_LAST_ERROR		0xF1C2

/* Key types: GenKeyPair param, metadata tag E0 */
enum chip_alg {
	CHIP_ALG_P256 = 0x03,
	CHIP_ALG_P384 = 0x04,
	CHIP_ALG_P521 = 0x05,
	CHIP_ALG_BP256 = 0x13,
	CHIP_ALG_BP384 = 0x15,
	CHIP_ALG_BP512 = 0x16,
	CHIP_ALG_RSA1024 = 0x41,
	CHIP_ALG_RSA2048 = 0x42
};

/* Key usage bits (metadata tag E1) */
#define CHIP_USAGE_AUTH		0x01
#define CHIP_USAGE_ENC		0x02
#define CHIP_USAGE_SIGN		0x10
#define CHIP_USAGE_KEYAGREE	0x20

struct chip_alg_info {
	enum chip_alg id;
	const char *name;	/* "p256", as on the command line */
	const char *curve;	/* OpenSSL group name, NULL for RSA */
	const char *config_name; /* "secp256r1", as in the config file */
	unsigned bits;
	size_t scalar_len;	/* ECC: bytes of r, s and coordinates */
	bool rsa;
};

const struct chip_alg_info *chip_alg_by_id(int id);
const struct chip_alg_info *chip_alg_by_name(const char *name);
/* Space-separated list of names, for messages and --help. */
const char *chip_alg_names(void);

enum chip_product {
	CHIP_PRODUCT_UNKNOWN = 0,
	CHIP_PRODUCT_TRUST_M1,
	CHIP_PRODUCT_TRUST_M3,
	CHIP_PRODUCT_TRUST_X
};

struct chip_uid {
	uint8_t raw[CHIP_UID_LEN];
	uint16_t build;		/* ESW build, BCD decoded, e.g. 2440 */
	enum chip_product product;
};

const char *chip_product_name(enum chip_product p);

struct chip_opts {
	struct ifxi2c_cfg link;
	unsigned timeout_ms;	/* per command; 0 = default */
	/*
	 * Shielded connection (docs/shielded.md): link.shielded, else
	 * $OPTIGA_SHIELDED=1.  The secret: link.binding_secret, else this
	 * file, else $OPTIGA_BINDING_SECRET, else the evaluation value
	 * 01..40 (with a warning).  chip_open keeps the bytes below.
	 */
	const char *binding_secret_file;
	uint8_t binding_secret[IFXI2C_SECRET_LEN];
};

struct chip;

/* Open the device named by uri and open the application. */
int chip_open(const char *uri, const struct chip_opts *opts,
    struct chip **out);
/* Settle opts' shielded connection from the environment (shield.c). */
int chip_shield_setup(struct chip_opts *opts);
bool chip_shielded(const struct chip *chip);
void chip_close(struct chip **chip);

/*
 * One APDU.  On Sta 0xFF reads 0xF1C2 and returns the chip's code.  out
 * may be NULL when no OutData is expected.
 */
int chip_transact(struct chip *chip, uint8_t cmd, uint8_t param,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen);

int chip_get_uid(struct chip *chip, struct chip_uid *uid);

/* Whole data object (chunked as needed). */
int chip_read_data(struct chip *chip, uint16_t oid, uint8_t *buf,
    size_t cap, size_t *len);
/* Metadata TLV (starting with 0x20). */
int chip_read_meta(struct chip *chip, uint16_t oid, uint8_t *buf,
    size_t cap, size_t *len);
/* Write from offset 0, chunked; erase = erase & write (param 0x40). */
int chip_write_data(struct chip *chip, uint16_t oid, const uint8_t *buf,
    size_t len, bool erase);
int chip_write_meta(struct chip *chip, uint16_t oid, const uint8_t *meta,
    size_t len);

int chip_get_random(struct chip *chip, uint8_t *buf, size_t n);

/*
 * Generate a key pair in oid with the given usage; *pub receives the
 * public key as an EVP_PKEY (caller frees).
 */
int chip_genkey(struct chip *chip, uint16_t oid, enum chip_alg alg,
    uint8_t usage, EVP_PKEY **pub);

/*
 * Sign a digest with the key in oid.  ECDSA: sig is a valid DER
 * ECDSA-Sig-Value (the chip's fixed-width integers are normalised).
 * RSA: PKCS#1 v1.5, digest of 32/48/64 bytes selects SHA-256/384/512.
 */
int chip_sign(struct chip *chip, uint16_t oid, bool rsa,
    const uint8_t *digest, size_t dlen, uint8_t *sig, size_t cap,
    size_t *siglen);

/* Counters of the link below, for -v and benchmarks. */
void chip_get_stats(const struct chip *chip, struct ifxi2c_stats *st);

/*
 * UID (0xE0C2): the build number (bytes 25..26, BCD) tells the product.
 * Fails when raw is not 27 bytes.
 */
int chip_uid_decode(const uint8_t *raw, size_t len, struct chip_uid *uid);
enum chip_product chip_product_by_build(uint16_t build);
/* Whether the product can generate keys of this type. */
bool chip_product_has_alg(enum chip_product p, enum chip_alg alg);

/* Metadata (fact sheet 7): the tags this tool uses, decoded. */
struct chip_ac {
	bool present;		/* absent means NEV */
	uint8_t len;
	uint8_t expr[CHIP_META_MAX];
};

struct chip_meta {
	bool has_lcso, has_max, has_used, has_alg, has_usage, has_type;
	bool has_version;
	uint8_t lcso;		/* C0 */
	uint16_t version;	/* C1 */
	size_t max_size;	/* C4 */
	size_t used_size;	/* C5; absent means max */
	uint8_t alg;		/* E0 */
	uint8_t usage;		/* E1 */
	uint8_t type;		/* E8 */
	struct chip_ac change;	/* D0 */
	struct chip_ac read;	/* D1 */
	struct chip_ac exec;	/* D3 */
};

/* Parse "20 LL { tag len value }*"; CMD_PROTOCOL status when malformed. */
int chip_meta_parse(const uint8_t *buf, size_t len, struct chip_meta *m);
/* Read and parse the metadata of oid. */
int chip_get_meta(struct chip *chip, uint16_t oid, struct chip_meta *m);
/* "ALW", "NEV", "LcsO<op || Conf(0xE140)"; an absent AC reads "NEV". */
const char *chip_ac_str(const struct chip_ac *ac, char *buf, size_t cap);
/* "creation", "initialization", "operational", "termination". */
const char *chip_lcs_name(uint8_t lcs);
/* Data object type (E8): "BSTR", "DEVCERT", ... */
const char *chip_objtype_name(uint8_t type);
/* "auth,sign"; "none" for 0. */
const char *chip_usage_str(uint8_t usage, char *buf, size_t cap);
/* Parse "sign,auth,enc,keyagree" into usage bits; usage error if bad. */
int chip_usage_parse(const char *s, uint8_t *usage);

/* Objects by name: what each slot is for and which products have it. */
enum chip_slot_kind {
	CHIP_SLOT_STATE,	/* life cycle, status, UID, limits */
	CHIP_SLOT_KEY,
	CHIP_SLOT_CERT,
	CHIP_SLOT_TRUST_ANCHOR,
	CHIP_SLOT_COUNTER,
	CHIP_SLOT_SECRET,	/* platform binding; never printed */
	CHIP_SLOT_DATA
};

#define CHIP_PRODUCT_BIT(p)	(1u << (p))
#define CHIP_PRODUCTS_M		(CHIP_PRODUCT_BIT(CHIP_PRODUCT_TRUST_M1) | \
				 CHIP_PRODUCT_BIT(CHIP_PRODUCT_TRUST_M3))
#define CHIP_PRODUCTS_ALL	(CHIP_PRODUCTS_M | \
				 CHIP_PRODUCT_BIT(CHIP_PRODUCT_TRUST_X))

struct chip_slot {
	uint16_t oid;
	enum chip_slot_kind kind;
	const char *alias;	/* "key1", or NULL */
	const char *desc;
	unsigned products;	/* CHIP_PRODUCT_BIT() mask */
	bool rsa;		/* key slots: RSA rather than ECC */
};

/* The table of known objects, in display order. */
const struct chip_slot *chip_slot_table(size_t *n);
const struct chip_slot *chip_slot_by_oid(uint16_t oid);
/* The product has this slot (an unknown product is taken as Trust M3). */
bool chip_slot_on(const struct chip_slot *s, enum chip_product p);
/* "0xE0F1", "E0F1" or an alias such as "key1"; usage error if neither. */
int chip_oid_parse(const char *s, uint16_t *oid);
/* The alias of oid, or NULL. */
const char *chip_oid_alias(uint16_t oid);

/*
 * ECDSA: the chip's two fixed-width INTEGERs (fact sheet 9.1) to a
 * minimal DER ECDSA-Sig-Value.  Leading zero bytes are dropped however
 * many there are, so the result always parses with d2i_ECDSA_SIG.
 */
#define CHIP_ECDSA_DER_MAX	141	/* P-521: 30 81 8A + 2 x (3 + 66) */
int chip_ecdsa_to_der(const uint8_t *in, size_t inlen, uint8_t *out,
    size_t cap, size_t *outlen);

/*
 * Public keys: the chip's BIT STRING (fact sheet 9.3) to and from an
 * EVP_PKEY.  decode checks the key matches alg.
 */
#define CHIP_PUBKEY_MAX		300	/* RSA-2048: 276 with a long exponent */
int chip_pubkey_decode(enum chip_alg alg, const uint8_t *bs, size_t len,
    EVP_PKEY **pkey);
int chip_pubkey_encode(const EVP_PKEY *pkey, uint8_t *out, size_t cap,
    size_t *len, enum chip_alg *alg);

/* The device URI given to chip_open. */
const char *chip_uri(const struct chip *chip);

#endif
