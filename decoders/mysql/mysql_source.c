#include "config.h"

#include "decoders/mysql/mysql_source.h"

#include "agent/arena.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_rows.h"
#include "decoders/mysql/binlog_transport.h"
#include "decoders/mysql/gtid.h"
#include "decoders/mysql/mysql_hbquery.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_lag.h"
#include "decoders/mysql/mysql_ddl.h"
#include "decoders/mysql/mysql_position.h"
#include "decoders/mysql/mysql_snapshot_point.h"
#include "decoders/mysql/mysql_stream_pos.h"
#include "decoders/mysql/mysql_tables.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOG_EVENT_ARTIFICIAL_F 0x20 /* an event the server made up for this stream (the first ROTATE) */
#define MARIA_GTID_STANDALONE 1     /* MariaDB GTID flag: one statement with no BEGIN/COMMIT (DDL) */

typedef struct my_source {
	rc_source_t base;
	const rc_conf_t *conf;
	const char *connector; /* "mysql" or "mariadb": source.type */
	bool mariadb;          /* the server is MariaDB (its protocol), whatever source.type says */
	uint32_t server_id;    /* ours, as a replica */
	bool include_query;
	bool schema_changes; /* include.schema.changes */
	bool resume_by_gtid; /* the recorded file is not on the server: its GTIDs say where */
	MYSQL *sql;          /* queries: positions, guard rails, the snapshot's point */

	rc_binlog_transport_t *tr;
	rc_binlog_batch_t *batch; /* being read */
	size_t batch_off;

	rc_binlog_fmt_t fmt;
	rc_arena_t arena; /* one event's parse and values */
	rc_mysql_tables_t *tables;
	rc_mysql_stream_pos_t spos; /* file, GTIDs executed, the transaction's GTID */

	/* The transaction in progress. */
	rc_ack_txn_t *txn;
	bool explicit_begin; /* opened by QUERY BEGIN (or a MariaDB GTID without the standalone flag) */
	int64_t thread;
	char *query; /* ROWS_QUERY / ANNOTATE_ROWS of the next rows events (include.query) */
	uint64_t events;
	rc_mysql_lag_t *lag;    /* the server's binlog end, for lag_bytes (mysql_lag.h); NULL: unknown */
	bool txmeta;            /* provide.transaction.metadata */
	char txn_id[1100];      /* the transaction's id as Debezium writes it: the GTID, or "file=F,pos=P" */
	rc_mysql_hbquery_t hbq; /* heartbeat.action.query */
	/* The end of the last event after which the stream was between transactions (a commit, a
	 * file's header events), in the current file; 0: none since the last ROTATE. A heartbeat at
	 * exactly this position says the server has written nothing after it (see on_event). */
	uint64_t quiet_end;
} my_source_t;

static int oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return RC_ERR_FATAL;
}

/* ---- positions and guard rails ---- */

/* The server's current binlog position and executed GTIDs into *p. */
static int current_position(my_source_t *ms, rc_pos_t *p, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char gtids[65536];
	int rc = RC_OK;

	if (mysql_query(ms->sql, "SHOW MASTER STATUS") != 0 &&
	    mysql_query(ms->sql, "SHOW BINARY LOG STATUS") != 0) { /* MySQL 8.4 renamed it */
		snprintf(err, errlen, "cannot read the binlog position: %s", mysql_error(ms->sql));
		return rc_mysql_conn_lost(ms->sql) ? RC_ERR_RETRY : RC_ERR_FATAL;
	}
	if (!(res = mysql_store_result(ms->sql)) || !(row = mysql_fetch_row(res)) || !row[0] || !row[1]) {
		snprintf(err, errlen,
		         "the server has no binary log (SHOW MASTER STATUS is empty): enable log_bin");
		mysql_free_result(res);
		return RC_ERR_FATAL;
	}
	if (rc_mysql_query_value(
	        ms->sql, ms->mariadb ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed",
	        gtids, sizeof gtids, err, errlen) != 0)
		rc = RC_ERR_RETRY;
	else if (rc_mysql_pos_set(p, row[0], strtoull(row[1], NULL, 10), 0, gtids) != 0)
		rc = oom(err, errlen);
	mysql_free_result(res);
	return rc;
}

