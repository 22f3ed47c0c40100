/*
 * optiga-sim link side: register file, data link and transport, driven
 * through sim_vbus_handle() exactly as the socket server drives them,
 * with a test double of the chip side and a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/fcs.h"
#include "codec/frame.h"

#include "chip_double.h"
#include "dev.h"
#include "vbus.h"

static struct sim_dev *dev;
static uint8_t *rsp;
static uint64_t fake_now;

/* The OpenApplication frame of the datasheet trace, FCS included. */
static const uint8_t ds_open[] = {
	0x80, 0x03, 0x00, 0x15, 0x00, 0x70, 0x00, 0x00, 0x10, 0xd2, 0x76,
	0x00, 0x00, 0x04, 0x47, 0x65, 0x6e, 0x41, 0x75, 0x74, 0x68, 0x41,
	0x70, 0x70, 0x6c, 0x04, 0x1a,
};
/* GetDataObject(E0C2, 0, 0x64) as frame 1, and the host's ACKs. */
static const uint8_t ds_get_uid[] = {
	0x80, 0x04, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x00, 0x06, 0xe0, 0xc2,
	0x00, 0x00, 0x00, 0x64, 0xf0, 0x9f,
};
static const uint8_t ack0[] = { 0x80, 0x80, 0x00, 0x00, 0x0c, 0xec };
static const uint8_t ack1[] = { 0x80, 0x81, 0x00, 0x00, 0x56, 0x30 };
static const uint8_t resync[] = { 0x80, 0xc0, 0x00, 0x00, 0x0a, 0x9a };
/* The chip's answer to ds_open and its ACK control frame. */
static const uint8_t ds_open_rsp[] = {
	0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x87,
};
static const uint8_t ctl_ack0[] = { 0x80, 0x00, 0x00, 0x0c, 0xec };

static uint64_t
clock_now(void *ctx)
{
	(void)ctx;

	return fake_now;
}

static void
clock_sleep(void *ctx, uint64_t us)
{
	(void)ctx;
	fake_now += us;
}

static void
setup_dev(enum sim_product product, bool realtime, bool nack_busy)
{
	struct sim_opts o;

	sim_opts_default(&o);
	o.product = product;
	o.realtime = realtime;
	o.nack_busy = nack_busy;
	o.clock.now_us = clock_now;
	o.clock.sleep_us = clock_sleep;
	fake_now = 1000000;
	sim_dev_init(dev, &o, chip_double_reset());
}

static int
group_setup(void **state)
{
	(void)state;
	dev = calloc(1, sizeof(*dev));
	rsp = malloc(SIM_VBUS_RSP_MAX);

	return dev == NULL || rsp == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(dev);
	free(rsp);

	return 0;
}

/* Every test starts with a fresh Trust M3, fast mode. */
static int
setup(void **state)
{
	(void)state;
	setup_dev(SIM_TRUST_M3, false, false);

	return 0;
}

/* One request through the parser and the handler; payload in rsp + 3. */
static uint8_t
request(uint8_t type, uint8_t addr, const uint8_t *p, size_t n,
    size_t *plen)
{
	uint8_t *req = malloc(SIM_VBUS_HDR + n);
	struct sim_vbus_req r;
	size_t used, len;

	assert_non_null(req);
	req[0] = type;
	req[1] = addr;
	req[2] = (uint8_t)(n >> 8);
	req[3] = (uint8_t)n;
	if (n > 0)
		memcpy(req + SIM_VBUS_HDR, p, n);
	used = sim_vbus_parse(req, SIM_VBUS_HDR + n, &r);
	assert_int_equal(used, SIM_VBUS_HDR + n);
	len = sim_vbus_handle(dev, &r, rsp, SIM_VBUS_RSP_MAX);
	free(req);
	assert_true(len >= 3);
	if (plen != NULL)
		*plen = (size_t)rsp[1] << 8 | rsp[2];
	assert_int_equal(len, 3 + ((size_t)rsp[1] << 8 | rsp[2]));

	return rsp[0];
}

static void
wr(const uint8_t *buf, size_t n)
{
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, buf, n, NULL),
	    SIM_ST_ACK);
}

static void
rd(uint8_t *out, size_t n)
{
	uint8_t cnt[2] = { (uint8_t)(n >> 8), (uint8_t)n };
	size_t got;

	assert_int_equal(request(SIM_VBUS_READ, 0x30, cnt, 2, &got),
	    SIM_ST_ACK);
	assert_int_equal(got, n);
	memcpy(out, rsp + 3, n);
}

