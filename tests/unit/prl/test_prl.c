/*
 * The presentation layer (shielded connection), both sides.
 *
 * - The worked example of fact sheet 4.9, byte for byte: KB, both
 *   Finished messages and both records, as the fact sheet prints them.
 * - The host stack (src/ifxi2c) against the emulator's link and chip
 *   sides (sim/) in this process, over a bus whose callbacks are
 *   sim_dev_write/sim_dev_read: handshake, short and chained records,
 *   a wrong secret, a fatal alert (re-handshake), a flipped tag on the
 *   wire (integrity alert, resend), replays outside the window, and
 *   Conf(E140) enforced by the emulated chip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus/bus.h"
#include "codec/fcs.h"
#include "codec/tlv.h"
#include "ifxi2c/ifxi2c.h"
#include "ifxi2c/prl.h"
#include "util/err.h"

#include "dev.h"
#include "sim.h"

/* --- fact sheet 4.9, exactly as printed ------------------------------ */

static const char fs_kb[] =
    "463a396ffba56bd0fa11398ac3fb4338 43778ea3147f90db64bf4aad07e7e796 "
    "ae68cfcf 8cc5010b";
static const char fs_master_finished[] =
    "08 00001234 e8a189373d9f4157d6d7b1084d80e145d30f69dcfbdfd72f5922990e"
    "4fc192d2 6fb2f29f 2eeef1f9889df10d";
static const char fs_slave_finished[] =
    "08 00005678 dc8bf99a5a5c10e94b4f0e3d73a061c75eceedd1d2b82e86e0d1fc3a"
    "9d3cc0d5 33c511de 350cb4e4db05f99d";
static const char fs_master_plain[] =
    "F0 00 00 10 D2 76 00 00 04 47 65 6E 41 75 74 68 41 70 70 6C";
static const char fs_master_record[] =
    "23 00005679 faa99180d690dcf7db87f8576a9bb074aa5da522 b39e0a322535726f";
static const char fs_slave_plain[] = "00 00 00 00";
static const char fs_slave_record[] = "23 00001235 b457e61e b5c74f61d8c39cca";

/* Hex with spaces, as the fact sheet prints it. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s += 2;
	}

	return n;
}

static void
fs_inputs(uint8_t pbs[64], uint8_t rnd[32])
{
	for (int i = 0; i < 64; i++)
		pbs[i] = (uint8_t)(i + 1);
	for (int i = 0; i < 32; i++)
		rnd[i] = (uint8_t)(0xA0 + i);
}

static void
test_worked_example_kb(void **state)
{
	uint8_t pbs[64], rnd[32], kb[PRL_KB_LEN], want[64];

	(void)state;
	fs_inputs(pbs, rnd);
	assert_memory_equal(pbs, ifxi2c_secret_eval, 64);
	assert_int_equal(prl_derive(pbs, rnd, kb), 0);
	assert_int_equal(unhex(fs_kb, want, sizeof(want)), PRL_KB_LEN);
	assert_memory_equal(kb, want, PRL_KB_LEN);
}

static void
test_worked_example_finished(void **state)
{
	uint8_t pbs[64], rnd[32], kb[PRL_KB_LEN], plain[36], out[64];
	uint8_t want[64], back[36];
	struct prl_keys k;
	size_t n;

	(void)state;
	fs_inputs(pbs, rnd);
	assert_int_equal(prl_derive(pbs, rnd, kb), 0);
	prl_keys_master(kb, &k);

	/* master: RND || SSEQ under MasterEncKey, SEQ = SSEQ */
	memcpy(plain, rnd, 32);
	memcpy(plain + 32, "\x00\x00\x12\x34", 4);
	assert_int_equal(prl_seal(k.enc_key, k.enc_nonce, PRL_SCTR_FINISHED,
	    0x1234, plain, 36, out), 0);
	n = unhex(fs_master_finished, want, sizeof(want));
	assert_int_equal(n, PRL_FINISHED_LEN);
	assert_memory_equal(out, want, n);

	/* slave: RND || MSEQ under SlaveEncKey = MasterDecKey */
	memcpy(plain + 32, "\x00\x00\x56\x78", 4);
	assert_int_equal(prl_seal(k.dec_key, k.dec_nonce, PRL_SCTR_FINISHED,
	    0x5678, plain, 36, out), 0);
	n = unhex(fs_slave_finished, want, sizeof(want));
	assert_int_equal(n, PRL_FINISHED_LEN);
	assert_memory_equal(out, want, n);

	/* and the master opens it */
	assert_int_equal(prl_unseal(k.dec_key, k.dec_nonce, want, n, back),
	    0);
	assert_memory_equal(back, plain, 36);
}

