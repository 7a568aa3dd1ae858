/*
 * A MySQL/MariaDB snapshot reader (the reader ops of snapshot/snapshot.h, on a reader thread): one
 * connection inside the point's consistent snapshot (its own, opened while the point's lock holds,
 * or the point's lock-free connection), each table read with the text protocol and its values
 * converted by the stream's builders (decoders/mysql/mysql_values.h).
 *
 * A table with a primary key whose columns sort as they compare (my_schema.c: pageable) is read in
 * key order, snapshot.fetch.size rows a query, each query starting after the last key read:
 *   SELECT cols FROM t [WHERE k1 > v1 OR (k1 = v1 AND k2 > v2) ...] ORDER BY k1, k2 LIMIT n
 * (the OR form rather than (k1, k2) > (v1, v2), which not every server turns into an index range).
 * So no statement runs for long, and a reader waiting while Kafka is slow holds no open result. Any
 * other table is one unbuffered scan (mysql_use_result), the server writing as the reader takes.
 *
 * What the text protocol sends and how it becomes the builders' parts (my_text.h): integers,
 * DECIMAL and temporal values as text (TIMESTAMP in UTC: the session's time_zone is '+00:00');
 * FLOAT as `c`+0e0, the float's exact double (its own text is rounded to 6 digits on MariaDB);
 * ENUM, SET and BIT as `c`+0 (index, mask, number); text columns in utf8mb4 (the session's
 * character set: the server converts from the column's); binary strings, BLOB, GEOMETRY (SRID and
 * WKB) and VECTOR as their bytes; JSON as the server prints it.
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_snapshot_point.h"
#include "decoders/mysql/mysql_values.h"
#include "snapshot/mysql/my_read.h"
#include "snapshot/mysql/my_snapshot.h"
#include "snapshot/mysql/my_text.h"

#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rc_my_sql_add(rc_my_sql_t *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void rc_my_sql_str(rc_my_sql_t *b, const char *s)
{
	rc_my_sql_add(b, s, strlen(s));
}

int rc_my_sql_ident(rc_my_sql_t *b, const char *name)
{
	char *q = rc_my_quote_ident(name);

	if (!q)
		return -1;
	rc_my_sql_str(b, q);
	free(q);
	return 0;
}

static bool is_number_kind(rc_mysql_kind_t k)
{
	return k <= RC_MY_BIT || k == RC_MY_YEAR;
}

/* The select expression of a column (see the top comment). */
static int add_select(rc_my_sql_t *b, const rc_my_col_t *c)
{
	char *q = rc_my_quote_ident(c->name);

	if (!q)
		return -1;
	rc_my_sql_str(b, q);
	if (c->def.kind == RC_MY_FLOAT)
		rc_my_sql_str(b, "+0e0");
	else if (c->def.kind == RC_MY_ENUM || c->def.kind == RC_MY_SET || c->def.kind == RC_MY_BIT)
		rc_my_sql_str(b, "+0");
	free(q);
	return 0;
}

/* A key value as an SQL literal the server compares as the column: numbers as they are, temporal
 * values and text quoted (text escaped, in the session's utf8mb4), binary strings in hex. */
static int add_literal(MYSQL *my, rc_my_sql_t *b, const rc_my_col_t *c, const char *v, size_t len)
{
	rc_mysql_kind_t k = c->def.kind;

	if (is_number_kind(k)) {
		for (size_t i = 0; i < len; i++)
			if (!strchr("0123456789-+.", v[i]))
				return -1;
		rc_my_sql_add(b, v, len);
	} else if (k == RC_MY_BINARY || k == RC_MY_VARBINARY) {
		static const char hex[] = "0123456789ABCDEF";
		rc_my_sql_str(b, "X'");
		for (size_t i = 0; i < len; i++) {
			char h[2] = {hex[(unsigned char)v[i] >> 4], hex[(unsigned char)v[i] & 15]};
			rc_my_sql_add(b, h, 2);
		}
		rc_my_sql_str(b, "'");
	} else {
		char *e = malloc(2 * len + 1);
		if (!e)
			return -1;
		mysql_real_escape_string(my, e, v, (unsigned long)len);
		rc_my_sql_str(b, "'");
		rc_my_sql_str(b, e);
		rc_my_sql_str(b, "'");
		free(e);
	}
	return 0;
}

