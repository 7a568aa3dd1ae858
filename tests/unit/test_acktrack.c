/* The confirmed position never passes an unacknowledged or uncommitted transaction; positions are
 * carried in arrival order, never compared (but for the quiet-database case). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/acktrack.h"

#include <stdlib.h>
#include <string.h>

/* A position with order n (PostgreSQL-shaped: no blob). */
static const rc_pos_t *P(uint64_t n)
{
	static rc_pos_t ring[8];
	static int next;
	rc_pos_t *p = &ring[next++ % 8];

	*p = (rc_pos_t){.set = true, .order = n};
	return p;
}

/* The confirmed order, 0 when unset. */
#define ORD(t) ((t).confirmed.set ? (t).confirmed.order : 0)

/* A clock the test moves by hand: stalls are arithmetic on given times, not waits. */
static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

/* Issue 10: a burst after a quiet pause is no stall. The old measure (since the last
 * acknowledgement of any record) said "none acknowledged for 60 s" the moment the burst began. */
static void test_stall_from_oldest_handover(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b, *c;

	(void)state;
	rc_acktrack_init(&t, P(1));
	t.now_ms = fake_clock;
	fake_now = 1000;
	assert_int_equal(rc_acktrack_stalled_ms(&t, fake_now), 0); /* nothing in flight */

	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_commit(&t, a, P(2));
	fake_now = 1100;
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed_ms, 1100);

	/* Quiet for a minute, then a burst: its hand-over is the measure, not the last ack. */
	fake_now = 61100;
	b = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, b, 3);
	rc_acktrack_commit(&t, b, P(3));
	assert_int_equal(rc_acktrack_stalled_ms(&t, 61100), 0);
	assert_int_equal(rc_acktrack_stalled_ms(&t, 61600), 500);

	/* A later transaction handed over later does not hide the older one's wait. */
	fake_now = 62000;
	c = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, c, 1);
	rc_acktrack_commit(&t, c, P(4));
	assert_int_equal(rc_acktrack_stalled_ms(&t, 75100), 14000);

	/* An acknowledgement of the oldest transaction's records is progress, even if some remain. */
	fake_now = 75100;
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_int_equal(rc_acktrack_stalled_ms(&t, 76100), 1000);

	/* The oldest done: the next one's hand-over is the measure. */
	fake_now = 80000;
	rc_acktrack_delivered(&t, b, true, NULL);
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(t.confirmed_ms, 80000);
	assert_int_equal(rc_acktrack_stalled_ms(&t, 80000), 18000); /* c waits since 62000 */

	/* A failed delivery is no progress. */
	rc_acktrack_delivered(&t, c, false, "broker down");
	assert_int_equal(rc_acktrack_stalled_ms(&t, 80000), 0); /* nothing left in flight */
	rc_acktrack_destroy(&t);
}

/* The source's commit time rides on the transaction for the delivery latency. */
static void test_source_time(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a;

	(void)state;
	rc_acktrack_init(&t, NULL);
	a = rc_acktrack_begin(&t);
	assert_int_equal(rc_acktrack_source_us(a), 0);
	rc_acktrack_set_source_us(a, 1234567);
	assert_int_equal(rc_acktrack_source_us(a), 1234567);
	rc_acktrack_abort(&t, a);
	rc_acktrack_advance(&t);
	/* A recycled entry starts without one. */
	a = rc_acktrack_begin(&t);
	assert_int_equal(rc_acktrack_source_us(a), 0);
	rc_acktrack_abort(&t, a);
	rc_acktrack_destroy(&t);
}

static void test_in_order_confirmation(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b;
	(void)state;
	rc_acktrack_init(&t, P(100));
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 2);
	rc_acktrack_commit(&t, a, P(200));
	b = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, b, 1);
	rc_acktrack_commit(&t, b, P(300));

	/* b acknowledged first: nothing moves, a is still pending. */
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_false(rc_acktrack_advance(&t));
	assert_int_equal(ORD(t), 100);
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_false(rc_acktrack_advance(&t));
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(ORD(t), 300);
	assert_true(rc_acktrack_idle(&t));
	rc_acktrack_destroy(&t);
}

static void test_uncommitted_blocks(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a;
	(void)state;
	rc_acktrack_init(&t, P(0));
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_delivered(&t, a, true, NULL);
	/* All acknowledged, but the commit has not been seen: a restart must replay it. */
	assert_false(rc_acktrack_advance(&t));
	assert_false(rc_acktrack_idle_advance(&t, P(500)));
	rc_acktrack_commit(&t, a, P(50));
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(ORD(t), 50);
	assert_true(rc_acktrack_idle_advance(&t, P(500)));
	assert_int_equal(ORD(t), 500);
	assert_false(rc_acktrack_idle_advance(&t, P(400))); /* never backwards */
	rc_acktrack_destroy(&t);
}

static void test_failure_freezes(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b;
	(void)state;
	rc_acktrack_init(&t, P(10));
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_commit(&t, a, P(20));
	b = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, b, 1);
	rc_acktrack_commit(&t, b, P(30));
	rc_acktrack_delivered(&t, a, false, "Local: Message timed out");
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_true(t.failed);
	assert_string_equal(t.failure, "Local: Message timed out");
	assert_false(rc_acktrack_advance(&t));
	assert_int_equal(ORD(t), 10);
	rc_acktrack_destroy(&t);
}

