/*
 * The pipeline's transaction metadata and heartbeats without servers: a scripted fake source names
 * its transactions (txn_mark), a recording sink takes the records and acknowledges them (or fails
 * the first END), a file store records positions. Checks the records' order (BEGIN, events, END),
 * that a transaction's position is confirmed only once its END is acknowledged (a failed END is
 * sent again by the restarted stream, the position held until then), and that heartbeats carry the
 * confirmed position in their header.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/cli/sources.h"
#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/offset_store.h"
#include "agent/pipeline.h"
#include "agent/table.h"
#include "decoders/postgres/pg_position.h"
#include "sinks/encoders.h"
#include "tests/unit/fake_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { S_BEGIN, S_EVENT, S_COMMIT, S_PAUSE, S_END } step_kind_t;

typedef struct step {
	step_kind_t kind;
	uint64_t lsn; /* S_COMMIT: the position; S_PAUSE: read() turns to spend */
} step_t;

typedef struct fake {
	rc_source_t base;
	size_t next;
	int64_t pause_until_ms; /* S_PAUSE: the source is quiet until then (0: not pausing) */
	rc_ack_txn_t *txn;
	rc_table_t *table;
} fake_t;

static const step_t *g_script;
static size_t g_nsteps;
static uint64_t g_confirmed;   /* the newest position confirm() was given */
static bool g_fail_first_end;  /* the sink fails the first END it is given */
static bool g_end_outstanding; /* an END failed and was not yet delivered again */
static bool g_confirmed_early; /* confirm() got 200 while an END was outstanding */
static char g_lines[64][512];  /* what the sink was given, "topic value" (plus header) */
static int g_nlines;
static char g_dir[] = "/tmp/rowcast-pipeline-meta-XXXXXX";

static int f_stream(rc_source_t *src, const rc_pos_t *from, char *err, size_t errlen)
{
	(void)src;
	(void)err;
	(void)errlen;
	g_confirmed = from->order;
	return RC_OK;
}

static int f_read(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	fake_t *f = (fake_t *)src;
	const step_t *s;
	(void)budget;

	if (f->next >= g_nsteps)
		return 0;
	s = &g_script[f->next];
	switch (s->kind) {
	case S_BEGIN:
		f->txn = h->begin(h->opaque);
		h->txn_mark(h->opaque, f->txn, false, &(rc_txn_mark_t){.id = "7:150", .ts_us = 1000000});
		break;
	case S_EVENT: {
		rc_value_t after[2] = {{.state = RC_V_SET, .u.i = 1}, {.state = RC_V_SET, .u.i = 2}};
		rc_event_t ev = {.op = RC_OP_CREATE, .table = f->table, .after = after};
		int rc;
		ev.source.connector = "postgresql";
		ev.source.db = "db";
		ev.source.snapshot = "false";
		ev.source.thread = -1;
		ev.source.txn_id = "7:160";
		rc = h->event(h->opaque, f->txn, &ev, err, errlen);
		if (rc != RC_OK)
			return rc;
		break;
	}
	case S_COMMIT:
		h->txn_mark(h->opaque, f->txn, true, &(rc_txn_mark_t){.id = "7:200", .ts_us = 2000000});
		h->commit(h->opaque, f->txn, &(rc_pos_t){.set = true, .order = s->lsn});
		f->txn = NULL;
		break;
	case S_PAUSE:
		/* Quiet for s->lsn ms of the clock, however many turns the loop makes meanwhile. */
		if (f->pause_until_ms == 0)
			f->pause_until_ms = rc_clock_ms() + (int64_t)s->lsn;
		if (rc_clock_ms() < f->pause_until_ms) {
			usleep(1000);
			return 0;
		}
		f->pause_until_ms = 0;
		break;
	case S_END:
		return RC_END;
	}
	f->next++;
	return 1;
}

static int f_confirm(rc_source_t *src, const rc_pos_t *position, bool force, char *err, size_t errlen)
{
	(void)src;
	(void)force;
	(void)err;
	(void)errlen;
	if (position->order >= 200 && g_end_outstanding)
		g_confirmed_early = true;
	if (position->order > g_confirmed)
		g_confirmed = position->order;
	return RC_OK;
}

