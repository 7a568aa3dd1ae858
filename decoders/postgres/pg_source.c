#include "config.h"

#include "decoders/postgres/pg_source.h"

#include "agent/incremental.h"
#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "decoders/postgres/pg_conn.h"
#include "decoders/postgres/pg_hbquery.h"
#include "decoders/postgres/pg_lsn.h"
#include "decoders/postgres/pg_relcache.h"
#include "decoders/postgres/pg_slot.h"
#include "decoders/postgres/pg_walmsg.h"
#include "decoders/postgres/pg_position.h"
#include "decoders/postgres/pgoutput.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROTO_VERSION 1
#define FEEDBACK_MIN_INTERVAL_MS 1000 /* confirmations that moved are sent at most this often */
#define DROP_WAIT_MS 2000             /* slot.drop.on.stop: for the walsender to let go of the slot */

/* The stream's state; the snapshot phases are the capture's (agent/capture.c). */
typedef struct pg_source {
	rc_source_t base;
	int64_t msg_sent_us; /* the server's send time of the XLogData being read (Unix µs; 0 unknown) */
	int64_t read_us;     /* when the current read took the connection's input (Unix µs) */
	const rc_conf_t *conf;
	PGconn *sql;  /* catalog queries; the exporting transaction of a snapshot without a slot */
	PGconn *repl; /* the replication stream */
	rc_pg_relcache_t rels;
	bool rels_ready;
	bool published;   /* the publication is checked (or made) */
	bool exporting;   /* sql holds an exported snapshot open until snapshot_held */
	bool streaming;   /* START_REPLICATION done */
	rc_arena_t arena; /* one message's parse and values; reset per message */

	/* Transaction in progress */
	rc_ack_txn_t *txn;
	uint32_t xid;
	int64_t commit_ts_us;     /* Unix µs */
	uint64_t last_commit_lsn; /* previous transaction's commit end, for source.sequence; 0: none */
	bool commit_known;        /* the stream resumes at a recorded commit (not a new slot/snapshot) */
	bool txmeta;              /* provide.transaction.metadata: name transactions as Debezium does */
	char txn_id[48];          /* the event's "xid:lsn" (PostgresTransactionMonitor's id) */
	bool in_xact;             /* between a BEGIN and its COMMIT (not a standalone message) */
	bool messages;            /* messages=true: logical decoding messages are published */
	rc_pg_hbquery_t hbq;      /* heartbeat.action.query */

	/* Feedback */
	uint64_t received;  /* newest WAL position seen */
	uint64_t confirmed; /* newest flush position the pipeline gave us */
	uint64_t sent_flush;
	int64_t last_sent_ms;
	int64_t status_interval_ms;
	bool reply_requested;
	/* replication.timeout.ms: a server that sends nothing is asked for a reply at half the time,
	 * and the connection is dead at the whole (a stopped server's kernel still acknowledges TCP,
	 * so keepalives cannot tell). */
	int64_t silence_ms;   /* 0: never */
	int64_t last_recv_ms; /* the last message from the server, or the stream's start */
	bool pinged;          /* a reply was asked for since then */
	const char *db;
} pg_source_t;

static int start_replication(pg_source_t *ps, uint64_t start, char *err, size_t errlen)
{
	char lsn[RC_LSN_BUFLEN], *command = NULL,
	                         *slot = rc_pg_quote_ident(rc_conf_get(ps->conf, "slot.name"));
	const char *pub = rc_conf_get(ps->conf, "publication.name");
	PGresult *res;
	int rc = RC_ERR_RETRY;

	/* publication_names is itself a list of identifiers inside a string literal. */
	if (strchr(pub, '\'') || strchr(pub, '"')) {
		snprintf(err, errlen, "publication.name '%s' must not contain quotes", pub);
		free(slot);
		return RC_ERR_FATAL;
	}
	if (!slot ||
	    asprintf(&command,
	             "START_REPLICATION SLOT %s LOGICAL %s (proto_version '%d', publication_names '\"%s\"', "
	             "messages '%s')",
	             slot, rc_lsn_format(start, lsn), PROTO_VERSION, pub,
	             /* Always: the incremental snapshots' watermarks are messages (messages=false
	              * drops the others in message_event). */
	             "true") < 0) {
		snprintf(err, errlen, "START_REPLICATION: out of memory"); /* security review F-19's nit */
		free(slot);
		return RC_ERR_FATAL;
	}
	res = PQexec(ps->repl, command);
	if (PQresultStatus(res) != PGRES_COPY_BOTH) {
		snprintf(err, errlen, "START_REPLICATION failed: %s", PQresultErrorMessage(res));
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && PQstatus(ps->repl) == CONNECTION_OK)
			rc = RC_ERR_FATAL; /* the server refused: retrying will not help */
	} else {
		rc = RC_OK;
	}
	PQclear(res);
	free(command);
	free(slot);
	return rc;
}

