/*
 * IFX I2C presentation layer, host side (fact sheet 4).
 *
 * Handshake (4.4): Hello `00 01`; the chip answers RND and SSEQ; both
 * derive KB (4.5); the host proves the keys with a Finished over
 * RND || SSEQ and the chip answers one over RND || MSEQ.  Records (4.6):
 * every APDU goes with SCTR 23, so both directions are encrypted and
 * authenticated, which is what Conf(E140) on change and on read needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "codec/tlv.h"
#include "ifxi2c/prl.h"
#include "util/err.h"
#include "util/log.h"

#define MOD "prl"

static const char prl_label[] = "Platform Binding";

struct prl {
	uint8_t secret[IFXI2C_SECRET_LEN];
	bool session;
	struct prl_keys k;
	uint32_t mseq;		/* last master sequence number sent */
	uint32_t sseq;		/* last slave sequence number accepted */
	struct prl_stats st;
	uint8_t tx[PRL_RECORD_MAX];
	uint8_t rx[PRL_RECORD_MAX];
};

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
prl_derive(const uint8_t secret[IFXI2C_SECRET_LEN],
    const uint8_t rnd[PRL_RND_LEN], uint8_t kb[PRL_KB_LEN])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM p[5];
	int r;

	/* RFC 5246 P_SHA256(secret, label || seed): OpenSSL's TLS1-PRF */
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
	    (void *)(uintptr_t)secret, IFXI2C_SECRET_LEN);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
	    (void *)(uintptr_t)prl_label, sizeof(prl_label) - 1);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
	    (void *)(uintptr_t)rnd, PRL_RND_LEN);
	p[4] = OSSL_PARAM_construct_end();

	if ((kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(kctx, kb, PRL_KB_LEN, p) != 1) {
		r = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "presentation layer: TLS 1.2 PRF (SHA-256) failed");
		goto fail;
	}

	r = 0;
fail:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);

	return r;
}

void
prl_keys_master(const uint8_t kb[PRL_KB_LEN], struct prl_keys *k)
{
	memcpy(k->enc_key, kb, PRL_KEY_LEN);
	memcpy(k->dec_key, kb + 16, PRL_KEY_LEN);
	memcpy(k->enc_nonce, kb + 32, PRL_NONCE_LEN);
	memcpy(k->dec_nonce, kb + 36, PRL_NONCE_LEN);
}

/* AAD = SCTR || SEQ || PVER || plaintext length (fact sheet 4.6) */
static void
prl_aad(uint8_t aad[8], uint8_t sctr, const uint8_t seq[4], size_t len)
{
	aad[0] = sctr;
	memcpy(aad + 1, seq, 4);
	aad[5] = PRL_PVER;
	aad[6] = (uint8_t)(len >> 8);
	aad[7] = (uint8_t)len;
}