static void
rd_reg(uint8_t reg, uint8_t *out, size_t n)
{
	wr(&reg, 1);
	rd(out, n);
}

static void
expect_state(uint8_t b0, uint8_t b1, uint16_t len)
{
	uint8_t st[4];
	uint8_t want[4] = { b0, b1, (uint8_t)(len >> 8), (uint8_t)len };

	rd_reg(0x82, st, 4);
	assert_memory_equal(st, want, 4);
}

/* Read the pending frame (length from I2C_STATE) into out. */
static size_t
read_frame(uint8_t *out)
{
	uint8_t st[4];
	size_t len;

	rd_reg(0x82, st, 4);
	assert_true(st[0] & SIM_STATE_RESP_RDY);
	len = (size_t)st[2] << 8 | st[3];
	assert_true(len >= 5);
	rd_reg(0x80, out, len);

	return len;
}

static void
send_frame(uint8_t fctr, const uint8_t *pkt, size_t n)
{
	uint8_t buf[1 + 300];
	size_t len;

	buf[0] = 0x80;
	len = ifx_frame_encode(buf + 1, sizeof(buf) - 1, fctr, pkt, n);
	assert_true(len > 0);
	wr(buf, 1 + len);
}

static void
send_ctl(uint8_t fctr)
{
	send_frame(fctr, NULL, 0);
}

static void
expect_ctl(uint8_t fctr)
{
	uint8_t f[300], want[5];

	assert_int_equal(read_frame(f), 5);
	ifx_frame_encode(want, sizeof(want), fctr, NULL, 0);
	assert_memory_equal(f, want, 5);
}

/* Read a data frame, check it, return its packet in pkt. */
static size_t
expect_data(uint8_t fctr, uint8_t *pkt)
{
	uint8_t f[300];
	struct ifx_frame fr;
	size_t len = read_frame(f);

	assert_int_equal(ifx_frame_decode(f, len, &fr), IFX_FRAME_OK);
	assert_false(fr.control);
	assert_int_equal(fr.fctr, fctr);
	memcpy(pkt, fr.packet, fr.packet_len);

	return fr.packet_len;
}

static void
expect_nothing_pending(void)
{
	uint8_t d[8], ff[8];

	expect_state(0x08, 0x80, 0);
	memset(ff, 0xff, sizeof(ff));
	rd_reg(0x80, d, sizeof(d));
	assert_memory_equal(d, ff, sizeof(ff));
}

/*
 * The datasheet trace (fact sheet 2.5) byte for byte, with --realtime:
 * OpenApplication takes 8 ms (longer than the 5 ms piggyback limit), so
 * its ACK comes first as a control frame; GetDataObject takes 1 ms and
 * its response carries the ACK.
 */
static void
test_ds_trace_realtime(void **state)
{
	uint8_t f[64], want[64];

	(void)state;
	setup_dev(SIM_TRUST_M3, true, false);
	chipd.exec_open_us = 8000;
	chipd.exec_other_us = 1000;

	expect_state(0x08, 0x80, 0);
	wr(ds_open, sizeof(ds_open));
	expect_state(0xc8, 0x80, 5);
	rd_reg(0x80, f, 5);
	assert_memory_equal(f, ctl_ack0, 5);
	expect_state(0x88, 0x80, 0);
	fake_now += 8000;
	expect_state(0x48, 0x80, 10);
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	wr(ack0, sizeof(ack0));

	assert_int_equal(chipd.executed, 1);
	assert_int_equal(chipd.apdu_len, 0x14);
	assert_memory_equal(chipd.apdu, ds_open + 5, 0x14);

	wr(ds_get_uid, sizeof(ds_get_uid));
	fake_now += 1000;
	expect_state(0x48, 0x80, 0x25);
	rd_reg(0x80, f, 0x25);
	memcpy(want, "\x05\x00\x20\x00\x00\x00\x00\x1b", 8);
	memcpy(want + 8, chip_double_uid(), 27);
	want[35] = (uint8_t)(ifx_fcs(want, 35) >> 8);
	want[36] = (uint8_t)ifx_fcs(want, 35);
	assert_memory_equal(f, want, 0x25);
	wr(ack1, sizeof(ack1));

	assert_int_equal(chipd.executed, 2);
	expect_nothing_pending();
}

