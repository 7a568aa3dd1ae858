/*
 * How far the server's binlog runs beyond a position, in bytes: the MySQL/MariaDB side of
 * rowcast_source_lag_bytes and of /readyz's "the server's position grows" (agent/source.h's
 * lag_bytes). The replication stream does not say where the server's binlog ends (a heartbeat
 * only comes when the stream is idle), so a thread of its own asks, once a second, on a connection
 * of its own, SHOW BINARY LOGS (every file and its size; the last one's size is the server's
 * current position): off the event loop, which must never wait for a query. The answer is kept
 * under a lock; reading it is a lookup, no round trip.
 *
 * The user needs the privilege for SHOW BINARY LOGS (REPLICATION CLIENT; MariaDB 10.5+: BINLOG
 * MONITOR), which Debezium's documented grants include; without it the lag is unknown (-1) and
 * that is logged once.
 */
#ifndef RC_MYSQL_LAG_H
#define RC_MYSQL_LAG_H

#include "agent/conf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rc_mysql_lag rc_mysql_lag_t;

/* Connects (blocking: call it while the stream starts) and starts the thread. Returns NULL with err
 * filled when it cannot (the lag is then unknown; nothing else depends on it). */
rc_mysql_lag_t *rc_mysql_lag_start(const rc_conf_t *conf, char *err, size_t errlen);

/* Bytes of binlog after file (flen bytes, not NUL-terminated) at pos, as the server last said:
 * the rest of that file and every later file. -1 when unknown (no answer yet, file not listed). */
int64_t rc_mysql_lag_bytes(rc_mysql_lag_t *lag, const char *file, size_t flen, uint64_t pos);

/* Tells the thread to stop and lets go: the thread frees what is left when its query returns
 * (it is not waited for: a query to a dead server would hold a shutdown up). NULL is a no-op. */
void rc_mysql_lag_stop(rc_mysql_lag_t *lag);

#endif