static void
test_worked_example_records(void **state)
{
	uint8_t pbs[64], rnd[32], kb[PRL_KB_LEN], plain[32], out[64];
	uint8_t want[64], back[32];
	struct prl_keys k;
	size_t pn, n;

	(void)state;
	fs_inputs(pbs, rnd);
	assert_int_equal(prl_derive(pbs, rnd, kb), 0);
	prl_keys_master(kb, &k);

	/* master record, MSEQ 00005679: OpenApplication */
	pn = unhex(fs_master_plain, plain, sizeof(plain));
	assert_int_equal(pn, 20);
	assert_int_equal(prl_seal(k.enc_key, k.enc_nonce, PRL_SCTR_FULL,
	    0x5679, plain, pn, out), 0);
	n = unhex(fs_master_record, want, sizeof(want));
	assert_int_equal(n, pn + PRL_OVERHEAD);
	assert_memory_equal(out, want, n);

	/* slave record, SSEQ 00001235: 00 00 00 00 */
	pn = unhex(fs_slave_plain, plain, sizeof(plain));
	assert_int_equal(prl_seal(k.dec_key, k.dec_nonce, PRL_SCTR_FULL,
	    0x1235, plain, pn, out), 0);
	n = unhex(fs_slave_record, want, sizeof(want));
	assert_int_equal(n, pn + PRL_OVERHEAD);
	assert_memory_equal(out, want, n);
	assert_int_equal(prl_unseal(k.dec_key, k.dec_nonce, want, n, back),
	    0);
	assert_memory_equal(back, plain, pn);

	/* one flipped bit anywhere fails the tag: SCTR, SEQ, body, tag */
	for (size_t i = 0; i < n; i++) {
		want[i] ^= 0x01;
		assert_int_equal(prl_unseal(k.dec_key, k.dec_nonce, want, n,
		    back), OP_RC(OP_LAYER_PRL, OP_E_VERIFY));
		want[i] ^= 0x01;
	}
}

static void
test_seq_window(void **state)
{
	(void)state;
	assert_false(prl_seq_ok(0x1234, 0x1234));	/* replay */
	assert_false(prl_seq_ok(0x1234, 0x1233));	/* older */
	assert_true(prl_seq_ok(0x1234, 0x1235));
	assert_true(prl_seq_ok(0x1234, 0x1237));	/* two lost */
	assert_false(prl_seq_ok(0x1234, 0x1238));	/* too far ahead */
	assert_false(prl_seq_ok(0xFFFFFFFF, 0x00000000)); /* no wrap */
}

/* --- host and emulator in one process --------------------------------- */

struct rig {
	char dir[64];
	char state[96];
	struct sim_chip *chip;
	struct sim_dev *dev;
	struct ifxi2c *link;
	/* flip a tag bit of the next host data frame this long (records) */
	size_t flip_len;
	unsigned flipped;
	/* every frame written to DATA, for the eavesdropper check */
	uint8_t wire[1 << 16];
	size_t wire_len;
};

static const struct sim_prl_chip rig_chip = {
	.secret = sim_chip_binding_secret,
	.protect = sim_chip_set_protection,
};

static int
rig_status(uint8_t st)
{
	if (st == SIM_ST_ACK)
		return 0;

	return OP_RC(OP_LAYER_BUS, st == SIM_ST_NACK_ADDR ? OP_E_NACK :
	    OP_E_IO);
}

