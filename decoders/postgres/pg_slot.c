#include "config.h"

#include "decoders/postgres/pg_slot.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_lsn.h"
#include "decoders/postgres/pg_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs a command on sql; on failure fills err with what and the server's message. */
static int exec_ok(PGconn *sql, const char *what, const char *command, char *err, size_t errlen)
{
	PGresult *res = PQexec(sql, command);
	ExecStatusType st = PQresultStatus(res);
	int rc = RC_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s failed: %s", what, PQresultErrorMessage(res));
		rc = RC_ERR_FATAL;
	}
	PQclear(res);
	return rc;
}

/* pg_slot.h. A table rowcast cannot add (not its owner) is an error naming it: left out, its
 * changes would be silently missing. */
int rc_pg_publication_add_missing(PGconn *sql, const rc_conf_t *conf, char ***names, int *n, char *err,
                                  size_t errlen)
{
	const char *pub = rc_conf_get(conf, "publication.name");
	char *list = NULL, *qpub = NULL, *command = NULL;
	int rc = RC_ERR_FATAL;

	if (rc_pg_included_tables_sql_list(sql, conf, pub, &list, names, n, err, errlen) != 0)
		return PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
	if (!list)
		return RC_OK;
	if (!(qpub = rc_pg_quote_ident(pub)) ||
	    asprintf(&command, "ALTER PUBLICATION %s ADD TABLE %s", qpub, list) < 0) {
		command = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = exec_ok(sql, "ALTER PUBLICATION", command, err, errlen);
	if (rc == RC_OK) {
		rc_log_info("pg", "publication %s (filtered): added %s, included since it was made", pub,
		            list);
	} else {
		size_t used;
		err[strcspn(err, "\n")] = '\0';
		used = strlen(err);
		snprintf(
		    err + used, errlen - used,
		    "; add them by hand (ALTER PUBLICATION %s ADD TABLE %s), or their changes are not captured",
		    pub, list);
	}
out:
	if (rc != RC_OK && names) {
		rc_pg_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	free(list);
	free(qpub);
	free(command);
	return rc;
}

int rc_pg_publication_prepare(PGconn *sql, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *pub = rc_conf_get(conf, "publication.name");
	const char *mode = rc_conf_get(conf, "publication.autocreate.mode");
	const char *params[1] = {pub};
	PGresult *res = PQexecParams(sql, "SELECT 1 FROM pg_publication WHERE pubname = $1", 1, NULL, params,
	                             NULL, NULL, 0);
	char *qpub = NULL, *list = NULL, *command = NULL;
	int rc = RC_ERR_FATAL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot look up publication %s: %s", pub, PQresultErrorMessage(res));
		goto out;
	}
	if (PQntuples(res) == 1) {
		rc = strcmp(mode, "filtered") == 0
		         ? rc_pg_publication_add_missing(sql, conf, NULL, NULL, err, errlen)
		         : RC_OK;
		goto out;
	}
	if (strcmp(mode, "disabled") == 0) {
		snprintf(
		    err, errlen,
		    "publication %s does not exist and publication.autocreate.mode = disabled: create it (CREATE PUBLICATION %s FOR TABLE ...) or change the mode",
		    pub, pub);
		goto out;
	}
	qpub = rc_pg_quote_ident(pub);
	if (strcmp(mode, "all_tables") == 0) {
		if (asprintf(&command, "CREATE PUBLICATION %s FOR ALL TABLES", qpub) < 0)
			command = NULL;
	} else {
		if (rc_pg_included_tables_sql_list(sql, conf, NULL, &list, NULL, NULL, err, errlen) != 0)
			goto out;
		if (asprintf(&command, "CREATE PUBLICATION %s FOR TABLE %s", qpub, list) < 0)
			command = NULL;
	}
	if (!command) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = exec_ok(sql, "CREATE PUBLICATION", command, err, errlen);
	if (rc == RC_OK)
		rc_log_info("pg", "created publication %s (%s)", pub, mode);
out:
	PQclear(res);
	free(qpub);
	free(list);
	free(command);
	return rc;
}

int rc_pg_slot_create(PGconn *repl, const char *slot, uint64_t *start, char *snapshot_name, size_t namelen,
                      char *err, size_t errlen)
{
	char *qslot = rc_pg_quote_ident(slot), *command = NULL;
	PGresult *res = NULL;
	int rc = RC_ERR_FATAL;

	if (!qslot || asprintf(&command, "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput %s", qslot,
	                       snapshot_name ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT") < 0) {
		snprintf(err, errlen, "out of memory");
		command = NULL;
		goto out;
	}
	res = PQexec(repl, command);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errlen, "cannot create replication slot %s: %s", slot,
		         PQresultErrorMessage(res));
		goto out;
	}
	if (rc_lsn_parse(PQgetvalue(res, 0, 1), start) != 0) {
		snprintf(err, errlen, "CREATE_REPLICATION_SLOT answered an unreadable consistent point '%s'",
		         PQgetvalue(res, 0, 1));
		goto out;
	}
	if (snapshot_name) {
		/* Columns: slot_name, consistent_point, snapshot_name, output_plugin. */
		if (PQnfields(res) < 3 || PQgetisnull(res, 0, 2) ||
		    strlen(PQgetvalue(res, 0, 2)) >= namelen) {
			snprintf(err, errlen,
			         "CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT answered no snapshot name");
			goto out;
		}
		snprintf(snapshot_name, namelen, "%s", PQgetvalue(res, 0, 2));
	}
	rc_log_info("pg", "created replication slot %s at %s%s%s", slot, PQgetvalue(res, 0, 1),
	            snapshot_name ? ", exported snapshot " : "", snapshot_name ? snapshot_name : "");
	rc = RC_OK;
out:
	PQclear(res);
	free(qslot);
	free(command);
	return rc;
}

