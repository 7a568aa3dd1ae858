/*
 * The pgoutput logical replication protocol, as bytes: one message (the payload of one XLogData
 * frame, or one row of pg_logical_slot_get_binary_changes) into one rc_pgo_msg_t. No sockets, no
 * state kept between calls: the caller tracks the protocol version it asked for and whether it is
 * inside a stream block (rc_pgoutput_next_in_stream).
 *
 * Protocol versions:
 *   1  PostgreSQL 10+: transactions are sent whole, at commit.
 *   2  PostgreSQL 14+ with streaming=on: large transactions arrive in blocks between Stream Start and
 *      Stream Stop, and inside a block Relation, Type, Insert, Update, Delete, Truncate and Message
 *      carry the xid of the streamed transaction after the type byte.
 *   3  PostgreSQL 15+ with two_phase=on: Begin Prepare, Prepare, Commit Prepared, Rollback Prepared,
 *      Stream Prepare.
 *   4  PostgreSQL 16+ with streaming=parallel: Stream Abort also carries the abort LSN and time.
 *
 * Wire format (all integers big-endian; String = bytes up to a NUL; "xid?" = Int32 xid, present only
 * inside a stream block):
 *   Begin 'B'           Int64 final LSN, Int64 commit time, Int32 xid
 *   Commit 'C'          Int8 flags (0), Int64 commit LSN, Int64 end LSN, Int64 commit time
 *   Origin 'O'          Int64 commit LSN on the origin, String origin name
 *   Relation 'R'        xid?, Int32 relid, String namespace ("" = pg_catalog), String name,
 *                       Int8 replica identity ('d' default, 'n' nothing, 'f' full, 'i' index),
 *                       Int16 natts, natts × { Int8 flags (1 = part of the key), String name,
 *                       Int32 type OID, Int32 typmod }
 *   Type 'Y'            xid?, Int32 type OID, String namespace ("" = pg_catalog), String name
 *   Insert 'I'          xid?, Int32 relid, 'N', TupleData
 *   Update 'U'          xid?, Int32 relid, optional ('K' key | 'O' old row, TupleData), 'N', TupleData
 *   Delete 'D'          xid?, Int32 relid, 'K' | 'O', TupleData
 *   Truncate 'T'        xid?, Int32 nrels, Int8 options (1 CASCADE, 2 RESTART IDENTITY),
 *                       nrels × Int32 relid
 *   Message 'M'         xid?, Int8 flags (1 = transactional), Int64 LSN, String prefix,
 *                       Int32 length, Byten content
 *   Stream Start 'S'    Int32 xid, Int8 first segment (1 for the first block of a transaction)
 *   Stream Stop 'E'     nothing
 *   Stream Commit 'c'   Int32 xid, Int8 flags (0), Int64 commit LSN, Int64 end LSN, Int64 commit time
 *   Stream Abort 'A'    Int32 xid, Int32 subxid (= xid when the whole transaction aborts),
 *                       v4 with streaming=parallel only: Int64 abort LSN, Int64 abort time
 *   Begin Prepare 'b'   Int64 prepare LSN, Int64 end LSN, Int64 prepare time, Int32 xid, String gid
 *   Prepare 'P'         Int8 flags (0), Int64 prepare LSN, Int64 end LSN, Int64 prepare time,
 *                       Int32 xid, String gid
 *   Commit Prepared 'K' Int8 flags (0), Int64 commit LSN, Int64 end LSN, Int64 commit time,
 *                       Int32 xid, String gid
 *   Rollback Prepared 'r'  Int8 flags (0), Int64 prepare end LSN, Int64 rollback end LSN,
 *                       Int64 prepare time, Int64 rollback time, Int32 xid, String gid
 *   Stream Prepare 'p'  as Prepare
 *   TupleData           Int16 ncols, ncols × { 'n' null | 'u' unchanged TOAST |
 *                       't' Int32 len, len bytes of text | 'b' Int32 len, len bytes of binary }
 * Times are microseconds since 2000-01-01 UTC (rc_walmsg_pg_to_unix_us in decoders/postgres/pg_walmsg.h).
 *
 * Seen on the wire (tests/fixtures/pgoutput): the xid inside a stream block is that of the
 * subtransaction making the change, so it can differ from Stream Start's xid, and Relation and Type
 * are sent again for each subtransaction. A Type message for a domain carries the domain's OID with
 * the namespace and name of its base type ("pg_catalog"."text").
 *
 * Memory: a parsed message borrows. Strings (names, prefix, gid) and datums point into the input
 * buffer, which must outlive every use of the message; strings are the NUL-terminated bytes of the
 * message itself, datums are (data, len) and not terminated. Arrays (tuple columns, relation
 * attributes, truncated relids) are allocated from the caller's arena. To keep a relation beyond the
 * buffer's life (a schema cache), copy what you need.
 */
