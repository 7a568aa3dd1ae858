/*
 * Debezium's signals (Debezium 3.6's names and formats): one-off requests to a running rowcast, such
 * as "take an incremental snapshot of these tables now", without stopping the stream. Not to be
 * confused with agent/signals.h, which handles the process's POSIX signals.
 *
 * A signal is (id, type, data): type one of the names below, data a JSON object whose fields depend
 * on the type:
 *   execute-snapshot  {"data-collections": ["schema.table" or a regular expression, ...],
 *                      "type": "incremental" (default) | "blocking",
 *                      "additional-conditions": [{"data-collection": ..., "filter": ...}, ...],
 *                      "surrogate-key": "column"}
 *   stop-snapshot     {"data-collections": [...] (none: every table), "type": "incremental"}
 *   pause-snapshot    {"type": "incremental"} (data may be absent)
 *   resume-snapshot   {"type": "incremental"} (data may be absent)
 *   log               {"message": "text"}
 *
 * Channels (signal.enabled.channels, Debezium's default "source"):
 *   source  an INSERT into signal.data.collection (columns id, type, data, by position), seen in the
 *           stream; on PostgreSQL also rowcast's own read-only form: a transactional logical
 *           decoding message with prefix "rowcast.signal" whose content is {"id", "type", "data"}
 *           (id optional: the message's LSN then), so no table needs writing.
 *   kafka   a record on signal.kafka.topic whose key is topic.prefix (others are not for this
 *           rowcast and are skipped) and whose value is {"id": ..., "type": ..., "data": {...}}, as
 *           Debezium's KafkaSignalChannel reads it; without an id, the record's offset
 *           (sinks/signal_kafka.c).
 *
 * A malformed signal never stops the stream: it is logged as an error naming its id, its channel and
 * what is wrong, and counted; so is one asking for what rowcast does not do (a blocking snapshot).
 */
#ifndef RC_SIGNAL_H
#define RC_SIGNAL_H

#include "agent/conf.h"
#include "agent/event.h"

#include <stdbool.h>
#include <stddef.h>

/* The prefix of rowcast's PostgreSQL logical decoding message channel. */
#define RC_SIGNAL_MESSAGE_PREFIX "rowcast.signal"

typedef enum {
	RC_SIGNAL_EXECUTE_SNAPSHOT,
	RC_SIGNAL_STOP_SNAPSHOT,
	RC_SIGNAL_PAUSE_SNAPSHOT,
	RC_SIGNAL_RESUME_SNAPSHOT,
	RC_SIGNAL_LOG,
} rc_signal_kind_t;

/* One entry of execute-snapshot's additional-conditions. */
typedef struct rc_signal_condition {
	char *data_collection;
	char *filter;
} rc_signal_condition_t;

/* A parsed signal. Every string is owned by the signal (rc_signal_clear frees them). */
typedef struct rc_signal {
	char *id;
	char *type; /* as given, e.g. "execute-snapshot" */
	char *data; /* the data text as given, or NULL */
	rc_signal_kind_t kind;
	const char *channel; /* static: "source", "kafka" */
	bool blocking;       /* execute-snapshot / stop-snapshot with "type": "blocking" */
	char **collections;  /* data-collections: names or regular expressions, as given */
	int ncollections;
	rc_signal_condition_t *conditions; /* additional-conditions */
	int nconditions;
	char *surrogate_key; /* or NULL */
	char *message;       /* log: the text */
} rc_signal_t;

/*
 * Parses a signal from its three parts (the signal table's columns): id and type required, data a
 * JSON object or NULL/empty where the type allows it. channel is a static name for messages. Returns
 * 0, or -1 with err naming the signal id and the field at fault (sig is then cleared).
 */
int rc_signal_parse(rc_signal_t *sig, const char *channel, const char *id, const char *type, const char *data,
                    char *err, size_t errlen);

/*
 * Parses a signal given as one JSON object {"id": ..., "type": ..., "data": {...}} (the Kafka record's
 * value, the logical message's content). dflt_id (the Kafka offset, the message's LSN) is the id
 * when the object has none, or always when id_from_json is false. Returns 0, or -1 with err filled.
 */
int rc_signal_parse_json(rc_signal_t *sig, const char *channel, const char *dflt_id, bool id_from_json,
                         const char *json, size_t len, char *err, size_t errlen);