/* WHERE k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...: after the last key read (last[k], lastlen[k]). */
static int add_after(MYSQL *my, rc_my_sql_t *b, const rc_my_table_t *mt, char **last, const size_t *lastlen)
{
	rc_my_sql_str(b, " WHERE ");
	for (size_t k = 0; k < mt->nkey; k++) {
		rc_my_sql_str(b, k ? " OR (" : "(");
		for (size_t j = 0; j <= k; j++) {
			const rc_my_col_t *c = &mt->cols[mt->key[j]];
			char *q = rc_my_quote_ident(c->name);
			if (!q)
				return -1;
			rc_my_sql_str(b, j ? " AND " : "");
			rc_my_sql_str(b, q);
			rc_my_sql_str(b, j == k ? " > " : " = ");
			free(q);
			if (add_literal(my, b, c, last[j], lastlen[j]) != 0)
				return -1;
		}
		rc_my_sql_str(b, ")");
	}
	return 0;
}

/* One column's text into its value. */
static int convert(const rc_my_col_t *c, const rc_column_t *col, const char *s, size_t len, rc_arena_t *arena,
                   rc_value_t *out, char *why, size_t whylen)
{
	const rc_mysql_coldef_t *d = &c->vdef;
	char num[128];
	int64_t i;
	uint64_t u;
	int32_t micro;

	switch (d->kind) {
	case RC_MY_TINYINT:
	case RC_MY_SMALLINT:
	case RC_MY_MEDIUMINT:
	case RC_MY_INT:
	case RC_MY_BIGINT:
	case RC_MY_YEAR:
	case RC_MY_BIT:
	case RC_MY_ENUM:
	case RC_MY_SET: {
		bool is_unsigned =
		    d->is_unsigned || d->kind == RC_MY_BIT || d->kind == RC_MY_ENUM || d->kind == RC_MY_SET;
		if (rc_my_text_int(s, len, is_unsigned, &i, &u) != 0)
			break;
		if (d->kind == RC_MY_ENUM || d->kind == RC_MY_SET)
			return rc_mysql_value_enum(col, d, u, arena, out, why, whylen);
		return rc_mysql_value_int(col, d, i, u, arena, out, why, whylen);
	}
	case RC_MY_FLOAT:
	case RC_MY_DOUBLE: {
		char *end;
		double v;
		if (len == 0 || len >= sizeof num)
			break;
		memcpy(num, s, len);
		num[len] = '\0';
		v = strtod(num, &end);
		if (*end)
			break;
		return rc_mysql_value_double(col, d, v, out);
	}
	case RC_MY_DECIMAL: {
		rc_decimal_text_t text;
		rc_decimal_t dec;
		if (rc_decimal_parse(s, len, &text) != 0 ||
		    rc_decimal_unscaled(&text, d->scale, arena, &dec) != 0)
			break;
		return rc_mysql_value_decimal(col, d, &dec, arena, out, why, whylen);
	}
	case RC_MY_DATE:
	case RC_MY_TIME:
	case RC_MY_DATETIME: {
		rc_mysql_datetime_t dt;
		if (rc_my_text_datetime(s, len, d->kind, &dt) != 0)
			break;
		return rc_mysql_value_datetime(col, d, &dt, arena, out, why, whylen);
	}
	case RC_MY_TIMESTAMP:
		if (rc_my_text_timestamp(s, len, &i, &micro) != 0)
			break;
		return rc_mysql_value_timestamp(col, d, i, micro, arena, out, why, whylen);
	case RC_MY_JSON:
		return rc_mysql_value_json_text(col, s, len, arena, out, why, whylen);
	default: /* strings, binary strings, GEOMETRY, VECTOR: their bytes */
		return rc_mysql_value_bytes(col, d, s, len, arena, out, why, whylen);
	}
	snprintf(why, whylen, "column %s (%s): the server sent '%.*s', which is not a value of its type",
	         c->name, c->column_type, (int)(len > 64 ? 64 : len), s);
	return RC_ERR_FATAL;
}

/* One row into the hand-off. sel[k]: the column of result field k. Returns RC_OK, RC_STOPPED, or
 * RC_ERR_FATAL. */
static int add_row(rc_snap_out_t *out, rc_snap_table_t *st, const rc_my_table_t *mt, const int *sel,
                   size_t nsel, MYSQL_ROW row, const unsigned long *lens, char *err, size_t errlen)
{
	rc_arena_t *arena;
	rc_value_t *vals;
	size_t bytes = 0;
	bool oom;
	char why[512];

	vals = rc_snap_out_row(out, mt->table, &arena, &oom);
	if (!vals && oom) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (!vals)
		return RC_STOPPED;
	for (size_t k = 0; k < nsel; k++) {
		const rc_my_col_t *c = &mt->cols[sel[k]];
		bytes += lens[k];
		if (c->col < 0 || !row[k])
			continue; /* left out, or NULL (the values come zeroed: RC_V_NULL) */
		if (convert(c, &mt->table->cols[c->col], row[k], lens[k], arena, &vals[c->col], why,
		            sizeof why) != RC_OK) {
			snprintf(err, errlen, "table %s: %s", st->full, why);
			return RC_ERR_FATAL;
		}
	}
	rc_snap_out_row_done(out, bytes);
	return RC_OK;
}

