/*
 * MySQL and MariaDB binary log events, as bytes: one event (its 19-byte header, its body and, when the
 * FORMAT_DESCRIPTION says so, its trailing CRC32) into one rc_binlog_event_t. No sockets, no files:
 * binlog_file.c walks a file, the replication stream (later) hands over the events of its packets.
 * The only state between calls is the rc_binlog_fmt_t taken from the last FORMAT_DESCRIPTION, which
 * the caller keeps and updates with rc_binlog_fmt_update().
 *
 * Event header (v4, all integers little-endian):
 *   Int4 timestamp, Int1 type, Int4 server_id, Int4 event_size (header, body and checksum),
 *   Int4 log_pos (end of this event in the file; 0 in relay logs and artificial events), Int2 flags
 *
 * Bodies decoded (post-header, then payload; "rest" = up to the checksum):
 *   FORMAT_DESCRIPTION 15  Int2 binlog version, String[50] server version, Int4 created, Int1 header
 *                          length, post-header lengths (one per type, from type 1), and from MySQL
 *                          5.6.1: Int1 checksum algorithm (0 NONE, 1 CRC32), Int4 CRC of this event
 *   ROTATE 4               Int8 position, rest = next file name
 *   QUERY 2                Int4 thread id, Int4 exec time, Int1 schema length, Int2 error code,
 *                          Int2 status vars length, status vars, schema, NUL, rest = statement
 *   XID 16                 Int8 xid
 *   GTID 33, ANONYMOUS 34  Int1 flags, 16 bytes UUID, Int8 GNO, [Int1 2, Int8 last committed,
 *                          Int8 sequence number, ...]
 *   GTID_TAGGED 42         mysql::serialization message: varint fields 0 flags, 1 UUID (16 varints),
 *                          2 GNO, 3 tag, 4 last committed, 5 sequence number, later fields not read
 *   PREVIOUS_GTIDS 35      Int8 n_sids (byte 7 = 1: tagged format, count in the low 7 bytes),
 *                          n_sids × { 16 bytes UUID, [tagged: varint length + tag], Int8 n_intervals,
 *                          n_intervals × { Int8 start, Int8 end (exclusive) } }
 *   ROWS_QUERY 29          Int1 length (unreliable, ignored), rest = statement
 *   TABLE_MAP 19           Int6 table id, Int2 flags, Int1 len + db + NUL, Int1 len + table + NUL,
 *                          lenenc column count, types, lenenc metadata length + metadata, null
 *                          bitmap, optional metadata TLVs { Int1 type, lenenc length, value }
 *   rows 23-25, 30-32, 39  Int6 table id, Int2 flags, [v2: Int2 extra length (itself included) +
 *                          extra data], lenenc column count, present bitmap, [update: second bitmap],
 *                          rest = row images (kept as a byte range)
 *   TRANSACTION_PAYLOAD 40 TLVs { lenenc type, lenenc length, value } until type 0, rest = payload
 *                          (1 payload size, 2 compression: 0 zstd 255 none, 3 uncompressed size).
 *                          binlog_payload.h decompresses it; its inner events are ordinary events
 *                          for rc_binlog_parse, without checksums.
 *   MariaDB GTID 162       Int8 seq, Int4 domain id, Int1 flags, [flags & 2: Int8 commit id], ...; GTID_LIST
 * 163: Int4 count (low 28 bits), count × { Int4 domain, Int4 server, Int8 seq }; BINLOG_CHECKPOINT 161: Int4
 * length, file name; ANNOTATE_ROWS 160: rest
 *
 *   MariaDB QUERY_COMPRESSED 165 and WRITE/UPDATE/DELETE_ROWS_COMPRESSED(_V1) 166-171
 *                          (log_bin_compress=ON): as QUERY and rows v1 (166-168) / v2 (169-171),
 *                          but the statement, or the row images after the bitmaps, compressed:
 *                          Int1 0x80 | algorithm << 4 | n (zlib 0; n = 1-4), n bytes uncompressed
 *                          length big-endian, zlib stream to the end. Decoded into kind QUERY / ROWS
 *                          with the inflated bytes in the arena (the type stays the compressed one).
 *
 * Every other event type is RC_BINLOG_SKIPPED with its header decoded, except a rows event of a format
 * rowcast does not read (the pre-GA v0 rows events 20-22): that is an error, so no row change is
 * dropped without a word.
 */
#ifndef RC_BINLOG_H
#define RC_BINLOG_H

#include "agent/arena.h"
#include "agent/errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_BINLOG_HEADER_LEN 19
#define RC_BINLOG_CRC_LEN 4

