/*
 * The personalization flow: key pair in the chip, CSR signed by the chip,
 * certificate from the user's CA, written to the paired slot and read
 * back, proven with a fresh signature, then (unless told not to) the CA,
 * the certificate, the thing and the policy registered with AWS IoT.
 *
 * Every step is recorded in the per-chip record (record.h).  A second run
 * checks each recorded step against the chip and the files and skips what
 * is done; an interrupted run resumes at the first step not done.
 */
#ifndef OP_PERSO_PERSO_H
#define OP_PERSO_PERSO_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "aws/aws.h"
#include "ca/ca.h"
#include "chip/chip.h"
#include "perso/certslot.h"
#include "perso/config.h"

/* --- the chip key through the provider (slotkey.c) --------------------- */

/* The certificate slot paired with a key slot; 0 when there is none
 * (RSA keys name theirs explicitly). */
uint16_t perso_cert_slot_for(uint16_t key_slot);

/*
 * Generate a key pair in slot through the optiga provider; *key is a
 * provider key (signing goes to the chip) carrying the public half.
 */
int perso_key_generate(OSSL_LIB_CTX *libctx, const char *device,
    uint16_t slot, const struct chip_alg_info *alg, uint8_t usage,
    EVP_PKEY **key);

/*
 * The key already in slot, as a provider key.  pub_path, when not NULL,
 * is a file holding its public key; otherwise the provider looks in the
 * paired certificate slot and its public-key cache (docs/provider.md).
 */
int perso_key_load(OSSL_LIB_CTX *libctx, const char *device, uint16_t slot,
    const char *pub_path, EVP_PKEY **key);

/*
 * The chip signs a fresh random challenge with key, and pub, a host-side
 * public key, must verify it.
 */
int perso_key_check(OSSL_LIB_CTX *libctx, EVP_PKEY *key, EVP_PKEY *pub);

/*
 * Prove that cert belongs to the chip key: the chip signs a fresh random
 * challenge with key and the certificate's public key must verify it.
 */
int perso_key_prove(OSSL_LIB_CTX *libctx, EVP_PKEY *key, X509 *cert);

/* --- certificate slots (slotcert.c) ------------------------------------ */

/* The chain a certificate slot holds (empty stack for an empty slot). */
int perso_cert_read(struct chip *chip, uint16_t slot,
    STACK_OF(X509) **chain, enum certslot_format *fmt);

/*
 * Store chain in slot in format fmt: nothing is written when the slot
 * already holds exactly these bytes (*written false); otherwise erase and
 * write, then read back and compare byte for byte.
 */
int perso_cert_store(struct chip *chip, uint16_t slot,
    STACK_OF(X509) *chain, enum certslot_format fmt, bool *written);

/* --- the whole flow (flow.c) ------------------------------------------- */

/* How the certificates reach AWS IoT (docs/production.md). */
enum perso_registration {
	PERSO_REG_API = 0,	/* RegisterCertificate etc. per chip */
	PERSO_REG_JITP,		/* the CA with a template; chips register
				 * themselves on first connection */
	PERSO_REG_NONE		/* nothing; export for bulk registration */
};

struct perso_opts {
	const char *device;		/* chip URI */
	const char *config_path;
	const char *ca_dir;		/* NULL: the config's ca_dir */
	struct ca_pass ca_pass;
	const char *out_dir;		/* per-chip files; default
					 * ./optiga-perso-out */
	const char *record_path;	/* default <out_dir>/records.jsonl */
	enum certslot_format cert_format;
	bool cert_format_given;
	unsigned days;			/* 0: the config's, else the CA's */
	bool force;			/* redo every step */
	bool no_aws;
	bool shielded;			/* shielded connection to the chip;
					 * also the config's "shielded" */
	bool auto_registration;		/* register the CA with it */
	struct aws_config_opts aws;
	const char *policy_file;	/* overrides the config */
	enum perso_registration registration;
	const char *jitp_role_arn;	/* PERSO_REG_JITP: the role AWS IoT
					 * assumes to run the template */
	const char *jitp_template;	/* a template file; NULL: made from
					 * the config's thing and policy */
	const char *ca_key;		/* "pkcs11:..." signs instead of the
					 * CA directory's key file; NULL */

	/* progress: called before and after each step */
	void (*progress)(void *arg, const char *step, const char *what);
	void *progress_arg;

	/* finish with a TLS + MQTT connection (steps_tls.c) */
	const char *connect_endpoint;	/* HOST[:PORT]; NULL: no check */
	const char *connect_ca_file;	/* server trust; NULL: system */
	const char *connect_client_id;	/* NULL: the certificate's CN */
	bool lock;			/* lock key and certificate slots;
					 * irreversible, the caller confirms */
};

/*
 * Run the flow.  *summary (may be NULL) receives what was done: chip UID,
 * slots, serial, fingerprint, AWS IDs and ARNs, and each step's outcome
 * ("done", "skipped", "failed").
 */
int perso_run(const struct perso_opts *opts, json_t **summary);

/* --- using the identity: TLS and MQTT (steps_tls.c) -------------------- */

struct tls_report;

struct perso_connect_opts {
	const char *device;
	uint16_t key_slot;
	uint16_t cert_slot;		/* 0: the key's pair */
	const char *endpoint;		/* HOST[:PORT], port 8883 by default */
	const char *ca_file;		/* server trust; NULL: system store */
	const char *client_id;		/* NULL: the certificate's CN */
	const char *topic;		/* publish when not NULL */
	const char *message;
	unsigned timeout_ms;		/* per phase; 0: 10 s */
	int tls_max;			/* TLS1_2_VERSION; 0: the newest */
};

/*
 * Prove the chip's identity by using it: read the certificate (and any
 * chain) from cert_slot, check that the key in key_slot signs for it,
 * then TLS with client authentication by that key and MQTT (tls/tls.h).
 * The optiga and default providers must be loaded.  rep gets the
 * protocol, cipher, server certificate and time per phase, as far as
 * the check got.
 */
int perso_connect(const struct perso_connect_opts *o, struct tls_report *rep);

/* --- locking slots (lock.c) -------------------------------------------- */

/*
 * Whether the object can never be changed again: its life cycle is
 * operational or later (its metadata is frozen) and its change condition
 * can no longer be met (NEV, or LcsO < op).
 */
bool perso_meta_locked(const struct chip_meta *m);

/*
 * Lock oid for good: its change condition to NEV if it would still hold
 * at "operational", then its life cycle to operational; read back and
 * checked.  *changed is false when it was locked already.  Refuses
 * empty key and certificate slots.  IRREVERSIBLE on a real chip.
 */
int perso_lock_slot(struct chip *chip, uint16_t oid, bool *changed);

/*
 * After rc from a command on oid: when it is the chip's 0x8007 and oid
 * is locked, the message says so and why.  Returns rc.
 */
int perso_lock_explain(struct chip *chip, uint16_t oid, int rc);

#endif
