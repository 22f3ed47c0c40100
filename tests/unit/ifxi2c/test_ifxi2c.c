/*
 * The IFX I2C host stack against a scripted fake bus: the datasheet
 * trace byte for byte, then each recovery path of the data link and the
 * transport, the physical layer's NACK retry and the negotiation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "codec/frame.h"
#include "codec/tlv.h"
#include "fakebus.h"
#include "ifxi2c/ifxi2c.h"
#include "util/err.h"

#define NACK OP_RC(OP_LAYER_BUS, OP_E_NACK)

static const uint8_t openapp[] = {
	0x70, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65,
	0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C
};
static const uint8_t get_uid[] = {
	0x01, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64
};
static const uint8_t rsp_ok[] = { 0x00, 0x00, 0x00, 0x00 };

static uint8_t rsp[APDU_MAX_LEN];
static size_t rsp_len;

/* PCTR then the APDU, as one packet */
static size_t
pkt_of(uint8_t pctr, const uint8_t *apdu, size_t len, uint8_t *out)
{
	out[0] = pctr;
	if (len > 0)
		memcpy(out + 1, apdu, len);

	return len + 1;
}

static void
host_pkt(uint8_t fctr, uint8_t pctr, const uint8_t *apdu, size_t len)
{
	uint8_t p[FAKE_BYTES_MAX];

	fake_host_frame(fctr, p, pkt_of(pctr, apdu, len, p));
}

static void
chip_pkt(uint8_t fctr, uint8_t pctr, const uint8_t *apdu, size_t len)
{
	uint8_t p[FAKE_BYTES_MAX];

	fake_chip_frame(fctr, p, pkt_of(pctr, apdu, len, p));
}

static struct ifxi2c *
open_none(size_t max_xfer, unsigned frame_size)
{
	struct ifxi2c_cfg cfg = { .reset = IFXI2C_RESET_NONE };
	struct ifxi2c *c = NULL;
	int r;

	fake_open_none(frame_size);
	r = ifxi2c_open(fake_bus_new(max_xfer), &cfg, &c);
	if (r != 0)
		fail_msg("ifxi2c_open: %s", op_errmsg());
	assert_int_equal(ifxi2c_frame_size(c), frame_size);

	return c;
}

static int
xfer(struct ifxi2c *c, const uint8_t *apdu, size_t len)
{
	return ifxi2c_transceive(c, apdu, len, rsp, sizeof(rsp), &rsp_len,
	    op_deadline_in_ms(2000));
}

static void
xfer_ok(struct ifxi2c *c, const uint8_t *apdu, size_t len)
{
	if (xfer(c, apdu, len) != 0)
		fail_msg("transceive: %s", op_errmsg());
}

static int
setup(void **state)
{
	(void)state;
	fake_reset();

	return 0;
}

