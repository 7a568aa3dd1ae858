/*
 * A snapshot reader thread: one connection in the exported snapshot, tables taken from the shared
 * work list, each read with COPY ... TO STDOUT (text) and handed to the pipeline thread in batches
 * (pg_snapshot.h describes the hand-off).
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_relcache.h"
#include "decoders/postgres/pg_slot.h"
#include "decoders/postgres/pg_types.h"
#include "snapshot/postgres/copy_text.h"
#include "snapshot/postgres/snap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader_ctx {
	snap_reader_t *r;
	rc_pg_snapshot_t *snap;
	PGconn *conn;
	rc_pg_relcache_t rels; /* this connection's types and keys; the filters */
	bool rels_ready;
	char *scratch; /* decoded fields of one row */
	size_t scratch_cap;
	rc_copy_field_t *fields;
	size_t fields_cap;
} reader_ctx_t;

/* The error class of a failed query: a lost connection, a dropped table or column, an expired
 * snapshot are worth a new snapshot (RC_ERR_RETRY); a refused privilege is not. */
static int classify(PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) != CONNECTION_OK || !state)
		return RC_ERR_RETRY;
	if (strcmp(state, "42501") == 0 || strncmp(state, "28", 2) == 0)
		return RC_ERR_FATAL;
	return RC_ERR_RETRY;
}

/* The server's message without its trailing newline. */
static const char *message_of(PGconn *conn, const PGresult *res)
{
	static __thread char msg[512];
	size_t len;

	snprintf(msg, sizeof msg, "%s",
	         res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	return msg;
}

/* Waits for a free batch of this reader and starts it for st. NULL when the snapshot stops. */
static snap_batch_t *get_batch(reader_ctx_t *cx, snap_table_t *st, rc_table_t *table)
{
	rc_pg_snapshot_t *snap = cx->snap;
	snap_batch_t *b;

	pthread_mutex_lock(&snap->lock);
	while (!cx->r->free && !snap->stop)
		pthread_cond_wait(&snap->cond, &snap->lock);
	b = snap->stop ? NULL : cx->r->free;
	if (b)
		cx->r->free = b->next;
	pthread_mutex_unlock(&snap->lock);
	if (!b)
		return NULL;
	rc_arena_reset(&b->arena);
	b->next = NULL;
	b->nrows = 0;
	b->st = st;
	b->table = rc_table_retain(table);
	return b;
}

static void push_batch(reader_ctx_t *cx, snap_batch_t *b)
{
	rc_pg_snapshot_t *snap = cx->snap;

	pthread_mutex_lock(&snap->lock);
	if (snap->qtail)
		snap->qtail->next = b;
	else
		snap->qhead = b;
	snap->qtail = b;
	pthread_mutex_unlock(&snap->lock);
	rc_snap_wake(snap);
}

/* Makes sure the scratch buffer holds len bytes and the field array n fields. */
static int reserve(reader_ctx_t *cx, size_t len, size_t n)
{
	if (len > cx->scratch_cap) {
		size_t cap = len < 4096 ? 4096 : len * 2;
		char *p = realloc(cx->scratch, cap);
		if (!p)
			return -1;
		cx->scratch = p;
		cx->scratch_cap = cap;
	}
	if (n > cx->fields_cap) {
		rc_copy_field_t *f = realloc(cx->fields, n * sizeof *f);
		if (!f)
			return -1;
		cx->fields = f;
		cx->fields_cap = n;
	}
	return 0;
}

/* Builds the table as the stream would from a Relation message: the columns pgoutput sends (not
 * dropped, not generated), in attribute order, read from pg_attribute inside the snapshot. */
static int describe(reader_ctx_t *cx, snap_table_t *st, rc_table_t **out, char *err, size_t errlen)
{
	char oid[16];
	const char *params[1] = {oid};
	rc_pgo_attr_t *attrs = NULL;
	int *att_col = NULL, n, rc;
	PGresult *res;

	snprintf(oid, sizeof oid, "%u", st->relid);
	res = PQexecParams(
	    cx->conn,
	    "SELECT attname, atttypid, atttypmod FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 "
	    "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read the columns of %s: %s", st->full,
		         message_of(cx->conn, res));
		rc = classify(cx->conn, res);
		goto out;
	}
	n = PQntuples(res);
	attrs = calloc((size_t)(n ? n : 1), sizeof *attrs);
	if (!attrs) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		attrs[i].name = PQgetvalue(res, i, 0);
		attrs[i].type_oid = (uint32_t)strtoul(PQgetvalue(res, i, 1), NULL, 10);
		attrs[i].typmod = (int32_t)strtol(PQgetvalue(res, i, 2), NULL, 10);
	}
	rc = rc_pg_relcache_build(&cx->rels, st->schema, st->name, st->relid, attrs, n, out, &att_col, err,
	                          errlen);
