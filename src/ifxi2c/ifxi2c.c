/*
 * IFX I2C host stack: open, reset and negotiate, send APDUs, count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/tlv.h"
#include "ifxi2c/ifxi2c_int.h"
#include "ifxi2c/prl.h"
#include "util/err.h"
#include "util/log.h"

#define MOD "ifxi2c"

/* Reset plus negotiation: enough for 200 NACK retries on every step. */
#define IFXI2C_OPEN_MS		5000
/* After a fatal error: one RESYNC attempt, however late. */
#define IFXI2C_RESYNC_MS	50

static int
ifxi2c_check_cfg(const struct ifxi2c_cfg *cfg)
{
	if (cfg->frame_size != 0 && (cfg->frame_size < IFX_FRAME_SIZE_MIN ||
	    cfg->frame_size > IFX_FRAME_SIZE_DEFAULT))
		return op_err(OP_RC(OP_LAYER_PL, OP_E_INVAL), "frame size %u "
		    "out of range: the chip takes %u..%u bytes",
		    cfg->frame_size, IFX_FRAME_SIZE_MIN,
		    IFX_FRAME_SIZE_DEFAULT);
	if (cfg->clock_khz > 1000)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_INVAL), "bus clock %u "
		    "kHz out of range: at most 1000 (Fm+)", cfg->clock_khz);
	if (cfg->reset < IFXI2C_RESET_NONE || cfg->reset > IFXI2C_RESET_WARM)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_INVAL), "unknown reset "
		    "kind %d: expected %d (none) to %d (warm)",
		    (int)cfg->reset, IFXI2C_RESET_NONE, IFXI2C_RESET_WARM);

	return 0;
}

static int
ifxi2c_line_reset(struct ifxi2c *c, enum bus_reset kind, op_deadline_t dl)
{
	uint64_t left;
	int r;

	if (c->bus->ops->reset == NULL)
		return op_err(OP_RC(OP_LAYER_PL, OP_E_UNSUPPORTED), "%s cannot "
		    "switch the chip's power or reset line; use a soft reset",
		    c->bus->name);
	if ((r = c->bus->ops->reset(c->bus->ctx, kind)) != 0)
		return op_errctx(r, "%s reset", kind == BUS_RESET_COLD ?
		    "cold" : "warm");

	/* Start-up time, as after a soft reset (see pl_soft_reset). */
	left = op_deadline_left_us(dl);
	op_sleep_us(left < PL_STARTUP_US ? left : PL_STARTUP_US);

	return 0;
}

int
ifxi2c_reset(struct ifxi2c *c, enum ifxi2c_reset kind)
{
	op_deadline_t dl = op_deadline_in_ms(c->cfg.open_ms ?
	    c->cfg.open_ms : IFXI2C_OPEN_MS);
	int r;

	c->has_pending = false;
	switch (kind) {
	case IFXI2C_RESET_SOFT:
		r = pl_soft_reset(c, dl);
		break;
	case IFXI2C_RESET_COLD:
		r = ifxi2c_line_reset(c, BUS_RESET_COLD, dl);
		break;
	case IFXI2C_RESET_WARM:
		r = ifxi2c_line_reset(c, BUS_RESET_WARM, dl);
		break;
	default:
		r = 0;
		break;
	}
	if (r != 0)
		return r;

	/* a chip reset ends any shielded session (fact sheet 3.3) */
	if (kind != IFXI2C_RESET_NONE)
		prl_drop(c);

	/* DATA_REG_LEN went back to its default with the reset. */
	c->frame_size = IFX_FRAME_SIZE_DEFAULT;
	if (c->bus->max_xfer != 0 && c->bus->max_xfer - 1 < c->frame_size)
		c->frame_size = (unsigned)(c->bus->max_xfer - 1);

	/*
	 * A reset puts the chip's frame counters at 3/3.  Without one we
	 * do not know where an earlier session left them: RESYNC does the
	 * same for the data link alone.
	 */
	if (kind == IFXI2C_RESET_NONE)
		dl_resync(c, dl);
	dl_init(c);

	return pl_negotiate(c, dl);
}

int
ifxi2c_open(struct bus *bus, const struct ifxi2c_cfg *cfg,
    struct ifxi2c **out)
{
	static const struct ifxi2c_cfg defaults = {
		.reset = IFXI2C_RESET_SOFT,
	};
	struct ifxi2c *c = NULL;
	int r;

	*out = NULL;
	if (cfg == NULL)
		cfg = &defaults;
	if ((r = ifxi2c_check_cfg(cfg)) != 0)
		goto fail;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}
	c->bus = bus;
	c->cfg = *cfg;
	c->cfg.binding_secret = NULL;	/* copied by prl_new, not kept */
	dl_init(c);
	if (cfg->shielded && (r = prl_new(c, cfg->binding_secret)) != 0)
		goto fail;

	if ((r = ifxi2c_reset(c, cfg->reset)) != 0) {
		op_errctx(r, "%s: opening the IFX I2C link", bus->name);
		goto fail;
	}

	*out = c;
	c = NULL;
	bus = NULL;	/* now owned by *out */
	r = 0;
fail:
	if (c != NULL)
		prl_free(c);
	free(c);
	bus_close(&bus);

	return r;
}

void
ifxi2c_close(struct ifxi2c **cp)
{
	struct ifxi2c *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	bus_close(&c->bus);
	prl_free(c);
	free(c);
	*cp = NULL;
}

/* A layer below the transport gave up: the link state is unknown. */
static bool
ifxi2c_link_lost(int r)
{
	int layer = OP_RC_LAYER(r);

	return layer == OP_LAYER_PL || layer == OP_LAYER_DL ||
	    layer == OP_LAYER_BUS;
}

int
ifxi2c_transceive(struct ifxi2c *c, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap, size_t *rsp_len, op_deadline_t deadline)
{
	int r;

	*rsp_len = 0;
	if (len == 0 || len > APDU_MAX_LEN)
		return op_err(OP_RC(OP_LAYER_TL, OP_E_RANGE), "transport: "
		    "command of %zu bytes; the chip takes 1..%u", len,
		    APDU_MAX_LEN);

	if (c->prl != NULL)
		r = prl_transceive(c, apdu, len, rsp, cap, rsp_len, deadline);
	else
		r = tl_transceive(c, apdu, len, rsp, cap, rsp_len, deadline);
	if (r == 0)
		return 0;

	/* As the vendor does: RESYNC once, then report. */
	if (ifxi2c_link_lost(r) && OP_RC_CODE(r) != OP_E_IO) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", op_errmsg());
		dl_resync(c, op_deadline_in_ms(IFXI2C_RESYNC_MS));
		op_err(r, "%s", msg);
	}

	return r;
}

void
ifxi2c_set_redact(struct ifxi2c *c, bool on)
{
	c->redact = on;
}

bool
ifxi2c_shielded(const struct ifxi2c *c)
{
	return c->prl != NULL;
}

unsigned
ifxi2c_frame_size(const struct ifxi2c *c)
{
	return c->frame_size;
}

void
ifxi2c_get_stats(const struct ifxi2c *c, struct ifxi2c_stats *st)
{
	*st = c->st;
}