/* [DS] A.2: OpenApplication, then GetDataObject of the UID. */
static void
test_datasheet_trace(void **state)
{
	static const uint8_t w_openapp[] = {
		0x80, 0x03, 0x00, 0x15, 0x00, 0x70, 0x00, 0x00, 0x10, 0xD2,
		0x76, 0x00, 0x00, 0x04, 0x47, 0x65, 0x6E, 0x41, 0x75, 0x74,
		0x68, 0x41, 0x70, 0x70, 0x6C, 0x04, 0x1A
	};
	static const uint8_t r_ack0[] = { 0x80, 0x00, 0x00, 0x0C, 0xEC };
	static const uint8_t r_rsp0[] = {
		0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x87
	};
	static const uint8_t w_ack0[] = { 0x80, 0x80, 0x00, 0x00, 0x0C, 0xEC };
	static const uint8_t w_getuid[] = {
		0x80, 0x04, 0x00, 0x0B, 0x00, 0x01, 0x00, 0x00, 0x06, 0xE0,
		0xC2, 0x00, 0x00, 0x00, 0x64, 0xF0, 0x9F
	};
	static const uint8_t w_ack1[] = { 0x80, 0x81, 0x00, 0x00, 0x56, 0x30 };
	static const uint8_t reg_data = 0x80;
	uint8_t uid_rsp[4 + 27];
	struct ifxi2c_stats st;
	struct ifxi2c *c;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);

	/* the trace's opening idle poll is the tracer's, not the stack's */
	fake_write(w_openapp, sizeof(w_openapp), 0);
	fake_state(0xC8, 5);
	fake_write(&reg_data, 1, 0);
	fake_read(r_ack0, sizeof(r_ack0), 0);
	fake_state(0x48, 10);
	fake_write(&reg_data, 1, 0);
	fake_read(r_rsp0, sizeof(r_rsp0), 0);
	fake_write(w_ack0, sizeof(w_ack0), 0);

	uid_rsp[0] = 0x00;
	uid_rsp[1] = 0x00;
	uid_rsp[2] = 0x00;
	uid_rsp[3] = 27;
	for (int i = 0; i < 27; i++)
		uid_rsp[4 + i] = (uint8_t)(0xCD + i);
	fake_write(w_getuid, sizeof(w_getuid), 0);
	chip_pkt(0x05, 0x00, uid_rsp, sizeof(uid_rsp));
	fake_write(w_ack1, sizeof(w_ack1), 0);

	xfer_ok(c, openapp, sizeof(openapp));
	assert_int_equal(rsp_len, 4);
	assert_memory_equal(rsp, rsp_ok, 4);
	xfer_ok(c, get_uid, sizeof(get_uid));
	assert_int_equal(rsp_len, sizeof(uid_rsp));
	assert_memory_equal(rsp, uid_rsp, sizeof(uid_rsp));
	fake_done();

	/*
	 * open: RESYNC, 84 + read, 81 write, 81 + read = 6; then 4 frame
	 * writes and 3 polls each followed by a frame read: 4 + 3 * 4.
	 */
	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.transactions, 6 + 4 + 3 * 4);
	assert_int_equal(st.polls, 3);
	assert_int_equal(st.nacks, 0);
	assert_int_equal(st.retransmits, 0);
	assert_int_equal(st.resyncs, 1);
	assert_int_equal(st.naks_sent, 0);
	assert_int_equal(st.bytes, (6 + 1 + 4 + 3 + 1 + 2) +
	    (27 + (5 + 1 + 5) + (5 + 1 + 10) + 6) +
	    (17 + (5 + 1 + 37) + 6));
	assert_int_equal(fake.n_clocks, 2);
	assert_int_equal(fake.clocks[0], 100);
	assert_int_equal(fake.clocks[1], 400);
	ifxi2c_close(&c);
	assert_null(c);
}

/* A response with a bad FCS is NAKed and the chip offers it again. */
static void
test_bad_fcs_naked(void **state)
{
	uint8_t bad[16];
	size_t n;
	struct ifxi2c_stats st;
	struct ifxi2c *c;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	n = ifx_frame_encode(bad, sizeof(bad), 0x00, (const uint8_t[]){
	    0x00, 0x00, 0x00, 0x00, 0x00 }, 5);
	bad[n - 1] ^= 0x40;

	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	fake_chip_ctrl(0x80);
	fake_chip_bytes(bad, n);
	fake_host_ctrl(0xA0);		/* NAK for frame 0 */
	chip_pkt(0x00, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	xfer_ok(c, openapp, sizeof(openapp));
	assert_memory_equal(rsp, rsp_ok, 4);
	fake_done();
	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.naks_sent, 1);
	assert_int_equal(st.retransmits, 0);
	ifxi2c_close(&c);
}

/* The chip's ACK never shows: after 10 ms the frame goes again. */
static void
test_lost_ack_retransmit(void **state)
{
	struct ifxi2c_stats st;
	struct ifxi2c *c;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	fake_idle_any();
	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	chip_pkt(0x00, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	xfer_ok(c, openapp, sizeof(openapp));
	fake_done();
	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.retransmits, 1);
	assert_true(fake.idle_polls >= 2);
	ifxi2c_close(&c);
}

