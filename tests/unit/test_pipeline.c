/*
 * The pipeline without servers: a scripted fake source drives it through begin / event / commit /
 * abort / idle, the stdout sink (JSON encoder) takes the records, a file offset store records the
 * positions. Checks what is confirmed to the source, and when: never before the sink acknowledged
 * the transaction and the store recorded it; never past an open or aborted transaction. And a sink
 * whose queue stays full: the source still gets its status updates, and SIGTERM ends the run. And a
 * store whose writes block (a slow fsync): the loop keeps reading the source meanwhile, and what is
 * confirmed never passes what the store durably holds.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/cli/sources.h"
#include "agent/errors.h"
#include "agent/offset_store.h"
#include "agent/pipeline.h"
#include "agent/signals.h"
#include "agent/table.h"
#include "decoders/postgres/pg_position.h"
#include "sinks/encoders.h"
#include "sinks/stdout_sink.h"
#include "tests/unit/fake_parts.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One step of the fake source's script, one per read() call. */
typedef enum { S_BEGIN, S_EVENT, S_COMMIT, S_ABORT, S_IDLE, S_WAIT_CONFIRM, S_END } step_kind_t;

typedef struct step {
	step_kind_t kind;
	uint64_t lsn; /* S_COMMIT, S_IDLE: the position; S_WAIT_CONFIRM: the position to wait for */
	int id;       /* S_EVENT: the row's key */
} step_t;

typedef struct fake {
	rc_source_t base;
	const step_t *script;
	size_t nsteps, next;
	rc_ack_txn_t *txn;
	rc_table_t *table;
	uint64_t confirmed;   /* the newest position confirm() was given */
	int confirms;         /* confirm() calls */
	uint64_t stored_then; /* what the offset store held when confirmed last moved */
	bool streaming;
	int64_t wait_turns; /* S_WAIT_CONFIRM: read() calls spent waiting */
} fake_t;

#define BEGIN                                                                                                \
	{                                                                                                    \
		S_BEGIN, 0, 0                                                                                \
	}
#define EVENT(id)                                                                                            \
	{                                                                                                    \
		S_EVENT, 0, id                                                                               \
	}
#define COMMIT(lsn)                                                                                          \
	{                                                                                                    \
		S_COMMIT, lsn, 0                                                                             \
	}
#define ABORT                                                                                                \
	{                                                                                                    \
		S_ABORT, 0, 0                                                                                \
	}
#define IDLE(lsn)                                                                                            \
	{                                                                                                    \
		S_IDLE, lsn, 0                                                                               \
	}
#define WAIT_CONFIRM(lsn)                                                                                    \
	{                                                                                                    \
		S_WAIT_CONFIRM, lsn, 0                                                                       \
	}
#define END                                                                                                  \
	{                                                                                                    \
		S_END, 0, 0                                                                                  \
	}

static const step_t *g_script;
static size_t g_nsteps;
static fake_t *g_fake;             /* the live fake, for the checks */
static rc_offset_store_t *g_store; /* the store of the run, read by the fake at confirm() */
static FILE *g_out;                /* the stdout sink's output */
static char g_dir[] = "/tmp/rowcast-pipeline-XXXXXX";

/*
 * The store the pipeline gets: the file store behind a wrapper that records (under g_mu, it runs on
 * the offset writer's thread) what is durably written, and, when g_block is set, holds every write
 * until the loop has read the source g_reads_needed times meanwhile (or gives up after 3 s and says
 * the loop stalled: a loop that waits for the store never reads).
 */
typedef struct watch_store {
	rc_offset_store_t base;
	rc_offset_store_t *inner;
} watch_store_t;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static uint64_t g_durable; /* the newest position the store holds */
static bool g_block, g_in_store, g_loop_stalled;
static int g_reads_in_store, g_blocked_writes;
static const int g_reads_needed = 20;

static int w_load(rc_offset_store_t *os, rc_offset_t *out, bool *found, char *err, size_t errlen)
{
	watch_store_t *ws = (watch_store_t *)os;
	return ws->inner->ops->load(ws->inner, out, found, err, errlen);
}

static int w_store(rc_offset_store_t *os, const rc_offset_t *o, char *err, size_t errlen)
{
	watch_store_t *ws = (watch_store_t *)os;
	struct timespec until;
	int rc;

	pthread_mutex_lock(&g_mu);
	if (g_block) {
		g_in_store = true;
		g_reads_in_store = 0;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 3;
		while (g_reads_in_store < g_reads_needed && !g_loop_stalled)
			if (pthread_cond_timedwait(&g_cv, &g_mu, &until) != 0)
				g_loop_stalled = true;
		g_in_store = false;
		g_blocked_writes++;
	}
	pthread_mutex_unlock(&g_mu);
	rc = ws->inner->ops->store(ws->inner, o, err, errlen);
	pthread_mutex_lock(&g_mu);
	if (rc == RC_OK && o->pos.set)
		g_durable = o->pos.order;
	pthread_mutex_unlock(&g_mu);
	return rc;
}