#ifndef RC_PGOUTPUT_H
#define RC_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/arena.h"

#define RC_PGO_PROTO_MIN 1
#define RC_PGO_PROTO_MAX 4

/* PostgreSQL's MaxTupleAttributeNumber: no tuple or relation has more columns. */
#define RC_PGO_MAX_COLS 1664

/* The wire byte of each message type. */
typedef enum {
	RC_PGO_BEGIN = 'B',
	RC_PGO_COMMIT = 'C',
	RC_PGO_ORIGIN = 'O',
	RC_PGO_RELATION = 'R',
	RC_PGO_TYPE = 'Y',
	RC_PGO_INSERT = 'I',
	RC_PGO_UPDATE = 'U',
	RC_PGO_DELETE = 'D',
	RC_PGO_TRUNCATE = 'T',
	RC_PGO_MESSAGE = 'M',
	RC_PGO_STREAM_START = 'S',
	RC_PGO_STREAM_STOP = 'E',
	RC_PGO_STREAM_COMMIT = 'c',
	RC_PGO_STREAM_ABORT = 'A',
	RC_PGO_BEGIN_PREPARE = 'b',
	RC_PGO_PREPARE = 'P',
	RC_PGO_COMMIT_PREPARED = 'K',
	RC_PGO_ROLLBACK_PREPARED = 'r',
	RC_PGO_STREAM_PREPARE = 'p',
} rc_pgo_msg_type_t;

/* The wire byte of each TupleData column kind. */
typedef enum {
	RC_PGO_COL_NULL = 'n',
	RC_PGO_COL_UNCHANGED = 'u', /* unchanged TOAST value: not sent, and not NULL */
	RC_PGO_COL_TEXT = 't',      /* the type's output function text */
	RC_PGO_COL_BINARY = 'b',    /* the type's send function bytes (binary = true) */
} rc_pgo_col_kind_t;

typedef struct rc_pgo_col {
	rc_pgo_col_kind_t kind;
	uint32_t len;        /* 0 for null and unchanged */
	const uint8_t *data; /* borrowed from the input; NULL for null and unchanged */
} rc_pgo_col_t;

typedef struct rc_pgo_tuple {
	int ncols;          /* 0..RC_PGO_MAX_COLS */
	rc_pgo_col_t *cols; /* from the arena; NULL when ncols is 0 */
} rc_pgo_tuple_t;

/* Relation attribute flags. */
#define RC_PGO_ATTR_KEY 1

typedef struct rc_pgo_attr {
	uint8_t flags;    /* RC_PGO_ATTR_KEY */
	const char *name; /* borrowed */
	uint32_t type_oid;
	int32_t typmod;
} rc_pgo_attr_t;

/* Relation replica identities (pg_class.relreplident). */
typedef enum {
	RC_PGO_IDENT_DEFAULT = 'd', /* primary key */
	RC_PGO_IDENT_NOTHING = 'n',
	RC_PGO_IDENT_FULL = 'f',
	RC_PGO_IDENT_INDEX = 'i',
} rc_pgo_replident_t;

/* Truncate options. */
#define RC_PGO_TRUNCATE_CASCADE 1
#define RC_PGO_TRUNCATE_RESTART_IDENTITY 2

/* Message flags. */
#define RC_PGO_MESSAGE_TRANSACTIONAL 1

/* Old-row marker of Update and Delete. */
#define RC_PGO_OLD_NONE 0
#define RC_PGO_OLD_KEY 'K'
#define RC_PGO_OLD_ROW 'O'