/* The chip repeats a frame we ACKed (our ACK was lost): ACK it again. */
static void
test_duplicate_reacked(void **state)
{
	struct ifxi2c *c;
	static const uint8_t rsp2[] = { 0x00, 0x00, 0x00, 0x01, 0x42 };

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	chip_pkt(0x00, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	host_pkt(0x04, 0x00, get_uid, sizeof(get_uid));
	chip_pkt(0x00, 0x00, rsp_ok, 4);	/* old frame 0 again */
	fake_host_ctrl(0x80);			/* re-ACK, discarded */
	fake_chip_ctrl(0x81);
	chip_pkt(0x05, 0x00, rsp2, sizeof(rsp2));
	fake_host_ctrl(0x81);

	xfer_ok(c, openapp, sizeof(openapp));
	xfer_ok(c, get_uid, sizeof(get_uid));
	assert_int_equal(rsp_len, sizeof(rsp2));
	assert_memory_equal(rsp, rsp2, sizeof(rsp2));
	fake_done();
	ifxi2c_close(&c);
}

/* Three retransmissions unanswered: RESYNC, then the frame as frame 0. */
static void
test_resync_after_three(void **state)
{
	static const uint8_t resync[] = { 0x80, 0xC0, 0x00, 0x00, 0x0A, 0x9A };
	struct ifxi2c_stats st0, st;
	struct ifxi2c *c;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	chip_pkt(0x00, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	for (int i = 0; i < 4; i++) {
		host_pkt(0x04, 0x00, get_uid, sizeof(get_uid));
		fake_idle_any();
	}
	fake_write(resync, sizeof(resync), 0);
	host_pkt(0x03, 0x00, get_uid, sizeof(get_uid));
	chip_pkt(0x00, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	xfer_ok(c, openapp, sizeof(openapp));
	ifxi2c_get_stats(c, &st0);
	xfer_ok(c, get_uid, sizeof(get_uid));
	fake_done();
	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.retransmits - st0.retransmits, 3);
	assert_int_equal(st.resyncs - st0.resyncs, 1);
	ifxi2c_close(&c);
}

/* 1557 bytes: 5 full packets of 271 and a last one of 202. */
static void
test_chained_command(void **state)
{
	static const uint8_t pctrs[] = { 0x01, 0x02, 0x02, 0x02, 0x02, 0x04 };
	static uint8_t apdu[APDU_MAX_LEN];
	struct ifxi2c *c;
	uint8_t frnr = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(apdu); i++)
		apdu[i] = (uint8_t)(i * 7 + 1);
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);

	for (size_t i = 0; i < 6; i++, frnr = (uint8_t)((frnr + 1) & 3)) {
		size_t off = i * 271;
		size_t n = i < 5 ? 271 : sizeof(apdu) - off;

		host_pkt(ifx_fctr_data(frnr, 3), pctrs[i], apdu + off, n);
		if (i < 5)
			fake_chip_ctrl(ifx_fctr_ack(frnr));
	}
	chip_pkt(ifx_fctr_data(0, 1), 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	xfer_ok(c, apdu, sizeof(apdu));
	fake_done();
	assert_int_equal(fake.n_data, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(fake.data_len[i], i < 5 ? 277 : 208);
		assert_int_equal(fake.data_pctr[i], pctrs[i]);
	}
	ifxi2c_close(&c);
}

/* A response of 600 bytes in three packets. */
static void
test_chained_response(void **state)
{
	static uint8_t big[600];
	struct ifxi2c *c;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ 0x5A);
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, get_uid, sizeof(get_uid));
	fake_chip_ctrl(0x80);
	chip_pkt(0x00, 0x01, big, 271);
	fake_host_ctrl(0x80);
	chip_pkt(0x04, 0x02, big + 271, 271);
	fake_host_ctrl(0x81);
	chip_pkt(0x08, 0x04, big + 542, 58);
	fake_host_ctrl(0x82);

	xfer_ok(c, get_uid, sizeof(get_uid));
	assert_int_equal(rsp_len, sizeof(big));
	assert_memory_equal(rsp, big, sizeof(big));
	fake_done();
	ifxi2c_close(&c);
}

