#include "config.h"

#include "decoders/pg_slot.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/pg_lsn.h"
#include "decoders/pg_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rc_pg_quote_ident(const char *ident)
{
	size_t len = strlen(ident), n = 0;
	char *out = malloc(len * 2 + 3);

	if (!out)
		return NULL;
	out[n++] = '"';
	for (; *ident; ident++) {
		if (*ident == '"')
			out[n++] = '"';
		out[n++] = *ident;
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

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

int rc_pg_publication_prepare(PGconn *sql, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *pub = rc_conf_get(conf, "publication.name");
	const char *mode = rc_conf_get(conf, "publication.autocreate.mode");
	const char *params[1] = {pub};
	PGresult *res = PQexecParams(sql, "SELECT 1 FROM pg_publication WHERE pubname = $1", 1, NULL, params, NULL,
				     NULL, 0);
	char *qpub = NULL, *list = NULL, *command = NULL;
	int rc = RC_ERR_FATAL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot look up publication %s: %s", pub, PQresultErrorMessage(res));
		goto out;
	}
	if (PQntuples(res) == 1) {
		rc = RC_OK;
		goto out;
	}
	if (strcmp(mode, "disabled") == 0) {
		snprintf(err, errlen,
			 "publication %s does not exist and publication.autocreate.mode = disabled: create it "
			 "(CREATE PUBLICATION %s FOR TABLE ...) or change the mode",
			 pub, pub);
		goto out;
	}
	qpub = rc_pg_quote_ident(pub);
	if (strcmp(mode, "all_tables") == 0) {
		if (asprintf(&command, "CREATE PUBLICATION %s FOR ALL TABLES", qpub) < 0)
			command = NULL;
	} else {
		if (rc_pg_included_tables_sql_list(sql, conf, &list, err, errlen) != 0)
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

static int create_slot(PGconn *repl, const char *slot, uint64_t *start, char *err, size_t errlen)
{
	char *qslot = rc_pg_quote_ident(slot), *command = NULL;
	PGresult *res = NULL;
	int rc = RC_ERR_FATAL;

	if (!qslot || asprintf(&command, "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput NOEXPORT_SNAPSHOT", qslot) < 0) {
		snprintf(err, errlen, "out of memory");
		command = NULL;
		goto out;
	}
	res = PQexec(repl, command);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errlen, "cannot create replication slot %s: %s", slot, PQresultErrorMessage(res));
		goto out;
	}
	if (rc_lsn_parse(PQgetvalue(res, 0, 1), start) != 0) {
		snprintf(err, errlen, "CREATE_REPLICATION_SLOT answered an unreadable consistent point '%s'",
			 PQgetvalue(res, 0, 1));
		goto out;
	}
	rc_log_info("pg", "created replication slot %s at %s", slot, PQgetvalue(res, 0, 1));
	rc = RC_OK;
out:
	PQclear(res);
	free(qslot);
	free(command);
	return rc;
}

int rc_pg_slot_prepare(PGconn *sql, PGconn *repl, const rc_conf_t *conf, const rc_offset_t *recorded,
		       uint64_t *start, bool *created, char *err, size_t errlen)
{
	const char *slot = rc_conf_get(conf, "slot.name");
	const char *db = rc_conf_get(conf, "database.dbname");
	const char *params[1] = {slot};
	char lsn_a[RC_LSN_BUFLEN], lsn_b[RC_LSN_BUFLEN];
	uint64_t confirmed;
	PGresult *res;
	int rc = RC_ERR_FATAL;

	*created = false;
	res = PQexecParams(sql,
			   "SELECT plugin, database, confirmed_flush_lsn, wal_status, active_pid "
			   "FROM pg_replication_slots WHERE slot_name = $1",
			   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot look up replication slot %s: %s", slot, PQresultErrorMessage(res));
		goto out;
	}
	if (PQntuples(res) == 0) {
		if (recorded) {
			snprintf(err, errlen,
				 "replication slot %s has disappeared, but rowcast recorded position %s for it: "
				 "changes made since may be lost. To start over, remove the offset file (and take a "
				 "new snapshot); never let rowcast guess",
				 slot, rc_lsn_format(recorded->lsn, lsn_a));
			goto out;
		}
		rc = create_slot(repl, slot, start, err, errlen);
		*created = rc == RC_OK;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "pgoutput") != 0 || strcmp(PQgetvalue(res, 0, 1), db) != 0) {
		snprintf(err, errlen, "replication slot %s belongs to plugin %s in database %s, not pgoutput in %s: "
				      "choose another slot.name",
			 slot, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), db);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "lost") == 0) {
		snprintf(err, errlen, "replication slot %s is invalidated (wal_status = lost): the WAL it needs is "
				      "gone; drop it and take a new snapshot",
			 slot);
		goto out;
	}
	if (!PQgetisnull(res, 0, 4)) {
		snprintf(err, errlen, "replication slot %s is in use by process %s", slot, PQgetvalue(res, 0, 4));
		rc = RC_ERR_RETRY; /* likely our own previous connection, not yet gone */
		goto out;
	}
	if (rc_lsn_parse(PQgetvalue(res, 0, 2), &confirmed) != 0) {
		snprintf(err, errlen, "replication slot %s has no confirmed_flush_lsn", slot);
		goto out;
	}
	if (recorded && recorded->lsn < confirmed) {
		snprintf(err, errlen,
			 "replication slot %s is at %s, ahead of the position rowcast recorded (%s): something else "
			 "consumed or recreated the slot, and changes in between may be missing. Take a new "
			 "snapshot, or remove the offset file to accept the slot's position",
			 slot, rc_lsn_format(confirmed, lsn_a), rc_lsn_format(recorded->lsn, lsn_b));
		goto out;
	}
	/* The offset file may be ahead of the slot (the last status update did not reach the server):
	 * resuming there skips only transactions Kafka already has. */
	*start = recorded ? recorded->lsn : confirmed;
	if (!recorded)
		rc_log_info("pg", "no offset file: resuming from slot %s's confirmed_flush_lsn %s", slot,
			    rc_lsn_format(confirmed, lsn_a));
	rc = RC_OK;
out:
	PQclear(res);
	return rc;
}
