/*
 * Schema registrations off the event loop (issue 12), without servers but a scripted registry on
 * loopback: the registry worker (sinks/registry_worker.h) answers in the order submitted without
 * the submitter waiting, a refusal names the subject, and freeing it ends a request that hangs at
 * once. Then the pipeline with the Avro encoder in its asynchronous mode, a fake source of two
 * tables and a recording sink: while one table's schemas are registered slowly, the other's events
 * go on; the slow table's events follow in order with the ids the registry gave; and the position
 * confirmed never passes the slow table's waiting transaction. A refused schema ends the run with
 * an error.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/offset_store.h"
#include "agent/pipeline.h"
#include "agent/table.h"
#include "decoders/postgres/pg_position.h"
#include "sinks/encoders.h"
#include "sinks/registry.h"
#include "sinks/registry_worker.h"
#include "tests/unit/fake_parts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a scripted registry: POST paths with "hang" get no answer, with "refuse" a 409, with "slow"
 * an answer after g_slow_ms; the rest at once. Ids count up from 1 per server. ---- */

#define MAX_SEEN 32

typedef struct server {
	int fd, port;
	pthread_t thread;
	pthread_mutex_t mu;
	bool stop;
	int next_id;
	char seen[MAX_SEEN][256]; /* the paths, in the order they came */
	int ids[MAX_SEEN];        /* the id each got (0: none) */
	int nseen;
} server_t;

static int g_slow_ms = 300;

static void serve_one(server_t *srv, int c)
{
	char req[16384] = "", path[256] = "", resp[512], body[64];
	size_t len = 0;
	ssize_t n;
	int status = 200, id = 0, k;

	while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
		n = read(c, req + len, sizeof req - 1 - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		req[len] = '\0';
	}
	sscanf(req, "%*7s %255s", path);
	pthread_mutex_lock(&srv->mu);
	k = srv->nseen < MAX_SEEN ? srv->nseen++ : MAX_SEEN - 1;
	snprintf(srv->seen[k], sizeof srv->seen[k], "%s", path);
	if (!strstr(path, "hang") && !strstr(path, "refuse"))
		id = srv->ids[k] = ++srv->next_id;
	pthread_mutex_unlock(&srv->mu);
	if (strstr(path, "hang")) { /* until the client hangs up (or 10 s) */
		struct pollfd pfd = {c, POLLIN, 0};
		while (poll(&pfd, 1, 10000) == 1 && read(c, req, sizeof req) > 0)
			;
		return;
	}
	if (strstr(path, "refuse")) {
		status = 409;
		snprintf(body, sizeof body, "{\"error_code\":409,\"message\":\"incompatible\"}");
	} else {
		if (strstr(path, "slow"))
			usleep((useconds_t)g_slow_ms * 1000);
		snprintf(body, sizeof body, "{\"id\":%d}", id);
	}
	n = snprintf(resp, sizeof resp,
	             "HTTP/1.1 %d Scripted\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	             status, strlen(body), body);
	if (write(c, resp, (size_t)n) != n)
		fprintf(stderr, "fake registry: short write\n");
}

static void *serve(void *opaque)
{
	server_t *srv = opaque;

	for (;;) {
		struct pollfd pfd = {srv->fd, POLLIN, 0};
		bool stop;
		int c;

		pthread_mutex_lock(&srv->mu);
		stop = srv->stop;
		pthread_mutex_unlock(&srv->mu);
		if (stop)
			break;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((c = accept(srv->fd, NULL, NULL)) < 0)
			break;
		serve_one(srv, c);
		close(c);
	}
	return NULL;
}

static void server_start(server_t *srv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;

	memset(srv, 0, sizeof *srv);
	pthread_mutex_init(&srv->mu, NULL);
	srv->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv->fd >= 0);
	assert_int_equal(bind(srv->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(srv->fd, 8), 0);
	assert_int_equal(getsockname(srv->fd, (struct sockaddr *)&a, &alen), 0);
	srv->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&srv->thread, NULL, serve, srv), 0);
}

static void server_stop(server_t *srv)
{
	pthread_mutex_lock(&srv->mu);
	srv->stop = true;
	pthread_mutex_unlock(&srv->mu);
	pthread_join(srv->thread, NULL);
	close(srv->fd);
	pthread_mutex_destroy(&srv->mu);
}

