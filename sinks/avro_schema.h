/*
 * The Avro schemas of a table's events, as JSON text in the shape Debezium + Confluent's AvroConverter
 * give them (research/ecosystem.md 1.1-1.5), built by rowcast itself and registered verbatim: avro-c
 * would drop logicalType, the connect.* properties and the field defaults.
 *
 * Key schema: record <ns>.Key of the key columns, in table order, each required (no null union), with
 * the column default as in the Value record (none with all_optional).
 * Value schema: record <ns>.Envelope {before, after, source, transaction, op, ts_ms, ts_us, ts_ns}
 * where before and after are ["null", <ns>.Value] and <ns>.Value has one field per column, as
 * Debezium's TableSchemaBuilder + AvroData write it: a required column (rc_column_t.optional false:
 * NOT NULL) is T, an optional one ["null", T] with "default": null; a column default
 * (rc_column_t.dflt) is the field's "default" and T's "connect.default", and makes an optional
 * column's union [T, "null"] (a union's default must match its first branch). With all_optional
 * (value.fields.all.optional) every field is ["null", T] with default null and no column default
 * appears, so adding or dropping a column stays BACKWARD compatible.
 * ns is "<topic.prefix>.<schema>.<table>", each part adjusted with rc_avro_name().
 *
 * Column types (T), by rc_type_t:
 *   BOOL boolean; INT16 {"type":"int","connect.type":"int16"}; INT32 int; INT64 long; FLOAT32 float;
 *   FLOAT64 double; DECIMAL bytes with logicalType decimal and Connect's Decimal properties (precision
 *   64 when unknown, as AvroData does); VARDECIMAL record io.debezium.data.VariableScaleDecimal
 *   {scale int, value bytes}; STRING string; BYTES bytes; DATE int io.debezium.time.Date; TIME_MILLIS
 *   int io.debezium.time.Time; TIME_MICROS long io.debezium.time.MicroTime; TIMESTAMP_MILLIS long
 *   io.debezium.time.Timestamp; TIMESTAMP_MICROS long io.debezium.time.MicroTimestamp;
 *   INTERVAL_MICROS long io.debezium.time.MicroDuration; ARRAY {"type":"array","items":["null", E]};
 *   GEOMETRY record io.debezium.data.geometry.Geometry {wkb bytes, srid ["null","int"]} (defined once
 *   per schema, then named).
 * A column's semantic name (rc_column_t.semantic) becomes "connect.name" with "connect.version": 1 on
 * the plain type, replacing the default names above; io.debezium.data.Enum/EnumSet carry
 * connect.parameters {"allowed": enum_values}, io.debezium.data.Bits {"length": "N"}; the Connect
 * built-ins org.apache.kafka.connect.data.Date/Time/Timestamp get their logicalType as AvroData gives
 * them. For an ARRAY column, semantic, enum_values, length, precision and scale describe the elements.
 * With native_logical_types, DATE adds logicalType date, TIME_MILLIS time-millis, TIME_MICROS
 * time-micros, TIMESTAMP_MILLIS timestamp-millis, TIMESTAMP_MICROS timestamp-micros and strings named
 * io.debezium.data.Uuid uuid.
 *
 * Output is deterministic: the same table and options give byte-identical JSON (compact, in order).
 */
#ifndef RC_AVRO_SCHEMA_H
#define RC_AVRO_SCHEMA_H

#include "agent/table.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rc_avro_opts {
	const char *topic_prefix;  /* topic.prefix: first part of the namespace, source.name (borrowed) */
	const char *connector;     /* "postgresql", "mysql" or "mariadb": the Source record's shape */
	bool native_logical_types; /* avro.native.logical.types */
	bool all_optional;         /* value.fields.all.optional */
} rc_avro_opts_t;

/* Placeholder Debezium writes for an unchanged TOAST value (unavailable.value.placeholder). */
#define RC_AVRO_UNAVAILABLE "__debezium_unavailable_value"

/*
 * Writes name adjusted to Avro's name rules ([A-Za-z_][A-Za-z0-9_]*) into out, NUL-terminated and
 * truncated to outlen - 1 bytes: every invalid character (a whole UTF-8 sequence counts as one, or two
 * beyond U+FFFF, as Java counts chars) becomes '_', a leading digit gets a '_' before it, and an empty
 * name becomes "_". Returns the length of the full adjusted name (as snprintf does).
 */
size_t rc_avro_name(const char *name, char *out, size_t outlen);

/*
 * Builds the key schema of t. On success returns 0 and sets *json to the schema text (caller frees
 * with free()), or to NULL when t has no key column (its events have a null key). Returns -1 with a
 * message in err for bad options, unsupported types and column names that collide after adjustment.
 */
int rc_avro_key_schema(const rc_table_t *t, const rc_avro_opts_t *opts, char **json, char *err,
                       size_t errlen);

/* Builds the value (Envelope) schema of t. Returns 0 and *json (caller frees with free()), or -1
 * with a message in err, as rc_avro_key_schema. */
int rc_avro_value_schema(const rc_table_t *t, const rc_avro_opts_t *opts, char **json, char *err,
                         size_t errlen);

/*
 * Schemas of PostgreSQL logical decoding messages (op 'm', topic "<topic.prefix>.message"), as
 * Debezium's LogicalDecodingMessageMonitor: key io.debezium.connector.postgresql.MessageKey {prefix},
 * value io.debezium.connector.postgresql.MessageValue {op, ts_ms, source, transaction, message
 * {prefix, content}}. Return 0 and *json (caller frees with free()), or -1 with a message in err.
 */
int rc_avro_message_key_schema(char **json, char *err, size_t errlen);
int rc_avro_message_value_schema(const rc_avro_opts_t *opts, char **json, char *err, size_t errlen);

/*
 * Schemas of MySQL/MariaDB schema change events (op 's', topic "<topic.prefix>"), as Debezium's
 * SchemaFactory builds them (field list in sinks/schema_change.h): key
 * io.debezium.connector.<connector>.SchemaChangeKey {databaseName}, value
 * io.debezium.connector.<connector>.SchemaChangeValue {source, ts_ms, databaseName, schemaName, ddl,
 * tableChanges}, connect.version 1 on every record. Return 0 and *json (caller frees with free()), or
 * -1 with a message in err (a connector other than mysql or mariadb, out of memory).
 */
int rc_avro_schema_change_key_schema(const rc_avro_opts_t *opts, char **json, char *err, size_t errlen);
int rc_avro_schema_change_value_schema(const rc_avro_opts_t *opts, char **json, char *err, size_t errlen);

#endif
