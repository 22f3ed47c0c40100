/*
 * The host stack against the real optiga-sim: open with a soft reset,
 * OpenApplication, a UID read, a 1557-byte chained write read back as a
 * chained response; at 277- and 55-byte frames, fast and --realtime.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
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
#include "codec/tlv.h"
#include "ifxi2c/ifxi2c.h"
#include "util/err.h"

struct sim {
	char dir[64];
	char sock[128];
	char state[128];
	pid_t pid;
};

static const uint8_t openapp[] = {
	0xF0, 0x00, 0x00, 0x10, 0xD2, 0x76, 0x00, 0x00, 0x04, 0x47, 0x65,
	0x6E, 0x41, 0x75, 0x74, 0x68, 0x41, 0x70, 0x70, 0x6C
};
static const uint8_t get_uid[] = {
	0x81, 0x00, 0x00, 0x06, 0xE0, 0xC2, 0x00, 0x00, 0x00, 0x64
};

#ifndef UID_READS
#define UID_READS	20
#endif

static uint8_t rsp[APDU_MAX_LEN];
static size_t rsp_len;

static void
sim_start(struct sim *s, const char *extra, const char *extra2)
{
	struct stat sb;

	snprintf(s->dir, sizeof(s->dir), "/tmp/op-h1-sim.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->sock, sizeof(s->sock), "%s/chip.sock", s->dir);
	snprintf(s->state, sizeof(s->state), "%s/chip.state", s->dir);

	if ((s->pid = fork()) == 0) {
		/* a failed test longjmps past sim_stop(): die with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(OPTIGA_SIM, OPTIGA_SIM, "--state", s->state, "--socket",
		    s->sock, extra, extra2, (char *)NULL);
		_exit(127);
	}
	assert_true(s->pid > 0);
	for (int i = 0; i < 200 && stat(s->sock, &sb) != 0; i++)
		usleep(10000);
	assert_int_equal(stat(s->sock, &sb), 0);
}

static void
sim_stop(struct sim *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	unlink(s->sock);
	unlink(s->state);
	rmdir(s->dir);
}

static struct sim the_sim;

static int
teardown(void **state)
{
	(void)state;
	sim_stop(&the_sim);

	return 0;
}

static struct ifxi2c *
open_stack(const struct sim *s, unsigned frame_size)
{
	struct ifxi2c_cfg cfg = {
		.frame_size = frame_size,
		.reset = IFXI2C_RESET_SOFT,
	};
	char uri[160];
	struct bus *b = NULL;
	struct ifxi2c *c = NULL;

	snprintf(uri, sizeof(uri), "sim:%s", s->sock);
	if (bus_open(uri, &b) != 0 || ifxi2c_open(b, &cfg, &c) != 0)
		fail_msg("open: %s", op_errmsg());

	return c;
}

static void
xfer_ok(struct ifxi2c *c, const uint8_t *apdu, size_t len)
{
	if (ifxi2c_transceive(c, apdu, len, rsp, sizeof(rsp), &rsp_len,
	    op_deadline_in_ms(10000)) != 0)
		fail_msg("transceive %02x: %s", apdu[0], op_errmsg());
	if (rsp_len < 4 || rsp[0] != 0x00)
		fail_msg("command %02x refused: %02x (%zu bytes)", apdu[0],
		    rsp_len ? rsp[0] : 0, rsp_len);
}

static void
session(const struct sim *s, unsigned frame_size)
{
	static uint8_t wr[APDU_MAX_LEN];
	uint8_t rd[10] = { 0x81, 0x00, 0x00, 0x06, 0xE0, 0xE1 };
	struct ifxi2c_stats st;
	struct ifxi2c *c;
	size_t data = APDU_MAX_LEN - 8;

	c = open_stack(s, frame_size);
	assert_int_equal(ifxi2c_frame_size(c), frame_size);
	xfer_ok(c, openapp, sizeof(openapp));
	assert_int_equal(rsp_len, 4);
	xfer_ok(c, get_uid, sizeof(get_uid));
	assert_int_equal(rsp_len, 4 + 27);
	assert_int_equal(rd16(rsp + 2), 27);

	/* SetDataObject, erase and write, E0E1 from offset 0 */
	wr[0] = 0x82;
	wr[1] = 0x40;
	wr[2] = (uint8_t)((data + 4) >> 8);
	wr[3] = (uint8_t)(data + 4);
	wr[4] = 0xE0;
	wr[5] = 0xE1;
	wr[6] = 0x00;
	wr[7] = 0x00;
	for (size_t i = 0; i < data; i++)
		wr[8 + i] = (uint8_t)(i * 13 + frame_size);
	xfer_ok(c, wr, sizeof(wr));

	/* read it back: a chained response */
	rd[8] = (uint8_t)(data >> 8);
	rd[9] = (uint8_t)data;
	xfer_ok(c, rd, sizeof(rd));
	assert_int_equal(rsp_len, 4 + data);
	assert_memory_equal(rsp + 4, wr + 8, data);

	ifxi2c_get_stats(c, &st);
	assert_int_equal(st.retransmits, 0);
	assert_int_equal(st.resyncs, 0);
	assert_int_equal(st.naks_sent, 0);
	print_message("frame %u: %llu transactions, %llu bytes, %llu polls, "
	    "%llu NACKs\n", frame_size, (unsigned long long)st.transactions,
	    (unsigned long long)st.bytes, (unsigned long long)st.polls,
	    (unsigned long long)st.nacks);
	ifxi2c_close(&c);
}

