/* Configuration: file formats, precedence, validation messages, secrets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/cli/sources.h"
#include "agent/properties.h"
#include "agent/conf.h"
#include "agent/filter.h"
#include "agent/naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const base_pg = "source.type = postgres\n"
                                   "database.hostname = db.example\n"
                                   "database.user = cdc\n"
                                   "database.dbname = shop\n"
                                   "topic.prefix = shop\n"
                                   "sink.type = stdout\n";

static rc_conf_t *load(const char *text, char *err, size_t errlen)
{
	rc_conf_t *conf = rc_conf_new();
	assert_non_null(conf);
	err[0] = '\0';
	if (rc_conf_load_properties(conf, text, "test.properties", err, errlen) != 0 ||
	    rc_conf_finalize(conf, err, errlen) != 0) {
		rc_conf_free(conf);
		return NULL;
	}
	return conf;
}

static void test_properties_and_defaults(void **state)
{
	char err[2048];
	rc_conf_t *conf =
	    load("# comment\n! also a comment\n\n"
	         "source.type = postgres\ndatabase.hostname: db.example\n"
	         "database.user=cdc\ndatabase.dbname = shop\ntopic.prefix = shop\nsink.type = stdout\n"
	         "table.include.list = public\\.orders, \\\n  public\\.items\n",
	         err, sizeof err);
	(void)state;
	assert_non_null(conf);
	assert_string_equal(rc_conf_get(conf, "database.hostname"), "db.example");
	assert_string_equal(rc_conf_get(conf, "database.port"), "5432");
	assert_string_equal(rc_conf_get(conf, "slot.name"), "rowcast");
	assert_string_equal(rc_conf_get(conf, "table.include.list"), "public\\.orders, public\\.items");
	assert_true(rc_conf_get_bool(conf, "tombstones.on.delete", false));
	rc_conf_free(conf);
}

/* Debezium matches the include/exclude lists and message.key.columns without regard to case. */
static void test_filters_ignore_case(void **state)
{
	char err[2048], text[1024];
	rc_filter_t f;
	rc_conf_t *conf;
	char *keys;
	(void)state;
	snprintf(text, sizeof text,
	         "%stable.include.list = Public\\.Orders, public\\.ITEMS_.*\n"
	         "column.exclude.list = public\\.orders\\.Secret\n"
	         "message.key.columns = PUBLIC.orders:Id,Region\n",
	         base_pg);
	conf = load(text, err, sizeof err);
	assert_non_null(conf);
	assert_int_equal(rc_filter_init(&f, conf, err, sizeof err), 0);
	assert_true(rc_filter_table(&f, "public", "orders"));
	assert_true(rc_filter_table(&f, "PUBLIC", "ORDERS"));
	assert_true(rc_filter_table(&f, "public", "items_2026"));
	assert_false(rc_filter_table(&f, "public", "orders2"));
	assert_true(rc_filter_column_excluded(&f, "public", "Orders", "SECRET"));
	assert_false(rc_filter_column_excluded(&f, "public", "orders", "secrets"));
	keys = rc_key_columns_configured(conf, "public", "Orders");
	assert_non_null(keys);
	assert_true(rc_name_in_list(keys, "id"));
	assert_true(rc_name_in_list(keys, "REGION"));
	assert_false(rc_name_in_list(keys, "regio"));
	assert_false(rc_name_in_list(keys, "d"));
	free(keys);
	rc_filter_free(&f);
	rc_conf_free(conf);
}

static void test_unknown_property_suggests(void **state)
{
	char err[2048];
	char text[1024];
	(void)state;
	snprintf(text, sizeof text, "%sdatabase.hostnme = x\n", base_pg);
	assert_null(load(text, err, sizeof err));
	assert_non_null(strstr(err, "test.properties line 7: unknown property 'database.hostnme'"));
	assert_non_null(strstr(err, "did you mean 'database.hostname'?"));
}

