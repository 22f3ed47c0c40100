/*
 * IFX I2C presentation layer, host side (fact sheet 4): the shielded
 * connection.  A PSK handshake (PVER 1) keyed by the platform binding
 * secret, then every APDU travels as an AES-128-CCM record with full
 * protection (SCTR 23).  Internal to src/ifxi2c; the stateless pieces
 * are exposed for the unit tests.
 */
#ifndef OP_IFXI2C_PRL_H
#define OP_IFXI2C_PRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/tlv.h"
#include "ifxi2c/ifxi2c_int.h"

/* SCTR (fact sheet 4.1) */
#define PRL_SCTR_HELLO		0x00
#define PRL_SCTR_FINISHED	0x08
#define PRL_SCTR_PLAIN		0x20
#define PRL_SCTR_FULL		0x23	/* both directions protected */
#define PRL_SCTR_ALERT_FATAL	0x40
#define PRL_SCTR_ALERT_INTEG	0x44

#define PRL_PVER		0x01	/* PSK, TLS PRF SHA-256, CCM-8 */
#define PRL_RND_LEN		32
#define PRL_KB_LEN		40
#define PRL_KEY_LEN		16
#define PRL_NONCE_LEN		4
#define PRL_TAG_LEN		8
/* SCTR, SEQ and tag around the protected payload */
#define PRL_OVERHEAD		(1 + 4 + PRL_TAG_LEN)
#define PRL_RECORD_MAX		(APDU_MAX_LEN + PRL_OVERHEAD)
/* Hello answer: SCTR PVER RND SSEQ; Finished: SCTR SEQ CT(36) TAG */
#define PRL_HELLO_RSP_LEN	(2 + PRL_RND_LEN + 4)
#define PRL_FINISHED_LEN	(1 + 4 + PRL_RND_LEN + 4 + PRL_TAG_LEN)

/* Retransmissions after an integrity alert (fact sheet 4.6). */
#define PRL_INTEGRITY_RETRIES	3
/* Slave sequence numbers accepted ahead of the last one. */
#define PRL_SEQ_WINDOW		3
/* Re-handshake before a sequence number passes this. */
#define PRL_SEQ_LIMIT		0xFFFFFFF0u

struct prl_stats {
	uint64_t handshakes;
	uint64_t records;
	uint64_t fatal_alerts;
	uint64_t integrity_alerts;
};

/* Keys of one direction pair, as KB splits them (fact sheet 4.5). */
struct prl_keys {
	uint8_t enc_key[PRL_KEY_LEN];
	uint8_t dec_key[PRL_KEY_LEN];
	uint8_t enc_nonce[PRL_NONCE_LEN];
	uint8_t dec_nonce[PRL_NONCE_LEN];
};

/* KB = PRF_TLS1.2_SHA256(secret, "Platform Binding", rnd), 40 bytes. */
int prl_derive(const uint8_t secret[IFXI2C_SECRET_LEN],
    const uint8_t rnd[PRL_RND_LEN], uint8_t kb[PRL_KB_LEN]);

/* The master's view of KB; the slave swaps enc and dec. */
void prl_keys_master(const uint8_t kb[PRL_KB_LEN], struct prl_keys *k);

/*
 * Protect len bytes: out = SCTR SEQ[4] CIPHERTEXT[len] TAG[8], with
 * nonce = dir_nonce || SEQ and AAD = SCTR || SEQ || PVER || len[2].
 * out holds len + PRL_OVERHEAD bytes.
 */
int prl_seal(const uint8_t key[PRL_KEY_LEN],
    const uint8_t dir_nonce[PRL_NONCE_LEN], uint8_t sctr, uint32_t seq,
    const uint8_t *in, size_t len, uint8_t *out);

/*
 * The reverse: check the tag of msg (SCTR SEQ CT TAG) and write the
 * plaintext, msg_len - PRL_OVERHEAD bytes, into out.  Fails with
 * OP_LAYER_PRL/OP_E_VERIFY when the tag does not match.
 */
int prl_unseal(const uint8_t key[PRL_KEY_LEN],
    const uint8_t dir_nonce[PRL_NONCE_LEN], const uint8_t *msg,
    size_t msg_len, uint8_t *out);

/* Is seq a slave sequence number to accept after last? */
bool prl_seq_ok(uint32_t last, uint32_t seq);

/* Session state, hung off struct ifxi2c while shielded. */
int prl_new(struct ifxi2c *c, const uint8_t *secret);
void prl_free(struct ifxi2c *c);
/* Forget the session (after a reset of the chip). */
void prl_drop(struct ifxi2c *c);
/* The handshake now, even with a session (RE_ESTABLISH). */
int prl_handshake(struct ifxi2c *c, op_deadline_t dl);
/*
 * One APDU in a fully protected record; handshakes first when there is
 * no session, again after a fatal alert, and retransmits after an
 * integrity alert.
 */
int prl_transceive(struct ifxi2c *c, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t dl);
void prl_get_stats(const struct ifxi2c *c, struct prl_stats *st);

#endif