/* CCM with an 8-byte nonce (L = 7) and an 8-byte tag, one direction. */
static EVP_CIPHER_CTX *
prl_ccm_init(const uint8_t key[PRL_KEY_LEN],
    const uint8_t dir_nonce[PRL_NONCE_LEN], const uint8_t seq[4],
    bool enc, const uint8_t *tag)
{
	EVP_CIPHER_CTX *x;
	uint8_t nonce[8];

	memcpy(nonce, dir_nonce, PRL_NONCE_LEN);
	memcpy(nonce + 4, seq, 4);
	if ((x = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(x, EVP_aes_128_ccm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, sizeof(nonce),
	    NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, PRL_TAG_LEN,
	    (void *)(uintptr_t)tag) != 1 ||
	    EVP_CipherInit_ex(x, NULL, NULL, key, nonce, enc) != 1) {
		EVP_CIPHER_CTX_free(x);
		return NULL;
	}

	return x;
}

int
prl_seal(const uint8_t key[PRL_KEY_LEN],
    const uint8_t dir_nonce[PRL_NONCE_LEN], uint8_t sctr, uint32_t seq,
    const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *x;
	uint8_t aad[8];
	int n, r;

	out[0] = sctr;
	wr32(out + 1, seq);
	prl_aad(aad, sctr, out + 1, len);

	/* CCM wants the total length before the AAD, and one update */
	if ((x = prl_ccm_init(key, dir_nonce, out + 1, true, NULL)) == NULL ||
	    EVP_CipherUpdate(x, NULL, &n, NULL, (int)len) != 1 ||
	    EVP_CipherUpdate(x, NULL, &n, aad, sizeof(aad)) != 1 ||
	    EVP_CipherUpdate(x, out + 5, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(x, out + 5 + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, PRL_TAG_LEN,
	    out + 5 + len) != 1) {
		r = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "presentation layer: AES-128-CCM encryption failed");
		goto fail;
	}

	r = 0;
fail:
	EVP_CIPHER_CTX_free(x);

	return r;
}

int
prl_unseal(const uint8_t key[PRL_KEY_LEN],
    const uint8_t dir_nonce[PRL_NONCE_LEN], const uint8_t *msg,
    size_t msg_len, uint8_t *out)
{
	EVP_CIPHER_CTX *x = NULL;
	uint8_t aad[8];
	size_t len;
	int n, r;

	if (msg_len < PRL_OVERHEAD)
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_PROTOCOL),
		    "presentation layer: protected message of %zu bytes; "
		    "at least %d expected", msg_len, PRL_OVERHEAD);
	len = msg_len - PRL_OVERHEAD;
	prl_aad(aad, msg[0], msg + 1, len);

	if ((x = prl_ccm_init(key, dir_nonce, msg + 1, false,
	    msg + 5 + len)) == NULL ||
	    EVP_CipherUpdate(x, NULL, &n, NULL, (int)len) != 1 ||
	    EVP_CipherUpdate(x, NULL, &n, aad, sizeof(aad)) != 1) {
		r = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "presentation layer: AES-128-CCM setup failed");
		goto fail;
	}
	/* for CCM the tag check happens in this one update */
	if (EVP_CipherUpdate(x, out, &n, msg + 5, (int)len) != 1) {
		OPENSSL_cleanse(out, len);
		r = op_err(OP_RC(OP_LAYER_PRL, OP_E_VERIFY),
		    "presentation layer: the tag of the %zu-byte message "
		    "(SCTR %02X, SEQ %08X) does not verify", msg_len, msg[0],
		    rd32(msg + 1));
		goto fail;
	}

	r = 0;
fail:
	EVP_CIPHER_CTX_free(x);

	return r;
}

bool
prl_seq_ok(uint32_t last, uint32_t seq)
{
	/* last < seq <= last + window, without wrapping (fact sheet 4.6) */
	return seq > last && seq - last <= PRL_SEQ_WINDOW;
}

int
prl_new(struct ifxi2c *c, const uint8_t *secret)
{
	struct prl *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	memcpy(p->secret, secret != NULL ? secret : ifxi2c_secret_eval,
	    IFXI2C_SECRET_LEN);
	c->prl = p;
	/* from the first message on, PRESENCE goes both ways (3.3) */
	c->presence = true;

	return 0;
}

void
prl_free(struct ifxi2c *c)
{
	if (c->prl == NULL)
		return;
	OPENSSL_cleanse(c->prl, sizeof(*c->prl));
	free(c->prl);
	c->prl = NULL;
}

void
prl_drop(struct ifxi2c *c)
{
	struct prl *p = c->prl;

	if (p == NULL)
		return;
	OPENSSL_cleanse(&p->k, sizeof(p->k));
	p->session = false;
}

/* An alert is the SCTR alone. */
static int
prl_alert_of(const uint8_t *msg, size_t len)
{
	if (len == 1 && (msg[0] == PRL_SCTR_ALERT_FATAL ||
	    msg[0] == PRL_SCTR_ALERT_INTEG))
		return msg[0];

	return 0;
}