/* The same exchange as fast as possible: every ACK is piggybacked. */
static void
test_ds_trace_fast(void **state)
{
	uint8_t f[64];

	(void)state;
	expect_state(0x08, 0x80, 0);
	wr(ds_open, sizeof(ds_open));
	expect_state(0x48, 0x80, 10);
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	wr(ack0, sizeof(ack0));
	wr(ds_get_uid, sizeof(ds_get_uid));
	expect_state(0x48, 0x80, 0x25);
	rd_reg(0x80, f, 0x25);
	assert_memory_equal(f, "\x05\x00\x20\x00\x00\x00\x00\x1b", 8);
	wr(ack1, sizeof(ack1));
	expect_nothing_pending();
}

static void
test_trust_x_idle(void **state)
{
	(void)state;
	setup_dev(SIM_TRUST_X, false, false);
	expect_state(0x08, 0x00, 0);
}

/* [Z] starts with FCTR 0x00 instead of 0x03: accepted too. */
static void
test_first_fctr_zero(void **state)
{
	uint8_t pkt[300];

	(void)state;
	send_frame(0x00, ds_open + 4, 0x15);
	assert_int_equal(expect_data(0x00, pkt), 5);
	assert_int_equal(chipd.executed, 1);
}

static void
test_duplicate_not_executed(void **state)
{
	uint8_t f[64];

	(void)state;
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);

	/* Our response was lost: the host sends frame 0 again. */
	wr(ds_open, sizeof(ds_open));
	expect_state(0x48, 0x80, 10);
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	assert_int_equal(chipd.executed, 1);

	/* After the ACK a late duplicate only gets a re-ACK. */
	wr(ack0, sizeof(ack0));
	wr(ds_open, sizeof(ds_open));
	expect_ctl(0x80);
	assert_int_equal(chipd.executed, 1);
	expect_nothing_pending();
}

