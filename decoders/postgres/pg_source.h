/* The PostgreSQL source: pgoutput logical replication through libpq (agent/source.h). */
#ifndef RC_PG_SOURCE_H
#define RC_PG_SOURCE_H

#include "agent/conf.h"
#include "agent/offsets.h"
#include "agent/source.h"
#include "snapshot/postgres/pg_snapshot.h"

/* Returns a source that connects on start (free with src->ops->free), or NULL with err filled.
 * recorded is the offset file's content (NULL when there is none); conf and recorded are borrowed. */
rc_source_t *rc_pg_source_new(const rc_conf_t *conf, const rc_offset_t *recorded, char *err, size_t errlen);

/* The one-shot `rowcast snapshot`: which tables, and where the summary goes. */
typedef struct rc_pg_oneshot {
	const char *const *tables; /* "schema.table" or "table"; none: every included table */
	int ntables;
	rc_pg_snapshot_report_t *report; /* filled once every row is acknowledged (caller clears) */
} rc_pg_oneshot_t;

/* A source that takes a snapshot without a slot (pg_export_snapshot), publishes the tables of
 * oneshot (borrowed) and ends (RC_END) once every row is acknowledged. As rc_pg_source_new
 * otherwise. */
rc_source_t *rc_pg_snapshot_source_new(const rc_conf_t *conf, const rc_pg_oneshot_t *oneshot, char *err,
                                       size_t errlen);

#endif
