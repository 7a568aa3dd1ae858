/*
 * The publication and the replication slot, and the check that the slot's position agrees with
 * the position rowcast recorded (DESIGN.md, "Positions and guard rails"). rowcast never moves a
 * position forward on its own: a slot that vanished, was recreated, was invalidated or is ahead of
 * the offset file is a fatal error that says what happened and what to do.
 */
#ifndef RC_PG_SLOT_H
#define RC_PG_SLOT_H

#include "agent/conf.h"
#include "agent/offsets.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Creates the publication when missing, per publication.autocreate.mode. sql is an ordinary
 * connection. Returns RC_OK or an RC_ERR_* class with err filled. */
int rc_pg_publication_prepare(PGconn *sql, const rc_conf_t *conf, char *err, size_t errlen);

/*
 * Finds or creates the slot and decides where streaming starts (*start). recorded is the offset
 * file's content, or NULL when there is none. *created tells whether the slot was made now (the
 * caller decides about a snapshot). repl is the replication connection (CREATE_REPLICATION_SLOT).
 * Returns RC_OK or an RC_ERR_* class with err filled.
 */
int rc_pg_slot_prepare(PGconn *sql, PGconn *repl, const rc_conf_t *conf, const rc_offset_t *recorded,
		       uint64_t *start, bool *created, char *err, size_t errlen);

/* Quotes an identifier for SQL ("a""b"). Returns a malloc'd string (caller frees), NULL when out of
 * memory. */
char *rc_pg_quote_ident(const char *ident);

#endif
