/* Log lines: the JSON form's fields and escaping (every line must parse, whatever a message or a
 * table name holds), the text form unchanged, log.file and its reopening after a rotation. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], path[128];

/* The file's content (owned by the caller), "" when absent. */
static char *slurp(const char *p)
{
	FILE *f = fopen(p, "rb");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(buf);
	if (!f)
		return buf;
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/rc_test_log.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rowcast.log", dir);
	assert_int_equal(rc_log_open_file(path, err, sizeof err), 0);
	return 0;
}

static int teardown(void **state)
{
	char p[160];

	(void)state;
	unlink(path);
	snprintf(p, sizeof p, "%s.1", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

/* The last line of the log file, without its newline. */
static char *last_line(void)
{
	char *all = slurp(path), *end, *start;

	end = all + strlen(all);
	assert_true(end > all && end[-1] == '\n');
	*--end = '\0';
	start = strrchr(all, '\n');
	start = start ? start + 1 : all;
	memmove(all, start, strlen(start) + 1);
	return all;
}

static void test_json_fields(void **state)
{
	char *line;

	(void)state;
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_JSON);
	rc_log_kv(
	    RC_LOG_WARN, "pipeline",
	    &(rc_log_fields_t){.table = "public.orders", .position = "0/16B3748", .error = "broker down"},
	    "stream stopped: %s", "broker down");
	line = last_line();
	/* ts: RFC 3339 UTC with milliseconds, then the fixed order of the members. */
	assert_int_equal(strncmp(line, "{\"ts\":\"", 7), 0);
	assert_true(strlen(line) > 31 && line[11] == '-' && line[17] == 'T' && line[30] == 'Z' &&
	            line[26] == '.');
	assert_non_null(strstr(line,
	                       "\",\"level\":\"warn\",\"component\":\"pipeline\",\"table\":\"public.orders\","
	                       "\"position\":\"0/16B3748\",\"error\":\"broker down\","
	                       "\"msg\":\"stream stopped: broker down\"}"));
	free(line);

	rc_log(RC_LOG_INFO, "agent", "plain");
	line = last_line();
	assert_non_null(strstr(line, "\"level\":\"info\",\"component\":\"agent\",\"msg\":\"plain\"}"));
	assert_null(strstr(line, "\"table\""));
	free(line);
}

static void test_json_escaping(void **state)
{
	char *line;

	(void)state;
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_JSON);
	rc_log_kv(RC_LOG_ERROR, "pg", &(rc_log_fields_t){.table = "s.\"odd\\name\"", .error = "a\nb\tc\x01"},
	          "quote \" backslash \\ newline \n tab \t bell \x07 del \x7f é bad \xff\xc3 end");
	line = last_line();
	assert_non_null(strstr(line, "\"table\":\"s.\\\"odd\\\\name\\\"\""));
	assert_non_null(strstr(line, "\"error\":\"a\\nb\\tc\\u0001\""));
	assert_non_null(strstr(line,
	                       "\"msg\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 del "
	                       "\\u007f \xc3\xa9 bad \\ufffd\\ufffd end\"}"));
	free(line);
}

static void test_json_long_line_stays_json(void **state)
{
	char *big = malloc(20000), *line;

	(void)state;
	assert_non_null(big);
	memset(big, '"', 19999); /* every byte doubles when escaped */
	big[19999] = '\0';
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_JSON);
	rc_log_kv(RC_LOG_INFO, "x", &(rc_log_fields_t){.table = big, .error = big}, "%s", big);
	line = last_line();
	assert_int_equal(line[strlen(line) - 1], '}');
	assert_int_equal(line[strlen(line) - 2], '"');
	assert_non_null(strstr(line, "\"msg\":\""));
	free(line);
	free(big);
}

static void test_secrets_masked_in_fields(void **state)
{
	char *line;

	(void)state;
	rc_log_add_secret("hunter2-secret");
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_JSON);
	rc_log_kv(RC_LOG_ERROR, "pg", &(rc_log_fields_t){.error = "password hunter2-secret refused"},
	          "login with hunter2-secret");
	line = last_line();
	assert_null(strstr(line, "hunter2"));
	assert_non_null(strstr(line, "\"error\":\"password *** refused\""));
	free(line);
}

static void test_text_unchanged(void **state)
{
	char *line;

	(void)state;
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_TEXT);
	rc_log_kv(RC_LOG_INFO, "pipeline", &(rc_log_fields_t){.position = "0/1"}, "streaming from %s", "0/1");
	line = last_line();
	/* "<ts> info  pipeline: streaming from 0/1": the fields are the message's, for people. */
	assert_non_null(strstr(line, "Z info  pipeline: streaming from 0/1"));
	assert_null(strstr(line, "{"));
	free(line);
	rc_log_debug("pipeline", "not written at info");
	line = last_line();
	assert_null(strstr(line, "not written"));
	free(line);
}

/* A table name or a registry's answer with a line end or a terminal escape cannot forge a line in the
 * text format (security review F-14): one record, one line, control characters escaped. */
static void test_text_escaping(void **state)
{
	char *all, *line;

	(void)state;
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_TEXT);
	rc_log_warn("registry", "table %s: %s", "evil\n2026-01-01T00:00:00.000Z error x: forged",
	            "body\x1b[31mred\r\x7f\ttab\n");
	line = last_line();
	if (!strstr(line, "Z warn  registry: table evil\\n2026-01-01T00:00:00.000Z error x: forged: "
	                  "body\\x1b[31mred\\r\\x7f\ttab"))
		fail_msg("%s", line);
	assert_null(strchr(line, '\x1b'));
	free(line);
	all = slurp(path);
	assert_null(strstr(all, "\n2026-01-01T00:00:00.000Z error x: forged"));
	free(all);
}

static void test_reopen_after_rotation(void **state)
{
	char rotated[160], *old, *now;
	struct stat st;

	(void)state;
	rc_log_setup(RC_LOG_INFO, RC_LOG_FORMAT_TEXT);
	rc_log_info("agent", "before rotation");
	snprintf(rotated, sizeof rotated, "%s.1", path);
	assert_int_equal(rename(path, rotated), 0);
	rc_log_info("agent", "still the old file");
	rc_log_request_reopen(); /* what SIGHUP's handler does */
	rc_log_info("agent", "after rotation");
	old = slurp(rotated);
	now = slurp(path);
	assert_non_null(strstr(old, "before rotation"));
	assert_non_null(strstr(old, "still the old file"));
	assert_null(strstr(old, "after rotation"));
	assert_non_null(strstr(now, "after rotation"));
	assert_null(strstr(now, "before rotation"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777 & ~0640, 0); /* at most rw-r----- (umask may take more) */
	free(old);
	free(now);
}

static void test_open_failure_names_the_file(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(rc_log_open_file("/nonexistent-dir/x.log", err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/x.log"));
	assert_non_null(strstr(err, "log.file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_fields),
	    cmocka_unit_test(test_json_escaping),
	    cmocka_unit_test(test_json_long_line_stays_json),
	    cmocka_unit_test(test_secrets_masked_in_fields),
	    cmocka_unit_test(test_text_unchanged),
	    cmocka_unit_test(test_text_escaping),
	    cmocka_unit_test(test_reopen_after_rotation),
	    cmocka_unit_test(test_open_failure_names_the_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
