/*
 * `rowcast snapshot --incremental --table T [--table U ...] [--stop]` (T schema.table, or a regular
 * expression over schema.table as Debezium's data-collections): asks the running rowcast of
 * this configuration to take (or stop) an incremental snapshot, by sending Debezium's
 * execute-snapshot (stop-snapshot) signal through the first channel signal.enabled.channels lists
 * that can carry it:
 *   kafka   a record keyed topic.prefix on signal.kafka.topic, value {"id", "type", "data"};
 *   source  an INSERT into signal.data.collection when set; else, on PostgreSQL, a transactional
 *           logical decoding message with prefix rowcast.signal (nothing written to any table).
 * It does not wait for the snapshot: the running rowcast logs it, with the id printed here.
 */
#include "config.h"

#include "agent/cli/commands.h"
#include "agent/check_report.h"
#include "agent/filter.h"
#include "agent/log.h"
#include "agent/signal.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/postgres/pg_conn.h"
#include "sinks/signal_kafka.h"
#include "snapshot/snapshot.h"

#include <inttypes.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Every table is schema.table and captured by this configuration. Returns 0, or 2 (reported). */
static int check_tables(const rc_conf_t *conf, const char *const *tables, int ntables, bool stop)
{
	rc_filter_t f;
	char err[512];
	int rc = 0;

	if (ntables == 0 && !stop) {
		rc_log_error("snapshot", "--incremental needs at least one --table schema.table");
		return 2;
	}
	if (rc_filter_init(&f, conf, err, sizeof err) != 0) {
		rc_log_error("snapshot", "%s", err);
		return 2;
	}
	for (int i = 0; i < ntables; i++) {
		const char *dot = strrchr(tables[i], '.');
		char schema[256];

		if (rc_snap_name_is_pattern(tables[i])) {
			/* Debezium's data-collections pattern: the running rowcast matches it against the
			 * tables it captures; here it must only be one. */
			rc_snap_table_t none = {.schema = (char *)"", .name = (char *)"", .full = (char *)""};
			if (rc_snap_name_match(tables[i], &none, err, sizeof err) < 0) {
				rc_log_error("snapshot", "--table %s", err);
				rc = 2;
			}
			continue;
		}
		if (!dot || dot == tables[i] || !dot[1]) {
			rc_log_error("snapshot",
			             "--table %s: expected schema.table (database.table on MySQL/MariaDB)",
			             tables[i]);
			rc = 2;
			continue;
		}
		snprintf(schema, sizeof schema, "%.*s", (int)(dot - tables[i]), tables[i]);
		if (!rc_filter_table(&f, schema, dot + 1)) {
			rc_log_error("snapshot",
			             "--table %s is not captured by this configuration (table.include.list, "
			             "table.exclude.list and the schema or database lists leave it out)",
			             tables[i]);
			rc = 2;
		}
	}
	rc_filter_free(&f);
	return rc;
}

/* The data object: {"data-collections": [...], "type": "incremental"} (caller frees). */
static char *data_json(const char *const *tables, int ntables)
{
	json_t *data = json_object(), *arr = json_array();
	char *text;

	for (int i = 0; i < ntables; i++)
		json_array_append_new(arr, json_string(tables[i]));
	if (ntables > 0)
		json_object_set_new(data, "data-collections", arr);
	else
		json_decref(arr);
	json_object_set_new(data, "type", json_string("incremental"));
	text = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(data);
	return text;
}

/* {"id"?, "type", "data"} (caller frees). */
static char *record_json(const char *id, const char *type, const char *const *tables, int ntables)
{
	json_t *doc = json_object();
	char *data = data_json(tables, ntables), *text;

	if (id)
		json_object_set_new(doc, "id", json_string(id));
	json_object_set_new(doc, "type", json_string(type));
	json_object_set_new(doc, "data", json_loads(data, 0, NULL));
	free(data);
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return text;
}

