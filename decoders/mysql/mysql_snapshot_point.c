/*
 * The consistent point of a MySQL/MariaDB snapshot (mysql_snapshot_point.h says which lock, when).
 * The module holds the one point's state: the lock's start (for the log line), the binlog file name
 * the point's source block points to, and a lock-free connection waiting for its reader.
 */
#include "config.h"

#include "decoders/mysql/mysql_snapshot_point.h"

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/mysql/mysql_conn.h"
#include "decoders/mysql/mysql_position.h"

#include <errmsg.h>
#include <inttypes.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCKFREE_PREFIX "lock-free:"

/* MySQL 8's and MariaDB's codes the client headers may not name. */
#define ER_CONNECTION_KILLED_CODE 1927 /* MariaDB: the connection was killed */
#define ER_UNKNOWN_VARIABLE_CODE 1193  /* ER_UNKNOWN_SYSTEM_VARIABLE */

/* The one point of the process. file is what pt->source.file points to (it must outlive the
 * point's copies in the coordinator); parked is a lock-free connection no reader has taken yet
 * (owned here, freed by held or by the next point). parked is shared with the reader threads. */
static struct {
	pthread_mutex_t lock; /* parked, parked_name */
	MYSQL *parked;
	char parked_name[64];
	char file[512];
	bool locked; /* FLUSH TABLES WITH READ LOCK is held on the source's connection */
	int64_t locked_ms;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

int rc_mysql_error_class(MYSQL *my)
{
	unsigned int e = mysql_errno(my);

	if (e >= CR_MIN_ERROR && e <= CR_MAX_ERROR)
		return RC_ERR_RETRY; /* the client's own: lost or refused connections, timeouts */
	switch (e) {
	case ER_QUERY_INTERRUPTED:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
	case ER_NO_SUCH_TABLE:
	case ER_TABLE_DEF_CHANGED:
	case ER_CON_COUNT_ERROR:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED_CODE:
		return RC_ERR_RETRY;
	default:
		return RC_ERR_FATAL;
	}
}

/* Runs a statement whose result is dropped; on failure fills err naming it. */
static int exec(MYSQL *my, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES *res;

	if (mysql_query(my, sql) != 0) {
		snprintf(err, errlen, "MySQL: %s: %s", sql, mysql_error(my));
		return rc_mysql_error_class(my);
	}
	res = mysql_store_result(my);
	mysql_free_result(res);
	return RC_OK;
}

/* A session setting the server may not have (MySQL's max_execution_time, MariaDB's
 * max_statement_time): an unknown variable is no error. */
static int exec_optional(MYSQL *my, const char *sql, char *err, size_t errlen)
{
	if (mysql_query(my, sql) == 0)
		return RC_OK;
	if (mysql_errno(my) == ER_UNKNOWN_VARIABLE_CODE)
		return RC_OK;
	snprintf(err, errlen, "MySQL: %s: %s", sql, mysql_error(my));
	return rc_mysql_error_class(my);
}

int rc_mysql_snapshot_session(MYSQL *my, char *err, size_t errlen)
{
	/* A reader waits while Kafka is slow and reads long tables in one statement: no server-side
	 * timeout may cut it (a day is the longest any of these takes everywhere). */
	static const char *const setup[] = {
	    "SET NAMES utf8mb4",
	    /* No PAD_CHAR_TO_FULL_LENGTH (CHAR values as the binlog has them, trailing spaces cut), no
	     * NO_ZERO_DATE refusing a zero date in a key's literal. */
	    "SET SESSION sql_mode = ''",
	    "SET SESSION time_zone = '+00:00'",
	    "SET SESSION net_write_timeout = 86400",
	    "SET SESSION net_read_timeout = 86400",
	    "SET SESSION wait_timeout = 86400",
	    "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
	};
	int rc = RC_OK;

	for (size_t i = 0; rc == RC_OK && i < sizeof setup / sizeof setup[0]; i++)
		rc = exec(my, setup[i], err, errlen);
	if (rc == RC_OK)
		rc = exec_optional(my, "SET SESSION max_execution_time = 0", err, errlen);
	if (rc == RC_OK)
		rc = exec_optional(my, "SET SESSION max_statement_time = 0", err, errlen);
	return rc;
}

int rc_mysql_snapshot_begin(MYSQL *my, char *err, size_t errlen)
{
	int rc = rc_mysql_snapshot_session(my, err, errlen);

	if (rc == RC_OK)
		rc = exec(my, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", err, errlen);
	return rc;
}

/* The first column of a one-value query into buf. */
static int value(MYSQL *my, const char *sql, char *buf, size_t len, char *err, size_t errlen)
{
	if (rc_mysql_query_value(my, sql, buf, len, err, errlen) != 0)
		return rc_mysql_error_class(my);
	return RC_OK;
}

/* Strips the newlines MySQL puts between the members of a GTID set ("uuid:1-5,\nuuid2:1-3"). */
static void strip_space(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != '\n' && *s != '\r' && *s != ' ' && *s != '\t')
			*w++ = *s;
	*w = '\0';
}

/*
 * The server's binlog position: SHOW MASTER STATUS, or SHOW BINARY LOG STATUS where MySQL 8.4 has
 * removed the former. file and *pos from File and Position; gtids from Executed_Gtid_Set when the
 * server shows it (MySQL), else left as it was.
 */
static int binlog_status(MYSQL *my, char *file, size_t filelen, uint64_t *pos, char *gtids, size_t gtidlen,
                         char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	MYSQL_FIELD *f;
	unsigned int n;
	int rc = RC_OK;
	bool have_file = false;

	if (mysql_query(my, "SHOW MASTER STATUS") != 0) {
		if (mysql_errno(my) != ER_PARSE_ERROR) {
			snprintf(err, errlen, "MySQL: SHOW MASTER STATUS: %s", mysql_error(my));
			return rc_mysql_error_class(my);
		}
		if (mysql_query(my, "SHOW BINARY LOG STATUS") != 0) {
			snprintf(err, errlen, "MySQL: SHOW BINARY LOG STATUS: %s", mysql_error(my));
			return rc_mysql_error_class(my);
		}
	}
	res = mysql_store_result(my);
	if (!res) {
		snprintf(err, errlen, "MySQL: reading the binlog status: %s", mysql_error(my));
		return rc_mysql_error_class(my);
	}
	row = mysql_fetch_row(res);
	n = mysql_num_fields(res);
	f = mysql_fetch_fields(res);
	for (unsigned int i = 0; row && i < n; i++) {
		if (!row[i])
			continue;
		if (strcasecmp(f[i].name, "File") == 0) {
			snprintf(file, filelen, "%s", row[i]);
			have_file = file[0] != '\0';
		} else if (strcasecmp(f[i].name, "Position") == 0) {
			*pos = strtoull(row[i], NULL, 10);
		} else if (strcasecmp(f[i].name, "Executed_Gtid_Set") == 0) {
			snprintf(gtids, gtidlen, "%s", row[i]);
			strip_space(gtids);
		}
	}
	if (!have_file) {
		snprintf(err, errlen,
		         "MySQL: the server writes no binlog (SHOW MASTER STATUS is empty): start it with "
		         "log_bin and binlog_format=ROW");
		rc = RC_ERR_FATAL;
	}
	mysql_free_result(res);
	return rc;
}

/* binlog_format must be ROW: with STATEMENT or MIXED the stream after the point has no rows. */
static int check_server(MYSQL *my, int64_t *server_id, char *err, size_t errlen)
{
	char buf[64];
	int rc = value(my, "SELECT @@global.binlog_format", buf, sizeof buf, err, errlen);

	if (rc != RC_OK)
		return rc;
	if (strcasecmp(buf, "ROW") != 0) {
		snprintf(
		    err, errlen,
		    "MySQL: binlog_format is %s: rowcast reads row events only, so the server needs "
		    "binlog_format=ROW (SET GLOBAL binlog_format = 'ROW', and in the server's configuration)",
		    buf[0] ? buf : "empty");
		return RC_ERR_FATAL;
	}
	rc = value(my, "SELECT @@server_id", buf, sizeof buf, err, errlen);
	if (rc == RC_OK)
		*server_id = strtoll(buf, NULL, 10);
	return rc;
}

/* Closes the parked connection, if any (under g.lock). */
static void drop_parked_locked(void)
{
	if (g.parked)
		mysql_close(g.parked);
	g.parked = NULL;
	g.parked_name[0] = '\0';
}

/* MariaDB, one reader: a connection of its own inside a consistent snapshot, and the binlog
 * position of exactly that view (binlog_snapshot_file/_position, set by the START TRANSACTION
 * WITH CONSISTENT SNAPSHOT), parked for the reader. */
static int point_lockfree(const rc_conf_t *conf, rc_snapshot_point_t *pt, uint64_t *pos, char *gtids,
                          size_t gtidlen, char *err, size_t errlen)
{
	MYSQL *my = rc_mysql_connect(conf, err, errlen);
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	char sql[1200], esc[1100];
	int rc;

	if (!my)
		return RC_ERR_RETRY;
	g.file[0] = '\0';
	*pos = 0;
	rc = rc_mysql_snapshot_begin(my, err, errlen);
	if (rc != RC_OK)
		goto out;
	if (mysql_query(my, "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'") != 0 ||
	    !(res = mysql_store_result(my))) {
		snprintf(err, errlen, "MariaDB: SHOW STATUS LIKE 'binlog_snapshot_%%': %s", mysql_error(my));
		rc = rc_mysql_error_class(my);
		goto out;
	}
	while ((row = mysql_fetch_row(res)) != NULL) {
		if (!row[0] || !row[1])
			continue;
		if (strcasecmp(row[0], "Binlog_snapshot_file") == 0)
			snprintf(g.file, sizeof g.file, "%s", row[1]);
		else if (strcasecmp(row[0], "Binlog_snapshot_position") == 0)
			*pos = strtoull(row[1], NULL, 10);
	}
	if (!g.file[0]) {
		snprintf(err, errlen,
		         "MariaDB: binlog_snapshot_file is empty: the server writes no binlog (start it with "
		         "log_bin and binlog_format=ROW)");
		rc = RC_ERR_FATAL;
		goto out;
	}
	mysql_real_escape_string(my, esc, g.file, (unsigned long)strlen(g.file));
	snprintf(sql, sizeof sql, "SELECT BINLOG_GTID_POS('%s', %" PRIu64 ")", esc, *pos);
	rc = value(my, sql, gtids, gtidlen, err, errlen);
	if (rc != RC_OK)
		goto out;
	pthread_mutex_lock(&g.lock);
	drop_parked_locked();
	g.parked = my;
	snprintf(g.parked_name, sizeof g.parked_name, LOCKFREE_PREFIX "%lu", mysql_thread_id(my));
	snprintf(pt->name, sizeof pt->name, "%s", g.parked_name);
	pthread_mutex_unlock(&g.lock);
	my = NULL;
out:
	mysql_free_result(res);
	if (my)
		mysql_close(my);
	return rc;
}

/* minimal (lock) and none: the position of my's server, read under FLUSH TABLES WITH READ LOCK when
 * lock. */
static int point_locked(MYSQL *my, bool mariadb, bool lock, uint64_t *pos, char *gtids, size_t gtidlen,
                        char *err, size_t errlen)
{
	int rc;

	if (lock) {
		/* Debezium's snapshot.lock.timeout.ms default: a server busy with a long statement
		 * refuses the snapshot rather than stalling every writer behind the lock's wait. */
		rc = exec(my, "SET SESSION lock_wait_timeout = 10", err, errlen);
		if (rc != RC_OK)
			return rc;
		if (mysql_query(my, "FLUSH TABLES WITH READ LOCK") != 0) {
			unsigned int e = mysql_errno(my);
			if (e == ER_SPECIFIC_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR ||
			    e == ER_ACCESS_DENIED_ERROR)
				snprintf(
				    err, errlen,
				    "MySQL: FLUSH TABLES WITH READ LOCK refused (%s): the snapshot's "
				    "lock needs the RELOAD privilege (GRANT RELOAD ON *.* TO the user), or "
				    "snapshot.locking.mode=none",
				    mysql_error(my));
			else
				snprintf(err, errlen, "MySQL: FLUSH TABLES WITH READ LOCK: %s",
				         mysql_error(my));
			return rc_mysql_error_class(my);
		}
		g.locked = true;
		g.locked_ms = rc_clock_ms();
	}
	rc = binlog_status(my, g.file, sizeof g.file, pos, gtids, gtidlen, err, errlen);
	if (rc == RC_OK && mariadb)
		rc = value(my, "SELECT @@global.gtid_binlog_pos", gtids, gtidlen, err, errlen);
	else if (rc == RC_OK && !gtids[0]) {
		rc = value(my, "SELECT @@global.gtid_executed", gtids, gtidlen, err, errlen);
		strip_space(gtids);
	}
	return rc;
}

int rc_mysql_snapshot_point(MYSQL *my, const rc_conf_t *conf, bool mariadb, bool then_stream,
                            rc_snapshot_point_t *pt, char *err, size_t errlen)
{
	const char *mode = rc_conf_get(conf, "snapshot.locking.mode");
	bool lockfree, lock;
	int64_t server_id = 0;
	uint64_t pos = 0;
	char *gtids = NULL;
	size_t gtidlen = 64 * 1024; /* a GTID set of many servers is long */
	int rc;

	(void)then_stream; /* the same point whether a stream follows or not */
	memset(pt, 0, sizeof *pt);
	if (!mode || !*mode)
		mode = "minimal";
	if (strcmp(mode, "extended") == 0) {
		snprintf(err, errlen,
		         "snapshot.locking.mode=extended is not supported: use minimal (a global read lock "
		         "while the readers start) or none");
		return RC_ERR_FATAL;
	}
	if (strcmp(mode, "minimal") != 0 && strcmp(mode, "none") != 0) {
		snprintf(err, errlen, "snapshot.locking.mode=%s: expected minimal or none", mode);
		return RC_ERR_FATAL;
	}
	/* An earlier point that was never released (its snapshot failed to start). */
	rc = rc_mysql_snapshot_held(my, err, errlen);
	if (rc != RC_OK)
		return rc;
	rc = check_server(my, &server_id, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (!(gtids = calloc(1, gtidlen))) {
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	lockfree = mariadb && rc_conf_get_int(conf, "snapshot.max.threads", 1) == 1;
	lock = !lockfree && strcmp(mode, "minimal") == 0;
	if (lockfree)
		rc = point_lockfree(conf, pt, &pos, gtids, gtidlen, err, errlen);
	else
		rc = point_locked(my, mariadb, lock, &pos, gtids, gtidlen, err, errlen);
	if (rc == RC_OK && rc_mysql_pos_set(&pt->pos, g.file, pos, 0, gtids) != 0) {
		snprintf(err, errlen, "MySQL: binlog file name '%s' has no sequence number", g.file);
		rc = RC_ERR_FATAL;
	}
	if (rc != RC_OK) {
		char ignored[256];
		rc_mysql_snapshot_held(my, ignored, sizeof ignored);
		rc_pos_clear(&pt->pos);
		free(gtids);
		return rc;
	}
	if (!lockfree)
		snprintf(pt->name, sizeof pt->name, "%s %s:%" PRIu64, lock ? "locked at" : "unlocked at",
		         g.file, pos);
	pt->source.connector = mariadb ? "mariadb" : "mysql";
	pt->source.db = NULL; /* each row's own: the coordinator puts its table's database there */
	pt->source.file = g.file;
	pt->source.pos = (int64_t)pos;
	pt->source.row = 0;
	pt->source.server_id = server_id;
	pt->source.gtid = NULL;
	pt->source.thread = -1;
	pt->source.txid = -1;
	rc_log_info("snapshot", "consistent point %s:%" PRIu64 "%s%s (%s)", g.file, pos,
	            gtids[0] ? " gtids " : "", gtids,
	            lockfree ? "lock-free: MariaDB consistent snapshot of the one reader"
	            : lock   ? "global read lock until the readers hold it"
	                     : "snapshot.locking.mode=none: no lock");
	free(gtids);
	return RC_OK;
}

int rc_mysql_snapshot_held(MYSQL *my, char *err, size_t errlen)
{
	int rc = RC_OK;

	pthread_mutex_lock(&g.lock);
	drop_parked_locked(); /* no reader took it: there was nothing to read */
	pthread_mutex_unlock(&g.lock);
	if (!g.locked)
		return RC_OK;
	g.locked = false;
	if (mysql_query(my, "UNLOCK TABLES") != 0) {
		/* The lock goes with the connection: the source reconnects on RETRY. */
		snprintf(err, errlen, "MySQL: UNLOCK TABLES: %s", mysql_error(my));
		rc = RC_ERR_RETRY;
	}
	rc_log_info("snapshot", "global read lock held for %" PRId64 " ms", rc_clock_ms() - g.locked_ms);
	if (rc == RC_OK)
		exec(my, "SET SESSION lock_wait_timeout = DEFAULT", err, errlen);
	return rc;
}

MYSQL *rc_mysql_snapshot_take(const rc_snapshot_point_t *pt)
{
	MYSQL *my = NULL;

	pthread_mutex_lock(&g.lock);
	if (g.parked && strcmp(pt->name, g.parked_name) == 0) {
		my = g.parked;
		g.parked = NULL;
		g.parked_name[0] = '\0';
	}
	pthread_mutex_unlock(&g.lock);
	return my;
}

bool rc_mysql_snapshot_is_lockfree(const rc_snapshot_point_t *pt)
{
	return strncmp(pt->name, LOCKFREE_PREFIX, strlen(LOCKFREE_PREFIX)) == 0;
}

int rc_mysql_binlog_here(MYSQL *my, bool mariadb, bool view, rc_pos_t *at, char *err, size_t errlen)
{
	char file[512] = "", gtids[65536] = "";
	uint64_t pos = 0;
	int rc;

	if (mariadb && view) {
		MYSQL_RES *res;
		MYSQL_ROW row;
		if (mysql_query(my, "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'") != 0 ||
		    !(res = mysql_store_result(my))) {
			snprintf(err, errlen, "MariaDB: SHOW STATUS LIKE 'binlog_snapshot_%%': %s",
			         mysql_error(my));
			return rc_mysql_error_class(my);
		}
		while ((row = mysql_fetch_row(res)) != NULL) {
			if (!row[0] || !row[1])
				continue;
			if (strcasecmp(row[0], "Binlog_snapshot_file") == 0)
				snprintf(file, sizeof file, "%s", row[1]);
			else if (strcasecmp(row[0], "Binlog_snapshot_position") == 0)
				pos = strtoull(row[1], NULL, 10);
		}
		mysql_free_result(res);
		if (!file[0]) {
			snprintf(err, errlen,
			         "MariaDB: binlog_snapshot_file is empty: the server writes no binlog (start "
			         "it with log_bin and binlog_format=ROW)");
			return RC_ERR_FATAL;
		}
	} else if ((rc = binlog_status(my, file, sizeof file, &pos, gtids, sizeof gtids, err, errlen)) !=
	           RC_OK) {
		return rc;
	}
	if (mariadb &&
	    (rc = value(my, "SELECT @@GLOBAL.gtid_binlog_pos", gtids, sizeof gtids, err, errlen)) != RC_OK)
		return rc;
	if (rc_mysql_pos_set(at, file, pos, 0, gtids) != 0) {
		snprintf(err, errlen, "binlog position %s:%" PRIu64 ": out of memory or no sequence number",
		         file, pos);
		return RC_ERR_FATAL;
	}
	return RC_OK;
}