static int
prl_hello(struct ifxi2c *c, uint8_t rnd[PRL_RND_LEN], uint32_t *sseq,
    op_deadline_t dl)
{
	static const uint8_t hello[2] = { PRL_SCTR_HELLO, PRL_PVER };
	struct prl *p = c->prl;
	size_t n = 0;
	int r;

	if ((r = tl_transceive(c, hello, sizeof(hello), p->rx,
	    sizeof(p->rx), &n, dl)) != 0)
		return op_errctx(r, "presentation layer: Hello");
	if (prl_alert_of(p->rx, n))
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_UNSUPPORTED),
		    "presentation layer: the chip answered Hello with alert "
		    "%02X; it has no shielded connection (a Trust X, or an "
		    "older Trust M)", p->rx[0]);
	if (n != PRL_HELLO_RSP_LEN || p->rx[0] != PRL_SCTR_HELLO ||
	    p->rx[1] != PRL_PVER)
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_PROTOCOL),
		    "presentation layer: Hello answered with %zu bytes "
		    "(SCTR %02X); expected %d bytes 00 01 RND SSEQ", n,
		    n > 0 ? p->rx[0] : 0, PRL_HELLO_RSP_LEN);
	memcpy(rnd, p->rx + 2, PRL_RND_LEN);
	*sseq = rd32(p->rx + 2 + PRL_RND_LEN);

	return 0;
}

/* Check the chip's Finished: RND || MSEQ under the slave's keys. */
static int
prl_finished_check(struct prl *p, const uint8_t *msg, size_t n,
    const uint8_t rnd[PRL_RND_LEN], uint32_t *mseq)
{
	uint8_t plain[PRL_RND_LEN + 4];
	int r;

	if (n != PRL_FINISHED_LEN || msg[0] != PRL_SCTR_FINISHED)
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_PROTOCOL),
		    "presentation layer: Finished answered with %zu bytes "
		    "(SCTR %02X); expected %d bytes starting 08", n,
		    n > 0 ? msg[0] : 0, PRL_FINISHED_LEN);
	if ((r = prl_unseal(p->k.dec_key, p->k.dec_nonce, msg, n,
	    plain)) != 0)
		return op_errctx(r, "the chip's Finished: is the platform "
		    "binding secret the one in 0xE140? (pair host and chip "
		    "with 'optiga-perso pair')");
	if (CRYPTO_memcmp(plain, rnd, PRL_RND_LEN) != 0 ||
	    memcmp(plain + PRL_RND_LEN, msg + 1, 4) != 0) {
		OPENSSL_cleanse(plain, sizeof(plain));
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_VERIFY),
		    "presentation layer: the chip's Finished carries another "
		    "RND or MSEQ than the handshake's");
	}
	*mseq = rd32(msg + 1);
	OPENSSL_cleanse(plain, sizeof(plain));

	return 0;
}

int
prl_handshake(struct ifxi2c *c, op_deadline_t dl)
{
	struct prl *p = c->prl;
	uint8_t rnd[PRL_RND_LEN], kb[PRL_KB_LEN], plain[PRL_RND_LEN + 4];
	uint8_t fin[PRL_FINISHED_LEN];
	uint32_t sseq = 0, mseq = 0;
	size_t n = 0;
	int r;

	prl_drop(c);
	p->st.handshakes++;

	/* hello */
	if ((r = prl_hello(c, rnd, &sseq, dl)) != 0)
		goto fail;

	/* keys */
	if ((r = prl_derive(p->secret, rnd, kb)) != 0)
		goto fail;
	prl_keys_master(kb, &p->k);

	/* our Finished: RND || SSEQ, SEQ = SSEQ */
	memcpy(plain, rnd, PRL_RND_LEN);
	wr32(plain + PRL_RND_LEN, sseq);
	if ((r = prl_seal(p->k.enc_key, p->k.enc_nonce, PRL_SCTR_FINISHED,
	    sseq, plain, sizeof(plain), fin)) != 0)
		goto fail;
	if ((r = tl_transceive(c, fin, sizeof(fin), p->rx, sizeof(p->rx),
	    &n, dl)) != 0) {
		op_errctx(r, "presentation layer: Finished");
		goto fail;
	}
	if (prl_alert_of(p->rx, n)) {
		r = op_err(OP_RC(OP_LAYER_PRL, OP_E_AUTH),
		    "presentation layer: the chip refused our Finished "
		    "(alert %02X): the host's platform binding secret is "
		    "not the one in 0xE140 (pair host and chip with "
		    "'optiga-perso pair', or give --binding-secret)",
		    p->rx[0]);
		goto fail;
	}

	/* the chip's Finished: RND || MSEQ, SEQ = MSEQ */
	if ((r = prl_finished_check(p, p->rx, n, rnd, &mseq)) != 0)
		goto fail;

	p->mseq = mseq;
	p->sseq = sseq;
	p->session = true;
	OP_DEBUG(MOD, "handshake done: SSEQ %08X, MSEQ %08X", sseq, mseq);

	r = 0;
fail:
	OPENSSL_cleanse(kb, sizeof(kb));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (r != 0)
		prl_drop(c);

	return r;
}

