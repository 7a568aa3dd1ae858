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

#include <pthread.h>
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

static int cat_read(MYSQL *my, const rc_snapshot_point_t *pt, char *err, size_t errlen);

int rc_my_snapshot_plan(const rc_conf_t *conf, const rc_snapshot_point_t *pt, rc_snap_plan_t *plan, char *err,
                        size_t errlen)
{
	MYSQL *my = rc_mysql_connect(conf, err, errlen);
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	int rc = RC_OK;

	if (!my)
		return RC_ERR_RETRY;
	if (mysql_query(my, plan_query) != 0 || !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "cannot list the tables to snapshot: %s", mysql_error(my));
		rc = rc_mysql_error_class(my);
	}
	if (rc == RC_OK && pt)
		rc = cat_read(my, pt, err, errlen);
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

/* Both queries start with TABLE_SCHEMA, TABLE_NAME, so a row of one table's description and a row of
 * the catalog (below) read alike. */
static const char columns_head[] =
    "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, "
    "c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION, co.ID "
    "FROM information_schema.COLUMNS c "
    "LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME WHERE";
static const char columns_tail[] = "ORDER BY c.ORDINAL_POSITION";

static const char key_head[] =
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE";
static const char key_tail[] = "AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX";

#define SYSTEM_SCHEMAS "('mysql', 'sys', 'information_schema', 'performance_schema')"

static const char catalog_columns[] =
    "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, "
    "c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION, co.ID "
    "FROM information_schema.COLUMNS c "
    "LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.COLLATION_NAME "
    "WHERE c.TABLE_SCHEMA NOT IN " SYSTEM_SCHEMAS
    " ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION";

static const char catalog_keys[] =
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
    "WHERE INDEX_NAME = 'PRIMARY' AND TABLE_SCHEMA NOT IN " SYSTEM_SCHEMAS
    " ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX";

/*
 * The catalog: every column and primary key column as information_schema showed them while the
 * point held (the plan at pt runs under the point's lock, where no DDL can run), so that a table
 * altered after the lock went but before its reader reached it is still read as it was at the
 * point, the schema the stream starts from. Rows are sorted by (schema, table) with their order
 * within a table kept; they point into the results, which the catalog owns. Shared by the reader
 * threads under lock; freed when the last reader that used it closes (or by the next plan).
 */
typedef struct cat_row {
	MYSQL_ROW row;
	size_t seq; /* order in the result: ordinal position, key sequence */
} cat_row_t;

static struct {
	pthread_mutex_t lock;
	char name[64]; /* the point's name it was read at; "" = none */
	MYSQL_RES *cols_res, *keys_res;
	cat_row_t *cols, *keys;
	size_t ncols, nkeys;
	int users; /* readers that took it */
} cat = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void cat_free_locked(void)
{
	mysql_free_result(cat.cols_res);
	mysql_free_result(cat.keys_res);
	free(cat.cols);
	free(cat.keys);
	memset(cat.name, 0, sizeof cat.name);
	cat.cols_res = cat.keys_res = NULL;
	cat.cols = cat.keys = NULL;
	cat.ncols = cat.nkeys = 0;
	cat.users = 0;
}

static int cat_cmp(const void *a, const void *b)
{
	const cat_row_t *x = a, *y = b;
	int c = strcmp(x->row[0] ? x->row[0] : "", y->row[0] ? y->row[0] : "");

	if (!c)
		c = strcmp(x->row[1] ? x->row[1] : "", y->row[1] ? y->row[1] : "");
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* A catalog query into its result and its sorted rows. */
static int cat_load(MYSQL *my, const char *sql, MYSQL_RES **res, cat_row_t **rows, size_t *n, char *err,
                    size_t errlen)
{
	MYSQL_ROW row;

	if (mysql_query(my, sql) != 0 || !(*res = mysql_store_result(my))) {
		snprintf(err, errlen, "cannot read the columns of the tables to snapshot: %s",
		         mysql_error(my));
		return rc_mysql_error_class(my);
	}
	*rows = calloc(mysql_num_rows(*res) + 1, sizeof **rows);
	if (!*rows) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	for (*n = 0; (row = mysql_fetch_row(*res)) != NULL; (*n)++) {
		(*rows)[*n].row = row;
		(*rows)[*n].seq = *n;
	}
	qsort(*rows, *n, sizeof **rows, cat_cmp);
	return RC_OK;
}

/* Reads the catalog at pt on my (under the point's lock). */
static int cat_read(MYSQL *my, const rc_snapshot_point_t *pt, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&cat.lock);
	cat_free_locked();
	rc = cat_load(my, catalog_columns, &cat.cols_res, &cat.cols, &cat.ncols, err, errlen);
	if (rc == RC_OK)
		rc = cat_load(my, catalog_keys, &cat.keys_res, &cat.keys, &cat.nkeys, err, errlen);
	if (rc == RC_OK)
		snprintf(cat.name, sizeof cat.name, "%s", pt->name);
	else
		cat_free_locked();
	pthread_mutex_unlock(&cat.lock);
	return rc;
}

