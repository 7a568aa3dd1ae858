/*
 * The records that are not change events (agent/meta_records.h), in the shapes Debezium gives them
 * (SchemaFactory) as the Confluent AvroConverter writes those Connect schemas:
 *
 *   io.debezium.connector.common.TransactionMetadataKey   {id: string}
 *   io.debezium.connector.common.TransactionMetadataValue {status: string, id: string,
 *       event_count: ["null", long], data_collections: ["null", {array of ["null", event.collection
 *       {data_collection: string, event_count: long}]}], ts_ms: long}
 *   io.debezium.connector.common.ServerNameKey            {serverName: string}
 *   io.debezium.connector.common.Heartbeat                {ts_ms: long}
 *
 * (every record with connect.version 1 and its connect.name; the array's items are an optional
 * struct in Connect, hence the union). JSON lines for stdout carry the same fields as
 * {"topic", "key", "value"} objects, a heartbeat's position under "headers".
 */
#ifndef RC_META_ENCODE_H
#define RC_META_ENCODE_H

#include "agent/buf.h"
#include "agent/meta_records.h"

#include <stdint.h>

typedef enum {
	RC_META_TXN_KEY,
	RC_META_TXN_VALUE,
	RC_META_HEARTBEAT_KEY,
	RC_META_HEARTBEAT_VALUE,
} rc_meta_schema_t;

/* The schema's JSON (malloc'd, caller frees), or NULL when out of memory. */
char *rc_meta_schema_json(rc_meta_schema_t which);

/* Appends the Confluent-framed Avro key / value of tr or hr (schema ids from the registry). Return 0,
 * or -1 when out of memory or past out->max (out->len is then back where it was). */
int rc_meta_avro_txn_key(const rc_txn_record_t *tr, int32_t schema_id, rc_buf_t *out);
int rc_meta_avro_txn_value(const rc_txn_record_t *tr, int32_t schema_id, rc_buf_t *out);
int rc_meta_avro_heartbeat_key(const rc_heartbeat_record_t *hr, int32_t schema_id, rc_buf_t *out);
int rc_meta_avro_heartbeat_value(const rc_heartbeat_record_t *hr, int32_t schema_id, rc_buf_t *out);

/* Appends one JSON line for tr or hr. Return 0, or -1 when out of memory. */
int rc_meta_json_txn(const rc_txn_record_t *tr, rc_buf_t *out);
int rc_meta_json_heartbeat(const rc_heartbeat_record_t *hr, rc_buf_t *out);

#endif