/* The chip answers packet 2 with a chaining error: start over, once. */
static void
test_chain_error_from_chip(void **state)
{
	static const uint8_t err = 0x07;
	static uint8_t apdu[600];
	struct ifxi2c *c;

	(void)state;
	memset(apdu, 0x11, sizeof(apdu));
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);

	host_pkt(0x03, 0x01, apdu, 271);
	fake_chip_ctrl(0x80);
	host_pkt(0x07, 0x02, apdu + 271, 271);
	fake_chip_frame(0x01, &err, 1);		/* frame 0, acks 1 */
	fake_host_ctrl(0x80);
	host_pkt(0x08, 0x01, apdu, 271);	/* frame 2, acks 0 */
	fake_chip_ctrl(0x82);
	host_pkt(0x0C, 0x02, apdu + 271, 271);
	fake_chip_ctrl(0x83);
	host_pkt(0x00, 0x04, apdu + 542, 58);
	chip_pkt(0x04, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x81);

	xfer_ok(c, apdu, sizeof(apdu));
	assert_memory_equal(rsp, rsp_ok, 4);
	fake_done();
	ifxi2c_close(&c);
}

/* A second chaining error for the same command fails it. */
static void
test_chain_error_twice(void **state)
{
	static const uint8_t err = 0x07;
	struct ifxi2c *c;
	int r;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	fake_chip_frame(0x00, &err, 1);
	fake_host_ctrl(0x80);
	host_pkt(0x04, 0x00, openapp, sizeof(openapp));
	fake_chip_frame(0x05, &err, 1);
	fake_host_ctrl(0x81);

	r = xfer(c, openapp, sizeof(openapp));
	assert_int_equal(r, OP_RC(OP_LAYER_TL, OP_E_PROTOCOL));
	assert_non_null(strstr(op_errmsg(), "chaining error"));
	fake_done();
	ifxi2c_close(&c);
}

/* We see a broken chain: send 07 once, the chip sends it all again. */
static void
test_chain_error_to_chip(void **state)
{
	static uint8_t big[300];
	struct ifxi2c *c;

	(void)state;
	memset(big, 0x33, sizeof(big));
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, get_uid, sizeof(get_uid));
	chip_pkt(0x00, 0x01, big, 100);		/* first, but not full */
	fake_host_ctrl(0x80);
	host_pkt(0x04, 0x07, big, 0);		/* bare 07, frame 1 */
	fake_chip_ctrl(0x81);
	chip_pkt(0x05, 0x01, big, 271);
	fake_host_ctrl(0x81);
	chip_pkt(0x09, 0x04, big + 271, 29);
	fake_host_ctrl(0x82);

	xfer_ok(c, get_uid, sizeof(get_uid));
	assert_int_equal(rsp_len, 300);
	assert_memory_equal(rsp, big, 300);
	fake_done();
	ifxi2c_close(&c);
}

/* The chip NACKs its address while busy: retry every 1 ms. */
static void
test_address_nack_retry(void **state)
{
	uint8_t w[FAKE_BYTES_MAX], p[64];
	size_t n;
	struct ifxi2c_stats st;
	struct ifxi2c *c;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	w[0] = 0x80;
	n = ifx_frame_encode(w + 1, sizeof(w) - 1, 0x03, p,
	    pkt_of(0x00, openapp, sizeof(openapp), p));
	for (int i = 0; i < 5; i++)
		fake_write(w, n + 1, NACK);
	fake_write(w, n + 1, 0);
	chip_pkt(0x00, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	xfer_ok(c, openapp, sizeof(openapp));
	fake_done();
	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.nacks, 5);
	assert_int_equal(st.retransmits, 0);
	ifxi2c_close(&c);
}

