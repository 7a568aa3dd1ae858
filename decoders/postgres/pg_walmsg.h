/*
 * The CopyData messages of a PostgreSQL replication stream (START_REPLICATION), as bytes: parsing the
 * two the server sends and building the standby status update the client sends back. Pure functions
 * over caller buffers; nothing here touches a socket (decoders/postgres/pg_source.c owns the connection).
 *
 * Every integer is big-endian. Times are TimestampTz: microseconds since 2000-01-01 00:00:00 UTC (the
 * PostgreSQL epoch); rc_walmsg_pg_to_unix_us converts.
 *
 * XLogData (server -> client):
 *   Byte1('w')
 *   Int64  walStart: LSN where the payload starts (0 for messages that have no WAL position of their
 *          own, such as pgoutput Relation)
 *   Int64  walEnd: the server's current end of WAL
 *   Int64  sendTime
 *   Byten  payload: one pgoutput message (decoders/postgres/pgoutput.h)
 *
 * Primary keepalive (server -> client):
 *   Byte1('k')
 *   Int64  walEnd
 *   Int64  sendTime
 *   Byte1  replyRequested: 1 when the client should answer at once to avoid a timeout
 *
 * Standby status update (client -> server):
 *   Byte1('r')
 *   Int64  write LSN: last WAL byte + 1 received and written
 *   Int64  flush LSN: last WAL byte + 1 made durable (for rowcast: acknowledged by the sink)
 *   Int64  apply LSN
 *   Int64  sendTime
 *   Byte1  replyRequested
 */
#ifndef RC_PG_WALMSG_H
#define RC_PG_WALMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds from 1970-01-01 to 2000-01-01. */
#define RC_WALMSG_EPOCH_DIFF_US INT64_C(946684800000000)

/* Length of XLogData's header (type byte included), of a keepalive and of a status update. */
#define RC_WALMSG_XLOGDATA_HDR_LEN 25
#define RC_WALMSG_KEEPALIVE_LEN 18
#define RC_WALMSG_STATUS_LEN 34

typedef enum {
	RC_WALMSG_XLOGDATA = 'w',
	RC_WALMSG_KEEPALIVE = 'k',
} rc_walmsg_type_t;

typedef struct rc_walmsg {
	rc_walmsg_type_t type;
	union {
		struct {
			uint64_t wal_start;
			uint64_t wal_end;
			int64_t send_time;   /* PostgreSQL epoch, µs */
			const uint8_t *data; /* borrowed: points into the parsed buffer */
			size_t len;          /* payload length, may be 0 */
		} xlogdata;
		struct {
			uint64_t wal_end;
			int64_t send_time; /* PostgreSQL epoch, µs */
			bool reply_requested;
		} keepalive;
	};
} rc_walmsg_t;

/*
 * Parses one CopyData message of the replication stream (buf, len: its payload, type byte first).
 * Returns 0 and fills *out, whose xlogdata.data borrows buf; or -1 with a message in err, naming the
 * message ("walmsg keepalive: 12 bytes, expected 18"), for a short or overlong message or an unknown
 * type.
 */
int rc_walmsg_parse(const uint8_t *buf, size_t len, rc_walmsg_t *out, char *err, size_t errlen);

/*
 * Writes a standby status update into buf (RC_WALMSG_STATUS_LEN bytes). Returns the number of bytes
 * written, or -1 when buflen is too small (buf is then untouched).
 */
int rc_walmsg_build_status(uint8_t *buf, size_t buflen, uint64_t write_lsn, uint64_t flush_lsn,
                           uint64_t apply_lsn, int64_t send_time, bool reply_requested);

/* PostgreSQL-epoch µs to Unix-epoch µs and back, saturating at INT64_MIN/INT64_MAX (PostgreSQL's
 * -infinity and infinity timestamps stay infinite). */
int64_t rc_walmsg_pg_to_unix_us(int64_t pg_us);
int64_t rc_walmsg_unix_to_pg_us(int64_t unix_us);

/* The current time (CLOCK_REALTIME) in PostgreSQL-epoch µs, for sendTime. */
int64_t rc_walmsg_now_pg_us(void);

/* The name of a message type for logs ("XLogData", "keepalive"), "unknown" for any other byte. */
const char *rc_walmsg_type_name(int type);

#endif
