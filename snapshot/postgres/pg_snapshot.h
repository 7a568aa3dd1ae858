/*
 * PostgreSQL snapshots: the reader ops the coordinator (snapshot/snapshot.h) runs. Every reader
 * imports the exported snapshot of the point (a slot's, or pg_export_snapshot's) into a REPEATABLE
 * READ, READ ONLY transaction and reads each table with COPY.
 */
#ifndef RC_PG_SNAPSHOT_H
#define RC_PG_SNAPSHOT_H

#include "agent/conf.h"
#include "snapshot/snapshot.h"

#include <libpq-fe.h>

extern const rc_snapshot_reader_ops_t rc_pg_snapshot_reader;

/* The candidates (ordinary and partitioned tables, not partitions, not system schemas) with their
 * size and row estimate, as seen at pt (NULL: now), on a connection of their own. */
int rc_pg_snapshot_plan(const rc_conf_t *conf, const rc_snapshot_point_t *pt, rc_snap_plan_t *plan, char *err,
                        size_t errlen);

/*
 * Opens a REPEATABLE READ, READ ONLY transaction on sql that sees exported snapshot name (end it with
 * COMMIT). Returns RC_OK or an RC_ERR_* class with err filled (an unknown or expired snapshot is
 * RC_ERR_RETRY: a new one is taken on restart).
 */
int rc_pg_snapshot_import(PGconn *sql, const char *name, char *err, size_t errlen);

#endif
