/*
 * Choosing the shielded connection for chip_open(): from the caller's
 * options, else from the environment, so that every way in (the CLI,
 * the OpenSSL provider under openssl(1), the personalization flow)
 * shares one switch:
 *
 *   OPTIGA_SHIELDED=1            turn it on
 *   OPTIGA_BINDING_SECRET=FILE   the host's 64-byte copy of 0xE140
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "chip/chip_int.h"
#include "util/err.h"
#include "util/log.h"

static bool
env_true(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && (strcmp(v, "1") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "on") == 0);
}

int
chip_shield_setup(struct chip_opts *o)
{
	const char *path;
	int rc;

	if (!o->link.shielded && env_true("OPTIGA_SHIELDED"))
		o->link.shielded = true;
	if (!o->link.shielded) {
		o->link.binding_secret = NULL;
		return 0;
	}

	/*
	 * The link is rebuilt after a fault (chip_relink) with these same
	 * options: keep the bytes here, not behind the caller's pointer.
	 */
	if (o->link.binding_secret != NULL) {
		if (o->link.binding_secret != o->binding_secret)
			memcpy(o->binding_secret, o->link.binding_secret,
			    sizeof(o->binding_secret));
		o->link.binding_secret = o->binding_secret;
		return 0;
	}
	path = o->binding_secret_file;
	if (path == NULL || path[0] == '\0')
		path = getenv("OPTIGA_BINDING_SECRET");
	if (path != NULL && path[0] != '\0') {
		if ((rc = ifxi2c_secret_load(path, o->binding_secret)) != 0)
			return rc;
		o->link.binding_secret = o->binding_secret;
		return 0;
	}

	OP_WARN(CHIP_LOG, "shielded connection keyed by the evaluation "
	    "binding secret 01..40, which everybody knows: it hides the "
	    "traffic from a passive listener only.  Pair production chips "
	    "('optiga-perso pair') and give the file with --binding-secret "
	    "or OPTIGA_BINDING_SECRET");
	o->link.binding_secret = NULL;

	return 0;
}

bool
chip_shielded(const struct chip *chip)
{
	return chip->link != NULL && ifxi2c_shielded(chip->link);
}
