/*
 * The relations a pgoutput stream has described (Relation messages), as rowcast tables: columns
 * mapped to rc types through the catalog, key columns from the primary key (or message.key.columns),
 * filters applied. A Relation message for a known relid replaces its table (schema change); the old
 * rc_table_t lives on while anything still holds it.
 */
#ifndef RC_PG_RELCACHE_H
#define RC_PG_RELCACHE_H

#include "agent/conf.h"
#include "agent/filter.h"
#include "agent/table.h"
#include "decoders/postgres/pg_types.h"
#include "decoders/postgres/pgoutput.h"

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct rc_pg_rel {
	uint32_t relid;
	rc_table_t *table; /* NULL when the table is filtered out */
	int natts;         /* attributes in the Relation message */
	int *att_col;      /* attribute index -> table column index, -1 when the column is excluded */
} rc_pg_rel_t;

typedef struct rc_pg_relcache {
	rc_pg_rel_t *rels;
	size_t n, cap;
	const rc_conf_t *conf; /* borrowed */
	PGconn *sql;           /* borrowed: catalog lookups */
	rc_filter_t filter;
	rc_pg_type_opts_t type_opts;
	rc_pg_typecache_t *types;
} rc_pg_relcache_t;

/* Returns 0, or -1 with err filled. conf and sql are borrowed for the cache's life. */
int rc_pg_relcache_init(rc_pg_relcache_t *rc, const rc_conf_t *conf, PGconn *sql, char *err, size_t errlen);
void rc_pg_relcache_destroy(rc_pg_relcache_t *rc);

/*
 * Builds the rowcast table of relation relid (schema nsp, name rel) from its columns, wherever they
 * come from: a pgoutput Relation message (rc_pg_relcache_update) or pg_attribute (the snapshot), so a
 * table's snapshot and streamed events have one schema: same topic, key columns (message.key.columns,
 * else the primary key read through rc->sql), column filters and type mapping. attrs (natts, borrowed)
 * need name, type_oid and typmod. On RC_OK, *out is the table (refcount 1, caller releases; NULL when
 * the filters leave the table out) and *att_col maps attribute index -> column index, -1 for an
 * excluded column (malloc'd, caller frees). Otherwise an RC_ERR_* class with err naming the table.
 */
int rc_pg_relcache_build(rc_pg_relcache_t *rc, const char *nsp, const char *rel, uint32_t relid,
                         const rc_pgo_attr_t *attrs, int natts, rc_table_t **out, int **att_col, char *err,
                         size_t errlen);

/* Applies a Relation message. Returns RC_OK or an RC_ERR_* class with err naming the table. */
int rc_pg_relcache_update(rc_pg_relcache_t *rc, const rc_pgo_msg_t *msg, char *err, size_t errlen);

/* Forgets a type (Type message: it may have changed). */
void rc_pg_relcache_type_changed(rc_pg_relcache_t *rc, uint32_t oid);

/* The relation of relid, or NULL when no Relation message described it. */
const rc_pg_rel_t *rc_pg_relcache_get(const rc_pg_relcache_t *rc, uint32_t relid);

/* Converts a tuple to the table's values (table->ncols, from arena). Returns RC_OK or RC_ERR_FATAL
 * with err naming table and column. */
int rc_pg_relcache_values(const rc_pg_rel_t *rel, const rc_pgo_tuple_t *tup, rc_arena_t *arena,
                          rc_value_t **out, char *err, size_t errlen);

/*
 * A whole row (a new tuple, or REPLICA IDENTITY FULL's old one) with NULL in a column the table has
 * as required: the catalog was read after the column became NOT NULL (it is read when the Relation
 * message is decoded, which may be after later DDL). The column turns optional in place, and the
 * table's value schema is registered again, so that the NULL is published as null and never as a
 * required field's fallback. Tables are only used on the stream's thread, so the change is safe.
 */
void rc_pg_relcache_relax(rc_pg_relcache_t *rc, uint32_t relid, const rc_pgo_tuple_t *tup);

#endif
