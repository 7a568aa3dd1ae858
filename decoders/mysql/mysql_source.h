/*
 * The MySQL/MariaDB source (agent/source.h): the binlog stream of one server, read as a replica
 * (binlog_transport.h) and decoded on the loop's thread (binlog.h, binlog_rows.h).
 *
 * Transactions: events of one transaction share its GTID and its ticket; the position moves only
 * at its end (XID, or QUERY COMMIT, or the end of a standalone statement such as DDL), to the end of
 * that event with the transaction's GTID added to the executed set (mysql_position.h), so a restart
 * from a confirmed position never repeats or skips a committed transaction. Tables come from the
 * TABLE_MAP events (binlog_row_metadata=FULL gives names, key and types), kept while their TABLE_MAP
 * stays byte-identical, so a changed table gets a new rc_table_t (and a new schema version) before
 * its first row.
 */
#ifndef RC_MYSQL_SOURCE_H
#define RC_MYSQL_SOURCE_H

#include "agent/conf.h"
#include "agent/source.h"

#include <stddef.h>

/* A source for source.type=mysql or mariadb (source.connector follows it). Returns NULL with err
 * filled when out of memory or the configuration is unusable. */
rc_source_t *rc_mysql_source_new(const rc_conf_t *conf, char *err, size_t errlen);

#endif