/* The id the server gave to the nth (from 0) request whose path contains what, or 0. */
static int server_nth_id_of(server_t *srv, const char *what, int nth)
{
	int id = 0;

	pthread_mutex_lock(&srv->mu);
	for (int i = 0; i < srv->nseen && !id; i++)
		if (strstr(srv->seen[i], what) && nth-- == 0)
			id = srv->ids[i];
	pthread_mutex_unlock(&srv->mu);
	return id;
}

static int server_id_of(server_t *srv, const char *what)
{
	return server_nth_id_of(srv, what, 0);
}

static int server_seen(server_t *srv)
{
	int n;

	pthread_mutex_lock(&srv->mu);
	n = srv->nseen;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

static const char schema_a[] =
    "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";
static const char schema_b[] =
    "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}";

static rc_registry_worker_t *worker_for(server_t *srv)
{
	char url[64], err[RC_ERRSTR_LEN];
	rc_registry_t *reg;
	rc_registry_worker_t *w;

	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv->port);
	reg = rc_registry_new(url, NULL, err, sizeof err);
	assert_non_null(reg);
	assert_int_equal(rc_registry_worker_new(reg, &w, err, sizeof err), RC_OK);
	return w;
}

/* Waits (on the worker's descriptor) until n jobs ended, up to 5 s. */
static void wait_finished(rc_registry_worker_t *w, unsigned long n)
{
	int64_t until = rc_clock_ms() + 5000;

	while (rc_registry_worker_finished(w) < n && rc_clock_ms() < until) {
		struct pollfd pfd = {rc_registry_worker_fd(w), POLLIN, 0};
		poll(&pfd, 1, 100);
		if (pfd.revents & POLLIN) {
			char buf[64];
			while (read(pfd.fd, buf, sizeof buf) > 0)
				;
		}
	}
	assert_true(rc_registry_worker_finished(w) >= n);
}

/* Three jobs, the first two slow: submitting does not wait, they end in the order submitted. */
static void test_worker_order(void **state)
{
	server_t srv;
	rc_registry_worker_t *w;
	rc_registry_job_t *j[3];
	char err[RC_ERRSTR_LEN] = "";
	int32_t id[3];
	int64_t t0;

	(void)state;
	server_start(&srv);
	w = worker_for(&srv);
	t0 = rc_clock_ms();
	assert_non_null(j[0] = rc_registry_worker_submit(w, "slow-a-value", schema_a));
	assert_non_null(j[1] = rc_registry_worker_submit(w, "slow-b-value", schema_b));
	assert_non_null(j[2] = rc_registry_worker_submit(w, "c-value", schema_a));
	assert_true(rc_clock_ms() - t0 < 100); /* the registry answers after 300 ms: not waited for */
	for (int i = 0; i < 3; i++)
		assert_int_equal(rc_registry_worker_result(w, j[i], &id[i], err, sizeof err),
		                 RC_REGISTRY_PENDING);
	wait_finished(w, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rc_registry_worker_result(w, j[i], &id[i], err, sizeof err), RC_OK);
		assert_int_equal(id[i], i + 1); /* the server's ids count up: in the order submitted */
	}
	assert_non_null(strstr(srv.seen[0], "slow-a-value"));
	assert_non_null(strstr(srv.seen[2], "/subjects/c-value/versions"));
	rc_registry_worker_free(w);
	server_stop(&srv);
}

static void test_worker_refused(void **state)
{
	server_t srv;
	rc_registry_worker_t *w;
	rc_registry_job_t *j;
	char err[RC_ERRSTR_LEN] = "";
	int32_t id = -1;

	(void)state;
	server_start(&srv);
	w = worker_for(&srv);
	assert_non_null(j = rc_registry_worker_submit(w, "it.public.refuse-value", schema_a));
	wait_finished(w, 1);
	assert_int_equal(rc_registry_worker_result(w, j, &id, err, sizeof err), RC_ERR_REFUSED);
	assert_non_null(strstr(err, "refused the schema of subject it.public.refuse-value"));
	assert_int_equal(id, -1);
	rc_registry_worker_free(w);
	server_stop(&srv);
}

