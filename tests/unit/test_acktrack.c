/* The confirmed position never passes an unacknowledged or uncommitted transaction. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/acktrack.h"

#include <stdlib.h>

static void test_in_order_confirmation(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b;
	(void)state;
	rc_acktrack_init(&t, 100);
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 2);
	rc_acktrack_commit(&t, a, 200);
	b = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, b, 1);
	rc_acktrack_commit(&t, b, 300);

	/* b acknowledged first: nothing moves, a is still pending. */
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_false(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed, 100);
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_false(rc_acktrack_advance(&t));
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed, 300);
	assert_true(rc_acktrack_idle(&t));
	rc_acktrack_destroy(&t);
}

static void test_uncommitted_blocks(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a;
	(void)state;
	rc_acktrack_init(&t, 0);
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_delivered(&t, a, true, NULL);
	/* All acknowledged, but the commit has not been seen: a restart must replay it. */
	assert_false(rc_acktrack_advance(&t));
	assert_false(rc_acktrack_idle_advance(&t, 500));
	rc_acktrack_commit(&t, a, 50);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed, 50);
	assert_true(rc_acktrack_idle_advance(&t, 500));
	assert_int_equal(t.confirmed, 500);
	assert_false(rc_acktrack_idle_advance(&t, 400)); /* never backwards */
	rc_acktrack_destroy(&t);
}

static void test_failure_freezes(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b;
	(void)state;
	rc_acktrack_init(&t, 10);
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_commit(&t, a, 20);
	b = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, b, 1);
	rc_acktrack_commit(&t, b, 30);
	rc_acktrack_delivered(&t, a, false, "Local: Message timed out");
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_true(t.failed);
	assert_string_equal(t.failure, "Local: Message timed out");
	assert_false(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed, 10);
	rc_acktrack_destroy(&t);
}

static void test_abort_keeps_order(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b, *c;
	(void)state;
	rc_acktrack_init(&t, 10);
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_commit(&t, a, 20);
	b = rc_acktrack_begin(&t);
	rc_acktrack_abort(&t, b);
	c = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, c, 1);
	rc_acktrack_commit(&t, c, 40);
	rc_acktrack_delivered(&t, c, true, NULL);
	assert_false(rc_acktrack_advance(&t));
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed, 40);
	rc_acktrack_destroy(&t);
}

/* Random interleavings: confirmed is always the position of a prefix of fully acknowledged,
 * committed transactions. */
static void test_random_interleavings(void **state)
{
	enum { N = 200 };
	(void)state;
	srand(42);
	for (int round = 0; round < 50; round++) {
		rc_acktrack_t t;
		rc_ack_txn_t *txn[N];
		int left[N], acked_prefix = -1;
		uint64_t last = 0;

		rc_acktrack_init(&t, 0);
		for (int i = 0; i < N; i++) {
			txn[i] = rc_acktrack_begin(&t);
			left[i] = 1 + rand() % 4;
			rc_acktrack_add(&t, txn[i], left[i]);
			rc_acktrack_commit(&t, txn[i], (uint64_t)(i + 1) * 10);
		}
		for (int remaining = 1; remaining;) {
			int i = rand() % N;
			remaining = 0;
			if (left[i] > 0) {
				left[i]--;
				rc_acktrack_delivered(&t, txn[i], true, NULL);
			}
			rc_acktrack_advance(&t);
			while (acked_prefix + 1 < N && left[acked_prefix + 1] == 0)
				acked_prefix++;
			assert_int_equal(t.confirmed, (uint64_t)(acked_prefix + 1) * 10);
			assert_true(t.confirmed >= last);
			last = t.confirmed;
			for (int j = 0; j < N; j++)
				remaining |= left[j];
		}
		assert_int_equal(t.confirmed, N * 10);
		rc_acktrack_destroy(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order_confirmation), cmocka_unit_test(test_uncommitted_blocks),
	    cmocka_unit_test(test_failure_freezes),       cmocka_unit_test(test_abort_keeps_order),
	    cmocka_unit_test(test_random_interleavings),
	};
	return cmocka_run_group_tests_name("acktrack", tests, NULL, NULL);
}
