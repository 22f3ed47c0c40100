/*
 * AWS Signature Version 4, header form, as AWS IoT checks it.
 *
 * Pure functions: the request, the credentials and the time come in,
 * the Authorization value goes out.  Nothing here reads the clock or
 * the environment, so tests pin all of it (tests/unit/aws/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws/aws.h"
#include "aws/buf.h"
#include "util/err.h"
#include "util/hex.h"

#define SIGV4_ALG "AWS4-HMAC-SHA256"

int
aws_sigv4_amzdate(time_t t, char out[17])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_INVAL),
		    "cannot format time %lld for SigV4", (long long)t);

	return 0;
}

static int
sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != sizeof(md))
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "SHA-256 failed");
	op_hex_encode(md, sizeof(md), out);

	return 0;
}

static int
hmac256(const void *key, size_t keylen, const char *msg, uint8_t out[32])
{
	unsigned int outlen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &outlen) == NULL || outlen != 32)
		return op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "HMAC-SHA256 failed");

	return 0;
}

/*
 * The path with dot segments removed and empty segments collapsed (as
 * botocore does it), then percent-encoded again keeping '/': every
 * service but S3 signs the wire path double-encoded, so the "%3A" of a
 * thing name "a:b" is signed as "%253A".
 */
static void
canonical_uri(struct buf *b, const char *path)
{
	const char *segs[64];
	size_t lens[64];
	size_t nseg = 0;
	const char *p = path;
	size_t plen;
	bool lead, trail;

	if (path == NULL || path[0] == '\0') {
		buf_addc(b, '/');
		return;
	}
	plen = strlen(path);
	lead = path[0] == '/';
	trail = path[plen - 1] == '/';

	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." segment: drop */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				nseg--;
		} else if (nseg < 64) {
			segs[nseg] = p;
			lens[nseg] = n;
			nseg++;
		} else {
			/* XXX: paths deeper than 64 segments are cut; IoT
			 * paths have at most four. */
			b->failed = true;
			return;
		}
		p += n;
		if (*p == '/')
			p++;
	}

	if (lead)
		buf_addc(b, '/');
	for (size_t i = 0; i < nseg; i++) {
		if (i > 0)
			buf_addc(b, '/');
		buf_add_uri(b, segs[i], lens[i], true);
	}
	if (trail && nseg > 0)
		buf_addc(b, '/');
}

/* Percent-decode s[0..n) and encode it again the SigV4 way. */
static char *
reencode(const char *s, size_t n)
{
	struct buf raw = { 0 };
	struct buf enc = { 0 };
	char *r;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && op_hex_digit(s[i + 1]) >= 0 &&
		    op_hex_digit(s[i + 2]) >= 0) {
			buf_addc(&raw, (char)(op_hex_digit(s[i + 1]) * 16 +
			    op_hex_digit(s[i + 2])));
			i += 2;
		} else
			buf_addc(&raw, s[i]);
	}
	if (raw.failed) {
		buf_wipe(&raw);
		return NULL;
	}
	buf_add_uri(&enc, raw.p ? raw.p : "", raw.len, false);
	buf_wipe(&raw);
	r = buf_take(&enc);

	return r;
}

struct qparam {
	char *name;
	char *value;
};

static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a;
	const struct qparam *y = b;
	int r;

	if ((r = strcmp(x->name, y->name)) != 0)
		return r;

	return strcmp(x->value, y->value);
}

/*
 * Split on '&', each item at its first '=', decode and re-encode name and
 * value, sort by name then value, join; an item without '=' becomes
 * "name=".
 */
static int
canonical_query(struct buf *b, const char *query)
{
	struct qparam *qp = NULL;
	size_t nq = 0;
	size_t cap = 0;
	const char *p = query;
	int r = OP_RC(OP_LAYER_AWS, OP_E_NOMEM);

	if (query == NULL || query[0] == '\0')
		return 0;

	while (p != NULL) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);

		if (n > 0) {
			if (nq == cap) {
				struct qparam *t;

				cap = cap ? cap * 2 : 8;
				t = realloc(qp, cap * sizeof(*qp));
				if (t == NULL)
					goto fail;
				qp = t;
			}
			qp[nq].name = reencode(p, eq ? (size_t)(eq - p) : n);
			qp[nq].value = eq ? reencode(eq + 1,
			    n - (size_t)(eq - p) - 1) : strdup("");
			nq++;
			if (qp[nq - 1].name == NULL ||
			    qp[nq - 1].value == NULL)
				goto fail;
		}
		p = amp ? amp + 1 : NULL;
	}

	qsort(qp, nq, sizeof(*qp), qparam_cmp);
	for (size_t i = 0; i < nq; i++)
		buf_addf(b, "%s%s=%s", i ? "&" : "", qp[i].name,
		    qp[i].value);

	r = 0;
fail:
	for (size_t i = 0; i < nq; i++) {
		free(qp[i].name);
		free(qp[i].value);
	}
	free(qp);
	if (r != 0)
		op_err(r, "out of memory building the canonical query");

	return r;
}

struct chdr {
	char *name;		/* lower case */
	const char *value;
	size_t order;		/* keeps repeated headers in arrival order */
};

static int
chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a;
	const struct chdr *y = b;
	int r;

	if ((r = strcmp(x->name, y->name)) != 0)
		return r;

	return x->order < y->order ? -1 : x->order > y->order;
}

/* Value trimmed, inner runs of blanks as one space. */
static void
add_trimmed(struct buf *b, const char *v)
{
	bool space = false;
	bool any = false;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
			space = true;
			continue;
		}
		if (space && any)
			buf_addc(b, ' ');
		buf_addc(b, *v);
		space = false;
		any = true;
	}
}

