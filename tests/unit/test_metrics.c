/* The Prometheus text exposition writer (agent/metrics.h): label escaping, cumulative histogram
 * buckets, one HELP and TYPE per family, registered counters and collectors. The integration test
 * metrics_health.sh parses a live /metrics with prometheus_client's parser. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/health.h"
#include "agent/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *text(rc_buf_t *b)
{
	rc_buf_putc(b, '\0');
	return (char *)b->data;
}

static void test_label_escaping(void **state)
{
	char out[128];

	(void)state;
	rc_prom_labels(out, sizeof out, "table", "a\"b\\c\nd", "op", "c", NULL);
	assert_string_equal(out, "table=\"a\\\"b\\\\c\\nd\",op=\"c\"");
	rc_prom_labels(out, sizeof out, "table", "", NULL);
	assert_string_equal(out, "table=\"\"");
	rc_prom_labels(out, sizeof out, NULL);
	assert_string_equal(out, "");
	/* Truncation never leaves an unterminated string behind. */
	rc_prom_labels(out, 12, "table", "a very long table name", NULL);
	assert_true(strlen(out) < 12);
}

static void test_samples(void **state)
{
	rc_buf_t b;
	char labels[64];

	(void)state;
	rc_buf_init(&b, 0);
	rc_prom_family(&b, "rowcast_x_total", "counter", "Things\\counted\nhere.");
	rc_prom_labels(labels, sizeof labels, "op", "c", NULL);
	rc_prom_sample(&b, "rowcast_x_total", labels, 42);
	rc_prom_sample(&b, "rowcast_x_total", NULL, 0.5);
	rc_prom_sample(&b, "rowcast_x_total", "", 1e20);
	assert_string_equal(text(&b), "# HELP rowcast_x_total Things\\\\counted\\nhere.\n"
	                              "# TYPE rowcast_x_total counter\n"
	                              "rowcast_x_total{op=\"c\"} 42\n"
	                              "rowcast_x_total 0.5\n"
	                              "rowcast_x_total 1e+20\n");
	rc_buf_free(&b);
}

static void test_histogram_cumulative(void **state)
{
	static const double bounds[] = {0.1, 1, 10};
	rc_histogram_t h;
	rc_buf_t b;

	(void)state;
	rc_hist_init(&h, bounds, 3);
	rc_hist_observe(&h, 0.05);
	rc_hist_observe(&h, 0.1); /* le is inclusive */
	rc_hist_observe(&h, 0.5);
	rc_hist_observe(&h, 20);
	rc_hist_observe(&h, 20);
	rc_buf_init(&b, 0);
	rc_prom_histogram(&b, "rowcast_lat_seconds", "Latency.", &h);
	assert_string_equal(text(&b), "# HELP rowcast_lat_seconds Latency.\n"
	                              "# TYPE rowcast_lat_seconds histogram\n"
	                              "rowcast_lat_seconds_bucket{le=\"0.1\"} 2\n"
	                              "rowcast_lat_seconds_bucket{le=\"1\"} 3\n"
	                              "rowcast_lat_seconds_bucket{le=\"10\"} 3\n"
	                              "rowcast_lat_seconds_bucket{le=\"+Inf\"} 5\n"
	                              "rowcast_lat_seconds_sum 40.65\n"
	                              "rowcast_lat_seconds_count 5\n");
	rc_buf_free(&b);
}

static int collected;
static void collect(rc_buf_t *b, void *opaque)
{
	collected++;
	rc_prom_single(b, "rowcast_collected", "gauge", "From a collector.", (double)(intptr_t)opaque);
}

static rc_metric_t m_a = {
    .name = "rowcast_reg_total", .type = RC_METRIC_COUNTER, .help = "Registered.", .labels = "code=\"a\""};
static rc_metric_t m_b = {
    .name = "rowcast_reg_total", .type = RC_METRIC_COUNTER, .help = "Registered.", .labels = "code=\"b\""};

/* Every non-comment line is a sample of the family whose TYPE came last, and no family's
 * HELP/TYPE appears twice. */
