/*
 * The steps of the personalization flow, each a check and an action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "perso/csr.h"
#include "perso/flow_int.h"
#include "perso/record.h"
#include "perso/steps_tls.h"
#include "provider/oprov.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

/* Key usage for a personalized key: signing (CSR, TLS) and auth. */
#define PERSO_KEY_USAGE (CHIP_USAGE_SIGN | CHIP_USAGE_AUTH)

static bool
recorded_ok(struct flow *f, const char *step)
{
	const char *o = record_step_outcome(f->state, step);

	return o != NULL && strcmp(o, "ok") == 0;
}

static const char *
state_str(struct flow *f, const char *key)
{
	return json_string_value(json_object_get(f->state, key));
}

static bool
file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

static int
pem_pubkey(BIO *b, const void *k)
{
	return PEM_write_bio_PUBKEY(b, (EVP_PKEY *)(uintptr_t)k);
}

static int
pem_req(BIO *b, const void *r)
{
	return PEM_write_bio_X509_REQ(b, (X509_REQ *)(uintptr_t)r);
}

static int
pem_cert(BIO *b, const void *x)
{
	return PEM_write_bio_X509(b, (X509 *)(uintptr_t)x);
}

static void
slot_str(uint16_t oid, char out[8])
{
	snprintf(out, 8, "0x%04X", oid);
}

/* --- keygen -------------------------------------------------------------- */

static int
keygen_done(struct flow *f)
{
	char slot[8];
	char fp[65];
	const char *want;
	EVP_PKEY *pub = NULL;
	BIO *in;
	int r;

	slot_str(f->key_slot, slot);
	if (!recorded_ok(f, "keygen") || (want = state_str(f,
	    "pub_sha256")) == NULL || !file_exists(f->pub_path))
		return 0;
	if (state_str(f, "key_slot") == NULL || strcmp(state_str(f,
	    "key_slot"), slot) != 0 || state_str(f, "alg") == NULL ||
	    strcmp(state_str(f, "alg"), f->alg->name) != 0)
		return 0;

	/* the public key on file is the one recorded */
	if ((in = BIO_new_file(f->pub_path, "r")) != NULL)
		pub = PEM_read_bio_PUBKEY(in, NULL, NULL, NULL);
	BIO_free(in);
	if (pub == NULL || flow_pub_fingerprint(pub, fp) != 0 ||
	    strcmp(fp, want) != 0) {
		EVP_PKEY_free(pub);
		ERR_clear_error();
		return 0;
	}

	/*
	 * and the chip still holds its private half: one signature settles
	 * it, where a record alone could be stale
	 */
	r = perso_key_load(NULL, f->o->device, f->key_slot, f->pub_path,
	    &f->key);
	if (r == 0)
		r = perso_key_check(NULL, f->key, pub);
	EVP_PKEY_free(pub);
	if (r != 0 && OP_RC_CODE(r) != OP_E_VERIFY) {
		/*
		 * Only a signature that does not verify proves the key is
		 * gone.  Anything else (the chip or the link failed) says
		 * nothing about it, and a new key now would void a
		 * certificate already issued and registered for the old
		 * one: stop, and let the user rerun (or --force).
		 */
		op_errctx(r, "checking the key recorded for slot %s", slot);
		return -1;
	}
	if (r != 0) {
		OP_WARN("perso", "slot %s no longer holds the key recorded "
		    "in %s: %s; generating a new one", slot, f->pub_path,
		    op_errmsg());
		EVP_PKEY_free(f->key);
		f->key = NULL;
		op_err_clear();
		return 0;
	}

	return 1;
}

static int
keygen_run(struct flow *f, json_t *line)
{
	char slot[8];
	char fp[65];
	int r;

	slot_str(f->key_slot, slot);
	EVP_PKEY_free(f->key);
	f->key = NULL;
	if ((r = perso_key_generate(NULL, f->o->device, f->key_slot, f->alg,
	    PERSO_KEY_USAGE, &f->key)) != 0)
		return op_errctx(r, "key slot %s", slot);
	if ((r = flow_pub_fingerprint(f->key, fp)) != 0 ||
	    (r = flow_write_pem(f->pub_path, pem_pubkey, f->key,
	    0644)) != 0)
		return r;

	json_object_set_new(line, "key_slot", json_string(slot));
	json_object_set_new(line, "alg", json_string(f->alg->name));
	json_object_set_new(line, "pub_sha256", json_string(fp));

	return 0;
}

/* --- csr ----------------------------------------------------------------- */

