/* The PostgreSQL source: pgoutput logical replication through libpq (agent/source.h). */
#ifndef RC_PG_SOURCE_H
#define RC_PG_SOURCE_H

#include "agent/conf.h"
#include "agent/offsets.h"
#include "agent/source.h"

/* Returns a source that connects on start (free with src->ops->free), or NULL with err filled.
 * recorded is the offset file's content (NULL when there is none); conf and recorded are borrowed. */
rc_source_t *rc_pg_source_new(const rc_conf_t *conf, const rc_offset_t *recorded, char *err, size_t errlen);

#endif
