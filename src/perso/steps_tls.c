/*
 * Using the identity: the chip key and the certificate read from the
 * chip authenticate a TLS connection to an MQTT broker (perso_connect),
 * and, as the last steps of the flow, that check and the lock of the
 * slots that hold the identity.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "perso/flow_int.h"
#include "perso/perso.h"
#include "perso/steps_tls.h"
#include "provider/oprov.h"
#include "tls/tls.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

/*
 * The key as a provider key, its public half taken from cert_slot
 * (cert= in the URI, docs/provider.md) so that any key slot, RSA ones
 * included, pairs with any certificate slot.
 */
static int
connect_key(const char *device, uint16_t key_slot, uint16_t cert_slot,
    EVP_PKEY **key)
{
	OSSL_STORE_CTX *st = NULL;
	OSSL_STORE_INFO *info;
	char uri[1024];
	char why[256] = "";
	int r;

	*key = NULL;
	snprintf(uri, sizeof(uri), "optiga:0x%04X?device=%s&cert=0x%04X",
	    key_slot, device, cert_slot);
	op_err_clear();
	if ((st = OSSL_STORE_open_ex(uri, NULL, "provider=" OPROV_NAME, NULL,
	    NULL, NULL, NULL, NULL)) != NULL) {
		OSSL_STORE_expect(st, OSSL_STORE_INFO_PKEY);
		while (*key == NULL && !OSSL_STORE_eof(st) &&
		    (info = OSSL_STORE_load(st)) != NULL) {
			if (OSSL_STORE_INFO_get_type(info) ==
			    OSSL_STORE_INFO_PKEY)
				*key = OSSL_STORE_INFO_get1_PKEY(info);
			OSSL_STORE_INFO_free(info);
		}
		OSSL_STORE_close(st);
	}
	if (*key != NULL) {
		ERR_clear_error();
		return 0;
	}

	/* the provider's own message says which sources it tried */
	if ((r = op_err_last()) != 0) {
		ERR_clear_error();
		return op_errctx(r, "key slot 0x%04X", key_slot);
	}
	if (ERR_peek_last_error() != 0)
		ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
	ERR_clear_error();

	return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_NOTFOUND), "key slot "
	    "0x%04X: cannot load the key%s%s", key_slot, why[0] ? ": " : "",
	    why);
}

/* The chain in cert_slot: the leaf, and what follows it. */
static int
connect_cert(const char *device, uint16_t cert_slot, X509 **leaf,
    STACK_OF(X509) **rest)
{
	STACK_OF(X509) *chain = NULL;
	enum certslot_format fmt;
	struct chip *chip;
	int r;

	*leaf = NULL;
	*rest = NULL;
	if ((r = oprov_chip_acquire(device, &chip)) != 0)
		return r;
	r = perso_cert_read(chip, cert_slot, &chain, &fmt);
	oprov_chip_release(device, r);
	if (r != 0)
		return r;
	if (sk_X509_num(chain) < 1) {
		sk_X509_free(chain);
		return op_err(PERSO_ERR(OP_E_NOTFOUND), "certificate slot "
		    "0x%04X is empty: personalize the chip first, or name "
		    "the slot that holds the certificate with --cert-slot",
		    cert_slot);
	}
	*leaf = sk_X509_shift(chain);
	*rest = chain;

	return 0;
}

static int
connect_identity(const struct perso_connect_opts *o, uint16_t cert_slot,
    EVP_PKEY **key, X509 **leaf, STACK_OF(X509) **rest)
{
	char subj[256];
	int r;

	if ((r = connect_cert(o->device, cert_slot, leaf, rest)) != 0 ||
	    (r = connect_key(o->device, o->key_slot, cert_slot, key)) != 0)
		return r;

	/* a mismatch is clearer here than as a refused handshake */
	if ((r = perso_key_prove(NULL, *key, *leaf)) != 0) {
		X509_NAME_oneline(X509_get_subject_name(*leaf), subj,
		    sizeof(subj));
		if (OP_RC_CODE(r) == OP_E_VERIFY)
			return op_err(r, "certificate slot 0x%04X (%s) does "
			    "not hold the certificate of the key in 0x%04X: a "
			    "signature made by the chip with that key does "
			    "not verify under the certificate's public key; "
			    "name the matching pair with --slot and "
			    "--cert-slot", cert_slot, subj, o->key_slot);
		return op_errctx(r, "checking that 0x%04X holds the "
		    "certificate of the key in 0x%04X", cert_slot,
		    o->key_slot);
	}

	return 0;
}