static void check_structure(const char *t)
{
	char family[128] = "", seen[64][128];
	int nseen = 0;

	for (const char *line = t; *line;) {
		const char *end = strchr(line, '\n');
		char name[128];

		assert_non_null(end);
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			for (int i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], family);
			snprintf(seen[nseen++], sizeof seen[0], "%s", family);
		} else if (line[0] != '#') {
			size_t n = strcspn(line, "{ ");
			assert_true(n < sizeof name);
			memcpy(name, line, n);
			name[n] = '\0';
			assert_true(strncmp(name, family, strlen(family)) == 0); /* _bucket, _sum, _count */
			assert_true(strchr(line, ' ') && strchr(line, ' ') < end);
		}
		line = end + 1;
	}
}

static void test_registry_and_collectors(void **state)
{
	rc_buf_t b;
	char *t;

	(void)state;
	rc_metric_register(&m_a);
	rc_metric_register(&m_b);
	rc_metric_register(&m_a); /* idempotent */
	rc_metric_add(&m_a, 3);
	rc_metric_add(&m_b, 1);
	assert_int_equal(rc_metrics_add_collector(collect, (void *)(intptr_t)7), 0);
	rc_buf_init(&b, 0);
	rc_metrics_write(&b);
	t = text(&b);
	assert_non_null(strstr(t, "# TYPE rowcast_reg_total counter\nrowcast_reg_total{code=\"a\"} 3\n"
	                          "rowcast_reg_total{code=\"b\"} 1\n"));
	assert_non_null(strstr(t, "rowcast_collected 7\n"));
	assert_non_null(strstr(t, "# TYPE process_resident_memory_bytes gauge\n"));
	assert_non_null(strstr(t, "# TYPE process_cpu_seconds_total counter\n"));
	assert_non_null(strstr(t, "rowcast_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
	check_structure(t);
	assert_int_equal(collected, 1);

	rc_metrics_remove_collector(collect, (void *)(intptr_t)7);
	rc_buf_reset(&b);
	rc_metrics_write(&b);
	assert_null(strstr(text(&b), "rowcast_collected"));
	assert_int_equal(collected, 1);
	rc_buf_free(&b);
}

/* The readiness rules (agent/health.h), on numbers. */
static void test_readiness_rules(void **state)
{
	rc_health_in_t in = {.streaming = true, .stall_limit_ms = 3000};
	char why[256];
	rc_buf_t b;

	(void)state;
	assert_true(rc_health_ready(&in, why, sizeof why));
	in.streaming = false;
	assert_false(rc_health_ready(&in, why, sizeof why));
	assert_non_null(strstr(why, "not connected"));
	in.streaming = true;
	in.snapshot_running = true;
	assert_false(rc_health_ready(&in, why, sizeof why));
	assert_non_null(strstr(why, "snapshot"));
	in.snapshot_running = false;
	/* Records in flight: stalled only once the oldest waited the limit. */
	in.inflight = 5;
	in.stalled_ms = 2999;
	assert_true(rc_health_ready(&in, why, sizeof why));
	in.stalled_ms = 3000;
	assert_false(rc_health_ready(&in, why, sizeof why));
	assert_non_null(strstr(why, "5 records unacknowledged"));
	in.inflight = 0;
	in.stalled_ms = 0;
	/* A confirmed position long unmoved on a quiet server is no stall... */
	in.confirmed_age_ms = 600000;
	assert_true(rc_health_ready(&in, why, sizeof why));
	/* ...nor a server that just began to write again; one that grows for the limit is. */
	in.server_grew = true;
	in.grown_for_ms = 100;
	assert_true(rc_health_ready(&in, why, sizeof why));
	in.grown_for_ms = 3000;
	assert_false(rc_health_ready(&in, why, sizeof why));
	assert_non_null(strstr(why, "server's position has grown"));

	rc_buf_init(&b, 0);
	rc_health_body(&b, "pipeline", false, "a \"quoted\" reason");
	assert_string_equal(text(&b), "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"pipeline\",\"status\":"
	                              "\"DOWN\",\"data\":{\"reason\":\"a \\\"quoted\\\" reason\"}}]}\n");
	rc_buf_reset(&b);
	rc_health_body(&b, "loop", true, NULL);
	assert_string_equal(text(&b),
	                    "{\"status\":\"UP\",\"checks\":[{\"name\":\"loop\",\"status\":\"UP\"}]}\n");
	rc_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_escaping),       cmocka_unit_test(test_samples),
	    cmocka_unit_test(test_histogram_cumulative), cmocka_unit_test(test_registry_and_collectors),
	    cmocka_unit_test(test_readiness_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
