/*
 * Which tables and columns are captured: table.include.list / table.exclude.list (and the schema
 * lists; for MySQL/MariaDB database.include.list / database.exclude.list, the schema being the
 * database) as comma-separated regular expressions matched against the whole "schema.table" name, and
 * column.exclude.list against "schema.table.column", as Debezium does.
 */
#ifndef RC_FILTER_H
#define RC_FILTER_H

#include "agent/conf.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct rc_regex_list {
	regex_t *re;
	size_t n;
} rc_regex_list_t;

typedef struct rc_filter {
	rc_regex_list_t table_incl, table_excl, schema_incl, schema_excl, db_incl, db_excl, column_excl;
} rc_filter_t;

/* Compiles the lists of conf. Returns 0, or -1 with the property and pattern named in err. */
int rc_filter_init(rc_filter_t *f, const rc_conf_t *conf, char *err, size_t errlen);
void rc_filter_free(rc_filter_t *f);

/* True when schema.table is captured. */
bool rc_filter_table(const rc_filter_t *f, const char *schema, const char *table);

/* True when the schema (MySQL: database) lists let schema through, whatever its tables. */
bool rc_filter_database(const rc_filter_t *f, const char *schema);

/* True when the column is left out of events. */
bool rc_filter_column_excluded(const rc_filter_t *f, const char *schema, const char *table,
                               const char *column);

#endif
