/*
 * MySQL/MariaDB chunked reads (issue 13; the chunk ops of snapshot/snapshot.h): a table read in
 * key order, limit rows a statement, each chunk starting after the key the last one ended on, so
 * that a snapshot can stop anywhere and go on from the last acknowledged chunk, and a table can be
 * copied while the stream runs (incremental snapshots, with binlog position watermarks).
 *
 * The chunk key is the primary key, or message.key.columns for a table without one (in the order
 * the property names them; they must be unique, as an event key must). A chunk is one statement:
 *   SELECT k1, k2, cols FROM t WHERE (k1 > a1 OR (k1 = a1 AND k2 > a2))
 *                             AND (k1 < u1 OR (k1 = u1 AND k2 <= u2))
 *   ORDER BY k1, k2 LIMIT n
 * (the OR form rather than a row comparison, which not every server turns into an index range).
 * Every comparison is the server's: a string key compares and sorts with its column's collation
 * (the literal is coercible, the column's collation wins), so `>` and ORDER BY agree with the index
 * whatever the collation; nothing is compared in C.
 *
 * Key texts (rc_chunk_key_t) are what the server sends for the key columns, which is how a literal
 * of the column's type is written: integers and DECIMAL as digits, temporal values as
 * 'YYYY-MM-DD HH:MM:SS[.f]' (TIMESTAMP in UTC, the session's time zone), strings in UTF-8 (the
 * session's character set), sent quoted and escaped (mysql_real_escape_string, the session's
 * sql_mode '' keeps backslash escapes); BINARY/VARBINARY as 0x and hex digits (their bytes may
 * hold NUL), sent as X'..'. A text read back from an offset store is checked against that form
 * before it goes into a statement.
 *
 * Watermarks are binlog positions made as the stream makes its commit positions (file sequence <<
 * 32 | byte offset, the end of the last event written), so rc_pos_after orders them against what
 * the stream hands to commit() and idle(). A live reader on MariaDB opens the chunk's consistent
 * read at the low watermark (START TRANSACTION WITH CONSISTENT SNAPSHOT) and takes the position
 * of exactly that read (binlog_snapshot_file/_position): every transaction at or before the low
 * watermark is in the chunk, none after it. SHOW MASTER STATUS alone would not say that: a
 * transaction is written to the binlog before InnoDB makes it visible, so a chunk read just after
 * could miss one that the stream already passed. MySQL has no such status: there the low watermark
 * is SHOW MASTER STATUS, with that gap (microseconds, during a group commit). The high watermark is
 * SHOW MASTER STATUS after the read: whatever the read saw was written to the binlog before it.
 */
#include "config.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "agent/naming.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_position.h"
#include "decoders/mysql/mysql_snapshot_point.h"
#include "snapshot/mysql/my_read.h"
#include "snapshot/mysql/my_snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_binary(rc_mysql_kind_t k)
{
	return k == RC_MY_BINARY || k == RC_MY_VARBINARY;
}

static bool is_number(rc_mysql_kind_t k)
{
	return k <= RC_MY_BIT || k == RC_MY_YEAR;
}

/* The chunk key's columns (indexes into mt->cols) into cols (mt->ncols entries), *n their number. */
static int key_columns(const rc_my_reader_t *cx, const rc_snap_table_t *st, const rc_my_table_t *mt,
                       int *cols, size_t *n, char *err, size_t errlen)
{
	char *list = NULL;

	*n = 0;
	if (mt->nkey) {
		for (size_t k = 0; k < mt->nkey; k++)
			cols[(*n)++] = mt->key[k];
	} else if ((list = rc_key_columns_configured(cx->conf, st->schema, st->name)) != NULL) {
		/* ",a,b,": the names in the property's order. */
		for (char *p = list + 1, *e; *p && (e = strchr(p, ',')) != NULL; p = e + 1) {
			size_t i;
			*e = '\0';
			for (i = 0; i < mt->ncols && strcmp(mt->cols[i].name, p) != 0; i++)
				;
			if (i == mt->ncols) {
				snprintf(err, errlen, "table %s has no column %s (message.key.columns)",
				         st->full, p);
				free(list);
				return RC_ERR_FATAL;
			}
			cols[(*n)++] = (int)i;
		}
		free(list);
	}
	if (*n == 0) {
		snprintf(err, errlen,
		         "table %s has no primary key: set message.key.columns to read it in chunks",
		         st->full);
		return RC_ERR_FATAL;
	}
	for (size_t k = 0; k < *n; k++) {
		const rc_my_col_t *c = &mt->cols[cols[k]];
		if (!rc_my_key_pageable(c->def.kind)) {
			/* "has no primary key" as a keyless table's: the initial snapshot reads such a
			 * table whole (snapshot_reader.c). */
			snprintf(err, errlen,
			         "table %s has no primary key fit for chunks: its column %s (%s) does not "
			         "compare as it sorts",
			         st->full, c->name, c->column_type);
			return RC_ERR_FATAL;
		}
	}
	return RC_OK;
}

