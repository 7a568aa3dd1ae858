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
#include "snapshot/postgres/pg_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader_ctx {
	const rc_conf_t *conf;
	PGconn *conn;
	PGcancel *cancel;      /* PQcancel is safe from another thread */
	rc_pg_relcache_t rels; /* this connection's types and keys; the filters */
	bool rels_ready;
	char *scratch; /* decoded fields of one row */
	size_t scratch_cap;
	rc_copy_field_t *fields;
	size_t fields_cap;
	rc_table_t *chunk_table; /* the table read in chunks last (described once, not per chunk: a
	                          * column added meanwhile makes a row of the wrong width, an error, and
	                          * the reader is opened anew) */
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
static int describe(reader_ctx_t *cx, rc_snap_table_t *st, rc_table_t **out, char *err, size_t errlen)
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
static int add_row(reader_ctx_t *cx, rc_snap_out_t *out, rc_snap_table_t *st, rc_table_t *t, const char *row,
                   size_t len, char *err, size_t errlen)
{
	rc_arena_t *arena;
	rc_value_t *vals;
	bool oom;
	char why[512];

	if (reserve(cx, len, t->ncols ? t->ncols : 1) != 0) {
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

/* Runs COPY cmd and hands every row to out. *last_row receives the last row's COPY text (malloc'd,
 * the caller frees; NULL when none or unwanted), *nrows the rows read. Returns RC_OK (also when the
 * snapshot stops), or an RC_ERR_* class with err filled. */
static int run_copy(reader_ctx_t *cx, rc_snap_table_t *st, rc_table_t *table, const char *cmd,
                    rc_snap_out_t *out, char **last_row, size_t *last_len, size_t *nrows, char *err,
                    size_t errlen)
{
	PGresult *res;
	int rc = RC_OK;

	*nrows = 0;
	res = PQexec(cx->conn, cmd);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		snprintf(err, errlen, "cannot read %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
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
		if (rc == RC_STOPPED) {
			rc = RC_OK; /* the connection is closed with the COPY unfinished */
			goto out;
		}
		if (rc != RC_OK)
			goto out;
		(*nrows)++;
	}
	res = PQgetResult(cx->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "reading %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
		rc = classify(cx->conn, res);
		goto out;
	}
out:
	PQclear(res);
	res = NULL;
	if (rc != RC_OK) /* the rest of the COPY, if any, is dropped with the connection */
		while ((res = PQgetResult(cx->conn)) != NULL && PQresultStatus(res) != PGRES_COPY_OUT)
			PQclear(res);
	PQclear(res);
	return rc;
}

/* Reads one table into the hand-off. */
static int pg_read_table(void *reader, rc_snap_table_t *st, rc_snap_out_t *out, char *err, size_t errlen)
{
	reader_ctx_t *cx = reader;
	rc_table_t *table = NULL;
	char *cmd = NULL;
	size_t n;
	int rc;

	rc = describe(cx, st, &table, err, errlen);
	if (rc != RC_OK || !table)
		goto out; /* no table: the filters leave it out (the plan already checked) */
	cmd = copy_command(st, table);
	if (!cmd) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	rc = run_copy(cx, st, table, cmd, out, NULL, NULL, &n, err, errlen);
out:
	free(cmd);
	rc_table_release(table);
	return rc;
}

/*
 * Chunked reads (issue 13). A chunk is
 *   COPY (SELECT cols FROM [ONLY] s.t WHERE ROW(k1, k2) > ROW('x', 'y') [AND ROW(k1, k2) <= ROW(...)]
 *         ORDER BY k1, k2 LIMIT n) TO STDOUT
 * The row comparison is what a btree index on (k1, k2) answers with one range scan; the bounds are
 * literals of the key's text (the database's own output form, which its input reads back), untyped
 * so that each takes its column's type. COPY takes no parameters, hence the quoted literals
 * (PQescapeLiteral). Tables without a key (no primary key, no message.key.columns): not chunked
 * yet, read whole (RC_ERR_UNSUPPORTED-free: read_chunk says so and the coordinator falls back).
 */

/* Appends s to *b (len, cap), growing it. Returns 0, or -1 when out of memory. */
static int sb_add(char **b, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *p = realloc(*b, c);
		if (!p)
			return -1;
		*b = p;
		*cap = c;
	}
	memcpy(*b + *len, s, n + 1);
	*len += n;
	return 0;
}

/* "ROW(k1, k2)" (lits false) or "ROW('x', 'y')" of key (lits true) onto the buffer. */
static int sb_key(reader_ctx_t *cx, const rc_table_t *t, const rc_chunk_key_t *key, bool lits, char **b,
                  size_t *len, size_t *cap)
{
	int bad = sb_add(b, len, cap, "ROW("), k = 0;

	for (size_t i = 0; !bad && i < t->ncols; i++) {
		char *q;
		if (!t->cols[i].key)
			continue;
		if (lits)
			q = k < key->n ? PQescapeLiteral(cx->conn, key->text[k], strlen(key->text[k])) : NULL;
		else
			q = rc_pg_quote_ident(t->cols[i].name);
		bad = !q || sb_add(b, len, cap, k ? ", " : "") || sb_add(b, len, cap, q);
		if (lits && q)
			PQfreemem(q);
		else
			free(q);
		k++;
	}
	return bad || sb_add(b, len, cap, ")");
}

/* The COPY of a chunk (see above), or NULL when out of memory. */
static char *chunk_command(reader_ctx_t *cx, const rc_snap_table_t *st, const rc_table_t *t,
                           const rc_chunk_key_t *after, const rc_chunk_key_t *upto, size_t limit)
{
	char *qs = rc_pg_quote_ident(st->schema), *qt = rc_pg_quote_ident(st->name), *b = NULL, num[48];
	size_t len = 0, cap = 0;
	int bad = !qs || !qt || sb_add(&b, &len, &cap, "COPY (SELECT ");
	bool where = false;

	for (size_t i = 0; !bad && i < t->ncols; i++) {
		char *qc = rc_pg_quote_ident(t->cols[i].name);
		bad = !qc || sb_add(&b, &len, &cap, i ? ", " : "") || sb_add(&b, &len, &cap, qc);
		free(qc);
	}
	bad = bad || sb_add(&b, &len, &cap, " FROM ") ||
	      sb_add(&b, &len, &cap, st->kind == 'p' ? "" : "ONLY ") || sb_add(&b, &len, &cap, qs) ||
	      sb_add(&b, &len, &cap, ".") || sb_add(&b, &len, &cap, qt);
	if (!bad && after && after->n > 0) {
		bad = sb_add(&b, &len, &cap, " WHERE ") || sb_key(cx, t, NULL, false, &b, &len, &cap) ||
		      sb_add(&b, &len, &cap, " > ") || sb_key(cx, t, after, true, &b, &len, &cap);
		where = true;
	}
	if (!bad && upto && upto->n > 0)
		bad = sb_add(&b, &len, &cap, where ? " AND " : " WHERE ") ||
		      sb_key(cx, t, NULL, false, &b, &len, &cap) || sb_add(&b, &len, &cap, " <= ") ||
		      sb_key(cx, t, upto, true, &b, &len, &cap);
	bad = bad || sb_add(&b, &len, &cap, " ORDER BY ");
	for (size_t i = 0, k = 0; !bad && i < t->ncols; i++) {
		char *qc;
		if (!t->cols[i].key)
			continue;
		qc = rc_pg_quote_ident(t->cols[i].name);
		bad = !qc || sb_add(&b, &len, &cap, k++ ? ", " : "") || sb_add(&b, &len, &cap, qc);
		free(qc);
	}
	snprintf(num, sizeof num, " LIMIT %zu) TO STDOUT", limit);
	bad = bad || sb_add(&b, &len, &cap, num);
	free(qs);
	free(qt);
	if (bad) {
		free(b);
		return NULL;
	}
	return b;
}

/* The key columns' fields of one COPY row into *key (cleared first). */
static int row_key(reader_ctx_t *cx, const rc_snap_table_t *st, const rc_table_t *t, const char *row,
                   size_t len, rc_chunk_key_t *key, char *err, size_t errlen)
{
	char why[512];
	int k = 0;

	rc_chunk_key_clear(key);
	if (reserve(cx, len, t->ncols ? t->ncols : 1) != 0 ||
	    !(key->text = calloc(t->nkey ? t->nkey : 1, sizeof *key->text))) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (rc_copy_text_parse(row, len, cx->scratch, cx->fields, (int)t->ncols, why, sizeof why) != 0) {
		snprintf(err, errlen, "table %s: %s", st->full, why);
		return RC_ERR_FATAL;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		const rc_copy_field_t *f = &cx->fields[i];
		if (!t->cols[i].key)
			continue;
		if (f->null) { /* message.key.columns may name a nullable column: no boundary there */
			snprintf(err, errlen,
			         "table %s: key column %s is NULL in a row: chunks need keys without NULLs",
			         st->full, t->cols[i].name);
			return RC_ERR_FATAL;
		}
		if (!(key->text[k] = strndup(f->ptr, f->len))) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		key->n = ++k;
	}
	return RC_OK;
}

static int pg_read_chunk(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after,
                         const rc_chunk_key_t *upto, size_t limit, rc_snap_out_t *out, rc_chunk_key_t *last,
                         size_t *nrows, char *err, size_t errlen)
{
	reader_ctx_t *cx = reader;
	rc_table_t *table = NULL;
	char *cmd = NULL, *last_row = NULL;
	size_t last_len = 0;
	int rc = RC_OK;

	rc_chunk_key_clear(last);
	*nrows = 0;
	if (cx->chunk_table && cx->chunk_table->source_id == st->source_id) {
		table = rc_table_retain(cx->chunk_table);
	} else {
		rc = describe(cx, st, &table, err, errlen);
		if (rc != RC_OK || !table)
			goto out;
		rc_table_release(cx->chunk_table);
		cx->chunk_table = rc_table_retain(table);
	}
	if (table->nkey == 0) {
		snprintf(err, errlen,
		         "table %s has no primary key: set message.key.columns to read it in chunks",
		         st->full);
		rc = RC_ERR_FATAL;
		goto out;
	}
	cmd = chunk_command(cx, st, table, after, upto, limit ? limit : 1);
	if (!cmd) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	rc = run_copy(cx, st, table, cmd, out, &last_row, &last_len, nrows, err, errlen);
	if (rc == RC_OK && last_row)
		rc = row_key(cx, st, table, last_row, last_len, last, err, errlen);
out:
	if (last_row)
		PQfreemem(last_row);
	free(cmd);
	rc_table_release(table);
	return rc;
}

static int pg_max_key(void *reader, rc_snap_table_t *st, rc_chunk_key_t *max, char *err, size_t errlen)
{
	reader_ctx_t *cx = reader;
	rc_table_t *table = NULL;
	char *qs = rc_pg_quote_ident(st->schema), *qt = rc_pg_quote_ident(st->name), *b = NULL;
	size_t len = 0, cap = 0;
	PGresult *res = NULL;
	int rc, bad, k = 0;

	rc_chunk_key_clear(max);
	rc = describe(cx, st, &table, err, errlen);
	if (rc != RC_OK || !table)
		goto out;
	if (table->nkey == 0) {
		snprintf(err, errlen,
		         "table %s has no primary key: set message.key.columns to read it in chunks",
		         st->full);
		rc = RC_ERR_FATAL;
		goto out;
	}
	bad = !qs || !qt || sb_add(&b, &len, &cap, "SELECT ");
	for (size_t i = 0; !bad && i < table->ncols; i++) {
		char *qc;
		if (!table->cols[i].key)
			continue;
		qc = rc_pg_quote_ident(table->cols[i].name);
		bad = !qc || sb_add(&b, &len, &cap, k++ ? ", " : "") || sb_add(&b, &len, &cap, qc) ||
		      sb_add(&b, &len, &cap, "::text");
		free(qc);
	}
	bad = bad || sb_add(&b, &len, &cap, " FROM ") ||
	      sb_add(&b, &len, &cap, st->kind == 'p' ? "" : "ONLY ") || sb_add(&b, &len, &cap, qs) ||
	      sb_add(&b, &len, &cap, ".") || sb_add(&b, &len, &cap, qt) ||
	      sb_add(&b, &len, &cap, " AS rc_t ORDER BY ");
	k = 0;
	for (size_t i = 0; !bad && i < table->ncols; i++) {
		char *qc;
		if (!table->cols[i].key)
			continue;
		qc = rc_pg_quote_ident(table->cols[i].name);
		/* rc_t.k, not k: a bare name would be the output column, k::text, in text order. */
		bad = !qc || sb_add(&b, &len, &cap, k++ ? ", rc_t." : "rc_t.") ||
		      sb_add(&b, &len, &cap, qc) || sb_add(&b, &len, &cap, " DESC");
		free(qc);
	}
	if (bad || sb_add(&b, &len, &cap, " LIMIT 1")) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	res = PQexec(cx->conn, b);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read the largest key of %s: %s", st->full,
		         RC_PG_ERROR(cx->conn, res));
		rc = classify(cx->conn, res);
		goto out;
	}
	if (PQntuples(res) == 1) {
		int n = PQnfields(res);
		if (!(max->text = calloc((size_t)n, sizeof *max->text))) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (!(max->text[i] = strdup(PQgetvalue(res, 0, i)))) {
				snprintf(err, errlen, "out of memory");
				rc = RC_ERR_FATAL;
				goto out;
			}
			max->n = i + 1;
		}
	}