/* Event type numbers (MySQL's Log_event_type, MariaDB's additions from 160). */
enum {
	RC_BINLOG_UNKNOWN = 0,
	RC_BINLOG_START_V3 = 1,
	RC_BINLOG_QUERY = 2,
	RC_BINLOG_STOP = 3,
	RC_BINLOG_ROTATE = 4,
	RC_BINLOG_INTVAR = 5,
	RC_BINLOG_RAND = 13,
	RC_BINLOG_USER_VAR = 14,
	RC_BINLOG_FORMAT_DESCRIPTION = 15,
	RC_BINLOG_XID = 16,
	RC_BINLOG_TABLE_MAP = 19,
	RC_BINLOG_WRITE_ROWS_V0 = 20,
	RC_BINLOG_UPDATE_ROWS_V0 = 21,
	RC_BINLOG_DELETE_ROWS_V0 = 22,
	RC_BINLOG_WRITE_ROWS_V1 = 23,
	RC_BINLOG_UPDATE_ROWS_V1 = 24,
	RC_BINLOG_DELETE_ROWS_V1 = 25,
	RC_BINLOG_INCIDENT = 26,
	RC_BINLOG_HEARTBEAT = 27,
	RC_BINLOG_IGNORABLE = 28,
	RC_BINLOG_ROWS_QUERY = 29,
	RC_BINLOG_WRITE_ROWS_V2 = 30,
	RC_BINLOG_UPDATE_ROWS_V2 = 31,
	RC_BINLOG_DELETE_ROWS_V2 = 32,
	RC_BINLOG_GTID = 33,
	RC_BINLOG_ANONYMOUS_GTID = 34,
	RC_BINLOG_PREVIOUS_GTIDS = 35,
	RC_BINLOG_TRANSACTION_CONTEXT = 36,
	RC_BINLOG_VIEW_CHANGE = 37,
	RC_BINLOG_XA_PREPARE = 38,
	RC_BINLOG_PARTIAL_UPDATE_ROWS = 39,
	RC_BINLOG_TRANSACTION_PAYLOAD = 40,
	RC_BINLOG_HEARTBEAT_V2 = 41,
	RC_BINLOG_GTID_TAGGED = 42,
	RC_BINLOG_MARIA_ANNOTATE_ROWS = 160,
	RC_BINLOG_MARIA_BINLOG_CHECKPOINT = 161,
	RC_BINLOG_MARIA_GTID = 162,
	RC_BINLOG_MARIA_GTID_LIST = 163,
	RC_BINLOG_MARIA_START_ENCRYPTION = 164,
	RC_BINLOG_MARIA_QUERY_COMPRESSED = 165,
	RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1 = 166,
	RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1 = 167,
	RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1 = 168,
	RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED = 169,
	RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED = 170,
	RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED = 171,
};

/* Column types of TABLE_MAP and rows events: MySQL's enum_field_types (MariaDB's are the same). */
enum {
	RC_MYT_DECIMAL = 0,
	RC_MYT_TINY = 1,
	RC_MYT_SHORT = 2,
	RC_MYT_LONG = 3,
	RC_MYT_FLOAT = 4,
	RC_MYT_DOUBLE = 5,
	RC_MYT_NULL = 6,
	RC_MYT_TIMESTAMP = 7,
	RC_MYT_LONGLONG = 8,
	RC_MYT_INT24 = 9,
	RC_MYT_DATE = 10,
	RC_MYT_TIME = 11,
	RC_MYT_DATETIME = 12,
	RC_MYT_YEAR = 13,
	RC_MYT_NEWDATE = 14,
	RC_MYT_VARCHAR = 15,
	RC_MYT_BIT = 16,
	RC_MYT_TIMESTAMP2 = 17,
	RC_MYT_DATETIME2 = 18,
	RC_MYT_TIME2 = 19,
	RC_MYT_VECTOR = 242,
	RC_MYT_JSON = 245,
	RC_MYT_NEWDECIMAL = 246,
	RC_MYT_ENUM = 247,
	RC_MYT_SET = 248,
	RC_MYT_TINY_BLOB = 249,
	RC_MYT_MEDIUM_BLOB = 250,
	RC_MYT_LONG_BLOB = 251,
	RC_MYT_BLOB = 252,
	RC_MYT_VAR_STRING = 253,
	RC_MYT_STRING = 254,
	RC_MYT_GEOMETRY = 255,
};

/* What the body decoded into (the tag of rc_binlog_event_t's union). */
typedef enum rc_binlog_kind {
	RC_BINLOG_K_SKIPPED = 0, /* header only: a type rowcast has no use for (or not decoded yet) */
	RC_BINLOG_K_FDE,
	RC_BINLOG_K_ROTATE,
	RC_BINLOG_K_QUERY,
	RC_BINLOG_K_XID,
	RC_BINLOG_K_GTID, /* GTID, ANONYMOUS_GTID and GTID_TAGGED */
	RC_BINLOG_K_PREVIOUS_GTIDS,
	RC_BINLOG_K_ROWS_QUERY, /* ROWS_QUERY and MariaDB's ANNOTATE_ROWS */
	RC_BINLOG_K_TABLE_MAP,
	RC_BINLOG_K_ROWS,
	RC_BINLOG_K_PAYLOAD,
	RC_BINLOG_K_STOP,
	RC_BINLOG_K_HEARTBEAT,
	RC_BINLOG_K_MARIA_GTID,
	RC_BINLOG_K_MARIA_GTID_LIST,
	RC_BINLOG_K_MARIA_CHECKPOINT,
} rc_binlog_kind_t;

