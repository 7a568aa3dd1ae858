/*
 * MySQL/MariaDB positions: the codec (decoders/mysql/mysql_position.c) through JSON and text, binlog
 * file sequence numbers, the stream's position keeping (mysql_stream_pos.c: a transaction's GTID joins
 * the executed set only at its commit) and the GTID set's dump encoding read back as PREVIOUS_GTIDS.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/errors.h"
#include "decoders/mysql/gtid.h"
#include "decoders/mysql/mysql_position.h"
#include "decoders/mysql/mysql_stream_pos.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"

static void test_binlog_seq(void **state)
{
	(void)state;
	assert_int_equal(rc_mysql_binlog_seq("mysql-bin.000042", 16), 42);
	assert_int_equal(rc_mysql_binlog_seq("binlog.1", 8), 1);
	assert_int_equal(rc_mysql_binlog_seq("binlog", 6), -1);
	assert_int_equal(rc_mysql_binlog_seq("binlog.", 7), -1);
	assert_int_equal(rc_mysql_binlog_seq("000042", 6), -1);
	assert_int_equal(rc_mysql_binlog_seq("a.1234567890", 12), -1); /* more than 9 digits */
}

static void test_codec_roundtrip(void **state)
{
	rc_pos_t p = RC_POS_NONE, q = RC_POS_NONE, later = RC_POS_NONE;
	json_t *obj = json_object();
	char text[RC_POS_TEXTLEN], err[256];
	size_t flen;

	(void)state;
	assert_int_equal(rc_mysql_pos_set(&p, "mysql-bin.000003", 1234, 0, U1 ":1-5"), 0);
	assert_int_equal(rc_mysql_pos_offset(&p), 1234);
	assert_memory_equal(rc_mysql_pos_file(&p, &flen), "mysql-bin.000003", 16);
	assert_int_equal(flen, 16);
	assert_string_equal(rc_mysql_pos_gtids(&p), U1 ":1-5");
	assert_int_equal(rc_mysql_pos_codec.to_json(&p, obj), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "file")), "mysql-bin.000003");
	assert_int_equal(json_integer_value(json_object_get(obj, "pos")), 1234);
	assert_string_equal(json_string_value(json_object_get(obj, "gtids")), U1 ":1-5");
	assert_int_equal(rc_mysql_pos_codec.from_json(obj, &q, err, sizeof err), 0);
	assert_true(rc_pos_same(&p, &q));
	rc_mysql_pos_codec.format(&p, text, sizeof text);
	assert_string_equal(text, "mysql-bin.000003:1234 gtids " U1 ":1-5");

	/* The order is (file sequence, position): the next file comes after any position in this one. */
	assert_int_equal(rc_mysql_pos_set(&later, "mysql-bin.000004", 4, 0, ""), 0);
	assert_true(rc_pos_after(&later, &p));
	assert_false(rc_pos_after(&p, &later));
	assert_string_equal(rc_mysql_pos_gtids(&later), "");

	json_object_set_new(obj, "pos", json_string("x"));
	assert_int_equal(rc_mysql_pos_codec.from_json(obj, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"pos\""));
	json_object_set_new(obj, "pos", json_integer(10));
	json_object_set_new(obj, "file", json_string("nofile"));
	assert_int_equal(rc_mysql_pos_codec.from_json(obj, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"file\""));
	json_decref(obj);
	rc_pos_clear(&p);
	rc_pos_clear(&q);
	rc_pos_clear(&later);
}

