/*
 * The config file: one per product line, JSON, in the shape of the
 * original Infineon sample, accepted as is:
 *
 *   { "csr_config": {
 *       "certificate_info": { "country_name": "DE", ...,
 *                             "common_name": "..." },
 *       "key_info": { "algorithm_id": "ec",
 *                     "parameters": { "curve": "secp256r1",
 *                                     "slot": "0xE0F1" } },
 *       "signature_info": { "algorithm_id": "ecdsa",
 *                           "parameters": { "hash_alg": "sha256" } } },
 *     "aws_iot_config": { "thing": "...", "policy": "..." } }
 *
 * plus optional fields of ours at the top level: "ca_dir",
 * "certificate_slot", "validity_days", "cert_format".  docs/config.md
 * lists every field and rule.
 *
 * Parsing is a pure function of the text: it never touches a chip, so
 * every mistake is reported before anything is changed.  Errors name the
 * JSON path, what was found and what is allowed, e.g.
 *   csr_config.key_info.parameters.curve: "secp999" is not a supported
 *   curve; use one of secp256r1, secp384r1, ...
 * Unknown fields are warnings, not errors: new fields extend the format.
 */
#ifndef OP_PERSO_CONFIG_H
#define OP_PERSO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "chip/chip.h"

/* Subject fields, in the order they appear in the certificate. */
enum perso_subj {
	PERSO_SUBJ_C = 0,	/* country_name */
	PERSO_SUBJ_ST,		/* state_or_province_name */
	PERSO_SUBJ_L,		/* locality_name */
	PERSO_SUBJ_O,		/* organization_name */
	PERSO_SUBJ_OU,		/* organizational_unit_name */
	PERSO_SUBJ_CN,		/* common_name (required) */
	PERSO_SUBJ_EMAIL,	/* email_address */
	PERSO_SUBJ_MAX
};

enum perso_key_type {
	PERSO_KEY_EC = 0,
	PERSO_KEY_RSA
};

struct perso_config {
	char *path;			/* file it came from, or a name */

	/* csr_config.certificate_info; NULL where absent */
	char *subject[PERSO_SUBJ_MAX];

	/* csr_config.key_info */
	enum perso_key_type key_type;
	enum chip_alg alg;		/* CHIP_ALG_P256, ... */
	const char *curve;		/* "secp256r1" (canonical); NULL: RSA */
	const char *group;		/* OpenSSL name "prime256v1"; NULL */
	unsigned bits;			/* curve or modulus size */
	uint16_t key_slot;		/* 0xE0F1 when not given (EC) */

	/* csr_config.signature_info */
	const char *hash;		/* "sha256", "sha384", "sha512" */
	const char *md;			/* OpenSSL name "SHA256", ... */

	/* aws_iot_config; NULL when absent */
	char *thing;
	char *thing_pattern;		/* the thing as written, when it
					 * held ${uid} and was expanded */
	char *policy;			/* policy name */
	char *policy_document;		/* path of the policy file, or NULL */

	/* ours */
	char *ca_dir;			/* NULL when not given */
	uint16_t cert_slot;		/* 0 when not given */
	unsigned validity_days;		/* 0 when not given */
	char *cert_format;		/* "tls" or "der"; NULL */
	bool shielded;			/* "shielded": true */

	/* unknown fields and other things worth a warning */
	char **warnings;
	size_t n_warnings;
};

/* Let the factory key (0xE0F0) and certificate (0xE0E0) be named. */
#define PERSO_CONFIG_FORCE	0x01u

/*
 * Parse and check a config.  name labels messages (the file name);
 * base_dir, when not NULL, is where relative paths in the file (ca_dir,
 * the policy document) are taken from.  Errors are OP_LAYER_CONFIG.
 */
int perso_config_parse(const char *text, size_t len, const char *name,
    const char *base_dir, unsigned flags, struct perso_config **out);

/* Read path and parse it; relative paths are from path's directory. */
int perso_config_load(const char *path, unsigned flags,
    struct perso_config **out);

void perso_config_free(struct perso_config **cfg);

/* The certificate subject, fields in the order of enum perso_subj. */
int perso_config_subject(const struct perso_config *cfg, X509_NAME **out);

/*
 * A CA's subject from the config: its C, ST, L, O, OU and the CN given,
 * or "<organization_name> Root CA" ("Intermediate CA") when cn is NULL.
 */
int perso_config_ca_subject(const struct perso_config *cfg, const char *cn,
    bool intermediate, X509_NAME **out);

/* "${uid}" in a subject field or the thing name: the chip's UID (hex). */
#define PERSO_UID_VAR	"${uid}"

/* Replace PERSO_UID_VAR with the chip's UID, once the chip is known. */
int perso_config_expand(struct perso_config *cfg, const char *uid_hex);

/* The config's name for a subject field ("common_name"). */
const char *perso_config_subj_field(enum perso_subj f);

#endif