static void f_free(rc_source_t *src)
{
	fake_t *f = (fake_t *)src;
	rc_table_release(f->table);
	free(f);
}

static const rc_source_ops_t fake_ops = {
    .name = "fake",
    .connect = fake_connect,
    .prepare_stream = fake_prepare,
    .stream = f_stream,
    .fd = fake_fd,
    .read = f_read,
    .confirm = f_confirm,
    .next_deadline_ms = fake_deadline,
    .free = f_free,
};

static rc_source_t *fake_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	fake_t *f = calloc(1, sizeof *f);
	(void)conf;
	(void)err;
	(void)errlen;
	assert_non_null(f);
	f->base.ops = &fake_ops;
	f->base.codec = &rc_pg_pos_codec;
	f->table = fake_table("public", "t", "it.public.t");
	return &f->base;
}

/* ---- a sink that records what it is given and acknowledges it at the next poll ---- */

#define END_MARK "\"status\":\"END\""

/* What the sink is given, "topic value" (plus header); the first END is refused when the test says. */
static bool record(const rc_record_t *rec)
{
	bool end = rec->value && memmem(rec->value, rec->vallen, END_MARK, sizeof END_MARK - 1);

	if (g_nlines < 64) /* the first 64 are kept (a slow run makes more heartbeats) */
		snprintf(g_lines[g_nlines++], sizeof g_lines[0], "%s %.*s%s%.*s", rec->topic,
		         rec->value ? (int)rec->vallen : 4, rec->value ? (const char *)rec->value : "null",
		         rec->nheaders ? " header=" : "", rec->nheaders ? (int)rec->headers[0].len : 0,
		         rec->nheaders ? (const char *)rec->headers[0].value : "");
	if (end && g_fail_first_end) {
		g_fail_first_end = false;
		g_end_outstanding = true;
		return false;
	}
	if (end)
		g_end_outstanding = false;
	return true;
}

static rc_sink_t *rec_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                          size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return rec_sink_new(on_ack, opaque, record);
}

static rc_encoder_t *encoder_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	return rc_encoder_new(conf, "postgresql", err, errlen);
}

static int run(const step_t *script, size_t n, const char *name, const char *const extra[][2], size_t nextra)
{
	static const char *const props[][2] = {
	    {"source.type", "postgres"},  {"topic.prefix", "it"},    {"database.hostname", "nowhere"},
	    {"database.user", "u"},       {"database.dbname", "db"}, {"sink.type", "stdout"},
	    {"snapshot.mode", "no_data"},
	};
	char path[256], err[RC_ERRSTR_LEN] = "";
	rc_offset_ident_t id = {.source = "postgres", .prefix = "it"};
	rc_conf_t *conf = rc_conf_new();
	rc_offset_store_t *store;
	rc_pipeline_parts_t parts = {.source_new = fake_new,
	                             .sink_new = rec_new,
	                             .encoder_new = encoder_new,
	                             .codec = &rc_pg_pos_codec};
	int rc;

	assert_non_null(conf);
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		assert_int_equal(
		    rc_conf_set(conf, props[i][0], props[i][1], RC_CONF_CLI, "test", err, sizeof err), 0);
	for (size_t i = 0; i < nextra; i++)
		assert_int_equal(
		    rc_conf_set(conf, extra[i][0], extra[i][1], RC_CONF_CLI, "test", err, sizeof err), 0);
	if (rc_conf_finalize(conf, err, sizeof err) != 0)
		fail_msg("%s", err);
	g_script = script;
	g_nsteps = n;
	g_nlines = 0;
	snprintf(path, sizeof path, "%s/%s", g_dir, name);
	assert_int_equal(rc_offsets_file_open(path, &id, &rc_pg_pos_codec, &store, err, sizeof err), RC_OK);
	parts.store = store;
	rc = rc_pipeline_run(conf, &parts);
	store->ops->free(store);
	rc_conf_free(conf);
	return rc;
}

