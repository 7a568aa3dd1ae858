/*
 * A PostgreSQL snapshot reader (the reader ops of snapshot/snapshot.h, on a reader thread): one
 * connection in the exported snapshot, each table read with COPY (SELECT cols FROM table) TO STDOUT
 * (text), values converted as the stream converts them (the table's rc_table_t is built by
 * rc_pg_relcache_build from pg_attribute, read in the snapshot).
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/incremental.h"
#include "agent/log.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_lsn.h"
#include "decoders/postgres/pg_position.h"
#include "decoders/postgres/pg_relcache.h"
#include "decoders/postgres/pg_slot.h"
#include "decoders/postgres/pg_types.h"
#include "snapshot/postgres/copy_text.h"
#include "snapshot/postgres/pg_read.h"
#include "snapshot/postgres/pg_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The error class of a failed query: a lost connection, a dropped table or column, an expired
 * snapshot are worth a new snapshot (RC_ERR_RETRY); a refused privilege is not. */
int rc_pg_read_classify(PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) != CONNECTION_OK || !state)
		return RC_ERR_RETRY;
	if (strcmp(state, "42501") == 0 || strncmp(state, "28", 2) == 0)
		return RC_ERR_FATAL;
	return RC_ERR_RETRY;
}

int rc_pg_read_reserve(rc_pg_reader_t *cx, size_t len, size_t n)
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
int rc_pg_read_describe(rc_pg_reader_t *cx, rc_snap_table_t *st, rc_table_t **out, char *err, size_t errlen)
{
	char oid[16];
	const char *params[1] = {oid};
	rc_pgo_attr_t *attrs = NULL;
	int *att_col = NULL, n, rc;
	PGresult *res;

	snprintf(oid, sizeof oid, "%u", st->source_id);
	res = PQexecParams(
	    cx->conn,
	    "SELECT attname, atttypid, atttypmod FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 "
	    "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read the columns of %s: %s", st->full,
		         RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
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
	rc = rc_pg_relcache_build(&cx->rels, st->schema, st->name, st->source_id, attrs, n, out, &att_col,
	                          err, errlen);
out:
	free(att_col);
	free(attrs);
	PQclear(res);
	return rc;
}

/* COPY (SELECT "a", "b" FROM [ONLY] "s"."t") TO STDOUT: the table's columns in its order. ONLY keeps an
 * inheritance parent from repeating its children's rows (they are tables of their own); a partitioned
 * table has no rows but its partitions'. Returns a malloc'd command, NULL when out of memory. */
static char *copy_command(const rc_snap_table_t *st, const rc_table_t *t)
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
			sprintf(cmd + n, " FROM %s%s.%s) TO STDOUT", st->kind == 'p' ? "" : "ONLY ", qs, qt);
	}
	free(qs);
	free(qt);
	return cmd;
}

/* One row of COPY text into the hand-off. Returns RC_OK, RC_STOPPED when the snapshot stops, or an
 * RC_ERR_* class. */
static int add_row(rc_pg_reader_t *cx, rc_snap_out_t *out, rc_snap_table_t *st, rc_table_t *t,
                   const char *row, size_t len, char *err, size_t errlen)
{
	rc_arena_t *arena;
	rc_value_t *vals;
	bool oom;
	char why[512];

	if (rc_pg_read_reserve(cx, len, t->ncols ? t->ncols : 1) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (rc_copy_text_parse(row, len, cx->scratch, cx->fields, (int)t->ncols, why, sizeof why) != 0) {
		snprintf(err, errlen, "table %s: %s", st->full, why);
		return RC_ERR_FATAL;
	}
	vals = rc_snap_out_row(out, t, &arena, &oom);
	if (!vals && oom) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (!vals)
		return RC_STOPPED;
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_copy_field_t *f = &cx->fields[i];
		if (rc_pg_value_from_text(&t->cols[i], f->null ? NULL : f->ptr, f->len, arena, &vals[i], why,
		                          sizeof why) != 0) {
			snprintf(err, errlen, "table %s: %s", st->full, why);
			return RC_ERR_FATAL;
		}
	}
	rc_snap_out_row_done(out, len);
	return RC_OK;
}

/* pg_read.h: the COPY loop. */
int rc_pg_read_copy(rc_pg_reader_t *cx, rc_snap_table_t *st, rc_table_t *table, const char *cmd,
                    rc_snap_out_t *out, char **last_row, size_t *last_len, size_t *nrows, char *err,
                    size_t errlen)
{
	PGresult *res;
	int rc = RC_OK;

	*nrows = 0;
	res = PQexec(cx->conn, cmd);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		snprintf(err, errlen, "cannot read %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
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
			snprintf(err, errlen, "reading %s: %s", st->full, RC_PG_ERROR(cx->conn, NULL));
			rc = RC_ERR_RETRY;
			goto out;
		}
		rc = add_row(cx, out, st, table, buf, (size_t)len, err, errlen);
		if (rc == RC_OK && last_row) { /* kept until the next row: the chunk's last key */
			if (*last_row)
				PQfreemem(*last_row);
			*last_row = buf;
			*last_len = (size_t)len;
		} else {
			PQfreemem(buf);
		}
		if (rc != RC_OK) /* RC_STOPPED: the connection is closed with the COPY unfinished */
			goto out;
		(*nrows)++;
	}
	res = PQgetResult(cx->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "reading %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
		goto out;
	}
