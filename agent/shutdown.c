#include "config.h"

#include "agent/shutdown.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/signals.h"

#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define TEARDOWN_RESERVE_MAX_MS 3000 /* after the drain: last confirm, slot drop, destroys, joins */

/* The reserve: a quarter of the bound, at most TEARDOWN_RESERVE_MAX_MS. */
static int reserve_ms(int timeout_ms)
{
	int r = timeout_ms / 4;
	return r > TEARDOWN_RESERVE_MAX_MS ? TEARDOWN_RESERVE_MAX_MS : r;
}

int rc_shutdown_drain_ms(int timeout_ms)
{
	int64_t since = rc_signals_stop_ms(), now = rc_clock_ms();
	int64_t left = (since > 0 ? since : now) + timeout_ms - reserve_ms(timeout_ms) - now;

	return left > 0 ? (int)left : 0;
}

static void *watchdog(void *arg)
{
	int timeout_ms = (int)(intptr_t)arg;

	for (;;) {
		struct pollfd pfd = {.fd = rc_signals_fd(), .events = POLLIN};
		int64_t left;

		if (!rc_stop_requested()) {
			poll(&pfd, 1, pfd.fd >= 0 ? -1 : 100); /* the pipe: readable from the stop on */
			continue;
		}
		left = rc_signals_stop_ms() + timeout_ms - rc_clock_ms();
		if (left > 0) {
			poll(NULL, 0, left > 1000 ? 1000 : (int)left);
			continue; /* a test may have reset the request meanwhile */
		}
		rc_log_error(
		    "agent",
		    "shutdown did not finish within shutdown.timeout.ms=%d: exiting now (the recorded "
		    "position is safe; records not acknowledged are sent again on restart)",
		    timeout_ms);
		_exit(1);
	}
	return NULL;
}

int rc_shutdown_watchdog_start(int timeout_ms)
{
	static bool started;
	pthread_attr_t attr;
	pthread_t tid;
	int rc = RC_OK;

	if (started || timeout_ms <= 0)
		return RC_OK;
	if (pthread_attr_init(&attr) != 0)
		return RC_ERR_FATAL;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, watchdog, (void *)(intptr_t)timeout_ms) != 0)
		rc = RC_ERR_FATAL;
	else
		started = true;
	pthread_attr_destroy(&attr);
	return rc;
}