int rc_my_run_select(rc_my_reader_t *cx, rc_snap_table_t *st, const rc_my_table_t *mt, const int *sel,
                     size_t nsel, const char *sql, size_t sqllen, rc_snap_out_t *out, size_t *nrows,
                     size_t nkey, char **last, size_t *lastlen, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc = RC_OK;

	*nrows = 0;
	if (mysql_real_query(cx->my, sql, (unsigned long)sqllen) != 0 || !(res = mysql_use_result(cx->my))) {
		snprintf(err, errlen, "cannot read %s: %s", st->full, mysql_error(cx->my));
		return rc_mysql_error_class(cx->my);
	}
	while ((row = mysql_fetch_row(res)) != NULL) {
		unsigned long *lens = mysql_fetch_lengths(res);
		rc = add_row(out, st, mt, sel, nsel, row, lens, err, errlen);
		if (rc != RC_OK)
			break; /* the rest of the result goes with the connection (close) */
		(*nrows)++;
		for (size_t k = 0; last && k < nkey; k++) { /* keys are selected first */
			char *p = realloc(last[k], lens[k] + 1);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				rc = RC_ERR_FATAL;
				break;
			}
			memcpy(p, row[k] ? row[k] : "", lens[k]);
			p[lens[k]] = '\0';
			last[k] = p;
			lastlen[k] = lens[k];
		}
		if (rc != RC_OK)
			break;
	}
	if (rc == RC_OK && mysql_errno(cx->my) != 0) {
		snprintf(err, errlen, "reading %s: %s", st->full, mysql_error(cx->my));
		rc = rc_mysql_error_class(cx->my);
	}
	if (rc != RC_OK && !res->eof) {
		/* mysql_free_result would read the rest of an unfinished unbuffered result (a whole
		 * table) to its end: detached from the connection it only frees, and the connection,
		 * left mid-result, is closed unused (the reader ends on any error or stop). */
		res->handle = NULL;
		cx->broken = true;
	}
	mysql_free_result(res);
	return rc;
}

int rc_my_select_base(rc_my_sql_t *b, const rc_my_table_t *mt, const int *keycols, size_t nkey,
                      const char *schema, const char *name, int *sel, size_t *nsel)
{
	*nsel = 0;
	/* The key columns first (a keyset read takes their texts by position), then the other
	 * columns the events carry. */
	rc_my_sql_str(b, "SELECT ");
	for (size_t k = 0; k < nkey; k++)
		sel[(*nsel)++] = keycols[k];
	for (size_t i = 0; i < mt->ncols; i++) {
		bool in_key = false;
		for (size_t k = 0; k < nkey; k++)
			in_key = in_key || keycols[k] == (int)i;
		if (mt->cols[i].col >= 0 && !in_key)
			sel[(*nsel)++] = (int)i;
	}
	if (*nsel == 0) /* every column left out: the rows still count, as empty values */
		rc_my_sql_str(b, "1");
	for (size_t k = 0; k < *nsel; k++) {
		rc_my_sql_str(b, k ? ", " : "");
		if (add_select(b, &mt->cols[sel[k]]) != 0)
			return -1;
	}
	rc_my_sql_str(b, " FROM ");
	if (rc_my_sql_ident(b, schema) != 0)
		return -1;
	rc_my_sql_str(b, ".");
	if (rc_my_sql_ident(b, name) != 0)
		return -1;
	return b->oom ? -1 : 0;
}