/* A byte range borrowed from the event buffer (not NUL-terminated), or an arena copy. */
typedef struct rc_binlog_str {
	const char *s;
	size_t len;
} rc_binlog_str_t;

/* What the last FORMAT_DESCRIPTION says about the events after it. */
typedef struct rc_binlog_fmt {
	bool crc32;              /* events end in a CRC32 of everything before it */
	uint8_t header_len;      /* 19 for v4 */
	uint8_t post_header[64]; /* post-header length by type - 1, 0 where unknown */
	size_t npost_header;     /* entries in post_header */
	bool mariadb;            /* the server version says MariaDB (its TABLE_MAP charsets differ) */
} rc_binlog_fmt_t;

typedef struct rc_binlog_fde {
	uint16_t binlog_version;
	char server_version[51]; /* NUL-terminated copy */
	uint32_t created;
	uint8_t header_len;
	int checksum_alg;           /* 0 NONE, 1 CRC32, -1 absent (server before 5.6.1) */
	const uint8_t *post_header; /* borrowed from the event buffer */
	size_t npost_header;
} rc_binlog_fde_t;

typedef struct rc_binlog_rotate {
	uint64_t position;
	rc_binlog_str_t next_file;
} rc_binlog_rotate_t;

typedef struct rc_binlog_query {
	uint32_t thread_id;
	uint32_t exec_time;
	uint16_t error_code;
	rc_binlog_str_t schema;
	rc_binlog_str_t statement;
} rc_binlog_query_t;

typedef struct rc_binlog_gtid {
	uint8_t flags;
	char uuid[37];          /* "xxxxxxxx-xxxx-...", NUL-terminated */
	char tag[33];           /* GTID_TAGGED only, "" otherwise */
	int64_t gno;            /* 0 in ANONYMOUS_GTID */
	bool has_logical_clock; /* MySQL 5.7+: the two fields below are set */
	int64_t last_committed;
	int64_t sequence_number;
} rc_binlog_gtid_t;

typedef struct rc_binlog_prev_gtids {
	uint64_t nsids;
	const char *text; /* arena: "uuid:1-5:7-9,uuid:tag:1-3", "" for an empty set */
} rc_binlog_prev_gtids_t;

/* The strings of one ENUM or SET column. */
typedef struct rc_binlog_strlist {
	uint32_t column; /* 0-based column index */
	uint32_t n;
	rc_binlog_str_t *v; /* arena */
} rc_binlog_strlist_t;

typedef struct rc_binlog_table_map {
	uint64_t table_id;
	uint16_t flags;
	rc_binlog_str_t db, table;
	uint32_t ncolumns;
	const uint8_t *types;       /* borrowed, ncolumns bytes */
	uint16_t *meta;             /* arena, ncolumns entries: each column's metadata (0 when it has none) */
	const uint8_t *null_bitmap; /* borrowed, (ncolumns + 7) / 8 bytes, bit i = column i nullable */
	/* Optional metadata (binlog_row_metadata); absent fields stay NULL / 0. */
	const uint8_t *signedness; /* borrowed bitmap, MSB first, one bit per numeric column */
	size_t signedness_len;
	rc_binlog_str_t *column_names; /* arena, ncolumns entries, or NULL */
	uint32_t *pk;                  /* arena, npk 0-based column indexes */
	uint32_t *pk_prefix;           /* arena, npk prefix lengths (0: whole column), or NULL */
	uint32_t npk;
	rc_binlog_strlist_t *enums, *sets; /* arena */
	uint32_t nenums, nsets;
	const uint8_t *visibility; /* borrowed bitmap, MSB first, one bit per column (1 visible) */
	size_t visibility_len;
	uint64_t default_charset;  /* DEFAULT_CHARSET's default collation, 0 if absent */
	uint64_t *column_charsets; /* arena, COLUMN_CHARSET's collations in column order of the string
	                            * columns, ncolumn_charsets entries */
	uint32_t ncolumn_charsets;
	uint64_t *charset_exceptions; /* arena: DEFAULT_CHARSET's (column, collation) pairs, flat */
	uint32_t ncharset_exceptions; /* pairs */
	uint64_t *geometry_types;     /* arena: GEOMETRY_TYPE, one per geometry column */
	uint32_t ngeometry_types;
	uint64_t *vector_dims; /* arena: VECTOR_DIMENSIONALITY (MySQL 9), one per VECTOR column */
	uint32_t nvector_dims;
	const uint8_t *enum_set_charsets; /* borrowed: ENUM_AND_SET_DEFAULT_CHARSET (type 10) or
	                                   * ENUM_AND_SET_COLUMN_CHARSET (11), undecoded */
	size_t enum_set_charsets_len;
	uint8_t enum_set_charsets_type;
	uint32_t ntlv_unknown; /* TLVs of unknown type, skipped by length */
	bool mariadb;          /* written by MariaDB (rc_binlog_fmt_t.mariadb): its DEFAULT_CHARSET and
	                        * COLUMN_CHARSET count GEOMETRY columns as character columns, MySQL's not */
} rc_binlog_table_map_t;

