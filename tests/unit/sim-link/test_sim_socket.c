/*
 * The real optiga-sim binary on a real socket: HELLO, a register read,
 * a malformed request, the state-file lock, and the socket removed on
 * SIGTERM.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/clock.h"

static char dir[64];
static char sock_path[128];
static char state_path[128];

static pid_t
start_sim(const char *sock, int *err_fd)
{
	int pfd[2] = { -1, -1 };
	pid_t pid;

	if (err_fd != NULL)
		assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (err_fd != NULL) {
			dup2(pfd[1], STDERR_FILENO);
			close(pfd[0]);
			close(pfd[1]);
		}
		execl(OPTIGA_SIM_PATH, "optiga-sim", "--state", state_path,
		    "--socket", sock, (char *)NULL);
		_exit(127);
	}
	if (err_fd != NULL) {
		close(pfd[1]);
		*err_fd = pfd[0];
	}

	return pid;
}

static int
connect_sim(const char *path, pid_t pid)
{
	struct sockaddr_un sa;
	int fd, status;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* up to 10 s for the simulator to create its state and listen */
	for (int i = 0; i < 1000; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("optiga-sim exited (status 0x%x) instead of "
			    "listening on %s; its messages are above", status,
			    path);
		op_sleep_us(10000);
	}
	fail_msg("optiga-sim did not listen on %s", path);

	return -1;
}

static void
xfer(int fd, const uint8_t *req, size_t len, uint8_t *rsp, size_t want)
{
	size_t got = 0;
	ssize_t n;

	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got < want) {
		n = recv(fd, rsp + got, want - got, 0);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

static void
test_socket(void **state)
{
	static const uint8_t hello[] = { 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t sel[] = { 0x01, 0x30, 0x00, 0x01, 0x82 };
	static const uint8_t rd4[] = { 0x02, 0x30, 0x00, 0x02, 0x00, 0x04 };
	static const uint8_t junk[] = { 0x77, 0x30, 0x00, 0x01, 0x00 };
	const char *want = "optiga-sim 1 trust-m3";
	uint8_t rsp[64];
	char msg[512];
	struct stat st;
	pid_t pid, pid2;
	int fd, err_fd, status;
	ssize_t n;

	(void)state;
	pid = start_sim(sock_path, NULL);
	fd = connect_sim(sock_path, pid);

	xfer(fd, hello, sizeof(hello), rsp, 3 + strlen(want));
	assert_int_equal(rsp[0], 0x00);
	assert_int_equal((rsp[1] << 8) | rsp[2], strlen(want));
	assert_memory_equal(rsp + 3, want, strlen(want));

	xfer(fd, sel, sizeof(sel), rsp, 3);
	assert_memory_equal(rsp, "\x00\x00\x00", 3);
	xfer(fd, rd4, sizeof(rd4), rsp, 7);
	assert_memory_equal(rsp, "\x00\x00\x04\x08\x80\x00\x00", 7);

	xfer(fd, junk, sizeof(junk), rsp, 3);
	assert_memory_equal(rsp, "\xfe\x00\x00", 3);
	close(fd);

	/* A second simulator on the same state file refuses to start. */
	pid2 = start_sim("/nonexistent/other.sock", &err_fd);
	assert_int_equal(waitpid(pid2, &status, 0), pid2);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	n = read(err_fd, msg, sizeof(msg) - 1);
	close(err_fd);
	assert_true(n > 0);
	msg[n] = '\0';
	assert_non_null(strstr(msg, "in use by another optiga-sim"));

	/* SIGTERM: clean exit, socket gone. */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lstat(sock_path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/simsock.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/chip.sock", dir);
	snprintf(state_path, sizeof(state_path), "%s/chip.state", dir);

	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);

	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