/* A request that never gets an answer: free ends it at once (the registry's own bound is 30 s). */
static void test_worker_free_while_hanging(void **state)
{
	server_t srv;
	rc_registry_worker_t *w;
	int64_t t0;

	(void)state;
	server_start(&srv);
	w = worker_for(&srv);
	assert_non_null(rc_registry_worker_submit(w, "hang-value", schema_a));
	assert_non_null(rc_registry_worker_submit(w, "after-value", schema_a)); /* never started */
	for (int i = 0; i < 100 && server_seen(&srv) < 1; i++)
		usleep(10000);
	assert_int_equal(server_seen(&srv), 1);
	usleep(100000);
	t0 = rc_clock_ms();
	rc_registry_worker_free(w);
	assert_true(rc_clock_ms() - t0 < 1000);
	assert_int_equal(server_seen(&srv), 1);
	server_stop(&srv);
}

/* ---- the pipeline: a fake source of two tables, a recording sink ---- */

typedef enum { S_BEGIN, S_EVENT, S_COMMIT, S_PAUSE, S_ALTER, S_END } step_kind_t;

typedef struct step {
	step_kind_t kind;
	int table;    /* S_EVENT: 0 fast, 1 slow */
	uint64_t arg; /* S_EVENT: the row's key; S_COMMIT: the position; S_PAUSE: ms */
} step_t;

typedef struct fake {
	rc_source_t base;
	size_t next;
	int64_t pause_until_ms;
	rc_ack_txn_t *txn;
	rc_table_t *table[2];
} fake_t;

static const step_t *g_script;
static size_t g_nsteps;
static const char *g_slow_name = "slow";
static uint64_t g_confirmed;
typedef struct got {
	char topic[64];
	int64_t key;
	int32_t key_id, value_id;
	uint64_t confirmed_then; /* what the source had been confirmed when the record was handed over */
} got_t;
static got_t g_got[64];
static int g_ngot;
static server_t g_srv;
static char g_dir[] = "/tmp/rowcast-registry-async-XXXXXX";

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
		break;
	case S_EVENT: {
		rc_value_t after[2] = {{.state = RC_V_SET, .u.i = (int64_t)s->arg},
		                       {.state = RC_V_SET, .u.i = 7}};
		rc_event_t ev = {.op = RC_OP_CREATE, .table = f->table[s->table], .after = after};
		int rc;
		ev.source.connector = "postgresql";
		ev.source.db = "db";
		ev.source.snapshot = "false";
		ev.source.thread = -1;
		rc = h->event(h->opaque, f->txn, &ev, err, errlen);
		if (rc != RC_OK)
			return rc;
		break;
	}
	case S_COMMIT:
		h->commit(h->opaque, f->txn, &(rc_pos_t){.set = true, .order = s->arg});
		f->txn = NULL;
		break;
	case S_PAUSE:
		if (f->pause_until_ms == 0)
			f->pause_until_ms = rc_clock_ms() + (int64_t)s->arg;
		if (rc_clock_ms() < f->pause_until_ms) {
			usleep(1000);
			return 0;
		}
		f->pause_until_ms = 0;
		break;
	case S_ALTER: /* a new version of the table's schema: column v renamed w (as pg_relcache does) */
		assert_int_equal(rc_column_set_names(&f->table[s->table]->cols[1], "w", "int8"), 0);
		f->table[s->table]->value_schema_id = -1;
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
	if (position->order > g_confirmed)
		g_confirmed = position->order;
	return RC_OK;
}