static const char *const metadata_on[][2] = {{"provide.transaction.metadata", "true"}};
static const step_t two_events[] = {{S_BEGIN, 0}, {S_EVENT, 0}, {S_EVENT, 0}, {S_COMMIT, 200}, {S_END, 0}};

static bool starts(const char *line, const char *prefix)
{
	return strncmp(line, prefix, strlen(prefix)) == 0;
}

static void test_begin_events_end(void **state)
{
	(void)state;
	g_fail_first_end = false;
	assert_int_equal(run(two_events, 5, "a.json", metadata_on, 1), 0);
	assert_int_equal(g_nlines, 4);
	assert_true(starts(g_lines[0],
	                   "it.transaction {\"topic\":\"it.transaction\",\"key\":{\"id\":\"7:150\"},"
	                   "\"value\":{\"status\":\"BEGIN\""));
	assert_non_null(strstr(
	    g_lines[1], "\"transaction\":{\"id\":\"7:160\",\"total_order\":1,\"data_collection_order\":1}"));
	assert_non_null(strstr(
	    g_lines[2], "\"transaction\":{\"id\":\"7:160\",\"total_order\":2,\"data_collection_order\":2}"));
	assert_non_null(strstr(
	    g_lines[3], "\"status\":\"END\",\"id\":\"7:200\",\"event_count\":2,"
	                "\"data_collections\":[{\"data_collection\":\"public.t\",\"event_count\":2}]"));
	assert_int_equal(g_confirmed, 200);
}

/* A failed END: the stream restarts from the position before the transaction, which is sent again
 * whole, BEGIN to END; 200 is confirmed only after the second END is acknowledged. */
static void test_failed_end_holds_the_position(void **state)
{
	int begins = 0, ends = 0;

	(void)state;
	g_fail_first_end = true;
	g_confirmed_early = false;
	assert_int_equal(run(two_events, 5, "b.json", metadata_on, 1), 0);
	for (int i = 0; i < g_nlines; i++) {
		begins += strstr(g_lines[i], "\"status\":\"BEGIN\"") != NULL;
		ends += strstr(g_lines[i], "\"status\":\"END\"") != NULL;
	}
	assert_int_equal(begins, 2);
	assert_int_equal(ends, 2);
	assert_false(g_confirmed_early);
	assert_false(g_end_outstanding);
	assert_int_equal(g_confirmed, 200);
}

/* Off: no BEGIN/END, null blocks. */
static void test_metadata_off(void **state)
{
	(void)state;
	g_fail_first_end = false;
	assert_int_equal(run(two_events, 5, "c.json", NULL, 0), 0);
	assert_int_equal(g_nlines, 2);
	assert_non_null(strstr(g_lines[0], "\"transaction\":null"));
}

/* Heartbeats every 20 ms while the source pauses: each carries the confirmed position (0/C8 once
 * the transaction at 200 is confirmed) in its header. */
static void test_heartbeats_carry_the_position(void **state)
{
	static const char *const hb[][2] = {{"heartbeat.interval.ms", "20"}};
	static const step_t script[] = {
	    {S_BEGIN, 0}, {S_EVENT, 0}, {S_COMMIT, 200}, {S_PAUSE, 200}, {S_END, 0}};
	int beats = 0, at_200 = 0;

	(void)state;
	g_fail_first_end = false;
	assert_int_equal(run(script, 5, "d.json", hb, 1), 0);
	for (int i = 0; i < g_nlines; i++) {
		if (!starts(g_lines[i], "__debezium-heartbeat.it "))
			continue;
		beats++;
		assert_non_null(strstr(g_lines[i], "\"key\":{\"serverName\":\"it\"}"));
		at_200 += strstr(g_lines[i], "header={\"lsn\":\"0/C8\"}") != NULL;
	}
	assert_true(beats >= 2);
	assert_true(at_200 >= 1);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	rc_sources_register();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_begin_events_end),
	    cmocka_unit_test(test_failed_end_holds_the_position),
	    cmocka_unit_test(test_metadata_off),
	    cmocka_unit_test(test_heartbeats_carry_the_position),
	};
	return cmocka_run_group_tests_name("pipeline_meta", tests, setup, teardown);
}