static void w_free(rc_offset_store_t *os)
{
	watch_store_t *ws = (watch_store_t *)os;
	ws->inner->ops->free(ws->inner);
	free(ws);
}

static const rc_offset_store_ops_t watch_ops = {
    .name = "watch", .load = w_load, .store = w_store, .free = w_free};

static rc_offset_store_t *watch_new(rc_offset_store_t *inner)
{
	watch_store_t *ws = calloc(1, sizeof *ws);
	assert_non_null(ws);
	ws->base = *inner;
	ws->base.ops = &watch_ops;
	ws->inner = inner;
	pthread_mutex_lock(&g_mu);
	g_durable = 0;
	g_loop_stalled = false;
	g_blocked_writes = 0;
	pthread_mutex_unlock(&g_mu);
	return &ws->base;
}

static int f_stream(rc_source_t *src, const rc_pos_t *from, char *err, size_t errlen)
{
	fake_t *f = (fake_t *)src;
	(void)err;
	(void)errlen;
	f->streaming = true;
	f->confirmed = from->order;
	return RC_OK;
}

static int f_read(rc_source_t *src, const rc_source_handler_t *h, int budget, char *err, size_t errlen)
{
	fake_t *f = (fake_t *)src;
	const step_t *s;
	(void)budget;

	pthread_mutex_lock(&g_mu);
	if (g_in_store && ++g_reads_in_store >= g_reads_needed)
		pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
	if (f->next >= f->nsteps)
		return 0;
	s = &f->script[f->next];
	switch (s->kind) {
	case S_BEGIN:
		f->txn = h->begin(h->opaque);
		break;
	case S_EVENT: {
		rc_value_t after[2] = {{.state = RC_V_SET, .u.i = s->id},
		                       {.state = RC_V_SET, .u.i = s->id * 10}};
		rc_event_t ev = {.op = RC_OP_CREATE, .table = f->table, .after = after};
		int rc;
		ev.source.connector = "postgresql";
		ev.source.db = "db";
		ev.source.snapshot = "false";
		ev.source.lsn = s->id;
		ev.source.thread = -1;
		rc = h->event(h->opaque, f->txn, &ev, err, errlen);
		if (rc != RC_OK)
			return rc;
		break;
	}
	case S_COMMIT:
		h->commit(h->opaque, f->txn, &(rc_pos_t){.set = true, .order = s->lsn});
		f->txn = NULL;
		break;
	case S_ABORT:
		h->abort(h->opaque, f->txn);
		f->txn = NULL;
		break;
	case S_IDLE:
		h->idle(h->opaque, &(rc_pos_t){.set = true, .order = s->lsn});
		break;
	case S_WAIT_CONFIRM:
		/* Stays here until the pipeline confirmed this far, or fails the test after many turns. */
		if (f->confirmed < s->lsn) {
			if (++f->wait_turns > 20000)
				fail_msg("never confirmed %llu (confirmed %llu)", (unsigned long long)s->lsn,
				         (unsigned long long)f->confirmed);
			usleep(100);
			return 0;
		}
		break;
	case S_END:
		return RC_END;
	}
	f->next++;
	return 1;
}

static int f_confirm(rc_source_t *src, const rc_pos_t *position, bool force, char *err, size_t errlen)
{
	fake_t *f = (fake_t *)src;
	(void)force;
	(void)err;
	(void)errlen;
	f->confirms++;
	if (position->order > f->confirmed) {
		/* Never ahead of the store: it is written before the source hears of a position. */
		if (g_store) {
			pthread_mutex_lock(&g_mu);
			f->stored_then = g_durable;
			pthread_mutex_unlock(&g_mu);
			assert_true(f->stored_then >= position->order);
		}
		f->confirmed = position->order;
	}
	return RC_OK;
}

static int f_deadline(rc_source_t *src)
{
	(void)src;
	return 10;
}

static void f_free(rc_source_t *src)
{
	fake_t *f = (fake_t *)src;
	rc_table_release(f->table);
	/* g_fake stays readable for the checks: the test frees it. */
	(void)f;
}

static const rc_source_ops_t fake_ops = {
    .name = "fake",
    .connect = fake_connect,
    .prepare_stream = fake_prepare,
    .snapshot_point = fake_no_snapshot_point,
    .stream = f_stream,
    .fd = fake_fd,
    .read = f_read,
    .confirm = f_confirm,
    .next_deadline_ms = f_deadline,
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
	f->script = g_script;
	f->nsteps = g_nsteps;
	f->table = rc_table_new("public", "t", "it.public.t", 2);
	assert_non_null(f->table);
	assert_int_equal(rc_column_set_names(&f->table->cols[0], "id", "int8"), 0);
	assert_int_equal(rc_column_set_names(&f->table->cols[1], "v", "int8"), 0);
	f->table->cols[0].type = f->table->cols[1].type = RC_T_INT64;
	f->table->cols[0].key = true;
	rc_table_count_keys(f->table);
	free(g_fake);
	g_fake = f;
	return &f->base;
}

