/* PostgreSQL prerequisite checks for `rowcast check` (DESIGN.md, "Command line"). */
#ifndef RC_PG_CHECK_H
#define RC_PG_CHECK_H

#include "agent/check_report.h"
#include "agent/conf.h"

/* Checks PostgreSQL: connection, wal_level, replication privilege, slots, publication, replica
 * identity of the included tables. Results go into rep. */
void rc_pg_check(const rc_conf_t *conf, rc_check_report_t *rep);

#endif