/* What streaming needs besides the catalog connection: the replication connection, the relation
 * cache and the publication. Made once per source, on first need. */
static int prepare_streaming(pg_source_t *ps, char *err, size_t errlen)
{
	int rc;

	if (!ps->repl && !(ps->repl = rc_pg_connect(ps->conf, true, err, errlen)))
		return RC_ERR_RETRY;
	if (!ps->rels_ready) {
		if (rc_pg_relcache_init(&ps->rels, ps->conf, ps->sql, err, errlen) != 0)
			return RC_ERR_FATAL;
		ps->rels_ready = true;
	}
	if (!ps->published) {
		rc = rc_pg_publication_prepare(ps->sql, ps->conf, err, errlen);
		if (rc != RC_OK)
			return rc;
		ps->published = true;
	}
	return RC_OK;
}

static int pg_connect(rc_source_t *src, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;

	ps->sql = rc_pg_connect(ps->conf, false, err, errlen);
	return ps->sql ? RC_OK : RC_ERR_RETRY;
}

/*
 * slot.drop.on.stop: a slot missing while the offset store names a position is what the previous
 * run's clean stop left (pg_stopped), not a lost slot: the start is a first start, as snapshot.mode
 * says (a snapshot, or no_data: streaming from the new slot). Returns true in that case, with
 * *need_snapshot set when a snapshot is to be taken; *rc receives a lookup's failure.
 */
static bool dropped_on_stop(pg_source_t *ps, uint64_t rec_lsn, bool *need_snapshot, int *rc, char *err,
                            size_t errlen)
{
	const char *slot = rc_conf_get(ps->conf, "slot.name");
	const char *mode = rc_conf_get(ps->conf, "snapshot.mode");
	char lsn[RC_LSN_BUFLEN];
	bool exists = true;

	if (!rc_conf_get_bool(ps->conf, "slot.drop.on.stop", false))
		return false;
	*rc = rc_pg_slot_exists(ps->sql, slot, &exists, err, errlen);
	if (*rc != RC_OK || exists)
		return false;
	*need_snapshot = !rc_conf_is(ps->conf, "snapshot.mode", "no_data");
	rc_log_kv(RC_LOG_WARN, "pg", &(rc_log_fields_t){.position = rc_lsn_format(rec_lsn, lsn)},
	          "replication slot %s is missing and slot.drop.on.stop=true (the last stop dropped it): the "
	          "recorded position %s is set aside and this start is a first start (snapshot.mode=%s: %s)",
	          slot, lsn, mode,
	          *need_snapshot ? "a new snapshot" : "streaming from a new slot, no rows copied");
	return true;
}

static int pg_prepare_stream(rc_source_t *src, const rc_pos_t *recorded, bool when_needed, rc_pos_t *resume,
                             bool *need_snapshot, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	uint64_t rec_lsn = rc_pg_pos_lsn(recorded), start = 0;
	bool created = false;
	int rc = prepare_streaming(ps, err, errlen);

	*need_snapshot = false;
	if (rc == RC_OK && recorded && recorded->set &&
	    dropped_on_stop(ps, rec_lsn, need_snapshot, &rc, err, errlen))
		recorded = NULL; /* a first start: the slot is made anew (or the snapshot makes it) */
	ps->commit_known = recorded && recorded->set;
	if (rc == RC_OK && *need_snapshot)
		return RC_OK;
	if (rc == RC_OK)
		rc = rc_pg_slot_prepare(ps->sql, ps->repl, ps->conf,
		                        recorded && recorded->set ? &rec_lsn : NULL, &start, &created,
		                        when_needed ? need_snapshot : NULL, err, errlen);
	if (rc == RC_OK && !*need_snapshot)
		*resume = rc_pg_pos(start);
	return rc;
}

/*
 * The snapshot rows' source.txId. Debezium writes its snapshot transaction's id (txid_current() in
 * that transaction, none on a standby). rowcast's readers are read-only transactions importing the
 * snapshot, which have none: the catalog connection takes one at the consistent point (inside the
 * exporting transaction when there is one, else a transaction of its own), null on a standby.
 */
