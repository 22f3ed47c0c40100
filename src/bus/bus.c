/*
 * Device URIs: pick the backend by scheme and let it parse the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "util/err.h"

#define BUS_URI_FORMS \
	"sim:SOCKET, i2c:/dev/i2c-N[@ADDR] or ft260:[SERIAL|/dev/hidrawN]"

struct bus_scheme {
	const char *prefix;
	int (*open)(const char *, struct bus *);
};

static const struct bus_scheme schemes[] = {
	{ "sim:", bus_sim_open },
	{ "i2c:", bus_i2c_open },
	{ "ft260:", bus_ft260_open },
};

int
bus_open(const char *uri, struct bus **out)
{
	const struct bus_scheme *s = NULL;
	struct bus *b = NULL;
	int r;

	*out = NULL;
	if (uri == NULL || *uri == '\0')
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_INVAL), "no device "
		    "given: name one as " BUS_URI_FORMS);

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(uri, schemes[i].prefix,
		    strlen(schemes[i].prefix)) == 0)
			s = &schemes[i];
	if (s == NULL)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_INVAL), "device '%s': "
		    "unknown kind; expected " BUS_URI_FORMS, uri);

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return op_err(OP_RC(OP_LAYER_BUS, OP_E_NOMEM), "out of memory");
	b->addr = BUS_ADDR_DEFAULT;
	strncpy(b->name, uri, sizeof(b->name) - 1);

	if ((r = s->open(uri + strlen(s->prefix), b)) != 0) {
		op_errctx(r, "device '%s'", uri);
		goto fail;
	}

	*out = b;
	b = NULL;
	r = 0;
fail:
	free(b);

	return r;
}

void
bus_close(struct bus **bp)
{
	struct bus *b;

	if (bp == NULL || (b = *bp) == NULL)
		return;
	if (b->ops != NULL && b->ops->close != NULL)
		b->ops->close(b->ctx);
	free(b);
	*bp = NULL;
}
