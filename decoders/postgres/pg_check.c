#include "config.h"

#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_check.h"

#include "agent/netaddr.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs a one-row query with text parameters; returns the result (caller PQclear) or NULL after
 * reporting the failure. */
static PGresult *query_row(PGconn *pg, rc_check_report_t *rep, const char *what, const char *sql, int nparams,
                           const char *const *params)
{
	PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc_check_fail(rep, NULL, "%s: query failed: %s", what, PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

static void check_server(PGconn *pg, rc_check_report_t *rep)
{
	int version = PQserverVersion(pg);
	PGresult *res;

	if (version < 100000)
		rc_check_fail(rep, "use PostgreSQL 10 or newer (pgoutput)", "server version %d is too old",
		              version);
	else
		rc_check_ok(rep, "PostgreSQL server version %d.%d", version / 10000, version % 10000);

	res = query_row(
	    pg, rep, "settings",
	    "SELECT current_setting('wal_level'), current_setting('max_replication_slots')::int, "
	    "(SELECT count(*) FROM pg_replication_slots)::int, current_setting('max_wal_senders')::int",
	    0, NULL);
	if (!res)
		return;
	if (strcmp(PQgetvalue(res, 0, 0), "logical") != 0)
		rc_check_fail(rep, "set wal_level = logical in postgresql.conf and restart PostgreSQL",
		              "wal_level = %s (logical decoding needs 'logical')", PQgetvalue(res, 0, 0));
	else
		rc_check_ok(rep, "wal_level = logical");
	if (atoi(PQgetvalue(res, 0, 2)) >= atoi(PQgetvalue(res, 0, 1)))
		rc_check_warn(rep, "raise max_replication_slots in postgresql.conf (restart needed)",
		              "max_replication_slots = %s and all of them are in use", PQgetvalue(res, 0, 1));
	else
		rc_check_ok(rep, "max_replication_slots = %s (%s in use)", PQgetvalue(res, 0, 1),
		            PQgetvalue(res, 0, 2));
	if (atoi(PQgetvalue(res, 0, 3)) < 1)
		rc_check_fail(rep, "set max_wal_senders >= 1 in postgresql.conf", "max_wal_senders = 0");
	PQclear(res);
}

static void check_role(PGconn *pg, rc_check_report_t *rep, const char *user)
{
	PGresult *res = query_row(
	    pg, rep, "role",
	    "SELECT rolreplication OR rolsuper, rolsuper FROM pg_roles WHERE rolname = current_user", 0,
	    NULL);

	if (!res)
		return;
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc_check_ok(rep, "role %s may start replication", user);
	else
		rc_check_fail(rep, "ALTER ROLE <user> WITH REPLICATION",
		              "role %s lacks the REPLICATION attribute", user);
	PQclear(res);
}

static void check_slot(PGconn *pg, rc_check_report_t *rep, const char *slot, const char *db)
{
	const char *params[1] = {slot};
	PGresult *res = query_row(pg, rep, "slot",
	                          "SELECT plugin, database, confirmed_flush_lsn, wal_status, "
	                          "pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) "
	                          "FROM pg_replication_slots WHERE slot_name = $1",
	                          1, params);

	if (!res)
		return;
	if (PQntuples(res) == 0)
		rc_check_ok(
		    rep,
		    "slot %s does not exist yet: rowcast will create it (snapshot.mode decides the copy)",
		    slot);
	else if (strcmp(PQgetvalue(res, 0, 0), "pgoutput") != 0)
		rc_check_fail(rep, "choose another slot.name, or drop the slot if nothing uses it",
		              "slot %s uses plugin %s, not pgoutput", slot, PQgetvalue(res, 0, 0));
	else if (strcmp(PQgetvalue(res, 0, 1), db) != 0)
		rc_check_fail(rep, "choose another slot.name", "slot %s belongs to database %s, not %s", slot,
		              PQgetvalue(res, 0, 1), db);
	else if (strcmp(PQgetvalue(res, 0, 3), "lost") == 0)
		rc_check_fail(
		    rep,
		    "the slot lost WAL it needs: drop it and take a new snapshot (snapshot.mode=when_needed)",
		    "slot %s is invalidated (wal_status = lost)", slot);
	else
		rc_check_ok(rep, "slot %s exists (confirmed_flush_lsn %s, WAL retained %s)", slot,
		            PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 4));
	PQclear(res);
}

static void check_publication(PGconn *pg, rc_check_report_t *rep, const rc_conf_t *conf)
{
	const char *pub = rc_conf_get(conf, "publication.name");
	const char *params[1] = {pub};
	PGresult *res = query_row(pg, rep, "publication",
	                          "SELECT puballtables, pubinsert AND pubupdate AND pubdelete, pubtruncate "
	                          "FROM pg_publication WHERE pubname = $1",
	                          1, params);

	if (!res)
		return;
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
			rc_check_warn(
			    rep, "ALTER PUBLICATION ... SET (publish = 'insert, update, delete, truncate')",
			    "publication %s does not publish every insert, update and delete", pub);
		else
			rc_check_ok(rep, "publication %s exists%s", pub,
			            strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? " (FOR ALL TABLES)" : "");
	} else if (rc_conf_is(conf, "publication.autocreate.mode", "disabled")) {
		rc_check_fail(
		    rep, "CREATE PUBLICATION <name> FOR TABLE ..., or set publication.autocreate.mode",
		    "publication %s does not exist and publication.autocreate.mode = disabled", pub);
	} else {
		PQclear(res);
		res = query_row(pg, rep, "privileges",
		                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", 0, NULL);
		if (!res)
			return;
		if (rc_conf_is(conf, "publication.autocreate.mode", "all_tables") &&
		    strcmp(PQgetvalue(res, 0, 0), "t") != 0)
			rc_check_fail(
			    rep, "create it as a superuser, or use publication.autocreate.mode=filtered",
			    "publication %s does not exist and FOR ALL TABLES needs a superuser", pub);
		else
			rc_check_ok(rep, "publication %s does not exist yet: rowcast will create it (%s)",
			            pub, rc_conf_get(conf, "publication.autocreate.mode"));
	}
	PQclear(res);
}

/* Tables without a usable replica identity make UPDATE and DELETE fail on the server once they are
 * published: the single most common surprise of logical replication. */
static void check_replica_identity(PGconn *pg, rc_check_report_t *rep)
{
	PGresult *res = query_row(
	    pg, rep, "replica identity",
	    "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
	    "c.relnamespace "
	    "WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') "
	    "AND n.nspname NOT LIKE 'pg_toast%' AND ((c.relreplident = 'd' AND NOT EXISTS ("
	    "SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)) OR c.relreplident = 'n') "
	    "ORDER BY 1 LIMIT 20",
	    0, NULL);

	if (!res)
		return;
	if (PQntuples(res) == 0) {
		rc_check_ok(rep, "every table has a primary key or a replica identity");
	} else {
		char list[1024] = "";
		for (int i = 0; i < PQntuples(res); i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
			         PQgetvalue(res, i, 0));
		}
		rc_check_warn(
		    rep, "add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL",
		    "tables without primary key or replica identity (their UPDATE/DELETE fail once published, and events have a null key): %s",
		    list);
	}
	PQclear(res);
}