int rc_pg_slot_exists(PGconn *sql, const char *slot, bool *exists, char *err, size_t errlen)
{
	const char *params[1] = {slot};
	PGresult *res = PQexecParams(sql, "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", 1, NULL,
	                             params, NULL, NULL, 0);
	int rc = RC_OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot look up replication slot %s: %s", slot,
		         PQresultErrorMessage(res));
		rc = PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
	} else {
		*exists = PQntuples(res) == 1;
	}
	PQclear(res);
	return rc;
}

int rc_pg_slot_drop(PGconn *sql, const char *slot, char *err, size_t errlen)
{
	const char *params[1] = {slot};
	PGresult *res =
	    PQexecParams(sql,
	                 "SELECT active_pid, pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
	                 "WHERE slot_name = $1 AND active_pid IS NULL",
	                 1, NULL, params, NULL, NULL, 0);
	int rc = RC_OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* "is active for PID n": most likely our own previous connection, not gone yet. */
		snprintf(err, errlen, "cannot drop replication slot %s: %s", slot, PQresultErrorMessage(res));
		rc = RC_ERR_RETRY;
	} else if (PQntuples(res) == 1) {
		rc_log_info("pg", "dropped replication slot %s", slot);
	} else {
		bool exists = false;
		rc = rc_pg_slot_exists(sql, slot, &exists, err, errlen);
		if (rc == RC_OK && exists) {
			snprintf(err, errlen,
			         "cannot drop replication slot %s: it is in use by another connection", slot);
			rc = RC_ERR_RETRY;
		}
	}
	PQclear(res);
	return rc;
}

/* Where a slot that needs a new snapshot is reported: a fatal error, or (when_needed) a warning and
 * *needs_snapshot. */
static int lost_position(bool *needs_snapshot, char *err, size_t errlen)
{
	if (!needs_snapshot)
		return RC_ERR_FATAL;
	rc_log_warn("pg", "%s; snapshot.mode=when_needed: taking a new snapshot", err);
	*needs_snapshot = true;
	err[0] = '\0';
	return RC_OK;
}