/* True (in *have) when the server still has binlog file. */
static int binlog_exists(my_source_t *ms, const char *file, size_t flen, bool *have, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	*have = false;
	if (mysql_query(ms->sql, "SHOW BINARY LOGS") != 0 || !(res = mysql_store_result(ms->sql))) {
		snprintf(err, errlen, "SHOW BINARY LOGS failed: %s", mysql_error(ms->sql));
		return rc_mysql_conn_lost(ms->sql) ? RC_ERR_RETRY : RC_ERR_FATAL;
	}
	while ((row = mysql_fetch_row(res)))
		if (row[0] && strlen(row[0]) == flen && memcmp(row[0], file, flen) == 0)
			*have = true;
	mysql_free_result(res);
	return RC_OK;
}

static int check_binlog_format(my_source_t *ms, char *err, size_t errlen)
{
	char val[64];

	if (rc_mysql_query_value(ms->sql, "SELECT @@GLOBAL.binlog_format", val, sizeof val, err, errlen) != 0)
		return RC_ERR_RETRY;
	if (strcasecmp(val, "ROW") != 0) {
		snprintf(
		    err, errlen,
		    "binlog_format is %s: rowcast reads row events only (SET GLOBAL binlog_format = ROW, and in "
		    "my.cnf)",
		    val);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

/* ---- source operations ---- */

static int my_connect(rc_source_t *src, char *err, size_t errlen)
{
	my_source_t *ms = (my_source_t *)src;

	if (!(ms->sql = rc_mysql_connect(ms->conf, err, errlen)))
		return RC_ERR_RETRY;
	ms->mariadb = strstr(mysql_get_server_info(ms->sql), "MariaDB") != NULL;
	return check_binlog_format(ms, err, errlen);
}

static int my_prepare_stream(rc_source_t *src, const rc_pos_t *recorded, bool when_needed, rc_pos_t *resume,
                             bool *need_snapshot, char *err, size_t errlen)
{
	my_source_t *ms = (my_source_t *)src;
	char at[RC_POS_TEXTLEN];
	const char *file;
	size_t flen;
	bool have;
	int rc;

	*need_snapshot = false;
	if (!recorded || !recorded->set)
		return current_position(ms, resume, err, errlen);
	file = rc_mysql_pos_file(recorded, &flen);
	if ((rc = binlog_exists(ms, file, flen, &have, err, errlen)) != RC_OK)
		return rc;
	if (!have && *rc_mysql_pos_gtids(recorded)) {
		/* Another server (a failover) or a purged file: the GTIDs say where to go on. The server
		 * refuses (error 1236, fatal) when it lacks transactions after them. */
		rc_pos_text(&rc_mysql_pos_codec, recorded, at, sizeof at);
		rc_log_warn(
		    "mysql",
		    "the server has no binlog file of the recorded position %s: resuming by its GTIDs", at);
		ms->resume_by_gtid = true;
		rc_pos_copy(resume, recorded);
		return RC_OK;
	}
	if (!have) {
		rc_pos_text(&rc_mysql_pos_codec, recorded, at, sizeof at);
		if (when_needed) {
			rc_log_warn("mysql",
			            "the recorded position %s is in a binlog file the server purged: a new "
			            "snapshot (snapshot.mode=when_needed)",
			            at);
			*need_snapshot = true;
			return RC_OK;
		}
		snprintf(
		    err, errlen,
		    "the recorded position %s is in a binlog file the server no longer has (purged): changes "
		    "after it are lost to rowcast; take a new snapshot (snapshot.mode=when_needed or always), "
		    "or keep binlogs longer (binlog_expire_logs_seconds)",
		    at);
		return RC_ERR_FATAL;
	}
	rc_pos_copy(resume, recorded);
	return RC_OK;
}

/* The snapshot's consistent point (mysql_snapshot_point.h): a global read lock held only while the
 * readers start, or MariaDB's lock-free consistent snapshot for a single reader. */
static int my_snapshot_point(rc_source_t *src, bool then_stream, rc_snapshot_point_t *pt, char *err,
                             size_t errlen)
{
	my_source_t *ms = (my_source_t *)src;
	int rc = rc_mysql_snapshot_point(ms->sql, ms->conf, ms->mariadb, then_stream, pt, err, errlen);

	if (rc == RC_OK)
		pt->source.connector = ms->connector; /* source.type's name, as the stream's events */
	return rc;
}

static int my_snapshot_held(rc_source_t *src, char *err, size_t errlen)
{
	my_source_t *ms = (my_source_t *)src;

	return rc_mysql_snapshot_held(ms->sql, err, errlen);
}

static int my_stream(rc_source_t *src, const rc_pos_t *from, char *err, size_t errlen)
{
	my_source_t *ms = (my_source_t *)src;
	rc_binlog_start_t start = {0};
	uint8_t *sids = NULL;
	char file[512];
	size_t flen;
	const char *f = rc_mysql_pos_file(from, &flen), *gtids = rc_mysql_pos_gtids(from);
	int rc;

	snprintf(file, sizeof file, "%.*s", (int)flen, f);
	rc = rc_mysql_stream_pos_init(&ms->spos, ms->mariadb, file, gtids, err, errlen);
	if (rc != RC_OK)
		return rc;
	start.file = file;
	start.pos = rc_mysql_pos_offset(from);
	/* By file:pos while the server has the file: exact, and the server need not look for the place
	 * (MariaDB finds a GTID position by reading its binlog from the start of a file, which took
	 * seconds on a large file, long enough for a restart to seem stuck). By GTIDs when it has not
	 * (prepare_stream decided): MySQL takes the set in COM_BINLOG_DUMP_GTID's encoding, MariaDB as
	 * @slave_connect_state. */
	if (ms->resume_by_gtid && ms->mariadb) {
		start.mariadb_gtid = gtids;
	} else if (ms->resume_by_gtid) {
		char why[256];
		if (rc_gtid_set_encode(ms->spos.mysql_set, &sids, &start.mysql_sids_len, why, sizeof why) !=
		    0) {
			snprintf(err, errlen, "%s", why);
			return RC_ERR_FATAL;
		}
		start.mysql_sids = sids;
		start.file = "";
		start.pos = 4;
	}
	rc_binlog_fmt_init(&ms->fmt);
	{
		/* The stream's first event (an artificial ROTATE) comes before any FORMAT_DESCRIPTION,
		 * with the checksum the transport asked for (@master_binlog_checksum = the server's). */
		char alg[32];
		if (rc_mysql_query_value(ms->sql, "SELECT @@GLOBAL.binlog_checksum", alg, sizeof alg, err,
		                         errlen) != 0) {
			free(sids);
			return RC_ERR_RETRY;
		}
		ms->fmt.crc32 = strcasecmp(alg, "CRC32") == 0;
	}
	ms->tr = rc_binlog_transport_start(ms->conf, ms->server_id, ms->mariadb, &start, err, errlen);
	free(sids);
	if (!ms->tr)
		return RC_ERR_FATAL;
	if (!ms->lag) {
		char why[RC_ERRSTR_LEN];
		if (!(ms->lag = rc_mysql_lag_start(ms->conf, why, sizeof why)))
			rc_log_warn("mysql", "rowcast_source_lag_bytes will be missing: %s", why);
	}
	rc_log_info("mysql", "reading the binlog as replica %u from %s:%llu%s%.200s", ms->server_id, file,
	            (unsigned long long)rc_mysql_pos_offset(from),
	            ms->resume_by_gtid ? ", by GTIDs: after "
	            : *gtids           ? ", executed GTIDs "
	                               : "",
	            gtids);
	return RC_OK;
}

static int my_fd(rc_source_t *src)
{
	my_source_t *ms = (my_source_t *)src;

	return ms->tr ? rc_binlog_transport_fd(ms->tr) : -1;
}

/* ---- transactions ---- */

/* Names the transaction as Debezium's BinlogOffsetContext does: its GTID when there is one, else
 * "file=<binlog file>,pos=<where the transaction starts>" (ev, its first event). */
static void txn_name(my_source_t *ms, const rc_source_handler_t *h, const rc_binlog_event_t *ev)
{
	const char *gtid = rc_mysql_stream_pos_gtid(&ms->spos);

	if (gtid)
		snprintf(ms->txn_id, sizeof ms->txn_id, "%s", gtid);
	else
		snprintf(ms->txn_id, sizeof ms->txn_id, "file=%s,pos=%u", rc_mysql_stream_pos_file(&ms->spos),
		         ev->log_pos >= ev->size ? ev->log_pos - ev->size : 0);
	if (h->txn_mark)
		h->txn_mark(h->opaque, ms->txn, false,
		            &(rc_txn_mark_t){.id = ms->txn_id, .ts_us = (int64_t)ev->timestamp * 1000000});
}

static int txn_begin(my_source_t *ms, const rc_source_handler_t *h, bool explicit_begin,
                     const rc_binlog_event_t *ev, char *err, size_t errlen)
{
	if (ms->txn)
		return RC_OK;
	if (!(ms->txn = h->begin(h->opaque)))
		return oom(err, errlen);
	ms->explicit_begin = explicit_begin;
	if (ms->txmeta)
		txn_name(ms, h, ev);
	return RC_OK;
}

/* The transaction ends with the event ev (its end is the position to resume from). */
static int txn_commit(my_source_t *ms, const rc_source_handler_t *h, const rc_binlog_event_t *ev, char *err,
                      size_t errlen)
{
	rc_pos_t pos = RC_POS_NONE;
	int rc = rc_mysql_stream_pos_commit(&ms->spos, err, errlen);

	if (rc != RC_OK)
		return rc;
	if (!ms->txn)
		return RC_OK;
	if (ms->txmeta && h->txn_mark)
		h->txn_mark(h->opaque, ms->txn, true,
		            &(rc_txn_mark_t){.id = ms->txn_id, .ts_us = (int64_t)ev->timestamp * 1000000});
	/* log_pos 0: an event of a relay log or made up by the server: no place to resume from. */
	if (ev->log_pos && rc_mysql_stream_pos_make(&ms->spos, ev->log_pos, &pos) != 0) {
		return oom(err, errlen);
	}
	h->commit(h->opaque, ms->txn, &pos);
	rc_pos_clear(&pos);
	ms->quiet_end = ev->log_pos;
	ms->txn = NULL;
	ms->explicit_begin = false;
	ms->thread = -1;
	free(ms->query);
	ms->query = NULL;
	return RC_OK;
}

static bool stmt_is(const rc_binlog_str_t *s, const char *word)
{
	size_t n = strlen(word), i = 0;

	while (i < s->len && (s->s[i] == ' ' || s->s[i] == '\n' || s->s[i] == '\t'))
		i++;
	if (s->len - i < n || strncasecmp(s->s + i, word, n) != 0)
		return false;
	for (i += n; i < s->len; i++)
		if (s->s[i] != ' ' && s->s[i] != ';' && s->s[i] != '\n' && s->s[i] != '\t')
			return false;
	return true;
}

/* The statements Debezium publishes as schema changes. */
static bool is_ddl(const rc_binlog_str_t *s)
{
	static const char *const words[] = {"CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE"};
	size_t i = 0;

	while (i < s->len && (s->s[i] == ' ' || s->s[i] == '\n' || s->s[i] == '\t' || s->s[i] == '('))
		i++;
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t n = strlen(words[w]);
		if (s->len - i > n && strncasecmp(s->s + i, words[w], n) == 0 &&
		    (s->s[i + n] == ' ' || s->s[i + n] == '\n' || s->s[i + n] == '\t'))
			return true;
	}
	return false;
}

/* Debezium's schema change event of a DDL statement, on the <topic.prefix> topic: the statement, the
 * database it is about (the one it names, else the session's) and the table it names. rowcast does
 * not parse DDL further, so tableChanges is empty; the changed table's new schema comes with its next
 * rows. Statements of databases the filters leave out, and TRUNCATE (Debezium publishes none for
 * it), are not published. */
static int schema_change(my_source_t *ms, const rc_binlog_event_t *ev, const rc_source_handler_t *h,
                         char *err, size_t errlen)
{
	const rc_binlog_query_t *q = &ev->u.query;
	rc_event_t e = {.op = RC_OP_SCHEMA_CHANGE};
	rc_mysql_ddl_object_t obj;
	char *db, *ddl;

	rc_mysql_ddl_object(q->statement.s, q->statement.len, &obj);
	if (obj.truncate)
		return RC_OK;
	db = obj.db[0] ? rc_arena_strndup(&ms->arena, obj.db, strlen(obj.db))
	               : rc_arena_strndup(&ms->arena, q->schema.s, q->schema.len);
	ddl = rc_arena_strndup(&ms->arena, q->statement.s, q->statement.len);
	if (!db || !ddl)
		return oom(err, errlen);
	if (*db && !rc_mysql_tables_captures_db(ms->tables, db))
		return RC_OK;
	e.ddl = ddl;
	e.ddl_len = q->statement.len;
	e.ddl_db = db;
	e.source.connector = ms->connector;
	e.source.db = db;
	e.source.table = obj.table[0] ? rc_arena_strndup(&ms->arena, obj.table, strlen(obj.table)) : NULL;
	e.source.ts_us = (int64_t)ev->timestamp * 1000000;
	e.source.snapshot = "false";
	e.source.txid = -1;
	e.source.file = rc_mysql_stream_pos_file(&ms->spos);
	e.source.pos = ev->log_pos >= ev->size ? (int64_t)(ev->log_pos - ev->size) : 0;
	e.source.server_id = ev->server_id;
	e.source.gtid = rc_mysql_stream_pos_gtid(&ms->spos);
	e.source.thread = -1; /* Debezium leaves it null on schema changes */
	e.source.query = NULL;
	return h->event(h->opaque, ms->txn, &e, err, errlen);
}

static int on_query(my_source_t *ms, const rc_binlog_event_t *ev, const rc_source_handler_t *h, char *err,
                    size_t errlen)
{
	const rc_binlog_query_t *q = &ev->u.query;

	if (stmt_is(&q->statement, "BEGIN") || stmt_is(&q->statement, "START TRANSACTION") ||
	    stmt_is(&q->statement, "XA START")) {
		int rc = txn_begin(ms, h, true, ev, err, errlen);
		ms->thread = q->thread_id;
		return rc;
	}
	if (stmt_is(&q->statement, "COMMIT") || stmt_is(&q->statement, "XA END") ||
	    stmt_is(&q->statement, "XA COMMIT"))
		return txn_commit(ms, h, ev, err, errlen);
	if (stmt_is(&q->statement, "ROLLBACK")) {
		/* Non-transactional changes were written; the position still moves past them. */
		return txn_commit(ms, h, ev, err, errlen);
	}
	if (ms->txn && ms->explicit_begin)
		return RC_OK; /* a statement inside a transaction (SAVEPOINT, statement-logged parts) */
	/* A statement of its own (DDL): its own transaction, and a schema change event. The tables it
	 * changes send new TABLE_MAPs before their next rows, which make their new schemas. */
	rc_log_debug("mysql", "statement at %s:%u: %.*s", rc_mysql_stream_pos_file(&ms->spos), ev->log_pos,
	             (int)(q->statement.len > 200 ? 200 : q->statement.len), q->statement.s);
	{
		int rc = txn_begin(ms, h, false, ev, err, errlen);
		if (rc == RC_OK && ms->schema_changes && is_ddl(&q->statement))
			rc = schema_change(ms, ev, h, err, errlen);
		if (rc == RC_OK)
			rc = txn_commit(ms, h, ev, err, errlen);
		return rc;
	}
}

/* True when two values of a key column differ. */
static bool value_differs(const rc_column_t *c, const rc_value_t *a, const rc_value_t *b)
{
	if (a->state != b->state)
		return true;
	if (a->state != RC_V_SET)
		return false;
	switch (c->type) {
	case RC_T_BOOL:
		return a->u.b != b->u.b;
	case RC_T_FLOAT32:
	case RC_T_FLOAT64:
		return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) != 0;
	case RC_T_STRING:
	case RC_T_BYTES:
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL:
		return a->u.bytes.len != b->u.bytes.len || a->u.bytes.scale != b->u.bytes.scale ||
		       memcmp(a->u.bytes.ptr, b->u.bytes.ptr, a->u.bytes.len) != 0;
	case RC_T_ARRAY:
		return true; /* never a key in practice; a changed key is the safe answer */
	default:
		return a->u.i != b->u.i;
	}
}

