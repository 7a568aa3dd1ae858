/* The COPY text format parser: fields, NULLs, escapes, and malformed rows refused with a reason. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "snapshot/postgres/copy_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 8

typedef struct {
	const char *row; /* as COPY TO STDOUT sends it, final newline included */
	int nfields;
	const char *want[MAXF]; /* decoded fields (no NUL byte can be in one); NULL for SQL NULL */
} good_case_t;

static const good_case_t good[] = {
    {"1\tabc\t\\N\n", 3, {"1", "abc", NULL}},
    /* Empty strings are not NULL, wherever they are. */
    {"\t\t\n", 3, {"", "", ""}},
    {"\n", 1, {""}},
    {"\\N\n", 1, {NULL}},
    {"\\N\t\\N\n", 2, {NULL, NULL}},
    /* Tabs, newlines and backslashes inside values travel escaped. */
    {"a\\tb\tline1\\nline2\t\\\\x\n", 3, {"a\tb", "line1\nline2", "\\x"}},
    {"\\b\\f\\r\\v\n", 1, {"\b\f\r\v"}},
    /* Octal and hex escapes (COPY FROM's reading; COPY TO does not write them). */
    {"\\101\\60\\7x\n", 1, {"A0\ax"}},
    {"\\x41\\x4a\\xf\\xg\n", 1, {"AJ\x0fxg"}},
    /* A backslash before any other character is that character; "\N" inside a value is an N. */
    {"\\q\\\"\\.\tab\\Ncd\t\\Nx\n", 3, {"q\".", "abNcd", "Nx"}},
    /* UTF-8 passes through untouched. */
    {"çéü 日本 🎉\t{\"k\": [1, null]}\n", 2, {"çéü 日本 🎉", "{\"k\": [1, null]}"}},
    /* The bytea hex form starts with an escaped backslash. */
    {"\\\\x00ff10\n", 1, {"\\x00ff10"}},
};

static void test_good_rows(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof good / sizeof good[0]; c++) {
		const good_case_t *g = &good[c];
		size_t len = strlen(g->row);
		char *scratch = malloc(len), err[256] = "";
		rc_copy_field_t f[MAXF];

		if (rc_copy_text_parse(g->row, len, scratch, f, g->nfields, err, sizeof err) != 0)
			fail_msg("case %zu: %s", c, err);
		for (int i = 0; i < g->nfields; i++) {
			if (!g->want[i]) {
				if (!f[i].null)
					fail_msg("case %zu field %d: not NULL", c, i);
				assert_null(f[i].ptr);
				continue;
			}
			if (f[i].null)
				fail_msg("case %zu field %d: NULL", c, i);
			size_t wl = strlen(g->want[i]);
			if (f[i].len != wl || memcmp(f[i].ptr, g->want[i], wl) != 0)
				fail_msg("case %zu field %d: got '%.*s' (%zu bytes), want '%s'", c, i,
				         (int)f[i].len, f[i].ptr, f[i].len, g->want[i]);
		}
		free(scratch);
	}
}

typedef struct {
	const char *row;
	int nfields;
	const char *why; /* a piece of the expected message */
} bad_case_t;

static const bad_case_t bad[] = {
    {"1\t2", 2, "does not end with a newline"},
    {"", 1, "does not end with a newline"},
    {"1\t2\t3\n", 2, "more than the 2 fields"},
    {"1\n", 2, "has 1 fields, 2 expected"},
    {"abc\\\n", 1, "backslash at the end of the row"},
    {"a\rb\n", 1, "raw carriage return in field 1"},
    {"a\tb\nc\n", 2, "raw newline in field 2"},
    {"\\.\n", 1, "end-of-data marker"},
    {"a\\000b\n", 1, "NUL byte in field 1"},
    {"\\x00\n", 1, "NUL byte"},
    {"x\n", 0, "more than the 0 fields"},
    {"\t\n", 0, "more than the 0 fields"},
};

static void test_bad_rows(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
		size_t len = strlen(bad[c].row);
		char *scratch = malloc(len + 1), err[256] = "";
		rc_copy_field_t f[MAXF];

		if (rc_copy_text_parse(bad[c].row, len, scratch, f, bad[c].nfields, err, sizeof err) != -1)
			fail_msg("case %zu ('%s') accepted", c, bad[c].row);
		if (!strstr(err, bad[c].why))
			fail_msg("case %zu: message '%s' lacks '%s'", c, err, bad[c].why);
		free(scratch);
	}
}

/* A row of exactly the bytes COPY sent: the scratch buffer is only as long as the row, and the
 * parser reads nothing past it (ASan checks the bounds). */
static void test_exact_bounds(void **state)
{
	static const char text[] = "x\\ty\t\\N\t\n";
	size_t len = sizeof text - 1;
	char *row = malloc(len), *scratch = malloc(len), err[256];
	rc_copy_field_t f[3];

	(void)state;
	memcpy(row, text, len);
	assert_int_equal(rc_copy_text_parse(row, len, scratch, f, 3, err, sizeof err), 0);
	assert_int_equal(f[0].len, 3);
	assert_memory_equal(f[0].ptr, "x\ty", 3);
	assert_true(f[1].null);
	assert_false(f[2].null);
	assert_int_equal(f[2].len, 0);
	/* A truncated escape at the very end of the buffer. */
	row[len - 2] = '\\';
	assert_int_equal(rc_copy_text_parse(row, len, scratch, f, 3, err, sizeof err), -1);
	free(row);
	free(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_rows),
	    cmocka_unit_test(test_bad_rows),
	    cmocka_unit_test(test_exact_bounds),
	};
	return cmocka_run_group_tests_name("copy_text", tests, NULL, NULL);
}