static int
rig_write(void *ctx, uint8_t addr, const uint8_t *buf, size_t len)
{
	struct rig *g = ctx;
	uint8_t copy[400];
	uint16_t fcs;

	if (len <= sizeof(copy) && len > 1 && buf[0] == 0x80) {
		memcpy(copy, buf, len);
		if (len - 1 <= sizeof(g->wire) - g->wire_len) {
			memcpy(g->wire + g->wire_len, buf + 1, len - 1);
			g->wire_len += len - 1;
		}
		/* frame = FCTR LEN(2) PCTR SCTR ... TAG FCS(2) */
		if (g->flip_len != 0 && len - 1 == g->flip_len) {
			g->flip_len = 0;
			g->flipped++;
			copy[len - 3] ^= 0x80;	/* last tag byte */
			fcs = ifx_fcs(copy + 1, len - 3);
			copy[len - 2] = (uint8_t)(fcs >> 8);
			copy[len - 1] = (uint8_t)fcs;
			return rig_status(sim_dev_write(g->dev, addr, copy,
			    len));
		}
	}

	return rig_status(sim_dev_write(g->dev, addr, buf, len));
}

static int
rig_read(void *ctx, uint8_t addr, uint8_t *buf, size_t len)
{
	struct rig *g = ctx;
	int r = rig_status(sim_dev_read(g->dev, addr, buf, len));

	if (r == 0 && len <= sizeof(g->wire) - g->wire_len) {
		memcpy(g->wire + g->wire_len, buf, len);
		g->wire_len += len;
	}

	return r;
}

static void
rig_close(void *ctx)
{
	(void)ctx;
}

static const struct bus_ops rig_ops = {
	.write = rig_write,
	.read = rig_read,
	.close = rig_close,
};

static struct rig *
rig_new(void)
{
	struct rig *g = calloc(1, sizeof(*g));
	struct sim_opts o;

	assert_non_null(g);
	snprintf(g->dir, sizeof(g->dir), "/tmp/op-prl.XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	snprintf(g->state, sizeof(g->state), "%s/chip.state", g->dir);
	assert_int_equal(sim_chip_load(g->state, SIM_TRUST_M3, &g->chip), 0);
	assert_non_null(g->dev = calloc(1, sizeof(*g->dev)));
	sim_opts_default(&o);
	o.startup_us = 0;
	sim_dev_init(g->dev, &o, g->chip);
	g->dev->prl.chip_ops = &rig_chip;

	return g;
}

static int
rig_open(struct rig *g, bool shielded, const uint8_t *secret)
{
	struct ifxi2c_cfg cfg = {
		.reset = IFXI2C_RESET_SOFT,
		.shielded = shielded,
		.binding_secret = secret,
	};
	struct bus *bus = calloc(1, sizeof(*bus));

	assert_non_null(bus);
	bus->ops = &rig_ops;
	bus->ctx = g;
	bus->addr = BUS_ADDR_DEFAULT;
	snprintf(bus->name, sizeof(bus->name), "in-process sim");

	return ifxi2c_open(bus, &cfg, &g->link);
}

static void
rig_free(struct rig *g)
{
	ifxi2c_close(&g->link);
	sim_chip_free(&g->chip);
	free(g->dev);
	unlink(g->state);
	rmdir(g->dir);
	free(g);
}

static const uint8_t openapp[] = {
	0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65,
	0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C
};
static const uint8_t get_uid[] = {
	0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64
};

static uint8_t rsp[APDU_MAX_LEN];
static size_t rsp_len;

static int
rig_apdu(struct rig *g, const uint8_t *apdu, size_t len)
{
	return ifxi2c_transceive(g->link, apdu, len, rsp, sizeof(rsp),
	    &rsp_len, op_deadline_in_ms(5000));
}

static void
test_roundtrip(void **state)
{
	struct rig *g = rig_new();
	struct prl_stats st;
	uint8_t uid_plain[40];

	(void)state;
	assert_int_equal(rig_open(g, true, NULL), 0);
	assert_true(ifxi2c_shielded(g->link));
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);
	assert_int_equal(rsp_len, 4);
	assert_memory_equal(rsp, "\x00\x00\x00\x00", 4);
	assert_int_equal(rig_apdu(g, get_uid, sizeof(get_uid)), 0);
	assert_int_equal(rsp_len, 4 + 27);
	memcpy(uid_plain, rsp + 4, 27);

	prl_get_stats(g->link, &st);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.records, 2);
	assert_int_equal(g->dev->prl.state, SIM_PRL_SESSION);

	/* an eavesdropper on the lines never saw the UID */
	assert_null(memmem(g->wire, g->wire_len, uid_plain, 27));
	rig_free(g);
}

