/*
 * The client-side rate limiter: defaults from AWS's quotas, the
 * OPTIGA_AWS_TPS override, spacing of reservations, threads sharing one
 * limit.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aws/aws_int.h"

/* waits are measured from "now", which moves a little between calls */
#define SLACK_US	20000

static void
test_defaults(void **state)
{
	uint64_t w[3];

	(void)state;
	unsetenv("OPTIGA_AWS_TPS");
	aws_ratelimit_reset();
	/* RegisterCertificate: 10 TPS, so 100 ms apart */
	for (int i = 0; i < 3; i++)
		w[i] = aws_ratelimit_reserve("RegisterCertificate");
	assert_true(w[0] <= SLACK_US);
	assert_true(w[1] + SLACK_US >= 100000 && w[1] <= 100000 + SLACK_US);
	assert_true(w[2] + SLACK_US >= 200000 && w[2] <= 200000 + SLACK_US);
	/* CreateThing: 100 TPS, its own slots */
	assert_true(aws_ratelimit_reserve("CreateThing") <= SLACK_US);
	assert_true(aws_ratelimit_reserve("CreateThing") <= 10000 + SLACK_US);
	/* an operation without a published quota: 10 TPS */
	aws_ratelimit_reserve("DescribeCACertificate");
	assert_true(aws_ratelimit_reserve("DescribeCACertificate") + SLACK_US
	    >= 100000);
}

static void
test_env(void **state)
{
	(void)state;
	setenv("OPTIGA_AWS_TPS", "RegisterCertificate=2,*=1000,Bad", 1);
	aws_ratelimit_reset();
	aws_ratelimit_reserve("RegisterCertificate");
	assert_true(aws_ratelimit_reserve("RegisterCertificate") + SLACK_US
	    >= 500000);
	aws_ratelimit_reserve("GetPolicy");
	assert_true(aws_ratelimit_reserve("GetPolicy") <= 1000 + SLACK_US);

	setenv("OPTIGA_AWS_TPS", "off", 1);
	aws_ratelimit_reset();
	for (int i = 0; i < 100; i++)
		assert_int_equal(aws_ratelimit_reserve("RegisterCertificate"),
		    0);
	unsetenv("OPTIGA_AWS_TPS");
}

#define THREADS	4
#define PER	25

static void *
reserver(void *arg)
{
	uint64_t *out = arg;

	for (int i = 0; i < PER; i++)
		out[i] = aws_ratelimit_reserve("SharedOp");

	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 100 reservations from 4 threads at 100 TPS: one second, 10 ms apart */
static void
test_threads(void **state)
{
	static uint64_t w[THREADS * PER];
	pthread_t t[THREADS];

	(void)state;
	setenv("OPTIGA_AWS_TPS", "SharedOp=100", 1);
	aws_ratelimit_reset();
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reserver,
		    &w[i * PER]), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	qsort(w, THREADS * PER, sizeof(w[0]), cmp_u64);
	/* the last slot is 99 intervals out, give or take the slack */
	assert_true(w[THREADS * PER - 1] + SLACK_US >= 990000);
	assert_true(w[THREADS * PER - 1] <= 990000 + SLACK_US);
	unsetenv("OPTIGA_AWS_TPS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