static void test_missing_required(void **state)
{
	char err[2048];
	(void)state;
	assert_null(
	    load("source.type = postgres\ndatabase.hostname = h\nsink.type = stdout\n", err, sizeof err));
	assert_non_null(strstr(err, "missing required property 'database.user'"));
	assert_non_null(strstr(err, "missing required property 'topic.prefix'"));
	assert_non_null(strstr(err, "missing required property 'database.dbname' (source.type=postgres)"));
	assert_non_null(strstr(err, "ROWCAST_TOPIC_PREFIX"));
}

static void test_malformed_values(void **state)
{
	char err[4096], text[1024];
	(void)state;
	snprintf(text, sizeof text,
	         "%sdatabase.port = 54x\nsnapshot.mode = sometimes\ntombstones.on.delete = maybe\n"
	         "table.include.list = public.(orders\nsnapshot.max.threads = 0\n",
	         base_pg);
	assert_null(load(text, err, sizeof err));
	assert_non_null(strstr(err, "database.port = '54x' is not an integer (expected 1..65535)"));
	assert_non_null(strstr(err, "snapshot.mode = 'sometimes' is not valid (expected one of: initial|"));
	assert_non_null(strstr(err, "tombstones.on.delete = 'maybe' is not a boolean"));
	assert_non_null(strstr(err, "pattern 'public.(orders' is not a valid regular expression"));
	assert_non_null(strstr(err, "snapshot.max.threads = 0 is out of range (expected 1..64)"));
}

static void test_precedence_env_and_set(void **state)
{
	char err[2048];
	char *envp[] = {"ROWCAST_DATABASE_HOSTNAME=from-env",
	                "ROWCAST_TOPIC_PREFIX=env",
	                "ROWCAST_KAFKA_LINGER_MS=5",
	                "ROWCAST_TEST_PG_PORT=1",
	                "PATH=/bin",
	                NULL};
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	err[0] = '\0';
	assert_int_equal(rc_conf_load_properties(conf, base_pg, "f", err, sizeof err), 0);
	assert_int_equal(rc_conf_load_env(conf, envp, err, sizeof err), 0);
	assert_int_equal(rc_conf_set_arg(conf, "topic.prefix=cli", err, sizeof err), 0);
	assert_int_equal(rc_conf_finalize(conf, err, sizeof err), 0);
	assert_string_equal(rc_conf_get(conf, "database.hostname"), "from-env");
	assert_string_equal(rc_conf_get(conf, "topic.prefix"), "cli");
	assert_string_equal(rc_conf_get(conf, "kafka.linger.ms"), "5");
	rc_conf_free(conf);
}

static void test_unknown_env(void **state)
{
	char err[2048] = "";
	char *envp[] = {"ROWCAST_DATABASE_HOSTANME=x", NULL};
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	assert_int_equal(rc_conf_load_env(conf, envp, err, sizeof err), -1);
	assert_non_null(strstr(err, "environment ROWCAST_DATABASE_HOSTANME: unknown property"));
	assert_non_null(strstr(err, "ROWCAST_DATABASE_HOSTNAME"));
	rc_conf_free(conf);
}

static void test_password_file_and_secret_masking(void **state)
{
	char err[2048], path[] = "/tmp/rowcast-test-pw-XXXXXX", text[1024];
	char *out = NULL;
	size_t outlen = 0;
	FILE *mem;
	int fd = mkstemp(path);
	rc_conf_t *conf;
	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cr3t-pw\n", 10), 10);
	close(fd);
	snprintf(text, sizeof text,
	         "%sdatabase.password.file = %s\nkafka.sasl.password = k4fka-pw\n"
	         /* secrets whose names say nothing of it (security review F-5) */
	         "kafka.ssl.key.pem = -----BEGIN PRIVATE KEY-----pem-body\n"
	         "kafka.sasl.oauthbearer.config = principal=x oauth-cfg\n"
	         "kafka.ssl.key.passphrase = phrase-pw\n"
	         "schema.registry.url = http://alice:url-pw@registry:8081/apis\n",
	         base_pg, path);
	conf = load(text, err, sizeof err);
	assert_non_null(conf);
	assert_string_equal(rc_conf_get(conf, "database.password"), "s3cr3t-pw");
	assert_null(rc_conf_get(conf, "database.password.file"));
	mem = open_memstream(&out, &outlen);
	rc_conf_print(conf, mem);
	fclose(mem);
	assert_null(strstr(out, "s3cr3t-pw"));
	assert_null(strstr(out, "k4fka-pw"));
	assert_non_null(strstr(out, "database.password = ***"));
	for (const char *const *leak =
	         (const char *const[]){"pem-body", "oauth-cfg", "phrase-pw", "url-pw", "alice", NULL};
	     *leak; leak++)
		if (strstr(out, *leak))
			fail_msg("'%s' printed: %s", *leak, out);
	assert_non_null(strstr(out, "schema.registry.url = http://***@registry:8081/apis    #"));
	free(out);
	rc_conf_free(conf);
	unlink(path);
}