/* 1557-byte command (1570-byte record, chained) and its read-back. */
static void
test_chained(void **state)
{
	static uint8_t apdu[APDU_MAX_LEN];
	static const uint8_t rd[] = {
		0x81, 0x00, 0x00, 0x06, 0xE0, 0xE1, 0x00, 0x00, 0x06, 0x11
	};
	struct rig *g = rig_new();

	(void)state;
	assert_int_equal(rig_open(g, true, NULL), 0);
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);

	memcpy(apdu, "\x82\x40\x06\x11\xE0\xE1\x00\x00", 8);
	for (size_t i = 8; i < sizeof(apdu); i++)
		apdu[i] = (uint8_t)(i * 7);
	assert_int_equal(rig_apdu(g, apdu, sizeof(apdu)), 0);
	assert_int_equal(rsp[0], 0x00);
	assert_int_equal(rig_apdu(g, rd, sizeof(rd)), 0);
	assert_int_equal(rsp_len, 4 + 1549);
	assert_memory_equal(rsp + 4, apdu + 8, 1549);
	assert_null(memmem(g->wire, g->wire_len, apdu + 300, 64));
	rig_free(g);
}

static void
test_wrong_secret(void **state)
{
	struct rig *g = rig_new();
	uint8_t other[64];
	int r;

	(void)state;
	memset(other, 0x5A, sizeof(other));
	assert_int_equal(rig_open(g, true, other), 0);
	r = rig_apdu(g, openapp, sizeof(openapp));
	assert_int_equal(r, OP_RC(OP_LAYER_PRL, OP_E_AUTH));
	assert_non_null(strstr(op_errmsg(), "0xE140"));
	assert_int_equal(g->dev->prl.state, SIM_PRL_IDLE);
	rig_free(g);
}

/* The chip loses its session: fatal alert, new handshake, success. */
static void
test_fatal_alert_rehandshake(void **state)
{
	struct rig *g = rig_new();
	struct prl_stats st;

	(void)state;
	assert_int_equal(rig_open(g, true, NULL), 0);
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);
	sim_prl_reset(&g->dev->prl);
	assert_int_equal(rig_apdu(g, get_uid, sizeof(get_uid)), 0);
	assert_int_equal(rsp_len, 4 + 27);
	prl_get_stats(g->link, &st);
	assert_int_equal(st.fatal_alerts, 1);
	assert_int_equal(st.handshakes, 2);
	rig_free(g);
}

/* A tag flipped on the wire: integrity alert, resent with a new SEQ. */
static void
test_integrity_alert_resend(void **state)
{
	struct rig *g = rig_new();
	struct prl_stats st;
	uint32_t before;

	(void)state;
	assert_int_equal(rig_open(g, true, NULL), 0);
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);
	before = g->dev->prl.mseq;

	/* frame: FCTR LEN PCTR + record of get_uid */
	g->flip_len = 3 + 1 + sizeof(get_uid) + PRL_OVERHEAD + 2;
	assert_int_equal(rig_apdu(g, get_uid, sizeof(get_uid)), 0);
	assert_int_equal(g->flipped, 1);
	assert_int_equal(rsp_len, 4 + 27);
	prl_get_stats(g->link, &st);
	assert_int_equal(st.integrity_alerts, 1);
	assert_int_equal(st.handshakes, 1);
	/* the failed SEQ was skipped: the resend used the next one */
	assert_int_equal(g->dev->prl.mseq, before + 2);
	rig_free(g);
}