static int send_pg(const rc_conf_t *conf, const char *table, const char *id, const char *type,
                   const char *data, const char *record, char *err, size_t errlen)
{
	PGconn *conn = rc_pg_connect(conf, false, err, errlen);
	PGresult *res;
	char sql[700];
	int rc = 0;

	if (!conn)
		return -1;
	if (table) {
		const char *dot = strrchr(table, '.');
		char *schema_q, *name_q, schema[256];

		snprintf(schema, sizeof schema, "%.*s", (int)(dot - table), table);
		schema_q = PQescapeIdentifier(conn, schema, strlen(schema));
		name_q = PQescapeIdentifier(conn, dot + 1, strlen(dot + 1));
		snprintf(sql, sizeof sql, "INSERT INTO %s.%s VALUES ($1, $2, $3)", schema_q ? schema_q : "?",
		         name_q ? name_q : "?");
		PQfreemem(schema_q);
		PQfreemem(name_q);
		res = PQexecParams(conn, sql, 3, NULL, (const char *const[]){id, type, data}, NULL, NULL, 0);
	} else {
		res = PQexecParams(conn, "SELECT pg_logical_emit_message(true, $1, $2)", 2, NULL,
		                   (const char *const[]){RC_SIGNAL_MESSAGE_PREFIX, record}, NULL, NULL, 0);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
		rc = -1;
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

static int send_mysql(const rc_conf_t *conf, const char *table, const char *id, const char *type,
                      const char *data, char *err, size_t errlen)
{
	MYSQL *my = rc_mysql_connect(conf, err, errlen);
	const char *dot = strrchr(table, '.');
	const char *vals[3] = {id, type, data};
	char *esc[3] = {0}, *sql = NULL;
	size_t need = 200 + strlen(table) * 2;
	int rc = -1;

	if (!my)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (!(esc[i] = malloc(strlen(vals[i]) * 2 + 1)))
			goto out;
		mysql_real_escape_string(my, esc[i], vals[i], (unsigned long)strlen(vals[i]));
		need += strlen(esc[i]);
	}
	if (!(sql = malloc(need)))
		goto out;
	snprintf(sql, need, "INSERT INTO `%.*s`.`%s` VALUES ('%s', '%s', '%s')", (int)(dot - table), table,
	         dot + 1, esc[0], esc[1], esc[2]);
	rc = rc_mysql_exec(my, sql, err, errlen);
out:
	if (rc != 0 && !err[0])
		snprintf(err, errlen, "out of memory");
	for (int i = 0; i < 3; i++)
		free(esc[i]);
	free(sql);
	mysql_close(my);
	return rc;
}

int rc_cmd_signal_snapshot(const rc_conf_t *conf, const char *const *tables, int ntables, bool stop)
{
	const char *type = stop ? "stop-snapshot" : "execute-snapshot";
	const char *list = rc_conf_get(conf, "signal.enabled.channels");
	const char *table = rc_conf_get(conf, "signal.data.collection");
	bool pg = rc_conf_is(conf, "source.type", "postgres");
	char id[96], err[1024] = "", *data = NULL, *record = NULL, tbuf[512];
	int rc = check_tables(conf, tables, ntables, stop);

	if (rc != 0)
		return rc;
	if (table && !*table)
		table = NULL;
	snprintf(id, sizeof id, "rowcast-cli-%lld-%d", (long long)time(NULL), (int)getpid());
	data = data_json(tables, ntables);
	for (const char *p = list ? list : "source"; *p;) {
		const char *end;
		char word[32];

		while (*p == ' ' || *p == ',')
			p++;
		for (end = p; *end && *end != ',' && *end != ' '; end++)
			;
		if (end == p)
			break;
		snprintf(word, sizeof word, "%.*s", (int)(end - p), p);
		p = end;
		if (strcasecmp(word, "kafka") == 0) {
			int64_t offset = -1;

			record = record_json(id, type, tables, ntables);
			if (rc_signal_kafka_send(conf, record, 30000, &offset, err, sizeof err) != 0)
				goto failed;
			printf(
			    "sent %s signal '%s' through the kafka channel: topic %s partition 0 offset %" PRId64
			    ", key %s, value %s\n",
			    type, id, rc_signal_kafka_topic(conf, tbuf, sizeof tbuf), offset,
			    rc_conf_get(conf, "topic.prefix"), record);
			goto done;
		}
		if (strcasecmp(word, "source") == 0 && (table || pg)) {
			record = record_json(id, type, tables, ntables);
			if ((pg ? send_pg(conf, table, id, type, data, record, err, sizeof err)
			        : send_mysql(conf, table, id, type, data, err, sizeof err)) != 0)
				goto failed;
			if (table)
				printf(
				    "sent %s signal '%s' through the source channel: INSERT INTO %s (id, type, "
				    "data) VALUES ('%s', '%s', '%s')\n",
				    type, id, table, id, type, data);
			else
				printf(
				    "sent %s signal '%s' through the source channel: logical decoding message "
				    "prefix %s, content %s\n",
				    type, id, RC_SIGNAL_MESSAGE_PREFIX, record);
			goto done;
		}
	}
	rc_log_error("snapshot",
	             "no signal channel can carry the request: signal.enabled.channels=%s%s (enable kafka, "
	             "or set signal.data.collection to a signal table)",
	             list ? list : "source",
	             pg ? "" : "; on MySQL/MariaDB the source channel needs signal.data.collection");
	free(data);
	return 2;
failed:
	rc_log_error("snapshot", "cannot send the %s signal: %s", type, err);
	free(data);
	free(record);
	return 1;
done:
	free(data);
	free(record);
	return 0;
}

/* The signal table's column count from the catalog: -1 when the table does not exist, -2 when the
 * catalog cannot be read (err filled). */
static int signal_table_columns(const rc_conf_t *conf, const char *table, char *err, size_t errlen)
{
	const char *dot = strrchr(table, '.');
	char schema[256], buf[32];
	int n = -2;

	snprintf(schema, sizeof schema, "%.*s", (int)(dot - table), table);
	if (rc_conf_is(conf, "source.type", "postgres")) {
		PGconn *conn = rc_pg_connect(conf, false, err, errlen);
		PGresult *res;

		if (!conn)
			return -2;
		res = PQexecParams(conn,
		                   "SELECT (SELECT count(*) FROM information_schema.columns WHERE "
		                   "table_schema = $1 AND table_name = $2), EXISTS (SELECT 1 FROM "
		                   "information_schema.tables WHERE table_schema = $1 AND table_name = $2)",
		                   2, NULL, (const char *const[]){schema, dot + 1}, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			n = strcmp(PQgetvalue(res, 0, 1), "t") == 0 ? atoi(PQgetvalue(res, 0, 0)) : -1;
		else
			snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(conn);
	} else {
		MYSQL *my = rc_mysql_connect(conf, err, errlen);
		char q[2400], es[520], et[520];

		if (!my)
			return -2;
		mysql_real_escape_string(my, es, schema, (unsigned long)strlen(schema));
		mysql_real_escape_string(my, et, dot + 1, (unsigned long)strlen(dot + 1));
		snprintf(
		    q, sizeof q,
		    "SELECT IF(EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = '%s' "
		    "AND table_name = '%s'), (SELECT count(*) FROM information_schema.columns WHERE "
		    "table_schema = '%s' AND table_name = '%s'), -1)",
		    es, et, es, et);
		if (rc_mysql_query_value(my, q, buf, sizeof buf, err, errlen) == 0)
			n = atoi(buf);
		mysql_close(my);
	}
	err[strcspn(err, "\n")] = '\0';
	return n;
}

void rc_signal_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	const char *table = rc_conf_get(conf, "signal.data.collection");
	char err[512] = "", tbuf[512];
	int ncols;

	if (rc_signal_channel_enabled(conf, "kafka"))
		rc_check_ok(rep, "kafka channel: topic %s partition 0, records keyed %s, read every %s ms",
		            rc_signal_kafka_topic(conf, tbuf, sizeof tbuf), rc_conf_get(conf, "topic.prefix"),
		            rc_conf_get(conf, "signal.poll.interval.ms"));
	if (!rc_signal_channel_enabled(conf, "source"))
		return;
	if (rc_conf_is(conf, "source.type", "postgres")) {
		if (rc_conf_get_bool(conf, "messages", true))
			rc_check_ok(rep, "source channel: %s logical decoding messages (read-only)",
			            RC_SIGNAL_MESSAGE_PREFIX);
		else
			rc_check_warn(rep, "set messages=true to take them",
			              "source channel: messages=false, so %s messages are not read",
			              RC_SIGNAL_MESSAGE_PREFIX);
	}
	if (!table || !*table)
		return;
	ncols = signal_table_columns(conf, table, err, sizeof err);
	if (ncols == -2)
		rc_check_fail(rep, "check the database connection", "signal table %s: %s", table, err);
	else if (ncols == -1)
		rc_check_fail(rep,
		              "create it: CREATE TABLE <signal table> (id VARCHAR(42) PRIMARY KEY, type "
		              "VARCHAR(32) NOT NULL, data VARCHAR(2048))",
		              "signal table %s does not exist", table);
	else if (ncols < 3)
		rc_check_fail(rep, "give it the columns id, type, data (strings, in this order)",
		              "signal table %s has %d columns", table, ncols);
	else
		rc_check_ok(rep, "source channel: signal table %s (%d columns)", table, ncols);
}
