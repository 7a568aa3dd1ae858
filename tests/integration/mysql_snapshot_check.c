/*
 * Snapshots of a real MariaDB/MySQL through rowcast's point and readers (decoders/mysql/
 * mysql_snapshot_point.h, snapshot/mysql/), checked against what the server computes itself.
 *
 *   mysql_snapshot_check types THREADS
 *     Makes tables with every type at its edges (a composite key, no key, tables of many fetch
 *     sizes), takes the point (THREADS 1 on MariaDB: lock-free; else the global read lock), runs
 *     the coordinator and turns every event value into a canonical text (numbers, days, µs, hex
 *     of bytes). The server computes the same texts with its own functions (DATEDIFF,
 *     TIMESTAMPDIFF, TIME_TO_SEC, UNIX_TIMESTAMP, HEX(CONVERT(.. USING utf8mb4)), CAST), and the
 *     two sets of rows must be equal. Also checks the events' source block and keys.
 *
 *   mysql_snapshot_check consistency THREADS DIR
 *     A writer thread inserts, updates and deletes rows of a 30,000-row table while the snapshot
 *     runs. Writes DIR/point (file pos), DIR/snapshot (id v per row read) and, once the writer has
 *     stopped, DIR/final (the table): the snapshot plus the binlog from the point must equal the
 *     final table (mysql_snapshot.sh replays it with mysql_binlog_replay.py).
 *
 * Connection from ROWCAST_TEST_MYSQL_HOST, _PORT, _USER, _PASSWORD. Exit 0 when everything agrees,
 * 1 when something does not, 99 when it cannot run.
 */
#include "config.h"

#include "agent/acktrack.h"
#include "agent/conf.h"
#include "agent/decimal.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/snapshot.h"
#include "agent/source.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_position.h"
#include "decoders/mysql/mysql_snapshot_point.h"
#include "snapshot/mysql/my_snapshot.h"

#include <inttypes.h>
#include <mysql.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static MYSQL *my;
static int failures, checked;
static bool mariadb;
/* ROWCAST_TEST_MYSQL_EXCLUSIVE=1: nothing else uses the server, so the test may change global
 * settings for a moment (binlog_format, sql_mode) and expect the binlog to stand still. make check
 * runs tests in parallel against one server: there it is off. */
static bool exclusive;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "mysql_snapshot_check: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (my) /* what the types test sets for the server while it runs */
		mysql_query(
		    my, "SET GLOBAL sql_mode = REPLACE(@@global.sql_mode, ',PAD_CHAR_TO_FULL_LENGTH', '')");
	exit(99);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	failures++;
	if (failures > 60)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void exec_on(MYSQL *c, const char *sql)
{
	if (mysql_query(c, sql) != 0)
		die("%.300s: %s", sql, mysql_error(c));
	mysql_free_result(mysql_store_result(c));
}

static void exec(const char *sql)
{
	exec_on(my, sql);
}

static MYSQL *connect_env(void)
{
	const char *host = getenv("ROWCAST_TEST_MYSQL_HOST"), *port = getenv("ROWCAST_TEST_MYSQL_PORT");
	MYSQL *c = mysql_init(NULL);

	if (!host || !port)
		die("ROWCAST_TEST_MYSQL_HOST and _PORT are not set (tests/env/env.sh)");
	mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(c, host, getenv("ROWCAST_TEST_MYSQL_USER"),
	                        getenv("ROWCAST_TEST_MYSQL_PASSWORD"), NULL, (unsigned)atoi(port), NULL, 0))
		die("cannot connect to %s:%s: %s", host, port, mysql_error(c));
	exec_on(c, "SET SESSION time_zone = '+00:00'");
	return c;
}

/* The test's configuration; extra: more property lines (a later line wins), or "". */
static rc_conf_t *make_conf(int threads, int fetch, const char *db, const char *extra)
{
	rc_conf_t *conf = rc_conf_new();
	char text[2048], err[RC_ERRSTR_LEN] = "";

	snprintf(text, sizeof text,
	         "source.type = %s\n"
	         "database.hostname = %s\n"
	         "database.port = %s\n"
	         "database.user = %s\n"
	         "database.password = %s\n"
	         "topic.prefix = snapcheck\n"
	         "database.server.id = 99123\n"
	         "sink.type = stdout\n"
	         "snapshot.max.threads = %d\n"
	         "snapshot.fetch.size = %d\n"
	         "table.include.list = %s[.].*\n%s",
	         mariadb ? "mariadb" : "mysql", getenv("ROWCAST_TEST_MYSQL_HOST"),
	         getenv("ROWCAST_TEST_MYSQL_PORT"), getenv("ROWCAST_TEST_MYSQL_USER"),
	         getenv("ROWCAST_TEST_MYSQL_PASSWORD"), threads, fetch, db, extra);
	if (!conf || rc_conf_load_properties(conf, text, "test", err, sizeof err) != 0 ||
	    rc_conf_finalize(conf, err, sizeof err) != 0)
		die("configuration: %s", err);
	return conf;
}

/* ---- collecting the snapshot's events ------------------------------------------------------ */

/* One event: its table and the canonical text of its row ("v1|v2|..."). */
typedef struct got {
	char *table; /* db.table */
	char *line;
	size_t ncols, nkey;
	char *snapshot; /* source.snapshot marker */
	char *file;
	int64_t pos, server_id;
	char *connector;
	char *topic;
	bool db_ok; /* source.db is the table's database */
} got_t;

static got_t *gots;
static size_t ngots, capgots;
static int slow_every; /* consistency: the handler naps every this many events, so the writer's
                        * changes land while the readers read (a slow Kafka, in effect) */

