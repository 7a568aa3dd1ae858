/* MySQL/MariaDB prerequisite checks for `rowcast check` (DESIGN.md, "Command line"). */
#ifndef RC_MYSQL_CHECK_H
#define RC_MYSQL_CHECK_H

#include "agent/check_report.h"
#include "agent/conf.h"

/* Checks MySQL/MariaDB: connection, log_bin, binlog_format, binlog_row_image, GTIDs, server ids,
 * replication privileges. Results go into rep. */
void rc_mysql_check(const rc_conf_t *conf, rc_check_report_t *rep);

#endif
