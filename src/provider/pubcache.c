/*
 * The host-side public key cache.  A chip never reveals the public key of
 * a slot after GenKeyPair, so whoever generates a key through this
 * provider records it here:
 *
 *   DIR/<UID hex>-<OID>.pem      e.g. .../cd16...0d-E0F1.pem
 *
 * DIR is the provider setting pubcache-dir, else $OPTIGA_PUBCACHE_DIR,
 * else $XDG_STATE_HOME/optiga-perso/pub, else
 * ~/.local/state/optiga-perso/pub.  The chip UID in the name keeps two
 * chips apart; a stale entry (the slot regenerated elsewhere) is caught
 * by slot.c, which checks a candidate key against the chip when sources
 * disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "provider/prov_int.h"
#include "util/err.h"
#include "util/file.h"
#include "util/hex.h"

#define SYS_ERR(code) OP_RC(OP_LAYER_SYS, code)

static int
cache_dir(const struct oprov_ctx *prov, char **out)
{
	const char *s;
	int n;

	*out = NULL;
	if (prov != NULL && prov->cache_dir != NULL)
		n = asprintf(out, "%s", prov->cache_dir);
	else if ((s = getenv("OPTIGA_PUBCACHE_DIR")) != NULL && s[0] != '\0')
		n = asprintf(out, "%s", s);
	else if ((s = getenv("XDG_STATE_HOME")) != NULL && s[0] == '/')
		n = asprintf(out, "%s/optiga-perso/pub", s);
	else if ((s = getenv("HOME")) != NULL && s[0] == '/')
		n = asprintf(out, "%s/.local/state/optiga-perso/pub", s);
	else
		return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_NOTFOUND),
		    "no directory for the public key cache: set HOME, "
		    "XDG_STATE_HOME or OPTIGA_PUBCACHE_DIR");
	if (n < 0) {
		*out = NULL;
		return op_err(SYS_ERR(OP_E_NOMEM), "out of memory");
	}

	return 0;
}

/* mkdir -p, private to the user: the names reveal chip UIDs. */
static int
mkdirs(char *path)
{
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			int e = errno;

			*p = c;
			return op_err(SYS_ERR(e == EACCES ? OP_E_PERM :
			    OP_E_IO), "cannot create directory %s: %s", path,
			    strerror(e));
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int
oprov_pubcache_path(const struct oprov_ctx *prov,
    const struct chip_uid *uid, uint16_t oid, char **path)
{
	char hex[2 * CHIP_UID_LEN + 1];
	char *dir = NULL;
	int rc;

	*path = NULL;
	if ((rc = cache_dir(prov, &dir)) != 0)
		return rc;

	op_hex_encode(uid->raw, sizeof(uid->raw), hex);
	if (asprintf(path, "%s/%s-%04X.pem", dir, hex, oid) < 0) {
		*path = NULL;
		rc = op_err(SYS_ERR(OP_E_NOMEM), "out of memory");
	}
	free(dir);

	return rc;
}

int
oprov_pubcache_write(const struct oprov_ctx *prov,
    const struct chip_uid *uid, uint16_t oid, EVP_PKEY *pub)
{
	char *path = NULL, *dir = NULL;
	BIO *mem = NULL;
	char *pem;
	long len;
	int rc;

	if ((rc = cache_dir(prov, &dir)) != 0 ||
	    (rc = mkdirs(dir)) != 0 ||
	    (rc = oprov_pubcache_path(prov, uid, oid, &path)) != 0)
		goto fail;

	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(mem, pub) ||
	    (len = BIO_get_mem_data(mem, &pem)) <= 0) {
		rc = op_err(OP_RC(OP_LAYER_CRYPTO, OP_E_INTERNAL),
		    "cannot encode the public key of slot 0x%04X", oid);
		goto fail;
	}
	if ((rc = op_file_write_atomic(path, pem, (size_t)len, 0644)) != 0) {
		op_errctx(rc, "public key cache");
		goto fail;
	}

	rc = 0;
fail:
	BIO_free(mem);
	free(path);
	free(dir);

	return rc;
}

int
oprov_pubcache_read(struct oprov_ctx *prov, const struct chip_uid *uid,
    uint16_t oid, EVP_PKEY **pub)
{
	struct stat st;
	char *path = NULL;
	int rc;

	*pub = NULL;
	if ((rc = oprov_pubcache_path(prov, uid, oid, &path)) != 0)
		return rc;

	if (stat(path, &st) != 0) {
		rc = op_err(SYS_ERR(OP_E_NOTFOUND), "no cached public key "
		    "%s", path);
		goto fail;
	}
	rc = oprov_pub_read(prov, path, pub);
fail:
	free(path);

	return rc;
}