/* A key text as an SQL literal of column c (the forms of the top comment), checked first. */
static int key_literal(MYSQL *my, rc_my_sql_t *b, const rc_snap_table_t *st, const rc_my_col_t *c,
                       const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v), i = 0;
	bool ok = len > 0;

	if (is_number(c->def.kind)) {
		/* [-]digits[.digits]: nothing the server could read as an expression. */
		i = v[0] == '-';
		ok = ok && v[i] >= '0' && v[i] <= '9';
		while (ok && v[i] >= '0' && v[i] <= '9')
			i++;
		if (ok && v[i] == '.' && c->def.kind == RC_MY_DECIMAL)
			for (i++; v[i] >= '0' && v[i] <= '9'; i++)
				;
		ok = ok && v[i] == '\0';
		if (ok)
			rc_my_sql_add(b, v, len);
	} else if (is_binary(c->def.kind)) {
		ok = len >= 2 && v[0] == '0' && v[1] == 'x' && len % 2 == 0 &&
		     strspn(v + 2, "0123456789ABCDEFabcdef") == len - 2;
		if (ok) {
			rc_my_sql_str(b, "X'");
			rc_my_sql_add(b, v + 2, len - 2);
			rc_my_sql_str(b, "'");
		}
	} else {
		char *e = malloc(2 * len + 1);
		if (!e) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		mysql_real_escape_string(my, e, v, (unsigned long)len);
		rc_my_sql_str(b, "'");
		rc_my_sql_str(b, e);
		rc_my_sql_str(b, "'");
		free(e);
		ok = true; /* an empty string is a key too */
	}
	if (!ok) {
		snprintf(err, errlen, "table %s: '%.64s' is not a key value of column %s (%s)", st->full, v,
		         c->name, c->column_type);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

/* (c1 OP v1) OR (c1 = v1 AND c2 OP v2) OR ... with OP last_op in the last term: the rows after key
 * (">", ">") or up to it ("<", "<="). */
static int add_cond(MYSQL *my, rc_my_sql_t *b, const rc_snap_table_t *st, const rc_my_table_t *mt,
                    const int *cols, size_t n, const rc_chunk_key_t *key, const char *op, const char *last_op,
                    char *err, size_t errlen)
{
	int rc;

	rc_my_sql_str(b, "(");
	for (size_t k = 0; k < n; k++) {
		rc_my_sql_str(b, k ? " OR (" : "(");
		for (size_t j = 0; j <= k; j++) {
			const rc_my_col_t *c = &mt->cols[cols[j]];
			rc_my_sql_str(b, j ? " AND " : "");
			if (rc_my_sql_ident(b, c->name) != 0) {
				snprintf(err, errlen, "out of memory");
				return RC_ERR_FATAL;
			}
			rc_my_sql_str(b, j < k ? " = " : k + 1 < n ? op : last_op);
			if ((rc = key_literal(my, b, st, c, key->text[j], err, errlen)) != RC_OK)
				return rc;
		}
		rc_my_sql_str(b, ")");
	}
	rc_my_sql_str(b, ")");
	return RC_OK;
}

/* " WHERE" and the rows after key, when there is one. */
static int add_after(MYSQL *my, rc_my_sql_t *b, const rc_snap_table_t *st, const rc_my_table_t *mt,
                     const int *cols, size_t n, const rc_chunk_key_t *key, char *err, size_t errlen)
{
	if (!key || !key->n)
		return RC_OK;
	rc_my_sql_str(b, " WHERE ");
	return add_cond(my, b, st, mt, cols, n, key, " > ", " > ", err, errlen);
}

static int add_order(rc_my_sql_t *b, const rc_my_table_t *mt, const int *cols, size_t n, bool desc)
{
	rc_my_sql_str(b, " ORDER BY ");
	for (size_t k = 0; k < n; k++) {
		rc_my_sql_str(b, k ? ", " : "");
		if (rc_my_sql_ident(b, mt->cols[cols[k]].name) != 0)
			return -1;
		if (desc)
			rc_my_sql_str(b, " DESC");
	}
	return 0;
}

/* The server's texts of a row's key columns (text[k], len[k]) into *key, in the forms above. */
static int key_from_row(const rc_snap_table_t *st, const rc_my_table_t *mt, const int *cols, size_t n,
                        char *const *text, const size_t *len, rc_chunk_key_t *key, char *err, size_t errlen)
{
	rc_chunk_key_clear(key);
	if (!(key->text = calloc(n, sizeof *key->text)))
		goto oom;
	for (size_t k = 0; k < n; k++) {
		const rc_my_col_t *c = &mt->cols[cols[k]];
		char *s;
		if (!text[k]) {
			snprintf(err, errlen, "table %s: key column %s is NULL in a row", st->full, c->name);
			rc_chunk_key_clear(key);
			return RC_ERR_FATAL;
		}
		if (is_binary(c->def.kind)) {
			static const char hex[] = "0123456789ABCDEF";
			if (!(s = malloc(2 * len[k] + 3)))
				goto oom;
			s[0] = '0';
			s[1] = 'x';
			for (size_t i = 0; i < len[k]; i++) {
				s[2 + 2 * i] = hex[(unsigned char)text[k][i] >> 4];
				s[3 + 2 * i] = hex[(unsigned char)text[k][i] & 15];
			}
			s[2 + 2 * len[k]] = '\0';
		} else if (memchr(text[k], '\0', len[k])) {
			snprintf(err, errlen,
			         "table %s: key column %s holds a NUL character: not a chunk boundary",
			         st->full, c->name);
			rc_chunk_key_clear(key);
			return RC_ERR_FATAL;
		} else if (!(s = strndup(text[k], len[k]))) {
			goto oom;
		}
		key->text[key->n++] = s;
	}
	return RC_OK;
oom:
	rc_chunk_key_clear(key);
	snprintf(err, errlen, "out of memory");
	return RC_ERR_FATAL;
}

/* Ends the consistent read a low watermark opened (live readers). */
static int end_view(rc_my_reader_t *cx, char *err, size_t errlen)
{
	if (!cx->in_view)
		return RC_OK;
	cx->in_view = false;
	if (mysql_query(cx->my, "COMMIT") != 0) {
		snprintf(err, errlen, "COMMIT of a chunk's read: %s", mysql_error(cx->my));
		return rc_mysql_error_class(cx->my);
	}
	return RC_OK;
}

int rc_my_read_chunk(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after,
                     const rc_chunk_key_t *upto, size_t limit, rc_snap_out_t *out, rc_chunk_key_t *last,
                     size_t *nrows, char *err, size_t errlen)
{
	rc_my_reader_t *cx = reader;
	rc_my_table_t mt;
	rc_my_sql_t sql = {0};
	char **text = NULL, lim[32];
	size_t *len = NULL, nsel = 0, nkey = 0;
	int *sel = NULL, *cols = NULL, rc, rc2;

	*nrows = 0;
	rc_chunk_key_clear(last);
	rc = rc_my_table_describe(cx->my, cx->conf, &cx->modes, cx->use_catalog, st->schema, st->name, &mt,
	                          err, errlen);
	if (rc != RC_OK) {
		end_view(cx, err, errlen);
		return rc;
	}
	sel = calloc(mt.ncols, sizeof *sel);
	cols = calloc(mt.ncols, sizeof *cols);
	text = calloc(mt.ncols, sizeof *text);
	len = calloc(mt.ncols, sizeof *len);
	if (!sel || !cols || !text || !len)
		goto oom;
	if ((rc = key_columns(cx, st, &mt, cols, &nkey, err, errlen)) != RC_OK)
		goto out;
	if ((after && after->n && (size_t)after->n != nkey) || (upto && upto->n && (size_t)upto->n != nkey)) {
		snprintf(err, errlen,
		         "table %s: a chunk boundary of %d column(s) for a key of %zu: the key changed since "
		         "it was recorded",
		         st->full, after && after->n ? after->n : upto->n, nkey);
		rc = RC_ERR_FATAL;
		goto out;
	}
	if (rc_my_select_base(&sql, &mt, cols, nkey, st->schema, st->name, sel, &nsel) != 0)
		goto oom;
	if ((rc = add_after(cx->my, &sql, st, &mt, cols, nkey, after, err, errlen)) != RC_OK)
		goto out;
	if (upto && upto->n) {
		rc_my_sql_str(&sql, after && after->n ? " AND " : " WHERE ");
		if ((rc = add_cond(cx->my, &sql, st, &mt, cols, nkey, upto, " < ", " <= ", err, errlen)) !=
		    RC_OK)
			goto out;
	}
	if (add_order(&sql, &mt, cols, nkey, false) != 0)
		goto oom;
	snprintf(lim, sizeof lim, " LIMIT %zu", limit ? limit : 1);
	rc_my_sql_str(&sql, lim);
	if (sql.oom)
		goto oom;
	rc = rc_my_run_select(cx, st, &mt, sel, nsel, sql.p, sql.len, out, nrows, nkey, text, len, err,
	                      errlen);
	if (rc == RC_OK && *nrows)
		rc = key_from_row(st, &mt, cols, nkey, text, len, last, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = RC_ERR_FATAL;
out:
	if (!cx->broken) {
		char why[RC_ERRSTR_LEN];
		rc2 = end_view(cx, why, sizeof why);
		if (rc == RC_OK && rc2 != RC_OK) {
			snprintf(err, errlen, "%s", why);
			rc = rc2;
		}
	}
	if (rc != RC_OK)
		rc_chunk_key_clear(last);
	for (size_t k = 0; text && k < mt.ncols; k++)
		free(text[k]);
	free(text);
	free(len);
	free(sel);
	free(cols);
	free(sql.p);
	rc_my_table_free(&mt);
	return rc;
}

/* The key of the row at offset in key order (desc: from the largest; after: of the rows after it)
 * into *key (n == 0: no such row); *more (when non-NULL): a row follows it. */
static int key_at(rc_my_reader_t *cx, rc_snap_table_t *st, const rc_chunk_key_t *after, bool desc,
                  size_t offset, rc_chunk_key_t *key, bool *more, char *err, size_t errlen)
{
	rc_my_table_t mt;
	rc_my_sql_t sql = {0};
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	char lim[64];
	size_t nkey = 0;
	int *cols = NULL, rc;

	rc_chunk_key_clear(key);
	if (more)
		*more = false;
	rc = rc_my_table_describe(cx->my, cx->conf, &cx->modes, cx->use_catalog, st->schema, st->name, &mt,
	                          err, errlen);
	if (rc != RC_OK)
		return rc;
	if (!(cols = calloc(mt.ncols, sizeof *cols)))
		goto oom;
	if ((rc = key_columns(cx, st, &mt, cols, &nkey, err, errlen)) != RC_OK)
		goto out;
	if (after && after->n && (size_t)after->n != nkey) {
		snprintf(err, errlen,
		         "table %s: a chunk boundary of %d column(s) for a key of %zu: the key changed since "
		         "it was recorded",
		         st->full, after->n, nkey);
		rc = RC_ERR_FATAL;
		goto out;
	}
	rc_my_sql_str(&sql, "SELECT ");
	for (size_t k = 0; k < nkey; k++) {
		rc_my_sql_str(&sql, k ? ", " : "");
		if (rc_my_sql_ident(&sql, mt.cols[cols[k]].name) != 0)
			goto oom;
	}
	rc_my_sql_str(&sql, " FROM ");
	if (rc_my_sql_ident(&sql, st->schema) != 0)
		goto oom;
	rc_my_sql_str(&sql, ".");
	if (rc_my_sql_ident(&sql, st->name) != 0)
		goto oom;
	if ((rc = add_after(cx->my, &sql, st, &mt, cols, nkey, after, err, errlen)) != RC_OK)
		goto out;
	if (add_order(&sql, &mt, cols, nkey, desc) != 0)
		goto oom;
	snprintf(lim, sizeof lim, " LIMIT %zu, %d", offset, more ? 2 : 1);
	rc_my_sql_str(&sql, lim);
	if (sql.oom)
		goto oom;
	if (mysql_real_query(cx->my, sql.p, (unsigned long)sql.len) != 0 ||
	    !(res = mysql_store_result(cx->my))) {
		snprintf(err, errlen, "cannot read a key of %s: %s", st->full, mysql_error(cx->my));
		rc = rc_mysql_error_class(cx->my);
		goto out;
	}
	if ((row = mysql_fetch_row(res)) != NULL) {
		unsigned long *l = mysql_fetch_lengths(res);
		size_t lens[64];
		if (nkey > sizeof lens / sizeof lens[0]) {
			snprintf(err, errlen, "table %s: a key of %zu columns", st->full, nkey);
			rc = RC_ERR_FATAL;
			goto out;
		}
		for (size_t k = 0; k < nkey; k++)
			lens[k] = l[k];
		rc = key_from_row(st, &mt, cols, nkey, row, lens, key, err, errlen);
		if (more)
			*more = mysql_fetch_row(res) != NULL;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = RC_ERR_FATAL;
out:
	if (rc != RC_OK)
		rc_chunk_key_clear(key);
	mysql_free_result(res);
	free(cols);
	free(sql.p);
	rc_my_table_free(&mt);
	return rc;
}

int rc_my_max_key(void *reader, rc_snap_table_t *st, rc_chunk_key_t *max, char *err, size_t errlen)
{
	return key_at(reader, st, NULL, true, 0, max, NULL, err, errlen);
}

int rc_my_chunk_bound(void *reader, rc_snap_table_t *st, const rc_chunk_key_t *after, size_t limit,
                      rc_chunk_key_t *bound, bool *more, char *err, size_t errlen)
{
	return key_at(reader, st, after, false, limit ? limit - 1 : 0, bound, more, err, errlen);
}

int rc_my_watermark(void *reader, const char *chunk_id, bool high, rc_pos_t *at, char *err, size_t errlen)
{
	rc_my_reader_t *cx = reader;
	bool view = false;
	int rc;

	if ((rc = end_view(cx, err, errlen)) != RC_OK) /* a low watermark no chunk followed */
		return rc;
	if (cx->live && cx->mariadb && !high) {
		if (mysql_query(cx->my, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY") != 0) {
			snprintf(err, errlen, "the consistent read of chunk %s: %s", chunk_id ? chunk_id : "",
			         mysql_error(cx->my));
			return rc_mysql_error_class(cx->my);
		}
		cx->in_view = view = true;
	}
	rc = rc_mysql_binlog_here(cx->my, cx->mariadb, view, at, err, errlen);
	if (rc != RC_OK) {
		char why[RC_ERRSTR_LEN];
		end_view(cx, why, sizeof why);
		return rc;
	}
	if (rc_log_enabled(RC_LOG_DEBUG)) {
		char text[RC_POS_TEXTLEN];
		rc_pos_text(&rc_mysql_pos_codec, at, text, sizeof text);
		rc_log_debug("snapshot", "chunk %s: %s watermark %s", chunk_id ? chunk_id : "",
		             high ? "high" : "low", text);
	}
	return RC_OK;
}

int rc_my_open_live(const rc_conf_t *conf, void **reader, char *err, size_t errlen)
{
	rc_my_reader_t *cx = calloc(1, sizeof *cx);
	int rc;

	*reader = NULL;
	if (!cx) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	cx->conf = conf;
	cx->live = true;
	cx->fetch = (size_t)rc_conf_get_int(conf, "snapshot.fetch.size", 1000);
	if (cx->fetch < 1)
		cx->fetch = 1;
	if (rc_mysql_modes_from_conf(&cx->modes, conf, err, errlen) != 0) {
		rc_my_reader_close(cx, false);
		return RC_ERR_FATAL;
	}
	if (!(cx->my = rc_mysql_connect(conf, err, errlen))) {
		rc_my_reader_close(cx, false);
		return RC_ERR_RETRY;
	}
	/* autocommit stays on: a chunk without a low watermark is one statement, its own read. */
	if ((rc = rc_mysql_snapshot_session(cx->my, err, errlen)) != RC_OK) {
		rc_my_reader_close(cx, false);
		return rc;
	}
	cx->mariadb = strstr(mysql_get_server_info(cx->my), "MariaDB") != NULL;
	cx->thread_id = mysql_thread_id(cx->my);
	*reader = cx;
	return RC_OK;
}
