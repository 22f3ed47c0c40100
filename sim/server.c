/*
 * The socket side of optiga-sim.  Requests are parsed and answered by
 * vbus.c; this file only moves bytes.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

#include "capture.h"
#include "server.h"
#include "vbus.h"

#define MOD "sim-server"

/* A client that stops reading its answers is dropped after this. */
#define SIM_SEND_TIMEOUT_S	10

static int
server_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_RANGE), "socket path "
		    "%s is longer than %zu bytes; use a shorter one", path,
		    sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, path, strlen(path) + 1);

	return 0;
}

/* Is somebody serving path already?  Remove it if it is a dead socket. */
static int
server_check_old(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd;
	int r;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_EXISTS), "%s exists and "
		    "is not a socket; give --socket a path that is free",
		    path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "socket: %s",
		    strerror(errno));
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_EXISTS), "another "
		    "process is serving %s already; stop it or give another "
		    "--socket", path);

	OP_INFO(MOD, "removing stale socket %s", path);
	if (unlink(path) != 0)
		return op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot remove "
		    "stale socket %s: %s", path, strerror(errno));

	return 0;
}

int
sim_server_listen(const char *path, int *out)
{
	struct sockaddr_un sa;
	int fd = -1;
	int r;

	*out = -1;
	if ((r = server_addr(path, &sa)) != 0 ||
	    (r = server_check_old(path, &sa)) != 0)
		return r;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "socket: %s",
		    strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "cannot bind %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 8) != 0) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "listen on %s: %s",
		    path, strerror(errno));
		unlink(path);
		goto fail;
	}

	*out = fd;
	fd = -1;
	r = 0;
fail:
	if (fd >= 0)
		close(fd);

	return r;
}

static int
server_send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}

	return 0;
}

struct conn {
	int fd;
	uint8_t *in;		/* SIM_VBUS_REQ_MAX bytes */
	size_t in_len;
	uint8_t *out;		/* SIM_VBUS_RSP_MAX bytes */
};

static void
conn_close(struct conn *c)
{
	if (c->fd < 0)
		return;
	OP_INFO(MOD, "client disconnected");
	close(c->fd);
	c->fd = -1;
	c->in_len = 0;
}

static void
conn_accept(struct conn *c, int listen_fd)
{
	struct timeval tv = { .tv_sec = SIM_SEND_TIMEOUT_S };
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN)
			OP_WARN(MOD, "accept: %s", strerror(errno));
		return;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		OP_WARN(MOD, "setsockopt: %s", strerror(errno));
	OP_INFO(MOD, "client connected");
	c->fd = fd;
	c->in_len = 0;
}

/* Read what the client sent and answer every whole request in it. */
static void
conn_serve(struct sim_dev *dev, struct conn *c)
{
	struct sim_vbus_req req;
	size_t used = 0, n, rlen;
	ssize_t got;

	got = recv(c->fd, c->in + c->in_len, SIM_VBUS_REQ_MAX - c->in_len,
	    0);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (got <= 0) {
		conn_close(c);
		return;
	}
	c->in_len += (size_t)got;

	while ((n = sim_vbus_parse(c->in + used, c->in_len - used,
	    &req)) > 0) {
		rlen = sim_vbus_handle(dev, &req, c->out, SIM_VBUS_RSP_MAX);
		sim_capture_exchange(c->in + used, n, c->out, rlen);
		used += n;
		if (server_send_all(c->fd, c->out, rlen) != 0) {
			OP_WARN(MOD, "client does not take its answer: %s",
			    strerror(errno));
			conn_close(c);
			return;
		}
	}
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
}

int
sim_server_run(struct sim_dev *dev, int listen_fd, const sigset_t *waitmask,
    volatile sig_atomic_t *stop)
{
	struct conn c = { .fd = -1 };
	struct pollfd pfd;
	int r;

	c.in = malloc(SIM_VBUS_REQ_MAX);
	c.out = malloc(SIM_VBUS_RSP_MAX);
	if (c.in == NULL || c.out == NULL) {
		r = op_err(OP_RC(OP_LAYER_SYS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	while (!*stop) {
		/* One client at a time: others wait in the backlog. */
		pfd.fd = c.fd >= 0 ? c.fd : listen_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			r = op_err(OP_RC(OP_LAYER_SYS, OP_E_IO), "poll: %s",
			    strerror(errno));
			goto fail;
		}
		if (c.fd < 0)
			conn_accept(&c, listen_fd);
		else if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			conn_serve(dev, &c);
	}

	r = 0;
fail:
	conn_close(&c);
	free(c.in);
	free(c.out);

	return r;
}
