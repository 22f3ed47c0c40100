/*
 * Presentation layer, device side: what the chip does with a unit that
 * arrived with the PRESENCE bit (fact sheet 4).
 *
 * - 00 01 (Hello, PVER 1): fresh RND and SSEQ, keys from 0xE140.
 * - 08 SSEQ ... (Finished): checked; answered with our Finished, or a
 *   fatal alert when the host's secret is not ours.
 * - 20..23 (records): bit 0 says the command is protected, bit 1 the
 *   response; the chip side learns the level before it executes, so
 *   Conf(E140)/Int(E140) conditions can hold.
 * - anything else: fatal alert.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "util/log.h"

#include "dev.h"
#include "prl.h"

#define MOD "sim-prl"

#define SCTR_HELLO		0x00
#define SCTR_FINISHED		0x08
#define SCTR_RECORD		0x20	/* | protection bits */
#define SCTR_ALERT_FATAL	0x40
#define SCTR_ALERT_INTEGRITY	0x44
#define PROT_CMD		0x01
#define PROT_RSP		0x02
#define PVER_PSK		0x01
#define TAG_LEN			8
#define FINISHED_LEN		49
#define SEQ_WINDOW		3	/* [inferred] as the host's (4.6) */

void
sim_prl_reset(struct sim_prl *p)
{
	const struct sim_prl_chip *ops = p->chip_ops;

	OPENSSL_cleanse(p, sizeof(*p));
	p->chip_ops = ops;
}

static uint32_t
get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static void
put32(uint8_t *b, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

static size_t
alert(struct sim_prl *p, uint8_t *out, uint8_t sctr, const char *why)
{
	OP_INFO(MOD, "%s alert: %s", sctr == SCTR_ALERT_FATAL ? "fatal" :
	    "integrity", why);
	if (sctr == SCTR_ALERT_FATAL)
		sim_prl_reset(p);
	out[0] = sctr;

	return 1;
}

/* HMAC-SHA256 through EVP_MAC, one call. */
static bool
hmac256(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *x = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM prm[2];
	size_t n;
	bool ok;

	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	prm[1] = OSSL_PARAM_construct_end();
	ok = x != NULL && EVP_MAC_init(x, key, klen, prm) == 1 &&
	    EVP_MAC_update(x, a, alen) == 1 &&
	    (blen == 0 || EVP_MAC_update(x, b, blen) == 1) &&
	    EVP_MAC_final(x, out, &n, 32) == 1;
	EVP_MAC_CTX_free(x);
	EVP_MAC_free(mac);

	return ok;
}

/*
 * P_SHA256 of RFC 5246 section 5 written out: A(i) = HMAC(secret,
 * A(i-1)), output HMAC(secret, A(i) || label || seed), 40 bytes.
 */
static bool
derive_kb(const uint8_t secret[SIM_PRL_SECRET_LEN], const uint8_t rnd[32],
    uint8_t kb[40])
{
	uint8_t seed[16 + 32], a[32], blk[32];
	bool ok = true;

	memcpy(seed, "Platform Binding", 16);
	memcpy(seed + 16, rnd, 32);
	ok = hmac256(secret, SIM_PRL_SECRET_LEN, seed, sizeof(seed), NULL, 0,
	    a);
	for (size_t off = 0; ok && off < 40; off += 32) {
		ok = hmac256(secret, SIM_PRL_SECRET_LEN, a, 32, seed,
		    sizeof(seed), blk) &&
		    hmac256(secret, SIM_PRL_SECRET_LEN, a, 32, NULL, 0, a);
		memcpy(kb + off, blk, 40 - off < 32 ? 40 - off : 32);
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(blk, sizeof(blk));

	return ok;
}

/*
 * AES-128-CCM, nonce = dir_nonce || SEQ, tag 8, AAD = SCTR SEQ PVER
 * LEN.  Encrypt: msg gets SCTR SEQ CT TAG from plain.  Decrypt: plain
 * gets the payload of msg; false when the tag fails.
 */
static bool
ccm(bool enc, const uint8_t key[16], const uint8_t dir_nonce[4],
    uint8_t *msg, uint8_t *plain, size_t len)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[8], aad[8];
	uint8_t *tag = msg + 5 + len;
	int n;
	bool ok;

	memcpy(nonce, dir_nonce, 4);
	memcpy(nonce + 4, msg + 1, 4);
	memcpy(aad, msg, 5);
	aad[5] = PVER_PSK;
	aad[6] = (uint8_t)(len >> 8);
	aad[7] = (uint8_t)len;

	ok = x != NULL &&
	    EVP_CipherInit_ex(x, EVP_aes_128_ccm(), NULL, NULL, NULL,
	    enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 8, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
	    enc ? NULL : tag) == 1 &&
	    EVP_CipherInit_ex(x, NULL, NULL, key, nonce, enc) == 1 &&
	    EVP_CipherUpdate(x, NULL, &n, NULL, (int)len) == 1 &&
	    EVP_CipherUpdate(x, NULL, &n, aad, sizeof(aad)) == 1;
	if (ok && enc)
		ok = EVP_CipherUpdate(x, msg + 5, &n, plain, (int)len) == 1 &&
		    EVP_CipherFinal_ex(x, tag, &n) == 1 &&
		    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, TAG_LEN,
		    tag) == 1;
	else if (ok)
		ok = EVP_CipherUpdate(x, plain, &n, msg + 5, (int)len) == 1;
	EVP_CIPHER_CTX_free(x);

	return ok;
}

