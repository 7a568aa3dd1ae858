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

/* Compiles value, a comma-separated list of regular expressions each matched against a whole name
 * (anchored), into l (caller frees with rc_regex_list_free). NULL or "" gives an empty list. Returns
 * 0, or -1 with prop and the pattern at fault named in err. */
int rc_regex_list_compile(rc_regex_list_t *l, const char *prop, const char *value, char *err, size_t errlen);

/* True when one of the patterns of l matches the whole of s. */
bool rc_regex_list_any(const rc_regex_list_t *l, const char *s);

void rc_regex_list_free(rc_regex_list_t *l);

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
