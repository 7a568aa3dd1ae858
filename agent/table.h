/*
 * A captured table's schema as rowcast sees it: the columns with their source-independent logical
 * types (rc_type_t), which of them form the event key, and the schema ids the registry gave the
 * table's key and value schemas.
 *
 * Tables are reference-counted (CONVENTIONS.md rule 9) because they cross one asynchronous
 * boundary: a snapshot batch filled on a reader thread holds its table until the loop's thread has
 * emitted the batch's rows. Events only borrow their table for the handler call; a schema change
 * makes a new rc_table_t and the old one lives until its last holder releases it.
 */
#ifndef RC_TABLE_H
#define RC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Logical value types, independent of the source database. Their Avro form is in sinks/avro_schema.c. */
typedef enum {
	RC_T_BOOL,
	RC_T_INT8,  /* Avro int, Connect INT8 (MySQL TINYINT) */
	RC_T_INT16, /* Avro int, Connect INT16 */
	RC_T_INT32, /* Avro int */
	RC_T_INT64, /* Avro long */
	RC_T_FLOAT32,
	RC_T_FLOAT64,
	RC_T_DECIMAL,     /* Avro bytes, logicalType decimal(precision, scale): unscaled two's complement */
	RC_T_VARDECIMAL,  /* io.debezium.data.VariableScaleDecimal: record {scale int, value bytes} */
	RC_T_STRING,      /* UTF-8; semantic names Json, Uuid, Xml, Enum, ZonedTimestamp, ZonedTime ... */
	RC_T_BYTES,       /* raw bytes; semantic name io.debezium.data.Bits for bit strings */
	RC_T_DATE,        /* int32 days since 1970-01-01 */
	RC_T_TIME_MILLIS, /* int32 ms since midnight */
	RC_T_TIME_MICROS, /* int64 µs since midnight */
	RC_T_TIMESTAMP_MILLIS, /* int64 ms since epoch, no time zone */
	RC_T_TIMESTAMP_MICROS, /* int64 µs since epoch, no time zone */
	RC_T_INTERVAL_MICROS,  /* int64 µs (io.debezium.time.MicroDuration: a month is 365.25/12 days) */
	RC_T_ARRAY,            /* Avro array of elem_type */
	RC_T_GEOMETRY,         /* io.debezium.data.geometry.Geometry: record {wkb bytes, srid optional int};
	                        * value: bytes = WKB, bytes.scale = SRID (MySQL's GEOMETRY; PostGIS geometry,
	                        * and geography when semantic is io.debezium.data.geometry.Geography) */
	RC_T_POINT,            /* io.debezium.data.geometry.Point: record {x double, y double, wkb optional
	                        * bytes, srid optional int}; value: bytes = the 21-byte little-endian WKB of
	                        * the point, x and y read from it (PostgreSQL's point) */
	RC_T_MAP,              /* Avro map of optional strings (Connect map<string, string?>); value: array of
	                        * 2n items, key then value, keys never null (PostgreSQL's hstore, map mode) */
} rc_type_t;

/* A column's DEFAULT as Debezium carries it in the schema (Avro "default", "connect.default"), in
 * the column's own type: the rc_value_t member that type uses (agent/event.h). Only scalar types:
 * Debezium gives arrays, records (VariableScaleDecimal, Geometry) and non-finite floats no default. */
typedef struct rc_column_default {
	bool set;
	bool b;
	int64_t i;
	double f;
	char *bytes; /* STRING, BYTES, DECIMAL (unscaled two's complement); owner: the column */
	size_t len;
} rc_column_default_t;

