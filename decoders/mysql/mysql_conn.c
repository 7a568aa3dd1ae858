#include "config.h"

#include "decoders/mysql/mysql_conn.h"

#include "agent/log.h"
#include "agent/netaddr.h"

#include <errmsg.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* TLS per database.ssl.mode (Debezium's names). */
static void set_tls(MYSQL *my, const rc_conf_t *conf)
{
	const char *mode = rc_conf_get(conf, "database.ssl.mode");
	const char *ca = rc_conf_get(conf, "database.sslrootcert"),
	           *cert = rc_conf_get(conf, "database.sslcert"), *key = rc_conf_get(conf, "database.sslkey");
	my_bool yes = 1, no = 0;

	if (!mode || strcmp(mode, "disabled") == 0)
		return;
	/* Any TLS option makes Connector/C ask for TLS when the server offers it. */
	mysql_ssl_set(my, key, cert, ca, NULL, NULL);
	if (strcmp(mode, "preferred") == 0) {
		mysql_options(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
		return;
	}
	mysql_options(my, MYSQL_OPT_SSL_ENFORCE, &yes);
	mysql_options(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, strcmp(mode, "required") == 0 ? &no : &yes);
}

/* A connection that leaves the machine without TLS, or with a certificate nobody verified, is a
 * warning once per process (rowcast check says it for every connection). */
static void warn_if_exposed(const rc_conf_t *conf, MYSQL *my)
{
	static bool warned;
	const char *mode = rc_conf_get(conf, "database.ssl.mode");

	rc_warn_if_exposed(&warned, "mysql", rc_conf_get(conf, "database.hostname"),
	                   mysql_get_ssl_cipher(my) != NULL, strncmp(mode, "verify_", 7) == 0,
	                   "database.ssl.mode", mode, "database.ssl.mode=verify_identity");
}

/*
 * TCP keepalives (database.tcpKeepAlive: probes after 30 s of silence, every 10 s, three unanswered =
 * dead, as for PostgreSQL) and TCP_USER_TIMEOUT (database.tcp.user.timeout.ms) on the connected
 * socket: Connector/C has options for neither. They find a vanished host or a cut network; a server
 * that is stopped but whose kernel still answers is found by the read timeout (the binlog's: three
 * heartbeat intervals). A failure is a warning: the read timeout still holds.
 */
static void set_keepalive(MYSQL *my, const rc_conf_t *conf)
{
	int fd = (int)mysql_get_socket(my), on = rc_conf_get_bool(conf, "database.tcpKeepAlive", true);
	int idle = 30, intvl = 10, count = 3;
	unsigned int user_timeout = (unsigned int)rc_conf_get_int(conf, "database.tcp.user.timeout.ms", 0);

	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0 ||
	    (on && (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
	            setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) != 0 ||
	            setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) != 0)) ||
	    (user_timeout > 0 &&
	     setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout) != 0))
		rc_log_warn("mysql", "cannot set TCP keepalives on the connection: %s", strerror(errno));
}

MYSQL *rc_mysql_connect_ex(const rc_conf_t *conf, unsigned int read_timeout_s, char *err, size_t errlen)
{
	MYSQL *my = mysql_init(NULL);
	unsigned int timeout =
	    (unsigned int)((rc_conf_get_int(conf, "connect.timeout.ms", 30000) + 999) / 1000);
	const char *host = rc_conf_get(conf, "database.hostname");
	unsigned int port = (unsigned int)rc_conf_get_int(conf, "database.port", 3306);

	if (!my) {
		snprintf(err, errlen, "MySQL: out of memory");
		return NULL;
	}
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (read_timeout_s > 0)
		mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &read_timeout_s);
	/* TCP to database.hostname:database.port always, as Debezium's JDBC does: the client library
	 * would take "localhost" for its Unix socket, another server's perhaps, and no TLS. */
	mysql_options(my, MYSQL_OPT_PROTOCOL, &(unsigned int){MYSQL_PROTOCOL_TCP});
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* TIMESTAMP values in UTC for every query (the snapshot's text results). */
	mysql_options(my, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	set_tls(my, conf);
	if (!mysql_real_connect(my, host, rc_conf_get(conf, "database.user"),
	                        rc_conf_get(conf, "database.password"), NULL, port, NULL, 0)) {
		/* Connector/C says this when the chain is trusted but the name is not in it. */
		bool name = strstr(mysql_error(my), "Validation of SSL server certificate failed") != NULL;
		snprintf(err, errlen, "cannot connect to MySQL at %s:%u as %s: %s%s%s%s", host, port,
		         rc_conf_get(conf, "database.user"), mysql_error(my),
		         name ? " (the server's certificate does not name the host '" : "", name ? host : "",
		         name ? "': database.ssl.mode=verify_identity checks the host name)" : "");
		mysql_close(my);
		return NULL;
	}
	set_keepalive(my, conf);
	warn_if_exposed(conf, my);
	return my;
}

MYSQL *rc_mysql_connect(const rc_conf_t *conf, char *err, size_t errlen)
{
	return rc_mysql_connect_ex(conf, 0, err, errlen);
}

int rc_mysql_query_value(MYSQL *my, const char *query, char *buf, size_t len, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	buf[0] = '\0';
	if (mysql_query(my, query) != 0 || !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "MySQL query '%s' failed: %s", query, mysql_error(my));
		return -1;
	}
	row = mysql_fetch_row(res);
	if (row && mysql_num_fields(res) > 0 && row[0])
		snprintf(buf, len, "%s", row[0]);
	mysql_free_result(res);
	return 0;
}

int rc_mysql_exec(MYSQL *my, const char *query, char *err, size_t errlen)
{
	if (mysql_query(my, query) != 0) {
		snprintf(err, errlen, "MySQL statement '%s' failed: %s", query, mysql_error(my));
		return -1;
	}
	return 0;
}

int rc_mysql_conn_lost(MYSQL *my)
{
	unsigned int e = mysql_errno(my);

	return e == CR_SERVER_LOST || e == CR_SERVER_GONE_ERROR || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED;
}