static int my_read_table(void *reader, rc_snap_table_t *st, rc_snap_out_t *out, char *err, size_t errlen)
{
	rc_my_reader_t *cx = reader;
	rc_my_table_t mt;
	rc_my_sql_t base = {0}, sql = {0};
	char **last = NULL;
	size_t *lastlen = NULL, nsel = 0, nrows;
	int *sel = NULL, rc;

	rc = rc_my_table_describe(cx->my, cx->conf, &cx->modes, cx->use_catalog, st->schema, st->name, &mt,
	                          err, errlen);
	if (rc != RC_OK)
		return rc;
	rc = RC_ERR_FATAL;
	sel = calloc(mt.ncols, sizeof *sel);
	last = calloc(mt.nkey + 1, sizeof *last);
	lastlen = calloc(mt.nkey + 1, sizeof *lastlen);
	if (!sel || !last || !lastlen)
		goto oom;
	if (rc_my_select_base(&base, &mt, mt.key, mt.nkey, st->schema, st->name, sel, &nsel) != 0)
		goto oom;
	if (!mt.keyset) {
		rc = rc_my_run_select(cx, st, &mt, sel, nsel, base.p, base.len, out, &nrows, 0, NULL, NULL,
		                      err, errlen);
		goto out;
	}
	for (bool first = true;; first = false) {
		char limit[32];
		sql.len = 0;
		rc_my_sql_add(&sql, base.p, base.len);
		if (!first && add_after(cx->my, &sql, &mt, last, lastlen) != 0)
			goto oom;
		rc_my_sql_str(&sql, " ORDER BY ");
		for (size_t k = 0; k < mt.nkey; k++) {
			char *q = rc_my_quote_ident(mt.cols[mt.key[k]].name);
			if (!q)
				goto oom;
			rc_my_sql_str(&sql, k ? ", " : "");
			rc_my_sql_str(&sql, q);
			free(q);
		}
		snprintf(limit, sizeof limit, " LIMIT %zu", cx->fetch);
		rc_my_sql_str(&sql, limit);
		if (sql.oom)
			goto oom;
		rc = rc_my_run_select(cx, st, &mt, sel, nsel, sql.p, sql.len, out, &nrows, mt.nkey, last,
		                      lastlen, err, errlen);
		if (rc != RC_OK || nrows < cx->fetch)
			break;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = RC_ERR_FATAL;
out:
	if (rc == RC_STOPPED)
		rc = RC_OK; /* the coordinator said stop */
	for (size_t k = 0; last && k < mt.nkey; k++)
		free(last[k]);
	free(last);
	free(lastlen);
	free(sel);
	free(base.p);
	free(sql.p);
	rc_my_table_free(&mt);
	return rc;
}

void rc_my_reader_close(void *reader, bool complete)
{
	rc_my_reader_t *cx = reader;

	if (!cx)
		return;
	if (cx->my && complete && !cx->broken && mysql_query(cx->my, "COMMIT") != 0)
		rc_log_warn("snapshot", "COMMIT of a snapshot reader: %s", mysql_error(cx->my));
	if (cx->my)
		mysql_close(cx->my);
	if (cx->use_catalog)
		rc_my_catalog_release();
	free(cx);
}

static int my_open(const rc_conf_t *conf, const rc_snapshot_point_t *pt, void **reader, char *err,
                   size_t errlen)
{
	rc_my_reader_t *cx = calloc(1, sizeof *cx);
	int rc = RC_OK;

	*reader = NULL;
	if (!cx) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	cx->conf = conf;
	cx->fetch = (size_t)rc_conf_get_int(conf, "snapshot.fetch.size", 1000);
	if (cx->fetch < 1)
		cx->fetch = 1;
	if (rc_mysql_modes_from_conf(&cx->modes, conf, err, errlen) != 0) {
		rc_my_reader_close(cx, false);
		return RC_ERR_FATAL;
	}
	if (rc_mysql_snapshot_is_lockfree(pt)) {
		cx->my = rc_mysql_snapshot_take(pt);
		if (!cx->my) {
			snprintf(
			    err, errlen,
			    "MariaDB lock-free snapshot %s has one connection and another reader took it "
			    "(snapshot.max.threads must be 1 for it)",
			    pt->name);
			rc = RC_ERR_FATAL;
		}
	} else if (!(cx->my = rc_mysql_connect(conf, err, errlen))) {
		rc = RC_ERR_RETRY;
	} else {
		rc = rc_mysql_snapshot_begin(cx->my, err, errlen);
	}
	if (rc != RC_OK) {
		rc_my_reader_close(cx, false);
		return rc;
	}
	cx->thread_id = mysql_thread_id(cx->my);
	cx->use_catalog = rc_my_catalog_take(pt);
	*reader = cx;
	return RC_OK;
}

/* KILL QUERY from a connection of its own: the reader's query ends with an error, and the reader,
 * told to stop, ends. */
static void my_cancel(void *reader)
{
	rc_my_reader_t *cx = reader;
	char err[256], sql[64];
	MYSQL *my = rc_mysql_connect(cx->conf, err, sizeof err);

	if (!my) {
		rc_log_warn("snapshot", "cannot interrupt a snapshot reader: %s", err);
		return;
	}
	snprintf(sql, sizeof sql, "KILL QUERY %lu", cx->thread_id);
	if (mysql_query(my, sql) != 0 && mysql_errno(my) != ER_NO_SUCH_THREAD)
		rc_log_warn("snapshot", "%s: %s", sql, mysql_error(my));
	mysql_close(my);
}

const rc_snapshot_reader_ops_t rc_mysql_snapshot_reader = {
    .name = "mysql",
    .plan = rc_my_snapshot_plan,
    .open = my_open,
    .read_table = my_read_table,
    .cancel = my_cancel,
    .close = rc_my_reader_close,
    .open_live = rc_my_open_live,
    .read_chunk = rc_my_read_chunk,
    .max_key = rc_my_max_key,
    .chunk_bound = rc_my_chunk_bound,
    .watermark = rc_my_watermark,
};
