/*
 * optiga-sim chip side: the APDU dispatcher behind sim/sim.h.
 *
 * Rules applied to every APDU (fact sheet 5.1-5.3):
 * - Cmd with the MSB set clears the last error code before execution.
 * - A failure answers FF 00 00 00 and keeps the highest error code in
 *   F1C2 until a read of F1C2 clears it.
 * - InLen must match the bytes received and an APDU is at most 1557
 *   bytes (else 0x04); an answer longer than 1553 bytes fails with 0x0D.
 * - Unknown command codes fail with 0x0A (invalid command) and every
 *   command but OpenApplication fails with 0x0C while the application is
 *   closed.  Both codes are [inferred from the code meanings].
 * - Persistent changes reach the state file before the answer is made.
 */
#include <stdlib.h>
#include <string.h>

#include "simchip.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"

#define STATE_MAX	(1024 * 1024)

struct cmd_entry {
	uint8_t code;
	const char *name;
	int (*run)(struct sim_chip *, struct sim_cmd *);
};

static const struct cmd_entry commands[] = {
	{ 0x01, "GetDataObject", sim_cmd_get_data },
	{ 0x02, "SetDataObject", sim_cmd_set_data },
	{ 0x0C, "GetRandom", sim_cmd_get_random },
	{ 0x30, "CalcHash", sim_cmd_calc_hash },
	{ 0x31, "CalcSign", sim_cmd_calc_sign },
	{ 0x32, "VerifySign", sim_cmd_verify_sign },
	{ 0x38, "GenKeyPair", sim_cmd_gen_keypair },
	{ 0x70, "OpenApplication", sim_cmd_open_app },
	{ 0x71, "CloseApplication", sim_cmd_close_app },
};

/*
 * XXX: SetObjectProtected, EncryptSym/DecryptSym, EncryptAsym/
 * DecryptAsym, CalcSSec, DeriveKey, GenSymKey and the Trust X DTLS
 * commands are not emulated: they fail with 0x0A like an unknown code.
 */

static const struct cmd_entry *
cmd_lookup(uint8_t code)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].code == code)
			return &commands[i];

	return NULL;
}

/* Session keys and a running hash live in RAM: a reset or a close ends them. */
void
sim_chip_volatile_drop(struct sim_chip *chip)
{
	for (int i = 0; i < SIM_SESSIONS; i++) {
		EVP_PKEY_free(chip->session[i]);
		chip->session[i] = NULL;
	}
	EVP_MD_CTX_free(chip->hash);
	chip->hash = NULL;
}

static void
chip_objects_free(struct sim_chip *chip)
{
	for (size_t i = 0; i < chip->nobj; i++)
		sim_obj_clear(&chip->obj[i]);
	chip->nobj = 0;
}

void
sim_chip_free(struct sim_chip **chipp)
{
	struct sim_chip *chip;

	if (chipp == NULL || (chip = *chipp) == NULL)
		return;
	sim_chip_volatile_drop(chip);
	chip_objects_free(chip);
	free(chip->ca_der);
	free(chip->path);
	free(chip);
	*chipp = NULL;
}

/* (Re)read the state file into a fresh object table. */
static int
chip_read_state(struct sim_chip *chip, bool *created)
{
	uint8_t *buf = NULL;
	size_t len;
	int r;

	chip_objects_free(chip);
	if ((r = sim_objmap_build(chip)) != 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "cannot build the object map");

	r = op_file_read(chip->path, STATE_MAX, &buf, &len);
	if (r != 0 && OP_RC_CODE(r) == OP_E_NOTFOUND && created != NULL) {
		/* a factory-fresh chip: new UID, key and certificate */
		if ((r = sim_factory_identity(chip)) != 0 ||
		    (r = sim_store_save(chip)) != 0)
			return r;
		*created = true;
		return 0;
	}
	if (r != 0)
		return r;
	r = sim_store_load(chip, buf, len);
	OPENSSL_cleanse(buf, len);
	free(buf);

	return r;
}

int
sim_chip_load(const char *state_path, enum sim_product product,
    struct sim_chip **out)
{
	struct sim_chip *chip;
	bool created = false;
	int r;

	*out = NULL;
	if (product != SIM_TRUST_M3 && product != SIM_TRUST_M1 &&
	    product != SIM_TRUST_X)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "unknown product %d; expected Trust M3, M1 or X",
		    (int)product);
	if ((chip = calloc(1, sizeof(*chip))) == NULL ||
	    (chip->path = strdup(state_path)) == NULL) {
		free(chip);
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM),
		    "out of memory");
	}
	chip->product = product;
	chip->cmd_name = "none";

	if ((r = chip_read_state(chip, &created)) != 0) {
		op_errctx(r, "state file %s", state_path);
		sim_chip_free(&chip);
		return r;
	}
	*out = chip;

	return 0;
}

