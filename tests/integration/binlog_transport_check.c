/*
 * binlog_transport_check: the replication transport (decoders/mysql/binlog_transport.c) against the
 * real MariaDB of tests/env (ROWCAST_TEST_MYSQL_*):
 *   1. from the server's current position, rows written by another connection arrive as TABLE_MAP and
 *      WRITE_ROWS events that parse (CRC32 checked) and carry the table's name, in commit order;
 *   2. a quiet binlog sends heartbeats (binlog.heartbeat.interval.ms = 300);
 *   3. resuming by MariaDB GTID position starts right after the given transaction;
 *   4. the server killing the replication connection is reported (RC_ERR_RETRY), not hidden;
 *   5. a purged/unknown binlog file is a fatal error naming the server's reason.
 * Exit 0 when all hold, 1 with a message otherwise, 77 without the environment.
 */
#include "config.h"

#include "agent/arena.h"
#include "agent/conf.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_transport.h"
#include "decoders/mysql/mysql_conn.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;

#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                 \
			fprintf(stderr, __VA_ARGS__);                                                        \
			fprintf(stderr, "\n");                                                               \
			failures++;                                                                          \
		}                                                                                            \
	} while (0)

static void must(int ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "FAIL: %s: %s\n", what, err);
		exit(1);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What a walk saw. */
typedef struct seen {
	int table_maps, writes, heartbeats, maria_gtids, others;
	uint64_t last_gtid_seq;
	char cur_table[128]; /* of the last TABLE_MAP */
	bool ours;           /* it is transport_check.t */
	int rc;
	char err[RC_ERRSTR_LEN];
} seen_t;

/* The format of the stream being drained: it lasts as long as the stream (one FORMAT_DESCRIPTION at
 * its start), not one drain. */
static rc_binlog_fmt_t fmt;

/* Starts a stream: the server's first event comes before its FORMAT_DESCRIPTION, with checksums. */
static rc_binlog_transport_t *start(rc_conf_t *conf, const rc_binlog_start_t *from, char *err, size_t errlen)
{
	rc_binlog_fmt_init(&fmt);
	fmt.crc32 = true; /* tests/env's MariaDB: binlog_checksum = CRC32 (its default) */
	return rc_binlog_transport_start(conf, 4242, true, from, err, errlen);
}

/* Reads events for up to seconds (or until want_writes WRITE_ROWS were seen). */
static void drain(rc_binlog_transport_t *t, double seconds, int want_writes, seen_t *s)
{
	rc_arena_t arena;
	double end = now_s() + seconds;

	rc_arena_init(&arena, 0);
	memset(s, 0, sizeof *s);
	while (now_s() < end && (want_writes <= 0 || s->writes < want_writes)) {
		struct pollfd pfd = {.fd = rc_binlog_transport_fd(t), .events = POLLIN};
		rc_binlog_batch_t *b;

		poll(&pfd, 1, 100);
		while ((b = rc_binlog_transport_take(t, &s->rc, s->err, sizeof s->err))) {
			for (size_t off = 0; off < b->len;) {
				uint32_t len;
				rc_binlog_event_t ev;
				char why[512];

				memcpy(&len, b->buf + off, 4);
				rc_arena_reset(&arena);
				if (rc_binlog_parse(&fmt, b->buf + off + 4, len, &arena, &ev, why,
				                    sizeof why) != 0) {
					CHECK(0, "an event from the server does not parse: %s", why);
					break;
				}
				if (ev.kind == RC_BINLOG_K_FDE)
					rc_binlog_fmt_update(&fmt, &ev);
				if (ev.kind == RC_BINLOG_K_TABLE_MAP) {
					/* Other tests may write to the same server: only our table counts. */
					snprintf(s->cur_table, sizeof s->cur_table, "%.*s.%.*s",
					         (int)ev.u.table_map.db.len, ev.u.table_map.db.s,
					         (int)ev.u.table_map.table.len, ev.u.table_map.table.s);
					s->ours = strcmp(s->cur_table, "transport_check.t") == 0;
					s->table_maps += s->ours;
				}
				if (ev.kind == RC_BINLOG_K_ROWS && ev.type == RC_BINLOG_WRITE_ROWS_V1 &&
				    s->ours)
					s->writes++;
				if (ev.kind != RC_BINLOG_K_HEARTBEAT && ev.type != RC_BINLOG_HEARTBEAT)
					s->others++;
				if (ev.kind == RC_BINLOG_K_HEARTBEAT || ev.type == RC_BINLOG_HEARTBEAT)
					s->heartbeats++;
				if (ev.kind == RC_BINLOG_K_MARIA_GTID) {
					s->maria_gtids++;
					s->last_gtid_seq = ev.u.maria_gtid.seq;
				}
				off += 4 + len;
			}
			rc_binlog_transport_done(t, b);
		}
		if (s->rc != RC_OK)
			break;
	}
	rc_arena_destroy(&arena);
}