out:
	free(att_col);
	free(attrs);
	PQclear(res);
	return rc;
}

/* COPY (SELECT "a", "b" FROM [ONLY] "s"."t") TO STDOUT: the table's columns in its order. ONLY keeps an
 * inheritance parent from repeating its children's rows (they are tables of their own); a partitioned
 * table has no rows but its partitions'. Returns a malloc'd command, NULL when out of memory. */
static char *copy_command(const snap_table_t *st, const rc_table_t *t)
{
	char *qs = rc_pg_quote_ident(st->schema), *qt = rc_pg_quote_ident(st->name), *cmd = NULL;
	size_t len = 64 + (qs ? strlen(qs) : 0) + (qt ? strlen(qt) : 0), n = 0;

	for (size_t i = 0; i < t->ncols; i++)
		len += strlen(t->cols[i].name) * 2 + 4;
	if (qs && qt && (cmd = malloc(len)) != NULL) {
		n += (size_t)sprintf(cmd + n, "COPY (SELECT ");
		for (size_t i = 0; i < t->ncols; i++) {
			char *qc = rc_pg_quote_ident(t->cols[i].name);
			if (!qc) {
				free(cmd);
				cmd = NULL;
				break;
			}
			n += (size_t)sprintf(cmd + n, "%s%s", i ? ", " : "", qc);
			free(qc);
		}
		if (cmd)
			sprintf(cmd + n, " FROM %s%s.%s) TO STDOUT", st->relkind == 'p' ? "" : "ONLY ", qs,
			        qt);
	}
	free(qs);
	free(qt);
	return cmd;
}

/* One row of COPY text into the batch. */
static int add_row(reader_ctx_t *cx, snap_batch_t *b, const char *row, size_t len, char *err, size_t errlen)
{
	const rc_table_t *t = b->table;
	rc_value_t *vals;
	char why[512];

	if (reserve(cx, len, t->ncols ? t->ncols : 1) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (rc_copy_text_parse(row, (size_t)len, cx->scratch, cx->fields, (int)t->ncols, why, sizeof why) !=
	    0) {
		snprintf(err, errlen, "table %s: %s", b->st->full, why);
		return RC_ERR_FATAL;
	}
	vals = rc_arena_calloc(&b->arena, t->ncols ? t->ncols : 1, sizeof *vals);
	if (!vals) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_copy_field_t *f = &cx->fields[i];
		if (rc_pg_value_from_text(&t->cols[i], f->null ? NULL : f->ptr, f->len, &b->arena, &vals[i],
		                          why, sizeof why) != 0) {
			snprintf(err, errlen, "table %s: %s", b->st->full, why);
			return RC_ERR_FATAL;
		}
	}
	b->rows[b->nrows++] = vals;
	return RC_OK;
}

/* Reads one table into batches. Returns RC_OK (also when the snapshot was told to stop), or an
 * RC_ERR_* class with err filled. */
