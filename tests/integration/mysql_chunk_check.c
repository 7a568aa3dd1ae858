/*
 * Chunked reads of a real MariaDB/MySQL (snapshot/mysql/my_chunk.c, issue 13) and the binlog
 * positions they are ordered against.
 *
 *   mysql_chunk_check read
 *     Tables keyed by INT (negative too), BIGINT UNSIGNED (its edges), (INT, VARCHAR) with a
 *     case-insensitive collation, DECIMAL, DATETIME(3), VARBINARY (NUL bytes), a table without a key
 *     but with message.key.columns, and one without either. Each keyed table read in chunks of 1, 7
 *     and 1000 rows must give every row exactly once, in the order the server's ORDER BY gives, with
 *     the values the whole-table reader (read_table) gives; upto stops at max_key, rows inserted
 *     above it are not read; the keyless table's error names it; a forged key text is refused.
 *
 *   mysql_chunk_check watermark
 *     The source streams the binlog (rc_mysql_source) while a live reader takes a low watermark,
 *     reads a chunk, and another connection commits a row before the high watermark: in the
 *     stream's order, a commit before the low watermark <= low < the commit between <= high, the
 *     chunk does not hold the row committed after low, and on a quiet server the stream reports a
 *     position at or past a fresh high watermark within the heartbeat period (heartbeats).
 *
 *   mysql_chunk_check resume
 *     A snapshot's point P, through the position codec's JSON (as the offset store keeps it), is
 *     accepted by prepare_stream and the stream from it delivers a commit made after it; a recorded
 *     position in a binlog file the server no longer has (and no GTIDs) is refused naming it.
 *
 * Connection from ROWCAST_TEST_MYSQL_HOST, _PORT, _USER, _PASSWORD. Exit 0 when everything agrees,
 * 1 when something does not, 99 when it cannot run.
 */
#include "config.h"

#include "agent/conf.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/position.h"
#include "agent/snapshot.h"
#include "agent/source.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_position.h"
#include "decoders/mysql/mysql_snapshot_point.h"
#include "decoders/mysql/mysql_source.h"
#include "snapshot/mysql/my_snapshot.h"
#include "snapshot/snapshot_internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <mysql.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DB "rc_chunkc"

static MYSQL *my;
static int failures, checks;
static bool mariadb;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "mysql_chunk_check: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(99);
}

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	checks++;
	if (ok)
		return;
	failures++;
	if (failures > 40)
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

static rc_conf_t *make_conf(int fetch)
{
	rc_conf_t *conf = rc_conf_new();
	char text[2048], err[RC_ERRSTR_LEN] = "";

	snprintf(text, sizeof text,
	         "source.type = %s\n"
	         "database.hostname = %s\n"
	         "database.port = %s\n"
	         "database.user = %s\n"
	         "database.password = %s\n"
	         "topic.prefix = chunkcheck\n"
	         "database.server.id = 99321\n"
	         "sink.type = stdout\n"
	         "snapshot.fetch.size = %d\n"
	         "binlog.heartbeat.interval.ms = 1000\n"
	         "message.key.columns = " DB "[.]t_mkc:a\n"
	         "table.include.list = " DB "[.].*\n",
	         mariadb ? "mariadb" : "mysql", getenv("ROWCAST_TEST_MYSQL_HOST"),
	         getenv("ROWCAST_TEST_MYSQL_PORT"), getenv("ROWCAST_TEST_MYSQL_USER"),
	         getenv("ROWCAST_TEST_MYSQL_PASSWORD"), fetch);
	if (!conf || rc_conf_load_properties(conf, text, "test", err, sizeof err) != 0 ||
	    rc_conf_finalize(conf, err, sizeof err) != 0)
		die("configuration: %s", err);
	return conf;
}

/* ---- a hand-off of one reader, drained by the test itself ---------------------------------- */

#define ROWS_MAX 100000 /* a batch holds a whole chunk: the test drains between chunks */

static rc_snap_t hsnap;
static rc_snap_out_t hout;

static void handoff_init(void)
{
	pthread_mutex_init(&hsnap.lock, NULL);
	pthread_cond_init(&hsnap.cond, NULL);
	if (pipe2(hsnap.wake, O_NONBLOCK) != 0)
		die("pipe");
	hout.snap = &hsnap;
	for (int k = 0; k < BATCHES_PER_READER; k++) {
		snap_batch_t *b = &hout.pool[k];
		b->owner = &hout;
		b->cap = ROWS_MAX;
		b->rows = malloc(b->cap * sizeof *b->rows);
		rc_arena_init(&b->arena, 0);
		b->next = hout.free;
		hout.free = b;
	}
}

/* A row's canonical text: every value's state and bytes (both readers' rows compare equal when
 * their values are). */
