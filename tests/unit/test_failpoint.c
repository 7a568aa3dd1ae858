/* ROWCAST_TEST_FAILPOINT's parser (every build) and, in a --enable-failpoints build, the kill itself:
 * at the N-th pass and not before, counted across threads, with its line on stderr. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/failpoint.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_parse_valid(void **state)
{
	static const struct {
		const char *spec, *name;
		long nth;
	} cases[] = {
	    {"after_produce_before_ack", "after_produce_before_ack", 1},
	    {"mid_transaction@1", "mid_transaction", 1},
	    {"snapshot_rows_before_ack@250", "snapshot_rows_before_ack", 250},
	    {"after_offset_write_before_confirm@3", "after_offset_write_before_confirm", 3},
	    {"after_ack_before_offset_write", "after_ack_before_offset_write", 1},
	    {"snapshot_last_chunk_before_ack@2", "snapshot_last_chunk_before_ack", 2},
	};
	char name[RC_FAILPOINT_NAME_MAX + 1], err[512];
	long nth;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(rc_failpoint_parse(cases[i].spec, name, sizeof name, &nth, err, sizeof err),
		                 0);
		assert_string_equal(name, cases[i].name);
		assert_int_equal(nth, cases[i].nth);
	}
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "@3",
	    "mid_transaction@",
	    "mid_transaction@0",
	    "mid_transaction@-1",
	    "mid_transaction@+2",
	    "mid_transaction@ 2",
	    "mid_transaction@2x",
	    "mid_transaction@2@3",
	    "mid_transaction@99999999999999999999",
	    "mid_transactio",
	    "MID_TRANSACTION",
	    "nosuchpoint@1",
	    "mid_transaction ",
	};
	char name[RC_FAILPOINT_NAME_MAX + 1], err[512];
	long nth;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(rc_failpoint_parse(bad[i], name, sizeof name, &nth, err, sizeof err), -1);
		/* The message quotes the variable and what it holds. */
		assert_non_null(strstr(err, "ROWCAST_TEST_FAILPOINT="));
		assert_non_null(strstr(err, bad[i]));
	}
	assert_int_equal(rc_failpoint_parse("nosuchpoint", name, sizeof name, &nth, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown point 'nosuchpoint'"));
	assert_int_equal(rc_failpoint_parse("mid_transaction@0", name, sizeof name, &nth, err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "whole number from 1"));
}

static void test_init_unset(void **state)
{
	char err[512];

	(void)state;
	unsetenv("ROWCAST_TEST_FAILPOINT");
	assert_int_equal(rc_failpoint_init(err, sizeof err), 0);
	setenv("ROWCAST_TEST_FAILPOINT", "", 1);
	assert_int_equal(rc_failpoint_init(err, sizeof err), 0);
	unsetenv("ROWCAST_TEST_FAILPOINT");
}

#ifdef RC_ENABLE_FAILPOINTS
#define THREADS 4
#define PASSES 50

static void *pass_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < PASSES; i++) {
		RC_FAILPOINT("after_ack_before_offset_write"); /* another point: never counts */
		RC_FAILPOINT("mid_transaction");
	}
	return NULL;
}

/* Runs, in a child with spec armed, THREADS threads each passing PASSES times; the child writes
 * "survived" when no kill came. Returns the wait status; *out gets the child's stderr. */
static int run_child(const char *spec, char *out, size_t outlen)
{
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t th[THREADS];
		char err[512];

		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		setenv("ROWCAST_TEST_FAILPOINT", spec, 1);
		if (rc_failpoint_init(err, sizeof err) != 0)
			_exit(3);
		for (int i = 0; i < THREADS; i++)
			pthread_create(&th[i], NULL, pass_many, NULL);
		for (int i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		if (write(STDERR_FILENO, "survived\n", 9) < 0)
			_exit(4);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + got, outlen - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_kill_at_nth_across_threads(void **state)
{
	char out[256];
	int st;

	(void)state;
	st = run_child("mid_transaction", out, sizeof out);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_string_equal(out, "failpoint mid_transaction hit\n");

	/* The last pass of all the threads': killed exactly then. */
	st = run_child("mid_transaction@200", out, sizeof out);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_string_equal(out, "failpoint mid_transaction hit\n");

	/* One pass more than there are: never killed (the counter did not skip or double). */
	st = run_child("mid_transaction@201", out, sizeof out);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "survived\n");

	/* An armed point that is never reached. */
	st = run_child("snapshot_rows_before_ack", out, sizeof out);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* A malformed value is refused at init. */
	st = run_child("mid_transaction@zero", out, sizeof out);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}
#else
static void test_init_refused_without_failpoints(void **state)
{
	char err[512];

	(void)state;
	setenv("ROWCAST_TEST_FAILPOINT", "mid_transaction", 1);
	assert_int_equal(rc_failpoint_init(err, sizeof err), -1);
	assert_non_null(strstr(err, "--enable-failpoints"));
	unsetenv("ROWCAST_TEST_FAILPOINT");
	assert_false(rc_failpoints_compiled());
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_init_unset),
#ifdef RC_ENABLE_FAILPOINTS
	    cmocka_unit_test(test_kill_at_nth_across_threads),
#else
	    cmocka_unit_test(test_init_refused_without_failpoints),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