static int snapshot_txid(pg_source_t *ps, int64_t *txid, char *err, size_t errlen)
{
	PGresult *res =
	    PQexec(ps->sql, "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE txid_current() END");
	int rc = RC_OK;

	*txid = -1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errlen, "cannot read the snapshot's transaction id: %s",
		         RC_PG_ERROR(ps->sql, res));
		rc = PQstatus(ps->sql) == CONNECTION_OK ? RC_ERR_FATAL : RC_ERR_RETRY;
	} else if (!PQgetisnull(res, 0, 0)) {
		*txid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	}
	PQclear(res);
	return rc;
}

/* The source block of every snapshot row: the snapshot's transaction id and LSN. */
static int snapshot_source(pg_source_t *ps, rc_snapshot_point_t *pt, uint64_t lsn, char *err, size_t errlen)
{
	pt->pos = rc_pg_pos(lsn);
	pt->source.connector = "postgresql";
	pt->source.db = ps->db;
	pt->source.lsn = lsn;
	pt->source.thread = -1;
	return snapshot_txid(ps, &pt->source.txid, err, errlen);
}

/*
 * The consistent point of a snapshot. With a stream after it, the slot is made anew with its snapshot
 * exported (the replication connection then stays idle until START_REPLICATION at the slot's
 * consistent point, which keeps the exported snapshot importable); without one, a snapshot is
 * exported from a transaction on the catalog connection, open until snapshot_held.
 */
static int pg_snapshot_point(rc_source_t *src, bool then_stream, rc_snapshot_point_t *pt, char *err,
                             size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	const char *slot = rc_conf_get(ps->conf, "slot.name");
	uint64_t lsn = 0;
	bool exists = false;
	int rc;

	memset(pt, 0, sizeof *pt);
	ps->commit_known = false;
	if (!then_stream) {
		rc = rc_pg_export_snapshot(ps->sql, pt->name, sizeof pt->name, &lsn, err, errlen);
		if (rc == RC_OK) {
			ps->exporting = true;
			rc = snapshot_source(ps, pt, lsn, err, errlen);
		}
		return rc;
	}
	rc = prepare_streaming(ps, err, errlen);
	if (rc == RC_OK)
		rc = rc_pg_slot_exists(ps->sql, slot, &exists, err, errlen);
	if (rc == RC_OK && exists)
		rc_log_warn("pg",
		            "replication slot %s exists: making it anew at the snapshot's consistent point",
		            slot);
	if (rc == RC_OK && exists)
		rc = rc_pg_slot_drop(ps->sql, slot, err, errlen);
	if (rc == RC_OK)
		rc = rc_pg_slot_create(ps->repl, slot, &lsn, pt->name, sizeof pt->name, err, errlen);
	if (rc == RC_OK)
		rc = snapshot_source(ps, pt, lsn, err, errlen);
	return rc;
}

/* Every reader imported the exported snapshot: its transaction may end. */
static int pg_snapshot_held(rc_source_t *src, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	PGresult *res;
	int rc = RC_OK;

	if (!ps->exporting)
		return RC_OK;
	ps->exporting = false;
	res = PQexec(ps->sql, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "COMMIT after the snapshot's start: %s", RC_PG_ERROR(ps->sql, NULL));
		rc = RC_ERR_RETRY;
	}
	PQclear(res);
	return rc;
}

static int pg_stream(rc_source_t *src, const rc_pos_t *from, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	uint64_t lsn = rc_pg_pos_lsn(from);
	int rc = prepare_streaming(ps, err, errlen);

	if (rc == RC_OK)
		rc = start_replication(ps, lsn, err, errlen);
	if (rc != RC_OK)
		return rc;
	ps->confirmed = ps->sent_flush = ps->received = lsn;
	/* Debezium's lsn_commit: none on the first transaction after a snapshot or on a new slot (its
	 * offsets hold none yet); after a restart, the recorded position, which is a commit's end. */
	ps->last_commit_lsn = ps->commit_known ? lsn : 0;
	ps->last_sent_ms = ps->last_recv_ms = rc_clock_ms();
	ps->pinged = false;
	ps->streaming = true;
	return RC_OK;
}

static int pg_fd(rc_source_t *src)
{
	pg_source_t *ps = (pg_source_t *)src;

	return ps->streaming ? PQsocket(ps->repl) : -1;
}

