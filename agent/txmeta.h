/*
 * Transaction metadata (provide.transaction.metadata), as Debezium's TransactionMonitor makes it:
 * every change event of a source transaction gets the transaction block {id, total_order,
 * data_collection_order}, and the transaction is framed by a BEGIN and an END record on
 * <topic.prefix><topic.delimiter><topic.transaction> (default <prefix>.transaction), the END
 * counting its events per data collection.
 *
 * One difference from Debezium, on purpose: a transaction that publishes nothing (all its changes
 * filtered out, or skipped.operations) publishes no BEGIN/END either. Debezium frames every
 * transaction the source hands it, which on MySQL is every transaction of the whole server.
 *
 * The pipeline calls in at the source's callbacks and publishes the records this module fills; the
 * records go through the sink and the acknowledgement tracker with the transaction's own ticket, so
 * the END is acknowledged before the transaction's position is confirmed, and a crash sends both
 * again. Snapshot rows (no transaction mark) and standalone messages carry no block.
 *
 * Single-threaded (the pipeline's loop). Names and ids are copied: the source's strings live only
 * for its callback.
 */
#ifndef RC_TXMETA_H
#define RC_TXMETA_H

#include "agent/acktrack.h"
#include "agent/conf.h"
#include "agent/event.h"
#include "agent/meta_records.h"
#include "agent/source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rc_txmeta {
	bool enabled;
	char *topic;       /* owned */
	rc_ack_txn_t *txn; /* the transaction being counted (borrowed ticket), or NULL */
	char *begin_id, *end_id;
	int64_t begin_ts_us, end_ts_us;
	bool begun; /* its BEGIN is handed out */
	int64_t total;
	rc_txn_count_t *counts; /* data_collection strings owned */
	size_t ncounts, capcounts;
	size_t last; /* index of the last table counted: consecutive events mostly share one */
	rc_txn_block_t block;
} rc_txmeta_t;

/* Reads provide.transaction.metadata and the topic's name from conf. Returns RC_OK, or RC_ERR_FATAL
 * when out of memory (err filled). */
int rc_txmeta_init(rc_txmeta_t *tm, const rc_conf_t *conf, char *err, size_t errlen);

/* Frees what tm holds. */
void rc_txmeta_destroy(rc_txmeta_t *tm);

/* Forgets the transaction in progress (a new stream life starts). */
void rc_txmeta_reset(rc_txmeta_t *tm);

/* The source named txn (rc_source_handler_t.txn_mark). A begin mark starts counting txn. Returns
 * RC_OK, or RC_ERR_FATAL when out of memory. */
int rc_txmeta_mark(rc_txmeta_t *tm, rc_ack_txn_t *txn, bool end, const rc_txn_mark_t *mark);

/*
 * Counts ev, an event of txn about to be published. When txn is the transaction being counted,
 * *out receives a copy of ev carrying the transaction block (valid until the next call) and, before
 * the transaction's first event, *begin its BEGIN record (returns true: publish it first); else
 * *out is ev itself. Returns whether a BEGIN must go out first; *oom is set when out of memory.
 */
bool rc_txmeta_event(rc_txmeta_t *tm, rc_ack_txn_t *txn, const rc_event_t *ev, rc_event_t *out,
                     rc_txn_record_t *begin, bool *oom);

/* txn commits: true when its END record (*end, valid until the next call) must be published before
 * the commit is recorded; the transaction is forgotten either way. */
bool rc_txmeta_commit(rc_txmeta_t *tm, rc_ack_txn_t *txn, rc_txn_record_t *end);

/* txn aborted: forgotten, nothing published. */
void rc_txmeta_abort(rc_txmeta_t *tm, rc_ack_txn_t *txn);

#endif
