#include "config.h"

#include "decoders/postgres/pg_relcache.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "agent/naming.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_defaults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rc_pg_relcache_init(rc_pg_relcache_t *rc, const rc_conf_t *conf, PGconn *sql, char *err, size_t errlen)
{
	memset(rc, 0, sizeof *rc);
	rc->conf = conf;
	rc->sql = sql;
	if (rc_filter_init(&rc->filter, conf, err, errlen) != 0)
		return -1;
	if (rc_pg_type_opts_from_conf(&rc->type_opts, conf, err, errlen) != 0) {
		rc_filter_free(&rc->filter);
		return -1;
	}
	rc->types = rc_pg_typecache_new();
	if (!rc->types) {
		rc_filter_free(&rc->filter);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void rel_clear(rc_pg_rel_t *rel)
{
	rc_table_release(rel->table);
	free(rel->att_col);
	rel->table = NULL;
	rel->att_col = NULL;
}

void rc_pg_relcache_destroy(rc_pg_relcache_t *rc)
{
	for (size_t i = 0; i < rc->n; i++)
		rel_clear(&rc->rels[i]);
	free(rc->rels);
	rc_filter_free(&rc->filter);
	rc_pg_typecache_free(rc->types);
	memset(rc, 0, sizeof *rc);
}

const rc_pg_rel_t *rc_pg_relcache_get(const rc_pg_relcache_t *rc, uint32_t relid)
{
	for (size_t i = 0; i < rc->n; i++)
		if (rc->rels[i].relid == relid)
			return &rc->rels[i];
	return NULL;
}

void rc_pg_relcache_type_changed(rc_pg_relcache_t *rc, uint32_t oid)
{
	rc_pg_typecache_invalidate(rc->types, oid);
}

static bool conn_lost(PGconn *sql)
{
	return PQstatus(sql) != CONNECTION_OK;
}

/* The primary key's column names as ",a,b," (caller frees); "" when the table has none. */
static char *primary_key_columns(PGconn *sql, uint32_t relid, char *err, size_t errlen)
{
	char oid[16], *out = NULL;
	const char *params[1] = {oid};
	PGresult *res;

	snprintf(oid, sizeof oid, "%u", relid);
	res = PQexecParams(
	    sql,
	    "SELECT ',' || coalesce(string_agg(a.attname, ',' ORDER BY a.attnum), '') || ',' "
	    "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
	    "WHERE i.indrelid = $1::oid AND i.indisprimary",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		snprintf(err, errlen, "cannot read the primary key of relation %u: %s", relid,
		         PQresultErrorMessage(res));
	else
		out = strdup(strcmp(PQgetvalue(res, 0, 0), ",,") == 0 ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return out;
}

/* Per attribute: NOT NULL, the declared type's name and typtype, and the DEFAULT expression (not a
 * generated column's), which Debezium reads from the JDBC metadata of the table (columns' nullability
 * and COLUMN_DEF). NOT NULL as pgjdbc's getColumns says it: the column's own or its domain's (a
 * column of a NOT NULL domain is required in Debezium's schema; the domain's DEFAULT is not the
 * column's, so it is no field default there). NULL with err filled when the query failed. */
static PGresult *column_catalog(PGconn *sql, uint32_t relid, char *err, size_t errlen)
{
	char oid[16], query[1024];
	const char *params[1] = {oid};
	PGresult *res;

	snprintf(oid, sizeof oid, "%u", relid);
	snprintf(query, sizeof query,
	         "SELECT a.attname, a.attnotnull OR (t.typtype = 'd' AND t.typnotnull), t.typname, "
	         "t.typtype, "
	         "CASE WHEN %s THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END "
	         "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
	         "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
	         "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped",
	         PQserverVersion(sql) >= 120000 ? "a.attgenerated = ''" : "true");
	res = PQexecParams(sql, query, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read the columns of relation %u: %s", relid,
		         PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The catalog row of attribute name, or -1. */
static int catalog_row(const PGresult *res, const char *name)
{
	for (int r = 0; r < PQntuples(res); r++)
		if (strcmp(PQgetvalue(res, r, 0), name) == 0)
			return r;
	return -1;
}

int rc_pg_relcache_build(rc_pg_relcache_t *cache, const char *nsp, const char *rel, uint32_t relid,
                         const rc_pgo_attr_t *attrs, int natts, rc_table_t **out, int **att_col, char *err,
                         size_t errlen)
{
	char *topic = NULL, *keys = NULL;
	rc_table_t *t = NULL;
	PGresult *cat = NULL;
	int ncols = 0, ret = RC_ERR_FATAL;

	*out = NULL;
	*att_col = calloc((size_t)(natts ? natts : 1), sizeof **att_col);
	if (!*att_col)
		goto oom;
	if (!rc_filter_table(&cache->filter, nsp, rel)) {
		for (int i = 0; i < natts; i++)
			(*att_col)[i] = -1;
		return RC_OK;
	}
	topic = rc_topic_name(cache->conf, nsp, rel);
	keys = rc_key_columns_configured(cache->conf, nsp, rel);
	if (!keys) {
		keys = primary_key_columns(cache->sql, relid, err, errlen);
		if (!keys)
			goto out;
	}
	for (int i = 0; i < natts; i++) {
		/* an excluded key column stays, for the key: the column mappers leave it out of the
		 * value (agent/column_map.h), as Debezium does */
		bool excluded = !rc_name_in_list(keys, attrs[i].name) &&
		                rc_filter_column_excluded(&cache->filter, nsp, rel, attrs[i].name);
		const rc_pg_typeinfo_t *ti;

		if (!excluded && !cache->type_opts.include_unknown && !rc_name_in_list(keys, attrs[i].name)) {
			ret = rc_pg_typecache_lookup(cache->types, cache->sql, attrs[i].type_oid, &ti, err,
			                             errlen);
			if (ret != RC_OK)
				goto out; /* a lost catalog connection is retried with the stream */
			ret = RC_ERR_FATAL;
			if (!rc_pg_type_debezium_known(ti)) {
				/* As Debezium (include.unknown.datatypes=false): no schema, no field; said
				 * at each description of the table, never silently */
				rc_log_warn(
				    "pg",
				    "table %s.%s column %s: type %s has no Debezium schema; left out as "
				    "Debezium does (include.unknown.datatypes=true publishes its text)",
				    nsp, rel, attrs[i].name, ti->name);
				excluded = true;
			}
		}
		(*att_col)[i] = excluded ? -1 : ncols++;
	}
	cat = column_catalog(cache->sql, relid, err, errlen);
	if (!cat) {
		ret = conn_lost(cache->sql) ? RC_ERR_RETRY : RC_ERR_FATAL;
		goto out;
	}
	t = topic ? rc_table_new(nsp, rel, topic, (size_t)ncols) : NULL;
	if (!t)
		goto oom;
	t->source_id = relid;
	t->check_utf8 = rc_pg_sql_ascii(cache->sql);
	for (int i = 0; i < natts; i++) {
		const rc_pgo_attr_t *a = &attrs[i];
		rc_column_t *col;
		const rc_pg_typeinfo_t *ti;

		if ((*att_col)[i] < 0)
			continue;
		col = &t->cols[(*att_col)[i]];
		if (rc_column_set_names(col, a->name, NULL) != 0)
			goto oom;
		ret = rc_pg_typecache_lookup(cache->types, cache->sql, a->type_oid, &ti, err, errlen);
		if (ret != RC_OK)
			goto out; /* a lost catalog connection is retried with the stream */
		ret = RC_ERR_FATAL;
		if (rc_pg_column_map(col, ti, a->typmod, &cache->type_opts, err, errlen) != 0)
			goto out;
		col->key = rc_name_in_list(keys, a->name);
		{
			int r = catalog_row(cat, a->name);
			/* Debezium's optionality: NOT NULL columns are required (a primary key's are) */
			col->optional = r < 0 || strcmp(PQgetvalue(cat, r, 1), "t") != 0;
			if (r >= 0 &&
			    rc_pg_column_default(col, PQgetvalue(cat, r, 2), PQgetvalue(cat, r, 3)[0],
			                         PQgetisnull(cat, r, 4) ? NULL : PQgetvalue(cat, r, 4), err,
			                         errlen) != 0)
				goto out;
		}
	}
	rc_table_count_keys(t);
	{
		/* keys is ",a,b,": shown as "a,b" */
		size_t klen = strlen(keys);
		char full[512];
		snprintf(full, sizeof full, "%s.%s", nsp, rel);
		rc_log_kv(RC_LOG_INFO, "pg", &(rc_log_fields_t){.table = full},
		          "table %s: %zu columns, key (%.*s), topic %s", full, t->ncols,
		          t->nkey ? (int)(klen > 2 ? klen - 2 : 0) : 15,
		          t->nkey ? keys + 1 : "none: null keys", t->topic);
	}
	*out = t;
	t = NULL;
	ret = RC_OK;
	goto out;
oom:
	snprintf(err, errlen, "out of memory describing %s.%s", nsp, rel);
out:
	if (ret != RC_OK) {
		char why[1024];
		snprintf(why, sizeof why, "%s", err);
		snprintf(err, errlen, "table %s.%s: %s", nsp, rel, why);
		free(*att_col);
		*att_col = NULL;
	}
	rc_table_release(t);
	PQclear(cat);
	free(topic);
	free(keys);
	return ret;
}

int rc_pg_relcache_update(rc_pg_relcache_t *rc, const rc_pgo_msg_t *msg, char *err, size_t errlen)
{
	rc_pg_rel_t *slot = (rc_pg_rel_t *)rc_pg_relcache_get(rc, msg->relation.relid);
	rc_table_t *t;
	int *att_col, ret;

	ret = rc_pg_relcache_build(rc, msg->relation.nspname, msg->relation.relname, msg->relation.relid,
	                           msg->relation.attrs, msg->relation.natts, &t, &att_col, err, errlen);
	if (ret != RC_OK)
		return ret;
	if (!slot) {
		if (rc->n == rc->cap) {
			size_t cap = rc->cap ? rc->cap * 2 : 16;
			rc_pg_rel_t *grown = realloc(rc->rels, cap * sizeof *grown);
			if (!grown) {
				rc_table_release(t);
				free(att_col);
				snprintf(err, errlen, "out of memory");
				return RC_ERR_FATAL;
			}
			rc->rels = grown;
			rc->cap = cap;
		}
		slot = &rc->rels[rc->n++];
		memset(slot, 0, sizeof *slot);
	} else {
		rel_clear(slot);
	}
	slot->relid = msg->relation.relid;
	slot->table = t;
	slot->natts = msg->relation.natts;
	slot->att_col = att_col;
	return RC_OK;
}

int rc_pg_relcache_values(const rc_pg_rel_t *rel, const rc_pgo_tuple_t *tup, rc_arena_t *arena,
                          rc_value_t **out, char *err, size_t errlen)
{
	const rc_table_t *t = rel->table;
	rc_value_t *vals;

	if (tup->ncols != rel->natts) {
		snprintf(err, errlen, "table %s.%s: tuple has %d columns, the relation %d", t->schema_name,
		         t->name, tup->ncols, rel->natts);
		return RC_ERR_FATAL;
	}
	vals = rc_arena_calloc(arena, t->ncols ? t->ncols : 1, sizeof *vals);
	if (!vals) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	for (int i = 0; i < tup->ncols; i++) {
		const rc_pgo_col_t *c = &tup->cols[i];
		int ci = rel->att_col[i];
		char why[512];

		if (ci < 0)
			continue;
		switch (c->kind) {
		case RC_PGO_COL_NULL:
			vals[ci].state = RC_V_NULL;
			break;
		case RC_PGO_COL_UNCHANGED:
			vals[ci].state = RC_V_UNCHANGED;
			break;
		case RC_PGO_COL_TEXT:
			if (rc_pg_value_from_text(&t->cols[ci], (const char *)c->data, c->len, arena,
			                          &vals[ci], why, sizeof why) != 0) {
				snprintf(err, errlen, "table %s.%s: %s", t->schema_name, t->name, why);
				return RC_ERR_FATAL;
			}
			break;
		default:
			snprintf(err, errlen,
			         "table %s.%s column %s: binary values are not requested, got kind '%c'",
			         t->schema_name, t->name, t->cols[ci].name, (char)c->kind);
			return RC_ERR_FATAL;
		}
	}
	*out = vals;
	return RC_OK;
}

void rc_pg_relcache_relax(rc_pg_relcache_t *rc, uint32_t relid, const rc_pgo_tuple_t *tup)
{
	rc_pg_rel_t *rel = (rc_pg_rel_t *)rc_pg_relcache_get(rc, relid);
	rc_table_t *t = rel ? rel->table : NULL;

	for (int i = 0; t && i < tup->ncols && i < rel->natts; i++) {
		int ci = rel->att_col[i];
		rc_column_t *col = ci >= 0 ? &t->cols[ci] : NULL;

		if (!col || col->optional || tup->cols[i].kind != RC_PGO_COL_NULL)
			continue;
		rc_log_warn(
		    "pg",
		    "table %s.%s column %s: NULL in a column the catalog now says is NOT NULL (changed since this row was written): the column is optional in the value schema from here on",
		    t->schema_name, t->name, col->name);
		col->optional = true;
		t->value_schema_id = -1; /* the encoder registers the changed schema */
	}
}