out:
	PQclear(res);
	res = NULL;
	if (rc != RC_OK && rc != RC_STOPPED) /* the rest of the COPY is dropped with the connection */
		while ((res = PQgetResult(cx->conn)) != NULL && PQresultStatus(res) != PGRES_COPY_OUT)
			PQclear(res);
	PQclear(res);
	return rc;
}

/* Reads one table into the hand-off. */
static int pg_read_table(void *reader, rc_snap_table_t *st, rc_snap_out_t *out, char *err, size_t errlen)
{
	rc_pg_reader_t *cx = reader;
	rc_table_t *table = NULL;
	char *cmd = NULL;
	size_t n;
	int rc;

	rc = rc_pg_read_describe(cx, st, &table, err, errlen);
	if (rc != RC_OK || !table)
		goto out; /* no table: the filters leave it out (the plan already checked) */
	cmd = copy_command(st, table);
	if (!cmd) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	rc = rc_pg_read_copy(cx, st, table, cmd, out, NULL, NULL, &n, err, errlen);
	if (rc == RC_STOPPED)
		rc = RC_OK; /* the coordinator knows it stops */
out:
	free(cmd);
	rc_table_release(table);
	return rc;
}

static void pg_close(void *reader, bool complete)
{
	rc_pg_reader_t *cx = reader;

	if (!cx)
		return;
	if (complete) { /* an unfinished COPY is left to the connection's end */
		PGresult *res = PQexec(cx->conn, "COMMIT");
		PQclear(res);
	}
	PQfreeCancel(cx->cancel);
	rc_table_release(cx->chunk_table);
	if (cx->rels_ready)
		rc_pg_relcache_destroy(&cx->rels);
	PQfinish(cx->conn);
	free(cx->scratch);
	free(cx->fields);
	free(cx);
}

static int pg_open(const rc_conf_t *conf, const rc_snapshot_point_t *pt, void **reader, char *err,
                   size_t errlen)
{
	rc_pg_reader_t *cx = calloc(1, sizeof *cx);
	int rc;

	*reader = NULL;
	if (!cx) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	cx->conf = conf;
	cx->conn = rc_pg_connect(conf, false, err, errlen);
	if (!cx->conn) {
		pg_close(cx, false);
		return RC_ERR_RETRY;
	}
	cx->cancel = PQgetCancel(cx->conn);
	rc = rc_pg_snapshot_import(cx->conn, pt->name, err, errlen);
	if (rc == RC_OK && rc_pg_relcache_init(&cx->rels, conf, cx->conn, err, errlen) != 0)
		rc = RC_ERR_FATAL;
	cx->rels_ready = rc == RC_OK;
	if (rc != RC_OK) {
		pg_close(cx, false);
		return rc;
	}
	*reader = cx;
	return RC_OK;
}

/* A reader outside any snapshot: each statement (a chunk) runs in its own READ COMMITTED
 * transaction (autocommit), so it sees everything committed before it started. */
static int pg_open_live(const rc_conf_t *conf, void **reader, char *err, size_t errlen)
{
	rc_pg_reader_t *cx = calloc(1, sizeof *cx);

	*reader = NULL;
	if (!cx) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	cx->conf = conf;
	cx->conn = rc_pg_connect(conf, false, err, errlen);
	if (!cx->conn) {
		pg_close(cx, false);
		return RC_ERR_RETRY;
	}
	cx->cancel = PQgetCancel(cx->conn);
	if (rc_pg_relcache_init(&cx->rels, conf, cx->conn, err, errlen) != 0) {
		pg_close(cx, false);
		return RC_ERR_FATAL;
	}
	cx->rels_ready = true;
	*reader = cx;
	return RC_OK;
}

static void pg_cancel(void *reader)
{
	rc_pg_reader_t *cx = reader;
	char why[256];

	if (cx->cancel)
		PQcancel(cx->cancel, why, sizeof why);
}

const rc_snapshot_reader_ops_t rc_pg_snapshot_reader = {
    .name = "postgres",
    .plan = rc_pg_snapshot_plan,
    .open = pg_open,
    .read_table = pg_read_table,
    .cancel = pg_cancel,
    .close = pg_close,
    .open_live = pg_open_live,
    .read_chunk = rc_pg_read_chunk,
    .max_key = rc_pg_max_key,
    .chunk_bound = rc_pg_chunk_bound,
    .watermark = rc_pg_watermark,
};
