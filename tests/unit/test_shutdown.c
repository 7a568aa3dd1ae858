/* The shutdown's bound: the watchdog ends a process whose way out overruns shutdown.timeout.ms, with
 * status 1; a second stop signal exits at once with status 1; without a stop request the watchdog
 * does nothing. Each case runs in a child process (the watchdog and _exit end the process). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/shutdown.h"
#include "agent/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs body in a child; returns its exit status (-1 when it did not exit normally). */
static int in_child(void (*body)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		body();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void overrun(void)
{
	rc_signals_install();
	rc_shutdown_watchdog_start(1000);
	raise(SIGTERM);
	/* A wait on the way out that never ends: the watchdog must end the process. */
	for (int i = 0; i < 60; i++)
		sleep(1);
	_exit(42);
}

static void second_signal(void)
{
	rc_signals_install();
	raise(SIGTERM);
	raise(SIGTERM);
	_exit(42);
}

static void no_stop(void)
{
	rc_signals_install();
	rc_shutdown_watchdog_start(1000);
	sleep(2); /* twice the bound, without a stop request */
	_exit(7);
}

static void drain_share(void)
{
	int ms;

	rc_signals_install();
	raise(SIGTERM);
	/* Of a 8000 ms bound the drain gets at most 8000 less the teardown's 2000 ms reserve. */
	ms = rc_shutdown_drain_ms(8000);
	_exit(ms <= 6000 && ms > 0 ? 0 : 1);
}

static void test_watchdog_ends_an_overrun(void **state)
{
	(void)state;
	assert_int_equal(in_child(overrun), 1);
}

static void test_second_signal_exits_at_once(void **state)
{
	(void)state;
	assert_int_equal(in_child(second_signal), 1);
}

static void test_watchdog_quiet_without_stop(void **state)
{
	(void)state;
	assert_int_equal(in_child(no_stop), 7);
}

static void test_drain_leaves_a_reserve(void **state)
{
	(void)state;
	assert_int_equal(in_child(drain_share), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_watchdog_ends_an_overrun),
	    cmocka_unit_test(test_second_signal_exits_at_once),
	    cmocka_unit_test(test_watchdog_quiet_without_stop),
	    cmocka_unit_test(test_drain_leaves_a_reserve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