static void test_password_file_unreadable(void **state)
{
	char err[2048], text[1024];
	(void)state;
	snprintf(text, sizeof text, "%sdatabase.password.file = /nonexistent/pw\n", base_pg);
	assert_null(load(text, err, sizeof err));
	assert_non_null(
	    strstr(err, "cannot read database.password.file '/nonexistent/pw': No such file or directory"));
}

/* Java's properties rules (security review F-16): an odd number of trailing backslashes continues the
 * line, an even number is escaped backslashes ("pass\\" is the password "pass\", which used to
 * swallow the next line); \t \n \uXXXX \= \: \  escapes, in keys too; an escape Java does not know
 * keeps its backslash (a regular expression's \. or \d). */
static void test_properties_escapes(void **state)
{
	char err[2048], text[2048];
	rc_conf_t *conf;
	(void)state;

	snprintf(text, sizeof text,
	         "%sdatabase.password = pa\\\\ss\\\\\n"
	         "topic.delimiter = _\n"
	         "schema.registry.url = http://r\\\n"
	         "    egistry:8081\n"
	         "heartbeat.action.query = a\\tb\\u00e9\\ud83d\\ude00\\=\\:\\ c\\ \n"
	         "kafka.client\\.id\\=x = y\n"
	         "table.include.list = public\\.t_\\d+, s\\\\.u\n",
	         base_pg);
	conf = load(text, err, sizeof err);
	if (!conf)
		fail_msg("%s", err);
	assert_string_equal(rc_conf_get(conf, "database.password"), "pa\\ss\\");
	assert_string_equal(rc_conf_get(conf, "topic.delimiter"), "_");
	assert_string_equal(rc_conf_get(conf, "schema.registry.url"), "http://registry:8081");
	assert_string_equal(rc_conf_get(conf, "heartbeat.action.query"), "a\tb\xc3\xa9\xf0\x9f\x98\x80=: c ");
	assert_string_equal(rc_conf_get(conf, "kafka.client\\.id=x"), "y");
	assert_string_equal(rc_conf_get(conf, "table.include.list"), "public\\.t_\\d+, s\\.u");
	rc_conf_free(conf);

	for (const char *const *bad = (const char *const[]){"\\u12", "\\u0000", "\\udc00", "\\uZZZZ", NULL};
	     *bad; bad++) {
		snprintf(text, sizeof text, "%sdatabase.password = hunter%sy\n", base_pg, *bad);
		assert_null(load(text, err, sizeof err));
		if (!strstr(err, "test.properties line 7: database.password: a bad \\u escape") ||
		    strstr(err, "hunter"))
			fail_msg("%s: %s", *bad, err);
	}
}

/* message.key.columns is checked at start: a bad regex or an entry without columns was skipped. */
static void test_key_columns_checked(void **state)
{
	static const struct {
		const char *value, *expect;
	} cases[] = {
	    {"public.t(:a", "message.key.columns: 'public.t(' is not a valid regular expression"},
	    {"public.t", "entry 'public.t' is not 'table-regex:col1,col2'"},
	    {"public.t:", "entry 'public.t:' is not 'table-regex:col1,col2'"},
	    {":a", "entry ':a' is not 'table-regex:col1,col2'"},
	};
	char err[2048], text[2048];
	rc_conf_t *conf;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, "%smessage.key.columns = public.u:id;%s\n", base_pg,
		         cases[i].value);
		assert_null(load(text, err, sizeof err));
		if (!strstr(err, cases[i].expect))
			fail_msg("case %zu: %s", i, err);
	}
	snprintf(text, sizeof text, "%smessage.key.columns = public\\\\.u:id, b; s\\\\..*:k\n", base_pg);
	conf = load(text, err, sizeof err);
	if (!conf)
		fail_msg("%s", err);
	rc_conf_free(conf);
}

