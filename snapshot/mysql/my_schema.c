/*
 * The MySQL/MariaDB side of planning a snapshot (which tables, how large) and of describing a table
 * (information_schema.COLUMNS and STATISTICS into rc_mysql_coldef_t, then the shared mapping of
 * decoders/mysql/mysql_types.h, so the snapshot's schema is the stream's).
 */
#include "config.h"

#include "snapshot/mysql/my_snapshot.h"

#include "agent/errors.h"
#include "agent/naming.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_snapshot_point.h"
#include "snapshot/mysql/my_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The collation MySQL and MariaDB both number 45: utf8mb4_general_ci. The readers' sessions use
 * utf8mb4, so every text column arrives in it, whatever its own charset. */
#define UTF8MB4_COLLATION 45
#define BINARY_COLLATION 63

static const char plan_query[] =
    "SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(DATA_LENGTH, 0), COALESCE(TABLE_ROWS, -1) "
    "FROM information_schema.TABLES "
    "WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') "
    "AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') "
    "ORDER BY 3 DESC, 1, 2";

int rc_my_snapshot_plan(const rc_conf_t *conf, const rc_snapshot_point_t *pt, rc_snap_plan_t *plan, char *err,
                        size_t errlen)
{
	MYSQL *my = rc_mysql_connect(conf, err, errlen);
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	int rc = RC_OK;

	(void)pt;
	if (!my)
		return RC_ERR_RETRY;
	if (mysql_query(my, plan_query) != 0 || !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "cannot list the tables to snapshot: %s", mysql_error(my));
		rc = rc_mysql_error_class(my);
	}
	while (rc == RC_OK && (row = mysql_fetch_row(res)) != NULL) {
		if (!row[0] || !row[1])
			continue;
		if (rc_snap_plan_add(plan, row[0], row[1], 0, 'r', row[2] ? strtoll(row[2], NULL, 10) : 0,
		                     row[3] ? strtod(row[3], NULL) : -1) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
		}
	}
	mysql_free_result(res);
	mysql_close(my);
	return rc;
}

static const struct {
	const char *name;
	rc_mysql_kind_t kind;
} kinds[] = {
    {"tinyint", RC_MY_TINYINT},
    {"smallint", RC_MY_SMALLINT},
    {"mediumint", RC_MY_MEDIUMINT},
    {"int", RC_MY_INT},
    {"integer", RC_MY_INT},
    {"bigint", RC_MY_BIGINT},
    {"float", RC_MY_FLOAT},
    {"double", RC_MY_DOUBLE},
    {"double precision", RC_MY_DOUBLE},
    {"real", RC_MY_DOUBLE},
    {"decimal", RC_MY_DECIMAL},
    {"numeric", RC_MY_DECIMAL},
    {"bit", RC_MY_BIT},
    {"year", RC_MY_YEAR},
    {"date", RC_MY_DATE},
    {"time", RC_MY_TIME},
    {"datetime", RC_MY_DATETIME},
    {"timestamp", RC_MY_TIMESTAMP},
    {"char", RC_MY_CHAR},
    {"varchar", RC_MY_VARCHAR},
    {"tinytext", RC_MY_TEXT},
    {"text", RC_MY_TEXT},
    {"mediumtext", RC_MY_TEXT},
    {"longtext", RC_MY_TEXT},
    {"binary", RC_MY_BINARY},
    {"varbinary", RC_MY_VARBINARY},
    {"tinyblob", RC_MY_BLOB},
    {"blob", RC_MY_BLOB},
    {"mediumblob", RC_MY_BLOB},
    {"longblob", RC_MY_BLOB},
    {"enum", RC_MY_ENUM},
    {"set", RC_MY_SET},
    {"json", RC_MY_JSON},
    {"geometry", RC_MY_GEOMETRY},
    {"point", RC_MY_GEOMETRY},
    {"linestring", RC_MY_GEOMETRY},
    {"polygon", RC_MY_GEOMETRY},
    {"multipoint", RC_MY_GEOMETRY},
    {"multilinestring", RC_MY_GEOMETRY},
    {"multipolygon", RC_MY_GEOMETRY},
    {"geometrycollection", RC_MY_GEOMETRY},
    {"geomcollection", RC_MY_GEOMETRY},
    {"vector", RC_MY_VECTOR},
};

static int kind_of(const char *data_type, rc_mysql_kind_t *kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcasecmp(kinds[i].name, data_type) == 0) {
			*kind = kinds[i].kind;
			return 0;
		}
	return -1;
}

