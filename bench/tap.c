/*
 * bench-tap: a fast pass-through for optiga-sim's virtual bus that sets
 * the bus clock the host does not.
 *
 *   bench-tap LISTEN UPSTREAM KHZ
 *
 * optiga-perso always sets 400 kHz (CLOCK request after negotiating),
 * and its command line has no way to ask for Fm+.  This forwards every
 * request from LISTEN to UPSTREAM unchanged, except a CLOCK of 400 kHz,
 * which becomes KHZ, so the emulator times the bus at KHZ.  Written in C
 * because it sits in the timed path of the real-time rows: it adds one
 * socket round trip per transaction and nothing else.  (vbus.py has the
 * tap that splits traffic per command; its cost does not matter there.)
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQ_CLOCK	0x12
#define HOST_KHZ	400

static const char *listen_path;

static void
on_signal(int sig)
{
	(void)sig;
	unlink(listen_path);
	_exit(0);
}

static int
xfer(int fd, void *buf, size_t n, int out)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = out ? write(fd, p, n) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}

	return 0;
}

static int
sock_at(const char *path, struct sockaddr_un *sa)
{
	int fd;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "bench-tap: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		perror("bench-tap: socket");

	return fd;
}

/* One client, request by request, until it closes. */
static void
serve(int cli, int up, unsigned khz)
{
	static uint8_t buf[4 + 65535];
	size_t n;

	for (;;) {
		if (xfer(cli, buf, 4, 0) != 0)
			return;
		n = (size_t)buf[2] << 8 | buf[3];
		if (xfer(cli, buf + 4, n, 0) != 0)
			return;
		if (buf[0] == REQ_CLOCK && n == 2 &&
		    (buf[4] << 8 | buf[5]) == HOST_KHZ) {
			buf[4] = (uint8_t)(khz >> 8);
			buf[5] = (uint8_t)khz;
		}
		if (xfer(up, buf, 4 + n, 1) != 0 || xfer(up, buf, 3, 0) != 0)
			exit(1);
		n = (size_t)buf[1] << 8 | buf[2];
		if (xfer(up, buf + 3, n, 0) != 0)
			exit(1);
		if (xfer(cli, buf, 3 + n, 1) != 0)
			return;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	unsigned long khz;
	int srv, up, cli;

	if (argc != 4 || (khz = strtoul(argv[3], NULL, 10)) == 0 ||
	    khz > 65535) {
		fprintf(stderr, "usage: bench-tap LISTEN UPSTREAM KHZ\n");
		return 2;
	}
	listen_path = argv[1];

	if ((up = sock_at(argv[2], &sa)) < 0)
		return 1;
	if (connect(up, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror(argv[2]);
		return 1;
	}
	if ((srv = sock_at(argv[1], &sa)) < 0)
		return 1;
	unlink(argv[1]);
	if (bind(srv, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(srv, 1) != 0) {
		perror(argv[1]);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		if ((cli = accept(srv, NULL, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			perror("bench-tap: accept");
			return 1;
		}
		serve(cli, up, (unsigned)khz);
		close(cli);
	}
}
