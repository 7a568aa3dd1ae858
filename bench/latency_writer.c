/*
 * The latency benchmark's writer (bench/latency_bench.sh): N connections, each a thread, insert one
 * row per autocommit statement into a probe table at a fixed total rate for a fixed time. Each
 * thread keeps its own schedule (start + i / rate, CLOCK_MONOTONIC): a slow statement does not skip
 * rows, the thread catches up, and the report says how far behind it ever was. A python or psql
 * writer cannot hold 10k statements/s on 2 cores; libpq with a prepared statement can.
 *
 *   latency_writer CONNINFO TABLE RATE SECONDS [CONNECTIONS]
 *
 * Prints one JSON line: {"rows": N, "seconds": S, "rate": R, "max_behind_ms": M, "errors": E}.
 * Built by the benchmark itself (cc ... -lpq -lpthread); not part of rowcast.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct worker {
	pthread_t thread;
	const char *conninfo, *table;
	int id;
	double rate; /* rows per second, this thread's */
	double seconds;
	int64_t start_ns;
	long rows, errors;
	int64_t max_behind_ns;
	char err[256];
} worker_t;

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *run(void *arg)
{
	worker_t *w = arg;
	PGconn *c = PQconnectdb(w->conninfo);
	char sql[512], wid[16], seq[32];
	const char *params[2] = {wid, seq};
	long total = (long)(w->rate * w->seconds);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(w->err, sizeof w->err, "connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	snprintf(sql, sizeof sql, "INSERT INTO %s (w, n) VALUES ($1::int, $2::bigint)", w->table);
	r = PQprepare(c, "ins", sql, 2, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(w->err, sizeof w->err, "prepare: %s", PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	snprintf(wid, sizeof wid, "%d", w->id);
	for (long i = 0; i < total; i++) {
		int64_t due = w->start_ns + (int64_t)((double)i * 1e9 / w->rate), now = mono_ns();
		if (due > now) {
			struct timespec ts = {.tv_sec = due / 1000000000, .tv_nsec = due % 1000000000};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else if (now - due > w->max_behind_ns) {
			w->max_behind_ns = now - due;
		}
		snprintf(seq, sizeof seq, "%ld", i);
		r = PQexecPrepared(c, "ins", 2, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			w->rows++;
		else if (w->errors++ == 0)
			snprintf(w->err, sizeof w->err, "insert: %s", PQerrorMessage(c));
		PQclear(r);
	}
	PQfinish(c);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 5 ? atoi(argv[5]) : 4;
	double rate, seconds, took;
	worker_t *ws;
	long rows = 0, errors = 0;
	int64_t behind = 0, t0;

	if (argc < 5 || n < 1) {
		fprintf(stderr, "usage: %s CONNINFO TABLE RATE SECONDS [CONNECTIONS]\n", argv[0]);
		return 2;
	}
	rate = atof(argv[3]);
	seconds = atof(argv[4]);
	ws = calloc((size_t)n, sizeof *ws);
	if (!ws)
		return 1;
	t0 = mono_ns() + 200000000; /* every connection is made before the first row */
	for (int i = 0; i < n; i++) {
		ws[i] = (worker_t){.conninfo = argv[1],
		                   .table = argv[2],
		                   .id = i,
		                   .rate = rate / n,
		                   .seconds = seconds,
		                   .start_ns = t0 + (int64_t)(1e9 / rate) * i};
		pthread_create(&ws[i].thread, NULL, run, &ws[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(ws[i].thread, NULL);
		rows += ws[i].rows;
		errors += ws[i].errors;
		if (ws[i].max_behind_ns > behind)
			behind = ws[i].max_behind_ns;
		if (ws[i].err[0])
			fprintf(stderr, "writer %d: %s\n", i, ws[i].err);
	}
	took = (double)(mono_ns() - t0) / 1e9;
	printf(
	    "{\"rows\": %ld, \"seconds\": %.3f, \"rate\": %.1f, \"max_behind_ms\": %.1f, \"errors\": %ld}\n",
	    rows, took, took > 0 ? (double)rows / took : 0.0, (double)behind / 1e6, errors);
	free(ws);
	return errors || rows == 0 ? 1 : 0;
}
