/*
 * The publication and the replication slot, and the check that the slot's position agrees with
 * the position rowcast recorded (DESIGN.md, "Positions and guard rails"). rowcast never moves a
 * position forward on its own: a slot that vanished, was recreated, was invalidated or is ahead of
 * the offset file is a fatal error that says what happened and what to do.
 */
#ifndef RC_PG_SLOT_H
#define RC_PG_SLOT_H

#include "agent/conf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Creates the publication when missing, per publication.autocreate.mode. sql is an ordinary
 * connection. Returns RC_OK or an RC_ERR_* class with err filled. */
/* A filtered publication (publication.name) lacks the tables included since it was made (added to
 * table.include.list, or created since): they are added (ALTER PUBLICATION ... ADD TABLE), so that
 * their changes are streamed from here on, as Debezium's filtered mode does; their rows before come
 * from snapshot.new.tables=parallel. names (when non-NULL) receives the tables added, "schema.table"
 * (rc_pg_names_free; *n 0 when none). Returns RC_OK, or an RC_ERR_* class with err filled. */
int rc_pg_publication_add_missing(PGconn *sql, const rc_conf_t *conf, char ***names, int *n, char *err,
                                  size_t errlen);
int rc_pg_publication_prepare(PGconn *sql, const rc_conf_t *conf, char *err, size_t errlen);

/*
 * Finds or creates the slot and decides where streaming starts (*start). recorded_lsn is the
 * position rowcast recorded, or NULL when there is none. *created tells whether the slot was made now (the
 * caller decides about a snapshot). repl is the replication connection (CREATE_REPLICATION_SLOT).
 * A slot that vanished while a position is recorded, is invalidated, or is ahead of the recorded
 * position is a fatal error, unless needs_snapshot is non-NULL (snapshot.mode=when_needed): then the
 * reason is logged as a warning, *needs_snapshot set and RC_OK returned with nothing created.
 * Returns RC_OK or an RC_ERR_* class with err filled.
 */
int rc_pg_slot_prepare(PGconn *sql, PGconn *repl, const rc_conf_t *conf, const uint64_t *recorded_lsn,
                       uint64_t *start, bool *created, bool *needs_snapshot, char *err, size_t errlen);

/*
 * A snapshot without a slot: opens a REPEATABLE READ, READ ONLY transaction on sql and exports its
 * snapshot (pg_export_snapshot) into name (namelen bytes); *lsn receives the server's WAL position
 * then. The snapshot lives while sql's transaction is open: COMMIT it once every reader imported it.
 * Returns RC_OK or an RC_ERR_* class with err filled.
 */
int rc_pg_export_snapshot(PGconn *sql, char *name, size_t namelen, uint64_t *lsn, char *err, size_t errlen);

/*
 * Creates the logical slot (pgoutput) on the replication connection repl. *start receives its
 * consistent point. With snapshot_name non-NULL the slot's snapshot is exported and its name copied
 * there (namelen bytes): it can be imported (SET TRANSACTION SNAPSHOT) until repl runs another
 * command. Returns RC_OK or RC_ERR_FATAL with err filled.
 */
int rc_pg_slot_create(PGconn *repl, const char *slot, uint64_t *start, char *snapshot_name, size_t namelen,
                      char *err, size_t errlen);

/* Sets *exists. Returns RC_OK or an RC_ERR_* class with err filled. */
int rc_pg_slot_exists(PGconn *sql, const char *slot, bool *exists, char *err, size_t errlen);

/* Drops the slot when it exists. Returns RC_OK, or RC_ERR_RETRY with err filled when it cannot (in use
 * by a connection, often our own previous one that the server has not noticed gone yet). */
int rc_pg_slot_drop(PGconn *sql, const char *slot, char *err, size_t errlen);

#endif