static char *canon_row(const rc_table_t *t, const rc_value_t *vals)
{
	size_t cap = 256, len = 0;
	char *s = malloc(cap);

	s[0] = '\0';
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_value_t *v = &vals[i];
		char buf[128];
		const char *p = NULL;
		size_t n = 0;
		if (v->state != RC_V_SET) {
			snprintf(buf, sizeof buf, "|N%d", (int)v->state);
		} else {
			switch (t->cols[i].type) {
			case RC_T_STRING:
			case RC_T_BYTES:
			case RC_T_DECIMAL:
			case RC_T_VARDECIMAL:
			case RC_T_GEOMETRY:
				snprintf(buf, sizeof buf, "|s%d:", v->u.bytes.scale);
				p = v->u.bytes.ptr;
				n = v->u.bytes.len;
				break;
			case RC_T_FLOAT32:
			case RC_T_FLOAT64:
				snprintf(buf, sizeof buf, "|f%.17g", v->u.f);
				break;
			case RC_T_BOOL:
				snprintf(buf, sizeof buf, "|b%d", v->u.b);
				break;
			default:
				snprintf(buf, sizeof buf, "|i%" PRId64, v->u.i);
			}
		}
		while (len + strlen(buf) + 2 * n + 1 > cap)
			s = realloc(s, cap *= 2);
		len += (size_t)sprintf(s + len, "%s", buf);
		for (size_t k = 0; k < n; k++)
			len += (size_t)sprintf(s + len, "%02X", (unsigned char)p[k]);
	}
	return s;
}

typedef struct rows {
	char **line;
	size_t n, cap;
} rows_t;

static void rows_add(rows_t *r, char *line)
{
	if (r->n == r->cap)
		r->line = realloc(r->line, (r->cap = r->cap ? r->cap * 2 : 256) * sizeof *r->line);
	r->line[r->n++] = line;
}

static void rows_free(rows_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->line[i]);
	free(r->line);
	memset(r, 0, sizeof *r);
}

static void drain_batch(snap_batch_t *b, rows_t *into)
{
	for (size_t i = 0; i < b->nrows; i++)
		rows_add(into, canon_row(b->table, b->rows[i]));
	rc_table_release(b->table);
	b->table = NULL;
	b->nrows = 0;
	b->next = hout.free;
	hout.free = b;
}

/* Every row the reader handed over since the last drain, in order, into into. */
static void drain(rows_t *into)
{
	char byte[64];
	while (read(hsnap.wake[0], byte, sizeof byte) > 0)
		;
	while (hsnap.qhead) {
		snap_batch_t *b = hsnap.qhead;
		hsnap.qhead = b->next;
		if (!hsnap.qhead)
			hsnap.qtail = NULL;
		drain_batch(b, into);
	}
	if (hout.cur) {
		snap_batch_t *b = hout.cur;
		hout.cur = NULL;
		drain_batch(b, into);
	}
}

static rc_snap_table_t table_of(const char *name)
{
	static char full[256];
	rc_snap_table_t st = {0};

	snprintf(full, sizeof full, DB ".%s", name);
	st.schema = DB;
	st.name = (char *)name;
	st.full = full;
	return st;
}

/* ---- read -------------------------------------------------------------------------------- */

