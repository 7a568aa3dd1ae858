#include "config.h"

#include "agent/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rc_prom_family(rc_buf_t *b, const char *name, const char *type, const char *help)
{
	/* HELP text escapes backslash and newline (0.0.4); ours are plain, but be safe. */
	rc_buf_printf(b, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			rc_buf_puts(b, "\\\\");
		else if (*p == '\n')
			rc_buf_puts(b, "\\n");
		else
			rc_buf_putc(b, (unsigned char)*p);
	}
	rc_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void rc_prom_labels(char *out, size_t len, ...)
{
	va_list ap;
	size_t n = 0;
	const char *k;

	if (len == 0)
		return;
	out[0] = '\0';
	va_start(ap, len);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		int w = snprintf(out + n, len - n, "%s%s=\"", n ? "," : "", k);

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
		for (const char *p = v ? v : ""; *p && n + 3 < len; p++) {
			if (*p == '\\' || *p == '"' || *p == '\n') {
				out[n++] = '\\';
				out[n++] = *p == '\n' ? 'n' : *p;
			} else {
				out[n++] = *p;
			}
		}
		if (n + 2 > len)
			break;
		out[n++] = '"';
		out[n] = '\0';
	}
	va_end(ap);
	out[n < len ? n : len - 1] = '\0';
}

static void put_value(rc_buf_t *b, double v)
{
	if (isnan(v))
		rc_buf_puts(b, "NaN");
	else if (isinf(v))
		rc_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == (double)(int64_t)v && fabs(v) < 9e15)
		rc_buf_printf(b, "%lld", (long long)v);
	else
		rc_buf_printf(b, "%.10g", v);
}

void rc_prom_sample(rc_buf_t *b, const char *name, const char *labels, double value)
{
	rc_buf_puts(b, name);
	if (labels && *labels)
		rc_buf_printf(b, "{%s}", labels);
	rc_buf_putc(b, ' ');
	put_value(b, value);
	rc_buf_putc(b, '\n');
}

void rc_prom_single(rc_buf_t *b, const char *name, const char *type, const char *help, double value)
{
	rc_prom_family(b, name, type, help);
	rc_prom_sample(b, name, NULL, value);
}

void rc_hist_init(rc_histogram_t *h, const double *bounds, int nbounds)
{
	*h = (rc_histogram_t){.bounds = bounds,
	                      .nbounds = nbounds > RC_HIST_MAX_BOUNDS ? RC_HIST_MAX_BOUNDS : nbounds};
}

void rc_prom_histogram(rc_buf_t *b, const char *name, const char *help, const rc_histogram_t *h)
{
	uint64_t cum = 0;

	rc_prom_family(b, name, "histogram", help);
	for (int i = 0; i <= h->nbounds; i++) {
		cum += h->counts[i];
		rc_buf_printf(b, "%s_bucket{le=\"", name);
		if (i < h->nbounds)
			rc_buf_printf(b, "%g", h->bounds[i]);
		else
			rc_buf_puts(b, "+Inf");
		rc_buf_printf(b, "\"} %llu\n", (unsigned long long)cum);
	}
	rc_buf_printf(b, "%s_sum ", name);
	put_value(b, h->sum);
	rc_buf_printf(b, "\n%s_count %llu\n", name, (unsigned long long)h->count);
}

/* ---- the registry ---- */

typedef struct collector {
	rc_metrics_collect_fn fn;
	void *opaque;
} collector_t;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static rc_metric_t *reg_head, *reg_tail; /* in registration order */
static collector_t *collectors;
static size_t ncollectors, capcollectors;

void rc_metric_register(rc_metric_t *m)
{
	pthread_mutex_lock(&reg_lock);
	if (!m->registered) {
		m->registered = true;
		m->next = NULL;
		if (reg_tail)
			reg_tail->next = m;
		else
			reg_head = m;
		reg_tail = m;
	}
	pthread_mutex_unlock(&reg_lock);
}

