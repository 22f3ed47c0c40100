/*
 * Crash safety of the state file: a child process writes alternating
 * patterns to one object as fast as it can and is killed with SIGKILL at
 * a random instant; the reloaded chip must hold exactly one of the
 * patterns, never a mix, a truncation or a damaged file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "simtest.h"

#define ROUNDS	50
#define OBJ	0xF1E0
#define LEN	1500

static uint8_t pat_a[LEN], pat_b[LEN];

static void
child_loop(void)
{
	struct sim_chip *chip = NULL;

	if (sim_chip_load(st_path(), SIM_TRUST_M3, &chip) != 0)
		_exit(2);
	st_open(chip);
	for (unsigned k = 0;; k++)
		if (st_write(chip, 0x40, OBJ, 0, k % 2 ? pat_b : pat_a, LEN)
		    != 0)
			_exit(3);
}

static void
test_sigkill_during_writes(void **state)
{
	struct sim_chip *chip;
	struct rsp r;
	unsigned seen_a = 0, seen_b = 0;

	(void)state;
	for (size_t i = 0; i < LEN; i++) {
		pat_a[i] = (uint8_t)(i * 3 + 1);
		pat_b[i] = (uint8_t)~pat_a[i];
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	chip = st_load(SIM_TRUST_M3);
	st_open(chip);
	assert_int_equal(st_write(chip, 0x40, OBJ, 0, pat_b, LEN), 0);
	sim_chip_free(&chip);

	for (int round = 0; round < ROUNDS; round++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			child_loop();
		/* let it load and write for 5..45 ms, then kill it */
		usleep(5000 + (useconds_t)(rand() % 40000));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));

		chip = st_load(SIM_TRUST_M3);
		st_open(chip);
		assert_int_equal(st_read(chip, OBJ, 0, LEN, &r), 0);
		assert_int_equal(r.len, LEN);
		if (memcmp(r.data, pat_a, LEN) == 0)
			seen_a++;
		else if (memcmp(r.data, pat_b, LEN) == 0)
			seen_b++;
		else
			fail_msg("round %d: object holds neither pattern",
			    round);
		sim_chip_free(&chip);
	}
	print_message("pattern A %u times, B %u times\n", seen_a, seen_b);
	/* the child really wrote: the first pattern it writes is A */
	assert_true(seen_a > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		ST_TEST(test_sigkill_during_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
