/*
 * The config file parser and checker (see config.h and docs/config.md).
 *
 * It walks the JSON once, collecting every mistake with its JSON path,
 * so one run shows all of them; warnings (unknown fields, ignored
 * values) are kept in the result and logged.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "perso/config.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"

#define CFG_ERR(code)	OP_RC(OP_LAYER_CONFIG, code)
#define CONFIG_MAX	(1u << 20)
#define ERRS_MAX	900

struct parse {
	const char *name;
	const char *base_dir;
	unsigned flags;
	struct perso_config *cfg;
	char errs[ERRS_MAX];
	size_t n_errs;
};

struct curve {
	const char *name;	/* canonical, as in the Infineon sample */
	const char *aliases[2];
	const char *group;	/* OpenSSL's name */
	enum chip_alg alg;
	unsigned bits;
	unsigned min_hash;	/* bits of the shortest fitting hash */
};

/*
 * Besides the names the Infineon sample uses, OpenSSL's "prime256v1" and
 * the NIST names are accepted: they name the same curves, and configs
 * written next to openssl commands use them.
 */
static const struct curve curves[] = {
	{ "secp256r1", { "prime256v1", "P-256" }, "prime256v1",
	    CHIP_ALG_P256, 256, 256 },
	{ "secp384r1", { "P-384", NULL }, "secp384r1", CHIP_ALG_P384, 384,
	    384 },
	{ "secp521r1", { "P-521", NULL }, "secp521r1", CHIP_ALG_P521, 521,
	    512 },
	{ "brainpoolP256r1", { NULL, NULL }, "brainpoolP256r1",
	    CHIP_ALG_BP256, 256, 256 },
	{ "brainpoolP384r1", { NULL, NULL }, "brainpoolP384r1",
	    CHIP_ALG_BP384, 384, 384 },
	{ "brainpoolP512r1", { NULL, NULL }, "brainpoolP512r1",
	    CHIP_ALG_BP512, 512, 512 },
};

#define CURVE_LIST "secp256r1, secp384r1, secp521r1, brainpoolP256r1, " \
	"brainpoolP384r1, brainpoolP512r1"

struct hash {
	const char *name;
	const char *md;
	unsigned bits;
};

static const struct hash hashes[] = {
	{ "sha256", "SHA256", 256 },
	{ "sha384", "SHA384", 384 },
	{ "sha512", "SHA512", 512 },
};

static const struct {
	const char *field;
	int nid;
	size_t max;		/* characters (X.520 upper bounds) */
} subj_fields[PERSO_SUBJ_MAX] = {
	[PERSO_SUBJ_C] = { "country_name", NID_countryName, 2 },
	[PERSO_SUBJ_ST] = { "state_or_province_name",
	    NID_stateOrProvinceName, 128 },
	[PERSO_SUBJ_L] = { "locality_name", NID_localityName, 128 },
	[PERSO_SUBJ_O] = { "organization_name", NID_organizationName, 64 },
	[PERSO_SUBJ_OU] = { "organizational_unit_name",
	    NID_organizationalUnitName, 64 },
	[PERSO_SUBJ_CN] = { "common_name", NID_commonName, 64 },
	[PERSO_SUBJ_EMAIL] = { "email_address", NID_pkcs9_emailAddress,
	    128 },
};

const char *
perso_config_subj_field(enum perso_subj f)
{
	if ((unsigned)f >= PERSO_SUBJ_MAX)
		return "?";

	return subj_fields[f].field;
}

