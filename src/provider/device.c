/*
 * Chip connections, shared per device URI within the process and opened
 * on first use.  A chip answers one command at a time, so each device has
 * a lock that a caller holds from oprov_dev_lock() to oprov_dev_unlock();
 * the list itself has its own lock.  Connections close when the last
 * provider instance is torn down.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "provider/oprov.h"
#include "provider/prov_int.h"
#include "util/err.h"
#include "util/log.h"

struct oprov_dev {
	struct oprov_dev *next;
	char *uri;
	pthread_mutex_t lock;
	struct chip *chip;		/* NULL until first use */
	struct chip_uid uid;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct oprov_dev *devs;
static unsigned users;

static struct oprov_dev *
dev_find_or_add(const char *uri)
{
	struct oprov_dev *d;

	for (d = devs; d != NULL; d = d->next)
		if (strcmp(d->uri, uri) == 0)
			return d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->uri = strdup(uri)) == NULL) {
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->next = devs;
	devs = d;

	return d;
}

static int
dev_open(struct oprov_dev *d)
{
	struct chip_opts opts;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.link.reset = IFXI2C_RESET_SOFT;
	if ((rc = chip_open(d->uri, &opts, &d->chip)) != 0)
		return op_errctx(rc, "device %s", d->uri);
	if ((rc = chip_get_uid(d->chip, &d->uid)) != 0) {
		chip_close(&d->chip);
		return op_errctx(rc, "device %s: reading the chip UID",
		    d->uri);
	}
	OP_DEBUG(PROV_LOG, "opened %s", d->uri);

	return 0;
}

int
oprov_dev_lock(const char *uri, struct chip **chip, struct chip_uid *uid)
{
	struct oprov_dev *d;
	int rc;

	*chip = NULL;
	if (uri == NULL)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "no chip device: add ?device=URI to the key URI, set "
		    "'device' in the provider's openssl.cnf section or set "
		    "OPTIGA_DEVICE (e.g. sim:/tmp/optiga.sock)");

	pthread_mutex_lock(&list_lock);
	d = dev_find_or_add(uri);
	pthread_mutex_unlock(&list_lock);
	if (d == NULL)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");

	pthread_mutex_lock(&d->lock);
	if (d->chip == NULL && (rc = dev_open(d)) != 0) {
		pthread_mutex_unlock(&d->lock);
		return rc;
	}
	*chip = d->chip;
	if (uid != NULL)
		*uid = d->uid;

	return 0;
}

/* A failure below the command layer leaves the link in doubt. */
static bool
link_broken(int rc)
{
	int layer = OP_RC_LAYER(rc);

	return rc != 0 && (layer == OP_LAYER_BUS || layer == OP_LAYER_PL ||
	    layer == OP_LAYER_DL || layer == OP_LAYER_TL ||
	    layer == OP_LAYER_PRL);
}

void
oprov_dev_unlock(const char *uri, int rc)
{
	struct oprov_dev *d;

	if (uri == NULL)
		return;
	pthread_mutex_lock(&list_lock);
	for (d = devs; d != NULL; d = d->next)
		if (strcmp(d->uri, uri) == 0)
			break;
	pthread_mutex_unlock(&list_lock);
	if (d == NULL)
		return;

	if (link_broken(rc)) {
		OP_DEBUG(PROV_LOG, "closing %s after a link failure", uri);
		chip_close(&d->chip);
	}
	pthread_mutex_unlock(&d->lock);
}

void
oprov_dev_ref(void)
{
	pthread_mutex_lock(&list_lock);
	users++;
	pthread_mutex_unlock(&list_lock);
}

void
oprov_dev_unref(void)
{
	struct oprov_dev *d, *next;

	pthread_mutex_lock(&list_lock);
	if (users > 0 && --users == 0) {
		for (d = devs; d != NULL; d = next) {
			next = d->next;
			chip_close(&d->chip);
			pthread_mutex_destroy(&d->lock);
			free(d->uri);
			free(d);
		}
		devs = NULL;
	}
	pthread_mutex_unlock(&list_lock);
}

static const char *
env_device(const char *device)
{
	if (device != NULL && device[0] != '\0')
		return device;
	device = getenv("OPTIGA_DEVICE");

	return device != NULL && device[0] != '\0' ? device : NULL;
}

int
oprov_chip_acquire(const char *device, struct chip **chip)
{
	int rc;

	/* a user of its own, so the connection outlives no provider */
	oprov_dev_ref();
	if ((rc = oprov_dev_lock(env_device(device), chip, NULL)) != 0)
		oprov_dev_unref();

	return rc;
}

void
oprov_chip_release(const char *device, int rc)
{
	oprov_dev_unlock(env_device(device), rc);
	oprov_dev_unref();
}

int
oprov_chip_uid(const char *device, struct chip_uid *uid)
{
	struct chip *chip;
	int rc;

	/* read once when the connection opened: no command is sent */
	oprov_dev_ref();
	if ((rc = oprov_dev_lock(env_device(device), &chip, uid)) == 0)
		oprov_dev_unlock(env_device(device), 0);
	oprov_dev_unref();

	return rc;
}
