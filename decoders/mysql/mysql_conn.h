/* Opening MySQL/MariaDB connections from rowcast's configuration. */
#ifndef RC_MYSQL_CONN_H
#define RC_MYSQL_CONN_H

#include "agent/conf.h"

#include <mysql.h>
#include <stddef.h>

/* Connects to the configured server. Returns the handle (caller frees with mysql_close), or NULL with
 * the client library's reason, naming host and port, in err. */
MYSQL *rc_mysql_connect(const rc_conf_t *conf, char *err, size_t errlen);

/* Runs query and returns the first column of its first row in buf ("" for NULL or no row).
 * Returns 0, or -1 with the server's error in err. */
int rc_mysql_query_value(MYSQL *my, const char *query, char *buf, size_t len, char *err, size_t errlen);

#endif
