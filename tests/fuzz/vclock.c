/*
 * A virtual clock for the fuzz targets, replacing src/util/clock.c at
 * link time (it defines every function clock.c does, so the linker never
 * takes clock.o from liboputil.a): sleeping advances time instantly, so
 * poll loops, NACK retries and start-up waits cost nothing and a
 * deadline always passes after finitely many steps.
 */
#include "util/clock.h"

#include "fuzz.h"

static uint64_t now_us = 1000000;

void
fuzz_clock_reset(void)
{
	now_us = 1000000;
}

uint64_t
op_now_us(void)
{
	/* every look at the clock costs a little, as on real hardware */
	return now_us += 10;
}

void
op_sleep_us(uint64_t us)
{
	now_us += us;
}

op_deadline_t
op_deadline_in_ms(uint64_t ms)
{
	return now_us + ms * 1000;
}

bool
op_deadline_passed(op_deadline_t d)
{
	return now_us >= d;
}

uint64_t
op_deadline_left_us(op_deadline_t d)
{
	return now_us >= d ? 0 : d - now_us;
}