static size_t
on_hello(struct sim_dev *dev, const uint8_t *in, size_t len, uint8_t *out)
{
	struct sim_prl *p = &dev->prl;
	const struct sim_prl_chip *ops = p->chip_ops;
	uint8_t secret[SIM_PRL_SECRET_LEN], kb[40];
	uint8_t seq[4];
	bool ok;

	/* a new Hello always starts from scratch (fact sheet 4.4) */
	sim_prl_reset(p);
	if (len != 2 || in[1] != PVER_PSK)
		return alert(p, out, SCTR_ALERT_FATAL, "Hello with another "
		    "protocol version than 01 (PSK)");
	if (ops == NULL || ops->secret(dev->chip, secret) != 0)
		return alert(p, out, SCTR_ALERT_FATAL, "no 64-byte platform "
		    "binding secret in 0xE140");
	if (RAND_bytes(p->rnd, sizeof(p->rnd)) != 1 ||
	    RAND_bytes(seq, 2) != 1) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return alert(p, out, SCTR_ALERT_FATAL, "no random numbers");
	}
	/* SSEQ in 0..0xFFFF, the spec's range */
	p->sseq = (uint32_t)seq[0] << 8 | seq[1];
	ok = derive_kb(secret, p->rnd, kb);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!ok)
		return alert(p, out, SCTR_ALERT_FATAL, "key derivation");

	/* the slave's view: the master's enc key is our dec key */
	memcpy(p->dec_key, kb, 16);
	memcpy(p->enc_key, kb + 16, 16);
	memcpy(p->dec_nonce, kb + 32, 4);
	memcpy(p->enc_nonce, kb + 36, 4);
	OPENSSL_cleanse(kb, sizeof(kb));
	p->state = SIM_PRL_HELLO;

	out[0] = SCTR_HELLO;
	out[1] = PVER_PSK;
	memcpy(out + 2, p->rnd, 32);
	put32(out + 34, p->sseq);
	OP_DEBUG(MOD, "Hello: SSEQ %08X", p->sseq);

	return 38;
}

static size_t
on_finished(struct sim_prl *p, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t msg[FINISHED_LEN], plain[36], seq[4];
	bool ok;

	if (p->state != SIM_PRL_HELLO || len != FINISHED_LEN)
		return alert(p, out, SCTR_ALERT_FATAL, "Finished out of "
		    "place or of the wrong size");
	memcpy(msg, in, len);
	ok = get32(msg + 1) == p->sseq && ccm(false, p->dec_key,
	    p->dec_nonce, msg, plain, 36) &&
	    CRYPTO_memcmp(plain, p->rnd, 32) == 0 &&
	    get32(plain + 32) == p->sseq;
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok)
		return alert(p, out, SCTR_ALERT_FATAL, "the host's Finished "
		    "does not verify: another binding secret");

	if (RAND_bytes(seq, 2) != 1)
		return alert(p, out, SCTR_ALERT_FATAL, "no random numbers");
	p->mseq = (uint32_t)seq[0] << 8 | seq[1];
	memcpy(plain, p->rnd, 32);
	put32(plain + 32, p->mseq);
	out[0] = SCTR_FINISHED;
	put32(out + 1, p->mseq);
	ok = ccm(true, p->enc_key, p->enc_nonce, out, plain, 36);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok)
		return alert(p, out, SCTR_ALERT_FATAL, "encryption failed");
	p->state = SIM_PRL_SESSION;
	OP_INFO(MOD, "shielded connection up (MSEQ %08X)", p->mseq);

	return FINISHED_LEN;
}