/* record a mistake at path */
static void
bad(struct parse *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
bad(struct parse *p, const char *path, const char *fmt, ...)
{
	size_t used = strlen(p->errs);
	va_list ap;

	p->n_errs++;
	if (used + 8 >= sizeof(p->errs))
		return;
	snprintf(p->errs + used, sizeof(p->errs) - used, "\n  %s: ", path);
	used = strlen(p->errs);
	va_start(ap, fmt);
	vsnprintf(p->errs + used, sizeof(p->errs) - used, fmt, ap);
	va_end(ap);
}

static void
warn(struct parse *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn(struct parse *p, const char *path, const char *fmt, ...)
{
	struct perso_config *cfg = p->cfg;
	char msg[512];
	char **w;
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s: ", path);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	OP_WARN("config", "%s: %s", p->name, msg);

	w = realloc(cfg->warnings, (cfg->n_warnings + 1) * sizeof(*w));
	if (w == NULL)
		return;
	cfg->warnings = w;
	if ((w[cfg->n_warnings] = strdup(msg)) != NULL)
		cfg->n_warnings++;
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a number";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static void
join(char *out, size_t cap, const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		snprintf(out, cap, "%s", key);
	else
		snprintf(out, cap, "%s.%s", path, key);
}

/* warn about members not in known (a NULL-terminated list) */
static void
check_known(struct parse *p, json_t *obj, const char *path,
    const char *const *known)
{
	const char *key;
	json_t *v;
	char at[256];

	json_object_foreach(obj, key, v) {
		bool found = false;

		for (size_t i = 0; known[i] != NULL && !found; i++)
			found = strcmp(known[i], key) == 0;
		if (found)
			continue;
		join(at, sizeof(at), path, key);
		warn(p, at, "unknown field, ignored (a typo, or a field of a "
		    "newer version?)");
	}
}

static json_t *
get_obj(struct parse *p, json_t *parent, const char *path, const char *key,
    bool required)
{
	json_t *v = json_object_get(parent, key);
	char at[256];

	join(at, sizeof(at), path, key);
	if (v == NULL) {
		if (required)
			bad(p, at, "missing; it must be an object");
		return NULL;
	}
	if (!json_is_object(v)) {
		bad(p, at, "is %s; it must be an object", type_name(v));
		return NULL;
	}

	return v;
}

/* a string member, or NULL (with a mistake recorded if it is wrong) */
static const char *
get_str(struct parse *p, json_t *obj, const char *path, const char *key,
    bool required)
{
	json_t *v = obj != NULL ? json_object_get(obj, key) : NULL;
	char at[256];

	join(at, sizeof(at), path, key);
	if (v == NULL) {
		if (required)
			bad(p, at, "missing; it is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(p, at, "is %s; it must be a string", type_name(v));
		return NULL;
	}
	if (json_string_length(v) == 0) {
		bad(p, at, "is empty");
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		bad(p, at, "contains a NUL character");
		return NULL;
	}

	return json_string_value(v);
}

static bool
dup_into(struct parse *p, char **dst, const char *s)
{
	if (s == NULL)
		return true;
	if ((*dst = strdup(s)) == NULL) {
		bad(p, "(memory)", "out of memory");
		return false;
	}

	return true;
}

/*
 * Per-chip names: "${uid}" in a subject field or the thing name stands
 * for the chip's UID in hex.  Checks run on the text as it will be, with
 * a UID-sized stand-in, so a name that only grows too long once expanded
 * is caught before any chip is touched.
 */
static char *
subst_uid(const char *s, const char *uid)
{
	size_t vl = strlen(PERSO_UID_VAR);
	size_t ul = strlen(uid);
	size_t n = 0;
	const char *q;
	char *out;
	char *o;

	for (q = s; (q = strstr(q, PERSO_UID_VAR)) != NULL; q += vl)
		n++;
	if ((out = malloc(strlen(s) + n * ul + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0';) {
		if (strncmp(s, PERSO_UID_VAR, vl) == 0) {
			memcpy(o, uid, ul);
			o += ul;
			s += vl;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';

	return out;
}

/* the longest text a name can become: the UID is 54 hex digits */
static char *
as_expanded(const char *s)
{
	static const char stand_in[] =
	    "000000000000000000000000000000000000000000000000000000";

	return subst_uid(s, stand_in);
}

/* characters, not bytes: the X.520 bounds count characters */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;

	return n;
}

static void
parse_subject(struct parse *p, json_t *csr)
{
	static const char *const path = "csr_config.certificate_info";
	const char *known[PERSO_SUBJ_MAX + 1];
	json_t *info;
	char at[256];

	if ((info = get_obj(p, csr, "csr_config", "certificate_info",
	    true)) == NULL)
		return;
	for (int f = 0; f < PERSO_SUBJ_MAX; f++)
		known[f] = subj_fields[f].field;
	known[PERSO_SUBJ_MAX] = NULL;
	check_known(p, info, path, known);

	for (int f = 0; f < PERSO_SUBJ_MAX; f++) {
		const char *s = get_str(p, info, path, subj_fields[f].field,
		    f == PERSO_SUBJ_CN);
		size_t n;

		char *x;

		if (s == NULL)
			continue;
		join(at, sizeof(at), path, subj_fields[f].field);
		if ((x = as_expanded(s)) == NULL) {
			bad(p, "(memory)", "out of memory");
			return;
		}
		n = utf8_len(x);
		free(x);
		if (f == PERSO_SUBJ_C && (n != 2 ||
		    !isalpha((unsigned char)s[0]) ||
		    !isalpha((unsigned char)s[1]))) {
			bad(p, at, "\"%s\" is not a country; use the "
			    "two-letter ISO 3166 code, such as \"DE\"", s);
			continue;
		}
		if (n > subj_fields[f].max) {
			bad(p, at, "is %zu characters long%s; at most %zu are "
			    "allowed", n, strstr(s, PERSO_UID_VAR) ?
			    " with ${uid} as the chip's 54 hex digits" : "",
			    subj_fields[f].max);
			continue;
		}
		dup_into(p, &p->cfg->subject[f], s);
	}
}

static const struct curve *
curve_find(const char *s)
{
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		if (strcasecmp(curves[i].name, s) == 0)
			return &curves[i];
		for (size_t j = 0; j < 2; j++)
			if (curves[i].aliases[j] != NULL &&
			    strcasecmp(curves[i].aliases[j], s) == 0)
				return &curves[i];
	}

	return NULL;
}

static bool
is_ecc_slot(uint16_t oid)
{
	return oid >= OID_DEVICE_KEY && oid <= OID_ECC_KEY_3;
}

static bool
is_rsa_slot(uint16_t oid)
{
	return oid == OID_RSA_KEY_1 || oid == OID_RSA_KEY_2;
}

static void
parse_slot(struct parse *p, json_t *params, const char *path)
{
	struct perso_config *cfg = p->cfg;
	bool rsa = cfg->key_type == PERSO_KEY_RSA;
	const char *s = get_str(p, params, path, "slot", false);
	const char *fit = rsa ? "0xE0FC or 0xE0FD" :
	    "0xE0F1, 0xE0F2 or 0xE0F3";
	char at[256];
	uint16_t oid;

	join(at, sizeof(at), path, "slot");
	cfg->key_slot = rsa ? OID_RSA_KEY_1 : OID_ECC_KEY_1;
	if (s == NULL)
		return;

	if (op_parse_oid(s, &oid) != 0) {
		bad(p, at, "\"%s\" is not an object ID; write four hex "
		    "digits such as \"0xE0F1\"", s);
		return;
	}
	if (!is_ecc_slot(oid) && !is_rsa_slot(oid)) {
		bad(p, at, "0x%04X is not a key slot; an %s key goes in %s",
		    oid, rsa ? "rsa" : "ec", fit);
		return;
	}
	if (rsa != is_rsa_slot(oid)) {
		bad(p, at, "0x%04X is an %s key slot and the key is %s; use "
		    "%s", oid, rsa ? "ECC" : "RSA", rsa ? "rsa" : "ec", fit);
		return;
	}
	if (oid == OID_DEVICE_KEY && !(p->flags & PERSO_CONFIG_FORCE)) {
		/* its certificate in 0xE0E0 would no longer match */
		bad(p, at, "0xE0F0 holds the factory key that the Infineon "
		    "certificate in 0xE0E0 is for; use %s (or --force to "
		    "replace it)", fit);
		return;
	}
	if (oid == OID_DEVICE_KEY)
		warn(p, at, "0xE0F0 is the factory key; replacing it voids "
		    "the factory certificate in 0xE0E0");
	cfg->key_slot = oid;
}

static void
parse_rsa_size(struct parse *p, json_t *params, const char *path)
{
	json_t *v = json_object_get(params, "key_size");
	char at[256];
	long long n = 0;

	join(at, sizeof(at), path, "key_size");
	if (v == NULL) {
		bad(p, at, "missing; an rsa key needs key_size 1024 or 2048");
		return;
	}
	/* a number, or the same number written as a string */
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		char *end;

		n = strtoll(json_string_value(v), &end, 10);
		if (*end != '\0')
			n = 0;
	}
	if (n != 1024 && n != 2048) {
		if (json_is_integer(v) || json_is_string(v))
			bad(p, at, "%s is not a supported RSA key size; use "
			    "1024 or 2048", json_is_string(v) ?
			    json_string_value(v) : "that");
		else
			bad(p, at, "is %s; use 1024 or 2048", type_name(v));
		return;
	}
	if (n == 1024)
		warn(p, at, "RSA-1024 is weak; AWS IoT and most CAs want at "
		    "least 2048 bits");
	p->cfg->bits = (unsigned)n;
	p->cfg->alg = n == 1024 ? CHIP_ALG_RSA1024 : CHIP_ALG_RSA2048;
}

static void
parse_key(struct parse *p, json_t *csr)
{
	static const char *const known[] = { "algorithm_id", "parameters",
	    NULL };
	static const char *const known_params[] = { "curve", "key_size",
	    "slot", NULL };
	static const char *const path = "csr_config.key_info";
	static const char *const ppath = "csr_config.key_info.parameters";
	struct perso_config *cfg = p->cfg;
	json_t *info;
	json_t *params;
	const char *alg;
	const char *s;

	if ((info = get_obj(p, csr, "csr_config", "key_info", true)) == NULL)
		return;
	check_known(p, info, path, known);
	params = get_obj(p, info, path, "parameters", true);
	if (params != NULL)
		check_known(p, params, ppath, known_params);

	if ((alg = get_str(p, info, path, "algorithm_id", true)) == NULL)
		return;
	if (strcasecmp(alg, "ec") == 0 || strcasecmp(alg, "ecc") == 0) {
		cfg->key_type = PERSO_KEY_EC;
	} else if (strcasecmp(alg, "rsa") == 0) {
		cfg->key_type = PERSO_KEY_RSA;
	} else {
		bad(p, "csr_config.key_info.algorithm_id", "\"%s\" is not a "
		    "key algorithm; use \"ec\" or \"rsa\"", alg);
		return;
	}
	if (params == NULL)
		return;

	if (cfg->key_type == PERSO_KEY_EC) {
		const struct curve *c;

		if (json_object_get(params, "key_size") != NULL)
			warn(p, "csr_config.key_info.parameters.key_size",
			    "ignored for an ec key");
		if ((s = get_str(p, params, ppath, "curve", true)) == NULL)
			return;
		if ((c = curve_find(s)) == NULL) {
			bad(p, "csr_config.key_info.parameters.curve",
			    "\"%s\" is not a supported curve; use one of %s",
			    s, CURVE_LIST);
			return;
		}
		cfg->curve = c->name;
		cfg->group = c->group;
		cfg->alg = c->alg;
		cfg->bits = c->bits;
	} else {
		if (json_object_get(params, "curve") != NULL)
			warn(p, "csr_config.key_info.parameters.curve",
			    "ignored for an rsa key");
		parse_rsa_size(p, params, ppath);
	}
	parse_slot(p, params, ppath);
}

static const struct hash *
hash_find(const char *s)
{
	char norm[16];
	size_t n = 0;

	/* "SHA-256", "sha256" and "SHA256" all name SHA-256 */
	for (; *s != '\0' && n + 1 < sizeof(norm); s++)
		if (*s != '-' && *s != '_')
			norm[n++] = (char)tolower((unsigned char)*s);
	norm[n] = '\0';
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strcmp(hashes[i].name, norm) == 0)
			return &hashes[i];

	return NULL;
}

/*
 * The rule for a hash and a curve: the hash must be at least as long as
 * the curve (capped at SHA-512).  A longer one is fine, as ECDSA uses
 * its leftmost bits; a shorter one would make the signature weaker than
 * the key.  RSA takes any of the three.
 */
static void
parse_signature(struct parse *p, json_t *csr, bool key_ok)
{
	static const char *const known[] = { "algorithm_id", "parameters",
	    NULL };
	static const char *const known_params[] = { "hash_alg", NULL };
	static const char *const path = "csr_config.signature_info";
	static const char *const ppath = "csr_config.signature_info."
	    "parameters";
	struct perso_config *cfg = p->cfg;
	bool rsa = cfg->key_type == PERSO_KEY_RSA;
	const struct hash *h;
	json_t *info;
	json_t *params = NULL;
	const char *alg = NULL;
	const char *s = NULL;

	/* absent: ecdsa or rsa, as the key says, with the fitting hash */
	if ((info = get_obj(p, csr, "csr_config", "signature_info",
	    false)) != NULL) {
		check_known(p, info, path, known);
		alg = get_str(p, info, path, "algorithm_id", true);
		if ((params = get_obj(p, info, path, "parameters",
		    false)) != NULL) {
			check_known(p, params, ppath, known_params);
			s = get_str(p, params, ppath, "hash_alg", false);
		}
	}

	if (alg != NULL && strcasecmp(alg, "ecdsa") != 0 &&
	    strcasecmp(alg, "rsa") != 0) {
		bad(p, "csr_config.signature_info.algorithm_id", "\"%s\" is "
		    "not a signature algorithm; use \"ecdsa\" (ec keys) or "
		    "\"rsa\" (rsa keys)", alg);
	} else if (alg != NULL && key_ok &&
	    (strcasecmp(alg, "rsa") == 0) != rsa) {
		bad(p, "csr_config.signature_info.algorithm_id", "\"%s\" does "
		    "not fit the %s key in key_info; use \"%s\"", alg,
		    rsa ? "rsa" : "ec", rsa ? "rsa" : "ecdsa");
	}

	if (s == NULL) {
		h = &hashes[0];
		if (key_ok && !rsa)
			for (size_t i = 0; i < 3; i++)
				if (hashes[i].bits >= (cfg->bits > 512 ? 512 :
				    cfg->bits)) {
					h = &hashes[i];
					break;
				}
	} else if ((h = hash_find(s)) == NULL) {
		bad(p, "csr_config.signature_info.parameters.hash_alg",
		    "\"%s\" is not a supported hash; use sha256, sha384 or "
		    "sha512", s);
		return;
	}

	if (key_ok && !rsa && h->bits < (cfg->bits > 512 ? 512 :
	    cfg->bits)) {
		const char *fits = cfg->bits <= 256 ? "sha256, sha384 or "
		    "sha512" : cfg->bits <= 384 ? "sha384 or sha512" :
		    "sha512";

		bad(p, "csr_config.signature_info.parameters.hash_alg",
		    "\"%s\" is shorter than the %s key and would weaken its "
		    "signatures; use %s", s, cfg->curve, fits);
		return;
	}
	cfg->hash = h->name;
	cfg->md = h->md;
}

/* AWS IoT's own rules for names, so a bad one fails here, not later */
static bool
aws_name_ok(const char *s, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' &&
		    strchr(extra, *s) == NULL)
			return false;

	return true;
}

static bool
resolve_path(struct parse *p, char **dst, const char *s)
{
	if (s[0] == '/' || p->base_dir == NULL)
		return dup_into(p, dst, s);
	if (asprintf(dst, "%s/%s", p->base_dir, s) < 0) {
		*dst = NULL;
		bad(p, "(memory)", "out of memory");
		return false;
	}

	return true;
}

static void
parse_aws(struct parse *p, json_t *root)
{
	static const char *const known[] = { "thing", "policy", NULL };
	static const char *const known_policy[] = { "name", "document",
	    NULL };
	static const char *const path = "aws_iot_config";
	struct perso_config *cfg = p->cfg;
	json_t *aws;
	json_t *pol;
	const char *s;

	if ((aws = get_obj(p, root, "", "aws_iot_config", false)) == NULL)
		return;
	check_known(p, aws, path, known);

	if ((s = get_str(p, aws, path, "thing", true)) != NULL) {
		char *x = as_expanded(s);

		if (x != NULL && !aws_name_ok(x, ":-"))
			bad(p, "aws_iot_config.thing", "\"%s\" is not a "
			    "valid thing name; use 1 to 128 of "
			    "a-z A-Z 0-9 : _ - (and ${uid} for the chip's "
			    "UID)", s);
		else
			dup_into(p, &cfg->thing, s);
		free(x);
	}

	/* a policy name, or { "name": ..., "document": FILE } */
	pol = json_object_get(aws, "policy");
	if (json_is_object(pol)) {
		check_known(p, pol, "aws_iot_config.policy", known_policy);
		const char *doc = get_str(p, pol, "aws_iot_config.policy",
		    "document", false);

		if (doc != NULL)
			resolve_path(p, &cfg->policy_document, doc);
		s = get_str(p, pol, "aws_iot_config.policy", "name", true);
	} else {
		s = get_str(p, aws, path, "policy", true);
	}
	if (s != NULL) {
		if (!aws_name_ok(s, "+=,.@-"))
			bad(p, json_is_object(pol) ?
			    "aws_iot_config.policy.name" :
			    "aws_iot_config.policy", "\"%s\" is not a valid "
			    "policy name; use 1 to 128 of a-z A-Z 0-9 "
			    "_ + = , . @ -", s);
		else
			dup_into(p, &cfg->policy, s);
	}
}

static void
parse_ours(struct parse *p, json_t *root)
{
	struct perso_config *cfg = p->cfg;
	const char *s;
	json_t *v;
	uint16_t oid;

	if ((s = get_str(p, root, "", "ca_dir", false)) != NULL)
		resolve_path(p, &cfg->ca_dir, s);

	if ((s = get_str(p, root, "", "certificate_slot", false)) != NULL) {
		if (op_parse_oid(s, &oid) != 0 || oid < OID_DEVICE_CERT ||
		    oid > OID_CERT_3)
			bad(p, "certificate_slot", "\"%s\" is not a "
			    "certificate slot; use 0xE0E1, 0xE0E2 or 0xE0E3",
			    s);
		else if (oid == OID_DEVICE_CERT &&
		    !(p->flags & PERSO_CONFIG_FORCE))
			bad(p, "certificate_slot", "0xE0E0 holds the "
			    "factory certificate; use 0xE0E1, 0xE0E2 or "
			    "0xE0E3 (or --force to replace it)");
		else
			cfg->cert_slot = oid;
	}

	if ((v = json_object_get(root, "validity_days")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 36525)
			bad(p, "validity_days", "must be a whole number of "
			    "days from 1 to 36525");
		else
			cfg->validity_days = (unsigned)json_integer_value(v);
	}

	if ((v = json_object_get(root, "shielded")) != NULL) {
		if (!json_is_boolean(v))
			bad(p, "shielded", "must be true or false");
		else
			cfg->shielded = json_is_true(v);
	}

	if ((s = get_str(p, root, "", "cert_format", false)) != NULL) {
		if (strcmp(s, "tls") != 0 && strcmp(s, "der") != 0)
			bad(p, "cert_format", "\"%s\" is not a certificate "
			    "slot format; use \"tls\" (a chain, as the "
			    "factory certificate) or \"der\"", s);
		else
			dup_into(p, &cfg->cert_format, s);
	}
}

static void
parse_root(struct parse *p, json_t *root)
{
	static const char *const known[] = { "csr_config", "aws_iot_config",
	    "ca_dir", "certificate_slot", "validity_days", "cert_format",
	    "shielded", NULL };
	static const char *const known_csr[] = { "certificate_info",
	    "key_info", "signature_info", NULL };
	json_t *csr;
	size_t before;

	check_known(p, root, "", known);
	if ((csr = get_obj(p, root, "", "csr_config", true)) != NULL) {
		check_known(p, csr, "csr_config", known_csr);
		parse_subject(p, csr);
		before = p->n_errs;
		parse_key(p, csr);
		/* judge the hash only against a key that made sense */
		parse_signature(p, csr, p->n_errs == before &&
		    json_object_get(csr, "key_info") != NULL);
	}
	parse_aws(p, root);
	parse_ours(p, root);
}

void
perso_config_free(struct perso_config **cfgp)
{
	struct perso_config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	free(cfg->path);
	for (int f = 0; f < PERSO_SUBJ_MAX; f++)
		free(cfg->subject[f]);
	free(cfg->thing);
	free(cfg->thing_pattern);
	free(cfg->policy);
	free(cfg->policy_document);
	free(cfg->ca_dir);
	free(cfg->cert_format);
	for (size_t i = 0; i < cfg->n_warnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg);
	*cfgp = NULL;
}

int
perso_config_parse(const char *text, size_t len, const char *name,
    const char *base_dir, unsigned flags, struct perso_config **out)
{
	struct parse p;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "config";
	p.base_dir = base_dir;
	p.flags = flags;
	if ((p.cfg = calloc(1, sizeof(*p.cfg))) == NULL ||
	    (p.cfg->path = strdup(p.name)) == NULL) {
		rc = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = op_err(CFG_ERR(OP_E_INVAL), "%s: line %d, column %d: %s "
		    "(the file is not valid JSON)", p.name, jerr.line,
		    jerr.column, jerr.text);
		goto fail;
	}
	if (!json_is_object(root)) {
		rc = op_err(CFG_ERR(OP_E_INVAL), "%s: the file holds %s; it "
		    "must hold an object with csr_config", p.name,
		    type_name(root));
		goto fail;
	}

	parse_root(&p, root);
	if (p.n_errs == 1) {
		rc = op_err(CFG_ERR(OP_E_INVAL), "%s: %s", p.name,
		    p.errs + 3);
		goto fail;
	}
	if (p.n_errs > 1) {
		rc = op_err(CFG_ERR(OP_E_INVAL), "%s has %zu mistakes:%s",
		    p.name, p.n_errs, p.errs);
		goto fail;
	}

	*out = p.cfg;
	p.cfg = NULL;
	rc = 0;
fail:
	json_decref(root);
	perso_config_free(&p.cfg);

	return rc;
}

int
perso_config_load(const char *path, unsigned flags,
    struct perso_config **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char *dir = NULL;
	char *slash;
	int rc;

	*out = NULL;
	if ((rc = op_file_read(path, CONFIG_MAX, &buf, &len)) != 0)
		return op_errctx(CFG_ERR(OP_RC_CODE(rc)), "config file");
	if ((dir = strdup(path)) == NULL) {
		free(buf);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	rc = perso_config_parse((const char *)buf, len, path,
	    strcmp(dir, ".") == 0 ? NULL : dir, flags, out);
	free(dir);
	free(buf);

	return rc;
}

int
perso_config_subject(const struct perso_config *cfg, X509_NAME **out)
{
	X509_NAME *name;

	*out = NULL;
	if ((name = X509_NAME_new()) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	for (int f = 0; f < PERSO_SUBJ_MAX; f++) {
		const char *v = cfg->subject[f];

		if (v == NULL)
			continue;
		if (!X509_NAME_add_entry_by_NID(name, subj_fields[f].nid,
		    MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0)) {
			X509_NAME_free(name);
			return op_err(CFG_ERR(OP_E_INVAL), "%s: "
			    "csr_config.certificate_info.%s: \"%s\" cannot be "
			    "put in a certificate", cfg->path,
			    subj_fields[f].field, v);
		}
	}
	*out = name;

	return 0;
}

/*
 * A CA's subject from a product line's config: the device subject's
 * organisation fields, and a CN of its own (the device CN names one
 * device, not the CA).
 */
int
perso_config_ca_subject(const struct perso_config *cfg, const char *cn,
    bool intermediate, X509_NAME **out)
{
	struct perso_config tmp = *cfg;
	char *made = NULL;
	const char *o = cfg->subject[PERSO_SUBJ_O];
	int rc;

	*out = NULL;
	if (cn == NULL) {
		if (asprintf(&made, "%s %s CA", o != NULL ? o : "Device",
		    intermediate ? "Intermediate" : "Root") < 0)
			return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
			    "out of memory");
		/* X.520 caps a CN at 64 characters */
		if (strlen(made) > 64)
			made[64] = '\0';
		cn = made;
	}
	tmp.subject[PERSO_SUBJ_CN] = (char *)(uintptr_t)cn;
	tmp.subject[PERSO_SUBJ_EMAIL] = NULL;
	rc = perso_config_subject(&tmp, out);
	free(made);

	return rc;
}

static int
expand_one(char **field, const char *uid)
{
	char *x;

	if (*field == NULL || strstr(*field, PERSO_UID_VAR) == NULL)
		return 0;
	if ((x = subst_uid(*field, uid)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
	free(*field);
	*field = x;

	return 0;
}

int
perso_config_expand(struct perso_config *cfg, const char *uid_hex)
{
	int r;

	for (int f = 0; f < PERSO_SUBJ_MAX; f++)
		if ((r = expand_one(&cfg->subject[f], uid_hex)) != 0)
			return r;
	if (cfg->thing != NULL && cfg->thing_pattern == NULL &&
	    strstr(cfg->thing, PERSO_UID_VAR) != NULL &&
	    (cfg->thing_pattern = strdup(cfg->thing)) == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");

	return expand_one(&cfg->thing, uid_hex);
}
