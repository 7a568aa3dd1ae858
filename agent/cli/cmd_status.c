/*
 * `rowcast status`: asks the running instance (its http.host and http.port) for /metrics and
 * /readyz and prints what a person wants to read: state, position and lag, events per table and
 * op, records in flight and acknowledged, snapshot progress, restarts, RSS and CPU, ready or not and
 * why. The text format is parsed here (a line per sample: name{labels} value), the same families
 * that agent/pipeline_obs.c writes.
 */
#include "config.h"

#include "agent/buf.h"
#include "agent/cli/commands.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_TIMEOUT_MS 3000
#define MAX_BODY (8u << 20)

typedef struct sample {
	char *name;
	char *labels; /* the raw k="v",... text, "" for none */
	double value;
} sample_t;

typedef struct samples {
	sample_t *v;
	size_t n, cap;
} samples_t;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *opaque)
{
	rc_buf_t *b = opaque;

	rc_buf_append(b, ptr, size * nmemb);
	return rc_buf_failed(b) ? 0 : size * nmemb;
}

/* GETs url into body. Returns the HTTP status, or 0 with err filled when nothing answered. */
static long fetch(const char *url, rc_buf_t *body, char *err, size_t errlen)
{
	CURL *curl = curl_easy_init();
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc;

	if (!curl) {
		snprintf(err, errlen, "cannot start libcurl");
		return 0;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)FETCH_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
	curl_easy_cleanup(curl);
	rc_buf_putc(body, '\0');
	return status;
}

static int add_sample(samples_t *s, const char *name, size_t nlen, const char *labels, size_t llen,
                      double value)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		sample_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].name = strndup(name, nlen);
	s->v[s->n].labels = strndup(labels, llen);
	s->v[s->n].value = value;
	if (!s->v[s->n].name || !s->v[s->n].labels) {
		free(s->v[s->n].name);
		free(s->v[s->n].labels);
		return -1;
	}
	s->n++;
	return 0;
}

/* Parses the text format's sample lines (comments skipped). Returns 0, or -1 for a line that is
 * not a sample or out of memory. */
static int parse(const char *text, samples_t *s)
{
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n'), *p = line, *name = line, *labels = "", *vstart;
		size_t nlen, llen = 0;
		char *vend;
		double value;

		if (!end)
			end = line + strlen(line);
		if (*line == '#' || line == end) {
			line = *end ? end + 1 : end;
			continue;
		}
		while (p < end && *p != '{' && *p != ' ')
			p++;
		nlen = (size_t)(p - name);
		if (p < end && *p == '{') {
			bool quoted = false;
			labels = ++p;
			for (; p < end && (quoted || *p != '}'); p++) {
				if (quoted && *p == '\\' && p + 1 < end)
					p++;
				else if (*p == '"')
					quoted = !quoted;
			}
			if (p >= end)
				return -1;
			llen = (size_t)(p - labels);
			p++;
		}
		vstart = p;
		value = strtod(vstart, &vend);
		if (vend == vstart || nlen == 0)
			return -1;
		if (add_sample(s, name, nlen, labels, llen, value) != 0)
			return -1;
		line = *end ? end + 1 : end;
	}
	return 0;
}

/* The value of label key in labels (unescaped into out), or false. */
static bool label(const char *labels, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key), n = 0;

	for (const char *p = labels; *p;) {
		bool match = strncmp(p, key, klen) == 0 && p[klen] == '=' && p[klen + 1] == '"';
		const char *q = strchr(p, '"');

		if (!q)
			return false;
		for (q++; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
			if (match && n + 1 < len)
				out[n++] = *q == 'n' && q[-1] == '\\' ? '\n' : *q;
		}
		if (match) {
			out[n] = '\0';
			return true;
		}
		p = *q ? q + 1 : q;
		if (*p == ',')
			p++;
	}
	return false;
}

