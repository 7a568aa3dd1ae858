#include "config.h"

#include "agent/filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rc_regex_list_compile(rc_regex_list_t *l, const char *prop, const char *value, char *err, size_t errlen)
{
	char *copy, *save = NULL, *pat;

	l->re = NULL;
	l->n = 0;
	if (!value || !*value)
		return 0;
	copy = strdup(value);
	l->re = calloc(strlen(value) / 2 + 2, sizeof *l->re); /* at most one pattern per two bytes */
	if (!copy || !l->re) {
		free(copy);
		snprintf(err, errlen, "%s: out of memory", prop);
		return -1;
	}
	for (pat = strtok_r(copy, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
		char anchored[1024];
		while (*pat == ' ')
			pat++;
		for (char *end = pat + strlen(pat); end > pat && end[-1] == ' ';)
			*--end = '\0';
		if (!*pat)
			continue;
		/* Debezium matches the whole name, not a substring, and without regard to case
		 * (io.debezium.function.Predicates.includes: Pattern.CASE_INSENSITIVE). */
		snprintf(anchored, sizeof anchored, "^(%s)$", pat);
		if (regcomp(&l->re[l->n], anchored, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0) {
			snprintf(err, errlen, "%s: pattern '%s' is not a valid regular expression", prop,
			         pat);
			free(copy);
			return -1;
		}
		l->n++;
	}
	free(copy);
	return 0;
}

static int compile_list(rc_regex_list_t *l, const rc_conf_t *conf, const char *prop, char *err, size_t errlen)
{
	return rc_regex_list_compile(l, prop, rc_conf_get(conf, prop), err, errlen);
}

bool rc_regex_list_any(const rc_regex_list_t *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (regexec(&l->re[i], s, 0, NULL, 0) == 0)
			return true;
	return false;
}

void rc_regex_list_free(rc_regex_list_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		regfree(&l->re[i]);
	free(l->re);
	l->re = NULL;
	l->n = 0;
}

int rc_filter_init(rc_filter_t *f, const rc_conf_t *conf, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	if (compile_list(&f->table_incl, conf, "table.include.list", err, errlen) != 0 ||
	    compile_list(&f->table_excl, conf, "table.exclude.list", err, errlen) != 0 ||
	    compile_list(&f->schema_incl, conf, "schema.include.list", err, errlen) != 0 ||
	    compile_list(&f->schema_excl, conf, "schema.exclude.list", err, errlen) != 0 ||
	    compile_list(&f->db_incl, conf, "database.include.list", err, errlen) != 0 ||
	    compile_list(&f->db_excl, conf, "database.exclude.list", err, errlen) != 0 ||
	    compile_list(&f->column_excl, conf, "column.exclude.list", err, errlen) != 0) {
		rc_filter_free(f);
		return -1;
	}
	return 0;
}

void rc_filter_free(rc_filter_t *f)
{
	rc_regex_list_free(&f->table_incl);
	rc_regex_list_free(&f->table_excl);
	rc_regex_list_free(&f->schema_incl);
	rc_regex_list_free(&f->schema_excl);
	rc_regex_list_free(&f->db_incl);
	rc_regex_list_free(&f->db_excl);
	rc_regex_list_free(&f->column_excl);
}

bool rc_filter_database(const rc_filter_t *f, const char *schema)
{
	if (f->schema_incl.n && !rc_regex_list_any(&f->schema_incl, schema))
		return false;
	if (rc_regex_list_any(&f->schema_excl, schema))
		return false;
	if (f->db_incl.n && !rc_regex_list_any(&f->db_incl, schema))
		return false;
	return !rc_regex_list_any(&f->db_excl, schema);
}

bool rc_filter_table(const rc_filter_t *f, const char *schema, const char *table)
{
	char full[512];

	if (!rc_filter_database(f, schema))
		return false;
	snprintf(full, sizeof full, "%s.%s", schema, table);
	if (f->table_incl.n && !rc_regex_list_any(&f->table_incl, full))
		return false;
	return !rc_regex_list_any(&f->table_excl, full);
}

bool rc_filter_column_excluded(const rc_filter_t *f, const char *schema, const char *table,
                               const char *column)
{
	char full[768];

	if (!f->column_excl.n)
		return false;
	snprintf(full, sizeof full, "%s.%s.%s", schema, table, column);
	return rc_regex_list_any(&f->column_excl, full);
}