/* Frees what sig holds and zeroes it. */
void rc_signal_clear(rc_signal_t *sig);

/*
 * Expands data-collections as Debezium does: each entry is a regular expression matched against the
 * whole of every known table name ("schema.table"); an entry matching none is kept as written (so a
 * plain name of a table not known yet still reaches the snapshot, which says what is wrong with it).
 * Duplicates are dropped, order kept. *out (caller frees with rc_signal_free_names) receives the
 * names. Returns 0, or -1 with err naming the entry that is not a valid regular expression.
 */
int rc_signal_expand(const char *const *patterns, int npatterns, const char *const *known, int nknown,
                     char ***out, int *nout, char *err, size_t errlen);
void rc_signal_free_names(char **names, int n);

/* What executes signals: the incremental snapshot engine (agent/incremental.h) behind function
 * pointers, so this module needs no engine to parse and route. A NULL execute means the running
 * rowcast has no engine: a snapshot signal is then refused, saying so. */
typedef struct rc_signal_target {
	int (*execute)(void *opaque, const char *id, const char *const *tables, int ntables, char *err,
	               size_t errlen);
	int (*stop)(void *opaque, const char *id, const char *const *tables, int ntables);
	void (*pause)(void *opaque, bool pause);
	void *opaque;
} rc_signal_target_t;

/* Does what sig asks of target. Returns 0, or -1 with err saying why (no engine, blocking
 * snapshots, additional-conditions or surrogate-key the engine cannot honour, the engine's refusal). */
int rc_signal_dispatch(const rc_signal_t *sig, const rc_signal_target_t *target, char *err, size_t errlen);

/* The signal channels of one rowcast, from its configuration. */
typedef struct rc_signal_router {
	bool source, kafka; /* signal.enabled.channels */
	char *table;        /* signal.data.collection, or NULL */
	bool pg_messages;   /* source channel on PostgreSQL: rowcast.signal messages */
	rc_signal_target_t target;
	unsigned long received; /* signals seen (well-formed or not) */
	unsigned long refused;  /* of which malformed or refused */
} rc_signal_router_t;

/* Reads signal.* from conf (already checked by rc_signal_check_conf). Returns 0, or -1 (memory). */
int rc_signal_router_init(rc_signal_router_t *r, const rc_conf_t *conf, char *err, size_t errlen);
void rc_signal_router_destroy(rc_signal_router_t *r);

/*
 * Called by the capture on every streamed event: when ev is an insert into the signal table, or a
 * rowcast.signal logical message, parses it and hands it to rc_signal_handle. Returns true when ev
 * was a signal (handled or refused: the event is still published like any other), false otherwise.
 */
bool rc_signal_from_event(rc_signal_router_t *r, const rc_event_t *ev);

/* Logs the signal as received (id, type, channel, tables), dispatches it to r->target and logs a
 * refusal as an error naming the id. Returns 0 when done, -1 when refused. */
int rc_signal_handle(rc_signal_router_t *r, const rc_signal_t *sig);

/* Logs and counts a signal that could not even be parsed (err says why). */
void rc_signal_refused(rc_signal_router_t *r, const char *err);

/* A channel read apart from the stream (the Kafka topic: sinks/signal_kafka.c), polled from the
 * event loop. poll hands every signal waiting to rc_signal_handle without blocking, and returns
 * how many it read, or an RC_ERR_* class with err filled (logged by the caller; the stream goes on). */
typedef struct rc_signal_channel rc_signal_channel_t;
typedef struct rc_signal_channel_ops {
	int (*poll)(rc_signal_channel_t *ch, rc_signal_router_t *r, char *err, size_t errlen);
	void (*free)(rc_signal_channel_t *ch);
} rc_signal_channel_ops_t;
struct rc_signal_channel {
	const rc_signal_channel_ops_t *ops;
};

/*
 * Checks the signal.* properties (rc_conf_finalize calls it): signal.enabled.channels a list of
 * known channels (jmx and file are Debezium's, not rowcast's: refused, named), signal.data.collection
 * of the form schema.table. Returns 0, or -1 with the messages appended to err.
 */
int rc_signal_check_conf(const rc_conf_t *conf, char *err, size_t errlen);

/* Whether signal.enabled.channels lists name. */
bool rc_signal_channel_enabled(const rc_conf_t *conf, const char *name);

#endif