static bool key_changed(const rc_table_t *t, const rc_value_t *before, const rc_value_t *after)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].key && after[i].state != RC_V_UNCHANGED &&
		    value_differs(&t->cols[i], &before[i], &after[i]))
			return true;
	return false;
}

static int on_rows(my_source_t *ms, const rc_binlog_event_t *ev, const rc_source_handler_t *h, char *err,
                   size_t errlen)
{
	const rc_mysql_table_t *mt;
	rc_binlog_rows_iter_t it;
	rc_event_t e = {0};
	int rc;

	if (!rc_mysql_tables_get(ms->tables, ev->u.rows.table_id, &mt)) {
		snprintf(err, errlen, "binlog %s at %s:%u: table id %llu has no TABLE_MAP before it",
		         rc_binlog_type_name(ev->type), rc_mysql_stream_pos_file(&ms->spos), ev->log_pos,
		         (unsigned long long)ev->u.rows.table_id);
		return RC_ERR_FATAL;
	}
	if (!mt)
		return RC_OK; /* filtered out */
	if ((rc = txn_begin(ms, h, false, ev, err, errlen)) != RC_OK)
		return rc;
	e.table = mt->table;
	e.source.connector = ms->connector;
	e.source.db = mt->table->schema_name;
	e.source.ts_us = (int64_t)ev->timestamp * 1000000;
	e.source.snapshot = "false";
	e.source.txid = -1;
	e.source.file = rc_mysql_stream_pos_file(&ms->spos);
	e.source.pos = ev->log_pos >= ev->size ? (int64_t)(ev->log_pos - ev->size) : 0;
	e.source.server_id = ev->server_id;
	e.source.gtid = rc_mysql_stream_pos_gtid(&ms->spos);
	e.source.thread = ms->thread;
	e.source.query = ms->include_query ? ms->query : NULL;
	e.source.txn_id = ms->txmeta ? ms->txn_id : NULL;
	rc_binlog_rows_begin(&it, mt, ev);
	for (;;) {
		rc = rc_binlog_rows_next(&it, &ms->arena, &e.op, &e.before, &e.after, err, errlen);
		if (rc == 0)
			return RC_OK;
		if (rc < 0)
			return rc;
		e.source.row = (int32_t)(it.row - 1);
		if (e.op == RC_OP_UPDATE && mt->table->nkey && key_changed(mt->table, e.before, e.after)) {
			/* As Debezium does: a key change is a delete of the old key and a create of the new.
			 */
			rc_event_t del = e, ins = e;
			del.op = RC_OP_DELETE;
			del.after = NULL;
			ins.op = RC_OP_CREATE;
			ins.before = NULL;
			rc = h->event(h->opaque, ms->txn, &del, err, errlen);
			if (rc == RC_OK)
				rc = h->event(h->opaque, ms->txn, &ins, err, errlen);
		} else {
			rc = h->event(h->opaque, ms->txn, &e, err, errlen);
		}
		if (rc != RC_OK)
			return rc;
		ms->events++;
	}
}