static void set(rc_conf_t *c, const char *k, const char *v)
{
	char err[512];

	must(rc_conf_set(c, k, v, RC_CONF_FILE, "test", err, sizeof err) == 0, k, err);
}

int main(void)
{
	const char *host = getenv("ROWCAST_TEST_MYSQL_HOST"), *port = getenv("ROWCAST_TEST_MYSQL_PORT");
	char err[RC_ERRSTR_LEN], file[256], pos[32], gtid[256], sql[512];
	rc_conf_t *conf;
	MYSQL *my;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row = NULL;
	rc_binlog_transport_t *t;
	seen_t s;

	if (!host || !port)
		return 77;
	conf = rc_conf_new();
	set(conf, "source.type", "mariadb");
	set(conf, "database.hostname", host);
	set(conf, "database.port", port);
	set(conf, "database.user", getenv("ROWCAST_TEST_MYSQL_USER"));
	set(conf, "database.password", getenv("ROWCAST_TEST_MYSQL_PASSWORD"));
	set(conf, "database.server.id", "4242");
	set(conf, "topic.prefix", "transport_check");
	set(conf, "sink.type", "stdout");
	set(conf, "binlog.heartbeat.interval.ms", "300");
	must(rc_conf_finalize(conf, err, sizeof err) == 0, "configuration", err);
	my = rc_mysql_connect(conf, err, sizeof err);
	must(my != NULL, "connect", err);
	must(rc_mysql_exec(my, "CREATE DATABASE IF NOT EXISTS transport_check", err, sizeof err) == 0,
	     "create", err);
	must(rc_mysql_exec(my, "CREATE OR REPLACE TABLE transport_check.t (id INT PRIMARY KEY, v TEXT)", err,
	                   sizeof err) == 0,
	     "create table", err);
	must(mysql_query(my, "SHOW MASTER STATUS") == 0 && (res = mysql_store_result(my)) &&
	         (row = mysql_fetch_row(res)),
	     "SHOW MASTER STATUS", mysql_error(my));
	snprintf(file, sizeof file, "%s", row[0]);
	snprintf(pos, sizeof pos, "%s", row[1]);
	mysql_free_result(res);

	/* 1. Rows written after the start arrive, in order, with their table. */
	t = start(conf, &(rc_binlog_start_t){.file = file, .pos = strtoull(pos, NULL, 10)}, err, sizeof err);
	must(t != NULL, "transport start", err);
	for (int i = 1; i <= 50; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO transport_check.t VALUES (%d, REPEAT('x', %d))", i,
		         i * 100);
		must(rc_mysql_exec(my, sql, err, sizeof err) == 0, "insert", err);
	}
	drain(t, 20, 50, &s);
	CHECK(s.rc == RC_OK, "the transport failed: %s", s.err);
	CHECK(s.writes == 50, "%d WRITE_ROWS events for 50 inserts", s.writes);
	CHECK(s.table_maps >= 1, "no TABLE_MAP of transport_check.t");
	CHECK(s.maria_gtids >= 50, "%d MariaDB GTID events for 50 transactions", s.maria_gtids);
	printf("ok: 50 inserts arrived as %d WRITE_ROWS events of transport_check.t\n", s.writes);

	/* 2. A quiet binlog: heartbeats. */
	drain(t, 2, 0, &s);
	CHECK(s.rc == RC_OK, "the transport failed while quiet: %s", s.err);
	/* The server sends heartbeats only while its binlog is quiet: other tests may be writing. */
	CHECK(s.heartbeats >= 3 || s.others > 0, "%d heartbeats and no other event in 2 s at a 300 ms period",
	      s.heartbeats);
	printf("ok: %d heartbeats (and %d other events) in 2 s\n", s.heartbeats, s.others);

	/* 4. The server kills the connection: reported, as a retry. */
	must(mysql_query(my,
	                 "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'") ==
	             0 &&
	         (res = mysql_store_result(my)),
	     "PROCESSLIST", mysql_error(my));
	while ((row = mysql_fetch_row(res))) {
		snprintf(sql, sizeof sql, "KILL CONNECTION %s", row[0]);
		rc_mysql_exec(my, sql, err, sizeof err);
	}
	mysql_free_result(res);
	drain(t, 10, -1, &s);
	CHECK(s.rc == RC_ERR_RETRY, "after KILL the transport said %d (%s), expected a retry", s.rc, s.err);
	printf("ok: a killed replication connection is reported: %s\n", s.err);
	rc_binlog_transport_free(t);

	/* 3. Resume by GTID: right after the GTID of insert 40. */
	must(rc_mysql_exec(my, "INSERT INTO transport_check.t VALUES (1000, 'marker')", err, sizeof err) == 0,
	     "insert", err);
	must(rc_mysql_query_value(my, "SELECT @@gtid_binlog_pos", gtid, sizeof gtid, err, sizeof err) == 0,
	     "gtid", err);
	must(rc_mysql_exec(my, "INSERT INTO transport_check.t VALUES (1001, 'after'), (1002, 'after')", err,
	                   sizeof err) == 0,
	     "insert", err);
	t = start(conf, &(rc_binlog_start_t){.mariadb_gtid = gtid}, err, sizeof err);
	must(t != NULL, "transport start by GTID", err);
	drain(t, 3, -1, &s);
	CHECK(s.rc == RC_OK, "resume by GTID %s failed: %s", gtid, s.err);
	CHECK(s.writes == 1, "%d WRITE_ROWS after GTID %s (expected the one multi-row insert after it)",
	      s.writes, gtid);
	printf("ok: resumed after GTID %s: the next transaction first\n", gtid);
	rc_binlog_transport_free(t);

	/* 3b. Resume by GTID when that GTID is the last of a binlog file (FLUSH BINARY LOGS after it). */
	must(rc_mysql_exec(my, "INSERT INTO transport_check.t VALUES (2000, 'last of its file')", err,
	                   sizeof err) == 0,
	     "insert", err);
	must(rc_mysql_query_value(my, "SELECT @@gtid_binlog_pos", gtid, sizeof gtid, err, sizeof err) == 0,
	     "gtid", err);
	must(rc_mysql_exec(my, "FLUSH BINARY LOGS", err, sizeof err) == 0, "flush", err);
	must(rc_mysql_exec(my,
	                   "INSERT INTO transport_check.t VALUES (2001, 'next file'), (2002, 'next file')",
	                   err, sizeof err) == 0,
	     "insert", err);
	t = start(conf, &(rc_binlog_start_t){.mariadb_gtid = gtid}, err, sizeof err);
	must(t != NULL, "transport start by GTID", err);
	drain(t, 3, -1, &s);
	CHECK(s.rc == RC_OK, "resume by GTID %s across a rotation failed: %s", gtid, s.err);
	CHECK(s.writes == 1,
	      "%d WRITE_ROWS after GTID %s, the last of its file (expected the insert in the next)", s.writes,
	      gtid);
	printf("ok: resumed after GTID %s, the last of its binlog file: the next file's transaction\n", gtid);
	rc_binlog_transport_free(t);

	/* 5. A binlog file the server does not have. */
	t = start(conf, &(rc_binlog_start_t){.file = "mysql-bin.999999", .pos = 4}, err, sizeof err);
	must(t != NULL, "transport start", err);
	drain(t, 10, -1, &s);
	CHECK(s.rc == RC_ERR_FATAL, "a missing binlog file gave %d (%s), expected fatal", s.rc, s.err);
	printf("ok: a missing binlog file: %s\n", s.err);
	rc_binlog_transport_free(t);

	rc_mysql_exec(my, "DROP DATABASE transport_check", err, sizeof err);
	mysql_close(my);
	rc_conf_free(conf);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
