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
	    cmocka_unit_test(test_in_order_confirmation),    cmocka_unit_test(test_uncommitted_blocks),
	    cmocka_unit_test(test_failure_freezes),          cmocka_unit_test(test_abort_keeps_order),
	    cmocka_unit_test(test_random_interleavings),     cmocka_unit_test(test_opaque_positions),
	    cmocka_unit_test(test_commits_without_position), cmocka_unit_test(test_bytes_released_exactly),
	};
	return cmocka_run_group_tests_name("acktrack", tests, NULL, NULL);
}
