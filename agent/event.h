/*
 * A change event: one row change (or truncate, or logical message) with its before and after images
 * and where in the source it happened. Decoders and the snapshot make them; encoders and sinks read
 * them.
 *
 * Ownership: an event, its values and its table are borrowed for the handler call that receives
 * them (rc_source_handler_t.event), nothing longer. The encoder copies what it needs into its own
 * buffer and the sink copies the record (Kafka: RD_KAFKA_MSG_F_COPY), so nothing of an event
 * outlives the call. Values live in the decoder's per-message arena (agent/arena.h) or, for
 * snapshot rows, in the batch's arena.
 */
#ifndef RC_EVENT_H
#define RC_EVENT_H

#include "agent/table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	RC_OP_CREATE = 'c',
	RC_OP_UPDATE = 'u',
	RC_OP_DELETE = 'd',
	RC_OP_READ = 'r', /* snapshot */
	RC_OP_TRUNCATE = 't',
	RC_OP_MESSAGE = 'm',
	RC_OP_SCHEMA_CHANGE = 's', /* MySQL/MariaDB DDL: Debezium's schema change event on <topic.prefix> */
} rc_op_t;

typedef enum {
	RC_V_NULL = 0,  /* SQL NULL, or a column absent from the image */
	RC_V_SET,       /* a value in the union below */
	RC_V_UNCHANGED, /* PostgreSQL unchanged TOAST value: not sent by the server, not NULL */
} rc_value_state_t;

/* The value of one column. Which union member holds it follows the column's rc_type_t:
 *   BOOL: b; INT8/16/32/64, DATE, TIME_*, TIMESTAMP_*, INTERVAL_MICROS: i; FLOAT32/64: f;
 *   STRING, BYTES, DECIMAL (unscaled big-endian two's complement): bytes;
 *   VARDECIMAL: bytes + scale; GEOMETRY: bytes (WKB) + scale (SRID); ARRAY: array. */
typedef struct rc_value {
	rc_value_state_t state;
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			const char *ptr; /* arena memory; strings are also NUL-terminated */
			size_t len;
			int32_t scale; /* VARDECIMAL only */
		} bytes;
		struct {
			struct rc_value *items;
			size_t n;
		} array;
	} u;
} rc_value_t;

/* Where an event comes from: what the Debezium "source" block is made of. The encoders read it only
 * through the field tables of agent/source_block.c, which say which field each member feeds. */
typedef struct rc_source_info {
	const char *connector; /* "postgresql", "mysql" or "mariadb" */
	const char *db;
	int64_t ts_us;        /* commit time at the source, µs since epoch */
	const char *snapshot; /* "false", "true", "first", "last", ... */
	/* Where the change was on its way, wall-clock µs since epoch, 0 when unknown (not written into
	 * the envelope: the latency stages of /metrics): the server's send time of the message that
	 * carried it (PostgreSQL's XLogData), and when rowcast read it off the connection. */
	int64_t sent_us, received_us;

	/* PostgreSQL */
	int64_t txid;             /* -1 when unknown */
	uint64_t lsn;             /* LSN of this change */
	uint64_t last_commit_lsn; /* commit LSN of the previous transaction (sequence[0]) */

	/* MySQL / MariaDB */
	const char *file;
	int64_t pos;
	int32_t row;
	int64_t server_id;
	const char *gtid;
	int64_t thread;    /* -1 when unknown */
	const char *query; /* the statement (include.query), or NULL */
	const char *table; /* schema change events: the table the DDL names (no rc_table_t), or NULL */

	/* This event's transaction as Debezium names it in the transaction block (PostgreSQL
	 * "xid:lsn", MySQL the GTID or "file=F,pos=P"); NULL: none (snapshot rows, standalone messages)
	 * or provide.transaction.metadata is off. */
	const char *txn_id;
} rc_source_info_t;

/* The envelope's transaction block (provide.transaction.metadata): event.block. */
typedef struct rc_txn_block {
	const char *id;
	int64_t total_order;           /* this event's place among its transaction's events, from 1 */
	int64_t data_collection_order; /* and among those of its table */
} rc_txn_block_t;

typedef struct rc_event {
	rc_op_t op;
	rc_table_t *table;  /* borrowed for the call; NULL for messages */
	rc_value_t *before; /* table->ncols values, or NULL when there is no before image */
	rc_value_t *after;  /* table->ncols values, or NULL (delete, truncate) */
	rc_source_info_t source;
	const rc_txn_block_t *transaction; /* NULL: the block is null (agent/txmeta.h fills it) */
	/* The image the key is read from when it is not the value's (before for a delete, else after):
	 * the column mappers mask the value but leave the key clear, as Debezium does. NULL: none. */
	const rc_value_t *key_image;

	/* RC_OP_MESSAGE only (pg_logical_emit_message) */
	const char *msg_prefix;
	const char *msg_content;
	size_t msg_len;
	bool msg_transactional;

	/* RC_OP_SCHEMA_CHANGE only: the statement, the database it ran in (databaseName; "" when none),
	 * and the tables it changed as rowcast knows them (tableChanges; none when unknown). */
	const char *ddl;
	size_t ddl_len;
	const char *ddl_db;
	const rc_table_t *const *ddl_tables;
	size_t nddl_tables;
} rc_event_t;

#endif