/*
 * Between transactions, the stream's position may move without one: to the start of the next file
 * after a ROTATE, and past that file's header events (GTID_LIST, BINLOG_CHECKPOINT,
 * PREVIOUS_GTIDS). Offered to the pipeline as the quiet
 * source's position (it is taken only when nothing is in flight), so the offset file follows the
 * server across rotations and quiet spells rather than pointing at an old file the server may purge.
 */
static int idle_at(my_source_t *ms, const rc_source_handler_t *h, uint64_t pos, char *err, size_t errlen)
{
	rc_pos_t p = RC_POS_NONE;

	if (ms->txn || pos < 4)
		return RC_OK;
	if (rc_mysql_stream_pos_make(&ms->spos, pos, &p) != 0)
		return oom(err, errlen);
	ms->quiet_end = pos;
	h->idle(h->opaque, &p);
	rc_pos_clear(&p);
	return RC_OK;
}

static int on_event(my_source_t *ms, const uint8_t *raw, size_t len, const rc_source_handler_t *h, char *err,
                    size_t errlen)
{
	rc_binlog_event_t ev;
	char why[RC_ERRSTR_LEN];
	int rc;

	rc_arena_reset(&ms->arena);
	if (rc_binlog_parse(&ms->fmt, raw, len, &ms->arena, &ev, why, sizeof why) != 0) {
		snprintf(err, errlen, "binlog %s: %s", rc_mysql_stream_pos_file(&ms->spos), why);
		return RC_ERR_FATAL;
	}
	switch (ev.kind) {
	case RC_BINLOG_K_FDE:
		rc_binlog_fmt_update(&ms->fmt, &ev);
		return RC_OK;
	case RC_BINLOG_K_ROTATE: {
		char file[512];
		snprintf(file, sizeof file, "%.*s", (int)ev.u.rotate.next_file.len, ev.u.rotate.next_file.s);
		rc = rc_mysql_stream_pos_rotate(&ms->spos, file, err, errlen);
		ms->quiet_end = 0; /* positions of the old file */
		return rc == RC_OK ? idle_at(ms, h, ev.u.rotate.position, err, errlen) : rc;
	}
	case RC_BINLOG_K_HEARTBEAT: {
		/* The heartbeat's own position is the server's read position, which can fall inside a
		 * transaction still being written (MariaDB then refused it as a place to resume from:
		 * "binlog truncated in the middle of event"). But when it is exactly the end of the last
		 * event the stream saw, outside any transaction, in the same file, the server has written
		 * nothing since: the stream is at the end of the binlog, at a place to resume from. That is
		 * offered as the idle position again, so whoever waits for the stream to reach a position
		 * (an incremental snapshot's high watermark, issue 13) sees it reached on a quiet server
		 * within binlog.heartbeat.interval.ms. */
		size_t flen = strlen(rc_mysql_stream_pos_file(&ms->spos)), hlen = ev.u.heartbeat_file.len;
		while (hlen && ev.u.heartbeat_file.s[hlen - 1] == '\0') /* a NUL-terminated name */
			hlen--;
		if (ms->txn || ms->spos.pending || !ms->quiet_end || ev.log_pos != ms->quiet_end ||
		    hlen != flen ||
		    memcmp(ev.u.heartbeat_file.s, rc_mysql_stream_pos_file(&ms->spos), flen) != 0)
			return RC_OK;
		return idle_at(ms, h, ms->quiet_end, err, errlen);
	}
	case RC_BINLOG_K_MARIA_GTID_LIST:
	case RC_BINLOG_K_MARIA_CHECKPOINT:
	case RC_BINLOG_K_PREVIOUS_GTIDS:
		/* A file's header events: each ends on an event boundary outside any transaction. */
		return ev.flags & LOG_EVENT_ARTIFICIAL_F ? RC_OK : idle_at(ms, h, ev.log_pos, err, errlen);
	case RC_BINLOG_K_GTID:
		return rc_mysql_stream_pos_gtid_mysql(&ms->spos, &ev.u.gtid, err, errlen);
	case RC_BINLOG_K_MARIA_GTID:
		rc = rc_mysql_stream_pos_gtid_mariadb(&ms->spos, &ev.u.maria_gtid, ev.server_id, err, errlen);
		if (rc == RC_OK && !(ev.u.maria_gtid.flags & MARIA_GTID_STANDALONE))
			rc = txn_begin(ms, h, true, &ev, err, errlen);
		return rc;
	case RC_BINLOG_K_QUERY:
		return on_query(ms, &ev, h, err, errlen);
	case RC_BINLOG_K_XID:
		return txn_commit(ms, h, &ev, err, errlen);
	case RC_BINLOG_K_TABLE_MAP: {
		size_t body = ms->fmt.header_len ? ms->fmt.header_len : RC_BINLOG_HEADER_LEN;
		size_t end = len - (ms->fmt.crc32 ? RC_BINLOG_CRC_LEN : 0);
		return rc_mysql_tables_map(ms->tables, &ev, raw + body, end > body ? end - body : 0, err,
		                           errlen);
	}
	case RC_BINLOG_K_ROWS:
		return on_rows(ms, &ev, h, err, errlen);
	case RC_BINLOG_K_ROWS_QUERY:
		if (ms->include_query) {
			free(ms->query);
			ms->query = strndup(ev.u.rows_query.s, ev.u.rows_query.len);
			if (!ms->query)
				return oom(err, errlen);
		}
		return RC_OK;
	case RC_BINLOG_K_PAYLOAD:
		snprintf(
		    err, errlen,
		    "binlog %s at %u: TRANSACTION_PAYLOAD (binlog_transaction_compression) is not decoded by "
		    "this build",
		    rc_mysql_stream_pos_file(&ms->spos), ev.log_pos);
		return RC_ERR_FATAL;
	default:
		if (ev.kind == RC_BINLOG_K_SKIPPED)
			rc_log_debug("mysql", "skipped binlog %s at %s:%u", rc_binlog_type_name(ev.type),
			             rc_mysql_stream_pos_file(&ms->spos), ev.log_pos);
		return RC_OK;
	}
}

