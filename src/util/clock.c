#include <errno.h>
#include <time.h>

#include "util/clock.h"

uint64_t
op_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
op_sleep_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000u),
		.tv_nsec = (long)(us % 1000000u) * 1000,
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

op_deadline_t
op_deadline_in_ms(uint64_t ms)
{
	return op_now_us() + ms * 1000u;
}

bool
op_deadline_passed(op_deadline_t d)
{
	return op_now_us() >= d;
}

uint64_t
op_deadline_left_us(op_deadline_t d)
{
	uint64_t now = op_now_us();

	return now >= d ? 0 : d - now;
}