static void make_tables(void)
{
	char sql[512];

	exec("DROP DATABASE IF EXISTS " DB);
	exec("CREATE DATABASE " DB);
	exec("CREATE TABLE " DB ".t_int (id INT PRIMARY KEY, v VARCHAR(20), n BIGINT) ENGINE=InnoDB");
	for (int i = 0; i < 250; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO " DB ".t_int VALUES (%d, 'v%d', %d)",
		         (i * 37) % 250 - 125, i, i * 1000);
		exec(sql);
	}
	exec("CREATE TABLE " DB ".t_ubig (id BIGINT UNSIGNED PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB ".t_ubig VALUES (0, 1), (1, 2), (9223372036854775807, 3), "
	     "(9223372036854775808, 4), (18446744073709551614, 5), (18446744073709551615, 6), (42, 7)");
	for (int i = 0; i < 30; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO " DB ".t_ubig VALUES (%llu, %d)",
		         (unsigned long long)i * 613566756000000000ULL + 3, i);
		exec(sql);
	}
	exec("CREATE TABLE " DB ".t_comp (a INT, b VARCHAR(20) CHARACTER SET utf8mb4 COLLATE "
	     "utf8mb4_general_ci, v INT, PRIMARY KEY (a, b)) ENGINE=InnoDB");
	{
		static const char *const bs[] = {"a",  "B",     "c", "D", "é",    "E", "ab", "Ab c", "",
		                                 "z'", "Z\\\\", "ß", "ü", "It's", "~", "0",  "_"};
		for (int a = -1; a <= 2; a++)
			for (size_t k = 0; k < sizeof bs / sizeof bs[0]; k++) {
				char esc[64];
				mysql_real_escape_string(my, esc, bs[k], (unsigned long)strlen(bs[k]));
				snprintf(sql, sizeof sql,
				         "INSERT IGNORE INTO " DB ".t_comp VALUES (%d, '%s', %zu)", a, esc,
				         k);
				exec(sql);
			}
	}
	exec("CREATE TABLE " DB ".t_dec (id DECIMAL(12,3) PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB
	     ".t_dec VALUES (-999999999.999, 1), (-0.001, 2), (0, 3), (0.001, 4), (1.5, 5), "
	     "(10, 6), (999999999.999, 7), (2.25, 8), (-2.25, 9)");
	exec("CREATE TABLE " DB ".t_dt (id DATETIME(3) PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec(
	    "INSERT INTO " DB ".t_dt VALUES ('1000-01-01 00:00:00', 1), ('1970-01-01 00:00:00.001', 2), "
	    "('2024-02-29 23:59:59.999', 3), ('2024-02-29 23:59:59.998', 4), ('9999-12-31 23:59:59.999', 5), "
	    "('2000-01-01 12:00:00', 6), ('2000-01-01 12:00:00.5', 7)");
	exec("CREATE TABLE " DB ".t_bin (id VARBINARY(8) PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB
	     ".t_bin VALUES (X'00', 1), (X'0000', 2), (X'FF', 3), (X'7F00FF', 4), ('A', 5), "
	     "('a', 6), (X'', 7), (X'00FF', 8)");
	/* latin1_swedish_ci sorts 'ä' after 'z' (not as a C comparison of UTF-8 would); CHAR drops
	 * trailing spaces (PAD SPACE); a NO PAD collation keeps 'a' and 'a ' apart. */
	exec("CREATE TABLE " DB
	     ".t_char (id CHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci PRIMARY KEY, "
	     "v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB ".t_char VALUES ('a', 1), ('z', 2), ('ä', 3), ('Å', 4), ('b  ', 5), ('', 6), "
	     "('y', 7), ('ö', 8), ('Z0', 9)");
	exec("CREATE TABLE " DB ".t_nopad (id VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin "
	     "PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB
	     ".t_nopad VALUES ('a', 1), ('a ', 2), ('a  ', 3), ('A', 4), ('', 5), (' ', 6)");
	exec("CREATE TABLE " DB ".t_time (d DATE, ts TIMESTAMP(6), t TIME(1), y YEAR, s SMALLINT, "
	     "bf BINARY(3), v INT, PRIMARY KEY (d, ts, t, y, s, bf)) ENGINE=InnoDB");
	for (int i = 0; i < 40; i++) {
		snprintf(sql, sizeof sql,
		         "INSERT INTO " DB ".t_time VALUES ('2024-0%d-1%d', '2024-01-01 00:00:0%d.%06d', "
		         "'-0%d:00:00.%d', %d, %d, X'%02X', %d)",
		         1 + i % 3, i % 2, i % 4, i * 7, i % 5, i % 10, 2000 + i % 2, i % 3 - 1,
		         (i * 13) % 256, i);
		exec(sql);
	}
	exec("CREATE TABLE " DB ".t_mkc (a INT NOT NULL, b INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB ".t_mkc VALUES (5, 1), (3, 2), (9, 3), (1, 4), (7, 5)");
	exec("CREATE TABLE " DB ".t_nokey (v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB ".t_nokey VALUES (1), (2)");
}

/* The server's key texts of name in ORDER BY key order ("a|b" per row; binary as 0x hex). */
static char **server_keys(const char *name, const char *keyexpr, const char *order, size_t *n)
{
	char sql[512];
	MYSQL_RES *res;
	MYSQL_ROW row;
	char **out;
	size_t i = 0;

	snprintf(sql, sizeof sql, "SELECT %s FROM " DB ".%s ORDER BY %s", keyexpr, name, order);
	if (mysql_query(my, sql) != 0 || !(res = mysql_store_result(my)))
		die("%s: %s", sql, mysql_error(my));
	out = calloc(mysql_num_rows(res) + 1, sizeof *out);
	while ((row = mysql_fetch_row(res)) != NULL)
		out[i++] = strdup(row[0] ? row[0] : "NULL");
	*n = i;
	mysql_free_result(res);
	return out;
}

static char *key_join(const rc_chunk_key_t *k)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < k->n; i++)
		len += strlen(k->text[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; i < k->n; i++) {
		if (i)
			strcat(s, "|");
		strcat(s, k->text[i]);
	}
	return s;
}

/* Reads every chunk of name (after the start, up to upto) with limit; rows into rows, the chunks'
 * last keys into lasts (joined). Returns the RC_ of the first failing call. */
static int read_all(void *rd, const char *name, size_t limit, const rc_chunk_key_t *upto, rows_t *rows,
                    rows_t *lasts, char *err, size_t errlen)
{
	rc_snap_table_t st = table_of(name);
	rc_chunk_key_t after = {0}, last = {0};
	int rc = RC_OK;

	for (int guard = 0; guard < 100000; guard++) {
		size_t nrows = 99;
		hout.st = &st;
		rc = rc_mysql_snapshot_reader.read_chunk(rd, &st, &after, upto, limit, &hout, &last, &nrows,
		                                         err, errlen);
		drain(rows);
		if (rc != RC_OK)
			break;
		check(nrows <= limit, "%s: a chunk of %zu rows for limit %zu", name, nrows, limit);
		if (nrows == 0) {
			check(last.n == 0, "%s: an empty chunk has a last key", name);
			break;
		}
		check(last.n > 0, "%s: a chunk of %zu rows has no last key", name, nrows);
		if (lasts)
			rows_add(lasts, key_join(&last));
		rc_chunk_key_copy(&after, &last);
	}
	rc_chunk_key_clear(&after);
	rc_chunk_key_clear(&last);
	return rc;
}

typedef struct keyed {
	const char *name, *keyexpr, *order;
} keyed_t;