static int my_read(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	my_source_t *ms = (my_source_t *)src;
	int done = 0, rc;

	if (!ms->tr)
		return 0;
	while (done < budget) {
		uint32_t len;

		if (!ms->batch) {
			ms->batch = rc_binlog_transport_take(ms->tr, &rc, err, errlen);
			ms->batch_off = 0;
			if (!ms->batch)
				return rc == RC_OK ? done : rc;
		}
		if (ms->batch_off >= ms->batch->len) {
			rc_binlog_transport_done(ms->tr, ms->batch);
			ms->batch = NULL;
			continue;
		}
		memcpy(&len, ms->batch->buf + ms->batch_off, 4);
		rc = on_event(ms, ms->batch->buf + ms->batch_off + 4, len, h, err, errlen);
		ms->batch_off += 4 + (size_t)len;
		if (rc != RC_OK)
			return rc;
		done++;
	}
	return done;
}

static int my_confirm(rc_source_t *src, const rc_pos_t *position, bool force, char *err, size_t errlen)
{
	/* A binlog replica tells the server nothing: the position lives in the offset store. */
	my_source_t *ms = (my_source_t *)src;

	if (ms->tr) /* streaming */
		rc_mysql_hbquery_tick(&ms->hbq);
	(void)position;
	(void)force;
	(void)err;
	(void)errlen;
	return RC_OK;
}

