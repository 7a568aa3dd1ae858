#include "config.h"

#include "agent/clock.h"
#include "agent/signals.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "agent/wakepipe.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define SLEEP_SLICE_MS 100 /* without the pipe, how often a sleep checks the flag */

static volatile sig_atomic_t stop_signals;
static _Atomic int64_t
    stop_at_ms;                /* rc_clock_ms() of the first stop request; lock-free: set in the handler */
static int wake[2] = {-1, -1}; /* self-pipe: [0] read by waits, [1] written by the handler */

static void on_signal(int sig)
{
	(void)sig;
	if (stop_signals > 0)
		_exit(1);           /* an impatient second signal: leave now, the position is still safe */
	stop_at_ms = rc_clock_ms(); /* clock_gettime is async-signal-safe */
	stop_signals = 1;
	if (wake[1] >= 0)
		rc_wakepipe_wake(wake[1]);
}

/* SIGHUP: log.file is reopened by the next line written (logrotate's convention). */
static void on_hangup(int sig)
{
	(void)sig;
	rc_log_request_reopen();
}

int rc_signals_install(void)
{
	struct sigaction sa;
	int rc = RC_OK;

	if (wake[0] < 0 && rc_wakepipe_open(wake) != RC_OK)
		rc = RC_ERR_FATAL;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hangup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return rc;
}

int64_t rc_signals_stop_ms(void)
{
	return stop_signals > 0 ? stop_at_ms : 0;
}

bool rc_stop_requested(void)
{
	return stop_signals > 0;
}

int rc_signals_fd(void)
{
	return wake[0];
}

int rc_signals_sleep(int ms)
{
	int64_t until = rc_clock_ms() + (ms > 0 ? ms : 0);
	struct pollfd pfd = {.fd = wake[0], .events = POLLIN};

	for (;;) {
		int64_t left = until - rc_clock_ms();
		if (rc_stop_requested())
			return RC_STOPPED;
		if (left <= 0)
			return RC_OK;
		if (pfd.fd < 0)
			poll(NULL, 0, left < SLEEP_SLICE_MS ? (int)left : SLEEP_SLICE_MS);
		else
			poll(&pfd, 1, (int)left); /* left <= ms; EINTR: go round */
	}
}

void rc_signals_reset(void)
{
	stop_signals = 0;
	stop_at_ms = 0;
	if (wake[0] >= 0)
		rc_wakepipe_drain(wake[0]);
}
