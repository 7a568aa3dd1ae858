#include "config.h"

#include "agent/txmeta.h"

#include "agent/calendar.h"
#include "agent/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rc_txmeta_init(rc_txmeta_t *tm, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *name = rc_conf_get(conf, "topic.transaction");

	memset(tm, 0, sizeof *tm);
	tm->enabled = rc_conf_get_bool(conf, "provide.transaction.metadata", false);
	if (!tm->enabled)
		return RC_OK;
	if (asprintf(&tm->topic, "%s%s%s", rc_conf_get(conf, "topic.prefix"),
	             rc_conf_get(conf, "topic.delimiter"), name && *name ? name : "transaction") < 0) {
		tm->topic = NULL;
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

void rc_txmeta_reset(rc_txmeta_t *tm)
{
	free(tm->begin_id);
	free(tm->end_id);
	tm->begin_id = tm->end_id = NULL;
	for (size_t i = 0; i < tm->ncounts; i++)
		free((char *)tm->counts[i].data_collection);
	tm->ncounts = 0;
	tm->last = 0;
	tm->txn = NULL;
	tm->begun = false;
	tm->total = 0;
}

void rc_txmeta_destroy(rc_txmeta_t *tm)
{
	rc_txmeta_reset(tm);
	free(tm->counts);
	free(tm->topic);
	memset(tm, 0, sizeof *tm);
}

int rc_txmeta_mark(rc_txmeta_t *tm, rc_ack_txn_t *txn, bool end, const rc_txn_mark_t *mark)
{
	char **id;

	if (!tm->enabled)
		return RC_OK;
	if (!end) {
		rc_txmeta_reset(tm);
		tm->txn = txn;
		tm->begin_ts_us = tm->end_ts_us = mark->ts_us;
		id = &tm->begin_id;
	} else {
		if (txn != tm->txn)
			return RC_OK;
		tm->end_ts_us = mark->ts_us;
		free(tm->end_id);
		id = &tm->end_id;
	}
	*id = strdup(mark->id ? mark->id : "");
	return *id ? RC_OK : RC_ERR_FATAL;
}

/* The event's data collection as Debezium's TableId prints it: schema.table (MySQL db.table). */
static int64_t count_collection(rc_txmeta_t *tm, const rc_event_t *ev, bool *oom)
{
	char name[1024];
	rc_txn_count_t *c;

	if (ev->table)
		snprintf(name, sizeof name, "%s.%s", ev->table->schema_name, ev->table->name);
	else /* a transactional logical decoding message: Debezium's LogicalDecodingMessageId */
		snprintf(name, sizeof name, "LOGICAL_DECODING_MESSAGE");
	if (tm->last < tm->ncounts && strcmp(tm->counts[tm->last].data_collection, name) == 0)
		return ++tm->counts[tm->last].event_count;
	for (size_t i = 0; i < tm->ncounts; i++)
		if (strcmp(tm->counts[i].data_collection, name) == 0) {
			tm->last = i;
			return ++tm->counts[i].event_count;
		}
	if (tm->ncounts == tm->capcounts) {
		size_t cap = tm->capcounts ? tm->capcounts * 2 : 8;
		rc_txn_count_t *grown = realloc(tm->counts, cap * sizeof *grown);
		if (!grown) {
			*oom = true;
			return 0;
		}
		tm->counts = grown;
		tm->capcounts = cap;
	}
	c = &tm->counts[tm->ncounts];
	c->data_collection = strdup(name);
	if (!c->data_collection) {
		*oom = true;
		return 0;
	}
	c->event_count = 1;
	tm->last = tm->ncounts++;
	return 1;
}

bool rc_txmeta_event(rc_txmeta_t *tm, rc_ack_txn_t *txn, const rc_event_t *ev, rc_event_t *out,
                     rc_txn_record_t *begin, bool *oom)
{
	bool first;

	*out = *ev;
	*oom = false;
	if (!tm->enabled || !txn || txn != tm->txn || ev->op == RC_OP_SCHEMA_CHANGE)
		return false;
	first = !tm->begun;
	tm->block.total_order = ++tm->total;
	tm->block.data_collection_order = count_collection(tm, ev, oom);
	if (*oom)
		return false;
	tm->block.id = ev->source.txn_id ? ev->source.txn_id : tm->begin_id;
	out->transaction = &tm->block;
	if (first) {
		tm->begun = true;
		*begin = (rc_txn_record_t){.topic = tm->topic,
		                           .id = tm->begin_id,
		                           .ts_ms = rc_calendar_floor_div(tm->begin_ts_us, 1000)};
	}
	return first;
}

bool rc_txmeta_commit(rc_txmeta_t *tm, rc_ack_txn_t *txn, rc_txn_record_t *end)
{
	bool publish;

	if (!tm->enabled || !txn || txn != tm->txn)
		return false;
	publish = tm->begun;
	if (publish)
		*end = (rc_txn_record_t){.topic = tm->topic,
		                         .end = true,
		                         .id = tm->end_id ? tm->end_id : tm->begin_id,
		                         .ts_ms = rc_calendar_floor_div(tm->end_ts_us, 1000),
		                         .event_count = tm->total,
		                         .collections = tm->counts,
		                         .ncollections = tm->ncounts};
	tm->txn = NULL; /* the strings stay until the next begin: *end borrows them */
	return publish;
}

void rc_txmeta_abort(rc_txmeta_t *tm, rc_ack_txn_t *txn)
{
	if (tm->enabled && txn && txn == tm->txn)
		rc_txmeta_reset(tm);
}