static int copy_table(reader_ctx_t *cx, snap_table_t *st, char *err, size_t errlen)
{
	rc_pg_snapshot_t *snap = cx->snap;
	rc_table_t *table = NULL;
	snap_batch_t *b = NULL;
	PGresult *res = NULL;
	char *cmd = NULL;
	uint64_t rows = 0, bytes = 0;
	int64_t t0 = rc_snap_mono_ms(), ms;
	int rc;

	__atomic_store_n(&st->started_ms, t0, __ATOMIC_RELAXED);
	rc = describe(cx, st, &table, err, errlen);
	if (rc != RC_OK || !table)
		goto out; /* no table: the filters leave it out (the plan already checked) */
	cmd = copy_command(st, table);
	if (!cmd) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	res = PQexec(cx->conn, cmd);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		snprintf(err, errlen, "cannot read %s: %s", st->full, message_of(cx->conn, res));
		rc = classify(cx->conn, res);
		goto out;
	}
	PQclear(res);
	res = NULL;
	for (;;) {
		char *buf = NULL;
		int len = PQgetCopyData(cx->conn, &buf, 0);

		if (len == -1)
			break; /* the end of COPY: its result follows */
		if (len < 0) {
			snprintf(err, errlen, "reading %s: %s", st->full, message_of(cx->conn, NULL));
			rc = RC_ERR_RETRY;
			goto out;
		}
		if (!b && !(b = get_batch(cx, st, table))) {
			PQfreemem(buf);
			goto out; /* stopping: the connection is closed with the COPY unfinished */
		}
		rc = add_row(cx, b, buf, (size_t)len, err, errlen);
		PQfreemem(buf);
		if (rc != RC_OK)
			goto out;
		rows++;
		bytes += (size_t)len;
		__atomic_store_n(&st->rows_read, rows, __ATOMIC_RELAXED);
		__atomic_store_n(&st->bytes_read, bytes, __ATOMIC_RELAXED);
		if (b->nrows == b->cap || b->arena.allocated >= BATCH_BYTES) {
			push_batch(cx, b);
			b = NULL;
		}
	}
	res = PQgetResult(cx->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "reading %s: %s", st->full, message_of(cx->conn, res));
		rc = classify(cx->conn, res);
		goto out;
	}
	if (b) {
		push_batch(cx, b);
		b = NULL;
	}
	ms = rc_snap_mono_ms();
	__atomic_store_n(&st->finished_ms, ms > t0 ? ms : t0 + 1, __ATOMIC_RELAXED);
	ms -= t0;
	rc_log_info("snapshot", "read %s: %llu rows, %.1f MB in %.1f s (%.0f rows/s)", st->full,
	            (unsigned long long)rows, (double)bytes / 1e6, (double)ms / 1000,
	            ms > 0 ? (double)rows * 1000 / (double)ms : (double)rows);
out:
	if (b) { /* unfinished: give it back */
		rc_table_release(b->table);
		b->table = NULL;
		pthread_mutex_lock(&snap->lock);
		b->next = cx->r->free;
		cx->r->free = b;
		pthread_mutex_unlock(&snap->lock);
	}
	PQclear(res);
	res = NULL;
	if (rc != RC_OK) /* the rest of the COPY, if any, is dropped with the connection */
		while ((res = PQgetResult(cx->conn)) != NULL && PQresultStatus(res) != PGRES_COPY_OUT)
			PQclear(res);
	PQclear(res);
	free(cmd);
	rc_table_release(table);
	return rc;
}

void *rc_snap_reader_main(void *arg)
{
	snap_reader_t *r = arg;
	rc_pg_snapshot_t *snap = r->snap;
	reader_ctx_t cx = {.r = r, .snap = snap};
	PGcancel *cancel = NULL;
	char err[2048] = "";
	bool stopped;
	int rc = RC_OK;

	cx.conn = rc_pg_connect(snap->conf, false, err, sizeof err);
	if (!cx.conn) {
		rc = RC_ERR_RETRY;
		goto out;
	}
	cancel = PQgetCancel(cx.conn);
	pthread_mutex_lock(&snap->lock);
	r->cancel = cancel;
	pthread_mutex_unlock(&snap->lock);
	rc = rc_pg_snapshot_import(cx.conn, snap->name, err, sizeof err);
	if (rc != RC_OK)
		goto out;
	pthread_mutex_lock(&snap->lock);
	snap->imported++;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);

	if (rc_pg_relcache_init(&cx.rels, snap->conf, cx.conn, err, sizeof err) != 0) {
		rc = RC_ERR_FATAL;
		goto out;
	}
	cx.rels_ready = true;
	for (;;) {
		size_t next;

		pthread_mutex_lock(&snap->lock);
		next = snap->stop ? snap->ntables : snap->next_table++;
		pthread_mutex_unlock(&snap->lock);
		if (next >= snap->ntables)
			break;
		rc = copy_table(&cx, &snap->tables[next], err, sizeof err);
		if (rc != RC_OK)
			break;
	}
	pthread_mutex_lock(&snap->lock);
	stopped = snap->stop;
	pthread_mutex_unlock(&snap->lock);
	if (rc == RC_OK && !stopped) { /* stopped may leave a COPY unfinished: just close */
		PGresult *res = PQexec(cx.conn, "COMMIT");
		PQclear(res);
	}
out:
	if (rc != RC_OK)
		rc_snap_fail(snap, rc, "snapshot reader %d: %s", r->idx, err);
	pthread_mutex_lock(&snap->lock);
	r->cancel = NULL;
	snap->finished++;
	pthread_cond_broadcast(&snap->cond);
	pthread_mutex_unlock(&snap->lock);
	rc_snap_wake(snap);
	PQfreeCancel(cancel);
	if (cx.rels_ready)
		rc_pg_relcache_destroy(&cx.rels);
	PQfinish(cx.conn);
	free(cx.scratch);
	free(cx.fields);
	return NULL;
}
