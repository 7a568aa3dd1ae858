/*
 * What the unit tests that run the real pipeline (agent/pipeline.h) without servers share: the
 * source operations their scripted fake sources have in common, a two-column table, and a recording
 * sink that hands each record to the test and acknowledges it at its next poll (or refuses it, when
 * the test says so). Include after cmocka.h; each test keeps its own script, read() and checks.
 */
#ifndef RC_TEST_FAKE_PARTS_H
#define RC_TEST_FAKE_PARTS_H

#include "agent/errors.h"
#include "agent/sink.h"
#include "agent/source.h"
#include "agent/table.h"
#include "decoders/postgres/pg_position.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the source ---- */

static inline int fake_connect(rc_source_t *src, char *err, size_t errlen)
{
	(void)src;
	(void)err;
	(void)errlen;
	return RC_OK;
}

/* Streams from what was recorded, or from LSN 100 when nothing was. */
static inline int fake_prepare(rc_source_t *src, const rc_pos_t *recorded, bool when_needed, rc_pos_t *resume,
                               bool *need_snapshot, char *err, size_t errlen)
{
	(void)src;
	(void)when_needed;
	(void)err;
	(void)errlen;
	*need_snapshot = false;
	*resume = recorded && recorded->set ? rc_pg_pos(recorded->order) : rc_pg_pos(100);
	return RC_OK;
}

static inline int fake_no_snapshot_point(rc_source_t *src, bool then_stream, rc_snapshot_point_t *pt,
                                         char *err, size_t errlen)
{
	(void)src;
	(void)then_stream;
	(void)pt;
	snprintf(err, errlen, "the fake source takes no snapshot");
	return RC_ERR_FATAL;
}

/* No descriptor: the loop calls read() every turn. */
static inline int fake_fd(rc_source_t *src)
{
	(void)src;
	return -1;
}

static inline int fake_deadline(rc_source_t *src)
{
	(void)src;
	return 5;
}

/* Table schema.name on topic, columns id (the key) and v, both int8. */
static inline rc_table_t *fake_table(const char *schema, const char *name, const char *topic)
{
	rc_table_t *t = rc_table_new(schema, name, topic, 2);

	assert_non_null(t);
	assert_int_equal(rc_column_set_names(&t->cols[0], "id", "int8"), 0);
	assert_int_equal(rc_column_set_names(&t->cols[1], "v", "int8"), 0);
	t->cols[0].type = t->cols[1].type = RC_T_INT64;
	t->cols[0].key = true;
	rc_table_count_keys(t);
	return t;
}

/* ---- the recording sink ---- */

#define REC_SINK_MAX 64

/* The test's look at one record handed to the sink: returns whether the sink acknowledges it (false:
 * it is refused at the next poll, as a failed delivery). */
typedef bool (*rec_sink_record_fn)(const rc_record_t *rec);

typedef struct rec_sink {
	rc_sink_t base;
	rec_sink_record_fn record;
	void *pending[REC_SINK_MAX];
	bool ok[REC_SINK_MAX];
	int npending;
} rec_sink_t;

static inline int rec_sink_publish(rc_sink_t *sink, const rc_record_t *rec, void *ticket, char *err,
                                   size_t errlen)
{
	rec_sink_t *rs = (rec_sink_t *)sink;
	(void)err;
	(void)errlen;

	assert_true(rs->npending < REC_SINK_MAX);
	rs->ok[rs->npending] = rs->record(rec);
	rs->pending[rs->npending++] = ticket;
	return RC_OK;
}

static inline int rec_sink_poll(rc_sink_t *sink, int timeout_ms)
{
	rec_sink_t *rs = (rec_sink_t *)sink;
	int n = rs->npending;
	(void)timeout_ms;

	for (int i = 0; i < n; i++)
		sink->on_ack(rs->pending[i], rs->ok[i], rs->ok[i] ? NULL : "refused by the test",
		             sink->ack_opaque);
	rs->npending = 0;
	return n;
}

static inline int rec_sink_flush(rc_sink_t *sink, int timeout_ms)
{
	rec_sink_poll(sink, timeout_ms);
	return 0;
}

static inline long rec_sink_inflight(rc_sink_t *sink)
{
	return ((rec_sink_t *)sink)->npending;
}

static inline bool rec_sink_broken(rc_sink_t *sink, char *why, size_t len)
{
	(void)sink;
	(void)why;
	(void)len;
	return false;
}

static inline void rec_sink_free(rc_sink_t *sink)
{
	rec_sink_t *rs = (rec_sink_t *)sink;

	for (int i = 0; i < rs->npending; i++)
		sink->on_ack(rs->pending[i], false, "sink freed", sink->ack_opaque);
	free(sink);
}

static const rc_sink_ops_t rec_sink_ops = {
    .name = "rec",
    .publish = rec_sink_publish,
    .poll = rec_sink_poll,
    .flush = rec_sink_flush,
    .inflight = rec_sink_inflight,
    .broken = rec_sink_broken,
    .free = rec_sink_free,
};

/* A recording sink for rc_pipeline_parts_t.sink_new (which the test wraps to pass record). */
static inline rc_sink_t *rec_sink_new(rc_sink_ack_fn on_ack, void *opaque, rec_sink_record_fn record)
{
	rec_sink_t *rs = calloc(1, sizeof *rs);

	assert_non_null(rs);
	rs->base.ops = &rec_sink_ops;
	rs->base.on_ack = on_ack;
	rs->base.ack_opaque = opaque;
	rs->record = record;
	return &rs->base;
}

#endif