/* Still NACKed after 200 retries: fatal for the physical layer. */
static void
test_address_nack_fatal(void **state)
{
	uint8_t w[FAKE_BYTES_MAX], p[64];
	size_t n;
	struct ifxi2c_stats st;
	struct ifxi2c *c;
	int r;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	w[0] = 0x80;
	n = ifx_frame_encode(w + 1, sizeof(w) - 1, 0x03, p,
	    pkt_of(0x00, openapp, sizeof(openapp), p));
	for (int i = 0; i < 201; i++)
		fake_write(w, n + 1, NACK);
	/* the stack tries one RESYNC before it reports */
	fake_write((const uint8_t[]){ 0x80, 0xC0, 0x00, 0x00, 0x0A, 0x9A }, 6,
	    0);

	r = xfer(c, openapp, sizeof(openapp));
	assert_int_equal(r, OP_RC(OP_LAYER_PL, OP_E_NACK));
	assert_non_null(strstr(op_errmsg(), "200 retries"));
	fake_done();
	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.nacks, 200);
	ifxi2c_close(&c);
}

/*
 * A bus that carries 56 bytes a transaction (what the FT260 backend
 * reports by default) gets the largest frame that fits: 55 bytes.
 */
static void
test_negotiate_ft260(void **state)
{
	static uint8_t apdu[100];
	struct ifxi2c *c;

	(void)state;
	memset(apdu, 0x42, sizeof(apdu));
	c = open_none(56, 55);

	/* 49 APDU bytes per packet */
	host_pkt(0x03, 0x01, apdu, 49);
	fake_chip_ctrl(0x80);
	host_pkt(0x07, 0x02, apdu + 49, 49);
	fake_chip_ctrl(0x81);
	host_pkt(0x0B, 0x04, apdu + 98, 2);
	chip_pkt(0x02, 0x00, rsp_ok, 4);
	fake_host_ctrl(0x80);

	xfer_ok(c, apdu, sizeof(apdu));
	fake_done();
	assert_int_equal(fake.data_len[0], 55);
	ifxi2c_close(&c);
}

/* The chip may lower DATA_REG_LEN, never raise it. */
static void
test_negotiate_readback(void **state)
{
	static const uint8_t r84 = 0x84, r81 = 0x81;
	static const uint8_t scl[4] = { 0x00, 0x00, 0x01, 0x90 };
	static const uint8_t w81[3] = { 0x81, 0x01, 0x15 };
	static const uint8_t lower[2] = { 0x00, 0x40 };
	static const uint8_t higher[2] = { 0x01, 0x16 };
	struct ifxi2c_cfg cfg = { .reset = IFXI2C_RESET_NONE };
	struct ifxi2c *c = NULL;

	(void)state;
	fake_host_ctrl(IFX_FCTR_RESYNC);
	fake_write(&r84, 1, 0);
	fake_read(scl, 4, 0);
	fake_write(w81, 3, 0);
	fake_write(&r81, 1, 0);
	fake_read(lower, 2, 0);
	assert_int_equal(ifxi2c_open(fake_bus_new(0), &cfg, &c), 0);
	assert_int_equal(ifxi2c_frame_size(c), 0x40);
	fake_done();
	ifxi2c_close(&c);

	fake_reset();
	fake_host_ctrl(IFX_FCTR_RESYNC);
	fake_write(&r84, 1, 0);
	fake_read(scl, 4, 0);
	fake_write(w81, 3, 0);
	fake_write(&r81, 1, 0);
	fake_read(higher, 2, 0);
	assert_int_equal(ifxi2c_open(fake_bus_new(0), &cfg, &c),
	    OP_RC(OP_LAYER_PL, OP_E_PROTOCOL));
	assert_null(c);
	assert_non_null(strstr(op_errmsg(), "DATA_REG_LEN"));
	fake_done();
}