static rc_sink_t *stdout_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                             size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return rc_stdout_sink_new(g_out, on_ack, opaque);
}

static rc_encoder_t *encoder_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	return rc_encoder_new(conf, "postgresql", err, errlen);
}

static rc_conf_t *make_conf(void)
{
	static const char *const props[][2] = {
	    {"source.type", "postgres"},  {"topic.prefix", "it"},    {"database.hostname", "nowhere"},
	    {"database.user", "u"},       {"database.dbname", "db"}, {"sink.type", "stdout"},
	    {"snapshot.mode", "no_data"},
	};
	char err[RC_ERRSTR_LEN] = "";
	rc_conf_t *conf = rc_conf_new();

	assert_non_null(conf);
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		assert_int_equal(
		    rc_conf_set(conf, props[i][0], props[i][1], RC_CONF_CLI, "test", err, sizeof err), 0);
	if (rc_conf_finalize(conf, err, sizeof err) != 0)
		fail_msg("%s", err);
	return conf;
}

/* Runs the pipeline over script with a file store at name; returns rc_pipeline_run's code. */
static int run(const step_t *script, size_t n, const char *name)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_ident_t id = {.source = "postgres", .prefix = "it"};
	rc_conf_t *conf = make_conf();
	rc_pipeline_parts_t parts = {
	    .source_new = fake_new,
	    .sink_new = stdout_new,
	    .encoder_new = encoder_new,
	    .codec = &rc_pg_pos_codec,
	};
	int rc;

	g_script = script;
	g_nsteps = n;
	snprintf(path, sizeof path, "%s/%s", g_dir, name);
	assert_int_equal(rc_offsets_file_open(path, &id, &rc_pg_pos_codec, &g_store, err, sizeof err), RC_OK);
	g_store = watch_new(g_store);
	parts.store = g_store;
	g_out = tmpfile();
	assert_non_null(g_out);
	rc = rc_pipeline_run(conf, &parts);
	g_store->ops->free(g_store);
	g_store = NULL;
	rc_conf_free(conf);
	return rc;
}

