/* The PostgreSQL tables rowcast captures, as the catalog and the filters say. */
#ifndef RC_PG_TABLES_H
#define RC_PG_TABLES_H

#include "agent/conf.h"

#include <libpq-fe.h>
#include <stddef.h>

/* Builds "\"s\".\"t\", ..." of the ordinary and partitioned tables that pass the filters, for
 * CREATE PUBLICATION ... FOR TABLE; with not_in_pub, only those that publication does not list
 * (for ALTER PUBLICATION ... ADD TABLE; *list NULL when it lists them all). *list is malloc'd
 * (caller frees); names, when non-NULL, receives the same tables as "schema.table" (a malloc'd array
 * of *nnames malloc'd strings, rc_pg_names_free). Returns 0, or -1 with err filled (also when no
 * table matches, without not_in_pub: a publication of nothing is a configuration mistake). */
int rc_pg_included_tables_sql_list(PGconn *sql, const rc_conf_t *conf, const char *not_in_pub, char **list,
                                   char ***names, int *nnames, char *err, size_t errlen);
void rc_pg_names_free(char **names, int n);

#endif