static void f_free(rc_source_t *src)
{
	fake_t *f = (fake_t *)src;
	rc_table_release(f->table[0]);
	rc_table_release(f->table[1]);
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

static rc_table_t *table_of(const char *name)
{
	char topic[64];

	snprintf(topic, sizeof topic, "it.public.%s", name);
	return fake_table("public", name, topic);
}

static rc_source_t *fake_new(const rc_conf_t *conf, char *err, size_t errlen)
{
	fake_t *f = calloc(1, sizeof *f);
	(void)conf;
	(void)err;
	(void)errlen;
	assert_non_null(f);
	f->base.ops = &fake_ops;
	f->base.codec = &rc_pg_pos_codec;
	f->table[0] = table_of("fast");
	f->table[1] = table_of(g_slow_name);
	return &f->base;
}

static int32_t framed_id(const void *p, size_t len)
{
	const unsigned char *b = p;
	assert_true(len >= 5);
	assert_int_equal(b[0], 0);
	return (int32_t)((uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4]);
}

/* The record's topic, key and schema ids, and what the source had been confirmed then. */
static bool record(const rc_record_t *rec)
{
	got_t *g = &g_got[g_ngot];

	assert_true(g_ngot < 64);
	snprintf(g->topic, sizeof g->topic, "%s", rec->topic);
	g->key_id = framed_id(rec->key, rec->keylen);
	g->key = ((const unsigned char *)rec->key)[5] / 2; /* zig-zag of a small key */
	g->value_id = framed_id(rec->value, rec->vallen);
	g->confirmed_then = g_confirmed;
	g_ngot++;
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

static int run(const step_t *script, size_t n, const char *name)
{
	char path[256], url[64], err[RC_ERRSTR_LEN] = "";
	const char *const props[][2] = {
	    {"source.type", "postgres"},
	    {"topic.prefix", "it"},
	    {"database.hostname", "nowhere"},
	    {"database.user", "u"},
	    {"database.dbname", "db"},
	    {"snapshot.mode", "no_data"},
	    {"kafka.bootstrap.servers", "127.0.0.1:1"},
	    {"schema.registry.url", url},
	};
	rc_offset_ident_t id = {.source = "postgres", .prefix = "it"};
	rc_conf_t *conf = rc_conf_new();
	rc_offset_store_t *store;
	rc_pipeline_parts_t parts = {.source_new = fake_new,
	                             .sink_new = rec_new,
	                             .encoder_new = encoder_new,
	                             .codec = &rc_pg_pos_codec};
	int rc;

	snprintf(url, sizeof url, "http://127.0.0.1:%d", g_srv.port);
	assert_non_null(conf);
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		assert_int_equal(
		    rc_conf_set(conf, props[i][0], props[i][1], RC_CONF_CLI, "test", err, sizeof err), 0);
	if (rc_conf_finalize(conf, err, sizeof err) != 0)
		fail_msg("%s", err);
	g_script = script;
	g_nsteps = n;
	g_ngot = 0;
	snprintf(path, sizeof path, "%s/%s", g_dir, name);
	assert_int_equal(rc_offsets_file_open(path, &id, &rc_pg_pos_codec, &store, err, sizeof err), RC_OK);
	parts.store = store;
	rc = rc_pipeline_run(conf, &parts);
	store->ops->free(store);
	rc_conf_free(conf);
	return rc;
}

/* fast's schemas are known first; then slow's take 2 x 300 ms while both tables write. */
static const step_t interleaved[] = {
    {S_BEGIN, 0, 0}, {S_EVENT, 0, 0}, {S_COMMIT, 0, 150}, {S_PAUSE, 0, 150},  /* fast's ids */
    {S_BEGIN, 0, 0}, {S_EVENT, 1, 1}, {S_COMMIT, 0, 200},                     /* slow: parked */
    {S_BEGIN, 0, 0}, {S_EVENT, 0, 1}, {S_COMMIT, 0, 300},                     /* goes on */
    {S_BEGIN, 0, 0}, {S_EVENT, 1, 2}, {S_EVENT, 0, 2},    {S_COMMIT, 0, 400}, /* mixed */
    {S_BEGIN, 0, 0}, {S_EVENT, 0, 3}, {S_COMMIT, 0, 500}, {S_PAUSE, 0, 100},  {S_END, 0, 0},
};

static void test_pipeline_parks_in_order(void **state)
{
	static const char *const order[] = {"fast", "fast", "fast", "fast", "slow", "slow"};
	static const int64_t keys[] = {0, 1, 2, 3, 1, 2};
	int slow_key, slow_value, fast_key, fast_value;

	(void)state;
	server_start(&g_srv);
	g_slow_name = "slow";
	assert_int_equal(run(interleaved, sizeof interleaved / sizeof interleaved[0], "order.json"), 0);
	fast_key = server_id_of(&g_srv, "fast-key");
	fast_value = server_id_of(&g_srv, "fast-value");
	slow_key = server_id_of(&g_srv, "slow-key");
	slow_value = server_id_of(&g_srv, "slow-value");
	server_stop(&g_srv);
	assert_true(fast_key > 0 && fast_value > 0 && slow_key > 0 && slow_value > 0);
	assert_int_equal(g_ngot, 6);
	for (int i = 0; i < 6; i++) {
		char topic[64];
		snprintf(topic, sizeof topic, "it.public.%s", order[i]);
		assert_string_equal(g_got[i].topic, topic);
		assert_int_equal(g_got[i].key, keys[i]);
		/* the ids the registry gave, written into the parked records */
		assert_int_equal(g_got[i].key_id, i < 4 ? fast_key : slow_key);
		assert_int_equal(g_got[i].value_id, i < 4 ? fast_value : slow_value);
	}
	/* fast's transactions 300..500 were acknowledged before slow's first record went, yet nothing
	 * past 150 was confirmed: transaction 200 waited. */
	assert_true(g_got[4].confirmed_then <= 150);
	assert_int_equal(g_confirmed, 500);
}

/* slow's schema changes while its first version's events wait: each version's events carry its own
 * ids, and they go in order, behind nothing of fast's. */
static const step_t altered[] = {
    {S_BEGIN, 0, 0}, {S_EVENT, 0, 0},    {S_COMMIT, 0, 150}, {S_PAUSE, 0, 150}, {S_BEGIN, 0, 0},
    {S_EVENT, 1, 1}, {S_COMMIT, 0, 200}, {S_ALTER, 1, 0},    {S_BEGIN, 0, 0},   {S_EVENT, 1, 2},
    {S_EVENT, 0, 1}, {S_COMMIT, 0, 300}, {S_END, 0, 0},
};

static void test_pipeline_schema_change_while_parked(void **state)
{
	int v1, v2;

	(void)state;
	server_start(&g_srv);
	g_slow_name = "slow";
	assert_int_equal(run(altered, sizeof altered / sizeof altered[0], "altered.json"), 0);
	v1 = server_nth_id_of(&g_srv, "slow-value", 0);
	v2 = server_nth_id_of(&g_srv, "slow-value", 1);
	server_stop(&g_srv);
	assert_true(v1 > 0 && v2 > 0 && v1 != v2);
	assert_int_equal(g_ngot, 4);
	assert_string_equal(g_got[0].topic, "it.public.fast");
	assert_string_equal(g_got[1].topic, "it.public.fast"); /* in transaction 300, after slow's */
	assert_int_equal(g_got[1].key, 1);
	assert_string_equal(g_got[2].topic, "it.public.slow");
	assert_int_equal(g_got[2].key, 1);
	assert_int_equal(g_got[2].value_id, v1);
	assert_string_equal(g_got[3].topic, "it.public.slow");
	assert_int_equal(g_got[3].key, 2);
	assert_int_equal(g_got[3].value_id, v2);
	assert_int_equal(g_confirmed, 300);
}

static const step_t refused[] = {
    {S_BEGIN, 0, 0}, {S_EVENT, 1, 1}, {S_COMMIT, 0, 200}, {S_PAUSE, 0, 3000}, {S_END, 0, 0},
};

static void test_pipeline_refused_is_fatal(void **state)
{
	int64_t t0 = rc_clock_ms();

	(void)state;
	server_start(&g_srv);
	g_slow_name = "refuse";
	assert_int_equal(run(refused, sizeof refused / sizeof refused[0], "refused.json"), 1);
	server_stop(&g_srv);
	assert_true(rc_clock_ms() - t0 < 2500); /* at the refusal, not at the end of the script */
	assert_int_equal(g_ngot, 0);
	assert_true(g_confirmed < 200);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_worker_order),
	    cmocka_unit_test(test_worker_refused),
	    cmocka_unit_test(test_worker_free_while_hanging),
	    cmocka_unit_test(test_pipeline_parks_in_order),
	    cmocka_unit_test(test_pipeline_schema_change_while_parked),
	    cmocka_unit_test(test_pipeline_refused_is_fatal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