static bool is_text(rc_mysql_kind_t k)
{
	return k == RC_MY_CHAR || k == RC_MY_VARCHAR || k == RC_MY_TEXT;
}

/* The number in "bit(12)" / "vector(3)", or 0. */
static int32_t paren_number(const char *column_type)
{
	const char *p = strchr(column_type, '(');

	return p ? (int32_t)strtol(p + 1, NULL, 10) : 0;
}

void rc_my_table_free(rc_my_table_t *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncols; i++) {
		rc_my_col_t *c = &t->cols[i];
		for (uint32_t k = 0; k < c->def.nlabels; k++)
			free(c->labels[k]);
		free(c->labels);
		free(c->name);
		free(c->column_type);
	}
	free(t->cols);
	free(t->key);
	rc_table_release(t->table);
	memset(t, 0, sizeof *t);
}

/* Runs a query about one table (head, then "TABLE_SCHEMA = 'schema' AND TABLE_NAME = 'name'", then
 * tail) into a stored result, the literals escaped. */
static MYSQL_RES *query_table(MYSQL *my, const char *head, const char *tail, const char *schema,
                              const char *name, char *err, size_t errlen, int *rc)
{
	size_t ls = strlen(schema), ln = strlen(name);
	char *es = malloc(2 * ls + 1), *en = malloc(2 * ln + 1), *sql = NULL;
	MYSQL_RES *res = NULL;

	*rc = RC_ERR_FATAL;
	if (!es || !en) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	mysql_real_escape_string(my, es, schema, (unsigned long)ls);
	mysql_real_escape_string(my, en, name, (unsigned long)ln);
	if (asprintf(&sql, "%s TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s' %s", head, es, en, tail) < 0) {
		sql = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (mysql_query(my, sql) != 0 || !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "cannot describe %s.%s: %s", schema, name, mysql_error(my));
		*rc = rc_mysql_error_class(my);
		goto out;
	}
	*rc = RC_OK;
out:
	free(es);
	free(en);
	free(sql);
	return res;
}

static const char columns_head[] =
    "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, c.NUMERIC_PRECISION, "
    "c.NUMERIC_SCALE, c.DATETIME_PRECISION, co.ID "
    "FROM information_schema.COLUMNS c "
    "LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME WHERE";
static const char columns_tail[] = "ORDER BY c.ORDINAL_POSITION";

static const char key_head[] = "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE";
static const char key_tail[] = "AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX";

/* One row of columns_query into c. */
static int fill_col(rc_my_col_t *c, MYSQL_ROW row, const char *full, char *err, size_t errlen)
{
	rc_mysql_coldef_t *d = &c->def;

	c->name = strdup(row[0] ? row[0] : "");
	c->column_type = strdup(row[2] ? row[2] : "");
	if (!c->name || !c->column_type) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	if (!row[1] || kind_of(row[1], &d->kind) != 0) {
		snprintf(err, errlen, "table %s: column %s has type %s, which rowcast cannot map", full,
		         c->name, row[2] ? row[2] : "?");
		return RC_ERR_FATAL;
	}
	d->name = c->name;
	d->source_type = c->column_type;
	d->is_unsigned = strstr(c->column_type, "unsigned") != NULL;
	d->nullable = row[3] && strcmp(row[3], "YES") == 0;
	if (d->kind == RC_MY_DECIMAL) {
		d->precision = row[4] ? (int32_t)strtol(row[4], NULL, 10) : 0;
		d->scale = row[5] ? (int32_t)strtol(row[5], NULL, 10) : 0;
	}
	if (d->kind == RC_MY_TIME || d->kind == RC_MY_DATETIME || d->kind == RC_MY_TIMESTAMP)
		d->fsp = row[6] ? (int32_t)strtol(row[6], NULL, 10) : 0;
	if (d->kind == RC_MY_BIT || d->kind == RC_MY_VECTOR)
		d->length = paren_number(c->column_type);
	if (d->kind == RC_MY_BIT && d->length == 0)
		d->length = 1; /* "bit" alone is BIT(1) */
	d->collation = row[7] ? (uint32_t)strtoul(row[7], NULL, 10) : BINARY_COLLATION;
	if (d->kind == RC_MY_ENUM || d->kind == RC_MY_SET) {
		if (rc_my_parse_labels(c->column_type, &c->labels, &d->nlabels) != 0) {
			snprintf(err, errlen, "table %s: column %s: cannot read the labels of %s", full,
			         c->name, c->column_type);
			return RC_ERR_FATAL;
		}
		d->labels = (const char *const *)c->labels;
	}
	c->vdef = *d;
	if (is_text(d->kind) && d->collation != BINARY_COLLATION)
		c->vdef.collation = UTF8MB4_COLLATION;
	c->col = -1;
	return RC_OK;
}