static void
test_bad_fcs_nak(void **state)
{
	uint8_t bad[sizeof(ds_open)], f[64];

	(void)state;
	memcpy(bad, ds_open, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 0x01;
	wr(bad, sizeof(bad));
	expect_state(0x48, 0x80, 5);
	rd_reg(0x80, f, 5);
	assert_memory_equal(f, "\xa0\x00\x00\x0f\xd7", 5);
	assert_int_equal(chipd.executed, 0);

	/* A wrong LEN is NAKed the same way. */
	bad[sizeof(bad) - 1] ^= 0x01;
	bad[3] = 0x14;
	wr(bad, sizeof(bad));
	expect_ctl(0xa0);
	assert_int_equal(chipd.executed, 0);

	/* The retransmission goes through. */
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	assert_int_equal(chipd.executed, 1);
}

/* A control frame of the wrong size is discarded without an answer. */
static void
test_bad_control_discarded(void **state)
{
	static const uint8_t longctl[] = { 0x80, 0x80, 0x00, 0x01, 0x00,
	    0x00, 0x00 };

	(void)state;
	wr(longctl, sizeof(longctl));
	expect_nothing_pending();
}

static void
test_host_nak_reoffers(void **state)
{
	uint8_t f[64];

	(void)state;
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	expect_state(0x08, 0x80, 0);
	send_ctl(0xa0);
	expect_state(0x48, 0x80, 10);
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	/* A NAK for a frame we never sent is ignored. */
	send_ctl(0xa2);
	expect_state(0x08, 0x80, 0);
	assert_int_equal(chipd.executed, 1);
}

/* Unacknowledged for TRANS_TIMEOUT: offered again. */
static void
test_trans_timeout_reoffers(void **state)
{
	uint8_t f[64];

	(void)state;
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	expect_state(0x08, 0x80, 0);
	fake_now += SIM_TRANS_TIMEOUT_US;
	expect_state(0x48, 0x80, 10);
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
}

static void
test_resync(void **state)
{
	uint8_t f[64], pkt[300];
	uint8_t first[272];

	(void)state;
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	wr(ack0, sizeof(ack0));
	wr(ds_get_uid, sizeof(ds_get_uid));
	rd_reg(0x80, f, 0x25);
	wr(ack1, sizeof(ack1));
	assert_int_equal(chipd.executed, 2);

	/* After RESYNC frame 0 is new again, and so is our numbering. */
	wr(resync, sizeof(resync));
	expect_nothing_pending();
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	assert_int_equal(chipd.executed, 3);
	wr(ack0, sizeof(ack0));

	/* RESYNC drops a partial chain: its last packet is then an error. */
	memset(first, 0x5a, sizeof(first));
	first[0] = 0x01;
	send_frame(ifx_fctr_data(1, 0), first, sizeof(first));
	expect_ctl(0x81);
	wr(resync, sizeof(resync));
	first[0] = 0x04;
	send_frame(ifx_fctr_data(0, 3), first, 10);
	assert_int_equal(expect_data(ifx_fctr_data(0, 0), pkt), 1);
	assert_int_equal(pkt[0], 0x07);
	assert_int_equal(chipd.executed, 3);
}

/* Fact sheet 3.2 worked example: a 1557-byte SetDataObject. */
static void
test_chained_command_1557(void **state)
{
	static uint8_t apdu[1557];
	uint8_t pkt[300], want_pctr[] = { 1, 2, 2, 2, 2, 4 };
	size_t off = 0;

	(void)state;
	memcpy(apdu, "\x82\x40\x06\x11\xe0\xe1\x00\x00", 8);
	for (size_t i = 8; i < sizeof(apdu); i++)
		apdu[i] = (uint8_t)(i * 7);

	for (int i = 0; i < 6; i++) {
		size_t n = sizeof(apdu) - off < 271 ? sizeof(apdu) - off : 271;

		pkt[0] = want_pctr[i];
		memcpy(pkt + 1, apdu + off, n);
		off += n;
		send_frame(ifx_fctr_data(i, 3), pkt, n + 1);
		if (i < 5) {
			assert_int_equal(n + 6, 277);
			expect_ctl(ifx_fctr_ack(i));
			assert_int_equal(chipd.executed, 0);
		} else {
			assert_int_equal(n + 6, 208);
		}
	}

	/* frame 5 (host numbering wraps: 0 1 2 3 0 1) answered */
	assert_int_equal(expect_data(ifx_fctr_data(0, 1), pkt), 5);
	assert_int_equal(chipd.executed, 1);
	assert_int_equal(chipd.apdu_len, sizeof(apdu));
	assert_memory_equal(chipd.apdu, apdu, sizeof(apdu));
}

static void
fill_canned(uint8_t *buf, size_t n)
{
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (uint8_t)((n - 4) >> 8);
	buf[3] = (uint8_t)(n - 4);
	for (size_t i = 4; i < n; i++)
		buf[i] = (uint8_t)(i ^ (i >> 8));
	chipd.canned = buf;
	chipd.canned_len = n;
}

/* Receive a chained response; returns its length. */
static size_t
collect_response(uint8_t *out, uint8_t first_frnr, uint8_t acknr,
    size_t frag, size_t nfrag)
{
	uint8_t pkt[300];
	size_t off = 0, n;

	for (size_t i = 0; i < nfrag; i++) {
		uint8_t frnr = (uint8_t)((first_frnr + i) & 3);
		uint8_t want = nfrag == 1 ? 0 : i == 0 ? 1 :
		    i + 1 == nfrag ? 4 : 2;

		n = expect_data(ifx_fctr_data(frnr, acknr), pkt);
		assert_int_equal(pkt[0], want);
		if (i + 1 < nfrag)
			assert_int_equal(n, frag + 1);
		memcpy(out + off, pkt + 1, n - 1);
		off += n - 1;
		send_ctl(ifx_fctr_ack(frnr));
	}

	return off;
}

static void
test_chained_response(void **state)
{
	static uint8_t canned[1000], got[1100];
	static const uint8_t cmd[] = { 0x00, 0x81, 0x00, 0x00, 0x06, 0xe0,
	    0xe0, 0x00, 0x00, 0x03, 0xe8 };

	(void)state;
	fill_canned(canned, sizeof(canned));
	send_frame(0x03, cmd, sizeof(cmd));
	/* 1000 = 3 x 271 + 187 */
	assert_int_equal(collect_response(got, 0, 0, 271, 4), 1000);
	assert_memory_equal(got, canned, 1000);
	expect_nothing_pending();
}

/* With a 55-byte frame (FT260 builds) packets carry 49 bytes. */
static void
test_chained_response_small_frame(void **state)
{
	static uint8_t canned[200], got[300];
	static const uint8_t cmd[] = { 0x00, 0x81, 0x00, 0x00, 0x02, 0xe0,
	    0xe0 };
	static const uint8_t len55[] = { 0x81, 0x00, 0x37 };

	(void)state;
	wr(len55, sizeof(len55));
	fill_canned(canned, sizeof(canned));
	send_frame(0x03, cmd, sizeof(cmd));
	/* 200 = 4 x 49 + 4 */
	assert_int_equal(collect_response(got, 0, 0, 49, 5), 200);
	assert_memory_equal(got, canned, 200);
}

/* The host saw our chain broken and sends 07: resend from the start. */
static void
test_chain_resend_on_07(void **state)
{
	static uint8_t canned[600];
	static const uint8_t cmd[] = { 0x00, 0x81, 0x00, 0x00, 0x02, 0xe0,
	    0xe0 };
	uint8_t pkt[300], err = 0x07;

	(void)state;
	fill_canned(canned, sizeof(canned));
	send_frame(0x03, cmd, sizeof(cmd));
	assert_int_equal(expect_data(0x00, pkt), 272);
	assert_int_equal(pkt[0], 0x01);
	send_ctl(0x80);
	assert_int_equal(expect_data(0x04, pkt), 272);
	assert_int_equal(pkt[0], 0x02);

	send_frame(ifx_fctr_data(1, 1), &err, 1);
	/* the whole response again, our frames 2, 3, 0; ACKNR 1 */
	assert_int_equal(expect_data(ifx_fctr_data(2, 1), pkt), 272);
	assert_int_equal(pkt[0], 0x01);
	assert_memory_equal(pkt + 1, canned, 271);
	send_ctl(0x82);
	assert_int_equal(expect_data(ifx_fctr_data(3, 1), pkt), 272);
	assert_int_equal(pkt[0], 0x02);
	send_ctl(0x83);
	assert_int_equal(expect_data(ifx_fctr_data(0, 1), pkt), 59);
	assert_int_equal(pkt[0], 0x04);
	send_ctl(0x80);
	expect_nothing_pending();
	assert_int_equal(chipd.executed, 1);
}

static void
test_chaining_errors(void **state)
{
	uint8_t pkt[300];

	(void)state;
	memset(pkt, 0x11, sizeof(pkt));

	/* first packet full size, then a short intermediate one */
	pkt[0] = 0x01;
	send_frame(0x03, pkt, 272);
	expect_ctl(0x80);
	pkt[0] = 0x02;
	send_frame(0x07, pkt, 100);
	assert_int_equal(expect_data(0x01, pkt), 1);
	assert_int_equal(pkt[0], 0x07);
	send_ctl(0x80);

	/* a first packet that is not full size */
	memset(pkt, 0x11, sizeof(pkt));
	pkt[0] = 0x01;
	send_frame(ifx_fctr_data(2, 0), pkt, 200);
	assert_int_equal(expect_data(ifx_fctr_data(1, 2), pkt), 1);
	assert_int_equal(pkt[0], 0x07);
	send_ctl(0x81);

	/* a last packet with no chain open */
	memset(pkt, 0x11, sizeof(pkt));
	pkt[0] = 0x04;
	send_frame(ifx_fctr_data(3, 1), pkt, 20);
	assert_int_equal(expect_data(ifx_fctr_data(2, 3), pkt), 1);
	assert_int_equal(pkt[0], 0x07);
	send_ctl(0x82);

	assert_int_equal(chipd.executed, 0);
	expect_nothing_pending();
}

/*
 * PRESENCE with SCTR 20 (nothing protected) works without a session
 * (fact sheet 4.6); the response frame is the fact sheet's 2.3 example.
 * Anything else of the presentation layer gets a fatal alert for now.
 */
static void
test_presence_plain_record(void **state)
{
	static const uint8_t want[] = { 0x00, 0x00, 0x06, 0x08, 0x20, 0x00,
	    0x00, 0x00, 0x00, 0x19, 0x04 };
	static const uint8_t hello[] = { 0x08, 0x00, 0x01 };
	uint8_t pkt[300], f[16];

	(void)state;
	pkt[0] = 0x08;
	pkt[1] = 0x20;
	memcpy(pkt + 2, ds_open + 5, 0x14);
	send_frame(0x03, pkt, 0x16);
	expect_state(0x48, 0x80, sizeof(want));
	rd_reg(0x80, f, sizeof(want));
	assert_memory_equal(f, want, sizeof(want));
	assert_int_equal(chipd.apdu_len, 0x14);
	assert_memory_equal(chipd.apdu, ds_open + 5, 0x14);
	send_ctl(0x80);

	send_frame(ifx_fctr_data(1, 0), hello, sizeof(hello));
	assert_int_equal(expect_data(ifx_fctr_data(1, 1), pkt), 2);
	assert_memory_equal(pkt, "\x08\x40", 2);
	assert_int_equal(chipd.executed, 1);
}

static void
expect_reg16(uint8_t reg, uint16_t v)
{
	uint8_t b[2];

	rd_reg(reg, b, 2);
	assert_int_equal((b[0] << 8) | b[1], v);
}

static void
test_data_reg_len(void **state)
{
	static const uint8_t w37[] = { 0x81, 0x00, 0x37 };
	static const uint8_t wbig[] = { 0x81, 0xff, 0xff };
	static const uint8_t wsmall[] = { 0x81, 0x00, 0x0f };
	static const uint8_t w10[] = { 0x81, 0x00, 0x10 };
	static const uint8_t wlong[] = { 0x81, 0x00, 0x20, 0x00 };
	static const uint8_t soft[] = { 0x88, 0x00, 0x00 };
	uint8_t pkt[300];

	(void)state;
	expect_reg16(0x81, 0x0115);
	wr(w37, sizeof(w37));
	expect_reg16(0x81, 0x0037);
	wr(wbig, sizeof(wbig));
	expect_reg16(0x81, 0x0115);
	wr(w37, sizeof(w37));
	wr(wsmall, sizeof(wsmall));
	expect_reg16(0x81, 0x0037);
	wr(w10, sizeof(w10));
	expect_reg16(0x81, 0x0010);
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, wlong, sizeof(wlong),
	    NULL), SIM_ST_NACK_DATA);
	expect_reg16(0x81, 0x0010);

	/* A frame longer than DATA_REG_LEN: data NACK and a NAK. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 0x03;
	pkt[3] = 12;
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, pkt, 1 + 17, NULL),
	    SIM_ST_NACK_DATA);
	expect_ctl(0xa0);

	/* Every reset brings the default back. */
	wr(soft, sizeof(soft));
	fake_now += SIM_STARTUP_US;
	expect_reg16(0x81, 0x0115);
}

