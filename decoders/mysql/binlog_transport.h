/*
 * The replication connection to MySQL/MariaDB, on a thread of its own: it connects as a replica
 * (COM_REGISTER_SLAVE, then COM_BINLOG_DUMP from file:pos, MariaDB's GTID position through
 * @slave_connect_state, or COM_BINLOG_DUMP_GTID for MySQL GTID sets), blocks reading the server's
 * events, and hands them to the pipeline's loop in batches. The events stay bytes: the pure parser
 * (binlog.h) decodes them on the loop's thread.
 *
 * The client library (MariaDB Connector/C) does the connection, authentication and TLS; the two dump
 * commands and the packets after them go over that same connection (st_mariadb_methods.db_command and
 * mysql_net_read_packet), because mariadb_rpl_* cannot resume MySQL from a GTID set and decodes
 * events itself, which rowcast does not want.
 *
 * The hand-off, as the snapshot's: the thread fills a batch (events back to back, each after its
 * 4-byte length), appends it to a FIFO under the lock and writes a byte to a wake pipe when the FIFO
 * was empty; the loop takes batches and gives them back. The FIFO holds at most 8 MiB (an eighth of a smaller
 * max.queue.size.in.bytes): then the thread waits, and the server's send buffer fills (TCP back-pressure).
 * The first failure ends the thread; the loop sees it after the events before it.
 *
 * Dead connections: the server sends a heartbeat every binlog.heartbeat.interval.ms while the binlog
 * is quiet (@master_heartbeat_period); a read that sees nothing for three intervals fails.
 */
#ifndef RC_BINLOG_TRANSPORT_H
#define RC_BINLOG_TRANSPORT_H

#include "agent/conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where to start. */
typedef struct rc_binlog_start {
	const char *file;          /* binlog file name; NULL or "" with a GTID start */
	uint64_t pos;              /* byte position in file (4: its first event) */
	const char *mariadb_gtid;  /* MariaDB: start after these GTIDs ("0-1-100,..."); NULL: by file */
	const uint8_t *mysql_sids; /* MySQL: the GTID set in COM_BINLOG_DUMP_GTID's encoding, or NULL */
	size_t mysql_sids_len;
} rc_binlog_start_t;

/* A batch of events. */
typedef struct rc_binlog_batch {
	struct rc_binlog_batch *next;
	uint8_t *buf; /* events, each after its Int4 length (host order) */
	size_t len, cap;
	size_t nevents;
} rc_binlog_batch_t;

typedef struct rc_binlog_transport rc_binlog_transport_t;

/*
 * Starts the thread streaming from start (copied) with replica id server_id, connecting with conf
 * (borrowed for the transport's life). mariadb: the server is MariaDB (its capability and GTID
 * variables). Returns the transport, or NULL with err filled (out of memory, no thread).
 */
rc_binlog_transport_t *rc_binlog_transport_start(const rc_conf_t *conf, uint32_t server_id, bool mariadb,
                                                 const rc_binlog_start_t *start, char *err, size_t errlen);

/* The descriptor that becomes readable when batches (or the failure) arrive. */
int rc_binlog_transport_fd(const rc_binlog_transport_t *t);

/*
 * The oldest batch, or NULL when none is there: then *rc is RC_OK (nothing yet) or the failure that
 * ended the thread (RC_ERR_RETRY: connection lost, server gone; RC_ERR_FATAL: the server refused the
 * dump, e.g. a purged binlog) with err filled. Give the batch back with rc_binlog_transport_done.
 */
rc_binlog_batch_t *rc_binlog_transport_take(rc_binlog_transport_t *t, int *rc, char *err, size_t errlen);

/* Gives a batch taken back for reuse. */
void rc_binlog_transport_done(rc_binlog_transport_t *t, rc_binlog_batch_t *b);

/* Stops the thread (interrupting a blocked read), joins it and frees everything, batches included. */
void rc_binlog_transport_free(rc_binlog_transport_t *t);

/* Events received and heartbeats among them, since the start (for logs and tests). */
void rc_binlog_transport_counts(rc_binlog_transport_t *t, uint64_t *events, uint64_t *heartbeats);

#endif
