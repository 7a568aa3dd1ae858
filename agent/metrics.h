/*
 * Metrics in the Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/
 * exposition_formats): one "# HELP" and one "# TYPE" line per family, then its samples; names carry
 * the rowcast_ prefix and base units (seconds, bytes), counters end in _total, histograms write
 * cumulative _bucket{le="..."} lines, _sum and _count.
 *
 * Three parts:
 *   - the writer (rc_prom_*): formats families and samples into a buffer, escaping label values;
 *   - histograms with fixed bounds, observed with a few compares and an increment;
 *   - a process-wide registry of what /metrics shows: counters of other layers and threads
 *     (rc_metric_t, atomic, registered once, e.g. the registry client's requests), and collectors:
 *     functions that write their owner's families when /metrics is asked for (the pipeline's
 *     per-table counters, the snapshot's progress, the Kafka producer's queue).
 *
 * Collectors are added, removed and called on the pipeline's thread (the HTTP server runs on its
 * loop): whatever a collector reads that another thread writes must be atomic.
 */
#ifndef RC_METRICS_H
#define RC_METRICS_H

#include "agent/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the writer ---- */

/* Writes the "# HELP name help" and "# TYPE name type" lines (type: counter, gauge, histogram). */
void rc_prom_family(rc_buf_t *b, const char *name, const char *type, const char *help);

/* Writes label pairs into out (NUL-terminated), as k1="v1",k2="v2": the arguments are key, value,
 * ..., NULL. Values are escaped (backslash, double quote, newline). Truncated at len. */
void rc_prom_labels(char *out, size_t len, ...) __attribute__((sentinel));

/* One sample line: name{labels} value. labels as rc_prom_labels made them, or NULL/"" for none. */
void rc_prom_sample(rc_buf_t *b, const char *name, const char *labels, double value);

/* A family of one sample without labels: the HELP and TYPE lines and the sample. */
void rc_prom_single(rc_buf_t *b, const char *name, const char *type, const char *help, double value);

/* ---- histograms ---- */

#define RC_HIST_MAX_BOUNDS 16

typedef struct rc_histogram {
	const double *bounds; /* upper bounds, ascending, borrowed (static); +Inf is implicit */
	int nbounds;          /* at most RC_HIST_MAX_BOUNDS */
	uint64_t counts[RC_HIST_MAX_BOUNDS + 1]; /* per bucket, not cumulative; the last is +Inf */
	uint64_t count;
	double sum;
} rc_histogram_t;

void rc_hist_init(rc_histogram_t *h, const double *bounds, int nbounds);

static inline void rc_hist_observe(rc_histogram_t *h, double v)
{
	int i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

/* Writes h's family: HELP, TYPE histogram, the cumulative buckets, _sum and _count. */
void rc_prom_histogram(rc_buf_t *b, const char *name, const char *help, const rc_histogram_t *h);

/* ---- the registry ---- */

typedef enum { RC_METRIC_COUNTER, RC_METRIC_GAUGE } rc_metric_type_t;

/* A value another layer or thread keeps: static storage, registered once (idempotent), never
 * unregistered. Several with the same name (and different labels) make one family. */
typedef struct rc_metric {
	const char *name;
	rc_metric_type_t type;
	const char *help;
	const char *labels; /* preformatted and escaped (k="v"), or NULL */
	int64_t value;      /* atomic: rc_metric_add, rc_metric_set */
	struct rc_metric *next;
	bool registered;
} rc_metric_t;

void rc_metric_register(rc_metric_t *m);

static inline void rc_metric_add(rc_metric_t *m, int64_t n)
{
	__atomic_fetch_add(&m->value, n, __ATOMIC_RELAXED);
}

static inline int64_t rc_metric_get(const rc_metric_t *m)
{
	return __atomic_load_n(&m->value, __ATOMIC_RELAXED);
}

/* Writes its owner's families into b. */
typedef void (*rc_metrics_collect_fn)(rc_buf_t *b, void *opaque);

/* Adds a collector (fn, opaque) called for every /metrics, in the order added. Returns 0, or -1
 * when out of memory. */
int rc_metrics_add_collector(rc_metrics_collect_fn fn, void *opaque);

/* Removes the collector added with the same fn and opaque (no-op when there is none). */
void rc_metrics_remove_collector(rc_metrics_collect_fn fn, void *opaque);

/* Writes every registered family and every collector's, then the process's own (RSS, CPU, start
 * time: process_resident_memory_bytes, process_cpu_seconds_total, process_start_time_seconds) and
 * rowcast_build_info. */
void rc_metrics_write(rc_buf_t *b);

#endif
