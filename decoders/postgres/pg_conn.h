/* Opening PostgreSQL connections from rowcast's configuration. */
#ifndef RC_PG_CONN_H
#define RC_PG_CONN_H

#include "agent/conf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Connects to the configured database; replication=true opens a logical replication connection
 * (replication=database). Returns the connection (caller frees with PQfinish), or NULL with libpq's
 * reason, naming host and port, in err. The password never appears in err.
 */
PGconn *rc_pg_connect(const rc_conf_t *conf, bool replication, char *err, size_t errlen);

/* True when the database's encoding is SQL_ASCII: its text is not converted, so it may not be UTF-8. */
bool rc_pg_sql_ascii(PGconn *pg);

/* As rc_pg_connect (not a replication connection), but only starts connecting: the caller goes on
 * with PQconnectPoll (libpq's non-blocking connection). NULL with err filled when it cannot even
 * start. */
PGconn *rc_pg_connect_start(const rc_conf_t *conf, char *err, size_t errlen);

/* PostgreSQL's words for what failed: res's error message when it has one, else the connection's,
 * without the trailing newline, in buf (len bytes). Returns buf. */
const char *rc_pg_error_text(PGconn *conn, const PGresult *res, char *buf, size_t len);

/* rc_pg_error_text into a buffer of the calling statement's own. */
#define RC_PG_ERROR(conn, res) rc_pg_error_text((conn), (res), (char[512]){0}, 512)

/* Quotes an identifier for SQL ("a""b"). Returns a malloc'd string (caller frees), NULL when out of
 * memory. */
char *rc_pg_quote_ident(const char *ident);

#endif
