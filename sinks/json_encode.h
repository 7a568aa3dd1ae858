/*
 * A JSON rendering of change events for sink.type=stdout: one object per line,
 *   {"topic": "<topic>", "key": {...} | null, "value": {...} | null}
 * where key and value hold the same fields as the Avro key and Envelope (sinks/avro_schema.h), with
 * the same adjusted field names, each union written as its plain value (as Kafka Connect's
 * JsonConverter with schemas.enable=false). Differences from the Avro form, for people reading it:
 * DECIMAL and VARDECIMAL are decimal strings ("-12.50"), BYTES are base64 strings, floats that JSON
 * cannot hold are the strings "NaN", "Infinity", "-Infinity", and invalid UTF-8 in a string becomes
 * U+FFFD. Unchanged TOAST values follow sinks/avro_encode.h (a DECIMAL shows the placeholder string).
 * A MySQL/MariaDB schema change event (op 's') is {"topic": "<topic.prefix>", "key": {"databaseName"},
 * "value": {source, ts_ms, databaseName, schemaName, ddl, tableChanges}} (sinks/schema_change.h); it
 * has no tombstone (asking for one is an error).
 */
#ifndef RC_JSON_ENCODE_H
#define RC_JSON_ENCODE_H

#include "agent/event.h"
#include "sinks/avro_schema.h"
#include "agent/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Appends one line (ending in '\n') for ev to out. With tombstone, the value is null (the tombstone
 * that follows a delete). now_ns gives ts_ms/ts_us/ts_ns (rc_avro_now_ns()). Returns 0, or -1 with a
 * message in err, as rc_avro_encode_value; on -1, out->len is back where it was.
 */
int rc_json_encode_event(const rc_event_t *ev, const rc_avro_opts_t *opts, int64_t now_ns, bool tombstone,
                         rc_buf_t *out, char *err, size_t errlen);

/* Appends the JSON of one column value as the event's before/after objects hold it (null, the
 * value, or the unavailable-value placeholder of an unchanged one); table (borrowed) names the column
 * in err. Returns 0, or -1 with a message in err. For `rowcast inspect`, which prints values alone. */
int rc_json_write_value(rc_buf_t *out, rc_table_t *table, const rc_column_t *col, const rc_value_t *v,
                        char *err, size_t errlen);

/* Appends s (len bytes) as a JSON string literal, quotes included. */
void rc_json_write_string(rc_buf_t *out, const char *s, size_t len);

#endif