static void
test_sim_fast(void **state)
{
	struct sim *s = &the_sim;

	(void)state;
	sim_start(s, NULL, NULL);
	session(s, 277);
	session(s, 55);
}

static void
test_sim_realtime(void **state)
{
	struct ifxi2c_stats st0, st;
	struct ifxi2c *c;
	struct sim *s = &the_sim;
	uint64_t t0;

	(void)state;
	sim_start(s, "--realtime", NULL);
	t0 = op_now_us();
	session(s, 277);
	print_message("realtime session: %llu ms\n",
	    (unsigned long long)(op_now_us() - t0) / 1000);

	/* short commands, where the polling pattern shows */
	c = open_stack(s, 277);
	xfer_ok(c, openapp, sizeof(openapp));
	ifxi2c_get_stats(c, &st0);
	t0 = op_now_us();
	for (int i = 0; i < UID_READS; i++)
		xfer_ok(c, get_uid, sizeof(get_uid));
	ifxi2c_get_stats(c, &st);
	print_message("realtime: %d UID reads in %llu ms, %llu polls\n",
	    UID_READS, (unsigned long long)(op_now_us() - t0) / 1000,
	    (unsigned long long)(st.polls - st0.polls));
	ifxi2c_close(&c);
}

/* The chip NACKs its address while busy: the retries carry us. */
static void
test_sim_nack_busy(void **state)
{
	struct ifxi2c_stats st;
	struct ifxi2c *c;
	struct sim *s = &the_sim;

	(void)state;
	sim_start(s, "--realtime", "--nack-busy");
	c = open_stack(s, 277);
	xfer_ok(c, openapp, sizeof(openapp));
	for (int i = 0; i < 5; i++)
		xfer_ok(c, get_uid, sizeof(get_uid));
	ifxi2c_get_stats(c, &st);
	print_message("nack-busy: %llu NACKs, %llu polls, %llu "
	    "retransmits\n", (unsigned long long)st.nacks,
	    (unsigned long long)st.polls,
	    (unsigned long long)st.retransmits);
	assert_true(st.nacks > 0);
	assert_int_equal(st.resyncs, 0);
	ifxi2c_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sim_fast, teardown),
		cmocka_unit_test_teardown(test_sim_realtime, teardown),
		cmocka_unit_test_teardown(test_sim_nack_busy, teardown),
	};

	signal(SIGPIPE, SIG_IGN);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
