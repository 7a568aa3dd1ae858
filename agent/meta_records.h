/*
 * The records that are not change events, as the encoders receive them: a transaction's BEGIN or
 * END (Debezium's TransactionMetadataKey/Value on <topic.prefix>.transaction, agent/txmeta.h) and
 * a heartbeat (ServerNameKey/Heartbeat on __debezium-heartbeat.<topic.prefix>, agent/heartbeat.h).
 * Everything is borrowed for the encode call.
 */
#ifndef RC_META_RECORDS_H
#define RC_META_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One data collection's events in a transaction (Debezium's event.collection). */
typedef struct rc_txn_count {
	const char *data_collection; /* "schema.table" (MySQL: "database.table") */
	int64_t event_count;
} rc_txn_count_t;

typedef struct rc_txn_record {
	const char *topic;
	bool end;       /* status END (else BEGIN) */
	const char *id; /* the key's id and the value's */
	int64_t ts_ms;
	/* END only (BEGIN: null in the record) */
	int64_t event_count;
	const rc_txn_count_t *collections;
	size_t ncollections;
} rc_txn_record_t;

typedef struct rc_heartbeat_record {
	const char *topic;
	const char *server_name; /* the key: topic.prefix */
	int64_t ts_ms;           /* when it was made (Debezium: the connector's clock) */
	const char *position;    /* the confirmed position as JSON (the source's codec), a header */
} rc_heartbeat_record_t;

/* The header carrying a heartbeat's position (Debezium puts it in the Connect source offset). */
#define RC_HEARTBEAT_POSITION_HEADER "rowcast.position"

#endif