static void test_read(void)
{
	static const keyed_t tables[] = {
	    {"t_int", "id", "id"},
	    {"t_ubig", "id", "id"},
	    {"t_comp", "CONCAT(a, '|', b)", "a, b"},
	    {"t_dec", "id", "id"},
	    {"t_dt", "id", "id"},
	    {"t_bin", "CONCAT('0x', HEX(id))", "id"},
	    {"t_char", "id", "id"},
	    {"t_nopad", "id", "id"},
	    {"t_time", "CONCAT_WS('|', d, ts, t, y, s, CONCAT('0x', HEX(bf)))", "d, ts, t, y, s, bf"},
	    {"t_mkc", "a", "a"},
	};
	static const size_t limits[] = {1, 7, 1000};
	rc_conf_t *conf = make_conf(5);
	char err[RC_ERRSTR_LEN];
	void *rd = NULL;
	int rc;

	make_tables();
	if ((rc = rc_mysql_snapshot_reader.open_live(conf, &rd, err, sizeof err)) != RC_OK)
		die("open_live: %s", err);
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		const keyed_t *kt = &tables[t];
		size_t nkeys;
		char **keys = server_keys(kt->name, kt->keyexpr, kt->order, &nkeys);
		rows_t whole = {0};
		rc_snap_table_t st = table_of(kt->name);

		/* The whole-table reader's rows, the reference (t_mkc has no primary key: one scan, in
		 * whatever order; compared as sorted sets below). */
		hout.st = &st;
		if (rc_mysql_snapshot_reader.read_table(rd, &st, &hout, err, sizeof err) != RC_OK)
			die("read_table %s: %s", kt->name, err);
		drain(&whole);
		check(whole.n == nkeys, "%s: read_table gave %zu rows of %zu", kt->name, whole.n, nkeys);
		for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
			rows_t rows = {0}, lasts = {0};
			rc = read_all(rd, kt->name, limits[l], NULL, &rows, &lasts, err, sizeof err);
			check(rc == RC_OK, "%s limit %zu: %s", kt->name, limits[l], err);
			check(rows.n == nkeys, "%s limit %zu: %zu rows read of %zu", kt->name, limits[l],
			      rows.n, nkeys);
			if (limits[l] == 1) {
				/* One row a chunk: the chunks' keys are the rows' keys, in the server's
				 * order. */
				check(lasts.n == nkeys, "%s: %zu keys for %zu rows", kt->name, lasts.n,
				      nkeys);
				for (size_t i = 0; i < lasts.n && i < nkeys; i++)
					check(strcmp(lasts.line[i], keys[i]) == 0,
					      "%s row %zu: chunk key '%s', the server's ORDER BY has '%s'",
					      kt->name, i, lasts.line[i], keys[i]);
			}
			if (strcmp(kt->name, "t_mkc") == 0) {
				/* read_table scans it in no order: as sets. */
				size_t same = 0;
				for (size_t i = 0; i < rows.n; i++)
					for (size_t j = 0; j < whole.n; j++)
						same += strcmp(rows.line[i], whole.line[j]) == 0;
				check(same == whole.n, "%s limit %zu: %zu rows equal read_table's of %zu",
				      kt->name, limits[l], same, whole.n);
			} else {
				for (size_t i = 0; i < rows.n && i < whole.n; i++)
					check(strcmp(rows.line[i], whole.line[i]) == 0,
					      "%s limit %zu row %zu: chunk %s, read_table %s", kt->name,
					      limits[l], i, rows.line[i], whole.line[i]);
			}
			rows_free(&rows);
			rows_free(&lasts);
		}
		/* max_key is the last key of the server's order; upto stops there, and rows inserted
		 * above it are left to the stream. */
		{
			rc_chunk_key_t max = {0}, mid = {0};
			rows_t rows = {0}, lasts = {0};
			char *mj;
			rc = rc_mysql_snapshot_reader.max_key(rd, &st, &max, err, sizeof err);
			check(rc == RC_OK, "%s max_key: %s", kt->name, err);
			mj = key_join(&max);
			check(strcmp(mj, keys[nkeys - 1]) == 0,
			      "%s: max_key '%s', the server's last key '%s'", kt->name, mj, keys[nkeys - 1]);
			free(mj);
			if (strcmp(kt->name, "t_int") == 0)
				exec("INSERT INTO " DB
				     ".t_int VALUES (1000, 'above', 0), (2000, 'above', 0)");
			else if (strcmp(kt->name, "t_comp") == 0)
				exec("INSERT INTO " DB ".t_comp VALUES (2, '~~', 0), (3, '', 0)");
			rc = read_all(rd, kt->name, 3, &max, &rows, NULL, err, sizeof err);
			check(rc == RC_OK && rows.n == nkeys, "%s upto max_key: %zu rows of %zu (%s)",
			      kt->name, rows.n, nkeys, rc == RC_OK ? "" : err);
			rows_free(&rows);
			/* upto in the middle: the row at index nkeys / 2 is the last read. */
			rc_chunk_key_copy(&mid, &max);
			{
				rows_t one = {0};
				/* The middle key from a one-row chunk read after everything before it. */
				read_all(rd, kt->name, 1, NULL, &one, &lasts, err, sizeof err);
				rows_free(&one);
			}
			if (lasts.n > nkeys / 2) {
				char *text = strdup(lasts.line[nkeys / 2]), *save = NULL;
				rc_chunk_key_clear(&mid);
				mid.text = calloc((size_t)max.n, sizeof *mid.text);
				for (char *p = strtok_r(text, "|", &save); p && mid.n < max.n;
				     p = strtok_r(NULL, "|", &save))
					mid.text[mid.n++] = strdup(p);
				if (strcmp(kt->name, "t_comp") == 0 && mid.n < max.n)
					mid.text[mid.n++] = strdup(""); /* an empty b */
				free(text);
				rc = read_all(rd, kt->name, 4, &mid, &rows, NULL, err, sizeof err);
				check(rc == RC_OK && rows.n == nkeys / 2 + 1,
				      "%s upto its middle key: %zu rows of %zu (%s)", kt->name, rows.n,
				      nkeys / 2 + 1, rc == RC_OK ? "" : err);
				rows_free(&rows);
			}
			rows_free(&lasts);
			rc_chunk_key_clear(&max);
			rc_chunk_key_clear(&mid);
		}
		rows_free(&whole);
		for (size_t i = 0; i < nkeys; i++)
			free(keys[i]);
		free(keys);
	}
	/* A table without a key: its name in the error, for read_chunk and max_key. */
	{
		rc_snap_table_t st = table_of("t_nokey");
		rc_chunk_key_t last = {0};
		rows_t rows = {0};
		size_t nrows = 0;
		err[0] = '\0';
		hout.st = &st;
		rc = rc_mysql_snapshot_reader.read_chunk(rd, &st, &last, NULL, 10, &hout, &last, &nrows, err,
		                                         sizeof err);
		drain(&rows);
		check(rc == RC_ERR_FATAL && strstr(err, DB ".t_nokey") && strstr(err, "no primary key") &&
		          rows.n == 0,
		      "keyless read_chunk: rc %d, %zu rows, '%s'", rc, rows.n, err);
		err[0] = '\0';
		rc = rc_mysql_snapshot_reader.max_key(rd, &st, &last, err, sizeof err);
		check(rc == RC_ERR_FATAL && strstr(err, DB ".t_nokey"), "keyless max_key: rc %d, '%s'", rc,
		      err);
		rows_free(&rows);
	}
	/* A forged boundary (an offset store edited by hand) never reaches a statement. */
	{
		static const char *const bad[] = {"1 OR 1=1", "5-3", "", "0x1", "1e5"};
		static const char *const tables_of_bad[] = {"t_int", "t_int", "t_int", "t_bin", "t_dec"};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			rc_snap_table_t st = table_of(tables_of_bad[i]);
			char *text = (char *)bad[i];
			rc_chunk_key_t after = {.n = 1, .text = &text}, last = {0};
			rows_t rows = {0};
			size_t nrows = 0;
			err[0] = '\0';
			hout.st = &st;
			rc = rc_mysql_snapshot_reader.read_chunk(rd, &st, &after, NULL, 10, &hout, &last,
			                                         &nrows, err, sizeof err);
			drain(&rows);
			check(rc == RC_ERR_FATAL && rows.n == 0 &&
			          strstr(err, "is not a key value of column"),
			      "forged key '%s' of %s: rc %d, %zu rows, '%s'", bad[i], tables_of_bad[i], rc,
			      rows.n, err);
			rows_free(&rows);
		}
	}
	rc_mysql_snapshot_reader.close(rd, true);
	rc_conf_free(conf);
	printf("read: %d checks, %d failures\n", checks, failures);
}