static void
test_soft_reset(void **state)
{
	static const uint8_t soft[] = { 0x88, 0x00, 0x00 };
	static const uint8_t sel[] = { 0x82 };
	uint8_t f[64];
	size_t n;

	(void)state;
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	wr(ack0, sizeof(ack0));
	wr(ds_get_uid, sizeof(ds_get_uid));

	wr(soft, sizeof(soft));
	assert_int_equal(chipd.resets, 1);
	/* start-up: the address is NACKed for a few ms */
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	assert_int_equal(request(SIM_VBUS_READ, 0x30,
	    (const uint8_t *)"\x00\x04", 2, &n), SIM_ST_NACK_ADDR);
	assert_int_equal(n, 0);
	fake_now += SIM_STARTUP_US - 1;
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	fake_now += 1;

	/* the pending response is gone; frame 0 is new again */
	expect_nothing_pending();
	wr(ds_open, sizeof(ds_open));
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
	assert_int_equal(chipd.executed, 3);
}

static void
test_reset_and_power(void **state)
{
	static const uint8_t sel[] = { 0x82 };
	uint8_t v;

	(void)state;
	v = 2;
	assert_int_equal(request(SIM_VBUS_RESET, 0, &v, 1, NULL), SIM_ST_ACK);
	assert_int_equal(chipd.resets, 1);
	fake_now += SIM_STARTUP_US;
	wr(sel, 1);

	v = 0;
	assert_int_equal(request(SIM_VBUS_POWER, 0, &v, 1, NULL), SIM_ST_ACK);
	fake_now += 1000000;
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	v = 1;
	assert_int_equal(request(SIM_VBUS_POWER, 0, &v, 1, NULL), SIM_ST_ACK);
	assert_int_equal(chipd.resets, 2);
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	fake_now += SIM_STARTUP_US;
	expect_state(0x08, 0x80, 0);

	/* cold reset from power off turns it on */
	v = 0;
	request(SIM_VBUS_POWER, 0, &v, 1, NULL);
	assert_int_equal(request(SIM_VBUS_RESET, 0, &v, 1, NULL), SIM_ST_ACK);
	fake_now += SIM_STARTUP_US;
	expect_state(0x08, 0x80, 0);
	assert_int_equal(chipd.resets, 3);
}