static size_t
on_record(struct sim_dev *dev, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap)
{
	struct sim_prl *p = &dev->prl;
	uint8_t sctr = in[0], prot = in[0] & 3;
	uint8_t msg[SIM_RSP_MAX], apdu[SIM_RSP_MAX];
	const uint8_t *cmd = in + 1;
	size_t n = len - 1, rn;
	uint32_t seq;

	if (prot != 0 && p->state != SIM_PRL_SESSION)
		return alert(p, out, SCTR_ALERT_FATAL, "protected record "
		    "without a session");

	/* the command: check SEQ window and tag */
	if (prot & PROT_CMD) {
		if (len < SIM_PRL_OVERHEAD || len > sizeof(msg))
			return alert(p, out, SCTR_ALERT_FATAL, "protected "
			    "record of impossible size");
		seq = get32(in + 1);
		if (seq <= p->mseq || seq - p->mseq > SEQ_WINDOW)
			return alert(p, out, SCTR_ALERT_INTEGRITY, "master "
			    "sequence number outside the window");
		n = len - SIM_PRL_OVERHEAD;
		memcpy(msg, in, len);
		if (!ccm(false, p->dec_key, p->dec_nonce, msg, apdu, n))
			return alert(p, out, SCTR_ALERT_INTEGRITY, "tag of "
			    "the command does not verify");
		p->mseq = seq;
		cmd = apdu;
	}

	/* execute at this protection level */
	if (p->chip_ops != NULL)
		p->chip_ops->protect(dev->chip, prot, SIM_PRL_OID);
	rn = sim_exec_chip(dev, cmd, n, msg, sizeof(msg) - SIM_PRL_OVERHEAD);
	OPENSSL_cleanse(apdu, n);
	if (rn + SIM_PRL_OVERHEAD > cap)
		return alert(p, out, SCTR_ALERT_FATAL, "response too long");

	/* the response: the same SCTR as the command (4.6) */
	out[0] = sctr;
	if (!(prot & PROT_RSP)) {
		memcpy(out + 1, msg, rn);
		OPENSSL_cleanse(msg, rn);
		return 1 + rn;
	}
	put32(out + 1, ++p->sseq);
	if (!ccm(true, p->enc_key, p->enc_nonce, out, msg, rn)) {
		OPENSSL_cleanse(msg, rn);
		return alert(p, out, SCTR_ALERT_FATAL, "encryption failed");
	}
	OPENSSL_cleanse(msg, rn);

	return rn + SIM_PRL_OVERHEAD;
}

size_t
sim_prl_handle(struct sim_dev *dev, const uint8_t *in, size_t len,
    uint8_t *out, size_t cap)
{
	struct sim_prl *p = &dev->prl;

	if (len == 0 || cap < SIM_PRL_OVERHEAD + 4)
		return alert(p, out, SCTR_ALERT_FATAL, "empty unit");
	if (dev->opts.product == SIM_TRUST_X)
		return alert(p, out, SCTR_ALERT_FATAL, "a Trust X has no "
		    "presentation layer");

	switch (in[0]) {
	case SCTR_HELLO:
		return on_hello(dev, in, len, out);
	case SCTR_FINISHED:
		return on_finished(p, in, len, out);
	case SCTR_RECORD:
	case SCTR_RECORD | PROT_CMD:
	case SCTR_RECORD | PROT_RSP:
	case SCTR_RECORD | PROT_CMD | PROT_RSP:
		return on_record(dev, in, len, out, cap);
	default:
		/*
		 * XXX: manage context (60/68, hibernate) and the ECDHE
		 * key agreement (04) are not emulated.
		 */
		return alert(p, out, SCTR_ALERT_FATAL, "SCTR not supported");
	}
}
