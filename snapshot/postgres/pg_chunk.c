/*
 * Chunked reads of a PostgreSQL table (issue 13; snapshot.h's read_chunk, max_key, watermark), inside
 * the exported snapshot or live (each chunk its own READ COMMITTED statement).
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/incremental.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_lsn.h"
#include "decoders/postgres/pg_position.h"
#include "snapshot/postgres/pg_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Chunked reads (issue 13). A chunk is
 *   COPY (SELECT cols FROM [ONLY] s.t WHERE ROW(k1, k2) > ROW('x', 'y') [AND ROW(k1, k2) <= ROW(...)]
 *         ORDER BY k1, k2 LIMIT n) TO STDOUT
 * The row comparison is what a btree index on (k1, k2) answers with one range scan; the bounds are
 * literals of the key's text (the database's own output form, which its input reads back), untyped
 * so that each takes its column's type. COPY takes no parameters, hence the quoted literals
 * (PQescapeLiteral).
 *
 * A table without a key (no primary key, no message.key.columns) is read in ctid ranges:
 *   COPY (SELECT cols FROM [ONLY] s.t WHERE ctid >= '(B,0)' AND ctid < '(E,0)') TO STDOUT
 * a TID range scan of blocks B..E-1 (PostgreSQL 14+), and the chunk's key is "(E,0)": no row has
 * offset 0, so "greater than (E,0)" is "from block E on", the next chunk. A chunk's blocks follow
 * the rows per block seen so far (pg_class's estimate before any), so that a chunk holds about limit
 * rows; a range with fewer goes on to the next blocks, so that a chunk short of limit is still the
 * table's last, as with keys. Inside the exported snapshot the ranges are exact. Read live (a resumed
 * or incremental snapshot) they are not: an UPDATE moves a row to another block, so one read twice
 * or once through the stream and once in a later range, and with no key nothing tells the copies
 * apart (the watermark window compares whole rows, snapshot/incremental_window.h).
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
static int sb_key(rc_pg_reader_t *cx, const rc_table_t *t, const rc_chunk_key_t *key, bool lits, char **b,
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

/* "COPY (SELECT cols FROM [ONLY] s.t" onto the buffer: the start of every chunk's command. */
static int sb_copy_from(const rc_snap_table_t *st, const rc_table_t *t, char **b, size_t *len, size_t *cap)
{
	char *qs = rc_pg_quote_ident(st->schema), *qt = rc_pg_quote_ident(st->name);
	int bad = !qs || !qt || sb_add(b, len, cap, "COPY (SELECT ");

	for (size_t i = 0; !bad && i < t->ncols; i++) {
		char *qc = rc_pg_quote_ident(t->cols[i].name);
		bad = !qc || sb_add(b, len, cap, i ? ", " : "") || sb_add(b, len, cap, qc);
		free(qc);
	}
	bad = bad || sb_add(b, len, cap, " FROM ") || sb_add(b, len, cap, st->kind == 'p' ? "" : "ONLY ") ||
	      sb_add(b, len, cap, qs) || sb_add(b, len, cap, ".") || sb_add(b, len, cap, qt);
	free(qs);
	free(qt);
	return bad;
}

/* The COPY of a chunk (see above), or NULL when out of memory. */
static char *chunk_command(rc_pg_reader_t *cx, const rc_snap_table_t *st, const rc_table_t *t,
                           const rc_chunk_key_t *after, const rc_chunk_key_t *upto, size_t limit)
{
	char *b = NULL, num[48];
	size_t len = 0, cap = 0;
	int bad = sb_copy_from(st, t, &b, &len, &cap);
	bool where = false;

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
	if (bad) {
		free(b);
		return NULL;
	}
	return b;
}

