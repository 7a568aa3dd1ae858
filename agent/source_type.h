/*
 * What rowcast knows of a kind of source (a database): one row of the table of source types, which
 * the command line (agent/cli/sources.c) holds and registers here at start. The core reads the
 * names and requirements (configuration: source.type, a pasted connector.class, the properties a
 * type needs, its default port; the encoders: Debezium's source.connector); the command line wires
 * the parts (constructor, position codec, snapshot reader, checks, offset identity, inspect).
 * Adding a database is a row in that table and a folder under decoders/ and snapshot/.
 */
#ifndef RC_SOURCE_TYPE_H
#define RC_SOURCE_TYPE_H

#include "agent/check_report.h"
#include "agent/conf.h"
#include "agent/offset_store.h"
#include "agent/position.h"
#include "agent/source.h"

#include <stddef.h>

struct rc_snapshot_reader_ops; /* snapshot/snapshot.h */

typedef struct rc_source_type {
	const char *name;      /* source.type */
	const char *connector; /* Debezium's source.connector ("mariadb" kept apart, as Debezium does) */
	const char *connector_class; /* Debezium's connector.class, for pasted connector configs */
	const char *default_port;    /* database.port when not set */
	const char *const *required; /* properties this type needs besides the common ones; NULL-ended */
	/* The parts; codec NULL until the source streams: `run` and `snapshot` then say "not available
	 * yet" and exit 2. */
	const rc_pos_codec_t *codec;
	rc_source_t *(*source_new)(const rc_conf_t *conf, char *err, size_t errlen);
	const struct rc_snapshot_reader_ops *snapshot;
	/* The source's own identity in the offset store (PostgreSQL: database, slot). */
	void (*identity)(const rc_conf_t *conf, rc_offset_ident_t *id);
	/* `rowcast check`'s prerequisites. */
	void (*check)(const rc_conf_t *conf, rc_check_report_t *rep);
	/* `rowcast inspect ...` for this source's files (MySQL/MariaDB binlogs); NULL: none. Returns the
	 * exit code. */
	int (*inspect)(const rc_conf_t *conf, int argc, char **argv);
} rc_source_type_t;

/* Registers the table (static, borrowed for the process's life). Called once, before any
 * configuration is read. */
void rc_source_types_set(const rc_source_type_t *types, size_t n);

/* The registered types, *n of them. */
const rc_source_type_t *rc_source_types(size_t *n);

/* The type named name (source.type), or NULL. */
const rc_source_type_t *rc_source_type_find(const char *name);

/* The type of a Kafka Connect connector.class, as Connect names classes: the full name
 * ("io.debezium.connector.postgresql.PostgresConnector"), the simple name ("PostgresConnector") or
 * the simple name without "Connector" ("Postgres"). NULL when none matches. */
const rc_source_type_t *rc_source_type_by_class(const char *connector_class);

#endif