static void test_secret_never_in_error(void **state)
{
	/* Malformed properties lines (set: false) and --set arguments (set: true) holding a secret: the
	 * line number and a known key are named, the value never. */
	static const struct {
		bool set;
		const char *text, *expect;
	} cases[] = {
	    {false, "database.password hunter2-secret\n", "f line 1: 'database.password' is not followed by"},
	    {false, "\n\ndatabase.password\thunter2-secret = x\n", "f line 3: 'database.password' is not"},
	    {false, "database.password hunter2-secret:x\n", "f line 1: 'database.password' is not followed"},
	    {false, "kafka.sasl.password hunter2-secret\n",
	     "f line 1: 'kafka.sasl.password' is not followed"},
	    {false, "hunter2-secret\n", "f line 1: expected 'key = value' (the text is not shown"},
	    {false, "databse.password hunter2-secret\n", "f line 1: expected 'key = value' (the text is not"},
	    {false, "  = hunter2-secret\n", "f line 1: missing property name before '='"},
	    {true, "database.password hunter2-secret", "--set: 'database.password' is not followed by '='"},
	    {true, "database.password:hunter2-secret", "--set: 'database.password' is not followed by '='"},
	    {true, "hunter2-secret", "--set: expected key=value (the text is not shown"},
	    {true, "=hunter2-secret", "--set: missing property name before '='"},
	    {true, " =hunter2-secret", "--set: missing property name before '='"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[2048] = "";
		rc_conf_t *conf = rc_conf_new();
		int rc = cases[i].set ? rc_conf_set_arg(conf, cases[i].text, err, sizeof err)
		                      : rc_conf_load_properties(conf, cases[i].text, "f", err, sizeof err);

		if (rc != -1 || !strstr(err, cases[i].expect) || strstr(err, "hunter"))
			fail_msg("case %zu: rc %d: %s", i, rc, err);
		rc_conf_free(conf);
	}
}

/* A JSON syntax error right at or after a password: line and column, our words, no input text. jansson's
 * own text would quote it ("invalid token near 'hunter'", "invalid Unicode escape '\uZZZZ'"). */
static void test_json_syntax_error_hides_input(void **state)
{
	static const struct {
		const char *json, *expect;
	} cases[] = {
	    {"{\"config\": {\"database.password\": hunter2secret}}", "line 1 column 39: invalid JSON: an "
	                                                             "invalid token"},
	    {"{\"config\": {\"database.password\": \"hunter2secret\" \"x\": 1}}", "',' or '}' expected"},
	    {"{\"config\": {\"database.password\": \"hunter2\\q\"}}", "an invalid escape inside a string"},
	    {"{\"config\": {\"database.password\": \"hunter2\\uZZZZ\"}}", "invalid JSON: "},
	    {"{\"config\": {\"database.password\": \"hunter2\\udc00\"}}", "an invalid \\u escape"},
	    {"{\"config\": {\"database.password\": \"hunter2\x01\"}}", "a control character inside a "
	                                                               "string"},
	    {"{\"config\": {\"database.password\": \"hunter2\xe9\"}}", "invalid JSON: invalid UTF-8"},
	    {"{\"config\": {\"database.password\": \"hunter2\\u0000\"}}", "\\u0000 inside a string"},
	    {"{\"config\": {\"database.password\": \"hunter2secret", "unexpected end of input"},
	    {"{\"config\": {\"database.password\": \"hunter2\"}} hunter2", "text after the end of the"},
	    {"{\"config\": {\"database.password\": 99999999999999999999999}}", "an integer out of range"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[2048] = "";
		rc_conf_t *conf = rc_conf_new();

		assert_int_equal(rc_conf_load_buffer(conf, cases[i].json, strlen(cases[i].json), "c.json",
		                                     err, sizeof err),
		                 -1);
		if (!strstr(err, "c.json line 1 column ") || !strstr(err, cases[i].expect) ||
		    strstr(err, "hunter") || strstr(err, "0x") || strstr(err, "9999") || strstr(err, "ZZ") ||
		    strstr(err, "near"))
			fail_msg("case %zu: %s", i, err);
		rc_conf_free(conf);
	}
}

/* Values of any length are kept whole from every source: file (properties and connector JSON),
 * environment and --set (a 4095-byte cut once dropped tables from a long table.include.list). */
static void test_long_values_kept_whole(void **state)
{
	size_t n = 10000, pem_len = 100000;
	char *list = malloc(n + 1), *pem = malloc(pem_len + 1), *text, *json, *env, *set, err[4096] = "";
	char *envp[2] = {NULL, NULL};
	rc_conf_t *conf;
	(void)state;
	assert_non_null(list);
	assert_non_null(pem);
	for (size_t i = 0; i < n; i++)
		list[i] = "public.t_0123456789,"[i % 20];
	list[n - 1] = 'z';
	list[n] = '\0';
	memset(pem, 'A', pem_len);
	pem[pem_len] = '\0';

	assert_true(
	    asprintf(&text, "%stable.include.list = %s\nkafka.ssl.ca.pem = %s\n", base_pg, list, pem) > 0);
	conf = load(text, err, sizeof err);
	assert_non_null(conf);
	assert_string_equal(rc_conf_get(conf, "table.include.list"), list);
	assert_string_equal(rc_conf_get(conf, "kafka.ssl.ca.pem"), pem);
	rc_conf_free(conf);

	assert_true(asprintf(&json,
	                     "{\"name\": \"x\", \"config\": {\"source.type\": \"postgres\", "
	                     "\"database.hostname\": \"h\", \"database.user\": \"u\", \"database.dbname\": "
	                     "\"d\", \"topic.prefix\": \"p\", \"sink.type\": \"stdout\", "
	                     "\"table.include.list\": \"%s\", \"kafka.ssl.ca.pem\": \"%s\"}}",
	                     list, pem) > 0);
	conf = rc_conf_new();
	/* Without its last byte: the length, not a NUL, ends the buffer. */
	assert_int_equal(rc_conf_load_buffer(conf, json, strlen(json) - 1, "c.json", err, sizeof err), -1);
	assert_non_null(strstr(err, "c.json line 1 column "));
	rc_conf_free(conf);
	conf = rc_conf_new();
	err[0] = '\0';
	assert_int_equal(rc_conf_load_buffer(conf, json, strlen(json), "c.json", err, sizeof err), 0);
	assert_int_equal(rc_conf_finalize(conf, err, sizeof err), 0);
	assert_string_equal(rc_conf_get(conf, "table.include.list"), list);
	assert_string_equal(rc_conf_get(conf, "kafka.ssl.ca.pem"), pem);
	rc_conf_free(conf);

	assert_true(asprintf(&env, "ROWCAST_TABLE_INCLUDE_LIST=%s", list) > 0);
	assert_true(asprintf(&set, "kafka.ssl.ca.pem=%s", pem) > 0);
	envp[0] = env;
	conf = rc_conf_new();
	assert_int_equal(rc_conf_load_properties(conf, base_pg, "f", err, sizeof err), 0);
	assert_int_equal(rc_conf_load_env(conf, envp, err, sizeof err), 0);
	assert_int_equal(rc_conf_set_arg(conf, set, err, sizeof err), 0);
	assert_int_equal(rc_conf_finalize(conf, err, sizeof err), 0);
	assert_string_equal(rc_conf_get(conf, "table.include.list"), list);
	assert_string_equal(rc_conf_get(conf, "kafka.ssl.ca.pem"), pem);
	rc_conf_free(conf);
	free(set);
	free(env);
	free(json);
	free(text);
	free(pem);
	free(list);
}

/* Long names are neither cut nor skipped: a 300-character ROWCAST_ variable is reported, a long
 * ROWCAST_KAFKA_ one passed through whole. */
static void test_long_env_names(void **state)
{
	char var[400], err[2048] = "", key[400];
	char *envp[] = {var, NULL};
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	memset(var, 0, sizeof var);
	memcpy(var, "ROWCAST_DATABASE_", 17);
	memset(var + 17, 'X', 300);
	strcat(var, "=1");
	assert_int_equal(rc_conf_load_env(conf, envp, err, sizeof err), -1);
	assert_non_null(strstr(err, "XXXXX: unknown property"));
	rc_conf_free(conf);

	conf = rc_conf_new();
	memset(var, 0, sizeof var);
	memcpy(var, "ROWCAST_KAFKA_", 14);
	memset(var + 14, 'Y', 300);
	strcat(var, "=1");
	memset(key, 0, sizeof key);
	memcpy(key, "kafka.", 6);
	memset(key + 6, 'y', 300);
	assert_int_equal(rc_conf_load_env(conf, envp, err, sizeof err), 0);
	assert_string_equal(rc_conf_get(conf, key), "1");
	rc_conf_free(conf);
}

static void test_buffer_with_nul(void **state)
{
	char err[256] = "";
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	assert_int_equal(rc_conf_load_buffer(conf, "a = b\0c = d\n", 12, "f", err, sizeof err), -1);
	assert_string_equal(err, "f contains a NUL byte");
	rc_conf_free(conf);
}

static void test_connector_json(void **state)
{
	char err[2048], path[] = "/tmp/rowcast-test-json-XXXXXX";
	const char *json =
	    "{\"name\": \"inventory\", \"config\": {"
	    "\"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\","
	    "\"tasks.max\": \"1\", \"database.hostname\": \"pg\", \"database.port\": 5433,"
	    "\"database.user\": \"u\", \"database.dbname\": \"inv\", \"topic.prefix\": \"inv\","
	    "\"value.converter.schema.registry.url\": \"http://reg:8081\","
	    "\"kafka.bootstrap.servers\": \"k:9092\", \"tombstones.on.delete\": false}}";
	int fd = mkstemp(path);
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	err[0] = '\0';
	assert_int_equal(rc_conf_load_file(conf, path, err, sizeof err), 0);
	assert_int_equal(rc_conf_finalize(conf, err, sizeof err), 0);
	assert_string_equal(rc_conf_get(conf, "source.type"), "postgres");
	assert_string_equal(rc_conf_get(conf, "database.port"), "5433");
	assert_string_equal(rc_conf_get(conf, "schema.registry.url"), "http://reg:8081");
	assert_false(rc_conf_get_bool(conf, "tombstones.on.delete", true));
	rc_conf_free(conf);
	unlink(path);
}

/* connector.class resolves through the table of source types, as Kafka Connect names classes; MariaDB
 * is its own type (Debezium's source.connector "mariadb"), with MySQL's requirements and port. */
static void test_connector_classes(void **state)
{
	static const struct {
		const char *class, *type;
	} cases[] = {
	    {"io.debezium.connector.postgresql.PostgresConnector", "postgres"},
	    {"PostgresConnector", "postgres"},
	    {"Postgres", "postgres"},
	    {"io.debezium.connector.mysql.MySqlConnector", "mysql"},
	    {"io.debezium.connector.mariadb.MariaDbConnector", "mariadb"},
	    {"MariaDb", "mariadb"},
	    {"io.debezium.connector.sqlserver.SqlServerConnector", NULL},
	    {"Connector", NULL},
	};
	char err[2048], text[1024];
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc_conf_t *conf = rc_conf_new();
		int n = snprintf(
		    text, sizeof text,
		    "{\"config\": {\"connector.class\": \"%s\", \"database.hostname\": \"h\", "
		    "\"database.user\": \"u\", \"database.dbname\": \"d\", \"database.server.id\": 7, "
		    "\"topic.prefix\": \"p\", \"sink.type\": \"stdout\"}}",
		    cases[i].class);
		err[0] = '\0';
		if (cases[i].type) {
			assert_int_equal(
			    rc_conf_load_buffer(conf, text, (size_t)n, "c.json", err, sizeof err), 0);
			assert_int_equal(rc_conf_finalize(conf, err, sizeof err), 0);
			assert_string_equal(rc_conf_get(conf, "source.type"), cases[i].type);
			assert_string_equal(rc_conf_get(conf, "database.port"),
			                    strcmp(cases[i].type, "postgres") == 0 ? "5432" : "3306");
		} else {
			assert_int_equal(
			    rc_conf_load_buffer(conf, text, (size_t)n, "c.json", err, sizeof err), -1);
			assert_non_null(strstr(
			    err,
			    "is not one rowcast has (io.debezium.connector.postgresql.PostgresConnector, "));
		}
		rc_conf_free(conf);
	}
}

/* Each type's own required properties, named with the type. */
static void test_required_per_type(void **state)
{
	char err[2048] = "";
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	assert_int_equal(
	    rc_conf_load_properties(conf,
	                            "source.type = mariadb\ndatabase.hostname = h\ndatabase.user = u\n"
	                            "topic.prefix = p\nsink.type = stdout\n",
	                            "t", err, sizeof err),
	    0);
	assert_int_equal(rc_conf_finalize(conf, err, sizeof err), -1);
	assert_non_null(strstr(err, "missing required property 'database.server.id' (source.type=mariadb)"));
	assert_null(strstr(err, "database.dbname"));
	rc_conf_free(conf);
}

/* source.type's documented choices are the table's types. */
static void test_source_type_choices(void **state)
{
	const rc_prop_def_t *def = rc_prop_find("source.type");
	size_t n;
	const rc_source_type_t *types = rc_source_types(&n);
	char want[256] = "";
	(void)state;
	for (size_t i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", i ? "|" : "",
		         types[i].name);
	assert_non_null(def);
	assert_string_equal(def->choices, want);
}

static void test_unreadable_file(void **state)
{
	char err[2048] = "";
	rc_conf_t *conf = rc_conf_new();
	(void)state;
	assert_int_equal(rc_conf_load_file(conf, "/nonexistent/rowcast.properties", err, sizeof err), -1);
	assert_string_equal(
	    err, "cannot read config file '/nonexistent/rowcast.properties': No such file or directory");
	rc_conf_free(conf);
}

static void test_never_is_no_data(void **state)
{
	char err[2048], text[1024];
	rc_conf_t *conf;
	(void)state;
	snprintf(text, sizeof text, "%ssnapshot.mode = NEVER\n", base_pg);
	conf = load(text, err, sizeof err);
	assert_non_null(conf);
	assert_string_equal(rc_conf_get(conf, "snapshot.mode"), "no_data");
	rc_conf_free(conf);
}

int main(void)
{
	rc_sources_register();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_properties_and_defaults),
	    cmocka_unit_test(test_properties_escapes),
	    cmocka_unit_test(test_key_columns_checked),
	    cmocka_unit_test(test_unknown_property_suggests),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_malformed_values),
	    cmocka_unit_test(test_precedence_env_and_set),
	    cmocka_unit_test(test_unknown_env),
	    cmocka_unit_test(test_password_file_and_secret_masking),
	    cmocka_unit_test(test_password_file_unreadable),
	    cmocka_unit_test(test_secret_never_in_error),
	    cmocka_unit_test(test_json_syntax_error_hides_input),
	    cmocka_unit_test(test_long_values_kept_whole),
	    cmocka_unit_test(test_long_env_names),
	    cmocka_unit_test(test_buffer_with_nul),
	    cmocka_unit_test(test_connector_json),
	    cmocka_unit_test(test_connector_classes),
	    cmocka_unit_test(test_required_per_type),
	    cmocka_unit_test(test_source_type_choices),
	    cmocka_unit_test(test_unreadable_file),
	    cmocka_unit_test(test_never_is_no_data),
	    cmocka_unit_test(test_filters_ignore_case),
	};
	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
