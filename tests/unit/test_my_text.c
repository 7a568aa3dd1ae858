/* MySQL text-protocol values into value parts (snapshot/mysql/my_text.h): integers at their limits,
 * DATE/TIME/DATETIME/TIMESTAMP texts as the server sends them (negative and long TIMES, fractions,
 * zero dates), texts the server never sends refused; ENUM/SET labels from information_schema's
 * COLUMN_TYPE as MariaDB 10.11 wrote it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "snapshot/mysql/my_text.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *text;
	bool is_unsigned;
	int ok;
	int64_t i;
	uint64_t u;
} int_case_t;

static const int_case_t ints[] = {
    {"0", false, 0, 0, 0},
    {"-128", false, 0, -128, (uint64_t)-128},
    {"-9223372036854775808", false, 0, INT64_MIN, (uint64_t)INT64_MIN},
    {"9223372036854775807", false, 0, INT64_MAX, (uint64_t)INT64_MAX},
    {"9223372036854775808", false, -1, 0, 0},
    {"-9223372036854775809", false, -1, 0, 0},
    {"18446744073709551615", true, 0, -1, UINT64_MAX},
    {"18446744073709551616", true, -1, 0, 0},
    {"99999999999999999999", true, -1, 0, 0},
    {"-1", true, -1, 0, 0},
    {"", false, -1, 0, 0},
    {"-", false, -1, 0, 0},
    {"12a", false, -1, 0, 0},
    {"1.5", false, -1, 0, 0},
    {" 1", false, -1, 0, 0},
};

static void test_ints(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
		int64_t i = 7;
		uint64_t u = 7;
		int rc = rc_my_text_int(ints[k].text, strlen(ints[k].text), ints[k].is_unsigned, &i, &u);
		assert_int_equal(rc, ints[k].ok);
		if (rc == 0) {
			assert_int_equal(i, ints[k].i);
			assert_int_equal(u, ints[k].u);
		}
	}
}

typedef struct {
	const char *text;
	rc_mysql_kind_t kind;
	int ok;
	rc_mysql_datetime_t want;
} dt_case_t;

static const dt_case_t dts[] = {
    {"1000-01-01", RC_MY_DATE, 0, {false, 1000, 1, 1, 0, 0, 0, 0}},
    {"9999-12-31", RC_MY_DATE, 0, {false, 9999, 12, 31, 0, 0, 0, 0}},
    {"0000-00-00", RC_MY_DATE, 0, {false, 0, 0, 0, 0, 0, 0, 0}},
    {"2020-00-15", RC_MY_DATE, 0, {false, 2020, 0, 15, 0, 0, 0, 0}},
    {"2020-13-01", RC_MY_DATE, -1, {0}},
    {"2020-1-01", RC_MY_DATE, -1, {0}},
    {"2020-01-01 ", RC_MY_DATE, -1, {0}},
    {"-838:59:59", RC_MY_TIME, 0, {true, 0, 0, 0, 838, 59, 59, 0}},
    {"838:59:59.000000", RC_MY_TIME, 0, {false, 0, 0, 0, 838, 59, 59, 0}},
    {"-838:59:58.999999", RC_MY_TIME, 0, {true, 0, 0, 0, 838, 59, 58, 999999}},
    {"-00:00:00.500000", RC_MY_TIME, 0, {true, 0, 0, 0, 0, 0, 0, 500000}},
    {"-01:02:03.004", RC_MY_TIME, 0, {true, 0, 0, 0, 1, 2, 3, 4000}},
    {"100:00:00", RC_MY_TIME, 0, {false, 0, 0, 0, 100, 0, 0, 0}},
    {"839:00:00", RC_MY_TIME, -1, {0}},
    {"12:60:00", RC_MY_TIME, -1, {0}},
    {"12:00:00.", RC_MY_TIME, -1, {0}},
    {"12:00:00.1234567", RC_MY_TIME, -1, {0}},
    {"--1:00:00", RC_MY_TIME, -1, {0}},
    {"2020-02-29 12:34:56.123", RC_MY_DATETIME, 0, {false, 2020, 2, 29, 12, 34, 56, 123000}},
    {"0000-00-00 00:00:00", RC_MY_DATETIME, 0, {false, 0, 0, 0, 0, 0, 0, 0}},
    {"9999-12-31 23:59:59.999999", RC_MY_DATETIME, 0, {false, 9999, 12, 31, 23, 59, 59, 999999}},
    {"2020-01-01 24:00:00", RC_MY_DATETIME, -1, {0}},
    {"2020-01-01T00:00:00", RC_MY_DATETIME, -1, {0}},
    {"2020-01-01", RC_MY_DATETIME, -1, {0}},
    {"2020-01-01 00:00:00", RC_MY_YEAR, -1, {0}},
};

static void test_datetimes(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
		rc_mysql_datetime_t dt;
		int rc = rc_my_text_datetime(dts[k].text, strlen(dts[k].text), dts[k].kind, &dt);
		if (rc != dts[k].ok)
			fail_msg("'%s': %d, expected %d", dts[k].text, rc, dts[k].ok);
		if (rc == 0 && memcmp(&dt, &dts[k].want, sizeof dt) != 0)
			fail_msg("'%s': %s%d-%d-%d %d:%d:%d.%d", dts[k].text, dt.negative ? "-" : "", dt.year,
			         dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.micro);
	}
}

static void test_timestamps(void **state)
{
	static const struct {
		const char *text;
		int ok;
		int64_t sec;
		int32_t micro;
	} cases[] = {
	    {"1970-01-01 00:00:01", 0, 1, 0},
	    /* The last TIMESTAMP: 2^31 - 1 seconds. */
	    {"2038-01-19 03:14:07.999999", 0, 2147483647, 999999},
	    {"2020-01-01 00:00:00.000001", 0, 1577836800, 1},
	    {"0000-00-00 00:00:00", 0, 0, 0},
	    {"2021-02-29 00:00:00", -1, 0, 0},
	    {"2021-04-31 00:00:00", -1, 0, 0},
	    {"0000-00-00 00:00:01", -1, 0, 0},
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int64_t sec = -5;
		int32_t micro = -5;
		int rc = rc_my_text_timestamp(cases[k].text, strlen(cases[k].text), &sec, &micro);
		if (rc != cases[k].ok)
			fail_msg("'%s': %d, expected %d", cases[k].text, rc, cases[k].ok);
		if (rc == 0) {
			assert_int_equal(sec, cases[k].sec);
			assert_int_equal(micro, cases[k].micro);
		}
	}
}