static const sample_t *find(const samples_t *s, const char *name, const sample_t *after)
{
	size_t i = after ? (size_t)(after - s->v) + 1 : 0;

	for (; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

static double value_of(const samples_t *s, const char *name, double dflt)
{
	const sample_t *x = find(s, name, NULL);
	return x ? x->value : dflt;
}

static void print_label_of(const samples_t *s, const char *name, const char *key, const char *dflt)
{
	char v[512];
	const sample_t *x = find(s, name, NULL);

	fputs(x && label(x->labels, key, v, sizeof v) ? v : dflt, stdout);
}

/* "table: c 10, u 2" lines for a family labelled table and op. */
static void print_per_table(const samples_t *s, const char *name)
{
	char done[64][256];
	size_t ndone = 0;
	bool any = false;

	for (const sample_t *x = find(s, name, NULL); x; x = find(s, name, x)) {
		char table[256], t2[256], op[16];
		bool seen = false;

		if (!label(x->labels, "table", table, sizeof table))
			continue;
		for (size_t i = 0; i < ndone && !seen; i++)
			seen = strcmp(done[i], table) == 0;
		if (seen || ndone == 64)
			continue;
		snprintf(done[ndone++], sizeof done[0], "%s", table);
		printf("    %-36s", table[0] ? table : "(messages)");
		for (const sample_t *y = x; y; y = find(s, name, y))
			if (label(y->labels, "table", t2, sizeof t2) && strcmp(t2, table) == 0 &&
			    label(y->labels, "op", op, sizeof op))
				printf(" %s %.0f", op, y->value);
		putchar('\n');
		any = true;
	}
	if (!any)
		printf("    (none yet)\n");
}

static void print_summary(const samples_t *s, const char *where, long ready_status, const char *ready_body)
{
	double lat_n = value_of(s, "rowcast_delivery_latency_seconds_count", 0);
	double rss = value_of(s, "process_resident_memory_bytes", -1);
	double restarts = 0;
	const char *why;

	printf("rowcast ");
	print_label_of(s, "rowcast_build_info", "version", "?");
	printf(" at %s\n", where);
	printf("  state               ");
	print_label_of(s, "rowcast_state", "state", "?");
	if (find(s, "rowcast_capture_phase", NULL)) {
		printf(" (capture: ");
		print_label_of(s, "rowcast_capture_phase", "phase", "?");
		putchar(')');
	}
	putchar('\n');
	printf("  ready               ");
	if (ready_status == 200) {
		printf("yes\n");
	} else if ((why = ready_body ? strstr(ready_body, "\"reason\":\"") : NULL)) {
		why += 10;
		printf("NO: %.*s\n", (int)strcspn(why, "\""), why);
	} else {
		printf("NO (HTTP %ld)\n", ready_status);
	}
	printf("  confirmed position  ");
	print_label_of(s, "rowcast_confirmed_position_info", "position", "(none yet)");
	printf(" (moved %.1f s ago)\n", value_of(s, "rowcast_confirmed_position_age_seconds", 0));
	printf("  lag                 ");
	if (find(s, "rowcast_streaming_lag_seconds", NULL))
		printf("%.3f s behind the source's commit time",
		       value_of(s, "rowcast_streaming_lag_seconds", 0));
	else
		printf("no commit read yet");
	if (find(s, "rowcast_source_lag_bytes", NULL))
		printf(", %.0f bytes of the source's log", value_of(s, "rowcast_source_lag_bytes", 0));
	putchar('\n');
	printf("  events read\n");
	print_per_table(s, "rowcast_events_total");
	printf("  events published\n");
	print_per_table(s, "rowcast_events_published_total");
	printf("  records             %.0f produced, %.0f acknowledged, %.0f failed, %.0f in flight (oldest "
	       "waiting %.1f s)\n",
	       value_of(s, "rowcast_records_produced_total", 0),
	       value_of(s, "rowcast_records_acknowledged_total", 0),
	       value_of(s, "rowcast_records_failed_total", 0), value_of(s, "rowcast_records_in_flight", 0),
	       value_of(s, "rowcast_in_flight_oldest_wait_seconds", 0));
	if (find(s, "rowcast_queue_events", NULL))
		printf("  Kafka queue         %.0f records, %.0f bytes\n",
		       value_of(s, "rowcast_queue_events", 0), value_of(s, "rowcast_queue_bytes", 0));
	if (lat_n > 0)
		printf("  delivery latency    mean %.3f s over %.0f records\n",
		       value_of(s, "rowcast_delivery_latency_seconds_sum", 0) / lat_n, lat_n);
	if (find(s, "rowcast_snapshot_rows_total", NULL)) {
		printf("  snapshot%s\n", value_of(s, "rowcast_snapshot_running", 0) > 0 ? " (running)" : "");
		for (const sample_t *x = find(s, "rowcast_snapshot_rows_total", NULL); x;
		     x = find(s, "rowcast_snapshot_rows_total", x)) {
			char table[256], t2[256];
			double est = -1;

			if (!label(x->labels, "table", table, sizeof table))
				continue;
			for (const sample_t *y = find(s, "rowcast_snapshot_rows_estimated", NULL); y;
			     y = find(s, "rowcast_snapshot_rows_estimated", y))
				if (label(y->labels, "table", t2, sizeof t2) && strcmp(t2, table) == 0)
					est = y->value;
			if (est >= 0)
				printf("    %-36s %.0f of ~%.0f rows\n", table, x->value, est);
			else
				printf("    %-36s %.0f rows (no estimate)\n", table, x->value);
		}
	}
	printf("  restarts           ");
	for (const sample_t *x = find(s, "rowcast_restarts_total", NULL); x;
	     x = find(s, "rowcast_restarts_total", x)) {
		char cause[64];
		if (label(x->labels, "cause", cause, sizeof cause))
			printf(" %s %.0f", cause, x->value);
		restarts += x->value;
	}
	printf(" (total %.0f)\n", restarts);
	if (find(s, "rowcast_schema_registry_requests_total", NULL))
		printf("  schema registry     %.0f requests, %.0f errors\n",
		       value_of(s, "rowcast_schema_registry_requests_total", 0),
		       value_of(s, "rowcast_schema_registry_errors_total", 0));
	printf("  process             RSS %.1f MiB, CPU %.2f s\n", rss >= 0 ? rss / 1048576.0 : 0,
	       value_of(s, "process_cpu_seconds_total", 0));
}

int rc_cmd_status(const rc_conf_t *conf)
{
	long long port = rc_conf_get_int(conf, "http.port", 0);
	const char *host = rc_conf_get(conf, "http.host");
	char where[300], url[400], err[CURL_ERROR_SIZE + 64] = "";
	rc_buf_t metrics, ready;
	samples_t s = {0};
	long status, ready_status;
	int rc = 1;

	if (port <= 0) {
		fprintf(stderr, "rowcast status: http.port is 0 (off): set http.port for the running rowcast "
		                "and here\n");
		return 1;
	}
	if (!host || strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1"; /* listening everywhere: ask it here */
	snprintf(where, sizeof where, "%s:%lld", host, port);
	rc_buf_init(&metrics, MAX_BODY);
	rc_buf_init(&ready, 65536);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(url, sizeof url, "http://%s/metrics", where);
	status = fetch(url, &metrics, err, sizeof err);
	if (status == 0) {
		fprintf(
		    stderr,
		    "rowcast status: nothing answers on %s (is rowcast running with http.port %lld?): %s\n",
		    where, port, err);
		goto out;
	}
	if (status != 200 || rc_buf_failed(&metrics)) {
		fprintf(stderr, "rowcast status: %s answered HTTP %ld\n", url, status);
		goto out;
	}
	if (parse((const char *)metrics.data, &s) != 0) {
		fprintf(stderr, "rowcast status: %s: not the Prometheus text format rowcast writes\n", url);
		goto out;
	}
	snprintf(url, sizeof url, "http://%s/readyz", where);
	ready_status = fetch(url, &ready, err, sizeof err);
	print_summary(&s, where, ready_status, ready.data ? (const char *)ready.data : NULL);
	rc = 0;
out:
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].name);
		free(s.v[i].labels);
	}
	free(s.v);
	rc_buf_free(&metrics);
	rc_buf_free(&ready);
	curl_global_cleanup();
	return rc;
}

int rc_cmd_status_healthz(const rc_conf_t *conf)
{
	long long port = rc_conf_get_int(conf, "http.port", 0);
	const char *host = rc_conf_get(conf, "http.host");
	char url[400], err[CURL_ERROR_SIZE + 64] = "";
	rc_buf_t body;
	long status;

	/* A probe: silent when healthy (a HEALTHCHECK keeps its output), one line on stderr when not. */
	if (port <= 0) {
		fprintf(stderr, "rowcast status --healthz: http.port is 0 (off): nothing to ask\n");
		return 1;
	}
	if (!host || strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	snprintf(url, sizeof url, "http://%s:%lld/healthz", host, port);
	rc_buf_init(&body, 65536);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	status = fetch(url, &body, err, sizeof err);
	if (status == 0)
		fprintf(stderr, "rowcast status --healthz: nothing answers on %s: %s\n", url, err);
	else if (status != 200)
		fprintf(stderr, "rowcast status --healthz: %s answered HTTP %ld: %s\n", url, status,
		        body.data ? (const char *)body.data : "");
	rc_buf_free(&body);
	curl_global_cleanup();
	return status == 200 ? 0 : 1;
}