static long lines_of(FILE *f)
{
	long n = 0;
	int c;
	rewind(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	return n;
}

static uint64_t stored(const char *name)
{
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_ident_t id = {.source = "postgres", .prefix = "it"};
	rc_offset_store_t *os;
	rc_offset_t rec = {0};
	bool found = false;
	uint64_t lsn;

	snprintf(path, sizeof path, "%s/%s", g_dir, name);
	assert_int_equal(rc_offsets_file_open(path, &id, &rc_pg_pos_codec, &os, err, sizeof err), RC_OK);
	assert_int_equal(os->ops->load(os, &rec, &found, err, sizeof err), RC_OK);
	assert_true(found);
	lsn = rec.pos.order;
	rc_offset_clear(&rec);
	os->ops->free(os);
	return lsn;
}

/* Committed transactions are confirmed once acknowledged; an aborted one confirms nothing; a quiet
 * source's idle position is confirmed only with nothing in flight; the source's end drains. */
static void test_confirms_what_is_acknowledged(void **state)
{
	static const step_t script[] = {
	    BEGIN, EVENT(1),  EVENT(2),          COMMIT(200), WAIT_CONFIRM(200), BEGIN,       EVENT(3),
	    ABORT, IDLE(300), WAIT_CONFIRM(300), BEGIN,       EVENT(4),          COMMIT(400), END,
	};
	(void)state;
	assert_int_equal(run(script, sizeof script / sizeof script[0], "a.json"), 0);
	assert_non_null(g_fake);
	/* At the end everything is confirmed, and the store holds it too. */
	assert_int_equal(g_fake->confirmed, 400);
	assert_int_equal(stored("a.json"), 400);
	/* 4 creates written, the aborted transaction's event too (it was handed over before the abort):
	 * what is confirmed never depends on it. */
	assert_int_equal(lines_of(g_out), 4);
	fclose(g_out);
}

/* An open transaction holds the confirmed position back, whatever idle says. */
static void test_open_transaction_holds(void **state)
{
	static const step_t script[] = {
	    BEGIN, EVENT(1), COMMIT(200), WAIT_CONFIRM(200), BEGIN, EVENT(2), IDLE(900), END,
	};
	(void)state;
	assert_int_equal(run(script, sizeof script / sizeof script[0], "b.json"), 0);
	assert_int_equal(g_fake->confirmed, 200);
	assert_int_equal(stored("b.json"), 200);
	fclose(g_out);
}

/* Every write of the store blocks until the loop read the source 20 times meanwhile: the stream
 * goes on, the writes come through, and confirm() (which asserts it) never passes the store. */
static void test_slow_store_does_not_stall(void **state)
{
	static const step_t script[] = {
	    BEGIN, EVENT(1), COMMIT(200), WAIT_CONFIRM(200), BEGIN, EVENT(2), COMMIT(300),
	    BEGIN, EVENT(3), COMMIT(400), WAIT_CONFIRM(400), END,
	};
	(void)state;
	g_block = true;
	assert_int_equal(run(script, sizeof script / sizeof script[0], "slow.json"), 0);
	g_block = false;
	assert_false(g_loop_stalled);
	assert_true(g_blocked_writes >= 2);
	assert_int_equal(g_fake->confirmed, 400);
	assert_int_equal(stored("slow.json"), 400);
	assert_int_equal(lines_of(g_out), 3);
	fclose(g_out);
}

/* A sink whose queue never has room. */
static int full_publish(rc_sink_t *sink, const rc_record_t *rec, void *ticket, char *err, size_t errlen)
{
	(void)sink;
	(void)rec;
	(void)ticket;
	(void)err;
	(void)errlen;
	return RC_FULL;
}
static int full_poll(rc_sink_t *sink, int timeout_ms)
{
	(void)sink;
	(void)timeout_ms;
	return 0;
}
static int full_flush(rc_sink_t *sink, int timeout_ms)
{
	(void)sink;
	(void)timeout_ms;
	return 0;
}
static long full_inflight(rc_sink_t *sink)
{
	(void)sink;
	return 0;
}
static bool full_broken(rc_sink_t *sink, char *why, size_t len)
{
	(void)sink;
	(void)why;
	(void)len;
	return false;
}
static void full_free(rc_sink_t *sink)
{
	free(sink);
}
static const rc_sink_ops_t full_ops = {
    .name = "full",
    .publish = full_publish,
    .poll = full_poll,
    .flush = full_flush,
    .inflight = full_inflight,
    .broken = full_broken,
    .free = full_free,
};
static rc_sink_t *full_new(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                           size_t errlen)
{
	rc_sink_t *sink = calloc(1, sizeof *sink);
	(void)conf;
	(void)err;
	(void)errlen;
	sink->ops = &full_ops;
	sink->on_ack = on_ack;
	sink->ack_opaque = opaque;
	return sink;
}

static void *send_sigterm(void *arg)
{
	(void)arg;
	usleep(600 * 1000);
	kill(getpid(), SIGTERM);
	return NULL;
}

static void test_stop_while_sink_full(void **state)
{
	static const step_t script[] = {BEGIN, EVENT(1), COMMIT(200), END};
	char path[256], err[RC_ERRSTR_LEN];
	rc_offset_ident_t id = {.source = "postgres", .prefix = "it"};
	rc_conf_t *conf = make_conf();
	rc_pipeline_parts_t parts = {.source_new = fake_new,
	                             .sink_new = full_new,
	                             .encoder_new = encoder_new,
	                             .codec = &rc_pg_pos_codec};
	pthread_t killer;
	struct timespec t0, t1;
	double secs;
	(void)state;

	g_script = script;
	g_nsteps = sizeof script / sizeof script[0];
	snprintf(path, sizeof path, "%s/full.json", g_dir);
	assert_int_equal(rc_offsets_file_open(path, &id, &rc_pg_pos_codec, &g_store, err, sizeof err), RC_OK);
	g_store = watch_new(g_store);
	parts.store = g_store;
	assert_int_equal(rc_signals_install(), RC_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&killer, NULL, send_sigterm, NULL);
	assert_int_equal(rc_pipeline_run(conf, &parts), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(killer, NULL);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* The stop ended the wait for room soon after the signal (0.6 s), not after a timeout. */
	assert_true(secs < 3.0);
	/* Meanwhile the source was still served (status updates), and nothing past the start was
	 * confirmed: the event never reached the sink. */
	assert_true(g_fake->confirms >= 3);
	assert_int_equal(g_fake->confirmed, 100);
	g_store->ops->free(g_store);
	g_store = NULL;
	rc_conf_free(conf);
	rc_signals_reset();
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
	free(g_fake);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	rc_sources_register();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_confirms_what_is_acknowledged),
	    cmocka_unit_test(test_open_transaction_holds),
	    cmocka_unit_test(test_slow_store_does_not_stall),
	    cmocka_unit_test(test_stop_while_sink_full),
	};
	return cmocka_run_group_tests_name("pipeline", tests, setup, teardown);
}
