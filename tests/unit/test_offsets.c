/* The offset file: written atomically, read back exactly, damage reported with the file's name. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/offsets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/rowcast-offsets-XXXXXX";

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void test_round_trip(void **state)
{
	char path[256], err[512];
	rc_offset_t o = {.source = "postgres", .slot = "s1", .database = "shop", .lsn = 0x16B374D848ULL},
	            back;
	bool found;
	(void)state;
	path_of(path, sizeof path, "a.json");
	assert_int_equal(rc_offsets_store(path, &o, err, sizeof err), 0);
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), 0);
	assert_true(found);
	assert_string_equal(back.slot, "s1");
	assert_string_equal(back.database, "shop");
	assert_true(back.lsn == o.lsn);
	/* No temporary file left behind. */
	strcat(path, ".tmp");
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_missing_file(void **state)
{
	char path[256], err[512];
	rc_offset_t back;
	bool found = true;
	(void)state;
	path_of(path, sizeof path, "none.json");
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), 0);
	assert_false(found);
}

static void test_damaged_file(void **state)
{
	char path[256], err[512] = "";
	rc_offset_t back;
	bool found;
	FILE *f;
	(void)state;
	path_of(path, sizeof path, "bad.json");
	f = fopen(path, "w");
	fputs("{\"source\": \"postgres\", \"lsn\": \"not-an-lsn\"}", f);
	fclose(f);
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not an LSN"));
	f = fopen(path, "w");
	fputs("{\"source\": ", f);
	fclose(f);
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
}

static void test_unwritable(void **state)
{
	char err[512] = "";
	rc_offset_t o = {.source = "postgres", .lsn = 1};
	(void)state;
	assert_int_equal(rc_offsets_store("/nonexistent/dir/offsets.json", &o, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/offsets.json.tmp"));
	assert_non_null(strstr(err, "No such file or directory"));
}

/* A snapshot in progress is recorded and read back; a file without the key (older versions) means
 * none, and an unknown value is an error rather than a guess. */
static void test_snapshot_state(void **state)
{
	char path[256], err[512] = "";
	rc_offset_t o = {.source = "postgres",
	                 .slot = "s1",
	                 .database = "shop",
	                 .lsn = 0,
	                 .snapshot = RC_OFFSET_SNAPSHOT_RUNNING,
	                 .snapshot_tables = 7},
	            back;
	bool found;
	FILE *f;
	(void)state;
	path_of(path, sizeof path, "snap.json");
	assert_int_equal(rc_offsets_store(path, &o, err, sizeof err), 0);
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), 0);
	assert_true(found);
	assert_int_equal(back.snapshot, RC_OFFSET_SNAPSHOT_RUNNING);
	assert_int_equal(back.snapshot_tables, 7);
	assert_true(back.lsn == 0);

	o.snapshot = RC_OFFSET_SNAPSHOT_NONE;
	o.lsn = 0x1000;
	assert_int_equal(rc_offsets_store(path, &o, err, sizeof err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	{
		char text[1024];
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		assert_null(strstr(text, "snapshot")); /* older versions read it unchanged */
	}
	fclose(f);
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), 0);
	assert_int_equal(back.snapshot, RC_OFFSET_SNAPSHOT_NONE);

	f = fopen(path, "w");
	fputs("{\"source\": \"postgres\", \"lsn\": \"0/10\", \"snapshot\": \"done\"}", f);
	fclose(f);
	assert_int_equal(rc_offsets_load(path, &back, &found, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"snapshot\""));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_damaged_file),   cmocka_unit_test(test_unwritable),
	    cmocka_unit_test(test_snapshot_state),
	};
	return cmocka_run_group_tests_name("offsets", tests, setup, teardown);
}