int rc_metrics_add_collector(rc_metrics_collect_fn fn, void *opaque)
{
	int rc = 0;

	pthread_mutex_lock(&reg_lock);
	if (ncollectors == capcollectors) {
		size_t cap = capcollectors ? capcollectors * 2 : 8;
		collector_t *c = realloc(collectors, cap * sizeof *c);
		if (c) {
			collectors = c;
			capcollectors = cap;
		}
	}
	if (ncollectors < capcollectors)
		collectors[ncollectors++] = (collector_t){fn, opaque};
	else
		rc = -1;
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

void rc_metrics_remove_collector(rc_metrics_collect_fn fn, void *opaque)
{
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < ncollectors; i++) {
		if (collectors[i].fn == fn && collectors[i].opaque == opaque) {
			memmove(&collectors[i], &collectors[i + 1],
			        (ncollectors - i - 1) * sizeof *collectors);
			ncollectors--;
			break;
		}
	}
	if (ncollectors == 0) { /* the last owner gone: nothing left for a leak checker to report */
		free(collectors);
		collectors = NULL;
		capcollectors = 0;
	}
	pthread_mutex_unlock(&reg_lock);
}

static const char *const type_names[] = {"counter", "gauge"};

/* The registered values, one family per name (the first registered of a name gives its help). */
static void write_registered(rc_buf_t *b)
{
	for (rc_metric_t *m = reg_head; m; m = m->next) {
		bool seen = false;

		for (rc_metric_t *p = reg_head; p != m && !seen; p = p->next)
			seen = strcmp(p->name, m->name) == 0;
		if (seen)
			continue;
		rc_prom_family(b, m->name, type_names[m->type], m->help);
		for (rc_metric_t *p = m; p; p = p->next)
			if (strcmp(p->name, m->name) == 0)
				rc_prom_sample(b, p->name, p->labels, (double)rc_metric_get(p));
	}
}

/* RSS and CPU from /proc/self (Linux): what the standard process_* names of the Prometheus client
 * libraries mean. Absent where /proc cannot be read. */
static void write_process(rc_buf_t *b)
{
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	unsigned long long utime = 0, stime = 0, start = 0, btime = 0;
	long long rss = -1;
	char line[1024];
	FILE *f;

	if ((f = fopen("/proc/self/statm", "r"))) {
		long long size;
		if (fscanf(f, "%lld %lld", &size, &rss) != 2)
			rss = -1;
		fclose(f);
	}
	if (rss >= 0)
		rc_prom_single(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
		               (double)rss * (double)page);
	if ((f = fopen("/proc/self/stat", "r"))) {
		size_t n = fread(line, 1, sizeof line - 1, f);
		char *p;

		line[n] = '\0';
		fclose(f);
		/* The command name may hold spaces and parentheses: fields are counted after the last ')'. */
		p = strrchr(line, ')');
		if (p &&
		    sscanf(
		        p + 2,
		        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
		        &utime, &stime, &start) == 3 &&
		    ticks > 0)
			rc_prom_single(b, "process_cpu_seconds_total", "counter",
			               "Total user and system CPU time spent in seconds.",
			               (double)(utime + stime) / (double)ticks);
	}
	if (start && ticks > 0 && (f = fopen("/proc/stat", "r"))) {
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "btime %llu", &btime) == 1)
				break;
		fclose(f);
		if (btime)
			rc_prom_single(b, "process_start_time_seconds", "gauge",
			               "Start time of the process since unix epoch in seconds.",
			               (double)btime + (double)start / (double)ticks);
	}
}

void rc_metrics_write(rc_buf_t *b)
{
	char labels[128];

	pthread_mutex_lock(&reg_lock);
	write_registered(b);
	for (size_t i = 0; i < ncollectors; i++)
		collectors[i].fn(b, collectors[i].opaque);
	pthread_mutex_unlock(&reg_lock);
	write_process(b);
	rc_prom_labels(labels, sizeof labels, "version", PACKAGE_VERSION, NULL);
	rc_prom_family(b, "rowcast_build_info", "gauge", "rowcast's version; the value is always 1.");
	rc_prom_sample(b, "rowcast_build_info", labels, 1);
}