int
perso_connect(const struct perso_connect_opts *o, struct tls_report *rep)
{
	struct tls_session_opts so;
	STACK_OF(X509) *rest = NULL;
	uint16_t cert_slot = o->cert_slot;
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	uint64_t t0;
	int r;

	memset(rep, 0, sizeof(*rep));
	memset(&so, 0, sizeof(so));
	if (cert_slot == 0 && (cert_slot = perso_cert_slot_for(
	    o->key_slot)) == 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "key slot "
		    "0x%04X has no paired certificate slot; name it with "
		    "--cert-slot", o->key_slot);
	if ((r = tls_endpoint_parse(o->endpoint, &so.ep)) != 0)
		return r;

	/* chip: the certificate, the key, and proof they belong together */
	t0 = op_now_us();
	if ((r = connect_identity(o, cert_slot, &key, &leaf, &rest)) != 0)
		goto out;
	rep->ms[TLS_PHASE_CHIP] = (double)(op_now_us() - t0) / 1000.0;
	rep->timed[TLS_PHASE_CHIP] = true;

	so.client.key = key;
	so.client.cert = leaf;
	so.client.chain = rest;
	so.client.ca_file = o->ca_file;
	so.client_id = o->client_id;
	so.topic = o->topic;
	so.message = (const uint8_t *)o->message;
	so.message_len = o->message != NULL ? strlen(o->message) : 0;
	so.timeout_ms = o->timeout_ms;
	so.client.max_version = o->tls_max;
	if ((r = tls_session_run(&so, rep)) != 0)
		op_errctx(r, "%s port %u", so.ep.host, (unsigned)so.ep.port);
out:
	sk_X509_pop_free(rest, X509_free);
	X509_free(leaf);
	EVP_PKEY_free(key);

	return r;
}

/* --- the flow's steps ---------------------------------------------------- */

int
flow_connect_done(struct flow *f)
{
	/* asked for (the flow leaves it out otherwise): checked anew */
	return 0;
}

int
flow_connect_run(struct flow *f, json_t *line)
{
	struct perso_connect_opts co;
	struct tls_report rep;
	json_t *ms = json_object();
	char text[700];
	double total = 0;
	int r;

	memset(&co, 0, sizeof(co));
	co.device = f->o->device;
	co.key_slot = f->key_slot;
	co.cert_slot = f->cert_slot;
	co.endpoint = f->o->connect_endpoint;
	co.ca_file = f->o->connect_ca_file;
	co.client_id = f->o->connect_client_id;
	r = perso_connect(&co, &rep);

	for (int p = 0; p < TLS_PHASE_N; p++)
		if (rep.timed[p]) {
			json_object_set_new(ms, tls_phase_name(
			    (enum tls_phase)p), json_real(rep.ms[p]));
			total += rep.ms[p];
		}
	json_object_set_new(line, "connect_endpoint",
	    json_string(co.endpoint));
	json_object_set_new(line, "connect_ms", ms);
	if (r != 0)
		return r;
	snprintf(text, sizeof(text), "%s, %s, server %s, client ID %s, "
	    "%.0f ms", rep.protocol, rep.cipher, rep.server_subject,
	    rep.client_id, total);
	json_object_set_new(line, "connected", json_string(text));

	return 0;
}

static int
lock_state(struct flow *f, bool *key_locked, bool *cert_locked)
{
	struct chip_meta km, cm;
	struct chip *chip;
	int r;

	if ((r = oprov_chip_acquire(f->o->device, &chip)) != 0)
		return r;
	if ((r = chip_get_meta(chip, f->key_slot, &km)) == 0)
		r = chip_get_meta(chip, f->cert_slot, &cm);
	oprov_chip_release(f->o->device, r);
	if (r != 0)
		return r;
	*key_locked = perso_meta_locked(&km);
	*cert_locked = perso_meta_locked(&cm);

	return 0;
}

int
flow_lock_done(struct flow *f)
{
	bool k, c;

	if (lock_state(f, &k, &c) != 0)
		return -1;

	return k && c;
}

int
flow_lock_run(struct flow *f, json_t *line)
{
	const uint16_t slots[2] = { f->key_slot, f->cert_slot };
	struct chip *chip;
	bool changed;
	char name[8];
	char locked[32] = "";
	int r = 0;

	if ((r = oprov_chip_acquire(f->o->device, &chip)) != 0)
		return r;
	/* the key first: a certificate alone must still match it */
	for (size_t i = 0; i < 2 && r == 0; i++) {
		if ((r = perso_lock_slot(chip, slots[i], &changed)) != 0)
			break;
		snprintf(name, sizeof(name), "0x%04X", slots[i]);
		snprintf(locked + strlen(locked), sizeof(locked) -
		    strlen(locked), "%s%s", i ? " " : "", name);
		OP_INFO("perso", "slot %s %s", name, changed ? "locked" :
		    "was locked already");
	}
	oprov_chip_release(f->o->device, r);
	if (r == 0)
		json_object_set_new(line, "locked", json_string(locked));

	return r;
}
