/*
 * personalize: the whole flow for one chip, resumable from its record.
 *
 * Each step has a check ("is this already done, for this chip, with these
 * inputs?") and an action.  The check trusts the record only as far as
 * the chip and the files confirm it, so a record that says more than is
 * true (a slot rewritten by hand, a file deleted) makes the step run
 * again rather than be skipped.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "perso/csr.h"
#include "perso/flow_int.h"
#include "perso/perso.h"
#include "perso/record.h"
#include "provider/oprov.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"

#define PERSO_ERR(code) OP_RC(OP_LAYER_PERSO, code)

static int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	if (strlen(path) >= sizeof(tmp))
		return op_err(PERSO_ERR(OP_E_RANGE), "path too long: %s",
		    path);
	strcpy(tmp, path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		goto fail;

	return 0;
fail:
	return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot create %s: %s",
	    tmp, strerror(errno));
}

/* SHA-256 of a DER encoding, as lower-case hex */
int
flow_fingerprint(const uint8_t *der, size_t len, char out[65])
{
	uint8_t md[32];
	unsigned int mdlen = sizeof(md);

	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "SHA-256 failed");
	op_hex_encode(md, sizeof(md), out);

	return 0;
}

int
flow_pub_fingerprint(EVP_PKEY *pub, char out[65])
{
	uint8_t *der = NULL;
	int len = i2d_PUBKEY(pub, &der);
	int r;

	if (len <= 0)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INVAL),
		    "cannot encode the public key");
	r = flow_fingerprint(der, (size_t)len, out);
	OPENSSL_free(der);

	return r;
}

int
flow_write_pem(const char *path, int (*writer)(BIO *, const void *),
    const void *obj, mode_t mode)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int r;

	if (mem == NULL || !writer(mem, obj)) {
		BIO_free(mem);
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode %s", path);
	}
	len = BIO_get_mem_data(mem, &data);
	r = op_file_write_atomic(path, data, (size_t)len, mode);
	BIO_free(mem);

	return r;
}

static void
flow_free(struct flow *f)
{
	EVP_PKEY_free(f->key);
	X509_REQ_free(f->req);
	X509_free(f->cert);
	ca_close(&f->ca);
	aws_client_free(&f->aws);
	aws_config_free(&f->aws_cfg);
	json_decref(f->state);
	perso_config_free(&f->cfg);
	if (f->prov != NULL)
		OSSL_PROVIDER_unload(f->prov);
	if (f->deflt != NULL)
		OSSL_PROVIDER_unload(f->deflt);
}

static int
open_config(struct flow *f)
{
	const struct perso_opts *o = f->o;
	int r;

	if ((r = perso_config_load(o->config_path, 0, &f->cfg)) != 0)
		return r;
	for (size_t i = 0; i < f->cfg->n_warnings; i++)
		OP_WARN("config", "%s", f->cfg->warnings[i]);

	f->ca_dir = o->ca_dir != NULL ? o->ca_dir : f->cfg->ca_dir;
	if (f->ca_dir == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL), "no CA: give "
		    "--ca DIR or \"ca_dir\" in %s (create one with "
		    "'optiga-perso ca init DIR')", o->config_path);

	f->alg = chip_alg_by_id(f->cfg->alg);
	f->key_slot = f->cfg->key_slot;
	f->cert_slot = f->cfg->cert_slot != 0 ? f->cfg->cert_slot :
	    perso_cert_slot_for(f->key_slot);
	if (f->cert_slot == 0)
		return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_INVAL), "%s: key "
		    "slot 0x%04X has no paired certificate slot; name one "
		    "with \"certificate_slot\" (0xE0E1..0xE0E3)",
		    o->config_path, f->key_slot);

	f->fmt = CERTSLOT_TLS;
	if (o->cert_format_given)
		f->fmt = o->cert_format;
	else if (f->cfg->cert_format != NULL &&
	    (r = certslot_format_parse(f->cfg->cert_format, &f->fmt)) != 0)
		return op_errctx(r, "%s: cert_format", o->config_path);

	return 0;
}

/* Open the chip once to learn its UID: every file is named after it. */
static int
identify_chip(struct flow *f)
{
	const struct perso_opts *o = f->o;
	int r;

	if ((r = oprov_chip_uid(o->device, &f->uid)) != 0)
		return r;
	if (!chip_product_has_alg(f->uid.product, f->alg->id))
		return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_UNSUPPORTED), "%s: "
		    "this chip (%s) cannot make %s keys", o->config_path,
		    chip_product_name(f->uid.product), f->alg->config_name);

	op_hex_encode(f->uid.raw, CHIP_UID_LEN, f->uid_hex);

	/* per-chip names in the config, now that the chip is known */
	return perso_config_expand(f->cfg, f->uid_hex);
}