void
sim_chip_reset(struct sim_chip *chip)
{
	/*
	 * Application closed and RAM state gone.  A hibernated context
	 * survives, as a real chip keeps it in NVM (fact sheet 12.1).
	 * XXX: the saved context does not survive an emulator restart, and
	 * the boot flag of E0C1 is not raised again on reset.
	 */
	sim_chip_volatile_drop(chip);
	chip->app_open = false;
}

void
sim_chip_set_protection(struct sim_chip *chip, unsigned level, uint16_t oid)
{
	chip->prot = level & 3;
	chip->prot_oid = oid;
}

int
sim_chip_binding_secret(struct sim_chip *chip, uint8_t out[64])
{
	struct sim_obj *o = sim_obj_find(chip, SIM_OID_PLATFORM_BINDING);

	if (o == NULL || o->kind != SIM_OBJ_DATA || o->used != 64)
		return -1;
	memcpy(out, o->data, 64);

	return 0;
}

uint64_t
sim_chip_last_exec_us(const struct sim_chip *chip)
{
	return chip->exec_us;
}

const char *
sim_chip_last_command(const struct sim_chip *chip)
{
	return chip->cmd_name;
}

static bool
app_terminated(struct sim_chip *chip)
{
	struct sim_obj *o = sim_obj_find(chip, SIM_OID_LCSA);

	return o != NULL && o->data[0] == META_LCS_TE;
}

static int
dispatch(struct sim_chip *chip, const uint8_t *apdu, size_t len,
    struct sim_cmd *c)
{
	const struct cmd_entry *e;
	int err;

	if (len < APDU_HEADER_LEN) {
		chip->cmd_name = "invalid";
		return SIM_E_LENGTH;
	}
	c->cmd = apdu[0] & 0x7f;
	c->param = apdu[1];
	c->in = apdu + APDU_HEADER_LEN;
	c->inlen = len - APDU_HEADER_LEN;

	if ((e = cmd_lookup(c->cmd)) == NULL) {
		chip->cmd_name = "unknown";
		return SIM_E_COMMAND;
	}
	chip->cmd_name = e->name;
	if (len > APDU_MAX_LEN || rd16(apdu + 2) != c->inlen)
		return SIM_E_LENGTH;
	if (c->cmd != 0x70 && (!chip->app_open || app_terminated(chip)))
		return SIM_E_NOT_AVAIL;

	err = e->run(chip, c);
	if (err == 0 && c->out.overflow)
		err = SIM_E_MEMORY;

	return err;
}

/*
 * Persist what the command changed.  When the file cannot be written,
 * the RAM state goes back to the file's so that the chip never answers
 * from state it did not keep.
 */
static int
commit(struct sim_chip *chip)
{
	int r;

	if (!chip->dirty)
		return 0;
	chip->dirty = false;
	if ((r = sim_store_save(chip)) == 0)
		return 0;
	OP_WARN("sim", "%s", op_errmsg());
	if (chip_read_state(chip, NULL) != 0)
		OP_WARN("sim", "cannot reload %s: %s", chip->path,
		    op_errmsg());

	return SIM_E_INTERNAL;
}

size_t
sim_chip_execute(struct sim_chip *chip, const uint8_t *apdu, size_t len,
    uint8_t *rsp, size_t cap)
{
	struct sim_cmd c;
	size_t outcap;
	int err, cerr;

	if (cap < APDU_HEADER_LEN)
		return 0;
	memset(&c, 0, sizeof(c));
	outcap = cap - APDU_HEADER_LEN;
	if (outcap > APDU_MAX_DATA)
		outcap = APDU_MAX_DATA;
	bbuf_init(&c.out, rsp + APDU_HEADER_LEN, outcap);
	chip->dirty = false;
	c.us = 1000;

	/* the MSB clears the last error before the command runs */
	if (len > 0 && (apdu[0] & 0x80) != 0)
		chip->last_error = 0;

	err = dispatch(chip, apdu, len, &c);
	/* a protection level holds for one APDU */
	chip->prot = 0;
	chip->prot_oid = 0;
	if ((cerr = commit(chip)) != 0)
		err = cerr;
	chip->exec_us = c.us;

	if (err != 0) {
		if (err > chip->last_error)
			chip->last_error = (uint8_t)err;
		OP_DEBUG("sim", "%s failed: 0x%02x", chip->cmd_name, err);
		memcpy(rsp, "\xff\x00\x00\x00", 4);
		return APDU_HEADER_LEN;
	}
	rsp[0] = 0x00;
	rsp[1] = 0x00;
	rsp[2] = (uint8_t)(c.out.len >> 8);
	rsp[3] = (uint8_t)c.out.len;

	return APDU_HEADER_LEN + c.out.len;
}