static char *hex_of(const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	char *s = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[p[i] >> 4];
		s[2 * i + 1] = hx[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* Strips a decimal text to its value: no '+', no leading zeros, no trailing fraction zeros, "-0"
 * as "0". */
static void norm_decimal(char *s)
{
	char *dot = strchr(s, '.'), *p;
	bool neg = s[0] == '-';
	char *d = s + (neg || s[0] == '+');

	if (dot) {
		p = s + strlen(s);
		while (p > dot + 1 && p[-1] == '0')
			*--p = '\0';
		if (p == dot + 1)
			*dot = '\0';
	}
	while (d[0] == '0' && d[1] && d[1] != '.')
		memmove(d, d + 1, strlen(d));
	if (strcmp(d, "0") == 0)
		memmove(s, d, strlen(d) + 1);
	else if (s[0] == '+')
		memmove(s, s + 1, strlen(s));
}

/* "YYYY-MM-DDTHH:MM:SS[.f]Z" as µs since the epoch; INT64_MIN when malformed. */
static int64_t parse_zoned(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;
	int64_t us = 0, scale = 100000;
	struct tm tm = {0};

	if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return INT64_MIN;
	s += n;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			us += (*s - '0') * scale;
	if (strcmp(s, "Z") != 0)
		return INT64_MIN;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm) * 1000000 + us;
}

/* The canonical text of one value (what the server's expressions compute, see expect_expr). */
static char *canon(const rc_column_t *col, const rc_value_t *v)
{
	char buf[512];
	const char *sem = col->semantic ? col->semantic : "";

	if (v->state != RC_V_SET)
		return strdup("NULL");
	switch (col->type) {
	case RC_T_BOOL:
		return strdup(v->u.b ? "1" : "0");
	case RC_T_INT8:
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_INT64:
	case RC_T_DATE:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MICROS:
		snprintf(buf, sizeof buf, "%" PRId64, v->u.i);
		return strdup(buf);
	case RC_T_TIME_MILLIS:
	case RC_T_TIMESTAMP_MILLIS:
		snprintf(buf, sizeof buf, "%" PRId64, v->u.i * 1000);
		return strdup(buf);
	case RC_T_FLOAT32:
	case RC_T_FLOAT64:
		snprintf(buf, sizeof buf, "%.17g", v->u.f);
		return strdup(buf);
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL: {
		rc_arena_t arena;
		rc_decimal_t d;
		char *s = NULL;
		rc_arena_init(&arena, 4096);
		if (rc_decimal_from_twos((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len,
		                         col->type == RC_T_DECIMAL ? col->scale : v->u.bytes.scale, &arena,
		                         &d) == 0) {
			char *t = rc_decimal_to_string(&d, RC_DECIMAL_PLAIN, &arena);
			s = strdup(t ? t : "?");
			norm_decimal(s);
		}
		rc_arena_destroy(&arena);
		return s ? s : strdup("BAD-DECIMAL");
	}
	case RC_T_STRING:
		if (strstr(sem, "ZonedTimestamp")) {
			int64_t us = parse_zoned(v->u.bytes.ptr);
			if (us == INT64_MIN)
				snprintf(buf, sizeof buf, "BAD-ZONED(%s)", v->u.bytes.ptr);
			else
				snprintf(buf, sizeof buf, "%" PRId64, us);
			return strdup(buf);
		}
		return hex_of((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len);
	case RC_T_BYTES:
		if (strstr(sem, "Bits")) { /* Debezium's Bits: little-endian */
			uint64_t u = 0;
			for (size_t i = v->u.bytes.len; i-- > 0;)
				u = u << 8 | (unsigned char)v->u.bytes.ptr[i];
			snprintf(buf, sizeof buf, "%" PRIu64, u);
			return strdup(buf);
		}
		return hex_of((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len);
	case RC_T_GEOMETRY: { /* back to the server's form: SRID (4 bytes, little-endian), then WKB */
		unsigned char *b = malloc(v->u.bytes.len + 4);
		char *h;
		uint32_t srid = (uint32_t)v->u.bytes.scale;
		for (int k = 0; k < 4; k++)
			b[k] = (unsigned char)(srid >> (8 * k));
		memcpy(b + 4, v->u.bytes.ptr, v->u.bytes.len);
		h = hex_of(b, v->u.bytes.len + 4);
		free(b);
		return h;
	}
	default:
		snprintf(buf, sizeof buf, "TYPE-%d", (int)col->type);
		return strdup(buf);
	}
}

/* The tickets, as the pipeline's: the coordinator hangs its acknowledged chunks on them
 * (rc_acktrack_on_retire). No record is ever in flight here, so each retires at the next advance. */
static rc_acktrack_t track;

static rc_ack_txn_t *h_begin(void *opaque)
{
	(void)opaque;
	return rc_acktrack_begin(&track);
}

static int h_event(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen)
{
	size_t len = 0, cap = 256;
	char *line = malloc(cap), full[300];
	got_t *g;

	(void)opaque;
	(void)txn;
	(void)err;
	(void)errlen;
	line[0] = '\0';
	for (size_t i = 0; i < ev->table->ncols; i++) {
		char *c = canon(&ev->table->cols[i], &ev->after[i]);
		size_t n = strlen(c);
		if (len + n + 2 > cap) {
			cap = (len + n + 2) * 2;
			line = realloc(line, cap);
		}
		if (i)
			line[len++] = '|';
		memcpy(line + len, c, n + 1);
		len += n;
		free(c);
	}
	if (ngots == capgots) {
		capgots = capgots ? capgots * 2 : 1024;
		gots = realloc(gots, capgots * sizeof *gots);
	}
	g = &gots[ngots++];
	memset(g, 0, sizeof *g);
	snprintf(full, sizeof full, "%s.%s", ev->table->schema_name, ev->table->name);
	g->table = strdup(full);
	g->line = line;
	g->ncols = ev->table->ncols;
	g->nkey = ev->table->nkey;
	g->snapshot = strdup(ev->source.snapshot ? ev->source.snapshot : "(null)");
	g->file = strdup(ev->source.file ? ev->source.file : "(null)");
	g->pos = ev->source.pos;
	g->server_id = ev->source.server_id;
	g->connector = strdup(ev->source.connector ? ev->source.connector : "(null)");
	g->topic = strdup(ev->table->topic ? ev->table->topic : "(null)");
	g->db_ok = ev->source.db && strcmp(ev->source.db, ev->table->schema_name) == 0;
	if (ev->op != RC_OP_READ)
		fail("event of %s has op %c, expected r", full, (char)ev->op);
	if (slow_every && ngots % (size_t)slow_every == 0)
		usleep(3000);
	return RC_OK;
}

static rc_pos_t last_commit;
static int commits_with_pos;

static void h_commit(void *opaque, rc_ack_txn_t *txn, const rc_pos_t *position)
{
	(void)opaque;
	rc_acktrack_commit(&track, txn, position);
	if (position && position->set) {
		commits_with_pos++;
		rc_pos_clear(&last_commit);
		rc_pos_copy(&last_commit, position);
	}
}

static void free_gots(void)
{
	for (size_t i = 0; i < ngots; i++) {
		free(gots[i].table);
		free(gots[i].line);
		free(gots[i].snapshot);
		free(gots[i].file);
		free(gots[i].connector);
		free(gots[i].topic);
	}
	free(gots);
	gots = NULL;
	ngots = capgots = 0;
}

/* Takes the point on a connection of its own (as the source would), runs the coordinator to the
 * end, and fills gots. Between point and held, before_held runs (the consistency test's probe). */
static void run_snapshot2(rc_conf_t *conf, rc_snapshot_point_t *pt, void (*before_held)(void),
                          void (*after_held)(void))
{
	char err[RC_ERRSTR_LEN] = "";
	rc_source_handler_t h = {.begin = h_begin, .event = h_event, .commit = h_commit};
	rc_snapshot_t *snap;
	MYSQL *src = rc_mysql_connect(conf, err, sizeof err);
	bool done = false;
	int rc;

	if (!src)
		die("%s", err);
	snap = rc_snapshot_new(conf, &rc_mysql_snapshot_reader, err, sizeof err);
	if (!snap)
		die("rc_snapshot_new: %s", err);
	rc = rc_mysql_snapshot_point(src, conf, mariadb, true, pt, err, sizeof err);
	if (rc != RC_OK)
		die("rc_mysql_snapshot_point: %s", err);
	rc = snap->ops->plan(snap, pt, NULL, 0, err, sizeof err);
	if (rc == RC_OK)
		rc = snap->ops->start(snap, pt, err, sizeof err);
	if (rc == RC_OK && before_held)
		before_held();
	if (rc == RC_OK)
		rc = rc_mysql_snapshot_held(src, err, sizeof err);
	if (rc != RC_OK)
		die("snapshot start: %s", err);
	if (after_held)
		after_held();
	rc = 0;
	while (!done) {
		struct pollfd pfd = {.fd = snap->ops->fd(snap), .events = POLLIN};
		if (rc < 500) /* as the pipeline's loop: a full budget means more is there already */
			poll(&pfd, 1, 200);
		rc = snap->ops->emit(snap, &h, 500, &done, err, sizeof err);
		if (rc < 0)
			die("snapshot emit: %s", err);
		rc_acktrack_advance(&track);
		snap->ops->progress(snap);
	}
	snap->ops->finish(snap, NULL);
	snap->ops->free(snap);
	mysql_close(src);
}

static void run_snapshot(rc_conf_t *conf, rc_snapshot_point_t *pt, void (*before_held)(void))
{
	run_snapshot2(conf, pt, before_held, NULL);
}

/* ---- the types test ---------------------------------------------------------------------------- */

typedef enum {
	CMP_NUM,      /* CAST(c AS CHAR) */
	CMP_SIGNED,   /* BIGINT UNSIGNED as a Java long: CAST(c AS SIGNED) */
	CMP_FLOAT,    /* CAST(c AS DOUBLE), then %.17g */
	CMP_DEC,      /* CAST(c AS CHAR), normalized */
	CMP_HEX,      /* HEX(c) */
	CMP_TEXT,     /* HEX(CONVERT(c USING utf8mb4)) */
	CMP_ENUM,     /* HEX(CONVERT(CAST(c AS CHAR) USING utf8mb4)) */
	CMP_DATE,     /* DATEDIFF(c, '1970-01-01') */
	CMP_TIME,     /* µs: TIME_TO_SEC */
	CMP_DATETIME, /* µs: TIMESTAMPDIFF(MICROSECOND, epoch, c) */
	CMP_TS,       /* µs: UNIX_TIMESTAMP (session time zone UTC); the zero TIMESTAMP NULL */
	CMP_BITS,     /* c+0 */
	CMP_YEAR,     /* c+0, but YEAR 0000 is 1900: Debezium's binlog reader's Year.of(1900 + 0) */
} cmp_t;

typedef struct spec {
	const char *name, *type;
	cmp_t cmp;
	const char *values[8]; /* SQL literals, one row each (other columns NULL in that row) */
} spec_t;

/* clang-format off */
static const spec_t specs[] = {
    {"ti", "tinyint", CMP_NUM, {"-128", "127", "0"}},
    {"tiu", "tinyint unsigned", CMP_NUM, {"255", "0"}},
    {"si", "smallint", CMP_NUM, {"-32768", "32767"}},
    {"siu", "smallint unsigned", CMP_NUM, {"65535"}},
    {"mi", "mediumint", CMP_NUM, {"-8388608", "8388607"}},
    {"miu", "mediumint unsigned", CMP_NUM, {"16777215"}},
    {"i", "int", CMP_NUM, {"-2147483648", "2147483647"}},
    {"iu", "int unsigned", CMP_NUM, {"4294967295"}},
    {"bi", "bigint", CMP_NUM, {"-9223372036854775808", "9223372036854775807"}},
    {"biu", "bigint unsigned", CMP_SIGNED, {"18446744073709551615", "9223372036854775808", "1"}},
    {"f", "float", CMP_FLOAT, {"1.2345678", "-3.4028234e38", "0", "1.17549435e-38", "-0.1"}},
    {"d", "double", CMP_FLOAT, {"0.1", "-1.7976931348623157e308", "2.2250738585072014e-308", "0.30000000000000004"}},
    {"dec", "decimal(65,30)", CMP_DEC,
     {"99999999999999999999999999999999999.999999999999999999999999999999",
      "-99999999999999999999999999999999999.999999999999999999999999999999",
      "-0.000000000000000000000000000001", "0", "-12.5"}},
    {"dec0", "decimal(65,0)", CMP_DEC,
     {"99999999999999999999999999999999999999999999999999999999999999999",
      "-12345678901234567890123456789012345678901234567890123456789012345"}},
    {"dec52", "decimal(5,2)", CMP_DEC, {"-999.99", "0.5", "999.99", "-0.01"}},
    {"decu", "decimal(10,4) unsigned", CMP_DEC, {"999999.9999", "0.0001"}},
    {"b1", "bit(1)", CMP_BITS, {"b'0'", "b'1'"}},
    {"b10", "bit(10)", CMP_BITS, {"b'1000000001'", "b'0'"}},
    {"b64", "bit(64)", CMP_BITS, {"b'1111111111111111111111111111111111111111111111111111111111111111'",
                                  "b'1000000000000000000000000000000000000000000000000000000000000000'", "1"}},
    {"y", "year", CMP_YEAR, {"1901", "2155", "0000", "2024"}},
    {"dt", "date", CMP_DATE, {"'1000-01-01'", "'9999-12-31'", "'0000-00-00'", "'1970-01-01'", "'1969-12-31'",
                              "'2020-00-15'", "'2024-02-29'"}},
    {"tm", "time", CMP_TIME, {"'-838:59:59'", "'838:59:59'", "'00:00:00'", "'-00:00:01'", "'100:00:00'"}},
    {"tm6", "time(6)", CMP_TIME, {"'-838:59:58.999999'", "'-00:00:00.5'", "'12:34:56.000001'", "'838:59:58.999999'"}},
    {"tm3", "time(3)", CMP_TIME, {"'-01:02:03.004'", "'23:59:59.999'"}},
    {"dtm", "datetime", CMP_DATETIME, {"'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'", "'0000-00-00 00:00:00'",
                                       "'1969-12-31 23:59:59'"}},
    {"dtm3", "datetime(3)", CMP_DATETIME, {"'2020-02-29 12:00:00.123'", "'1900-01-01 00:00:00.001'"}},
    {"dtm6", "datetime(6)", CMP_DATETIME, {"'1969-12-31 23:59:59.999999'", "'9999-12-31 23:59:59.999999'",
                                           "'1970-01-01 00:00:00.000001'"}},
    {"ts", "timestamp NULL", CMP_TS, {"'1970-01-01 00:00:01'", "'2038-01-19 03:14:07'", "'0000-00-00 00:00:00'"}},
    {"ts6", "timestamp(6) NULL", CMP_TS, {"'2020-01-01 00:00:00.000001'", "'1999-12-31 23:59:59.5'"}},
    {"c", "char(10) CHARACTER SET utf8mb4", CMP_TEXT, {"'abc'", "''", "'ÿé  '"}},
    {"vc", "varchar(100) CHARACTER SET utf8mb4", CMP_TEXT,
     {"'😀 four bytes 𝄞'", "'Ünïcödé'", "''", "'tab\\there ''q'' \\\\ back'"}},
    {"vl", "varchar(50) CHARACTER SET latin1", CMP_TEXT, {"'café'", "'€ and ÿ'", "''"}},
    {"v3", "varchar(50) CHARACTER SET utf8mb3", CMP_TEXT, {"'ünï'"}},
    {"tx", "text", CMP_TEXT, {"REPEAT('x', 60000)", "''"}},
    {"lt", "longtext CHARACTER SET utf8mb4", CMP_TEXT, {"REPEAT('é😀', 50000)"}},
    {"bn", "binary(4)", CMP_HEX, {"X'00FF00'", "X'DEADBEEF'", "''"}},
    {"vb", "varbinary(10)", CMP_HEX, {"X''", "X'00'", "X'FF00FF00'"}},
    {"bl", "blob", CMP_HEX, {"X'DEADBEEF'", "X''"}},
    {"lb", "longblob", CMP_HEX, {"REPEAT(X'00FF', 100000)"}},
    {"e", "enum('a','b''c','d é')", CMP_ENUM, {"'b''c'", "'d é'", "'a'"}},
    {"s", "set('x','y','z')", CMP_ENUM, {"'x,z'", "''", "'x,y,z'", "'y'"}},
    {"j", "json", CMP_TEXT, {"'{\"a\": [1, 2.5, \"x\"], \"b\": null}'", "'[]'", "'\"é\"'"}},
    {"g", "geometry", CMP_HEX, {"ST_GeomFromText('POINT(1 2)', 4326)", "ST_GeomFromText('LINESTRING(0 0,1 1,2 5)')"}},
};
/* clang-format on */
#define NSPECS (sizeof specs / sizeof specs[0])

static void expect_expr(char *buf, size_t len, const spec_t *s)
{
	const char *c = s->name;

	switch (s->cmp) {
	case CMP_NUM: /* + 0: YEAR 0000 is the number 0 */
		snprintf(buf, len, "CAST(`%s` + 0 AS CHAR)", c);
		break;
	case CMP_SIGNED:
		snprintf(buf, len, "CAST(`%s` AS SIGNED)", c);
		break;
	case CMP_FLOAT:
		snprintf(buf, len, "CAST(`%s` AS DOUBLE)", c);
		break;
	case CMP_DEC:
		snprintf(buf, len, "CAST(`%s` AS CHAR)", c);
		break;
	case CMP_HEX:
		snprintf(buf, len, "HEX(`%s`)", c);
		break;
	case CMP_TEXT:
		snprintf(buf, len, "HEX(CONVERT(`%s` USING utf8mb4))", c);
		break;
	case CMP_ENUM:
		snprintf(buf, len, "HEX(CONVERT(CAST(`%s` AS CHAR) USING utf8mb4))", c);
		break;
	case CMP_DATE:
		snprintf(buf, len, "DATEDIFF(`%s`, '1970-01-01')", c);
		break;
	case CMP_TIME:
		snprintf(buf, len, "CAST(ROUND(TIME_TO_SEC(`%s`) * 1000000) AS SIGNED)", c);
		break;
	case CMP_DATETIME:
		snprintf(buf, len, "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', `%s`)", c);
		break;
	case CMP_TS:
		snprintf(buf, len, "NULLIF(CAST(ROUND(UNIX_TIMESTAMP(`%s`) * 1000000) AS SIGNED), 0)", c);
		break;
	case CMP_BITS:
		snprintf(buf, len, "CAST(`%s` + 0 AS UNSIGNED)", c);
		break;
	case CMP_YEAR:
		snprintf(buf, len, "CAST(IF(`%s` = 0, 1900, `%s` + 0) AS CHAR)", c, c);
		break;
	}
}

/* The server's canonical text of a field (the C side's normalizations). */
static char *server_canon(cmp_t cmp, const char *v)
{
	char buf[64];

	if (!v)
		return strdup("NULL");
	if (cmp == CMP_FLOAT) {
		snprintf(buf, sizeof buf, "%.17g", strtod(v, NULL));
		return strdup(buf);
	}
	if (cmp == CMP_DEC) {
		char *s = strdup(v);
		norm_decimal(s);
		return s;
	}
	return strdup(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compares the event rows of db.table with the server's rows of the query (one canonical field per
 * column, in the table's order). cmps[k]: the normalization of field k. */
static void compare_table(const char *full, const char *query, const cmp_t *cmps, size_t ncols)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char **want = NULL, **have = NULL;
	size_t nwant = 0, nhave = 0;

	if (mysql_query(my, query) != 0 || !(res = mysql_store_result(my)))
		die("%.200s: %s", query, mysql_error(my));
	want = calloc(mysql_num_rows(res) + 1, sizeof *want);
	while ((row = mysql_fetch_row(res)) != NULL) {
		size_t len = 0, cap = 256;
		char *line = malloc(cap);
		line[0] = '\0';
		for (size_t k = 0; k < ncols; k++) {
			char *c = server_canon(cmps[k], row[k]);
			size_t n = strlen(c);
			if (len + n + 2 > cap) {
				cap = (len + n + 2) * 2;
				line = realloc(line, cap);
			}
			if (k)
				line[len++] = '|';
			memcpy(line + len, c, n + 1);
			len += n;
			free(c);
		}
		want[nwant++] = line;
	}
	mysql_free_result(res);
	have = calloc(ngots + 1, sizeof *have);
	for (size_t i = 0; i < ngots; i++)
		if (strcmp(gots[i].table, full) == 0) {
			have[nhave++] = gots[i].line;
			if (gots[i].ncols != ncols)
				fail("%s: event has %zu columns, expected %zu", full, gots[i].ncols, ncols);
		}
	qsort(want, nwant, sizeof *want, cmp_str);
	qsort(have, nhave, sizeof *have, cmp_str);
	if (nwant != nhave)
		fail("%s: %zu rows in the snapshot, %zu in the table", full, nhave, nwant);
	for (size_t i = 0; i < nwant && i < nhave; i++) {
		checked++;
		if (strcmp(want[i], have[i]) == 0)
			continue;
		/* Name the columns that differ. */
		char *w = want[i], *h = have[i];
		for (size_t k = 0; k < ncols; k++) {
			size_t wl = strcspn(w, "|"), hl = strcspn(h, "|");
			if (wl != hl || memcmp(w, h, wl) != 0)
				fail("%s row %zu column %zu: snapshot %.*s, server %.*s", full, i, k + 1,
				     (int)(hl > 200 ? 200 : hl), h, (int)(wl > 200 ? 200 : wl), w);
			w += wl + (w[wl] == '|');
			h += hl + (h[hl] == '|');
		}
	}
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
	free(want);
	free(have);
}

static void make_types_db(void)
{
	char sql[1 << 16];
	size_t n = 0, rows = 0;

	exec("SET SESSION max_recursive_iterations = 100000");
	exec("DROP DATABASE IF EXISTS rc_snapt");
	exec("CREATE DATABASE rc_snapt CHARACTER SET utf8mb4");
	exec("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'"); /* zero dates, zero in dates */
	n += (size_t)snprintf(sql + n, sizeof sql - n, "CREATE TABLE rc_snapt.types (id int PRIMARY KEY");
	for (size_t i = 0; i < NSPECS; i++) {
		n += (size_t)snprintf(sql + n, sizeof sql - n, ", `%s` %s", specs[i].name, specs[i].type);
		for (size_t k = 0; k < 8 && specs[i].values[k]; k++)
			rows = k + 1 > rows ? k + 1 : rows;
	}
	snprintf(sql + n, sizeof sql - n, ") ENGINE=InnoDB");
	exec(sql);
	for (size_t r = 0; r <= rows; r++) { /* the last row: every column NULL */
		n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO rc_snapt.types VALUES (%zu", r + 1);
		for (size_t i = 0; i < NSPECS; i++)
			n += (size_t)snprintf(sql + n, sizeof sql - n, ", %s",
			                      r < 8 && specs[i].values[r] ? specs[i].values[r] : "NULL");
		snprintf(sql + n, sizeof sql - n, ")");
		exec(sql);
	}
	exec("CREATE TABLE rc_snapt.comp (a varchar(20) CHARACTER SET latin1, b int, c datetime(6), "
	     "d varbinary(8), PRIMARY KEY (a, b, d)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapt.comp WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 1234) "
	    "SELECT CONCAT('k', i % 7, IF(i % 3 = 0, 'é', '')), i % 100, "
	    "TIMESTAMPADD(SECOND, i, '2020-01-01'), UNHEX(LPAD(HEX(i * 7919 % 65536), 4, '0')) FROM g");
	exec("CREATE TABLE rc_snapt.nopk (x int, y varchar(10), z double) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapt.nopk WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 250) "
	    "SELECT i % 50, IF(i % 10 = 0, NULL, CONCAT('y', i % 3)), i / 7 FROM g");
	exec("CREATE TABLE rc_snapt.big (id bigint PRIMARY KEY, payload varchar(100)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapt.big WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 2500) "
	    "SELECT i * 3 - 4000, REPEAT(CHAR(65 + i % 26), i % 100) FROM g");
	exec("CREATE TABLE rc_snapt.empty (id int PRIMARY KEY) ENGINE=InnoDB");
	exec("CREATE TABLE rc_snapt.dkey (k decimal(20,5), t time(2), PRIMARY KEY (k, t)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapt.dkey WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 333) "
	    "SELECT (i % 11) - 5.5, SEC_TO_TIME(i * 37 - 6000) FROM g");
	exec("CREATE VIEW rc_snapt.v AS SELECT id FROM rc_snapt.big");
	/* A zero date in a key paged by it; CHAR values whose trailing spaces the server keeps only
	 * under PAD_CHAR_TO_FULL_LENGTH (the readers' sessions must not have it). */
	exec("CREATE TABLE rc_snapt.zkey (d datetime PRIMARY KEY, c char(5)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapt.zkey WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 250) "
	    "SELECT TIMESTAMPADD(HOUR, i * 1000 - 100000, '1970-01-01'), 'ab' FROM g");
	exec("INSERT INTO rc_snapt.zkey VALUES ('0000-00-00 00:00:00', 'z'), ('1000-01-01 00:00:00', '')");
	if (exclusive)
		exec("SET GLOBAL sql_mode = CONCAT(@@global.sql_mode, ',PAD_CHAR_TO_FULL_LENGTH')");
}

/* SHOW MASTER STATUS as (file sequence << 32 | pos). */
static uint64_t binlog_now(void)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	uint64_t v;

	if (mysql_query(my, "SHOW MASTER STATUS") || !(res = mysql_store_result(my)) ||
	    !(row = mysql_fetch_row(res)))
		die("SHOW MASTER STATUS: %s", mysql_error(my));
	v = (uint64_t)rc_mysql_binlog_seq(row[0], strlen(row[0])) << 32 | strtoull(row[1], NULL, 10);
	mysql_free_result(res);
	return v;
}

/* A snapshot session reads CHAR values without their padding, whatever sql_mode the server gives
 * new sessions (PAD_CHAR_TO_FULL_LENGTH would add it). */
static void check_session(void)
{
	char err[RC_ERRSTR_LEN];
	MYSQL *c = connect_env();
	MYSQL_RES *res;
	MYSQL_ROW row;

	exec_on(c, "SET SESSION sql_mode = 'PAD_CHAR_TO_FULL_LENGTH'");
	if (rc_mysql_snapshot_begin(c, err, sizeof err) != RC_OK)
		die("rc_mysql_snapshot_begin: %s", err);
	if (mysql_query(
	        c,
	        "SELECT c, @@session.time_zone FROM rc_snapt.zkey WHERE d = '1000-01-01 00:00:00' OR c = 'z' "
	        "ORDER BY d") ||
	    !(res = mysql_store_result(c)))
		die("%s", mysql_error(c));
	row = mysql_fetch_row(res);
	if (!row || mysql_fetch_lengths(res)[0] != 1 || strcmp(row[1], "+00:00") != 0)
		fail("a snapshot session reads CHAR(5) 'z' as '%s' (time_zone %s)", row ? row[0] : "?",
		     row ? row[1] : "?");
	mysql_free_result(res);
	mysql_close(c);
	checked++;
}

static void check_types(int threads, const char *locking)
{
	char q[1 << 14], expr[256];
	cmp_t cmps[NSPECS + 1];
	size_t n;
	rc_conf_t *conf = make_conf(threads, 100, "rc_snapt", locking);
	rc_snapshot_point_t pt = {0};
	char err[256];
	uint64_t before, after, at;
	size_t firsts = 0, lasts = 0;

	make_types_db();
	before = binlog_now();
	run_snapshot(conf, &pt, NULL);
	after = binlog_now();
	if (exclusive)
		exec("SET GLOBAL sql_mode = REPLACE(@@global.sql_mode, ',PAD_CHAR_TO_FULL_LENGTH', '')");

	/* The point: the server's position when nothing was writing (exclusive), or between where the
	 * binlog was before and after (other tests write meanwhile). */
	{
		size_t flen;
		const char *pf = rc_mysql_pos_file(&pt.pos, &flen);
		at = (uint64_t)rc_mysql_binlog_seq(pf, flen) << 32 | rc_mysql_pos_offset(&pt.pos);
		if (exclusive ? at != before || at != after : at < before || at > after)
			fail("point %.*s:%" PRIu64 ", the binlog was at %" PRIu64 ":%" PRIu64
			     " before and %" PRIu64 ":%" PRIu64 " after",
			     (int)flen, pf, rc_mysql_pos_offset(&pt.pos), before >> 32, before & 0xffffffff,
			     after >> 32, after & 0xffffffff);
		if (mariadb && exclusive) {
			char gt[512];
			rc_mysql_query_value(my, "SELECT @@gtid_binlog_pos", gt, sizeof gt, err, sizeof err);
			if (strcmp(gt, rc_mysql_pos_gtids(&pt.pos)) != 0)
				fail("point gtids '%s', server '%s'", rc_mysql_pos_gtids(&pt.pos), gt);
		}
		if (mariadb && !rc_mysql_pos_gtids(&pt.pos)[0])
			fail("point without a GTID position");
		if (!last_commit.set || rc_mysql_pos_offset(&last_commit) != rc_mysql_pos_offset(&pt.pos))
			fail("the snapshot's last commit does not carry the point's position");
		if (commits_with_pos != 1)
			fail("%d commits carried a position, expected 1 (the last)", commits_with_pos);
	}

	/* Every table, value by value. */
	n = (size_t)snprintf(q, sizeof q, "SELECT CAST(id AS CHAR)");
	cmps[0] = CMP_NUM;
	for (size_t i = 0; i < NSPECS; i++) {
		expect_expr(expr, sizeof expr, &specs[i]);
		n += (size_t)snprintf(q + n, sizeof q - n, ", %s", expr);
		cmps[i + 1] = specs[i].cmp;
	}
	snprintf(q + n, sizeof q - n, " FROM rc_snapt.types");
	compare_table("rc_snapt.types", q, cmps, NSPECS + 1);
	{
		cmp_t c4[] = {CMP_TEXT, CMP_NUM, CMP_DATETIME, CMP_HEX};
		compare_table("rc_snapt.comp",
		              "SELECT HEX(CONVERT(a USING utf8mb4)), CAST(b AS CHAR), "
		              "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', c), HEX(d) FROM rc_snapt.comp",
		              c4, 4);
		cmp_t c3[] = {CMP_NUM, CMP_TEXT, CMP_FLOAT};
		compare_table(
		    "rc_snapt.nopk",
		    "SELECT CAST(x AS CHAR), HEX(CONVERT(y USING utf8mb4)), CAST(z AS DOUBLE) FROM rc_snapt.nopk",
		    c3, 3);
		cmp_t c2[] = {CMP_NUM, CMP_TEXT};
		compare_table(
		    "rc_snapt.big",
		    "SELECT CAST(id AS CHAR), HEX(CONVERT(payload USING utf8mb4)) FROM rc_snapt.big", c2, 2);
		cmp_t cz[] = {CMP_DATETIME, CMP_TEXT};
		compare_table(
		    "rc_snapt.zkey",
		    "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01', d), HEX(CONVERT(c USING utf8mb4)) "
		    "FROM rc_snapt.zkey",
		    cz, 2);
		cmp_t cd[] = {CMP_DEC, CMP_TIME};
		compare_table(
		    "rc_snapt.dkey",
		    "SELECT CAST(k AS CHAR), CAST(ROUND(TIME_TO_SEC(t) * 1000000) AS SIGNED) FROM rc_snapt.dkey",
		    cd, 2);
	}

	/* The source block and the keys. */
	for (size_t i = 0; i < ngots; i++) {
		got_t *g = &gots[i];
		size_t flen;
		const char *pf = rc_mysql_pos_file(&pt.pos, &flen);
		if (strcmp(g->snapshot, "first") == 0)
			firsts++;
		if (strcmp(g->snapshot, "last") == 0)
			lasts++;
		/* Debezium 3.6's markers, in the order emitted (a table's rows keep their order): the
		 * snapshot's last row "last"; a table's last row "last_in_data_collection", its first
		 * "first_in_data_collection" or, for the first table planned, "first"; the others "true". */
		{
			bool first_occ = true, last_occ = true;
			const char *want;
			for (size_t j = 0; j < i && first_occ; j++)
				first_occ = strcmp(gots[j].table, g->table) != 0;
			for (size_t j = i + 1; j < ngots && last_occ; j++)
				last_occ = strcmp(gots[j].table, g->table) != 0;
			want = i + 1 == ngots                                   ? "last"
			       : first_occ && strcmp(g->snapshot, "first") == 0 ? "first"
			       : last_occ                                       ? "last_in_data_collection"
			       : first_occ                                      ? "first_in_data_collection"
			                                                        : "true";
			if (strcmp(g->snapshot, want) != 0)
				fail("event %zu of %zu (%s) has snapshot marker %s, expected %s", i, ngots,
				     g->table, g->snapshot, want);
		}
		if (strlen(g->file) != flen || memcmp(g->file, pf, flen) != 0 ||
		    (uint64_t)g->pos != rc_mysql_pos_offset(&pt.pos))
			fail("event of %s: source file:pos %s:%" PRId64 ", the point is %.*s:%" PRIu64,
			     g->table, g->file, g->pos, (int)flen, pf, rc_mysql_pos_offset(&pt.pos));
		if (strcmp(g->connector, mariadb ? "mariadb" : "mysql") != 0)
			fail("event of %s: connector %s", g->table, g->connector);
		if (!g->db_ok)
			fail("event of %s: source.db is not its database", g->table);
		if (g->server_id <= 0)
			fail("event of %s: server_id %" PRId64, g->table, g->server_id);
		if (strncmp(g->topic, "snapcheck.rc_snapt.", 19) != 0)
			fail("event of %s: topic %s", g->table, g->topic);
		if ((strcmp(g->table, "rc_snapt.comp") == 0 && g->nkey != 3) ||
		    (strcmp(g->table, "rc_snapt.nopk") == 0 && g->nkey != 0) ||
		    (strcmp(g->table, "rc_snapt.types") == 0 && g->nkey != 1))
			fail("event of %s: %zu key columns", g->table, g->nkey);
		if (strcmp(g->table, "rc_snapt.v") == 0)
			fail("the view rc_snapt.v was snapshotted");
	}
	if (firsts != 1 || lasts != 1)
		fail("%zu first and %zu last markers", firsts, lasts);
	check_session();
	printf("types (%d threads%s, point %s): %zu events, %d rows compared\n", threads,
	       locking[0] ? ", snapshot.locking.mode=none" : "", pt.name, ngots, checked);
	rc_snapshot_point_clear(&pt);
	rc_pos_clear(&last_commit);
	commits_with_pos = 0;
	free_gots();
	rc_conf_free(conf);
	exec("DROP DATABASE rc_snapt");
}

/* ---- the consistency test ------------------------------------------------------------------ */

static volatile int writer_stop;
static long writer_ops;
static int cons_rows = 30000;

static void *writer_main(void *arg)
{
	MYSQL *w = connect_env();
	unsigned seed = 12345;
	int next = cons_rows + 1;
	char sql[256];

	(void)arg;
	while (!writer_stop) {
		int op = (int)(rand_r(&seed) % 3), id = 1 + (int)(rand_r(&seed) % (unsigned)next);
		if (op == 0)
			snprintf(sql, sizeof sql, "INSERT INTO rc_snapc.t VALUES (%d, 0, REPEAT('p', %d))",
			         next++, id % 200);
		else if (op == 1)
			snprintf(sql, sizeof sql, "UPDATE rc_snapc.t SET v = v + 1 WHERE id = %d", id);
		else
			snprintf(sql, sizeof sql, "DELETE FROM rc_snapc.t WHERE id = %d", id);
		exec_on(w, sql);
		__atomic_add_fetch(&writer_ops, 1, __ATOMIC_RELAXED);
	}
	mysql_close(w);
	return NULL;
}

static void write_rows(const char *path, const char *table_name_unused)
{
	(void)table_name_unused;
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write %s", path);
	for (size_t i = 0; i < ngots; i++) {
		/* line: "id|v|hex(pad)": the first two fields */
		const char *l = gots[i].line;
		const char *b1 = strchr(l, '|'), *b2 = b1 ? strchr(b1 + 1, '|') : NULL;
		if (!b1 || !b2)
			die("unexpected row %s", l);
		fprintf(f, "%.*s %.*s\n", (int)(b1 - l), l, (int)(b2 - b1 - 1), b1 + 1);
	}
	fclose(f);
}

static long ops_at_held;
static void note_held(void)
{
	ops_at_held = __atomic_load_n(&writer_ops, __ATOMIC_RELAXED);
}

static void check_consistency(int threads, const char *dir)
{
	rc_conf_t *conf = make_conf(threads, 200, "rc_snapc", "");
	rc_snapshot_point_t pt = {0};
	pthread_t th;
	char path[1024];
	FILE *f;
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t flen;
	const char *pf;
	long before;

	exec("SET SESSION max_recursive_iterations = 100000");
	exec("DROP DATABASE IF EXISTS rc_snapc");
	exec("CREATE DATABASE rc_snapc");
	exec("CREATE TABLE rc_snapc.t (id int PRIMARY KEY, v int, pad varchar(200)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapc.t WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 30000) "
	    "SELECT i, 0, REPEAT('x', i % 200) FROM g");
	pthread_create(&th, NULL, writer_main, NULL);
	while (__atomic_load_n(&writer_ops, __ATOMIC_RELAXED) < 300)
		usleep(10000);
	before = __atomic_load_n(&writer_ops, __ATOMIC_RELAXED);
	slow_every = 100;
	run_snapshot(conf, &pt, note_held);
	slow_every = 0;
	writer_stop = 1;
	pthread_join(th, NULL);
	printf("consistency (%d threads, point %s): writer %ld ops before the point, %ld by the end of "
	       "the snapshot's start, %ld in all; %zu rows read\n",
	       threads, pt.name, before, ops_at_held, writer_ops, ngots);
	if (writer_ops - ops_at_held < 500)
		fail("the writer made only %ld changes while the snapshot was read: nothing was tested",
		     writer_ops - ops_at_held);
	pf = rc_mysql_pos_file(&pt.pos, &flen);
	snprintf(path, sizeof path, "%s/point", dir);
	if (!(f = fopen(path, "w")))
		die("cannot write %s", path);
	fprintf(f, "%.*s %" PRIu64 "\n", (int)flen, pf, rc_mysql_pos_offset(&pt.pos));
	fclose(f);
	snprintf(path, sizeof path, "%s/snapshot", dir);
	write_rows(path, "t");
	snprintf(path, sizeof path, "%s/final", dir);
	if (!(f = fopen(path, "w")))
		die("cannot write %s", path);
	if (mysql_query(my, "SELECT id, v FROM rc_snapc.t ORDER BY id") || !(res = mysql_use_result(my)))
		die("final table: %s", mysql_error(my));
	while ((row = mysql_fetch_row(res)) != NULL)
		fprintf(f, "%s %s\n", row[0], row[1]);
	mysql_free_result(res);
	fclose(f);
	rc_snapshot_point_clear(&pt);
	rc_pos_clear(&last_commit);
	free_gots();
	rc_conf_free(conf);
	exec("DROP DATABASE rc_snapc"); /* its binlog stays: the replay reads it from the point */
}

/* ---- refusals and stops ------------------------------------------------------------------- */

/* The point refuses what would make a wrong snapshot, with a message that says what to change:
 * binlog_format other than ROW; a user without RELOAD under the global read lock; extended. */
static void check_refusals(void)
{
	char err[RC_ERRSTR_LEN] = "";
	rc_snapshot_point_t pt = {0};
	rc_conf_t *conf;
	MYSQL *src;
	int rc;

	exec("DROP DATABASE IF EXISTS rc_snapr");
	exec("CREATE DATABASE rc_snapr");
	exec("CREATE TABLE rc_snapr.t (id int PRIMARY KEY)");

	conf = make_conf(2, 100, "rc_snapr", "");
	if (!(src = rc_mysql_connect(conf, err, sizeof err)))
		die("%s", err);
	if (exclusive) { /* every other session would write MIXED meanwhile */
		exec("SET GLOBAL binlog_format = 'MIXED'");
		rc = rc_mysql_snapshot_point(src, conf, mariadb, true, &pt, err, sizeof err);
		exec("SET GLOBAL binlog_format = 'ROW'");
		if (rc != RC_ERR_FATAL || !strstr(err, "binlog_format is MIXED") || !strstr(err, "ROW"))
			fail("binlog_format=MIXED: rc %d, '%s' (expected RC_ERR_FATAL naming binlog_format)",
			     rc, err);
	}
	rc_snapshot_point_clear(&pt);
	mysql_close(src);
	rc_conf_free(conf);
	checked++;

	exec("DROP USER IF EXISTS 'rc_snap_noreload'@'%'");
	exec("CREATE USER 'rc_snap_noreload'@'%' IDENTIFIED BY 'noreload-pw'");
	/* No privilege at all (the test's user may not grant any): FLUSH TABLES WITH READ LOCK is the
	 * first statement that needs one. */
	conf = make_conf(2, 100, "rc_snapr",
	                 "database.user = rc_snap_noreload\ndatabase.password = noreload-pw\n");
	if (!(src = rc_mysql_connect(conf, err, sizeof err)))
		die("%s", err);
	rc = rc_mysql_snapshot_point(src, conf, mariadb, true, &pt, err, sizeof err);
	if (rc != RC_ERR_FATAL || !strstr(err, "RELOAD") || !strstr(err, "snapshot.locking.mode=none"))
		fail("no RELOAD privilege: rc %d, '%s' (expected RC_ERR_FATAL naming RELOAD)", rc, err);
	rc_snapshot_point_clear(&pt);
	mysql_close(src);
	rc_conf_free(conf);
	exec("DROP USER 'rc_snap_noreload'@'%'");
	exec("DROP DATABASE rc_snapr");
	checked++;
	printf("refusals: %sRELOAD privilege\n", exclusive ? "binlog_format, " : "");
}

/* Freeing the coordinator in the middle of a snapshot (a SIGTERM) stops the readers promptly,
 * whether they page by key or stream a table without one. */
static void check_stop(int threads)
{
	char err[RC_ERRSTR_LEN] = "";
	rc_source_handler_t h = {.begin = h_begin, .event = h_event, .commit = h_commit};
	rc_conf_t *conf = make_conf(threads, 1000, "rc_snaps", "");
	rc_snapshot_point_t pt = {0};
	rc_snapshot_t *snap;
	MYSQL *src;
	bool done = false;
	int64_t t0, ms;
	struct timespec ts;

	exec("SET SESSION max_recursive_iterations = 1000000");
	exec("DROP DATABASE IF EXISTS rc_snaps");
	exec("CREATE DATABASE rc_snaps");
	exec("CREATE TABLE rc_snaps.nopk (x int, pad varchar(300)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snaps.nopk WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 200000) "
	    "SELECT i, REPEAT('s', 300) FROM g");
	exec("CREATE TABLE rc_snaps.pk (id int PRIMARY KEY, pad varchar(300)) ENGINE=InnoDB");
	exec("INSERT INTO rc_snaps.pk SELECT x, pad FROM rc_snaps.nopk");
	if (!(src = rc_mysql_connect(conf, err, sizeof err)))
		die("%s", err);
	if (!(snap = rc_snapshot_new(conf, &rc_mysql_snapshot_reader, err, sizeof err)) ||
	    rc_mysql_snapshot_point(src, conf, mariadb, true, &pt, err, sizeof err) != RC_OK ||
	    snap->ops->plan(snap, &pt, NULL, 0, err, sizeof err) != RC_OK ||
	    snap->ops->start(snap, &pt, err, sizeof err) != RC_OK ||
	    rc_mysql_snapshot_held(src, err, sizeof err) != RC_OK)
		die("snapshot start: %s", err);
	while (ngots < 5000) {
		struct pollfd pfd = {.fd = snap->ops->fd(snap), .events = POLLIN};
		poll(&pfd, 1, 200);
		if (snap->ops->emit(snap, &h, 500, &done, err, sizeof err) < 0)
			die("snapshot emit: %s", err);
		rc_acktrack_advance(&track);
	}
	usleep(200000); /* the readers fill their batches and wait */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snap->ops->free(snap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0;
	if (ms > 3000)
		fail("stopping a snapshot of 400,000 rows after %zu took %" PRId64 " ms", ngots, ms);
	checked++;
	printf("stop (%d threads): stopped after %zu of 400000 rows in %" PRId64 " ms\n", threads, ngots, ms);
	/* The server is left with no reader's query running. */
	usleep(200000);
	{
		char n[32];
		if (rc_mysql_query_value(
		        my,
		        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
		        "'%FROM `rc_snaps`%' AND ID <> CONNECTION_ID()",
		        n, sizeof n, err, sizeof err) != 0)
			die("%s", err);
		if (strcmp(n, "0") != 0)
			fail("%s reader queries still run on the server after the stop", n);
	}
	rc_snapshot_point_clear(&pt);
	mysql_close(src);
	free_gots();
	rc_pos_clear(&last_commit);
	commits_with_pos = 0;
	rc_conf_free(conf);
	exec("DROP DATABASE rc_snaps");
}

/* A table altered after the lock went but before its reader reached it is read as it was at the
 * point (the catalog read under the lock), the schema the stream starts from. */
static void alter_late(void)
{
	exec("ALTER TABLE rc_snapd.late ADD COLUMN extra int DEFAULT 7");
	exec("INSERT INTO rc_snapd.late VALUES (1000, 'after', 8)");
}

static void check_ddl(int threads)
{
	rc_conf_t *conf = make_conf(threads, 100, "rc_snapd", "");
	rc_snapshot_point_t pt = {0};
	size_t late = 0;

	exec("SET SESSION max_recursive_iterations = 100000");
	exec("DROP DATABASE IF EXISTS rc_snapd");
	exec("CREATE DATABASE rc_snapd");
	for (int k = 0; k < threads; k++) { /* one large table a reader, read first */
		char sql[512];
		snprintf(sql, sizeof sql,
		         "CREATE TABLE rc_snapd.big%d (id int PRIMARY KEY, pad varchar(200)) ENGINE=InnoDB",
		         k);
		exec(sql);
		snprintf(
		    sql, sizeof sql,
		    "INSERT INTO rc_snapd.big%d WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE "
		    "i < 20000) SELECT i, REPEAT('d', 200) FROM g",
		    k);
		exec(sql);
	}
	exec("CREATE TABLE rc_snapd.late (id int PRIMARY KEY, v varchar(20)) ENGINE=InnoDB");
	exec("INSERT INTO rc_snapd.late VALUES (1, 'one'), (2, 'two')");
	run_snapshot2(conf, &pt, NULL, alter_late);
	for (size_t i = 0; i < ngots; i++)
		if (strcmp(gots[i].table, "rc_snapd.late") == 0) {
			late++;
			if (gots[i].ncols != 2)
				fail("rc_snapd.late read with %zu columns (%s), as altered after the point",
				     gots[i].ncols, gots[i].line);
		}
	if (late != 2)
		fail("rc_snapd.late: %zu rows read, it had 2 at the point", late);
	checked++;
	printf("ddl (%d threads): a table altered after the point read as it was (%zu rows)\n", threads,
	       late);
	rc_snapshot_point_clear(&pt);
	rc_pos_clear(&last_commit);
	commits_with_pos = 0;
	free_gots();
	rc_conf_free(conf);
	exec("DROP DATABASE rc_snapd");
}

/* Not a test: how fast a snapshot reads (rows/s) a table of 500,000 rows with a key and one without. */
static void bench(int threads)
{
	rc_conf_t *conf = make_conf(threads, 1000, "rc_snapb", "");
	rc_snapshot_point_t pt = {0};
	struct timespec t0, t1;
	double s;

	exec("SET SESSION max_recursive_iterations = 1000000");
	exec("DROP DATABASE IF EXISTS rc_snapb");
	exec("CREATE DATABASE rc_snapb");
	exec(
	    "CREATE TABLE rc_snapb.pk (id int PRIMARY KEY, n bigint, d datetime(6), pad varchar(100)) ENGINE=InnoDB");
	exec(
	    "INSERT INTO rc_snapb.pk WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 500000) "
	    "SELECT i, i * 37, TIMESTAMPADD(SECOND, i, '2020-01-01'), REPEAT('b', i % 100) FROM g");
	exec("CREATE TABLE rc_snapb.nopk ENGINE=InnoDB AS SELECT n, d, pad FROM rc_snapb.pk");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_snapshot(conf, &pt, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("bench (%d threads): %zu rows in %.2f s, %.0f rows/s\n", threads, ngots, s, (double)ngots / s);
	rc_snapshot_point_clear(&pt);
	rc_pos_clear(&last_commit);
	free_gots();
	rc_conf_free(conf);
	exec("DROP DATABASE rc_snapb");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int threads = argc > 2 ? atoi(argv[2]) : 1;

	rc_log_setup(RC_LOG_WARN, RC_LOG_FORMAT_TEXT);
	if (argc < 3 || (strcmp(mode, "consistency") == 0 && argc < 4)) {
		fprintf(stderr,
		        "usage: mysql_snapshot_check types|types-none|refusals|stop THREADS | consistency "
		        "THREADS DIR\n");
		return 99;
	}
	rc_acktrack_init(&track, NULL);
	my = connect_env();
	mariadb = strstr(mysql_get_server_info(my), "MariaDB") != NULL;
	exclusive = getenv("ROWCAST_TEST_MYSQL_EXCLUSIVE") &&
	            strcmp(getenv("ROWCAST_TEST_MYSQL_EXCLUSIVE"), "1") == 0;
	if (strcmp(mode, "types") == 0)
		check_types(threads, "");
	else if (strcmp(mode, "types-none") == 0)
		check_types(threads, "snapshot.locking.mode = none\n");
	else if (strcmp(mode, "refusals") == 0)
		check_refusals();
	else if (strcmp(mode, "stop") == 0)
		check_stop(threads);
	else if (strcmp(mode, "consistency") == 0)
		check_consistency(threads, argv[3]);
	else if (strcmp(mode, "ddl") == 0)
		check_ddl(threads);
	else if (strcmp(mode, "bench") == 0)
		bench(threads);
	else
		die("unknown mode %s", mode);
	mysql_close(my);
	rc_acktrack_destroy(&track);
	if (failures) {
		fprintf(stderr, "%d failures (%d checks)\n", failures, checked);
		return 1;
	}
	return 0;
}