static int
csr_done(struct flow *f)
{
	X509_NAME *want = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *pub;
	int ok = 0;

	if (!recorded_ok(f, "csr") || !file_exists(f->csr_path))
		return 0;
	if (ca_pem_read_req(f->csr_path, &req) != 0 ||
	    perso_config_subject(f->cfg, &want) != 0) {
		op_err_clear();
		goto out;
	}
	pub = X509_REQ_get0_pubkey(req);
	ok = pub != NULL && EVP_PKEY_eq(pub, f->key) == 1 &&
	    X509_REQ_verify(req, pub) == 1 &&
	    X509_NAME_cmp(X509_REQ_get_subject_name(req), want) == 0;
out:
	ERR_clear_error();
	X509_NAME_free(want);
	if (ok) {
		f->req = req;
		return 1;
	}
	X509_REQ_free(req);

	return 0;
}

static int
csr_run(struct flow *f, json_t *line)
{
	X509_NAME *subject = NULL;
	char text[512];
	int r;

	if ((r = perso_config_subject(f->cfg, &subject)) != 0)
		return r;
	X509_REQ_free(f->req);
	f->req = NULL;
	r = csr_build(NULL, subject, f->key, f->cfg->md, &f->req);
	if (r == 0) {
		f->csr_signed = true;
		r = flow_write_pem(f->csr_path, pem_req, f->req, 0644);
	}
	if (r == 0) {
		X509_NAME_oneline(subject, text, sizeof(text));
		json_object_set_new(line, "subject", json_string(text));
		json_object_set_new(line, "hash", json_string(f->cfg->hash));
	}
	X509_NAME_free(subject);

	return r;
}

/* --- sign ---------------------------------------------------------------- */

static int
sign_done(struct flow *f)
{
	struct ca *ca = NULL;
	X509 *cert = NULL;
	int ok = 0;

	if (!recorded_ok(f, "sign") || !file_exists(f->cert_path))
		return 0;
	if (ca_pem_read_cert(f->cert_path, &cert) != 0 ||
	    ca_open_cert_only(f->ca_dir, &ca) != 0) {
		op_err_clear();
		goto out;
	}
	ok = EVP_PKEY_eq(X509_get0_pubkey(cert), f->key) == 1 &&
	    X509_verify(cert, X509_get0_pubkey(ca_cert(ca))) == 1 &&
	    X509_cmp_current_time(X509_get0_notAfter(cert)) > 0;
out:
	ERR_clear_error();
	ca_close(&ca);
	if (ok) {
		f->cert = cert;
		return 1;
	}
	X509_free(cert);

	return 0;
}

static int
sign_run(struct flow *f, json_t *line)
{
	unsigned days = f->o->days ? f->o->days : f->cfg->validity_days;
	uint8_t *der = NULL;
	char fp[65];
	char *serial = NULL;
	BIGNUM *bn = NULL;
	int len;
	int r;

	if (f->ca == NULL && (r = ca_open_with(f->ca_dir, f->o->ca_key,
	    &f->o->ca_pass, &f->ca)) != 0)
		return r;
	X509_free(f->cert);
	f->cert = NULL;
	if ((r = ca_sign_csr(f->ca, f->req, days, &f->cert)) != 0)
		return r;
	if ((r = flow_write_pem(f->cert_path, pem_cert, f->cert, 0644)) != 0)
		return r;

	if ((len = i2d_X509(f->cert, &der)) <= 0)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode the certificate");
	r = flow_fingerprint(der, (size_t)len, fp);
	OPENSSL_free(der);
	if (r != 0)
		return r;

	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(f->cert), NULL);
	serial = bn != NULL ? BN_bn2hex(bn) : NULL;
	json_object_set_new(line, "serial", json_string(serial ? serial :
	    "?"));
	json_object_set_new(line, "cert_sha256", json_string(fp));
	json_object_set_new(line, "ca_dir", json_string(f->ca_dir));
	OPENSSL_free(serial);
	BN_free(bn);

	return 0;
}

/* --- prove --------------------------------------------------------------- */

static int
cert_fp(X509 *cert, char fp[65])
{
	uint8_t *der = NULL;
	int len = i2d_X509(cert, &der);
	int r;

	if (len <= 0)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode the certificate");
	r = flow_fingerprint(der, (size_t)len, fp);
	OPENSSL_free(der);

	return r;
}

static int
prove_done(struct flow *f)
{
	char fp[65];
	const char *rec = state_str(f, "proven_sha256");

	return recorded_ok(f, "prove") && rec != NULL &&
	    cert_fp(f->cert, fp) == 0 && strcmp(fp, rec) == 0;
}

