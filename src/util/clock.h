/*
 * Monotonic time and deadlines.  A command carries one deadline (absolute
 * microseconds on the monotonic clock) down the whole stack, so a retry
 * deep in the physical layer spends the same budget as the caller.
 */
#ifndef OP_UTIL_CLOCK_H
#define OP_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t op_deadline_t;

uint64_t op_now_us(void);
void op_sleep_us(uint64_t us);

op_deadline_t op_deadline_in_ms(uint64_t ms);
bool op_deadline_passed(op_deadline_t d);
/* Microseconds left, 0 once passed. */
uint64_t op_deadline_left_us(op_deadline_t d);

#endif