/* A standby status update; ping asks the server to answer at once (replyRequested). */
static int send_status(pg_source_t *ps, bool ping, char *err, size_t errlen)
{
	uint8_t buf[RC_WALMSG_STATUS_LEN];
	int len = rc_walmsg_build_status(buf, sizeof buf, ps->confirmed, ps->confirmed, ps->confirmed,
	                                 rc_walmsg_now_pg_us(), ping);

	if (len < 0 || PQputCopyData(ps->repl, (const char *)buf, len) != 1 || PQflush(ps->repl) != 0) {
		snprintf(err, errlen, "cannot send a status update to PostgreSQL: %s",
		         RC_PG_ERROR(ps->repl, NULL));
		return RC_ERR_RETRY;
	}
	ps->sent_flush = ps->confirmed;
	ps->last_sent_ms = rc_clock_ms();
	ps->reply_requested = false;
	return RC_OK;
}

/* Debezium names a PostgreSQL transaction "<xid>:<lsn>", the LSN being that of the message at hand
 * (BEGIN, each change, COMMIT: PostgresTransactionMonitor.adjustTxId), in decimal. Writes it into
 * ps->txn_id; false outside a transaction (a standalone message has no transaction id). */
static bool own_txn_id(pg_source_t *ps, uint64_t lsn)
{
	if (!ps->txn || !ps->in_xact)
		return false;
	snprintf(ps->txn_id, sizeof ps->txn_id, "%" PRIu32 ":%" PRIu64, ps->xid, lsn);
	return true;
}