static void
test_unimplemented_registers(void **state)
{
	static const uint8_t regs[] = { 0x00, 0x83, 0x87, 0x88, 0x90, 0x9f,
	    0xa0, 0xa1, 0xff };
	uint8_t b[8], ff[8];

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	for (size_t i = 0; i < sizeof(regs); i++) {
		rd_reg(regs[i], b, 4);
		assert_memory_equal(b, ff, 4);
	}

	/* past the end of a register */
	rd_reg(0x82, b, 8);
	assert_memory_equal(b, "\x08\x80\x00\x00", 4);
	assert_memory_equal(b + 4, ff, 4);
	rd_reg(0x81, b, 4);
	assert_memory_equal(b, "\x01\x15\xff\xff", 4);

	/* DATA with nothing pending */
	rd_reg(0x80, b, 8);
	assert_memory_equal(b, ff, 8);

	/* a write to a read-only register is NACKed on its data */
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30,
	    (const uint8_t *)"\x82\x00", 2, NULL), SIM_ST_NACK_DATA);
}

static void
test_other_registers(void **state)
{
	static const uint8_t fmplus[] = { 0x89, 0x80, 0x04 };
	static const uint8_t smfm[] = { 0x89, 0x00, 0x03 };
	static const uint8_t addr[] = { 0x83, 0x00, 0x31 };
	static const uint8_t sel[] = { 0x82 };
	uint8_t b[4];
	uint8_t v = 2;

	(void)state;
	rd_reg(0x84, b, 4);
	assert_memory_equal(b, "\x00\x00\x01\x90", 4);
	rd_reg(0x85, b, 4);
	assert_memory_equal(b, "\x00\x00\x00\x32", 4);
	rd_reg(0x86, b, 4);
	assert_memory_equal(b, "\x00\x00\x00\x0a", 4);
	expect_reg16(0x89, 0x0003);

	wr(fmplus, sizeof(fmplus));
	expect_reg16(0x89, 0x0004);
	rd_reg(0x84, b, 4);
	assert_memory_equal(b, "\x00\x00\x03\xe8", 4);
	/* persistent: survives a reset; a volatile change does not */
	wr(smfm, sizeof(smfm));
	expect_reg16(0x89, 0x0003);
	request(SIM_VBUS_RESET, 0, &v, 1, NULL);
	fake_now += SIM_STARTUP_US;
	expect_reg16(0x89, 0x0004);

	/* BASE_ADDR (volatile): the chip answers at 0x31 until a reset */
	wr(addr, sizeof(addr));
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	assert_int_equal(request(SIM_VBUS_WRITE, 0x31, sel, 1, NULL),
	    SIM_ST_ACK);
	request(SIM_VBUS_RESET, 0, &v, 1, NULL);
	fake_now += SIM_STARTUP_US;
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_ACK);
}