int rc_pg_slot_prepare(PGconn *sql, PGconn *repl, const rc_conf_t *conf, const uint64_t *recorded,
                       uint64_t *start, bool *created, bool *needs_snapshot, char *err, size_t errlen)
{
	const char *slot = rc_conf_get(conf, "slot.name");
	const char *db = rc_conf_get(conf, "database.dbname");
	const char *params[1] = {slot};
	char lsn_a[RC_LSN_BUFLEN], lsn_b[RC_LSN_BUFLEN];
	uint64_t confirmed, wal_end;
	PGresult *res;
	int rc = RC_ERR_FATAL;

	*created = false;
	if (needs_snapshot)
		*needs_snapshot = false;
	res = PQexecParams(sql,
	                   "SELECT plugin, database, confirmed_flush_lsn, wal_status, active_pid, "
	                   "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
	                   "ELSE pg_current_wal_lsn() END "
	                   "FROM pg_replication_slots WHERE slot_name = $1",
	                   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot look up replication slot %s: %s", slot,
		         PQresultErrorMessage(res));
		goto out;
	}
	if (PQntuples(res) == 0) {
		if (recorded) {
			snprintf(
			    err, errlen,
			    "replication slot %s has disappeared, but rowcast recorded position %s for it: changes made since may be lost. To start over, remove the recorded offset (the offset file, or with offset.storage=kafka use a new offset.storage.topic) and take a new snapshot, or set snapshot.mode=when_needed; never let rowcast guess",
			    slot, rc_lsn_format(*recorded, lsn_a));
			rc = lost_position(needs_snapshot, err, errlen);
			goto out;
		}
		rc = rc_pg_slot_create(repl, slot, start, NULL, 0, err, errlen);
		*created = rc == RC_OK;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "pgoutput") != 0 || strcmp(PQgetvalue(res, 0, 1), db) != 0) {
		snprintf(
		    err, errlen,
		    "replication slot %s belongs to plugin %s in database %s, not pgoutput in %s: choose another slot.name",
		    slot, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), db);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "lost") == 0) {
		snprintf(
		    err, errlen,
		    "replication slot %s is invalidated (wal_status = lost): the WAL it needs is gone; drop it and take a new snapshot",
		    slot);
		rc = lost_position(needs_snapshot, err, errlen);
		goto out;
	}
	if (!PQgetisnull(res, 0, 4)) {
		snprintf(err, errlen, "replication slot %s is in use by process %s", slot,
		         PQgetvalue(res, 0, 4));
		rc = RC_ERR_RETRY; /* likely our own previous connection, not yet gone */
		goto out;
	}
	if (rc_lsn_parse(PQgetvalue(res, 0, 2), &confirmed) != 0) {
		snprintf(err, errlen, "replication slot %s has no confirmed_flush_lsn", slot);
		goto out;
	}
	if (recorded && *recorded < confirmed) {
		snprintf(
		    err, errlen,
		    "replication slot %s is at %s, ahead of the position rowcast recorded (%s): something else consumed or recreated the slot, and changes in between may be missing. Take a new snapshot, or remove the recorded offset (the offset file, or a new offset.storage.topic) to accept the slot's position",
		    slot, rc_lsn_format(confirmed, lsn_a), rc_lsn_format(*recorded, lsn_b));
		rc = lost_position(needs_snapshot, err, errlen);
		goto out;
	}
	/* Every position rowcast records was sent by this server, so none can be past its WAL's end: one
	 * that is comes from another server, an edit, or a server restored to an earlier point, and
	 * resuming there would skip whatever is written up to it. */
	if (recorded && rc_lsn_parse(PQgetvalue(res, 0, 5), &wal_end) == 0 && *recorded > wal_end) {
		snprintf(
		    err, errlen,
		    "the position rowcast recorded for slot %s (%s) is past the server's WAL end (%s): the offset belongs to another server or was edited, or the server was restored to an earlier point; resuming there would skip every change up to it. Remove the recorded offset (the offset file, or a new offset.storage.topic) to resume from the slot, and take a new snapshot if the server was restored",
		    slot, rc_lsn_format(*recorded, lsn_a), rc_lsn_format(wal_end, lsn_b));
		rc = RC_ERR_FATAL;
		goto out;
	}
	/* The offset file may be ahead of the slot (the last status update did not reach the server):
	 * resuming there skips only transactions Kafka already has. */
	*start = recorded ? *recorded : confirmed;
	if (!recorded)
		rc_log_info("pg", "no offset file: resuming from slot %s's confirmed_flush_lsn %s", slot,
		            rc_lsn_format(confirmed, lsn_a));
	rc = RC_OK;
out:
	PQclear(res);
	return rc;
}

int rc_pg_export_snapshot(PGconn *sql, char *name, size_t namelen, uint64_t *lsn, char *err, size_t errlen)
{
	PGresult *res = PQexec(sql, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	int rc = RC_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "cannot begin the snapshot's transaction: %s",
		         PQresultErrorMessage(res));
		PQclear(res);
		return PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
	}
	PQclear(res);
	res = PQexec(sql, "SELECT pg_export_snapshot(), pg_current_wal_lsn()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    strlen(PQgetvalue(res, 0, 0)) >= namelen || rc_lsn_parse(PQgetvalue(res, 0, 1), lsn) != 0) {
		snprintf(err, errlen, "cannot export a snapshot: %s", PQresultErrorMessage(res));
		rc = PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
	} else {
		snprintf(name, namelen, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return rc;
}
