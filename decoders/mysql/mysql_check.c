#include "config.h"

#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_check.h"

#include "agent/netaddr.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Compares a server variable to what rowcast needs and reports it. */
static void expect_var(MYSQL *my, rc_check_report_t *rep, const char *var, const char *want, const char *fix)
{
	char query[128], val[256], err[512];

	snprintf(query, sizeof query, "SELECT @@GLOBAL.%s", var);
	if (rc_mysql_query_value(my, query, val, sizeof val, err, sizeof err) != 0) {
		rc_check_fail(rep, fix, "%s", err);
		return;
	}
	if (strcasecmp(val, want) == 0)
		rc_check_ok(rep, "%s = %s", var, val);
	else
		rc_check_fail(rep, fix, "%s = %s (rowcast needs %s)", var, val, want);
}

/* Whether the connection is encrypted and verified; one that leaves the machine without both is a
 * warning (who sits on the path reads every row and can forge change events). */
static void check_tls(MYSQL *my, const rc_conf_t *conf, rc_check_report_t *rep)
{
	const char *cipher = mysql_get_ssl_cipher(my), *mode = rc_conf_get(conf, "database.ssl.mode");
	const char *host = rc_conf_get(conf, "database.hostname");
	bool verified = strncmp(mode, "verify_", 7) == 0;

	if (cipher && (verified || rc_host_is_loopback(host)))
		rc_check_ok(rep, "MySQL connection encrypted (%s), %s", cipher,
		            verified ? "certificate and host name verified (database.ssl.mode=verify_*)"
		                     : "certificate not verified (loopback)");
	else if (cipher)
		rc_check_warn(rep, "set database.ssl.mode=verify_identity and database.sslrootcert",
		              "MySQL connection encrypted (%s) but the server's certificate is not verified "
		              "(database.ssl.mode=%s): a man in the middle can read and forge changes",
		              cipher, mode);
	else if (rc_host_is_loopback(host))
		rc_check_ok(rep, "MySQL connection not encrypted (loopback)");
	else
		rc_check_warn(
		    rep, "set database.ssl.mode=verify_identity and database.sslrootcert",
		    "MySQL connection to %s is not encrypted (database.ssl.mode=%s): who sits on the "
		    "path reads every captured row and can forge change events",
		    host, mode);
}

void rc_mysql_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	char err[1024], version[128], val[256];
	MYSQL *my = rc_mysql_connect(conf, err, sizeof err);
	bool mariadb;

	if (!my) {
		rc_check_fail(
		    rep,
		    strstr(err, "SSL") || strstr(err, "TLS")
		        ? "enable TLS on the server, or set database.ssl.mode (disabled, preferred, "
		          "required, verify_ca, verify_identity) and database.sslrootcert to match it"
		        : "check database.hostname, database.port, database.user and the password",
		    "%s", err);
		return;
	}
	snprintf(version, sizeof version, "%s", mysql_get_server_info(my));
	mariadb = strstr(version, "MariaDB") != NULL;
	rc_check_ok(rep, "connected to %s %s at %s:%s", mariadb ? "MariaDB" : "MySQL", version,
	            rc_conf_get(conf, "database.hostname"), rc_conf_get(conf, "database.port"));
	check_tls(my, conf, rep);

	expect_var(my, rep, "log_bin", "1", "enable the binary log: log_bin in my.cnf, then restart");
	expect_var(my, rep, "binlog_format", "ROW", "SET GLOBAL binlog_format = ROW (and in my.cnf)");
	expect_var(my, rep, "binlog_row_image", "FULL", "SET GLOBAL binlog_row_image = FULL (and in my.cnf)");
	/* Column names, keys and signedness come from the TABLE_MAP's metadata: MySQL 8.0.1+ and
	 * MariaDB 10.5+ write it with binlog_row_metadata = FULL. */
	if (rc_mysql_query_value(my, "SELECT @@GLOBAL.binlog_row_metadata", val, sizeof val, err,
	                         sizeof err) != 0)
		rc_check_fail(
		    rep, "use MySQL 8.0.1+ or MariaDB 10.5+, with binlog_row_metadata = FULL",
		    "the server has no binlog_row_metadata (%s): rowcast cannot name the columns of its "
		    "row events",
		    mysql_error(my));
	else if (strcasecmp(val, "FULL") != 0)
		rc_check_fail(rep, "SET GLOBAL binlog_row_metadata = FULL (and in my.cnf)",
		              "binlog_row_metadata = %s: row events would carry no column names or keys",
		              val);
	else
		rc_check_ok(rep, "binlog_row_metadata = FULL");
	if (rc_mysql_query_value(my, "SELECT @@GLOBAL.binlog_checksum", val, sizeof val, err, sizeof err) ==
	    0)
		rc_check_ok(rep, "binlog_checksum = %s%s", val,
		            strcasecmp(val, "CRC32") == 0 ? " (verified on every event)" : "");
	if (!mariadb &&
	    rc_mysql_query_value(my, "SELECT @@GLOBAL.gtid_mode", val, sizeof val, err, sizeof err) == 0) {
		if (strcasecmp(val, "ON") == 0)
			rc_check_ok(rep, "gtid_mode = ON: restarts and failovers resume by GTID set");
		else
			rc_check_warn(
			    rep, "set gtid_mode = ON and enforce_gtid_consistency = ON in my.cnf",
			    "gtid_mode = %s: rowcast resumes by binlog file and position, which does not "
			    "survive a failover to another server",
			    val);
	}

	if (rc_mysql_query_value(my, "SELECT @@GLOBAL.server_id", val, sizeof val, err, sizeof err) == 0) {
		const char *ours = rc_conf_get(conf, "database.server.id");
		if (ours && strcmp(ours, val) == 0)
			rc_check_fail(rep, "set database.server.id to an id no server or replica uses",
			              "database.server.id = %s equals the server's own server_id", ours);
		else
			rc_check_ok(rep, "server_id = %s, rowcast replicates as server id %s", val,
			            ours ? ours : "?");
	}

	/* SHOW GRANTS is the portable way to see replication privileges across MySQL and MariaDB. */
	if (mysql_query(my, "SHOW GRANTS FOR CURRENT_USER()") == 0) {
		MYSQL_RES *res = mysql_store_result(my);
		MYSQL_ROW row;
		bool repl = false, all = false;

		while (res && (row = mysql_fetch_row(res))) {
			if (!row[0])
				continue;
			all |= strstr(row[0], "ALL PRIVILEGES ON *.*") != NULL;
			repl |= strstr(row[0], "REPLICATION SLAVE") != NULL ||
			        strstr(row[0], "REPLICATION REPLICA") != NULL;
		}
		mysql_free_result(res);
		if (all || repl)
			rc_check_ok(rep, "user may read the binary log (REPLICATION SLAVE)");
		else
			rc_check_fail(rep,
			              "GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO <user>",
			              "user %s lacks REPLICATION SLAVE", rc_conf_get(conf, "database.user"));
	} else {
		rc_check_warn(rep, NULL, "cannot read grants: %s", mysql_error(my));
	}
	mysql_close(my);
}