/* ---- watermarks, against the stream -------------------------------------------------------- */

typedef struct seen {
	rc_pos_t pos; /* the newest position handed to commit() or idle() */
	bool is_idle;
	int marked;       /* commits of a transaction that wrote to t_wm */
	rc_pos_t mark[8]; /* their positions */
	bool in_marked;
} seen_t;

static seen_t seen;
static int ticket;

static rc_ack_txn_t *h_begin(void *opaque)
{
	(void)opaque;
	seen.in_marked = false;
	return (rc_ack_txn_t *)&ticket;
}

static int h_event(void *opaque, rc_ack_txn_t *txn, const rc_event_t *ev, char *err, size_t errlen)
{
	(void)opaque;
	(void)txn;
	(void)err;
	(void)errlen;
	if (ev->table && strcmp(ev->table->name, "t_wm") == 0)
		seen.in_marked = true;
	return RC_OK;
}

static void h_commit(void *opaque, rc_ack_txn_t *txn, const rc_pos_t *position)
{
	(void)opaque;
	(void)txn;
	if (!position || !position->set)
		return;
	rc_pos_copy(&seen.pos, position);
	seen.is_idle = false;
	if (seen.in_marked && seen.marked < 8)
		rc_pos_copy(&seen.mark[seen.marked++], position);
	seen.in_marked = false;
}

static void h_abort(void *opaque, rc_ack_txn_t *txn)
{
	(void)opaque;
	(void)txn;
}

static void h_idle(void *opaque, const rc_pos_t *position)
{
	(void)opaque;
	rc_pos_copy(&seen.pos, position);
	seen.is_idle = true;
}

static const rc_source_handler_t handler = {
    .begin = h_begin, .event = h_event, .commit = h_commit, .abort = h_abort, .idle = h_idle};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the stream until until() holds or ms pass. True when it held. */
static bool pump(rc_source_t *src, bool (*until)(const void *), const void *arg, int ms)
{
	int64_t end = now_ms() + ms;
	char err[RC_ERRSTR_LEN];

	while (!until(arg)) {
		struct pollfd pfd = {.fd = src->ops->fd(src), .events = POLLIN};
		int n;
		if (now_ms() >= end)
			return false;
		poll(&pfd, 1, 50);
		n = src->ops->read(src, &handler, 500, err, sizeof err);
		if (n < 0)
			die("stream: %s", err);
	}
	return true;
}