/* Can rows be paged by "key > last" in ORDER BY key order? Only where the server compares and
 * sorts the text it sends alike: numbers, temporal values, short strings. Not FLOAT/DOUBLE (the text
 * rounds), ENUM/SET (sorted by index, compared as text), BIT, TEXT/BLOB (sorted on a prefix),
 * JSON, GEOMETRY. */
static bool pageable(rc_mysql_kind_t k)
{
	switch (k) {
	case RC_MY_TINYINT:
	case RC_MY_SMALLINT:
	case RC_MY_MEDIUMINT:
	case RC_MY_INT:
	case RC_MY_BIGINT:
	case RC_MY_DECIMAL:
	case RC_MY_YEAR:
	case RC_MY_DATE:
	case RC_MY_TIME:
	case RC_MY_DATETIME:
	case RC_MY_TIMESTAMP:
	case RC_MY_CHAR:
	case RC_MY_VARCHAR:
	case RC_MY_BINARY:
	case RC_MY_VARBINARY:
		return true;
	default:
		return false;
	}
}

int rc_my_table_describe(MYSQL *my, const rc_conf_t *conf, const rc_mysql_modes_t *modes, const char *schema,
                         const char *name, rc_my_table_t *out, char *err, size_t errlen)
{
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	char *topic = NULL, *keys = NULL, full[512];
	size_t n, ncols = 0;
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(full, sizeof full, "%s.%s", schema, name);
	res = query_table(my, columns_head, columns_tail, schema, name, err, errlen, &rc);
	if (rc != RC_OK)
		goto out;
	n = mysql_num_rows(res);
	if (n == 0) {
		snprintf(err, errlen, "table %s has no columns: dropped after the snapshot's point", full);
		rc = RC_ERR_RETRY;
		goto out;
	}
	if (!(out->cols = calloc(n, sizeof *out->cols)) || !(out->key = calloc(n, sizeof *out->key))) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	while ((row = mysql_fetch_row(res)) != NULL && out->ncols < n) {
		rc_my_col_t *c = &out->cols[out->ncols++];
		rc = fill_col(c, row, full, err, errlen);
		if (rc != RC_OK)
			goto out;
		/* Every column, as the stream's TABLE_MAP gives them (it applies no column.exclude.list
		 * either: the two must keep one schema). */
		c->col = (int)ncols++;
	}
	mysql_free_result(res);
	res = query_table(my, key_head, key_tail, schema, name, err, errlen, &rc);
	if (rc != RC_OK)
		goto out;
	while ((row = mysql_fetch_row(res)) != NULL)
		for (size_t i = 0; row[0] && i < out->ncols; i++)
			if (strcmp(out->cols[i].name, row[0]) == 0 && !out->cols[i].key_seq) {
				out->cols[i].def.key = out->cols[i].vdef.key = true;
				out->key[out->nkey++] = (int)i;
				out->cols[i].key_seq = (int)out->nkey;
			}
	out->keyset = out->nkey > 0;
	for (size_t k = 0; k < out->nkey; k++)
		if (!pageable(out->cols[out->key[k]].def.kind))
			out->keyset = false;
	if (!(topic = rc_topic_name(conf, schema, name)) ||
	    !(out->table = rc_table_new(schema, name, topic, ncols))) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	for (size_t i = 0; i < out->ncols; i++) {
		rc_my_col_t *c = &out->cols[i];
		if (c->col < 0)
			continue;
		rc = rc_mysql_column_init(&out->table->cols[c->col], i, &c->def, modes, err, errlen);
		if (rc != RC_OK)
			goto out;
	}
	/* message.key.columns names the event key as the stream's naming does (mysql_tables.c); the
	 * reader still pages by the primary key. */
	if ((keys = rc_key_columns_configured(conf, schema, name)) != NULL)
		for (size_t i = 0; i < out->table->ncols; i++) {
			rc_column_t *col = &out->table->cols[i];
			col->key = rc_name_in_list(keys, col->name);
			if (col->key)
				col->optional = false;
		}
	rc_table_count_keys(out->table);
	rc = RC_OK;
out:
	free(topic);
	free(keys);
	mysql_free_result(res);
	if (rc != RC_OK)
		rc_my_table_free(out);
	return rc;
}