/* Take the chip's record: check SCTR, SEQ window and tag. */
static int
prl_record_open(struct prl *p, const uint8_t *msg, size_t n, uint8_t *rsp,
    size_t cap, size_t *rsp_len)
{
	uint32_t seq;
	int r;

	if (n < PRL_OVERHEAD || msg[0] != PRL_SCTR_FULL)
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_PROTOCOL),
		    "presentation layer: answer of %zu bytes with SCTR %02X; "
		    "expected a record with SCTR 23 like the command", n,
		    n > 0 ? msg[0] : 0);
	seq = rd32(msg + 1);
	if (!prl_seq_ok(p->sseq, seq))
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_PROTOCOL),
		    "presentation layer: the chip's sequence number %08X is "
		    "outside the window after %08X (replayed or lost)", seq,
		    p->sseq);
	if (n - PRL_OVERHEAD > cap)
		return op_err(OP_RC(OP_LAYER_PRL, OP_E_RANGE),
		    "presentation layer: answer of %zu bytes exceeds the "
		    "%zu-byte buffer", n - PRL_OVERHEAD, cap);
	if ((r = prl_unseal(p->k.dec_key, p->k.dec_nonce, msg, n, rsp)) != 0)
		return r;
	p->sseq = seq;
	*rsp_len = n - PRL_OVERHEAD;

	return 0;
}

int
prl_transceive(struct ifxi2c *c, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t dl)
{
	struct prl *p = c->prl;
	unsigned integrity = 0, fatal = 0;
	size_t n;
	int alert, r;

	for (;;) {
		if (!p->session || p->mseq >= PRL_SEQ_LIMIT ||
		    p->sseq >= PRL_SEQ_LIMIT) {
			if ((r = prl_handshake(c, dl)) != 0)
				return r;
		}

		/* a new sequence number for every message, resends too */
		p->mseq++;
		if ((r = prl_seal(p->k.enc_key, p->k.enc_nonce,
		    PRL_SCTR_FULL, p->mseq, apdu, len, p->tx)) != 0)
			return r;
		n = 0;
		if ((r = tl_transceive(c, p->tx, len + PRL_OVERHEAD, p->rx,
		    sizeof(p->rx), &n, dl)) != 0)
			return r;
		p->st.records++;

		switch ((alert = prl_alert_of(p->rx, n))) {
		case PRL_SCTR_ALERT_FATAL:
			/* the chip lost the session: a new handshake */
			p->st.fatal_alerts++;
			prl_drop(c);
			if (fatal++ > 0)
				return op_err(OP_RC(OP_LAYER_PRL,
				    OP_E_PROTOCOL), "presentation layer: "
				    "fatal alert again after a new handshake");
			OP_DEBUG(MOD, "fatal alert: handshaking again");
			continue;
		case PRL_SCTR_ALERT_INTEG:
			p->st.integrity_alerts++;
			if (integrity++ >= PRL_INTEGRITY_RETRIES)
				return op_err(OP_RC(OP_LAYER_PRL, OP_E_VERIFY),
				    "presentation layer: the chip reported an "
				    "integrity violation %u times", integrity);
			OP_DEBUG(MOD, "integrity alert: resending with a new "
			    "sequence number");
			continue;
		default:
			break;
		}

		if ((r = prl_record_open(p, p->rx, n, rsp, cap,
		    rsp_len)) != 0) {
			/* keys or sequence in doubt: start afresh next time */
			prl_drop(c);
			return r;
		}
		OPENSSL_cleanse(p->rx, n);
		return 0;
	}
}

void
prl_get_stats(const struct ifxi2c *c, struct prl_stats *st)
{
	if (c->prl == NULL)
		memset(st, 0, sizeof(*st));
	else
		*st = c->prl->st;
}