/* The key columns' fields of one COPY row into *key (cleared first). */
static int row_key(rc_pg_reader_t *cx, const rc_snap_table_t *st, const rc_table_t *t, const char *row,
                   size_t len, rc_chunk_key_t *key, char *err, size_t errlen)
{
	char why[512];
	int k = 0;

	rc_chunk_key_clear(key);
	if (rc_pg_read_reserve(cx, len, t->ncols ? t->ncols : 1) != 0 ||
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

#define CTID_MAX_BLOCKS 131072 /* 1 GiB of 8 KiB blocks: a range no larger, whatever the estimate */

/* "(B,0)" into *block. 0, or -1 when text is not such a key (a key of a table that had one). */
static int ctid_block(const rc_chunk_key_t *k, uint64_t *block)
{
	unsigned long long b;
	int end = 0;

	if (k->n != 1 || sscanf(k->text[0], "(%llu,0)%n", &b, &end) != 1 || k->text[0][end] != '\0' ||
	    b > UINT32_MAX)
		return -1;
	*block = b;
	return 0;
}

static int ctid_key(rc_chunk_key_t *k, uint64_t block)
{
	char text[32];

	rc_chunk_key_clear(k);
	snprintf(text, sizeof text, "(%llu,0)", (unsigned long long)block);
	if (!(k->text = calloc(1, sizeof *k->text)) || !(k->text[0] = strdup(text)))
		return -1;
	k->n = 1;
	return 0;
}

/* The table's size in blocks now (a partitioned table's: its largest partition's, as a range reads
 * the same blocks of each) and pg_class's rows per block (0 when never analyzed). */
static int ctid_size(rc_pg_reader_t *cx, const rc_snap_table_t *st, uint64_t *blocks, double *density,
                     char *err, size_t errlen)
{
	char oid[16];
	const char *params[1] = {oid};
	PGresult *res;
	int rc = RC_OK;

	snprintf(oid, sizeof oid, "%u", st->source_id);
	res = PQexecParams(
	    cx->conn,
	    "SELECT coalesce(max(pg_relation_size(c.oid)), 0) / current_setting('block_size')::bigint, "
	    "coalesce(sum(greatest(c.reltuples, 0)) / nullif(sum(c.relpages), 0), 0) FROM pg_class c "
	    "WHERE (c.oid = $1::oid AND c.relkind <> 'p') OR c.oid IN (SELECT relid FROM "
	    "pg_partition_tree($1::oid) WHERE isleaf)",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errlen, "cannot read the size of %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
	} else {
		*blocks = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		*density = strtod(PQgetvalue(res, 0, 1), NULL);
	}
	PQclear(res);
	return rc;
}

/* COPY of the blocks [from, to) of t, or NULL when out of memory. */
static char *ctid_command(const rc_snap_table_t *st, const rc_table_t *t, uint64_t from, uint64_t to)
{
	char *b = NULL, range[96];
	size_t len = 0, cap = 0;

	snprintf(range, sizeof range, " WHERE ctid >= '(%llu,0)'::tid AND ctid < '(%llu,0)'::tid) TO STDOUT",
	         (unsigned long long)from, (unsigned long long)to);
	if (sb_copy_from(st, t, &b, &len, &cap) || sb_add(&b, &len, &cap, range)) {
		free(b);
		return NULL;
	}
	return b;
}

/* The first block from *from on, before end, with a row the reader sees (end when none); a
 * partitioned table's partitions are scanned one after the other, so there *from stays. */
static int next_visible(rc_pg_reader_t *cx, const rc_snap_table_t *st, uint64_t from, uint64_t end,
                        uint64_t *next, char *err, size_t errlen)
{
	char *qs, *qt, sql[1024];
	PGresult *res;
	int rc = RC_OK;

	if (st->kind == 'p')
		return RC_OK;
	qs = rc_pg_quote_ident(st->schema);
	qt = rc_pg_quote_ident(st->name);
	if (!qs || !qt ||
	    (size_t)snprintf(sql, sizeof sql,
	                     "SELECT (ctid::text::point)[0]::bigint FROM ONLY %s.%s WHERE ctid >= "
	                     "'(%llu,0)'::tid AND ctid < '(%llu,0)'::tid LIMIT 1",
	                     qs, qt, (unsigned long long)from, (unsigned long long)end) >= sizeof sql) {
		free(qs);
		free(qt);
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	free(qs);
	free(qt);
	res = PQexec(cx->conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
	} else {
		*next = PQntuples(res) ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : end;
	}
	PQclear(res);
	return rc;
}

/* A chunk of a keyless table: ranges of blocks from after's until about limit rows are read or the
 * table's end (upto's block when given: the table's size when its incremental snapshot began). */
static int read_ctid_chunk(rc_pg_reader_t *cx, rc_snap_table_t *st, rc_table_t *table,
                           const rc_chunk_key_t *after, const rc_chunk_key_t *upto, size_t limit,
                           rc_snap_out_t *out, rc_chunk_key_t *last, size_t *nrows, char *err, size_t errlen)
{
	uint64_t from = 0, end = 0, cap = 0;
	double density = 0;
	int rc;

	if ((after && after->n > 0 && ctid_block(after, &from) != 0) ||
	    (upto && upto->n > 0 && ctid_block(upto, &cap) != 0)) {
		snprintf(err, errlen,
		         "table %s has no key now, but its recorded snapshot progress is a key's (%s): "
		         "set message.key.columns as it was, or start its snapshot over",
		         st->full, (after && after->n > 0 ? after : upto)->text[0]);
		return RC_ERR_FATAL;
	}
	rc = ctid_size(cx, st, &end, &density, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (upto && upto->n > 0 && cap < end)
		end = cap;
	if (cx->ctid_table == st->source_id && cx->ctid_density > 0)
		density = cx->ctid_density; /* what the earlier chunks saw */
	if (density <= 0)
		density = 50; /* never analyzed: rows of ~150 bytes, until the first range tells */
	while (from < end && *nrows < limit) {
		double want = (double)(limit - *nrows) / density;
		uint64_t nb = want < 1 ? 1 : want > CTID_MAX_BLOCKS ? CTID_MAX_BLOCKS : (uint64_t)want + 1;
		char *cmd;
		size_t n = 0;

		if (nb > end - from)
			nb = end - from;
		if (!(cmd = ctid_command(st, table, from, from + nb))) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		rc = rc_pg_read_copy(cx, st, table, cmd, out, NULL, NULL, &n, err, errlen);
		free(cmd);
		*nrows += n;
		if (rc != RC_OK)
			return rc == RC_STOPPED ? RC_OK : rc;
		from += nb;
		/* The rows per block of the blocks that have rows; past a stretch emptied by deletes
		 * straight to the next block with a visible row, so that the stretch costs one query and
		 * the chunk still stops near limit when rows come again. */
		if (n)
			density = (density + (double)n / (double)nb) / 2;
		else if (from < end && (rc = next_visible(cx, st, from, end, &from, err, errlen)) != RC_OK)
			return rc;
	}
	cx->ctid_table = st->source_id;
	cx->ctid_density = density;
	if (*nrows && ctid_key(last, from) != 0) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

/* The table read in chunks (described once, kept in cx->chunk_table: a column added meanwhile makes
 * a row of the wrong width, an error, and the reader is opened anew). *table: a reference, NULL when
 * the filters leave it out. */
static int chunk_table(rc_pg_reader_t *cx, rc_snap_table_t *st, rc_table_t **table, char *err, size_t errlen)
{
	int rc;

	*table = NULL;
	if (cx->chunk_table && cx->chunk_table->source_id == st->source_id) {
		*table = rc_table_retain(cx->chunk_table);
		return RC_OK;
	}
	rc = rc_pg_read_describe(cx, st, table, err, errlen);
	if (rc == RC_OK && *table) {
		rc_table_release(cx->chunk_table);
		cx->chunk_table = rc_table_retain(*table);
	}
	return rc;
}

int rc_pg_read_chunk(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after,
                     const rc_chunk_key_t *upto, size_t limit, rc_snap_out_t *out, rc_chunk_key_t *last,
                     size_t *nrows, char *err, size_t errlen)
{
	rc_pg_reader_t *cx = reader;
	rc_table_t *table = NULL;
	char *cmd = NULL, *last_row = NULL;
	size_t last_len = 0;
	int rc = RC_OK;

	rc_chunk_key_clear(last);
	*nrows = 0;
	rc = chunk_table(cx, st, &table, err, errlen);
	if (rc != RC_OK || !table)
		goto out;
	if (table->nkey == 0) {
		rc = read_ctid_chunk(cx, st, table, after, upto, limit ? limit : 1, out, last, nrows, err,
		                     errlen);
		goto out;
	}
	cmd = chunk_command(cx, st, table, after, upto, limit ? limit : 1);
	if (!cmd) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	rc = rc_pg_read_copy(cx, st, table, cmd, out, &last_row, &last_len, nrows, err, errlen);
	if (rc == RC_STOPPED)
		rc = RC_OK; /* the coordinator knows it stops */
	else if (rc == RC_OK && last_row)
		rc = row_key(cx, st, table, last_row, last_len, last, err, errlen);
out:
	if (last_row)
		PQfreemem(last_row);
	free(cmd);
	rc_table_release(table);
	return rc;
}

/* The key of the row at offset in key order (desc: from the largest; after: of the rows after it)
 * into *key (n == 0: no such row); *more (when non-NULL): a row follows it. A keyless table: RC_END. */
static int key_at(rc_pg_reader_t *cx, rc_snap_table_t *st, const rc_chunk_key_t *after, bool desc,
                  size_t offset, rc_chunk_key_t *key, bool *more, char *err, size_t errlen)
{
	rc_table_t *table = NULL;
	char *qs = rc_pg_quote_ident(st->schema), *qt = rc_pg_quote_ident(st->name), *b = NULL, lim[64];
	size_t len = 0, cap = 0;
	PGresult *res = NULL;
	int rc, bad, k = 0;

	rc_chunk_key_clear(key);
	if (more)
		*more = false;
	rc = chunk_table(cx, st, &table, err, errlen);
	if (rc != RC_OK || !table)
		goto out;
	if (table->nkey == 0) {
		rc = RC_END;
		goto out;
	}
	bad = !qs || !qt || sb_add(&b, &len, &cap, "SELECT ");
	for (size_t i = 0; !bad && i < table->ncols; i++) {
		char *qc;
		if (!table->cols[i].key)
			continue;
		qc = rc_pg_quote_ident(table->cols[i].name);
		bad = !qc || sb_add(&b, &len, &cap, k++ ? ", rc_t." : "rc_t.") ||
		      sb_add(&b, &len, &cap, qc) || sb_add(&b, &len, &cap, "::text");
		free(qc);
	}
	bad = bad || sb_add(&b, &len, &cap, " FROM ") ||
	      sb_add(&b, &len, &cap, st->kind == 'p' ? "" : "ONLY ") || sb_add(&b, &len, &cap, qs) ||
	      sb_add(&b, &len, &cap, ".") || sb_add(&b, &len, &cap, qt) || sb_add(&b, &len, &cap, " AS rc_t");
	if (!bad && after && after->n > 0)
		bad = sb_add(&b, &len, &cap, " WHERE ") || sb_key(cx, table, NULL, false, &b, &len, &cap) ||
		      sb_add(&b, &len, &cap, " > ") || sb_key(cx, table, after, true, &b, &len, &cap);
	bad = bad || sb_add(&b, &len, &cap, " ORDER BY ");
	k = 0;
	for (size_t i = 0; !bad && i < table->ncols; i++) {
		char *qc;
		if (!table->cols[i].key)
			continue;
		qc = rc_pg_quote_ident(table->cols[i].name);
		/* rc_t.k, not k: a bare name would be the output column, k::text, in text order. */
		bad = !qc || sb_add(&b, &len, &cap, k++ ? ", rc_t." : "rc_t.") ||
		      sb_add(&b, &len, &cap, qc) || sb_add(&b, &len, &cap, desc ? " DESC" : "");
		free(qc);
	}
	snprintf(lim, sizeof lim, " OFFSET %zu LIMIT %d", offset, more ? 2 : 1);
	if (bad || sb_add(&b, &len, &cap, lim)) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	res = PQexec(cx->conn, b);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read a key of %s: %s", st->full, RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
		goto out;
	}
	if (PQntuples(res) >= 1) {
		int n = PQnfields(res);
		if (!(key->text = calloc((size_t)n, sizeof *key->text))) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (!(key->text[i] = strdup(PQgetvalue(res, 0, i)))) {
				snprintf(err, errlen, "out of memory");
				rc = RC_ERR_FATAL;
				goto out;
			}
			key->n = i + 1;
		}
		if (more)
			*more = PQntuples(res) == 2;
	}
out:
	if (rc != RC_OK)
		rc_chunk_key_clear(key);
	PQclear(res);
	free(b);
	free(qs);
	free(qt);
	rc_table_release(table);
	return rc;
}

int rc_pg_max_key(void *reader, rc_snap_table_t *st, rc_chunk_key_t *max, char *err, size_t errlen)
{
	rc_pg_reader_t *cx = reader;
	int rc = key_at(cx, st, NULL, true, 0, max, NULL, err, errlen);

	if (rc == RC_END) { /* no key: its size in blocks, "(E,0)", the end of its last range */
		uint64_t blocks = 0;
		double density;
		rc = ctid_size(cx, st, &blocks, &density, err, errlen);
		if (rc == RC_OK && blocks > 0 && ctid_key(max, blocks) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
		}
	}
	return rc;
}

int rc_pg_chunk_bound(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after, size_t limit,
                      rc_chunk_key_t *bound, bool *more, char *err, size_t errlen)
{
	return key_at(reader, st, after, false, limit ? limit - 1 : 0, bound, more, err, errlen);
}

/* pg_logical_emit_message(false, ...): non-transactional, so pgoutput sends it where it is in the
 * WAL, between the transactions that committed before and after it; the stream matches it by its
 * content (the returned LSN is the record's end, the Message's own LSN its start). */
int rc_pg_watermark(void *reader, const char *chunk_id, bool high, rc_pos_t *at, char *err, size_t errlen)
{
	rc_pg_reader_t *cx = reader;
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
		rc = rc_pg_read_classify(cx->conn, res);
	} else {
		rc_pos_clear(at);
		*at = rc_pg_pos(lsn);
	}
	PQclear(res);
	res = PQexec(cx->conn, rc == RC_OK ? "COMMIT" : "ROLLBACK");
	if (rc == RC_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "cannot write the %s watermark of chunk %s: %s", high ? "high" : "low",
		         chunk_id, RC_PG_ERROR(cx->conn, res));
		rc = rc_pg_read_classify(cx->conn, res);
	}
	PQclear(res);
	return rc;
}