static void
test_vbus_malformed(void **state)
{
	static const uint8_t zero2[] = { 0, 0 };
	struct sim_vbus_req r;
	uint8_t v;
	size_t n;

	(void)state;
	assert_int_equal(request(0x03, 0, NULL, 0, &n), SIM_ST_MALFORMED);
	assert_int_equal(request(0xff, 0x30, zero2, 2, &n), SIM_ST_MALFORMED);
	assert_int_equal(request(SIM_VBUS_HELLO, 0, zero2, 1, &n),
	    SIM_ST_MALFORMED);
	assert_int_equal(request(SIM_VBUS_READ, 0x30, zero2, 1, &n),
	    SIM_ST_MALFORMED);
	v = 1;
	assert_int_equal(request(SIM_VBUS_RESET, 0, &v, 1, &n),
	    SIM_ST_MALFORMED);
	v = 2;
	assert_int_equal(request(SIM_VBUS_POWER, 0, &v, 1, &n),
	    SIM_ST_MALFORMED);
	assert_int_equal(request(SIM_VBUS_CLOCK, 0, zero2, 2, &n),
	    SIM_ST_MALFORMED);
	assert_int_equal(request(SIM_VBUS_STATS, 0, zero2, 1, &n),
	    SIM_ST_MALFORMED);
	assert_int_equal(chipd.resets, 0);

	/* partial requests are not parsed yet */
	assert_int_equal(sim_vbus_parse((const uint8_t *)"\x01\x30\x00", 3,
	    &r), 0);
	assert_int_equal(sim_vbus_parse((const uint8_t *)"\x01\x30\x00\x02"
	    "\x82", 5, &r), 0);
	assert_int_equal(sim_vbus_parse((const uint8_t *)"\x01\x30\x00\x01"
	    "\x82\x99", 6, &r), 5);

	assert_int_equal(request(SIM_VBUS_HELLO, 0, NULL, 0, &n), SIM_ST_ACK);
	assert_int_equal(n, strlen("optiga-sim 1 trust-m3"));
	assert_memory_equal(rsp + 3, "optiga-sim 1 trust-m3", n);
	assert_int_equal(request(SIM_VBUS_CLOCK, 0,
	    (const uint8_t *)"\x00\x64", 2, &n), SIM_ST_ACK);
	assert_int_equal(dev->clock_khz, 100);
	/* a zero-length WRITE is an address probe */
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, NULL, 0, &n),
	    SIM_ST_ACK);
	assert_int_equal(request(SIM_VBUS_WRITE, 0x29, NULL, 0, &n),
	    SIM_ST_NACK_ADDR);
}