/* Canonical headers block (each line ends in \n) and signed headers. */
static int
canonical_headers(const struct aws_sigv4_req *req, struct buf *lines,
    struct buf *names)
{
	struct chdr *h;
	int r = 0;

	if (req->nhdrs == 0)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_INVAL),
		    "no headers to sign (host and x-amz-date are needed)");
	if ((h = calloc(req->nhdrs, sizeof(*h))) == NULL)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");

	for (size_t i = 0; i < req->nhdrs; i++) {
		if ((h[i].name = strdup(req->hdrs[i].name)) == NULL) {
			r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
			    "out of memory");
			goto fail;
		}
		for (char *c = h[i].name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		h[i].value = req->hdrs[i].value;
		h[i].order = i;
	}
	qsort(h, req->nhdrs, sizeof(*h), chdr_cmp);

	for (size_t i = 0; i < req->nhdrs; i++) {
		bool same = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;

		if (same) {
			/* repeated header: one line, values joined by ',' */
			lines->len--;	/* drop the '\n' */
			buf_addc(lines, ',');
		} else {
			buf_addf(lines, "%s:", h[i].name);
			buf_addf(names, "%s%s", i ? ";" : "", h[i].name);
		}
		add_trimmed(lines, h[i].value);
		buf_addc(lines, '\n');
	}
fail:
	for (size_t i = 0; i < req->nhdrs; i++)
		free(h[i].name);
	free(h);

	return r;
}

static int
build_creq(const struct aws_sigv4_req *req, char **creq, char **signed_hdrs)
{
	struct buf b = { 0 };
	struct buf lines = { 0 };
	struct buf names = { 0 };
	char body_hash[65];
	int r;

	*creq = NULL;
	if (signed_hdrs != NULL)
		*signed_hdrs = NULL;

	if ((r = sha256_hex(req->body ? req->body : "",
	    req->body ? req->body_len : 0, body_hash)) != 0)
		goto fail;

	/* method, path, query */
	buf_addf(&b, "%s\n", req->method);
	canonical_uri(&b, req->path);
	buf_addc(&b, '\n');
	if ((r = canonical_query(&b, req->query)) != 0)
		goto fail;
	buf_addc(&b, '\n');

	/* headers, signed header names, payload hash */
	if ((r = canonical_headers(req, &lines, &names)) != 0)
		goto fail;
	if (lines.p != NULL)
		buf_add(&b, lines.p, lines.len);
	buf_addc(&b, '\n');
	if (names.p != NULL)
		buf_add(&b, names.p, names.len);
	buf_addc(&b, '\n');
	buf_adds(&b, body_hash);

	if ((*creq = buf_take(&b)) == NULL ||
	    (signed_hdrs != NULL && (*signed_hdrs = buf_take(&names)) ==
	    NULL)) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory building the canonical request");
		goto fail;
	}

	r = 0;
fail:
	if (r != 0) {
		free(*creq);
		*creq = NULL;
	}
	buf_wipe(&b);
	buf_wipe(&lines);
	buf_wipe(&names);

	return r;
}

int
aws_sigv4_canonical_request(const struct aws_sigv4_req *req, char **out)
{
	return build_creq(req, out, NULL);
}

int
aws_sigv4_signing_key(const char *secret, const char *date,
    const char *region, const char *service, uint8_t key[32])
{
	struct buf k = { 0 };
	uint8_t t[32];
	int r;

	buf_addf(&k, "AWS4%s", secret);
	if (k.failed) {
		buf_wipe(&k);
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");
	}

	if ((r = hmac256(k.p, k.len, date, t)) != 0 ||
	    (r = hmac256(t, 32, region, t)) != 0 ||
	    (r = hmac256(t, 32, service, t)) != 0 ||
	    (r = hmac256(t, 32, "aws4_request", key)) != 0)
		goto fail;

	r = 0;
fail:
	buf_wipe(&k);
	OPENSSL_cleanse(t, sizeof(t));

	return r;
}

int
aws_sigv4_sign(const struct aws_sigv4_req *req,
    const struct aws_sigv4_scope *scope, const char *amzdate, char **authz)
{
	char *creq = NULL;
	char *names = NULL;
	char creq_hash[65];
	char date[9];
	char sigx[65];
	uint8_t key[32];
	uint8_t sig[32];
	struct buf sts = { 0 };
	struct buf out = { 0 };
	int r;

	*authz = NULL;
	if (amzdate == NULL || strlen(amzdate) != 16 || amzdate[8] != 'T')
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_INVAL),
		    "SigV4 time '%s' is not YYYYMMDDTHHMMSSZ",
		    amzdate ? amzdate : "(null)");
	memcpy(date, amzdate, 8);
	date[8] = '\0';

	/* canonical request */
	if ((r = build_creq(req, &creq, &names)) != 0 ||
	    (r = sha256_hex(creq, strlen(creq), creq_hash)) != 0)
		goto fail;

	/* string to sign */
	buf_addf(&sts, SIGV4_ALG "\n%s\n%s/%s/%s/aws4_request\n%s", amzdate,
	    date, scope->region, scope->service, creq_hash);
	if (sts.failed) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	/* signature */
	if ((r = aws_sigv4_signing_key(scope->secret_access_key, date,
	    scope->region, scope->service, key)) != 0 ||
	    (r = hmac256(key, sizeof(key), sts.p, sig)) != 0)
		goto fail;
	op_hex_encode(sig, sizeof(sig), sigx);

	buf_addf(&out, SIGV4_ALG " Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", scope->access_key_id, date,
	    scope->region, scope->service, names, sigx);
	if ((*authz = buf_take(&out)) == NULL) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	r = 0;
fail:
	free(creq);
	free(names);
	buf_wipe(&sts);
	buf_wipe(&out);
	OPENSSL_cleanse(key, sizeof(key));

	return r;
}