static int
prepare_files(struct flow *f)
{
	const struct perso_opts *o = f->o;
	const char *out = o->out_dir ? o->out_dir : "optiga-perso-out";
	int r;

	snprintf(f->dir, sizeof(f->dir), "%s/%s", out, f->uid_hex);
	if ((r = mkdir_p(f->dir, 0755)) != 0)
		return r;
	if (o->record_path != NULL)
		snprintf(f->record, sizeof(f->record), "%s", o->record_path);
	else
		snprintf(f->record, sizeof(f->record), "%s/records.jsonl",
		    out);
	snprintf(f->pub_path, sizeof(f->pub_path), "%s/pub.pem", f->dir);
	snprintf(f->csr_path, sizeof(f->csr_path), "%s/csr.pem", f->dir);
	snprintf(f->cert_path, sizeof(f->cert_path), "%s/cert.pem", f->dir);

	return record_load(f->record, f->uid_hex, &f->state);
}

static void
report(struct flow *f, const char *step, const char *outcome, int rc)
{
	json_t *steps = json_object_get(f->summary, "steps");

	json_object_set_new(steps, step, json_string(outcome));
	if (f->o->progress != NULL) {
		char what[1100];

		snprintf(what, sizeof(what), "%s%s%s", outcome,
		    rc != 0 ? ": " : "", rc != 0 ? op_errmsg() : "");
		f->o->progress(f->o->progress_arg, step, what);
	}
}

/*
 * Loading a provider by hand stops OpenSSL from loading the default one
 * by itself, and hashing and host-side keys need it.  The optiga
 * provider opens the chip and takes the shielded connection from the
 * environment, as it does under openssl(1): set that before it connects.
 */
static int
load_providers(struct flow *f)
{
	if ((f->deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot load OpenSSL's default provider");
	if (f->o->shielded || f->cfg->shielded)
		setenv("OPTIGA_SHIELDED", "1", 1);

	return oprov_load(NULL, &f->prov);
}

/* The summary starts from what earlier runs did, for steps skipped now. */
static void
summary_start(struct flow *f)
{
	json_object_update(f->summary, f->state);
	json_object_set_new(f->summary, "steps", json_object());
	json_object_del(f->summary, "at");
	json_object_del(f->summary, "step");
	json_object_del(f->summary, "error");
	json_object_set_new(f->summary, "uid", json_string(f->uid_hex));
	json_object_set_new(f->summary, "product",
	    json_string(chip_product_name(f->uid.product)));
	json_object_set_new(f->summary, "device", json_string(f->o->device));
	/* the chip's own thing name, for the manifest and bulk export */
	if (f->cfg->thing != NULL)
		json_object_set_new(f->summary, "thing",
		    json_string(f->cfg->thing));
}

/* One step: check, do, record.  Returns its status. */
static int
run_step(struct flow *f, const struct flow_step *s)
{
	const struct perso_opts *o = f->o;
	json_t *line;
	int done;
	int r;

	if (o->progress != NULL)
		o->progress(o->progress_arg, s->name, s->what);

	done = o->force && !s->always_check ? 0 : s->done(f);
	if (done < 0) {
		r = op_err_last();
		report(f, s->name, "failed", r);
		return r;
	}
	if (done > 0) {
		report(f, s->name, "skipped (already done)", 0);
		return 0;
	}

	line = json_object();
	if ((r = s->run(f, line)) != 0) {
		json_object_set_new(line, "outcome", json_string("failed"));
		json_object_set_new(line, "error", json_string(op_errmsg()));
		/* the step's own failure is what gets reported */
		record_append(f->record, f->uid_hex, s->name, line);
		report(f, s->name, "failed", r);
		return r;
	}
	json_object_set_new(line, "outcome", json_string("ok"));
	json_object_update(f->summary, line);
	json_object_del(f->summary, "outcome");
	if ((r = record_append(f->record, f->uid_hex, s->name, line)) != 0)
		return r;
	report(f, s->name, f->unchanged ? "skipped (already done)" : "done",
	    0);
	f->unchanged = false;

	return 0;
}

int
perso_run(const struct perso_opts *opts, json_t **summary)
{
	struct flow f;
	int r;

	memset(&f, 0, sizeof(f));
	f.o = opts;
	f.summary = json_pack("{s:o}", "steps", json_object());
	if (summary != NULL)
		*summary = NULL;

	if ((r = open_config(&f)) != 0 || (r = load_providers(&f)) != 0 ||
	    (r = identify_chip(&f)) != 0 || (r = prepare_files(&f)) != 0)
		goto out;
	summary_start(&f);

	for (const struct flow_step *s = flow_steps; s->name != NULL; s++) {
		if ((opts->no_aws && s->cloud) ||
		    (s->enabled != NULL && !s->enabled(&f)))
			continue;
		if ((r = run_step(&f, s)) != 0)
			goto out;
	}

	record_append(f.record, f.uid_hex, "personalized",
	    json_deep_copy(f.summary));
	r = 0;
out:
	if (summary != NULL) {
		json_object_set_new(f.summary, "ok", json_boolean(r == 0));
		*summary = f.summary;
	} else {
		json_decref(f.summary);
	}
	flow_free(&f);

	return r;
}