static int
prove_run(struct flow *f, json_t *line)
{
	EVP_PKEY *req_pub = NULL;
	char fp[65];
	int r;

	/*
	 * The chip signed the CSR in this very run, and that signature
	 * verified under the CSR's key: if the certificate carries the same
	 * key, possession is proven without spending another signature (and
	 * another tick of the chip's security event counter).
	 */
	if (f->csr_signed && f->req != NULL)
		req_pub = X509_REQ_get0_pubkey(f->req);
	if (req_pub != NULL && EVP_PKEY_eq(req_pub,
	    X509_get0_pubkey(f->cert)) == 1) {
		json_object_set_new(line, "proof",
		    json_string("csr signature"));
	} else {
		ERR_clear_error();
		if ((r = perso_key_prove(NULL, f->key, f->cert)) != 0)
			return r;
		json_object_set_new(line, "proof", json_string("challenge"));
	}
	if ((r = cert_fp(f->cert, fp)) != 0)
		return r;
	json_object_set_new(line, "proven_sha256", json_string(fp));

	return 0;
}

/* --- write --------------------------------------------------------------- */

static STACK_OF(X509) *
leaf_chain(X509 *cert)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (sk != NULL && !sk_X509_push(sk, cert)) {
		sk_X509_free(sk);
		return NULL;
	}

	return sk;
}

static int
write_done(struct flow *f)
{
	STACK_OF(X509) *chain = NULL;
	enum certslot_format fmt;
	struct chip *chip;
	int ok = 0;
	int r;

	if (!recorded_ok(f, "write"))
		return 0;
	if ((r = oprov_chip_acquire(f->o->device, &chip)) != 0)
		return -1;
	r = perso_cert_read(chip, f->cert_slot, &chain, &fmt);
	oprov_chip_release(f->o->device, r);
	if (r != 0) {
		op_err_clear();
		return 0;
	}
	ok = sk_X509_num(chain) >= 1 && fmt == f->fmt &&
	    X509_cmp(sk_X509_value(chain, 0), f->cert) == 0;
	sk_X509_pop_free(chain, X509_free);

	return ok;
}

static int
write_run(struct flow *f, json_t *line)
{
	STACK_OF(X509) *chain;
	struct chip *chip;
	char slot[8];
	int r;

	if ((chain = leaf_chain(f->cert)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	if ((r = oprov_chip_acquire(f->o->device, &chip)) != 0) {
		sk_X509_free(chain);
		return r;
	}
	r = perso_cert_store(chip, f->cert_slot, chain, f->fmt, &f->wrote);
	oprov_chip_release(f->o->device, r);
	sk_X509_free(chain);
	if (r != 0)
		return r;

	slot_str(f->cert_slot, slot);
	json_object_set_new(line, "cert_slot", json_string(slot));
	json_object_set_new(line, "cert_format", json_string(f->fmt ==
	    CERTSLOT_TLS ? "tls" : "der"));
	json_object_set_new(line, "written", json_boolean(f->wrote));

	return 0;
}

static bool
connect_asked(const struct flow *f)
{
	return f->o->connect_endpoint != NULL;
}

static bool
lock_asked(const struct flow *f)
{
	return f->o->lock;
}

const struct flow_step flow_steps[] = {
	{ "keygen", "generate the key pair inside the chip", false, false,
	    keygen_done, keygen_run, NULL },
	{ "csr", "build the CSR, signed inside the chip", false, false,
	    csr_done, csr_run, NULL },
	{ "sign", "issue the certificate from the CA", false, false,
	    sign_done, sign_run, NULL },
	{ "prove", "prove the chip holds the certificate's key", false,
	    false, prove_done, prove_run, NULL },
	{ "write", "write the certificate to its slot, read it back", false,
	    false, write_done, write_run, NULL },
	{ "aws-ca", "register the CA with AWS IoT", true, true,
	    flow_aws_ca_done, flow_aws_ca_run, NULL },
	{ "aws-device", "register the certificate, thing and policy", true,
	    true, flow_aws_device_done, flow_aws_device_run,
	    NULL },
	{ "connect", "connect to the broker with the chip key (--connect)",
	    false, true, flow_connect_done, flow_connect_run,
	    connect_asked },
	{ "lock", "lock the key and certificate slots (--lock)", false,
	    true, flow_lock_done, flow_lock_run, lock_asked },
	{ NULL, NULL, false, false, NULL, NULL, NULL }
};