static void
test_stats(void **state)
{
	char json[2048];
	uint8_t f[10];
	size_t n;

	(void)state;
	expect_state(0x08, 0x80, 0);			/* 2 link */
	wr(ds_open, sizeof(ds_open));			/* 1 */
	expect_state(0x48, 0x80, 10);			/* 2 */
	rd_reg(0x80, f, 10);				/* 2 */
	wr(ack0, sizeof(ack0));				/* 1 */
	expect_state(0x08, 0x80, 0);			/* 2 link */

	assert_int_equal(request(SIM_VBUS_STATS, 0, NULL, 0, &n), SIM_ST_ACK);
	assert_true(n < sizeof(json));
	memcpy(json, rsp + 3, n);
	json[n] = '\0';
	/* link 1 + 4 twice; the command 27 + 1 + 4 + 1 + 10 + 6 */
	assert_non_null(strstr(json, "\"total\": {\"transactions\": 10, "
	    "\"bytes\": 59, \"nacks\": 0}"));
	assert_non_null(strstr(json, "\"link\": {\"transactions\": 4, "
	    "\"bytes\": 10}"));
	assert_non_null(strstr(json, "\"OpenApplication\": {\"count\": 1, "
	    "\"transactions\": 6, \"bytes\": 49}"));

	assert_int_equal(request(SIM_VBUS_STATS_RESET, 0, NULL, 0, &n),
	    SIM_ST_ACK);
	request(SIM_VBUS_STATS, 0, NULL, 0, &n);
	memcpy(json, rsp + 3, n);
	json[n] = '\0';
	assert_non_null(strstr(json, "\"transactions\": 0"));
	assert_null(strstr(json, "OpenApplication"));
}

/* --realtime --nack-busy: the address is NACKed while executing. */
static void
test_realtime_nack_busy(void **state)
{
	static const uint8_t sel[] = { 0x82 };
	uint64_t t0;
	uint8_t f[16];

	(void)state;
	setup_dev(SIM_TRUST_M3, true, true);
	chipd.exec_open_us = 30000;
	t0 = fake_now;
	wr(ds_open, sizeof(ds_open));
	/* 27 data bytes + address = 28 x 9 + 2 bits at 400 kHz */
	assert_int_equal(fake_now - t0, (28 * 9 + 2) * 1000 / 400);
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	fake_now += 29000;
	assert_int_equal(request(SIM_VBUS_WRITE, 0x30, sel, 1, NULL),
	    SIM_ST_NACK_ADDR);
	fake_now += 1000;
	/* busy over: the ACK control frame first, then the response */
	expect_ctl(0x80);
	rd_reg(0x80, f, 10);
	assert_memory_equal(f, ds_open_rsp, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ds_trace_realtime, setup),
		cmocka_unit_test_setup(test_ds_trace_fast, setup),
		cmocka_unit_test_setup(test_trust_x_idle, setup),
		cmocka_unit_test_setup(test_first_fctr_zero, setup),
		cmocka_unit_test_setup(test_duplicate_not_executed, setup),
		cmocka_unit_test_setup(test_bad_fcs_nak, setup),
		cmocka_unit_test_setup(test_bad_control_discarded, setup),
		cmocka_unit_test_setup(test_host_nak_reoffers, setup),
		cmocka_unit_test_setup(test_trans_timeout_reoffers, setup),
		cmocka_unit_test_setup(test_resync, setup),
		cmocka_unit_test_setup(test_chained_command_1557, setup),
		cmocka_unit_test_setup(test_chained_response, setup),
		cmocka_unit_test_setup(test_chained_response_small_frame,
		    setup),
		cmocka_unit_test_setup(test_chain_resend_on_07, setup),
		cmocka_unit_test_setup(test_chaining_errors, setup),
		cmocka_unit_test_setup(test_presence_plain_record, setup),
		cmocka_unit_test_setup(test_data_reg_len, setup),
		cmocka_unit_test_setup(test_soft_reset, setup),
		cmocka_unit_test_setup(test_reset_and_power, setup),
		cmocka_unit_test_setup(test_unimplemented_registers, setup),
		cmocka_unit_test_setup(test_other_registers, setup),
		cmocka_unit_test_setup(test_vbus_malformed, setup),
		cmocka_unit_test_setup(test_stats, setup),
		cmocka_unit_test_setup(test_realtime_nack_busy, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