static int my_next_deadline_ms(rc_source_t *src)
{
	(void)src;
	return 1000;
}

static void my_free(rc_source_t *src)
{
	my_source_t *ms = (my_source_t *)src;

	if (!ms)
		return;
	rc_mysql_lag_stop(ms->lag);
	if (ms->tr) {
		if (ms->batch)
			rc_binlog_transport_done(ms->tr, ms->batch);
		rc_binlog_transport_free(ms->tr);
	}
	rc_mysql_tables_free(ms->tables);
	rc_mysql_stream_pos_destroy(&ms->spos);
	if (ms->sql) {
		char err[RC_ERRSTR_LEN];
		/* A point never held (the snapshot failed before its readers started) lets go of its lock
		 * or its parked connection. */
		rc_mysql_snapshot_held(ms->sql, err, sizeof err);
		mysql_close(ms->sql);
	}
	rc_mysql_hbquery_free(&ms->hbq);
	rc_arena_destroy(&ms->arena);
	free(ms->query);
	free(ms);
}

/* The binlog beyond position, from the side thread's last SHOW BINARY LOGS (mysql_lag.h). */
static int64_t my_lag_bytes(rc_source_t *src, const rc_pos_t *position)
{
	my_source_t *ms = (my_source_t *)src;
	size_t flen;
	const char *file = rc_mysql_pos_file(position, &flen);

	return file ? rc_mysql_lag_bytes(ms->lag, file, flen, rc_mysql_pos_offset(position)) : -1;
}

