/*
 * The PostgreSQL side of planning a snapshot: which tables there are, how large, how many rows, as
 * the snapshot sees the catalog; and the import of an exported snapshot.
 */
#include "config.h"

#include "snapshot/postgres/pg_snapshot.h"

#include "agent/errors.h"
#include "decoders/postgres/pg_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables, with their size for the order and their row estimate for progress. A partitioned table
 * has no storage of its own: its leaves are summed. */
static const char plan_query[] =
    "SELECT c.oid, n.nspname, c.relname, c.relkind, "
    "  CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_relation_size(t.relid)), 0)::bigint "
    "    FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE pg_relation_size(c.oid) END AS size, "
    "  CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pc.reltuples) FILTER (WHERE pc.reltuples >= 0), "
    "-1) "
    "    FROM pg_partition_tree(c.oid) t JOIN pg_class pc ON pc.oid = t.relid WHERE t.isleaf) "
    "    ELSE c.reltuples END AS estimate "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
    "ORDER BY 5 DESC, 2, 3";

/* Runs a command that returns nothing; on failure fills err and classifies it. */
static int exec_cmd(PGconn *sql, const char *command, char *err, size_t errlen)
{
	PGresult *res = PQexec(sql, command);
	int rc = RC_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s: %s", command, PQresultErrorMessage(res));
		while (*err && err[strlen(err) - 1] == '\n')
			err[strlen(err) - 1] = '\0';
		rc = RC_ERR_RETRY; /* an expired snapshot or a lost connection: a new snapshot may do */
	}
	PQclear(res);
	return rc;
}

int rc_pg_snapshot_import(PGconn *sql, const char *name, char *err, size_t errlen)
{
	char *lit = PQescapeLiteral(sql, name, strlen(name)), *cmd = NULL;
	int rc;

	if (!lit || asprintf(&cmd, "SET TRANSACTION SNAPSHOT %s", lit) < 0) {
		PQfreemem(lit);
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	rc = exec_cmd(sql, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err, errlen);
	if (rc == RC_OK)
		rc = exec_cmd(sql, cmd, err, errlen);
	/* A role's timeouts must not cut a long COPY, nor the wait while Kafka is slow. */
	if (rc == RC_OK)
		rc = exec_cmd(sql, "SET LOCAL statement_timeout = 0", err, errlen);
	if (rc == RC_OK)
		rc = exec_cmd(sql, "SET LOCAL idle_in_transaction_session_timeout = 0", err, errlen);
	PQfreemem(lit);
	free(cmd);
	return rc;
}

int rc_pg_snapshot_plan(const rc_conf_t *conf, const rc_snapshot_point_t *pt, rc_snap_plan_t *plan, char *err,
                        size_t errlen)
{
	PGconn *sql = rc_pg_connect(conf, false, err, errlen);
	PGresult *res = NULL;
	int rc;

	if (!sql)
		return RC_ERR_RETRY;
	rc = pt ? rc_pg_snapshot_import(sql, pt->name, err, errlen) : RC_OK;
	if (rc == RC_OK) {
		res = PQexec(sql, plan_query);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			snprintf(err, errlen, "cannot list the tables to snapshot: %s",
			         PQresultErrorMessage(res));
			rc = PQstatus(sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
		}
	}
	for (int i = 0; rc == RC_OK && i < PQntuples(res); i++)
		if (rc_snap_plan_add(plan, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		                     (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10),
		                     PQgetvalue(res, i, 3)[0], strtoll(PQgetvalue(res, i, 4), NULL, 10),
		                     strtod(PQgetvalue(res, i, 5), NULL)) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = RC_ERR_FATAL;
		}
	PQclear(res);
	PQfinish(sql); /* the transaction, if any, ends with the connection */
	return rc;
}
