#include "config.h"

#include "sinks/meta_encode.h"

#include "sinks/avro_encode.h"
#include "sinks/json_encode.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define COMMON_NS "io.debezium.connector.common"

/* {"name": name, "type": type} (type taken) */
static json_t *field(const char *name, json_t *type)
{
	return json_pack("{s:s, s:o}", "name", name, "type", type);
}

/* ["null", type] with default null (type taken) */
static json_t *opt_field(const char *name, json_t *type)
{
	return json_pack("{s:s, s:[s, o], s:n}", "name", name, "type", "null", type, "default");
}

/* A record with the Connect name and version the AvroConverter adds (fields taken). */
static json_t *record(const char *ns, const char *name, json_t *fields)
{
	char full[256];

	snprintf(full, sizeof full, "%s.%s", ns, name);
	return json_pack("{s:s, s:s, s:s, s:o, s:i, s:s}", "type", "record", "name", name, "namespace", ns,
	                 "fields", fields, "connect.version", 1, "connect.name", full);
}

char *rc_meta_schema_json(rc_meta_schema_t which)
{
	json_t *root = NULL, *item;
	char *text;

	switch (which) {
	case RC_META_TXN_KEY:
		root = record(COMMON_NS, "TransactionMetadataKey",
		              json_pack("[o]", field("id", json_string("string"))));
		break;
	case RC_META_TXN_VALUE:
		item = record("event", "collection",
		              json_pack("[o, o]", field("data_collection", json_string("string")),
		                        field("event_count", json_string("long"))));
		root =
		    record(COMMON_NS, "TransactionMetadataValue",
		           json_pack("[o, o, o, o, o]", field("status", json_string("string")),
		                     field("id", json_string("string")),
		                     opt_field("event_count", json_string("long")),
		                     opt_field("data_collections", json_pack("{s:s, s:[s, o]}", "type",
		                                                             "array", "items", "null", item)),
		                     field("ts_ms", json_string("long"))));
		break;
	case RC_META_HEARTBEAT_KEY:
		root = record(COMMON_NS, "ServerNameKey",
		              json_pack("[o]", field("serverName", json_string("string"))));
		break;
	case RC_META_HEARTBEAT_VALUE:
		root = record(COMMON_NS, "Heartbeat", json_pack("[o]", field("ts_ms", json_string("long"))));
		break;
	}
	if (!root)
		return NULL;
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

/* Ends one record: -1 and out->len back at start when the buffer failed. */
static int finish(rc_buf_t *out, size_t start)
{
	if (!rc_buf_failed(out))
		return 0;
	out->len = start;
	return -1;
}

static void union_index(rc_buf_t *out, int i)
{
	rc_avro_write_long(out, i);
}

int rc_meta_avro_txn_key(const rc_txn_record_t *tr, int32_t schema_id, rc_buf_t *out)
{
	size_t start = out->len;

	rc_avro_write_header(out, schema_id);
	rc_avro_write_string(out, tr->id ? tr->id : "");
	return finish(out, start);
}

int rc_meta_avro_txn_value(const rc_txn_record_t *tr, int32_t schema_id, rc_buf_t *out)
{
	size_t start = out->len;

	rc_avro_write_header(out, schema_id);
	rc_avro_write_string(out, tr->end ? "END" : "BEGIN");
	rc_avro_write_string(out, tr->id ? tr->id : "");
	union_index(out, tr->end ? 1 : 0); /* event_count */
	if (tr->end)
		rc_avro_write_long(out, tr->event_count);
	union_index(out, tr->end ? 1 : 0); /* data_collections */
	if (tr->end) {
		if (tr->ncollections > 0) {
			rc_avro_write_long(out, (int64_t)tr->ncollections);
			for (size_t i = 0; i < tr->ncollections; i++) {
				union_index(out, 1);
				rc_avro_write_string(out, tr->collections[i].data_collection);
				rc_avro_write_long(out, tr->collections[i].event_count);
			}
		}
		rc_avro_write_long(out, 0); /* end of the array */
	}
	rc_avro_write_long(out, tr->ts_ms);
	return finish(out, start);
}

int rc_meta_avro_heartbeat_key(const rc_heartbeat_record_t *hr, int32_t schema_id, rc_buf_t *out)
{
	size_t start = out->len;

	rc_avro_write_header(out, schema_id);
	rc_avro_write_string(out, hr->server_name ? hr->server_name : "");
	return finish(out, start);
}

int rc_meta_avro_heartbeat_value(const rc_heartbeat_record_t *hr, int32_t schema_id, rc_buf_t *out)
{
	size_t start = out->len;

	rc_avro_write_header(out, schema_id);
	rc_avro_write_long(out, hr->ts_ms);
	return finish(out, start);
}

static void json_str(rc_buf_t *out, const char *s)
{
	rc_json_write_string(out, s ? s : "", s ? strlen(s) : 0);
}

int rc_meta_json_txn(const rc_txn_record_t *tr, rc_buf_t *out)
{
	size_t start = out->len;

	rc_buf_puts(out, "{\"topic\":");
	json_str(out, tr->topic);
	rc_buf_puts(out, ",\"key\":{\"id\":");
	json_str(out, tr->id);
	rc_buf_puts(out, tr->end ? "},\"value\":{\"status\":\"END\",\"id\":"
	                         : "},\"value\":{\"status\":\"BEGIN\",\"id\":");
	json_str(out, tr->id);
	if (!tr->end) {
		rc_buf_puts(out, ",\"event_count\":null,\"data_collections\":null");
	} else {
		rc_buf_printf(out, ",\"event_count\":%lld,\"data_collections\":[",
		              (long long)tr->event_count);
		for (size_t i = 0; i < tr->ncollections; i++) {
			rc_buf_puts(out, i ? ",{\"data_collection\":" : "{\"data_collection\":");
			json_str(out, tr->collections[i].data_collection);
			rc_buf_printf(out, ",\"event_count\":%lld}",
			              (long long)tr->collections[i].event_count);
		}
		rc_buf_putc(out, ']');
	}
	rc_buf_printf(out, ",\"ts_ms\":%lld}}\n", (long long)tr->ts_ms);
	return finish(out, start);
}

int rc_meta_json_heartbeat(const rc_heartbeat_record_t *hr, rc_buf_t *out)
{
	size_t start = out->len;

	rc_buf_puts(out, "{\"topic\":");
	json_str(out, hr->topic);
	rc_buf_puts(out, ",\"key\":{\"serverName\":");
	json_str(out, hr->server_name);
	rc_buf_printf(out, "},\"value\":{\"ts_ms\":%lld},\"headers\":{\"" RC_HEARTBEAT_POSITION_HEADER "\":",
	              (long long)hr->ts_ms);
	json_str(out, hr->position);
	rc_buf_puts(out, "}}\n");
	return finish(out, start);
}
