/* The sinks' descriptors (rc_sink_ops_t.fd): readable once a delivery report waits, so that a loop
 * waits on it instead of polling at intervals, and poll then delivers. Kafka runs against
 * librdkafka's mock cluster (test.mock.num.brokers): no broker needed. Also: a new topic's
 * metadata wait is bounded, and ends at a stop request. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/clock.h"
#include "agent/conf.h"
#include "agent/errors.h"
#include "agent/loop.h"
#include "agent/signals.h"
#include "sinks/kafka_sink.h"
#include "sinks/stdout_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct acks {
	int ok, failed;
	void *last;
} acks_t;

static void on_ack(void *ticket, bool ok, const char *why, void *opaque)
{
	acks_t *a = opaque;

	(void)why;
	if (ok)
		a->ok++;
	else
		a->failed++;
	a->last = ticket;
}

static bool readable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void test_stdout_fd(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	acks_t acks = {0};
	rc_sink_t *sink = rc_stdout_sink_new(out, on_ack, &acks);
	rc_record_t rec = {"t", "k", 1, "{\"v\":1}\n", 8, NULL, 0};
	char err[256];
	int ticket[3], fd;
	(void)state;

	assert_non_null(sink);
	fd = sink->ops->fd(sink);
	assert_true(fd >= 0);
	assert_false(readable(fd));
	assert_int_equal(sink->ops->publish(sink, &rec, &ticket[0], err, sizeof err), RC_OK);
	assert_true(readable(fd));
	assert_int_equal(sink->ops->publish(sink, &rec, &ticket[1], err, sizeof err), RC_OK);
	assert_int_equal(acks.ok, 0); /* handed out at the next poll, as Kafka's */
	assert_int_equal(sink->ops->poll(sink, 0), 2);
	assert_int_equal(acks.ok, 2);
	assert_ptr_equal(acks.last, &ticket[1]);
	assert_false(readable(fd));
	assert_int_equal(sink->ops->poll(sink, 0), 0);

	/* Undelivered at free: reported failed. */
	assert_int_equal(sink->ops->publish(sink, &rec, &ticket[2], err, sizeof err), RC_OK);
	assert_true(readable(fd));
	sink->ops->free(sink);
	assert_int_equal(acks.failed, 1);
	fclose(out);
	assert_string_equal(text, "{\"v\":1}\n{\"v\":1}\n{\"v\":1}\n");
	free(text);
}

static rc_conf_t *kafka_conf(const char *key, const char *value)
{
	rc_conf_t *conf = rc_conf_new();
	char err[512];

	assert_non_null(conf);
	assert_int_equal(rc_conf_set(conf, key, value, RC_CONF_CLI, "test", err, sizeof err), 0);
	assert_int_equal(rc_conf_set(conf, "kafka.log_level", "2", RC_CONF_CLI, "test", err, sizeof err), 0);
	return conf;
}

static void serve_sink(rc_loop_t *loop, int fd, int ready, void *opaque)
{
	rc_sink_t *sink = opaque;

	(void)loop;
	(void)fd;
	(void)ready;
	sink->ops->poll(sink, 0);
}

static void test_kafka_fd_mock_cluster(void **state)
{
	rc_conf_t *conf = kafka_conf("kafka.test.mock.num.brokers", "1");
	rc_loop_t *loop = rc_loop_new();
	acks_t acks = {0};
	char err[1024];
	rc_sink_t *sink = rc_kafka_sink_new(conf, on_ack, &acks, err, sizeof err);
	rc_record_t rec = {"rowcast_test_fd", "k", 1, "v", 1, NULL, 0};
	int64_t give_up = rc_clock_ms() + 20000;
	int ticket, wakes = 0;
	(void)state;

	assert_non_null(sink);
	assert_true(sink->ops->fd(sink) >= 0);
	assert_int_equal(rc_loop_add_fd(loop, sink->ops->fd(sink), RC_LOOP_READABLE, serve_sink, sink),
	                 RC_OK);
	assert_int_equal(sink->ops->publish(sink, &rec, &ticket, err, sizeof err), RC_OK);
	/* The loop sleeps until the descriptor says a report waits: no polling at intervals. */
	while (acks.ok + acks.failed == 0) {
		int64_t left = give_up - rc_clock_ms();
		assert_true(left > 0);
		if (rc_loop_run_once(loop, (int)left) > 0)
			wakes++;
	}
	assert_int_equal(acks.ok, 1);
	assert_ptr_equal(acks.last, &ticket);
	assert_true(wakes >= 1);
	assert_int_equal(sink->ops->inflight(sink), 0);
	rc_loop_free(loop);
	sink->ops->free(sink);
	rc_conf_free(conf);
}

/* A loopback port where nobody listens. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static rc_sink_t *unreachable_sink(rc_conf_t **conf, acks_t *acks)
{
	char servers[64], err[1024];
	rc_sink_t *sink;

	snprintf(servers, sizeof servers, "127.0.0.1:%d", closed_port());
	*conf = kafka_conf("kafka.bootstrap.servers", servers);
	sink = rc_kafka_sink_new(*conf, on_ack, acks, err, sizeof err);
	assert_non_null(sink);
	return sink;
}

static int64_t publish_ms(rc_sink_t *sink, const char *topic)
{
	rc_record_t rec = {topic, "k", 1, "v", 1, NULL, 0};
	char err[1024];
	int64_t t0 = rc_clock_ms();
	static int ticket;

	assert_int_equal(sink->ops->publish(sink, &rec, &ticket, err, sizeof err), RC_OK);
	return rc_clock_ms() - t0;
}

static void test_kafka_warm_topic_bounded(void **state)
{
	rc_conf_t *conf;
	acks_t acks = {0};
	rc_sink_t *sink = unreachable_sink(&conf, &acks);
	int64_t first;
	(void)state;

	/* No broker: a new topic's metadata wait (its 2 s budget) is the warmer thread's, so no publish
	 * waits for it, the first included; and freeing the sink ends the warmer within a slice. */
	first = publish_ms(sink, "t1");
	assert_true(first < 500);
	assert_true(publish_ms(sink, "t2") < 500);
	assert_true(publish_ms(sink, "t1") < 100);
	first = rc_clock_ms();
	sink->ops->free(sink);
	assert_true(rc_clock_ms() - first < 3000);
	assert_int_equal(acks.failed, 3); /* purged */
	rc_conf_free(conf);
}

static void *raise_later(void *opaque)
{
	(void)opaque;
	usleep(200 * 1000);
	raise(SIGTERM);
	return NULL;
}

static void test_kafka_warm_topic_stops(void **state)
{
	rc_conf_t *conf;
	acks_t acks = {0};
	rc_sink_t *sink = unreachable_sink(&conf, &acks);
	pthread_t thread;
	int64_t took;
	(void)state;

	assert_int_equal(rc_signals_install(), RC_OK);
	assert_int_equal(pthread_create(&thread, NULL, raise_later, NULL), 0);
	took = publish_ms(sink, "t1");
	pthread_join(thread, NULL);
	assert_true(rc_stop_requested());
	assert_true(took < 1000); /* 200 ms, then at most one short metadata call */
	rc_signals_reset();
	sink->ops->free(sink);
	rc_conf_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stdout_fd),
	    cmocka_unit_test(test_kafka_fd_mock_cluster),
	    cmocka_unit_test(test_kafka_warm_topic_bounded),
	    cmocka_unit_test(test_kafka_warm_topic_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