/* What reaches Avro as a string must be UTF-8. rowcast asks for client_encoding=UTF8 (pg_conn.c), so
 * the server converts from any encoding but SQL_ASCII, which has no conversion: its bytes arrive as
 * stored. */
static void check_encoding(PGconn *pg, rc_check_report_t *rep)
{
	PGresult *res = query_row(pg, rep, "encoding",
	                          "SELECT current_setting('server_encoding'), "
	                          "current_setting('client_encoding')",
	                          0, NULL);

	if (!res)
		return;
	if (strcmp(PQgetvalue(res, 0, 0), "SQL_ASCII") == 0)
		rc_check_warn(rep, "store text as UTF-8 in this database (or create it with ENCODING 'UTF8')",
		              "database encoding SQL_ASCII: PostgreSQL does not convert its text, so a value "
		              "that is not UTF-8 stops rowcast with an error naming the table and column");
	else if (strcmp(PQgetvalue(res, 0, 1), "UTF8") != 0)
		rc_check_fail(rep, "report this: rowcast asks for client_encoding=UTF8",
		              "client_encoding is %s, not UTF8", PQgetvalue(res, 0, 1));
	else
		rc_check_ok(
		    rep, "database encoding %s%s", PQgetvalue(res, 0, 0),
		    strcmp(PQgetvalue(res, 0, 0), "UTF8") == 0 ? "" : ", converted to UTF-8 by the server");
	PQclear(res);
}