static const rc_source_ops_t my_ops = {
    .name = "mysql",
    .connect = my_connect,
    .prepare_stream = my_prepare_stream,
    .snapshot_point = my_snapshot_point,
    .snapshot_held = my_snapshot_held,
    .stream = my_stream,
    .fd = my_fd,
    .read = my_read,
    .confirm = my_confirm,
    .next_deadline_ms = my_next_deadline_ms,
    .lag_bytes = my_lag_bytes,
    .free = my_free,
};

rc_source_t *rc_mysql_source_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	my_source_t *ms = calloc(1, sizeof *ms);

	if (!ms) {
		oom(err, errlen);
		return NULL;
	}
	ms->base.ops = &my_ops;
	ms->base.codec = &rc_mysql_pos_codec;
	ms->conf = conf;
	ms->connector = rc_conf_is(conf, "source.type", "mariadb") ? "mariadb" : "mysql";
	ms->server_id = (uint32_t)rc_conf_get_int(conf, "database.server.id", 0);
	ms->include_query = rc_conf_get_bool(conf, "include.query", false);
	ms->txmeta = rc_conf_get_bool(conf, "provide.transaction.metadata", false);
	rc_mysql_hbquery_init(&ms->hbq, conf);
	ms->schema_changes = rc_conf_get_bool(conf, "include.schema.changes", true);
	ms->thread = -1;
	rc_arena_init(&ms->arena, 0);
	if (!(ms->tables = rc_mysql_tables_new(conf, err, errlen))) {
		my_free(&ms->base);
		return NULL;
	}
	return &ms->base;
}