static bool reached(const void *arg)
{
	const rc_pos_t *p = arg;
	return seen.pos.set && !rc_pos_after(p, &seen.pos);
}

static bool marked2(const void *arg)
{
	(void)arg;
	return seen.marked >= 2;
}

static char *pos_text(const rc_pos_t *p)
{
	static char buf[4][RC_POS_TEXTLEN];
	static int i;
	char *b = buf[i++ % 4];
	rc_pos_text(&rc_mysql_pos_codec, p, b, RC_POS_TEXTLEN);
	return b;
}

static rc_source_t *start_source(rc_conf_t *conf, const rc_pos_t *recorded, rc_pos_t *resume, int *prc,
                                 char *err, size_t errlen)
{
	rc_source_t *src = rc_mysql_source_new(conf, err, errlen);
	bool need = false;
	int rc;

	if (!src)
		die("source: %s", err);
	if ((rc = src->ops->connect(src, err, errlen)) != RC_OK)
		die("connect: %s", err);
	rc = src->ops->prepare_stream(src, recorded, false, resume, &need, err, errlen);
	if (prc)
		*prc = rc;
	if (rc != RC_OK) {
		if (!prc)
			die("prepare_stream: %s", err);
		src->ops->free(src);
		return NULL;
	}
	if ((rc = src->ops->stream(src, resume, err, errlen)) != RC_OK)
		die("stream: %s", err);
	return src;
}

