/*
 * The consistent point of a MySQL/MariaDB snapshot: a binlog position (file:pos and the GTID set)
 * such that every transaction committed before it is in the snapshot and none after it, and the
 * transactions of the snapshot readers that see exactly that state.
 *
 * snapshot.locking.mode (Debezium's names; the property may be absent: then minimal):
 *   minimal   FLUSH TABLES WITH READ LOCK on the source's connection (commits wait), the binlog
 *             position read under the lock, every reader's START TRANSACTION WITH CONSISTENT
 *             SNAPSHOT taken under it, UNLOCK TABLES once they all hold their view
 *             (rc_mysql_snapshot_held). Needs the RELOAD privilege. The lock lasts from the point
 *             until the last reader opened: a few milliseconds per reader.
 *   none      no lock: the position is read first, then each reader takes its own view. A commit
 *             between the two is both in the snapshot and streamed again after it (at-least-once:
 *             a consumer keyed by the primary key ends right), and a DDL in between may leave the
 *             snapshot's schema ahead of the stream's start. Only for servers where no lock may be
 *             taken.
 *   extended  refused (Debezium's LOCK TABLES for the whole snapshot: not implemented).
 * MariaDB with snapshot.max.threads = 1 needs no lock at all in minimal or none mode: a dedicated
 * connection starts the consistent snapshot and reads binlog_snapshot_file / _position, the
 * position of exactly that view (MariaDB's consistent-snapshot status variables), and
 * BINLOG_GTID_POS of it; that connection is handed to the single reader (rc_mysql_snapshot_take).
 *
 * The view is InnoDB's: a table of an engine without transactions (MyISAM, Aria) is read as it is
 * when its reader reaches it, not as it was at the point.
 *
 * One point at a time per process: the point's strings (source.file) and the held lock are this
 * module's, valid until the next rc_mysql_snapshot_point.
 */
#ifndef RC_MYSQL_SNAPSHOT_POINT_H
#define RC_MYSQL_SNAPSHOT_POINT_H

#include "agent/conf.h"
#include "agent/position.h"
#include "agent/snapshot.h"

#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Takes the consistent point on my (the source's own SQL connection, borrowed) into *pt (zeroed
 * first): pt->pos at file:pos with the GTID set (MariaDB @@gtid_binlog_pos, MySQL @@gtid_executed),
 * pt->source as every snapshot row's source block (connector "mysql" or "mariadb", file, pos,
 * server_id). Checks binlog_format = ROW and log_bin first. then_stream is accepted for symmetry
 * with the other sources: the point is the same either way. Returns RC_OK, RC_ERR_FATAL (binlog
 * off or not ROW, a missing privilege, an unknown locking mode), or RC_ERR_RETRY (a lost
 * connection, a lock wait timeout) with err filled.
 */
int rc_mysql_snapshot_point(MYSQL *my, const rc_conf_t *conf, bool mariadb, bool then_stream,
                            rc_snapshot_point_t *pt, char *err, size_t errlen);

/*
 * Every reader holds the point: UNLOCK TABLES on my when the point locked (logging how long the
 * lock was held), and closes a lock-free connection no reader took (no table to read). Idempotent;
 * the source also calls it when it abandons a snapshot (an error between point and start). Returns
 * RC_OK or RC_ERR_RETRY with err filled.
 */
int rc_mysql_snapshot_held(MYSQL *my, char *err, size_t errlen);

/*
 * For a reader's open: the lock-free connection of pt, already inside its consistent snapshot
 * (caller frees with mysql_close), or NULL when pt has none (the reader opens its own and calls
 * rc_mysql_snapshot_begin) or another reader took it.
 */
MYSQL *rc_mysql_snapshot_take(const rc_snapshot_point_t *pt);

/* True when pt was taken lock-free (its one connection is waiting for the reader). */
bool rc_mysql_snapshot_is_lockfree(const rc_snapshot_point_t *pt);

/*
 * Prepares a snapshot session on my and starts its view: time_zone '+00:00' (TIMESTAMP text in
 * UTC), character set utf8mb4 (text in UTF-8), no statement or write timeouts cutting a long read,
 * then REPEATABLE READ and START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY. Returns RC_OK or
 * an RC_ERR_* class (rc_mysql_error_class) with err filled.
 */
int rc_mysql_snapshot_begin(MYSQL *my, char *err, size_t errlen);

/* rc_mysql_snapshot_begin's session settings without its transaction: for a reader outside any
 * point (a live chunk reader, snapshot/mysql/my_chunk.c), whose statements each read in a
 * consistent read of their own. Returns RC_OK or an RC_ERR_* class with err filled. */
int rc_mysql_snapshot_session(MYSQL *my, char *err, size_t errlen);

/*
 * The binlog position now, into *at (its old blob released) as the stream makes its positions
 * (mysql_position.h: the end of the last event written, so that rc_pos_after orders it against the
 * stream's commit positions): view, on MariaDB, the position of exactly the consistent read my has
 * open (binlog_snapshot_file/_position); otherwise SHOW MASTER STATUS. The GTID part is read beside
 * it (MariaDB @@gtid_binlog_pos, MySQL Executed_Gtid_Set) and may already hold a transaction
 * committed just after: such a position orders, it is not one to resume from. Returns RC_OK or an
 * RC_ERR_* class with err filled.
 */
int rc_mysql_binlog_here(MYSQL *my, bool mariadb, bool view, rc_pos_t *at, char *err, size_t errlen);

/* The class of my's last error: RC_ERR_RETRY for a lost connection, an interrupted query, a lock
 * wait timeout, a deadlock, a table dropped or altered under the snapshot; RC_ERR_FATAL for the
 * rest (privileges, syntax, conversions). */
int rc_mysql_error_class(MYSQL *my);

#endif