static void free_labels(char **l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void test_labels(void **state)
{
	/* COLUMN_TYPE of enum('b''c','x\\y','é','a,b',' sp ','','q"q') on MariaDB 10.11 (the label
	 * ' sp ' lost its trailing space on the server). */
	static const char enum_type[] = "enum('b''c','x\\\\y','\xc3\xa9','a,b',' sp','','q\"q')";
	static const char *const enum_want[] = {"b'c", "x\\y", "\xc3\xa9", "a,b", " sp", "", "q\"q"};
	static const char *const bad[] = {"enum('a'", "enum('a','b'", "set", "enum('a')x", "enum('a'b)"};
	char **l;
	uint32_t n;

	(void)state;
	assert_int_equal(rc_my_parse_labels(enum_type, &l, &n), 0);
	assert_int_equal(n, 7);
	for (uint32_t i = 0; i < n; i++)
		assert_string_equal(l[i], enum_want[i]);
	free_labels(l, n);
	assert_int_equal(rc_my_parse_labels("set('x','y','z')", &l, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[2], "z");
	free_labels(l, n);
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		if (rc_my_parse_labels(bad[k], &l, &n) != -1)
			fail_msg("'%s' was read as labels", bad[k]);
		assert_null(l);
	}
}

static void test_quote_ident(void **state)
{
	char *q = rc_my_quote_ident("a`b``c");

	(void)state;
	assert_string_equal(q, "`a``b````c`");
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ints),        cmocka_unit_test(test_datetimes),
	    cmocka_unit_test(test_timestamps),  cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_quote_ident),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
