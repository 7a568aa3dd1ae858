/* The PostgreSQL source: pgoutput logical replication through libpq (agent/source.h). */
#ifndef RC_PG_SOURCE_H
#define RC_PG_SOURCE_H

#include "agent/conf.h"
#include "agent/source.h"

/* Returns a source that connects on connect() (free with src->ops->free), or NULL with err filled.
 * conf is borrowed. */
rc_source_t *rc_pg_source_new(const rc_conf_t *conf, char *err, size_t errlen);

#endif