typedef struct rc_pgo_msg {
	rc_pgo_msg_type_t type;
	/* Inside a stream block: the xid carried by Relation, Type, Insert, Update, Delete, Truncate
	 * and Message (the streamed transaction's or one of its subtransactions'). 0 otherwise. */
	uint32_t stream_xid;
	union {
		struct {
			uint64_t final_lsn;
			int64_t commit_ts;
			uint32_t xid;
		} begin;
		struct {
			uint8_t flags;
			uint64_t commit_lsn;
			uint64_t end_lsn;
			int64_t commit_ts;
		} commit;
		struct {
			uint64_t commit_lsn;
			const char *name;
		} origin;
		struct {
			uint32_t relid;
			const char *nspname; /* "pg_catalog" when the wire has "" */
			const char *relname;
			rc_pgo_replident_t replident;
			int natts;
			rc_pgo_attr_t *attrs; /* from the arena; NULL when natts is 0 */
		} relation;
		struct {
			uint32_t oid;
			const char *nspname; /* "pg_catalog" when the wire has "" */
			const char *name;
		} pgtype;
		struct {
			uint32_t relid;
			rc_pgo_tuple_t newtup;
		} insert;
		struct {
			uint32_t relid;
			char old_kind; /* RC_PGO_OLD_NONE, _KEY or _ROW */
			rc_pgo_tuple_t oldtup;
			rc_pgo_tuple_t newtup;
		} update;
		struct {
			uint32_t relid;
			char old_kind; /* RC_PGO_OLD_KEY or _ROW */
			rc_pgo_tuple_t oldtup;
		} delete;
		struct {
			uint32_t nrels;
			uint8_t options;  /* RC_PGO_TRUNCATE_* */
			uint32_t *relids; /* from the arena; NULL when nrels is 0 */
		} truncate;
		struct {
			uint8_t flags; /* RC_PGO_MESSAGE_TRANSACTIONAL */
			uint64_t lsn;
			const char *prefix;
			uint32_t len;
			const uint8_t *content; /* borrowed; not NUL-terminated */
		} message;
		struct {
			uint32_t xid;
			bool first_segment;
		} stream_start;
		struct {
			uint32_t xid;
			uint8_t flags;
			uint64_t commit_lsn;
			uint64_t end_lsn;
			int64_t commit_ts;
		} stream_commit;
		struct {
			uint32_t xid;
			uint32_t subxid;
			bool has_abort_info; /* v4, streaming=parallel */
			uint64_t abort_lsn;
			int64_t abort_ts;
		} stream_abort;
		/* Begin Prepare (flags 0), Prepare and Stream Prepare. */
		struct {
			uint8_t flags;
			uint64_t prepare_lsn;
			uint64_t end_lsn;
			int64_t prepare_ts;
			uint32_t xid;
			const char *gid;
		} prepare;
		struct {
			uint8_t flags;
			uint64_t commit_lsn;
			uint64_t end_lsn;
			int64_t commit_ts;
			uint32_t xid;
			const char *gid;
		} commit_prepared;
		struct {
			uint8_t flags;
			uint64_t prepare_end_lsn;
			uint64_t rollback_end_lsn;
			int64_t prepare_ts;
			int64_t rollback_ts;
			uint32_t xid;
			const char *gid;
		} rollback_prepared;
	};
} rc_pgo_msg_t;

/*
 * Parses one pgoutput message of buf[0..len). proto_version is the version given to
 * START_REPLICATION (RC_PGO_PROTO_MIN..RC_PGO_PROTO_MAX); in_stream says the message comes between
 * Stream Start and Stream Stop. Arrays are allocated from arena (required; reset it per message or
 * per transaction as suits the caller).
 *
 * Returns 0 with *out filled (borrowing buf, see above), or -1 with a message in err naming the
 * message type and the byte offset: "pgoutput Insert: truncated at offset 7: need 4 bytes, 2 left",
 * "pgoutput: unknown message type 'Z' (0x5a) at offset 0". Every malformed input is an error, never
 * undefined behaviour: short reads, trailing bytes after the message, negative lengths, column counts
 * above RC_PGO_MAX_COLS, strings without a NUL, unknown column kinds or replica identities, message
 * types not defined in proto_version, and messages out of place for in_stream (Begin inside a stream
 * block, Stream Stop outside one). *out is unspecified after an error.
 */
int rc_pgoutput_parse(const uint8_t *buf, size_t len, int proto_version, bool in_stream, rc_arena_t *arena,
                      rc_pgo_msg_t *out, char *err, size_t errlen);

/* Whether the next message is inside a stream block, after msg was parsed with in_stream. */
bool rc_pgoutput_next_in_stream(bool in_stream, const rc_pgo_msg_t *msg);

/* The name of a message type for logs ("Insert", "Stream Start"); "unknown" for any other byte. */
const char *rc_pgoutput_type_name(int type);

/*
 * Writes a one-line, human-readable rendering of msg into buf (always NUL-terminated when buflen > 0),
 * for logs and tests:
 *   Insert rel=16385 new=(t:"1", t:"alice", n, u)
 *   Begin final_lsn=0/15D6A38 commit_ts=2024-02-29T12:34:56.789012Z xid=740
 * Datums longer than datum_max bytes are cut, with their full length shown (0: no limit). Returns the
 * length of the full rendering, as snprintf does: a result >= buflen means it was cut.
 */
size_t rc_pgoutput_format(const rc_pgo_msg_t *msg, size_t datum_max, char *buf, size_t buflen);

#endif
