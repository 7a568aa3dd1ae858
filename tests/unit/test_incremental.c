/* The incremental snapshot's watermark window (snapshot/incremental_window.h): a chunk row is dropped
 * exactly when a streamed event of the same key (as the stream converts it) was seen in the window;
 * composite keys compare column by column, by value and not by text; keys with a NULL or unchanged
 * column are never matched; a keyless table's rows compare whole, NULLs included; a TRUNCATE in the
 * window drops every row; a reset forgets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/table.h"
#include "snapshot/incremental_window.h"

#include <stdio.h>
#include <string.h>

/* (id bigint, name text, v double) keyed by key columns per mask (bit 0 id, bit 1 name). */
static rc_table_t *table_of(unsigned mask)
{
	rc_table_t *t = rc_table_new("public", "t", "p.public.t", 3);
	assert_non_null(t);
	t->cols[0].name = strdup("id");
	t->cols[0].type = RC_T_INT64;
	t->cols[1].name = strdup("name");
	t->cols[1].type = RC_T_STRING;
	t->cols[2].name = strdup("v");
	t->cols[2].type = RC_T_FLOAT64;
	t->cols[0].key = mask & 1;
	t->cols[1].key = mask & 2;
	t->cols[2].key = mask & 4;
	rc_table_count_keys(t);
	return t;
}

static void row(rc_value_t *v, int64_t id, const char *name, double f)
{
	memset(v, 0, 3 * sizeof *v);
	v[0].state = RC_V_SET;
	v[0].u.i = id;
	if (name) {
		v[1].state = RC_V_SET;
		v[1].u.bytes.ptr = name;
		v[1].u.bytes.len = strlen(name);
	}
	v[2].state = RC_V_SET;
	v[2].u.f = f;
}

/* Adds the key of (id, name, f) to w. */
static void see(rc_inc_window_t *w, const rc_table_t *t, int64_t id, const char *name, double f)
{
	rc_value_t v[3];
	rc_buf_t b;

	rc_buf_init(&b, 1 << 20);
	row(v, id, name, f);
	assert_int_equal(rc_inc_key_bytes(t, v, &b), 0);
	assert_int_equal(rc_inc_window_add(w, b.data, b.len), 0);
	rc_buf_free(&b);
}

/* Whether the chunk row (id, name, f) is dropped; -1 when it has no comparable key. */
static int dropped(const rc_inc_window_t *w, const rc_table_t *t, int64_t id, const char *name, double f)
{
	rc_value_t v[3];
	rc_buf_t b;
	int r;

	rc_buf_init(&b, 1 << 20);
	row(v, id, name, f);
	r = rc_inc_key_bytes(t, v, &b);
	if (r == 0)
		r = rc_inc_window_has(w, b.data, b.len) ? 1 : 0;
	rc_buf_free(&b);
	return r;
}

static void test_single_key(void **state)
{
	rc_table_t *t = table_of(1);
	rc_inc_window_t w;
	(void)state;

	rc_inc_window_init(&w);
	for (int64_t id = 0; id < 5000; id += 2) /* past the first growth of the table */
		see(&w, t, id, "x", 1.0);
	for (int64_t id = 0; id < 5000; id++)
		assert_int_equal(dropped(&w, t, id, "other name", 2.0), id % 2 == 0);
	assert_int_equal(dropped(&w, t, -2, "x", 1.0), 0);
	assert_int_equal(dropped(&w, t, INT64_MAX, "x", 1.0), 0);
	/* The same key twice is one key. */
	see(&w, t, 0, "x", 1.0);
	assert_int_equal(w.n, 2500);
	rc_inc_window_reset(&w);
	assert_int_equal(dropped(&w, t, 0, "x", 1.0), 0);
	rc_inc_window_destroy(&w);
	rc_table_release(t);
}

