/*
 * The manifest: what the record file says about every chip that was
 * personalized, and its export for AWS IoT bulk registration.
 *
 * The record (record.c) is the manifest's storage: append-only JSON
 * lines, each appended under an exclusive flock in one write and
 * fsync'd, so concurrent writers (threads or processes) never interleave
 * and a crash loses at most the line being written.  Each chip's flow
 * ends with a "personalized" line holding its whole summary; the
 * manifest is the last such line per chip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "perso/batch.h"
#include "perso/flow_int.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

int
perso_manifest_load(const char *record_path, json_t **chips)
{
	json_t *by_uid = NULL;
	json_t *order = NULL;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int r;

	*chips = NULL;
	if ((f = fopen(record_path, "r")) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, errno == ENOENT ?
		    OP_E_NOTFOUND : OP_E_IO), "cannot read the manifest %s: "
		    "%s", record_path, strerror(errno));
	by_uid = json_object();
	order = json_array();
	if (by_uid == NULL || order == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	/* a shared lock: no line is half written while we read */
	flock(fileno(f), LOCK_SH);
	while (getline(&line, &cap, f) > 0) {
		const char *uid;
		const char *step;
		json_t *obj;

		lineno++;
		if ((obj = json_loads(line, 0, NULL)) == NULL) {
			OP_WARN("manifest", "%s:%u: skipped, not JSON",
			    record_path, lineno);
			continue;
		}
		uid = json_string_value(json_object_get(obj, "uid"));
		step = json_string_value(json_object_get(obj, "step"));
		if (uid != NULL && step != NULL &&
		    strcmp(step, "personalized") == 0) {
			if (json_object_get(by_uid, uid) == NULL)
				json_array_append_new(order,
				    json_string(uid));
			json_object_set(by_uid, uid, obj);
		}
		json_decref(obj);
	}

	if ((*chips = json_array()) == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < json_array_size(order); i++)
		json_array_append(*chips, json_object_get(by_uid,
		    json_string_value(json_array_get(order, i))));
	r = 0;
fail:
	free(line);
	fclose(f);
	json_decref(by_uid);
	json_decref(order);

	return r;
}

/* --- bulk registration --------------------------------------------------- */

/*
 * The provisioning template for StartThingRegistrationTask: the
 * certificate is one our CA issued (CertificatePem with its
 * CACertificatePem), registered ACTIVE, attached to the thing and, when
 * named, the policy.
 */
static json_t *
bulk_template(const char *policy)
{
	json_t *t;
	json_t *res;

	t = json_pack("{s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}",
	    "Parameters",
	    "ThingName", "Type", "String",
	    "SerialNumber", "Type", "String",
	    "CertificatePem", "Type", "String",
	    "CACertificatePem", "Type", "String");
	res = json_pack("{s:{s:s,s:{s:{s:s},s:{s:{s:s}}}},"
	    "s:{s:s,s:{s:{s:s},s:{s:s},s:s}}}",
	    "thing", "Type", "AWS::IoT::Thing", "Properties",
	    "ThingName", "Ref", "ThingName",
	    "AttributePayload", "serialNumber", "Ref", "SerialNumber",
	    "certificate", "Type", "AWS::IoT::Certificate", "Properties",
	    "CertificatePem", "Ref", "CertificatePem",
	    "CACertificatePem", "Ref", "CACertificatePem",
	    "Status", "ACTIVE");
	if (t == NULL || res == NULL) {
		json_decref(t);
		json_decref(res);
		return NULL;
	}
	if (policy != NULL)
		json_object_set_new(res, "policy", json_pack("{s:s,s:{s:s}}",
		    "Type", "AWS::IoT::Policy", "Properties", "PolicyName",
		    policy));
	json_object_set_new(t, "Resources", res);

	return t;
}

static int
read_pem(const char *path, char **pem, char fp[65])
{
	uint8_t *buf = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	X509 *x = NULL;
	BIO *bio;
	int dlen;
	int r;

	*pem = NULL;
	if ((r = op_file_read(path, 1u << 20, &buf, &len)) != 0)
		return r;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL || (dlen = i2d_X509(x, &der)) <= 0) {
		X509_free(x);
		free(buf);
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INVAL), "%s is not "
		    "a PEM certificate", path);
	}
	r = flow_fingerprint(der, (size_t)dlen, fp);
	OPENSSL_free(der);
	X509_free(x);
	if (r != 0) {
		free(buf);
		return r;
	}
	*pem = (char *)buf;

	return 0;
}