out:
	if (rc != RC_OK)
		rc_chunk_key_clear(max);
	PQclear(res);
	free(b);
	free(qs);
	free(qt);
	rc_table_release(table);
	return rc;
}

/* pg_logical_emit_message(false, ...): non-transactional, so pgoutput sends it where it is in the
 * WAL, between the transactions that committed before and after it; the stream matches it by its
 * content (the returned LSN is the record's end, the Message's own LSN its start). */
static int pg_watermark(void *reader, const char *chunk_id, bool high, rc_pos_t *at, char *err, size_t errlen)
{
	reader_ctx_t *cx = reader;
	char content[128];
	const char *params[1] = {content};
	PGresult *res;
	uint64_t lsn = 0;
	int rc = RC_OK;

	snprintf(content, sizeof content, "%s %s", chunk_id, high ? "high" : "low");
	/* The message alone is not flushed (PostgreSQL 15 has no flush argument), and the walsender
	 * sends only flushed WAL: up to wal_writer_delay per watermark. A transaction that takes an xid
	 * and nothing else flushes it at its commit (synchronous_commit) and writes no row; pgoutput
	 * skips it as empty. */
	res = PQexec(cx->conn, "BEGIN");
	PQclear(res);
	res = PQexecParams(cx->conn,
	                   "SELECT pg_logical_emit_message(false, '" RC_WATERMARK_PREFIX
	                   "', $1)::text, txid_current()",
	                   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    rc_lsn_parse(PQgetvalue(res, 0, 0), &lsn) != 0) {
		snprintf(err, errlen, "cannot write the %s watermark of chunk %s: %s", high ? "high" : "low",
		         chunk_id, RC_PG_ERROR(cx->conn, res));
		rc = classify(cx->conn, res);
	} else {
		rc_pos_clear(at);
		*at = rc_pg_pos(lsn);
	}
	PQclear(res);
	res = PQexec(cx->conn, rc == RC_OK ? "COMMIT" : "ROLLBACK");
	if (rc == RC_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "cannot write the %s watermark of chunk %s: %s", high ? "high" : "low",
		         chunk_id, RC_PG_ERROR(cx->conn, res));
		rc = classify(cx->conn, res);
	}
	PQclear(res);
	return rc;
}

static void pg_close(void *reader, bool complete)
{
	reader_ctx_t *cx = reader;

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
	reader_ctx_t *cx = calloc(1, sizeof *cx);
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
	reader_ctx_t *cx = calloc(1, sizeof *cx);

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
	reader_ctx_t *cx = reader;
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
    .read_chunk = pg_read_chunk,
    .max_key = pg_max_key,
    .watermark = pg_watermark,
};