/* Straight into the emulator's PRL: replays and stale numbers. */
static void
test_sim_window(void **state)
{
	struct rig *g = rig_new();
	uint8_t pbs[64], rnd[32], kb[PRL_KB_LEN], out[SIM_RSP_MAX];
	uint8_t rec[64];
	struct prl_keys k;
	size_t n;

	(void)state;
	assert_int_equal(rig_open(g, true, NULL), 0);
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);

	/* the session keys, as the host holds them */
	memcpy(pbs, ifxi2c_secret_eval, 64);
	memcpy(rnd, g->dev->prl.rnd, 32);
	assert_int_equal(prl_derive(pbs, rnd, kb), 0);
	prl_keys_master(kb, &k);

	/* the next number is taken; then it is a replay */
	assert_int_equal(prl_seal(k.enc_key, k.enc_nonce, PRL_SCTR_FULL,
	    g->dev->prl.mseq + 1, get_uid, sizeof(get_uid), rec), 0);
	n = sim_prl_handle(g->dev, rec, sizeof(get_uid) + PRL_OVERHEAD, out,
	    sizeof(out));
	assert_int_equal(out[0], PRL_SCTR_FULL);
	assert_int_equal(n, 4 + 27 + PRL_OVERHEAD);
	n = sim_prl_handle(g->dev, rec, sizeof(get_uid) + PRL_OVERHEAD, out,
	    sizeof(out));
	assert_int_equal(n, 1);
	assert_int_equal(out[0], PRL_SCTR_ALERT_INTEG);

	/* four ahead is outside the window of three */
	assert_int_equal(prl_seal(k.enc_key, k.enc_nonce, PRL_SCTR_FULL,
	    g->dev->prl.mseq + 4, get_uid, sizeof(get_uid), rec), 0);
	n = sim_prl_handle(g->dev, rec, sizeof(get_uid) + PRL_OVERHEAD, out,
	    sizeof(out));
	assert_int_equal(out[0], PRL_SCTR_ALERT_INTEG);

	/* three ahead is inside */
	assert_int_equal(prl_seal(k.enc_key, k.enc_nonce, PRL_SCTR_FULL,
	    g->dev->prl.mseq + 3, get_uid, sizeof(get_uid), rec), 0);
	n = sim_prl_handle(g->dev, rec, sizeof(get_uid) + PRL_OVERHEAD, out,
	    sizeof(out));
	assert_int_equal(out[0], PRL_SCTR_FULL);
	rig_free(g);
}

/* Conf(E140): read only with a protected response. */
static void
test_conf_enforced(void **state)
{
	static const uint8_t set_meta[] = {
		0x82, 0x01, 0x00, 0x0B, 0xE1, 0x40, 0x00, 0x00,
		0x20, 0x05, 0xD1, 0x03, 0x20, 0xE1, 0x40
	};
	static const uint8_t read_e140[] = {
		0x81, 0x00, 0x00, 0x06, 0xE1, 0x40, 0x00, 0x00, 0x00, 0x40
	};
	struct rig *g = rig_new();

	(void)state;
	/* plain: set read = Conf(E140), then the read is refused */
	assert_int_equal(rig_open(g, false, NULL), 0);
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);
	assert_int_equal(rig_apdu(g, set_meta, sizeof(set_meta)), 0);
	assert_int_equal(rsp[0], 0x00);
	assert_int_equal(rig_apdu(g, read_e140, sizeof(read_e140)), 0);
	assert_int_equal(rsp[0], 0xFF);
	ifxi2c_close(&g->link);

	/* shielded: the same read works */
	assert_int_equal(rig_open(g, true, NULL), 0);
	assert_int_equal(rig_apdu(g, openapp, sizeof(openapp)), 0);
	assert_int_equal(rig_apdu(g, read_e140, sizeof(read_e140)), 0);
	assert_int_equal(rsp[0], 0x00);
	assert_int_equal(rsp_len, 4 + 64);
	assert_memory_equal(rsp + 4, ifxi2c_secret_eval, 64);
	rig_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_example_kb),
		cmocka_unit_test(test_worked_example_finished),
		cmocka_unit_test(test_worked_example_records),
		cmocka_unit_test(test_seq_window),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_chained),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_fatal_alert_rehandshake),
		cmocka_unit_test(test_integrity_alert_resend),
		cmocka_unit_test(test_sim_window),
		cmocka_unit_test(test_conf_enforced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
