/*
 * The Debezium "source" block of every change event, one field table per connector: each field's
 * name, its kind (which fixes its Avro type) and how its value comes out of the event. The Avro
 * schema (sinks/avro_schema.c), the Avro encoder (sinks/avro_encode.c) and the JSON lines
 * (sinks/json_encode.c) all walk the same table, so a field is added, moved or retyped in one place.
 *
 * The fields, in order (research/ecosystem.md 1.2; Debezium's AbstractSourceInfoStructMaker, then
 * PostgresSourceInfoStructMaker or BinlogSourceInfoStructMaker):
 *   all         version, connector, name, ts_ms, snapshot, db, sequence, ts_us, ts_ns
 *   postgresql  schema, table, txId, lsn, xmin, origin, origin_lsn
 *   mysql       table, server_id, gtid, file, pos, row, thread, query
 *   mariadb     as mysql (Debezium 3's MariaDB connector shares the binlog struct maker); only the
 *               connector name and the record's namespace differ
 * Record: io.debezium.connector.<connector>.Source, connect.version 1.
 */
#ifndef RC_SOURCE_BLOCK_H
#define RC_SOURCE_BLOCK_H

#include "agent/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* source.version of every event (PACKAGE_VERSION comes from config.h, which every .c includes first). */
#define RC_SOURCE_BLOCK_VERSION "rowcast-" PACKAGE_VERSION

/* A field's kind: its Avro type, and how the encoders write its value. */
typedef enum {
	RC_SOURCE_STRING,     /* "string" */
	RC_SOURCE_OPT_STRING, /* ["null", "string"], default null */
	RC_SOURCE_LONG,       /* "long" */
	RC_SOURCE_OPT_LONG,   /* ["null", "long"], default null */
	RC_SOURCE_INT,        /* "int" */
	RC_SOURCE_SNAPSHOT,   /* Debezium's snapshot enum: [io.debezium.data.Enum string, "null"], default
	                       * "false" (the string first: a union's default must match its first branch) */
} rc_source_kind_t;

/* One field's value for one event, filled by the field's getter. */
typedef struct rc_source_value {
	bool null;     /* an optional field without a value */
	const char *s; /* string kinds: borrowed from the event, a constant, or buf; not NUL-terminated */
	size_t len;
	int64_t i;    /* integer kinds */
	char buf[48]; /* a value made on the spot (PostgreSQL's sequence) */
} rc_source_value_t;

typedef struct rc_source_block rc_source_block_t;

/* What the getters read. Everything is borrowed for the duration of the encoding. */
typedef struct rc_source_ctx {
	const rc_source_block_t *block;
	const rc_event_t *ev; /* its source info and its table (NULL for a logical decoding message) */
	const char *name;     /* topic.prefix: source.name */
	size_t name_len;
} rc_source_ctx_t;

typedef struct rc_source_field {
	const char *name;
	size_t name_len;
	rc_source_kind_t kind;
	void (*get)(const rc_source_ctx_t *cx, rc_source_value_t *v);
} rc_source_field_t;

struct rc_source_block {
	const char *connector; /* source.connector: "postgresql", "mysql", "mariadb" */
	size_t connector_len;
	const char *record_namespace; /* "io.debezium.connector.postgresql" */
	const rc_source_field_t *fields;
	size_t nfields;
};

/* The static table of connector ("postgresql", "mysql" or "mariadb"), or NULL for any other name. */
const rc_source_block_t *rc_source_block_find(const char *connector);

/* Sets up cx for one event (all borrowed); name is topic.prefix. */
void rc_source_block_ctx(rc_source_ctx_t *cx, const rc_source_block_t *block, const rc_event_t *ev,
                         const char *name);

/* The value of field f for the event of cx. */
static inline void rc_source_block_value(const rc_source_ctx_t *cx, const rc_source_field_t *f,
                                         rc_source_value_t *v)
{
	f->get(cx, v);
}

#endif