typedef struct rc_binlog_rows {
	int version; /* 1 or 2 */
	uint64_t table_id;
	uint16_t flags;
	uint32_t ncolumns;
	const uint8_t *present;       /* borrowed, (ncolumns + 7) / 8 bytes, LSB first */
	const uint8_t *present_after; /* UPDATE and PARTIAL_UPDATE: the after image's bitmap, else NULL */
	const uint8_t *rows;          /* borrowed: the row images, undecoded */
	size_t rows_len;
	size_t rows_offset; /* where rows starts in the event (in its uncompressed body for MariaDB's
	                     * compressed rows events), for messages */
} rc_binlog_rows_t;

typedef struct rc_binlog_payload {
	uint64_t compression; /* 0 zstd, 255 none */
	uint64_t payload_size;
	uint64_t uncompressed_size;
	const uint8_t *payload; /* borrowed */
	size_t payload_len;
} rc_binlog_payload_t;

typedef struct rc_binlog_maria_gtid {
	uint64_t seq;
	uint32_t domain;
	uint32_t server;    /* from the event header */
	uint8_t flags;      /* 1 standalone (no BEGIN/COMMIT), 2 group commit id follows, ... */
	uint64_t commit_id; /* with flag 2: transactions of one group commit share it */
} rc_binlog_maria_gtid_t;

typedef struct rc_binlog_event {
	/* Header */
	uint32_t timestamp;
	uint8_t type;
	uint32_t server_id;
	uint32_t size;
	uint32_t log_pos;
	uint16_t flags;
	rc_binlog_kind_t kind;
	bool in_payload; /* an event inside a TRANSACTION_PAYLOAD (set by the file walker and the stream,
	                  * not by rc_binlog_parse) */
	union {
		rc_binlog_fde_t fde;
		rc_binlog_rotate_t rotate;
		rc_binlog_query_t query;
		uint64_t xid;
		rc_binlog_gtid_t gtid;
		rc_binlog_prev_gtids_t prev_gtids;
		rc_binlog_str_t rows_query;
		rc_binlog_table_map_t table_map;
		rc_binlog_rows_t rows;
		rc_binlog_payload_t payload;
		rc_binlog_str_t heartbeat_file;
		rc_binlog_maria_gtid_t maria_gtid;
		const char *maria_gtid_list; /* arena: "domain-server-seq,..." */
		rc_binlog_str_t checkpoint_file;
	} u;
} rc_binlog_event_t;

/* The format before any FORMAT_DESCRIPTION: v4 header, no checksums, MySQL 8's post-header lengths
 * for the types the parser reads. */
void rc_binlog_fmt_init(rc_binlog_fmt_t *fmt);

/* Adopts a decoded FORMAT_DESCRIPTION (ev->kind RC_BINLOG_K_FDE) for the events after it. */
void rc_binlog_fmt_update(rc_binlog_fmt_t *fmt, const rc_binlog_event_t *ev);

/*
 * Decodes the event in buf (len bytes: exactly one event, its header's event_size) under fmt.
 * Returns 0 and fills *ev, whose strings and ranges borrow from buf and arena (both must outlive
 * it); or RC_ERR_FATAL with a message in err naming the event type, its log position and the byte
 * offset in the event: a truncated or inconsistent event, a CRC32 mismatch, a rows event of an
 * unknown format. A FORMAT_DESCRIPTION's own checksum is judged from its own algorithm byte.
 */
int rc_binlog_parse(const rc_binlog_fmt_t *fmt, const uint8_t *buf, size_t len, rc_arena_t *arena,
                    rc_binlog_event_t *ev, char *err, size_t errlen);

/* The type's name ("TABLE_MAP", "MARIA_GTID_LIST"), or "UNKNOWN" for a number rowcast does not know. */
const char *rc_binlog_type_name(int type);

/* True for the types that carry row changes (any version, compressed ones included). */
bool rc_binlog_is_rows_type(int type);

#endif