static void test_watermark(void)
{
	rc_conf_t *conf = make_conf(100);
	rc_pos_t resume = RC_POS_NONE, low = RC_POS_NONE, high = RC_POS_NONE, high2 = RC_POS_NONE;
	char err[RC_ERRSTR_LEN];
	rc_source_t *src;
	MYSQL *writer = connect_env();
	void *rd = NULL;
	rc_snap_table_t st = table_of("t_wm");
	rc_chunk_key_t after = {0}, last = {0};
	rows_t rows = {0};
	size_t nrows = 0;
	int64_t t0;

	exec("DROP DATABASE IF EXISTS " DB);
	exec("CREATE DATABASE " DB);
	exec("CREATE TABLE " DB ".t_wm (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB ".t_wm VALUES (1, 1), (2, 2)");
	src = start_source(conf, NULL, &resume, NULL, err, sizeof err);
	if (rc_mysql_snapshot_reader.open_live(conf, &rd, err, sizeof err) != RC_OK)
		die("open_live: %s", err);
	/* A commit before the low watermark, then the window: low, the chunk, a commit, high. */
	exec_on(writer, "INSERT INTO " DB ".t_wm VALUES (3, 3)");
	if (rc_mysql_snapshot_reader.watermark(rd, "t_wm-1", false, &low, err, sizeof err) != RC_OK)
		die("low watermark: %s", err);
	exec_on(writer, "INSERT INTO " DB ".t_wm VALUES (4, 4)"); /* after low, before the chunk's read */
	hout.st = &st;
	if (rc_mysql_snapshot_reader.read_chunk(rd, &st, &after, NULL, 100, &hout, &last, &nrows, err,
	                                        sizeof err) != RC_OK)
		die("read_chunk: %s", err);
	drain(&rows);
	if (rc_mysql_snapshot_reader.watermark(rd, "t_wm-1", true, &high, err, sizeof err) != RC_OK)
		die("high watermark: %s", err);
	if (mariadb)
		check(
		    nrows == 3 && strcmp(last.text[0], "3") == 0,
		    "the chunk read at the low watermark's consistent read: %zu rows, last %s (3 rows, last 3 "
		    "expected: the row committed after low is the stream's)",
		    nrows, last.n ? last.text[0] : "none");
	check(pump(src, marked2, NULL, 10000), "the stream delivered %d of the 2 commits to t_wm",
	      seen.marked);
	check(pump(src, reached, &high, 10000), "the stream did not reach the high watermark %s (at %s)",
	      pos_text(&high), pos_text(&seen.pos));
	if (seen.marked >= 2) {
		check(!rc_pos_after(&seen.mark[0], &low), "the commit before the window %s is after low %s",
		      pos_text(&seen.mark[0]), pos_text(&low));
		check(rc_pos_after(&seen.mark[1], &low), "the commit in the window %s is not after low %s",
		      pos_text(&seen.mark[1]), pos_text(&low));
		check(!rc_pos_after(&seen.mark[1], &high), "the commit in the window %s is after high %s",
		      pos_text(&seen.mark[1]), pos_text(&high));
		printf("watermark: before %s <= low %s < in window %s <= high %s\n", pos_text(&seen.mark[0]),
		       pos_text(&low), pos_text(&seen.mark[1]), pos_text(&high));
	}
	/* Quiet: a fresh high watermark, nothing written after it; the stream must say it is there
	 * within the heartbeat period (1 s) and some slack. On a server of its own (make check runs
	 * other tests beside this one, whose commits say so first) only a heartbeat can: there the
	 * report must be an idle one. */
	for (int round = 0; round < 2; round++) {
		bool got, strict = getenv("ROWCAST_TEST_MYSQL_EXCLUSIVE") &&
		                   strcmp(getenv("ROWCAST_TEST_MYSQL_EXCLUSIVE"), "1") == 0;
		rc_pos_clear(&seen.pos);
		if (round == 0 &&
		    rc_mysql_snapshot_reader.watermark(rd, "t_wm-2", true, &high2, err, sizeof err) != RC_OK)
			die("high watermark: %s", err);
		t0 = now_ms();
		got = pump(src, reached, &high2, 3500);
		check(got && (seen.is_idle || !strict),
		      "round %d: the stream did not report reaching %s within 3.5 s%s (%s)", round,
		      pos_text(&high2), strict ? " by a heartbeat" : "",
		      seen.pos.set ? pos_text(&seen.pos) : "nothing reported");
		printf("watermark: round %d: the stream reported %s (%s) %" PRId64
		       " ms after the high watermark "
		       "%s\n",
		       round, seen.pos.set ? pos_text(&seen.pos) : "-",
		       seen.is_idle ? "idle: a heartbeat" : "a commit of another client", now_ms() - t0,
		       pos_text(&high2));
	}

	rows_free(&rows);
	rc_chunk_key_clear(&last);
	rc_pos_clear(&low);
	rc_pos_clear(&high);
	rc_pos_clear(&high2);
	rc_pos_clear(&resume);
	rc_pos_clear(&seen.pos);
	for (int i = 0; i < seen.marked; i++)
		rc_pos_clear(&seen.mark[i]);
	rc_mysql_snapshot_reader.close(rd, true);
	src->ops->free(src);
	mysql_close(writer);
	rc_conf_free(conf);
	printf("watermark: %d checks, %d failures\n", checks, failures);
}

/* ---- a snapshot's point as a recorded position ------------------------------------------- */

/* The binlog file of recorded really purged, with a transaction after the point in it: the source
 * resumes by the point's GTIDs (MariaDB: a purged file is no reason to give up while the GTIDs say
 * where), and the server, which no longer has what follows them, refuses: the stream fails naming
 * it rather than skipping the lost transaction. Only with the server to itself: PURGE BINARY LOGS
 * takes binlogs other tests read. */
static void purged_point(rc_conf_t *conf, const rc_pos_t *recorded)
{
	char err[RC_ERRSTR_LEN] = "", cur[600], sql[700];
	rc_pos_t resume = RC_POS_NONE;
	rc_source_t *src;
	MYSQL_RES *res;
	MYSQL_ROW row;
	int64_t end;
	int rc = RC_OK;

	if (!*rc_mysql_pos_gtids(recorded))
		return; /* GTIDs off: the forged case above is the whole story */
	exec("INSERT INTO " DB ".t_wm VALUES (3, 3)"); /* after the point, in its file */
	exec("FLUSH BINARY LOGS");
	if (mysql_query(my, "SHOW MASTER STATUS") != 0 || !(res = mysql_store_result(my)) ||
	    !(row = mysql_fetch_row(res)))
		die("SHOW MASTER STATUS: %s", mysql_error(my));
	snprintf(cur, sizeof cur, "%s", row[0]);
	mysql_free_result(res);
	snprintf(sql, sizeof sql, "PURGE BINARY LOGS TO '%s'", cur);
	/* A file a dump thread still reads (the streams above, closing) is kept: again until it goes. */
	for (int tries = 0;; tries++) {
		size_t flen;
		const char *f = rc_mysql_pos_file(recorded, &flen);
		bool have = false;
		exec(sql);
		if (mysql_query(my, "SHOW BINARY LOGS") != 0 || !(res = mysql_store_result(my)))
			die("SHOW BINARY LOGS: %s", mysql_error(my));
		while ((row = mysql_fetch_row(res)) != NULL)
			have = have || (strlen(row[0]) == flen && memcmp(row[0], f, flen) == 0);
		mysql_free_result(res);
		if (!have)
			break;
		if (tries == 50) {
			printf(
			    "resume: the point's binlog file could not be purged (in use): purge case skipped\n");
			return;
		}
		usleep(100000);
	}
	src = start_source(conf, recorded, &resume, &rc, err, sizeof err);
	check(src != NULL,
	      "a purged point with GTIDs: prepare_stream refused at once (%s); expected a resume by "
	      "GTIDs that the server refuses",
	      err);
	if (!src)
		return;
	end = now_ms() + 10000;
	err[0] = '\0';
	while (now_ms() < end) {
		struct pollfd pfd = {.fd = src->ops->fd(src), .events = POLLIN};
		poll(&pfd, 1, 50);
		rc = src->ops->read(src, &handler, 500, err, sizeof err);
		if (rc < 0)
			break;
	}
	check(rc < 0 && (strstr(err, "1236") || strstr(err, "GTID")),
	      "streaming from a purged point by GTIDs: rc %d, '%s' (expected the server's refusal)", rc, err);
	printf("resume: a purged point: %s\n", err);
	src->ops->free(src);
	rc_pos_clear(&resume);
}

static void test_resume(void)
{
	rc_conf_t *conf = make_conf(100);
	rc_snapshot_point_t pt;
	rc_pos_t recorded = RC_POS_NONE, resume = RC_POS_NONE, forged = RC_POS_NONE;
	char err[RC_ERRSTR_LEN], file[600];
	json_t *obj = json_object();
	MYSQL *src_sql = connect_env();
	rc_source_t *src;
	void *rd = NULL;
	size_t flen;
	const char *f;
	int rc;

	exec("DROP DATABASE IF EXISTS " DB);
	exec("CREATE DATABASE " DB);
	exec("CREATE TABLE " DB ".t_wm (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
	exec("INSERT INTO " DB ".t_wm VALUES (10, 1), (11, 1), (12, 1), (13, 1), (14, 1)");
	if (rc_mysql_snapshot_point(src_sql, conf, mariadb, true, &pt, err, sizeof err) != RC_OK)
		die("point: %s", err);
	/* Chunks read inside the point (an initial snapshot recording its progress): the rows as of
	 * the point, whatever is committed after it. */
	if (rc_mysql_snapshot_reader.open(conf, &pt, &rd, err, sizeof err) != RC_OK)
		die("open at the point: %s", err);
	if (rc_mysql_snapshot_held(src_sql, err, sizeof err) != RC_OK)
		die("held: %s", err);
	exec("INSERT INTO " DB ".t_wm VALUES (15, 1)");
	exec("DELETE FROM " DB ".t_wm WHERE id = 12");
	{
		rows_t rows = {0}, lasts = {0};
		int rrc = read_all(rd, "t_wm", 2, NULL, &rows, &lasts, err, sizeof err);
		check(rrc == RC_OK && rows.n == 5 && lasts.n == 3 && strcmp(lasts.line[2], "14") == 0,
		      "chunks inside the point: rc %d, %zu rows (5 expected), last key %s (14 expected)", rrc,
		      rows.n, lasts.n ? lasts.line[lasts.n - 1] : "none");
		rows_free(&rows);
		rows_free(&lasts);
	}
	rc_mysql_snapshot_reader.close(rd, true);
	exec("DELETE FROM " DB ".t_wm");
	/* As the offset store keeps it. */
	if (rc_mysql_pos_codec.to_json(&pt.pos, obj) != 0 ||
	    rc_mysql_pos_codec.from_json(obj, &recorded, err, sizeof err) != 0)
		die("position JSON: %s", err);
	check(rc_pos_same(&recorded, &pt.pos), "the point %s came back from JSON as %s", pos_text(&pt.pos),
	      pos_text(&recorded));
	exec("INSERT INTO " DB ".t_wm VALUES (1, 1)"); /* after the point */
	exec("INSERT INTO " DB ".t_wm VALUES (2, 2)");
	memset(&seen, 0, sizeof seen);
	src = start_source(conf, &recorded, &resume, NULL, err, sizeof err);
	check(rc_pos_same(&resume, &recorded), "prepare_stream moved the recorded point %s to %s",
	      pos_text(&recorded), pos_text(&resume));
	check(pump(src, marked2, NULL, 10000),
	      "from the point, the stream delivered %d of 2 commits after it", seen.marked);
	if (seen.marked)
		check(rc_pos_after(&seen.mark[0], &recorded),
		      "a commit after the point %s is not after it: %s", pos_text(&recorded),
		      pos_text(&seen.mark[0]));
	src->ops->free(src);
	/* A recorded file the server no longer has (purged long ago), no GTIDs: refused, named. */
	f = rc_mysql_pos_file(&recorded, &flen);
	snprintf(file, sizeof file, "%.*s", (int)flen, f);
	strcpy(strrchr(file, '.') + 1, "000000");
	rc_mysql_pos_set(&forged, file, 4, 0, "");
	src = start_source(conf, &forged, &resume, &rc, err, sizeof err);
	check(!src && rc == RC_ERR_FATAL && strstr(err, file) && strstr(err, "purged"),
	      "a purged recorded position: rc %d, '%s'", rc, err);
	if (src)
		src->ops->free(src);
	if (getenv("ROWCAST_TEST_MYSQL_EXCLUSIVE") &&
	    strcmp(getenv("ROWCAST_TEST_MYSQL_EXCLUSIVE"), "1") == 0)
		purged_point(conf, &recorded);
	for (int i = 0; i < seen.marked; i++)
		rc_pos_clear(&seen.mark[i]);
	rc_pos_clear(&seen.pos);
	rc_pos_clear(&forged);
	rc_pos_clear(&recorded);
	rc_pos_clear(&resume);
	rc_snapshot_point_clear(&pt);
	json_decref(obj);
	mysql_close(src_sql);
	rc_conf_free(conf);
	printf("resume: %d checks, %d failures\n", checks, failures);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: mysql_chunk_check read|watermark|resume");
	rc_log_setup(getenv("ROWCAST_TEST_DEBUG") ? RC_LOG_DEBUG : RC_LOG_WARN, RC_LOG_FORMAT_TEXT);
	my = connect_env();
	mariadb = strstr(mysql_get_server_info(my), "MariaDB") != NULL;
	handoff_init();
	if (strcmp(argv[1], "read") == 0)
		test_read();
	else if (strcmp(argv[1], "watermark") == 0)
		test_watermark();
	else if (strcmp(argv[1], "resume") == 0)
		test_resume();
	else
		die("unknown mode %s", argv[1]);
	exec("DROP DATABASE IF EXISTS " DB);
	mysql_close(my);
	return failures ? 1 : 0;
}
