#include "config.h"

#include "decoders/postgres/pg_tables.h"

#include "agent/filter.h"
#include "decoders/postgres/pg_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rc_pg_names_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int rc_pg_included_tables_sql_list(PGconn *sql, const rc_conf_t *conf, const char *not_in_pub, char **list,
                                   char ***names, int *nnames, char *err, size_t errlen)
{
	const char *params[1] = {not_in_pub ? not_in_pub : ""};
	rc_filter_t f;
	PGresult *res;
	char *out = NULL;
	size_t len = 0;
	int rc = -1;

	*list = NULL;
	if (names) {
		*names = NULL;
		*nnames = 0;
	}
	if (rc_filter_init(&f, conf, err, errlen) != 0)
		return -1;
	res = PQexecParams(
	    sql,
	    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
	    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
	    "AND ($1 = '' OR NOT EXISTS (SELECT 1 FROM pg_publication p LEFT JOIN pg_publication_rel pr "
	    "ON pr.prpubid = p.oid AND pr.prrelid = c.oid WHERE p.pubname = $1 AND (p.puballtables OR "
	    "pr.prrelid IS NOT NULL))) ORDER BY 1, 2",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot list tables: %s", PQresultErrorMessage(res));
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		char *qs, *qt, *grown;
		size_t need;

		if (!rc_filter_table(&f, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)))
			continue;
		qs = rc_pg_quote_ident(PQgetvalue(res, i, 0));
		qt = rc_pg_quote_ident(PQgetvalue(res, i, 1));
		need = (qs ? strlen(qs) : 0) + (qt ? strlen(qt) : 0) + 4;
		grown = qs && qt ? realloc(out, len + need) : NULL;
		if (!grown) {
			free(qs);
			free(qt);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		out = grown;
		len += (size_t)sprintf(out + len, "%s%s.%s", len ? ", " : "", qs, qt);
		free(qs);
		free(qt);
		if (names) {
			char **more = realloc(*names, (size_t)(*nnames + 1) * sizeof *more);
			if (!more || asprintf(&more[*nnames], "%s.%s", PQgetvalue(res, i, 0),
			                      PQgetvalue(res, i, 1)) < 0) {
				if (more)
					*names = more;
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			*names = more;
			(*nnames)++;
		}
	}
	if (!out && !not_in_pub) {
		snprintf(err, errlen,
		         "no table matches table.include.list / table.exclude.list: nothing to publish");
		goto out;
	}
	*list = out;
	out = NULL;
	rc = 0;
out:
	if (rc != 0 && names) {
		rc_pg_names_free(*names, *nnames);
		*names = NULL;
		*nnames = 0;
	}
	free(out);
	PQclear(res);
	rc_filter_free(&f);
	return rc;
}
