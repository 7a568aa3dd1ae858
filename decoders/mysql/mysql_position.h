/*
 * MySQL/MariaDB positions (agent/position.h): where the binlog stream may resume.
 *
 *   order  the binlog file's sequence number (the digits after the last '.') << 32 | the byte
 *          position in it: the end of the last event of a committed transaction
 *   sub    row changes already done within the event at that position (0 at commits)
 *   blob   "<file>\n<gtid set>": the binlog file name, and the executed GTID set up to and
 *          including the transaction (MySQL's "uuid:1-5,..." or MariaDB's "domain-server-seq,...";
 *          empty where GTIDs are off)
 *
 * In the offset store: {"file": "mysql-bin.000003", "pos": 1234, "row": 0, "gtids": "..."} (Debezium's
 * offset field names; "gtids" left out when empty).
 */
#ifndef RC_MYSQL_POSITION_H
#define RC_MYSQL_POSITION_H

#include "agent/position.h"

#include <stddef.h>
#include <stdint.h>

extern const rc_pos_codec_t rc_mysql_pos_codec;

/* Sets *p (its old blob released) to file:pos with rows done and gtids (NULL or "" when GTIDs are
 * off). Returns 0, or -1 when out of memory or the file name has no sequence number. */
int rc_mysql_pos_set(rc_pos_t *p, const char *file, uint64_t pos, uint64_t row, const char *gtids);

/* The parts of a set position: file name and GTID set point into the blob (valid while p holds it;
 * gtids "" when none). */
const char *rc_mysql_pos_file(const rc_pos_t *p, size_t *len);
uint64_t rc_mysql_pos_offset(const rc_pos_t *p);
const char *rc_mysql_pos_gtids(const rc_pos_t *p);

/* The sequence number of a binlog file name ("mysql-bin.000042": 42), or -1 when it has none. */
int64_t rc_mysql_binlog_seq(const char *file, size_t len);

#endif