/* Whether the connection is encrypted and whether the server's certificate and name were verified. A
 * connection that leaves the machine unencrypted is a warning: who sits on the path reads every
 * captured row and can forge change events. */
static void check_tls(PGconn *pg, const rc_conf_t *conf, rc_check_report_t *rep)
{
	const char *mode = rc_conf_get(conf, "database.sslmode"),
	           *host = rc_conf_get(conf, "database.hostname");
	bool verified = strcmp(mode, "verify-full") == 0, ca = strcmp(mode, "verify-ca") == 0;

	if (PQsslInUse(pg)) {
		const char *proto = PQsslAttribute(pg, "protocol");
		if (verified || ca || rc_host_is_loopback(host))
			rc_check_ok(rep, "PostgreSQL connection encrypted (%s), %s", proto ? proto : "TLS",
			            verified ? "certificate and host name verified (sslmode=verify-full)"
			            : ca     ? "certificate verified, host name not (sslmode=verify-ca)"
			                     : "certificate not verified (loopback)");
		else
			rc_check_warn(
			    rep, "set database.sslmode=verify-full and database.sslrootcert",
			    "PostgreSQL connection encrypted (%s) but the server's certificate is not "
			    "verified (sslmode=%s): a man in the middle can read and forge changes",
			    proto ? proto : "TLS", mode);
	} else if (rc_host_is_loopback(host)) {
		rc_check_ok(rep, "PostgreSQL connection not encrypted (loopback or Unix socket)");
	} else {
		rc_check_warn(rep, "set database.sslmode=verify-full and database.sslrootcert",
		              "PostgreSQL connection to %s is not encrypted (sslmode=%s): who sits on the "
		              "path reads every captured row and can forge change events",
		              host, mode);
	}
}

void rc_pg_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	char err[1024];
	PGconn *pg = rc_pg_connect(conf, false, err, sizeof err);

	if (!pg) {
		rc_check_fail(
		    rep,
		    "check database.hostname, database.port, database.user, the password and pg_hba.conf",
		    "%s", err);
		return;
	}
	rc_check_ok(rep, "connected to PostgreSQL at %s:%s, database %s",
	            rc_conf_get(conf, "database.hostname"), rc_conf_get(conf, "database.port"),
	            rc_conf_get(conf, "database.dbname"));
	check_tls(pg, conf, rep);
	check_server(pg, rep);
	check_encoding(pg, rep);
	check_role(pg, rep, rc_conf_get(conf, "database.user"));
	check_slot(pg, rep, rc_conf_get(conf, "slot.name"), rc_conf_get(conf, "database.dbname"));
	check_publication(pg, rep, conf);
	check_replica_identity(pg, rep);
	PQfinish(pg);

	/* Logical replication connections are governed by pg_hba "replication" lines: try one. */
	pg = rc_pg_connect(conf, true, err, sizeof err);
	if (!pg)
		rc_check_fail(rep, "allow the user in pg_hba.conf for replication connections", "%s", err);
	else
		rc_check_ok(rep, "replication connection accepted");
	PQfinish(pg);
}