/* The rows of schema.name in rows[n] (a run of them): *first and *count. */
static void cat_find(const cat_row_t *rows, size_t n, const char *schema, const char *name, size_t *first,
                     size_t *count)
{
	char *key_row[2] = {(char *)schema, (char *)name};
	cat_row_t key = {.row = key_row, .seq = 0};
	size_t lo = 0, hi = n;

	while (lo < hi) { /* the first row not below (schema, name, 0) */
		size_t mid = lo + (hi - lo) / 2;
		if (cat_cmp(&rows[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = lo; hi < n && strcmp(rows[hi].row[0], schema) == 0 && strcmp(rows[hi].row[1], name) == 0;
	     hi++)
		;
	*count = hi - lo;
}

bool rc_my_catalog_take(const rc_snapshot_point_t *pt)
{
	bool ok;

	pthread_mutex_lock(&cat.lock);
	ok = cat.name[0] && strcmp(cat.name, pt->name) == 0;
	if (ok)
		cat.users++;
	pthread_mutex_unlock(&cat.lock);
	return ok;
}

void rc_my_catalog_release(void)
{
	pthread_mutex_lock(&cat.lock);
	if (cat.users > 0 && --cat.users == 0)
		cat_free_locked();
	pthread_mutex_unlock(&cat.lock);
}

/* One row of a columns query into c (its fields after TABLE_SCHEMA, TABLE_NAME). */
static int fill_col(rc_my_col_t *c, MYSQL_ROW all, const char *full, char *err, size_t errlen)
{
	rc_mysql_coldef_t *d = &c->def;
	MYSQL_ROW row = all + 2;

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
	if (d->kind == RC_MY_CHAR || d->kind == RC_MY_VARCHAR)
		d->char_length = paren_number(c->column_type);
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
bool rc_my_key_pageable(rc_mysql_kind_t k)
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

/* Builds out from the rows of the table's columns (cols[n]) and of its primary key (keys[nkeys]). */
static int build(const rc_conf_t *conf, const rc_mysql_modes_t *modes, const char *schema, const char *name,
                 MYSQL_ROW *cols, size_t n, MYSQL_ROW *keys, size_t nkeys, rc_my_table_t *out, char *err,
                 size_t errlen)
{
	char *topic = NULL, *keyconf = NULL, full[512];
	int rc;

	snprintf(full, sizeof full, "%s.%s", schema, name);
	if (n == 0) {
		snprintf(err, errlen, "table %s has no columns: dropped after the snapshot's point", full);
		return RC_ERR_RETRY;
	}
	if (!(out->cols = calloc(n, sizeof *out->cols)) || !(out->key = calloc(n, sizeof *out->key))) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	for (size_t i = 0; i < n; i++) {
		rc_my_col_t *c = &out->cols[out->ncols++];
		rc = fill_col(c, cols[i], full, err, errlen);
		if (rc != RC_OK)
			return rc;
		/* Every column, as the stream's TABLE_MAP gives them: the two keep one schema, and
		 * column.exclude.list applies to both after (agent/column_map.h). */
		c->col = (int)i;
	}
	for (size_t k = 0; k < nkeys; k++)
		for (size_t i = 0; keys[k][2] && i < out->ncols; i++)
			if (strcmp(out->cols[i].name, keys[k][2]) == 0 && !out->cols[i].key_seq) {
				out->cols[i].def.key = out->cols[i].vdef.key = true;
				out->key[out->nkey++] = (int)i;
				out->cols[i].key_seq = (int)out->nkey;
			}
	out->keyset = out->nkey > 0;
	for (size_t k = 0; k < out->nkey; k++)
		if (!rc_my_key_pageable(out->cols[out->key[k]].def.kind))
			out->keyset = false;
	rc = RC_ERR_FATAL;
	if (!(topic = rc_topic_name(conf, schema, name)) ||
	    !(out->table = rc_table_new(schema, name, topic, n))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < out->ncols; i++) {
		rc = rc_mysql_column_init(&out->table->cols[i], i, &out->cols[i].def, modes, err, errlen);
		if (rc != RC_OK)
			goto out;
	}
	/* message.key.columns names the event key as the stream's naming does (mysql_tables.c); the
	 * reader still pages by the primary key. */
	if ((keyconf = rc_key_columns_configured(conf, schema, name)) != NULL)
		for (size_t i = 0; i < out->table->ncols; i++) {
			rc_column_t *col = &out->table->cols[i];
			col->key = rc_name_in_list(keyconf, col->name);
			if (col->key)
				col->optional = false;
		}
	rc_table_count_keys(out->table);
	rc = RC_OK;
out:
	free(topic);
	free(keyconf);
	return rc;
}

/* The rows of a stored result. */
static MYSQL_ROW *rows_of(MYSQL_RES *res, size_t *n)
{
	MYSQL_ROW *rows = calloc(mysql_num_rows(res) + 1, sizeof *rows), row;

	*n = 0;
	while (rows && (row = mysql_fetch_row(res)) != NULL)
		rows[(*n)++] = row;
	return rows;
}

int rc_my_table_describe(MYSQL *my, const rc_conf_t *conf, const rc_mysql_modes_t *modes, bool use_catalog,
                         const char *schema, const char *name, rc_my_table_t *out, char *err, size_t errlen)
{
	MYSQL_RES *cres = NULL, *kres = NULL;
	MYSQL_ROW *cols = NULL, *keys = NULL;
	size_t ncols = 0, nkeys = 0, first, count;
	int rc = RC_ERR_FATAL;
	bool found = false;

	memset(out, 0, sizeof *out);
	if (use_catalog) {
		pthread_mutex_lock(&cat.lock);
		cat_find(cat.cols, cat.ncols, schema, name, &first, &count);
		if (count && (cols = calloc(count, sizeof *cols)) != NULL) {
			for (size_t i = 0; i < count; i++)
				cols[ncols++] = cat.cols[first + i].row;
			cat_find(cat.keys, cat.nkeys, schema, name, &first, &count);
			if ((keys = calloc(count + 1, sizeof *keys)) != NULL) {
				for (size_t i = 0; i < count; i++)
					keys[nkeys++] = cat.keys[first + i].row;
				found = true;
				/* Built under the lock: the rows belong to the catalog. */
				rc = build(conf, modes, schema, name, cols, ncols, keys, nkeys, out, err,
				           errlen);
			}
		}
		pthread_mutex_unlock(&cat.lock);
		if (!found && count && (!cols || !keys))
			snprintf(err, errlen, "out of memory");
		if (found || (count && (!cols || !keys)))
			goto out;
		/* Not in the catalog: made after the point (its rows are streamed), or the catalog is of
		 * another point; information_schema now says what it is. */
	}
	cres = query_table(my, columns_head, columns_tail, schema, name, err, errlen, &rc);
	if (rc == RC_OK)
		kres = query_table(my, key_head, key_tail, schema, name, err, errlen, &rc);
	if (rc != RC_OK)
		goto out;
	cols = rows_of(cres, &ncols);
	keys = rows_of(kres, &nkeys);
	if (!cols || !keys) {
		snprintf(err, errlen, "out of memory");
		rc = RC_ERR_FATAL;
		goto out;
	}
	rc = build(conf, modes, schema, name, cols, ncols, keys, nkeys, out, err, errlen);
out:
	free(cols);
	free(keys);
	mysql_free_result(cres);
	mysql_free_result(kres);
	if (rc != RC_OK)
		rc_my_table_free(out);
	return rc;
}