static void test_abort_keeps_order(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b, *c;
	(void)state;
	rc_acktrack_init(&t, P(10));
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_commit(&t, a, P(20));
	b = rc_acktrack_begin(&t);
	rc_acktrack_abort(&t, b);
	c = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, c, 1);
	rc_acktrack_commit(&t, c, P(40));
	rc_acktrack_delivered(&t, c, true, NULL);
	assert_false(rc_acktrack_advance(&t));
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(ORD(t), 40);
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

		rc_acktrack_init(&t, P(0));
		for (int i = 0; i < N; i++) {
			txn[i] = rc_acktrack_begin(&t);
			left[i] = 1 + rand() % 4;
			rc_acktrack_add(&t, txn[i], left[i]);
			rc_acktrack_commit(&t, txn[i], P((uint64_t)(i + 1) * 10));
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
			assert_int_equal(ORD(t), (uint64_t)(acked_prefix + 1) * 10);
			assert_true(ORD(t) >= last);
			last = ORD(t);
			for (int j = 0; j < N; j++)
				remaining |= left[j];
		}
		assert_int_equal(ORD(t), N * 10);
		rc_acktrack_destroy(&t);
	}
}

/* MySQL-shaped positions: a blob (binlog file and GTID set) per position, and an order that goes
 * backwards (a new binlog file numbering after a failover). The tracker confirms them in arrival
 * order and keeps each blob alive exactly as long as someone holds it (ASan checks the counts). */
static void test_opaque_positions(void **state)
{
	static const char *files[] = {"mysql-bin.000009:4:uuid1:1-7", "mysql-bin.000010:4:uuid1:1-9",
	                              "db2-bin.000001:4:uuid2:1-2", "db2-bin.000001:900:uuid2:1-3"};
	uint64_t orders[] = {9ull << 32 | 4, 10ull << 32 | 4, 1ull << 32 | 4, 1ull << 32 | 900};
	rc_acktrack_t t;
	rc_ack_txn_t *txn[4];
	(void)state;
	rc_acktrack_init(&t, NULL);
	assert_false(t.confirmed.set);
	for (int i = 0; i < 4; i++) {
		rc_pos_t p = {.set = true,
		              .order = orders[i],
		              .sub = (uint64_t)i,
		              .blob = rc_pos_blob_new(files[i], strlen(files[i]))};
		txn[i] = rc_acktrack_begin(&t);
		rc_acktrack_add(&t, txn[i], 1);
		rc_acktrack_commit(&t, txn[i], &p);
		rc_pos_clear(&p); /* the tracker holds its own reference */
	}
	rc_acktrack_delivered(&t, txn[0], true, NULL);
	rc_acktrack_delivered(&t, txn[1], true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_string_equal(t.confirmed.blob->data, files[1]);
	/* The next position's order is smaller: it is still confirmed, in arrival order. */
	rc_acktrack_delivered(&t, txn[2], true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_string_equal(t.confirmed.blob->data, files[2]);
	assert_true(t.confirmed.order < orders[1]);
	rc_acktrack_delivered(&t, txn[3], true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_string_equal(t.confirmed.blob->data, files[3]);
	assert_int_equal(t.confirmed.sub, 3);
	rc_acktrack_destroy(&t);
}

/* Commits without a position (snapshot batches, standalone messages) confirm nothing by
 * themselves; the one with a position confirms them all. */
static void test_commits_without_position(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b;
	(void)state;
	rc_acktrack_init(&t, NULL);
	a = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_commit(&t, a, NULL);
	b = rc_acktrack_begin(&t);
	rc_acktrack_commit(&t, b, P(77));
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_true(rc_acktrack_advance(&t));
	assert_int_equal(ORD(t), 77);
	rc_acktrack_destroy(&t);
}

/* Bytes in flight (max.queue.size.in.bytes) come back to zero exactly, whatever the order of the
 * reports and however unevenly a transaction's records were sized. */
static void test_bytes_released_exactly(void **state)
{
	rc_acktrack_t t;
	rc_ack_txn_t *a, *b;

	(void)state;
	rc_acktrack_init(&t, NULL);
	a = rc_acktrack_begin(&t);
	b = rc_acktrack_begin(&t);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_add_bytes(&t, a, 1000);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_add_bytes(&t, a, 7);
	rc_acktrack_add(&t, a, 1);
	rc_acktrack_add_bytes(&t, a, 300);
	rc_acktrack_add(&t, b, 1);
	rc_acktrack_add_bytes(&t, b, 50);
	assert_int_equal(t.inflight_bytes, 1357);
	rc_acktrack_delivered(&t, b, true, NULL);
	assert_int_equal(t.inflight_bytes, 1307);
	rc_acktrack_delivered(&t, a, true, NULL);
	rc_acktrack_delivered(&t, a, false, "x");
	assert_true(t.inflight_bytes > 0 && t.inflight_bytes < 1307);
	rc_acktrack_delivered(&t, a, true, NULL);
	assert_int_equal(t.inflight_bytes, 0);
	assert_int_equal(t.inflight, 0);
	rc_acktrack_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order_confirmation),
	    cmocka_unit_test(test_uncommitted_blocks),
	    cmocka_unit_test(test_failure_freezes),
	    cmocka_unit_test(test_abort_keeps_order),
	    cmocka_unit_test(test_random_interleavings),
	    cmocka_unit_test(test_opaque_positions),
	    cmocka_unit_test(test_commits_without_position),
	    cmocka_unit_test(test_stall_from_oldest_handover),
	    cmocka_unit_test(test_source_time),
	    cmocka_unit_test(test_bytes_released_exactly),
	};
	return cmocka_run_group_tests_name("acktrack", tests, NULL, NULL);
}
