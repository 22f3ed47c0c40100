/*
 * LD_PRELOAD interposer: fake I2C adapters and FT260 bridges backed by
 * optiga-sim, for testing the unmodified i2c-dev and FT260 backends.
 *
 * OPTIGA_FAKE_DEVICES="/dev/i2c-77=i2c:/tmp/chip.sock,/dev/hidraw77=
 * ft260:/tmp/chip.sock" names the fake nodes.  Opening one connects to
 * the simulator; the returned descriptor is that socket, and read, write,
 * ioctl, poll and close on it are answered here.  Everything else passes
 * through to libc untouched.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/hidraw.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>

#include "fakedev.h"

#define MAX_FD 1024

static struct fakedev *devs[MAX_FD];

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_poll)(struct pollfd *, nfds_t, int);

/*
 * dlsym returns an object pointer; POSIX allows storing it into a
 * function pointer through this cast, which ISO C alone does not.
 */
#define NEXT(var, name) (*(void **)(&(var)) = dlsym(RTLD_NEXT, name))

static void
resolve(void)
{
	if (real_open != NULL)
		return;
	NEXT(real_close, "close");
	NEXT(real_read, "read");
	NEXT(real_write, "write");
	NEXT(real_ioctl, "ioctl");
	NEXT(real_poll, "poll");
	NEXT(real_open, "open");
}

/* Look path up in OPTIGA_FAKE_DEVICES; fills kind and socket path. */
static int
lookup(const char *path, enum fakedev_kind *kind, char *sock, size_t cap)
{
	const char *list = getenv("OPTIGA_FAKE_DEVICES");
	size_t plen = strlen(path);

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ',');
		size_t n = end ? (size_t)(end - list) : strlen(list);

		if (n > plen + 1 && strncmp(list, path, plen) == 0 &&
		    list[plen] == '=') {
			const char *spec = list + plen + 1;
			size_t slen = n - plen - 1;
			const char *colon = memchr(spec, ':', slen);

			if (colon == NULL)
				return -1;
			*kind = strncmp(spec, "ft260:", 6) == 0 ?
			    FAKEDEV_FT260 : FAKEDEV_I2C;
			slen -= (size_t)(colon + 1 - spec);
			if (slen >= cap)
				return -1;
			memcpy(sock, colon + 1, slen);
			sock[slen] = '\0';
			return 0;
		}
		list = end ? end + 1 : NULL;
	}

	return -1;
}

static int
connect_sim(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		real_close(fd);
		errno = e;
		return -1;
	}

	return fd;
}

static int
fake_open(const char *path)
{
	enum fakedev_kind kind;
	char sock[256];
	struct fakedev *d;
	int fd;

	if (lookup(path, &kind, sock, sizeof(sock)) != 0)
		return -2;
	if ((fd = connect_sim(sock)) < 0) {
		/* the node "exists" but nothing answers behind it */
		errno = EIO;
		return -1;
	}
	if (fd >= MAX_FD || (d = calloc(1, sizeof(*d))) == NULL) {
		real_close(fd);
		errno = EMFILE;
		return -1;
	}
	d->fd = fd;
	d->kind = kind;
	d->status = 0x20;	/* FT260: controller idle */
	d->khz = 100;
	d->gpio[2] = 0x20;	/* GPIO F (RST) released, high */
	devs[fd] = d;

	return fd;
}

static int
open_common(const char *path, int flags, va_list ap)
{
	mode_t mode = 0;
	int fd;

	resolve();
	if ((fd = fake_open(path)) != -2)
		return fd;
	if (flags & O_CREAT)
		mode = (mode_t)va_arg(ap, int);

	return real_open(path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = open_common(path, flags, ap);
	va_end(ap);

	return fd;
}

/* programs built with large-file support call open64: the same call */
int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int
close(int fd)
{
	resolve();
	if (fd >= 0 && fd < MAX_FD && devs[fd] != NULL) {
		free(devs[fd]);
		devs[fd] = NULL;
	}

	return real_close(fd);
}

static struct fakedev *
dev_of(int fd)
{
	return fd >= 0 && fd < MAX_FD ? devs[fd] : NULL;
}

/* i2c-dev semantics: a NACK is ENXIO, as most adapter drivers report */
static ssize_t
i2c_transfer(struct fakedev *d, uint8_t type, const uint8_t *out,
    size_t outlen, uint8_t *in, size_t inlen)
{
	uint8_t cnt[2] = { (uint8_t)(inlen >> 8), (uint8_t)inlen };
	size_t got = 0;
	int st;

	if (type == 0x01)
		st = vbus_request(d->fd, type, d->addr, out, outlen, NULL, 0,
		    &got);
	else
		st = vbus_request(d->fd, type, d->addr, cnt, 2, in, inlen,
		    &got);
	if (st < 0) {
		errno = EIO;
		return -1;
	}
	if (st == 0x01 || st == 0x02) {
		errno = ENXIO;
		return -1;
	}
	if (st != 0) {
		errno = EIO;
		return -1;
	}

	return type == 0x01 ? (ssize_t)outlen : (ssize_t)got;
}

ssize_t
read(int fd, void *buf, size_t len)
{
	struct fakedev *d;

	resolve();
	if ((d = dev_of(fd)) == NULL)
		return real_read(fd, buf, len);
	if (d->kind == FAKEDEV_FT260)
		return ft260_read_report(d, buf, len);

	return i2c_transfer(d, 0x02, NULL, 0, buf, len);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct fakedev *d;

	resolve();
	if ((d = dev_of(fd)) == NULL)
		return real_write(fd, buf, len);
	if (d->kind == FAKEDEV_FT260)
		return ft260_write_report(d, buf, len);

	return i2c_transfer(d, 0x01, buf, len, NULL, 0);
}

static int
i2c_ioctl(struct fakedev *d, unsigned long req, void *arg)
{
	switch (req) {
	case I2C_SLAVE:
	case I2C_SLAVE_FORCE:
		d->addr = (uint8_t)(unsigned long)arg;
		return 0;
	case I2C_FUNCS:
		*(unsigned long *)arg = I2C_FUNC_I2C;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

static int
hid_ioctl(struct fakedev *d, unsigned long req, void *arg)
{
	size_t len = _IOC_SIZE(req);

	if (req == HIDIOCGRAWINFO) {
		struct hidraw_devinfo *info = arg;

		info->bustype = 3;
		info->vendor = 0x0403;
		info->product = 0x6030;
		return 0;
	}
	switch (_IOC_NR(req)) {
	case 0x06:
		return ft260_set_feature(d, arg, len);
	case 0x07:
		return ft260_get_feature(d, arg, len);
	default:
		errno = ENOTTY;
		return -1;
	}
}

int
ioctl(int fd, unsigned long req, ...)
{
	struct fakedev *d;
	va_list ap;
	void *arg;

	resolve();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if ((d = dev_of(fd)) == NULL)
		return real_ioctl(fd, req, arg);
	if (d->kind == FAKEDEV_FT260)
		return hid_ioctl(d, req, arg);

	return i2c_ioctl(d, req, arg);
}

int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct fakedev *d;

	resolve();
	/* the FT260 backend polls its one descriptor for input reports */
	if (n == 1 && (d = dev_of(fds[0].fd)) != NULL) {
		fds[0].revents = (short)(ft260_pending(d) ? POLLIN : 0);
		fds[0].revents |= (short)(fds[0].events & POLLOUT);
		return fds[0].revents != 0;
	}

	return real_poll(fds, n, timeout);
}