/* Soft reset, then Fm+ asked for: I2C_MODE goes to Fm+ first. */
static void
test_soft_reset_fast_mode(void **state)
{
	static const uint8_t r82 = 0x82, r84 = 0x84, r81 = 0x81;
	static const uint8_t idle[4] = { 0x08, 0x80, 0x00, 0x00 };
	static const uint8_t w88[3] = { 0x88, 0x00, 0x00 };
	static const uint8_t scl400[4] = { 0x00, 0x00, 0x01, 0x90 };
	static const uint8_t scl1000[4] = { 0x00, 0x00, 0x03, 0xE8 };
	static const uint8_t w89[3] = { 0x89, 0x80, 0x04 };
	static const uint8_t w81[3] = { 0x81, 0x01, 0x15 };
	struct ifxi2c_cfg cfg = {
		.reset = IFXI2C_RESET_SOFT,
		.clock_khz = 1000,
	};
	struct ifxi2c *c = NULL;

	(void)state;
	fake_write(&r82, 1, 0);
	fake_read(idle, 4, 0);
	fake_write(w88, 3, 0);
	fake_write(&r84, 1, NACK);	/* still starting up */
	fake_write(&r84, 1, 0);
	fake_read(scl400, 4, 0);
	fake_write(w89, 3, 0);
	fake_write(&r84, 1, 0);
	fake_read(scl1000, 4, 0);
	fake_write(w81, 3, 0);
	fake_write(&r81, 1, 0);
	fake_read(w81 + 1, 2, 0);
	if (ifxi2c_open(fake_bus_new(0), &cfg, &c) != 0)
		fail_msg("open: %s", op_errmsg());
	fake_done();
	assert_int_equal(fake.n_clocks, 2);
	assert_int_equal(fake.clocks[1], 1000);
	ifxi2c_close(&c);
}

/* No SOFT_RESET bit in I2C_STATE: refuse, and close the bus. */
static void
test_soft_reset_unsupported(void **state)
{
	static const uint8_t r82 = 0x82;
	static const uint8_t st[4] = { 0x00, 0x00, 0x00, 0x00 };
	struct ifxi2c *c = NULL;

	(void)state;
	fake_write(&r82, 1, 0);
	fake_read(st, 4, 0);
	assert_int_equal(ifxi2c_open(fake_bus_new(0), NULL, &c),
	    OP_RC(OP_LAYER_PL, OP_E_UNSUPPORTED));
	assert_null(c);
	fake_done();
}

/* Nothing ever comes back: the caller's deadline ends it. */
static void
test_deadline(void **state)
{
	struct ifxi2c *c;
	uint64_t t0;
	int r;

	(void)state;
	c = open_none(0, IFX_FRAME_SIZE_DEFAULT);
	host_pkt(0x03, 0x00, openapp, sizeof(openapp));
	fake_chip_ctrl(0x80);
	fake_idle_any();
	fake_host_ctrl(IFX_FCTR_RESYNC);

	t0 = op_now_us();
	r = ifxi2c_transceive(c, openapp, sizeof(openapp), rsp, sizeof(rsp),
	    &rsp_len, op_deadline_in_ms(30));
	assert_int_equal(r, OP_RC(OP_LAYER_DL, OP_E_TIMEOUT));
	assert_true(op_now_us() - t0 < 200000);
	fake_done();
	ifxi2c_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_datasheet_trace, setup),
		cmocka_unit_test_setup(test_bad_fcs_naked, setup),
		cmocka_unit_test_setup(test_lost_ack_retransmit, setup),
		cmocka_unit_test_setup(test_duplicate_reacked, setup),
		cmocka_unit_test_setup(test_resync_after_three, setup),
		cmocka_unit_test_setup(test_chained_command, setup),
		cmocka_unit_test_setup(test_chained_response, setup),
		cmocka_unit_test_setup(test_chain_error_from_chip, setup),
		cmocka_unit_test_setup(test_chain_error_twice, setup),
		cmocka_unit_test_setup(test_chain_error_to_chip, setup),
		cmocka_unit_test_setup(test_address_nack_retry, setup),
		cmocka_unit_test_setup(test_address_nack_fatal, setup),
		cmocka_unit_test_setup(test_negotiate_ft260, setup),
		cmocka_unit_test_setup(test_negotiate_readback, setup),
		cmocka_unit_test_setup(test_soft_reset_fast_mode, setup),
		cmocka_unit_test_setup(test_soft_reset_unsupported, setup),
		cmocka_unit_test_setup(test_deadline, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
