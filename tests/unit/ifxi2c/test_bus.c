/*
 * bus_open(): URI schemes, and the sim: client against a tiny server
 * thread that speaks docs/virtual-bus.md.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
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
#include "util/err.h"

struct server {
	char path[108];
	int lfd;
	const char *hello;
	uint8_t last_write[64];
	size_t last_write_len;
	uint8_t last_type;
	pthread_t th;
};

static int
io_full(int fd, uint8_t *b, size_t n, int wr)
{
	while (n > 0) {
		ssize_t k = wr ? write(fd, b, n) : read(fd, b, n);

		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}

	return 0;
}

static void
reply(int fd, uint8_t status, const uint8_t *p, size_t n)
{
	uint8_t h[3] = { status, (uint8_t)(n >> 8), (uint8_t)n };
	uint8_t buf[300];

	memcpy(buf, h, 3);
	if (n > 0)
		memcpy(buf + 3, p, n);
	(void)io_full(fd, buf, n + 3, 1);
}

/* One client; NACKs address 0x31, answers reads with 0, 1, 2... */
static void *
serve(void *arg)
{
	struct server *s = arg;
	uint8_t h[4], p[300], out[300];
	size_t n;
	int fd = accept(s->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	while (io_full(fd, h, 4, 0) == 0) {
		n = (size_t)h[2] << 8 | h[3];
		if (n > sizeof(p) || io_full(fd, p, n, 0) != 0)
			break;
		s->last_type = h[0];
		switch (h[0]) {
		case 0x00:
			reply(fd, 0, (const uint8_t *)s->hello,
			    strlen(s->hello));
			break;
		case 0x01:
			memcpy(s->last_write, p, n < 64 ? n : 64);
			s->last_write_len = n;
			reply(fd, h[1] == 0x31 ? 0x01 : h[1] == 0x32 ? 0x02 :
			    0x00, NULL, 0);
			break;
		case 0x02:
			n = (size_t)p[0] << 8 | p[1];
			for (size_t i = 0; i < n; i++)
				out[i] = (uint8_t)i;
			reply(fd, 0, out, n);
			break;
		case 0x10:
		case 0x12:
			reply(fd, 0, NULL, 0);
			break;
		default:
			reply(fd, 0xFE, NULL, 0);
			break;
		}
	}
	close(fd);

	return NULL;
}

static void
server_start(struct server *s, const char *hello)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "/tmp/op-test-bus.%d.sock",
	    (int)getpid());
	unlink(s->path);
	s->hello = hello;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 1), 0);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
	unlink(s->path);
}

static void
test_schemes(void **state)
{
	struct bus *b = NULL;

	(void)state;
	assert_int_equal(bus_open("usb:1", &b), OP_RC(OP_LAYER_BUS,
	    OP_E_INVAL));
	assert_null(b);
	assert_non_null(strstr(op_errmsg(), "sim:SOCKET"));
	assert_non_null(strstr(op_errmsg(), "i2c:/dev/i2c-N"));
	assert_non_null(strstr(op_errmsg(), "ft260:"));
	assert_int_equal(bus_open("", &b), OP_RC(OP_LAYER_BUS, OP_E_INVAL));
	assert_int_equal(bus_open(NULL, &b), OP_RC(OP_LAYER_BUS, OP_E_INVAL));
	assert_int_equal(bus_open("sim:", &b), OP_RC(OP_LAYER_BUS,
	    OP_E_INVAL));
}

static void
test_sim_missing(void **state)
{
	struct bus *b = NULL;
	int r;

	(void)state;
	r = bus_open("sim:/nonexistent/chip.sock", &b);
	assert_int_equal(OP_RC_LAYER(r), OP_LAYER_BUS);
	assert_null(b);
	assert_non_null(strstr(op_errmsg(), "/nonexistent/chip.sock"));
	assert_non_null(strstr(op_errmsg(), "optiga-sim --socket"));
}

static void
test_sim_refused(void **state)
{
	char path[64], uri[80];
	struct bus *b = NULL;
	FILE *f;
	int r;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/op-test-bus.%d.file",
	    (int)getpid());
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(uri, sizeof(uri), "sim:%s", path);
	r = bus_open(uri, &b);
	unlink(path);
	assert_int_equal(OP_RC_LAYER(r), OP_LAYER_BUS);
	assert_non_null(strstr(op_errmsg(), "start one"));
}

static void
test_sim_transactions(void **state)
{
	static const uint8_t w[3] = { 0x81, 0x01, 0x15 };
	struct server s;
	char uri[128];
	uint8_t buf[5];
	struct bus *b = NULL;

	(void)state;
	server_start(&s, "optiga-sim 1 trust-m3");
	snprintf(uri, sizeof(uri), "sim:%s", s.path);
	if (bus_open(uri, &b) != 0)
		fail_msg("%s", op_errmsg());
	assert_int_equal(b->addr, 0x30);
	assert_string_equal(b->name, uri);
	assert_string_equal(bus_sim_product(b), "trust-m3");

	assert_int_equal(bus_write(b, w, sizeof(w)), 0);
	assert_int_equal(s.last_write_len, 3);
	assert_memory_equal(s.last_write, w, 3);
	assert_int_equal(bus_read(b, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, ((const uint8_t[]){ 0, 1, 2, 3, 4 }), 5);

	b->addr = 0x31;
	assert_int_equal(bus_write(b, w, 1), OP_RC(OP_LAYER_BUS, OP_E_NACK));
	b->addr = 0x32;
	assert_int_equal(bus_write(b, w, 3), OP_RC(OP_LAYER_BUS, OP_E_IO));
	assert_int_equal(b->ops->reset(b->ctx, BUS_RESET_WARM), 0);
	assert_int_equal(s.last_type, 0x10);
	assert_int_equal(b->ops->set_clock(b->ctx, 400), 0);
	assert_int_equal(s.last_type, 0x12);
	assert_int_equal(bus_sim_stats_reset(b), OP_RC(OP_LAYER_BUS,
	    OP_E_PROTOCOL));

	bus_close(&b);
	assert_null(b);
	server_stop(&s);
}

static void
test_sim_wrong_hello(void **state)
{
	struct server s;
	char uri[128];
	struct bus *b = NULL;

	(void)state;
	server_start(&s, "swtpm 2");
	snprintf(uri, sizeof(uri), "sim:%s", s.path);
	assert_int_equal(bus_open(uri, &b), OP_RC(OP_LAYER_BUS,
	    OP_E_PROTOCOL));
	assert_null(b);
	assert_non_null(strstr(op_errmsg(), "swtpm 2"));
	server_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemes),
		cmocka_unit_test(test_sim_missing),
		cmocka_unit_test(test_sim_refused),
		cmocka_unit_test(test_sim_transactions),
		cmocka_unit_test(test_sim_wrong_hello),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