/* Tells the pipeline the transaction's name at its BEGIN or COMMIT message (at lsn). */
static void mark_txn(pg_source_t *ps, const rc_source_handler_t *h, bool end, uint64_t lsn)
{
	if (ps->txmeta && h->txn_mark && own_txn_id(ps, lsn))
		h->txn_mark(h->opaque, ps->txn, end,
		            &(rc_txn_mark_t){.id = ps->txn_id, .ts_us = ps->commit_ts_us});
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void fill_source(pg_source_t *ps, rc_event_t *ev, uint64_t lsn)
{
	ev->source.connector = "postgresql";
	ev->source.db = ps->db;
	ev->source.ts_us = ps->commit_ts_us;
	ev->source.sent_us = ps->msg_sent_us;
	ev->source.received_us = ps->read_us;
	ev->source.snapshot = "false";
	ev->source.txid = ps->xid;
	ev->source.lsn = lsn;
	ev->source.last_commit_lsn = ps->last_commit_lsn;
	ev->source.thread = -1;
	if (ps->txmeta && own_txn_id(ps, lsn))
		ev->source.txn_id = ps->txn_id;
}

/* True when an Update's old tuple (key or full row) has another value in a key column than the new
 * tuple. Values are compared in their text form, which is canonical per type. */
static bool key_changed(const rc_pg_rel_t *rel, const rc_pgo_tuple_t *oldtup, const rc_pgo_tuple_t *newtup)
{
	for (int i = 0; i < rel->natts && i < oldtup->ncols && i < newtup->ncols; i++) {
		const rc_pgo_col_t *o = &oldtup->cols[i], *n = &newtup->cols[i];
		int ci = rel->att_col[i];

		if (ci < 0 || !rel->table->cols[ci].key || n->kind == RC_PGO_COL_UNCHANGED)
			continue;
		if (o->kind != n->kind || o->len != n->len ||
		    (o->len && memcmp(o->data, n->data, o->len) != 0))
			return true;
	}
	return false;
}

/* Unchanged TOAST values (pgoutput's 'u') of after: with REPLICA IDENTITY FULL the old row carries
 * them (the server flattens its TOAST), so after takes old's value, as Debezium does; the rest become
 * Debezium's unavailable-value placeholder of their type (rc_pg_value_unchanged). old may be NULL. */
static int unchanged_values(pg_source_t *ps, const rc_pg_rel_t *rel, rc_value_t *after, const rc_value_t *old,
                            char *err, size_t errlen)
{
	const rc_table_t *t = rel->table;

	for (size_t i = 0; i < t->ncols; i++) {
		if (after[i].state != RC_V_UNCHANGED)
			continue;
		if (old && old[i].state != RC_V_UNCHANGED) {
			after[i] = old[i];
			continue;
		}
		if (rc_pg_value_unchanged(&t->cols[i], &ps->rels.type_opts, &ps->arena, &after[i], err,
		                          errlen) != 0)
			return RC_ERR_FATAL;
	}
	return RC_OK;
}

/* The events of Insert, Update and Delete. */
static int row_event(pg_source_t *ps, const rc_pgo_msg_t *m, uint64_t lsn, const rc_source_handler_t *h,
                     char *err, size_t errlen)
{
	const rc_pgo_tuple_t *oldtup = NULL, *newtup = NULL;
	const rc_pg_rel_t *rel;
	rc_event_t ev = {0};
	uint32_t relid;
	int rc;

	switch (m->type) {
	case RC_PGO_INSERT:
		ev.op = RC_OP_CREATE;
		relid = m->insert.relid;
		newtup = &m->insert.newtup;
		break;
	case RC_PGO_UPDATE:
		ev.op = RC_OP_UPDATE;
		relid = m->update.relid;
		newtup = &m->update.newtup;
		if (m->update.old_kind != RC_PGO_OLD_NONE)
			oldtup = &m->update.oldtup;
		break;
	default:
		ev.op = RC_OP_DELETE;
		relid = m->delete.relid;
		oldtup = &m->delete.oldtup;
		break;
	}
	rel = rc_pg_relcache_get(&ps->rels, relid);
	if (!rel) {
		snprintf(err, errlen, "pgoutput %s for relation %u, which no Relation message described",
		         rc_pgoutput_type_name(m->type), relid);
		return RC_ERR_FATAL;
	}
	if (!rel->table)
		return RC_OK; /* filtered out */
	if (!ps->txn) {
		snprintf(err, errlen, "pgoutput %s outside a transaction", rc_pgoutput_type_name(m->type));
		return RC_ERR_FATAL;
	}
	if (newtup)
		rc_pg_relcache_relax(&ps->rels, relid, newtup);
	if (oldtup && (m->type == RC_PGO_UPDATE ? m->update.old_kind : m->delete.old_kind) == RC_PGO_OLD_ROW)
		rc_pg_relcache_relax(&ps->rels, relid, oldtup);
	ev.table = rel->table;
	if (newtup && (rc = rc_pg_relcache_values(rel, newtup, &ps->arena, &ev.after, err, errlen)) != RC_OK)
		return rc;
	if (oldtup && (rc = rc_pg_relcache_values(rel, oldtup, &ps->arena, &ev.before, err, errlen)) != RC_OK)
		return rc;
	if (ev.after &&
	    (rc = unchanged_values(
	         ps, rel, ev.after,
	         m->type == RC_PGO_UPDATE && m->update.old_kind == RC_PGO_OLD_ROW ? ev.before : NULL, err,
	         errlen)) != RC_OK)
		return rc;
	if (ev.before && (rc = unchanged_values(ps, rel, ev.before, NULL, err, errlen)) != RC_OK)
		return rc;
	fill_source(ps, &ev, lsn);
	if (ev.op == RC_OP_UPDATE && oldtup && key_changed(rel, oldtup, newtup)) {
		/* As Debezium does: a primary key change is a delete of the old key (followed by its
		 * tombstone) and a create of the new one, so compacted topics keep no stale key. */
		rc_event_t del = ev, ins = ev;
		del.op = RC_OP_DELETE;
		del.after = NULL;
		ins.op = RC_OP_CREATE;
		ins.before = NULL;
		rc = h->event(h->opaque, ps->txn, &del, err, errlen);
		return rc == RC_OK ? h->event(h->opaque, ps->txn, &ins, err, errlen) : rc;
	}
	return h->event(h->opaque, ps->txn, &ev, err, errlen);
}

static int truncate_events(pg_source_t *ps, const rc_pgo_msg_t *m, uint64_t lsn, const rc_source_handler_t *h,
                           char *err, size_t errlen)
{
	for (uint32_t i = 0; i < m->truncate.nrels; i++) {
		const rc_pg_rel_t *rel = rc_pg_relcache_get(&ps->rels, m->truncate.relids[i]);
		rc_event_t ev = {.op = RC_OP_TRUNCATE};
		int rc;

		if (!rel || !rel->table)
			continue;
		ev.table = rel->table;
		fill_source(ps, &ev, lsn);
		rc = h->event(h->opaque, ps->txn, &ev, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

static int message_event(pg_source_t *ps, const rc_pgo_msg_t *m, uint64_t lsn, const rc_source_handler_t *h,
                         char *err, size_t errlen)
{
	rc_event_t ev = {.op = RC_OP_MESSAGE};
	bool own_txn = !ps->txn; /* a non-transactional message stands alone */
	int rc;

	/* messages=false: only the incremental snapshots' watermarks go on (the engine swallows them). */
	if (!ps->messages && strcmp(m->message.prefix ? m->message.prefix : "", RC_WATERMARK_PREFIX) != 0)
		return RC_OK;

	ev.msg_prefix = m->message.prefix;
	ev.msg_content = (const char *)m->message.content;
	ev.msg_len = m->message.len;
	ev.msg_transactional = m->message.flags & RC_PGO_MESSAGE_TRANSACTIONAL;
	if (own_txn) {
		ps->txn = h->begin(h->opaque);
		if (!ps->txn) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		ps->commit_ts_us = rc_walmsg_pg_to_unix_us(rc_walmsg_now_pg_us());
		/* As Debezium: a non-transactional message is its own commit (source.sequence's first
		 * element becomes its LSN, for it and what follows) and belongs to no transaction (no
		 * txId: ps->xid still holds the previous transaction's). */
		ps->last_commit_lsn = m->message.lsn ? m->message.lsn : lsn;
	}
	fill_source(ps, &ev, m->message.lsn ? m->message.lsn : lsn);
	if (own_txn)
		ev.source.txid = -1;
	rc = h->event(h->opaque, ps->txn, &ev, err, errlen);
	if (own_txn) {
		h->commit(h->opaque, ps->txn, NULL); /* confirms nothing by itself */
		ps->txn = NULL;
	}
	return rc;
}

static int dispatch(pg_source_t *ps, const rc_pgo_msg_t *m, uint64_t lsn, const rc_source_handler_t *h,
                    char *err, size_t errlen)
{
	switch (m->type) {
	case RC_PGO_BEGIN:
		if (ps->txn) {
			snprintf(err, errlen, "pgoutput Begin of xid %u inside transaction %u", m->begin.xid,
			         ps->xid);
			return RC_ERR_FATAL;
		}
		ps->txn = h->begin(h->opaque);
		if (!ps->txn) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		ps->xid = m->begin.xid;
		ps->commit_ts_us = rc_walmsg_pg_to_unix_us(m->begin.commit_ts);
		ps->in_xact = true;
		mark_txn(ps, h, false, lsn);
		return RC_OK;
	case RC_PGO_COMMIT:
		if (!ps->txn) {
			snprintf(err, errlen, "pgoutput Commit without Begin");
			return RC_ERR_FATAL;
		}
		mark_txn(ps, h, true, lsn);
		/* Confirming the end of the commit record makes a restart skip exactly this transaction. */
		h->commit(h->opaque, ps->txn, &(rc_pos_t){.set = true, .order = m->commit.end_lsn});
		ps->txn = NULL;
		ps->in_xact = false;
		/* The position PostgreSQL reports for the commit (its XLogData start, which is the
		 * commit record's end): what Debezium keeps as lsn_commit, not the record's start. */
		ps->last_commit_lsn = m->commit.end_lsn;
		return RC_OK;
	case RC_PGO_RELATION:
		return rc_pg_relcache_update(&ps->rels, m, err, errlen);
	case RC_PGO_TYPE:
		rc_pg_relcache_type_changed(&ps->rels, m->pgtype.oid);
		return RC_OK;
	case RC_PGO_ORIGIN:
		return RC_OK;
	case RC_PGO_INSERT:
	case RC_PGO_UPDATE:
	case RC_PGO_DELETE:
		return row_event(ps, m, lsn, h, err, errlen);
	case RC_PGO_TRUNCATE:
		return truncate_events(ps, m, lsn, h, err, errlen);
	case RC_PGO_MESSAGE:
		return message_event(ps, m, lsn, h, err, errlen);
	default:
		/* Protocol 1 without streaming or two-phase sends none of the others. */
		snprintf(err, errlen, "unexpected pgoutput %s message with proto_version %d",
		         rc_pgoutput_type_name(m->type), PROTO_VERSION);
		return RC_ERR_FATAL;
	}
}

static int handle_copydata(pg_source_t *ps, const uint8_t *buf, size_t len, const rc_source_handler_t *h,
                           char *err, size_t errlen)
{
	rc_walmsg_t wm;
	rc_pgo_msg_t m;
	char why[512];

	if (rc_walmsg_parse(buf, len, &wm, why, sizeof why) != 0) {
		snprintf(err, errlen, "replication stream: %s", why);
		return RC_ERR_FATAL;
	}
	if (wm.type == RC_WALMSG_KEEPALIVE) {
		if (wm.keepalive.wal_end > ps->received)
			ps->received = wm.keepalive.wal_end;
		if (wm.keepalive.reply_requested)
			ps->reply_requested = true;
		/* Nothing of ours is in progress: the server's position is safe to confirm, so WAL
		 * does not pile up on a quiet (or entirely filtered) database. */
		if (!ps->txn)
			h->idle(h->opaque, &(rc_pos_t){.set = true, .order = wm.keepalive.wal_end});
		return RC_OK;
	}
	if (wm.xlogdata.wal_end > ps->received)
		ps->received = wm.xlogdata.wal_end;
	ps->msg_sent_us = wm.xlogdata.send_time ? rc_walmsg_pg_to_unix_us(wm.xlogdata.send_time) : 0;
	rc_arena_reset(&ps->arena);
	if (rc_pgoutput_parse(wm.xlogdata.data, wm.xlogdata.len, PROTO_VERSION, false, &ps->arena, &m, why,
	                      sizeof why) != 0) {
		snprintf(err, errlen, "at WAL %" PRIX32 "/%" PRIX32 ": %s",
		         (uint32_t)(wm.xlogdata.wal_start >> 32), (uint32_t)wm.xlogdata.wal_start, why);
		return RC_ERR_FATAL;
	}
	return dispatch(ps, &m, wm.xlogdata.wal_start, h, err, errlen);
}

static int pg_read(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	int done = 0;

	if (!ps->streaming)
		return 0;
	if (PQconsumeInput(ps->repl) == 0) {
		snprintf(err, errlen, "PostgreSQL replication connection lost: %s",
		         RC_PG_ERROR(ps->repl, NULL));
		return RC_ERR_RETRY;
	}
	ps->read_us = wall_us(); /* what this read brought arrived by now: one clock read per read */
	while (done < budget) {
		char *buf = NULL;
		int len = PQgetCopyData(ps->repl, &buf, 1), rc;

		if (len == 0)
			break; /* nothing complete yet */
		if (len == -1) {
			PGresult *res = PQgetResult(ps->repl);
			snprintf(err, errlen, "PostgreSQL ended the replication stream: %s",
			         res ? PQresultErrorMessage(res) : "no reason given");
			PQclear(res);
			return RC_ERR_RETRY;
		}
		if (len < 0) {
			snprintf(err, errlen, "PostgreSQL replication stream failed: %s",
			         RC_PG_ERROR(ps->repl, NULL));
			return RC_ERR_RETRY;
		}
		rc = handle_copydata(ps, (const uint8_t *)buf, (size_t)len, h, err, errlen);
		PQfreemem(buf);
		if (rc != RC_OK)
			return rc;
		done++;
	}
	if (done > 0) {
		ps->last_recv_ms = rc_clock_ms();
		ps->pinged = false;
	} else if (ps->silence_ms > 0 && rc_clock_ms() - ps->last_recv_ms >= ps->silence_ms) {
		snprintf(err, errlen,
		         "no message from PostgreSQL for %lld ms, a reply asked for at half "
		         "(replication.timeout.ms=%lld): the server is stopped or unreachable; reconnecting",
		         (long long)(rc_clock_ms() - ps->last_recv_ms), (long long)ps->silence_ms);
		return RC_ERR_RETRY;
	}
	return done;
}

static int pg_confirm(rc_source_t *src, const rc_pos_t *position, bool force, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	int64_t now = rc_clock_ms(), since = now - ps->last_sent_ms;
	uint64_t lsn = rc_pg_pos_lsn(position);

	if (lsn > ps->confirmed) /* LSNs: the source's own order */
		ps->confirmed = lsn;
	if (ps->streaming)
		rc_pg_hbquery_tick(&ps->hbq);
	if (!ps->streaming)
		return RC_OK; /* no status updates before START_REPLICATION */
	if (ps->silence_ms > 0 && !ps->pinged && now - ps->last_recv_ms >= ps->silence_ms / 2) {
		rc_log_debug("pg", "nothing from the server for %lld ms: asking for a reply",
		             (long long)(now - ps->last_recv_ms));
		ps->pinged = true;
		return send_status(ps, true, err, errlen);
	}
	if (force || ps->reply_requested || since >= ps->status_interval_ms ||
	    (ps->confirmed > ps->sent_flush && since >= FEEDBACK_MIN_INTERVAL_MS))
		return send_status(ps, false, err, errlen);
	return RC_OK;
}

static int pg_next_deadline_ms(rc_source_t *src)
{
	pg_source_t *ps = (pg_source_t *)src;
	int64_t left = ps->status_interval_ms - (rc_clock_ms() - ps->last_sent_ms);

	if (ps->confirmed > ps->sent_flush)
		left = FEEDBACK_MIN_INTERVAL_MS - (rc_clock_ms() - ps->last_sent_ms);
	return left < 0 ? 0 : left > 1000 ? 1000 : (int)left;
}

/* slot.drop.on.stop (Debezium's, for tests and development): after the last confirm of a clean stop,
 * the slot goes, so that it retains no WAL while nothing reads it. Only when everything read is
 * acknowledged: otherwise the next start could not send the rest again, and the slot stays (said).
 * A failure to drop is a warning: the position recorded is still good for the slot that remains. */
static int pg_stopped(rc_source_t *src, bool complete, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;
	const char *slot = rc_conf_get(ps->conf, "slot.name");
	int64_t until = rc_clock_ms() + DROP_WAIT_MS;
	int rc;

	if (!rc_conf_get_bool(ps->conf, "slot.drop.on.stop", false) || !ps->sql || !ps->repl)
		return RC_OK; /* no replication connection: no slot of this run (a snapshot without stream) */
	if (!complete) {
		rc_log_warn("pg",
		            "slot.drop.on.stop: replication slot %s is kept, since records read are not "
		            "acknowledged: the next start sends them again from it",
		            slot);
		return RC_OK;
	}
	/* The walsender holds the slot as long as the replication connection lives. */
	PQfinish(ps->repl);
	ps->repl = NULL;
	ps->streaming = false;
	while ((rc = rc_pg_slot_drop(ps->sql, slot, err, errlen)) == RC_ERR_RETRY && rc_clock_ms() < until)
		poll(NULL, 0, 50); /* the walsender exits after the connection: not a stop-aware sleep, the
		                    * stop is what brought us here */
	if (rc != RC_OK) {
		rc_log_kv(RC_LOG_WARN, "pg", &(rc_log_fields_t){.error = err},
		          "slot.drop.on.stop: replication slot %s is kept: %s", slot, err);
		err[0] = '\0';
		return RC_OK;
	}
	rc_log_info("pg",
	            "slot.drop.on.stop: the next start finds no slot %s and starts as a first start "
	            "(snapshot.mode=%s)",
	            slot, rc_conf_get(ps->conf, "snapshot.mode"));
	return RC_OK;
}

static void pg_free(rc_source_t *src)
{
	pg_source_t *ps = (pg_source_t *)src;

	if (!ps)
		return;
	if (ps->rels_ready)
		rc_pg_relcache_destroy(&ps->rels);
	PQfinish(ps->repl);
	PQfinish(ps->sql);
	rc_pg_hbquery_free(&ps->hbq);
	rc_arena_destroy(&ps->arena);
	free(ps);
}

/* The walsender's WAL end (every XLogData and keepalive carries it) beyond position's LSN. */
static int64_t pg_lag_bytes(rc_source_t *src, const rc_pos_t *position)
{
	pg_source_t *ps = (pg_source_t *)src;

	if (!ps->received)
		return -1;
	return ps->received > position->order ? (int64_t)(ps->received - position->order) : 0;
}

/* A filtered publication: the included tables created since (or since the last look) are added. */
static int pg_new_tables(rc_source_t *src, char ***names, int *n, char *err, size_t errlen)
{
	pg_source_t *ps = (pg_source_t *)src;

	*names = NULL;
	*n = 0;
	if (!ps->sql || !rc_conf_is(ps->conf, "publication.autocreate.mode", "filtered"))
		return RC_OK;
	return rc_pg_publication_add_missing(ps->sql, ps->conf, names, n, err, errlen);
}

static const rc_source_ops_t pg_ops = {
    .name = "postgres",
    .connect = pg_connect,
    .prepare_stream = pg_prepare_stream,
    .snapshot_point = pg_snapshot_point,
    .snapshot_held = pg_snapshot_held,
    .stream = pg_stream,
    .fd = pg_fd,
    .read = pg_read,
    .confirm = pg_confirm,
    .next_deadline_ms = pg_next_deadline_ms,
    .lag_bytes = pg_lag_bytes,
    .new_tables = pg_new_tables,
    .stopped = pg_stopped,
    .free = pg_free,
};

rc_source_t *rc_pg_source_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	pg_source_t *ps = calloc(1, sizeof *ps);

	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->base.ops = &pg_ops;
	ps->base.codec = &rc_pg_pos_codec;
	ps->conf = conf;
	ps->messages = rc_conf_get_bool(conf, "messages", true);
	ps->db = rc_conf_get(conf, "database.dbname");
	ps->status_interval_ms = rc_conf_get_int(conf, "status.update.interval.ms", 10000);
	ps->silence_ms = rc_conf_get_int(conf, "replication.timeout.ms", 60000);
	ps->txmeta = rc_conf_get_bool(conf, "provide.transaction.metadata", false);
	rc_pg_hbquery_init(&ps->hbq, conf);
	rc_arena_init(&ps->arena, 0);
	return &ps->base;
}
