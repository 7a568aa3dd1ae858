/* Opening MySQL/MariaDB connections from rowcast's configuration. */
#ifndef RC_MYSQL_CONN_H
#define RC_MYSQL_CONN_H

#include "agent/conf.h"

#include <mysql.h>
#include <stddef.h>

/*
 * Connects to the configured server: database.hostname/port/user/password, connect.timeout.ms,
 * database.ssl.mode (disabled; preferred: TLS when the server offers it; required: TLS or fail;
 * verify_ca and verify_identity: TLS with the server's certificate checked against
 * database.sslrootcert, Connector/C checking the host name in both), utf8mb4, the session's time zone
 * UTC. read_timeout_s > 0 bounds every read (a replication connection's dead-peer detection).
 * Returns the handle (caller frees with mysql_close), or NULL with the client library's reason,
 * naming host and port, in err.
 */
MYSQL *rc_mysql_connect_ex(const rc_conf_t *conf, unsigned int read_timeout_s, char *err, size_t errlen);

/* rc_mysql_connect_ex without a read timeout. */
MYSQL *rc_mysql_connect(const rc_conf_t *conf, char *err, size_t errlen);

/* Runs query and returns the first column of its first row in buf ("" for NULL or no row).
 * Returns 0, or -1 with the server's error in err. */
int rc_mysql_query_value(MYSQL *my, const char *query, char *buf, size_t len, char *err, size_t errlen);

/* Runs a statement without a result. Returns 0, or -1 with the server's error in err. */
int rc_mysql_exec(MYSQL *my, const char *query, char *err, size_t errlen);

/* True when the client library's last error on my was a lost or broken connection (retry), rather
 * than the server refusing the statement. */
int rc_mysql_conn_lost(MYSQL *my);

#endif