static void test_stream_pos_mysql(void **state)
{
	rc_mysql_stream_pos_t sp = {0};
	rc_binlog_gtid_t g = {.gno = 6};
	rc_pos_t p = RC_POS_NONE;
	char err[256];

	(void)state;
	assert_int_equal(rc_mysql_stream_pos_init(&sp, false, "binlog.000001", U1 ":1-5", err, sizeof err),
	                 RC_OK);
	strcpy(g.uuid, U1);
	assert_int_equal(rc_mysql_stream_pos_gtid_mysql(&sp, &g, err, sizeof err), RC_OK);
	assert_string_equal(rc_mysql_stream_pos_gtid(&sp), U1 ":6");
	/* Before its commit the transaction is not in the set: a position made now would skip it. */
	assert_int_equal(rc_mysql_stream_pos_make(&sp, 500, &p), 0);
	assert_string_equal(rc_mysql_pos_gtids(&p), U1 ":1-5");
	assert_int_equal(rc_mysql_stream_pos_commit(&sp, err, sizeof err), RC_OK);
	assert_null(rc_mysql_stream_pos_gtid(&sp));
	assert_int_equal(rc_mysql_stream_pos_make(&sp, 900, &p), 0);
	assert_string_equal(rc_mysql_pos_gtids(&p), U1 ":1-6");
	assert_int_equal(rc_mysql_pos_offset(&p), 900);

	/* An anonymous transaction (GTIDs off) adds nothing. */
	g.gno = 0;
	assert_int_equal(rc_mysql_stream_pos_gtid_mysql(&sp, &g, err, sizeof err), RC_OK);
	assert_null(rc_mysql_stream_pos_gtid(&sp));
	assert_int_equal(rc_mysql_stream_pos_commit(&sp, err, sizeof err), RC_OK);
	assert_int_equal(rc_mysql_stream_pos_rotate(&sp, "binlog.000002", err, sizeof err), RC_OK);
	assert_int_equal(rc_mysql_stream_pos_make(&sp, 4, &p), 0);
	assert_string_equal(rc_mysql_pos_gtids(&p), U1 ":1-6");
	assert_int_equal(rc_mysql_stream_pos_rotate(&sp, "nonumber", err, sizeof err), RC_ERR_FATAL);
	rc_pos_clear(&p);
	rc_mysql_stream_pos_destroy(&sp);

	assert_int_equal(rc_mysql_stream_pos_init(&sp, false, "binlog.000001", "not a set", err, sizeof err),
	                 RC_ERR_FATAL);
	rc_mysql_stream_pos_destroy(&sp);
}

static void test_stream_pos_mariadb(void **state)
{
	rc_mysql_stream_pos_t sp = {0};
	rc_binlog_maria_gtid_t g = {.seq = 101, .domain = 0};
	rc_pos_t p = RC_POS_NONE;
	char err[256];

	(void)state;
	assert_int_equal(
	    rc_mysql_stream_pos_init(&sp, true, "mysql-bin.000007", "0-1-100,2-5-9", err, sizeof err), RC_OK);
	assert_int_equal(rc_mysql_stream_pos_gtid_mariadb(&sp, &g, 3, err, sizeof err), RC_OK);
	assert_string_equal(rc_mysql_stream_pos_gtid(&sp), "0-3-101");
	assert_int_equal(rc_mysql_stream_pos_commit(&sp, err, sizeof err), RC_OK);
	assert_int_equal(rc_mysql_stream_pos_make(&sp, 1000, &p), 0);
	assert_string_equal(rc_mysql_pos_gtids(&p), "0-3-101,2-5-9");
	rc_pos_clear(&p);
	rc_mysql_stream_pos_destroy(&sp);
}

static void test_gtid_encode(void **state)
{
	const char *sets[] = {"", U1 ":1-5:7", U1 ":1-3,4a2b8c1d-0000-11e1-9e33-c80aa9429562:9",
	                      U1 ":1-2:tag_a:5-6:tagb:1"};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		rc_gtid_set_t *set, *back;
		uint8_t *bin;
		size_t len;
		char *a, *b;

		assert_int_equal(rc_gtid_set_parse(sets[i], strlen(sets[i]), &set, err, sizeof err), 0);
		assert_int_equal(rc_gtid_set_encode(set, &bin, &len, err, sizeof err), 0);
		assert_int_equal(rc_gtid_set_from_previous_gtids(bin, len, &back, err, sizeof err), 0);
		assert_int_equal(rc_gtid_set_format(set, &a, NULL, err, sizeof err), 0);
		assert_int_equal(rc_gtid_set_format(back, &b, NULL, err, sizeof err), 0);
		assert_string_equal(a, b);
		free(a);
		free(b);
		free(bin);
		rc_gtid_set_free(set);
		rc_gtid_set_free(back);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_binlog_seq),       cmocka_unit_test(test_codec_roundtrip),
	    cmocka_unit_test(test_stream_pos_mysql), cmocka_unit_test(test_stream_pos_mariadb),
	    cmocka_unit_test(test_gtid_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