static void test_composite_key(void **state)
{
	rc_table_t *t = table_of(3);
	rc_inc_window_t w;
	(void)state;

	rc_inc_window_init(&w);
	see(&w, t, 1, "a", 0);
	see(&w, t, 2, "ab", 0);
	assert_int_equal(dropped(&w, t, 1, "a", 9), 1); /* v is not part of the key */
	assert_int_equal(dropped(&w, t, 1, "b", 0), 0); /* same id, other name */
	assert_int_equal(dropped(&w, t, 2, "a", 0), 0); /* same name, other id */
	assert_int_equal(dropped(&w, t, 2, "ab", 0), 1);
	assert_int_equal(dropped(&w, t, 2, "a", 0), 0); /* a prefix of a key is another key */
	assert_int_equal(dropped(&w, t, 2, "abc", 0), 0);
	rc_inc_window_destroy(&w);
	rc_table_release(t);
}

/* A float key by value: -0 and 0 are one key, 0.1 + 0.2 is not 0.3. */
static void test_float_key(void **state)
{
	rc_table_t *t = table_of(4);
	rc_inc_window_t w;
	(void)state;

	rc_inc_window_init(&w);
	see(&w, t, 1, "a", 0.0);
	see(&w, t, 1, "a", 0.1 + 0.2);
	assert_int_equal(dropped(&w, t, 7, "z", -0.0), 1);
	assert_int_equal(dropped(&w, t, 7, "z", 0.3), 0);
	assert_int_equal(dropped(&w, t, 7, "z", 0.1 + 0.2), 1);
	rc_inc_window_destroy(&w);
	rc_table_release(t);
}

/* A NULL key column has no key to compare: never dropped (the caller keeps the row); a TRUNCATE in
 * the window drops every row. */
static void test_null_and_truncate(void **state)
{
	rc_table_t *t = table_of(3);
	rc_inc_window_t w;
	(void)state;

	rc_inc_window_init(&w);
	assert_int_equal(dropped(&w, t, 1, NULL, 0), -1);
	assert_int_equal(dropped(&w, t, 1, "a", 0), 0);
	w.everything = true;
	assert_int_equal(dropped(&w, t, 1, "a", 0), 1);
	rc_inc_window_reset(&w);
	assert_int_equal(dropped(&w, t, 1, "a", 0), 0);
	rc_inc_window_destroy(&w);
	rc_table_release(t);
}

/* Without a key the whole row is the identity (REPLICA IDENTITY FULL in the stream): every column
 * counts, a NULL is a value, an unchanged TOAST value leaves nothing to compare. */
static void test_keyless_whole_row(void **state)
{
	rc_table_t *t = table_of(0);
	rc_inc_window_t w;
	rc_value_t v[3];
	rc_buf_t b;
	(void)state;

	assert_int_equal(t->nkey, 0);
	rc_inc_window_init(&w);
	see(&w, t, 1, "a", 0.5);
	see(&w, t, 2, NULL, 0.5);
	assert_int_equal(dropped(&w, t, 1, "a", 0.5), 1);
	assert_int_equal(dropped(&w, t, 1, "a", 0.25), 0); /* one column differs: another row */
	assert_int_equal(dropped(&w, t, 1, "b", 0.5), 0);
	assert_int_equal(dropped(&w, t, 2, NULL, 0.5), 1); /* NULL is part of the row */
	assert_int_equal(dropped(&w, t, 2, "", 0.5), 0);   /* and not the empty string */
	rc_buf_init(&b, 1 << 20);
	row(v, 1, "a", 0.5);
	v[1].state = RC_V_UNCHANGED;
	assert_int_equal(rc_inc_key_bytes(t, v, &b), -1);
	rc_buf_free(&b);
	rc_inc_window_destroy(&w);
	rc_table_release(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_key),        cmocka_unit_test(test_composite_key),
	    cmocka_unit_test(test_float_key),         cmocka_unit_test(test_null_and_truncate),
	    cmocka_unit_test(test_keyless_whole_row),
	};
	return cmocka_run_group_tests_name("incremental", tests, NULL, NULL);
}