typedef struct rc_column {
	char *name; /* as in the source; Avro field names are adjusted by the encoder */
	rc_type_t type;
	rc_type_t elem_type;      /* RC_T_ARRAY: type of the elements */
	const char *semantic;     /* static string: Connect name ("io.debezium.time.Date") or NULL */
	int32_t precision;        /* RC_T_DECIMAL; 0 = unknown */
	int32_t scale;            /* RC_T_DECIMAL */
	int32_t length;           /* bit strings: declared length; 0 = unknown */
	char *enum_values;        /* io.debezium.data.Enum: "a,b,c" (the "allowed" parameter), or NULL */
	bool key;                 /* part of the event key */
	bool optional;            /* may be null: the Value field is optional (required when not, as Debezium
	                           * makes NOT NULL columns, unless value.fields.all.optional) */
	rc_column_default_t dflt; /* the column's DEFAULT, when Debezium would carry it */

	/* Where the column came from, for messages and for value conversion by the decoder. */
	char *source_type;     /* type name in the source ("numeric(12,2)", "varchar") */
	uint32_t source_oid;   /* PostgreSQL type OID (0 for MySQL) */
	int32_t source_typmod; /* PostgreSQL atttypmod */
	uint16_t source_conv;  /* the decoder's own conversion of the text (PostgreSQL: rc_pg_conv_t) */
	int32_t char_length;   /* CHAR(n)/VARCHAR(n): n, Debezium's column.length(); 0 = unknown/none */

	/* Set by the column mappers (agent/column_map.h) on the published copy of a table: the field
	 * schema's connect.parameters "masked": "true" and "truncateLength": "<truncate_length>". */
	bool masked;
	bool truncated;
	int32_t truncate_length;
	bool key_only; /* a key column column.exclude.list leaves out: in the key, not in the value (as
	                * Debezium builds the key from every key column, the value from the kept ones) */
} rc_column_t;

typedef struct rc_table {
	int refcount;
	char *schema_name; /* PostgreSQL schema or MySQL database */
	char *name;
	char *topic; /* <topic.prefix>.<schema>.<table> */
	rc_column_t *cols;
	size_t ncols;
	size_t nkey;           /* columns with key = true; 0 = the events have a null key */
	uint32_t source_id;    /* PostgreSQL relation OID, MySQL table id */
	int32_t key_schema_id; /* registry ids, -1 until registered */
	int32_t value_schema_id;
	int32_t metrics_slot; /* the pipeline's counters of this table (agent/pipeline_obs.h), -1 first */
	bool check_utf8;      /* strings may not be UTF-8 (PostgreSQL SQL_ASCII): the pipeline checks them */
	/* What the column mappers do to this table's events (agent/column_map.h), built by the
	 * pipeline's thread at the table's first event; owner: the table (freed with it). */
	struct rc_column_plan *plan;
} rc_table_t;

/* Debezium's io.debezium.data.FloatVector (MySQL's VECTOR): an ARRAY column of FLOAT32 whose semantic
 * names the array itself, not its elements, and whose elements are never null. The sinks write it
 * {"type":"array","items":"float"} with connect.name on the array; other ARRAY columns (PostgreSQL's)
 * have optional elements described by semantic. */
#define RC_SEM_FLOATVECTOR "io.debezium.data.FloatVector"

static inline bool rc_column_is_vector(const rc_column_t *c)
{
	return c->type == RC_T_ARRAY && c->semantic && strcmp(c->semantic, RC_SEM_FLOATVECTOR) == 0;
}

/* ARRAY columns whose elements are never null, written {"type":"array","items":T} without a union:
 * FloatVector, and the PostgreSQL arrays whose element schema Debezium builds required
 * (SchemaBuilder.array(Enum.builder(...)) for enum arrays, and its arrayElementSchema path for
 * tsvector[]). A decoder gives such a column no null element. */
static inline bool rc_column_items_required(const rc_column_t *c)
{
	return rc_column_is_vector(c) || (c->type == RC_T_ARRAY && c->semantic &&
	                                  (strcmp(c->semantic, "io.debezium.data.Enum") == 0 ||
	                                   strcmp(c->semantic, "io.debezium.data.Tsvector") == 0));
}

/* Returns a table with ncols zeroed columns and refcount 1 (caller releases with rc_table_release),
 * or NULL when out of memory. Strings are copied. */
rc_table_t *rc_table_new(const char *schema_name, const char *name, const char *topic, size_t ncols);

/* Sets column i's name and source type (copied). Returns 0, or -1 when out of memory. */
int rc_column_set_names(rc_column_t *col, const char *name, const char *source_type);

/* Sets column i's enum labels (copied, "a,b,c"). Returns 0, or -1 when out of memory. */
int rc_column_set_enum_values(rc_column_t *col, const char *values);

/* Sets the default's bytes (copied; len bytes, NUL added) and marks it set. Returns 0, or -1 when out
 * of memory. */
int rc_column_set_default_bytes(rc_column_t *col, const char *bytes, size_t len);

/* Counts key columns into t->nkey: call after setting the key flags. */
void rc_table_count_keys(rc_table_t *t);

rc_table_t *rc_table_retain(rc_table_t *t);
void rc_table_release(rc_table_t *t);

#endif
