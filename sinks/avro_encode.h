/*
 * Avro binary encoding of change events, following the schemas of sinks/avro_schema.h for the same
 * table and options, in the Confluent wire format:
 *   byte 0     magic 0x00
 *   bytes 1-4  schema id, big-endian int32 (from the Schema Registry)
 *   bytes 5-   Avro binary body
 * A tombstone (after a delete) is the delete's key with a NULL value: nothing to encode.
 *
 * The encoder is rowcast's own (no avro-c on this path): it appends into a caller's rc_buf_t and
 * allocates nothing per record or field, so one buffer per sink serves every record.
 *
 * Values follow rc_value_t (agent/event.h). The fields of the before/after images are all optional:
 * RC_V_NULL is written as null. An unchanged TOAST value (RC_V_UNCHANGED, PostgreSQL sends none) is
 * written as Debezium does with its default unavailable.value.placeholder:
 *   STRING                    the string "__debezium_unavailable_value"
 *   BYTES, DECIMAL            the same 28 bytes (a DECIMAL then reads as a meaningless number, as
 *                             with Debezium: consumers compare the raw bytes to the placeholder)
 *   ARRAY of STRING           an array holding that one placeholder string
 *   anything else             null (such values are not TOASTed in practice)
 * Key columns must be RC_V_SET.
 */
#ifndef RC_AVRO_ENCODE_H
#define RC_AVRO_ENCODE_H

#include "agent/event.h"
#include "agent/source_block.h"
#include "sinks/avro_schema.h"
#include "agent/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds since the epoch (CLOCK_REALTIME): what callers pass as now_ns. */
int64_t rc_avro_now_ns(void);

/* Primitive writers (Avro 1.11 specification, "Binary Encoding"). */
void rc_avro_write_long(rc_buf_t *out, int64_t v);  /* zig-zag varint; also Avro int and union index */
void rc_avro_write_float(rc_buf_t *out, float v);   /* 4 bytes little-endian IEEE 754 */
void rc_avro_write_double(rc_buf_t *out, double v); /* 8 bytes little-endian IEEE 754 */

/* x and y of an RC_T_POINT value (its 21-byte 2D WKB point, either byte order). Returns 0, or -1 when
 * the bytes are not such a point. */
int rc_avro_point_xy(const rc_value_t *v, double xy[2]);
void rc_avro_write_bytes(rc_buf_t *out, const void *p, size_t len); /* length, then the bytes */
void rc_avro_write_string(rc_buf_t *out, const char *s);            /* as bytes, without the NUL */
void rc_avro_write_header(rc_buf_t *out, int32_t schema_id);        /* Confluent magic byte and id */

/*
 * Appends the Confluent-framed key of ev to out: record <ns>.Key of the key columns, taken from the
 * after image for c/u/r and from the before image for d; for a message (m), the MessageKey {prefix};
 * for a schema change (s), the SchemaChangeKey {databaseName} (ev->ddl_db, "" when NULL).
 * Returns 0 when a key was appended, 1 when the event has a null key (table without key columns,
 * truncate): nothing appended, and -1 with a message naming table and column in err (a null key
 * column, a missing image, a value out of its type's range, out of memory or a record larger than
 * out->max). On -1, out->len is back where it was.
 */
int rc_avro_encode_key(const rc_event_t *ev, int32_t schema_id, rc_buf_t *out, char *err, size_t errlen);

/*
 * Appends the Confluent-framed value of ev to out: the Envelope {before, after, source, transaction
 * (null), op, ts_ms, ts_us, ts_ns (from now_ns, the time rowcast processes the event)}, or for a
 * message the MessageValue, for a schema change the SchemaChangeValue (sinks/schema_change.h: ts_ms
 * from now_ns, a tableChanges entry per ev->ddl_tables when the statement is a CREATE, ALTER or DROP
 * of tables). opts must be those the schema was built with. Returns 0, or -1 as
 * rc_avro_encode_key.
 */
int rc_avro_encode_value(const rc_event_t *ev, const rc_avro_opts_t *opts, int32_t schema_id, int64_t now_ns,
                         rc_buf_t *out, char *err, size_t errlen);

/* source.version of every event (agent/source_block.h). */
#define RC_AVRO_SOURCE_VERSION RC_SOURCE_BLOCK_VERSION

/* Topic of logical decoding messages: "<topic.prefix>.message". */
#define RC_AVRO_MESSAGE_TOPIC_SUFFIX ".message"

#endif
