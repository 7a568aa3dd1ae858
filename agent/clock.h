/* Clocks, once: monotonic milliseconds for timers and intervals, wall-clock microseconds for event
 * times. */
#ifndef RC_CLOCK_H
#define RC_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC): for deadlines and intervals, never for event times. */
static inline int64_t rc_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock microseconds since the Unix epoch (CLOCK_REALTIME). */
static inline int64_t rc_clock_unix_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