static int
export_line(const struct perso_bulk_opts *o, json_t *chip,
    const char *ca_pem, json_t **line)
{
	const char *uid = json_string_value(json_object_get(chip, "uid"));
	const char *want = json_string_value(json_object_get(chip,
	    "cert_sha256"));
	const char *thing = json_string_value(json_object_get(chip,
	    "thing"));
	char path[PATH_MAX + 80];
	char fp[65];
	char *pem = NULL;
	int r;

	*line = NULL;
	if (uid == NULL || want == NULL)
		return op_err(OP_RC(OP_LAYER_PERSO, OP_E_INVAL), "%s: a "
		    "personalized line without uid or cert_sha256",
		    o->record_path);
	snprintf(path, sizeof(path), "%s/%s/cert.pem", o->chips_dir, uid);
	if ((r = read_pem(path, &pem, fp)) != 0)
		return op_errctx(r, "chip %s", uid);
	if (strcmp(fp, want) != 0) {
		free(pem);
		return op_err(OP_RC(OP_LAYER_PERSO, OP_E_VERIFY), "chip %s: "
		    "%s is not the certificate the manifest records "
		    "(SHA-256 %s, recorded %s); personalize the chip again",
		    uid, path, fp, want);
	}
	if (thing == NULL)
		thing = o->thing != NULL ? o->thing : uid;
	*line = json_pack("{s:s,s:s,s:s,s:s}", "ThingName", thing,
	    "SerialNumber", uid, "CertificatePem", pem, "CACertificatePem",
	    ca_pem);
	free(pem);

	return *line != NULL ? 0 : op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
	    "out of memory");
}

static int
write_json(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);

	return op_file_write_atomic(path, text, strlen(text), 0644);
}

int
perso_manifest_export_bulk(const struct perso_bulk_opts *o, size_t *count)
{
	OSSL_PROVIDER *deflt = NULL;
	json_t *chips = NULL;
	json_t *tmpl = NULL;
	char *ca_pem = NULL;
	char ca_fp[65];
	char *text = NULL;
	size_t len = 0;
	size_t cap = 0;
	char path[PATH_MAX + 16];
	int r;

	*count = 0;
	/*
	 * a flow before us loaded and unloaded the default provider, which
	 * ends OpenSSL's loading it by itself: hashing needs it back
	 */
	if ((deflt = OSSL_PROVIDER_load(NULL, "default")) == NULL)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot load OpenSSL's default provider");
	snprintf(path, sizeof(path), "%s/cacert.pem", o->ca_dir);
	if ((r = read_pem(path, &ca_pem, ca_fp)) != 0 ||
	    (r = perso_manifest_load(o->record_path, &chips)) != 0)
		goto fail;

	for (size_t i = 0; i < json_array_size(chips); i++) {
		json_t *line;
		char *s;
		size_t n;
		char *grown;

		if ((r = export_line(o, json_array_get(chips, i), ca_pem,
		    &line)) != 0)
			goto fail;
		s = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(line);
		if (s == NULL)
			goto nomem;
		n = strlen(s);
		if (len + n + 2 > cap) {
			cap = 2 * (len + n + 2);
			if ((grown = realloc(text, cap)) == NULL) {
				free(s);
				goto nomem;
			}
			text = grown;
		}
		memcpy(text + len, s, n);
		len += n;
		text[len++] = '\n';
		text[len] = '\0';
		free(s);
		(*count)++;
	}
	if ((r = write_json(o->out_dir, "bulk-input.jsonl", text ? text :
	    "")) != 0)
		goto fail;

	free(text);
	if ((tmpl = bulk_template(o->policy)) == NULL ||
	    (text = json_dumps(tmpl, JSON_INDENT(2) | JSON_SORT_KEYS)) ==
	    NULL)
		goto nomem;
	r = write_json(o->out_dir, "bulk-template.json", text);
	goto fail;
nomem:
	r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
fail:
	free(text);
	free(ca_pem);
	json_decref(tmpl);
	json_decref(chips);
	OSSL_PROVIDER_unload(deflt);

	return r;
}
