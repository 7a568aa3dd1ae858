/*
 * kafka_roundtrip BOOTSTRAP TOPIC N: produces N keyed messages with librdkafka (idempotent, acks=all),
 * waits for every delivery report, then consumes the topic from the beginning and checks that each
 * message came back once with its key and value. Exit 0 on success, 1 with a message otherwise.
 */
#include "config.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int delivered, delivery_errors;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err) {
		fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
		delivery_errors++;
	} else {
		delivered++;
	}
}

static rd_kafka_conf_t *conf_with(const char *bootstrap, const char *const *kv)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char err[256];

	if (rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	for (; kv && kv[0]; kv += 2) {
		if (rd_kafka_conf_set(c, kv[0], kv[1], err, sizeof err) != RD_KAFKA_CONF_OK) {
			fprintf(stderr, "%s: %s\n", kv[0], err);
			exit(1);
		}
	}
	return c;
}

static int produce(const char *bootstrap, const char *topic, int n)
{
	static const char *const kv[] = {"enable.idempotence", "true", "acks", "all", NULL};
	rd_kafka_conf_t *c = conf_with(bootstrap, kv);
	char err[256];
	rd_kafka_t *rk;

	rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "producer: %s\n", err);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char key[32], val[64];
		snprintf(key, sizeof key, "k%d", i);
		snprintf(val, sizeof val, "value-%d-\xc3\xa9", i);
		while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
		                         RD_KAFKA_V_VALUE(val, strlen(val)),
		                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                         RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 100);
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 30000);
	rd_kafka_destroy(rk);
	if (delivered != n || delivery_errors) {
		fprintf(stderr, "delivered %d of %d (%d errors)\n", delivered, n, delivery_errors);
		return -1;
	}
	return 0;
}

static int consume(const char *bootstrap, const char *topic, int n)
{
	static const char *const kv[] = {"group.id", "rowcast-roundtrip",  "auto.offset.reset",
	                                 "earliest", "enable.auto.commit", "false",
	                                 NULL};
	rd_kafka_conf_t *c = conf_with(bootstrap, kv);
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
	char *seen = calloc((size_t)n, 1), err[256];
	int got = 0, bad = 0;
	time_t deadline = time(NULL) + 60;
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);

	if (!rk || !seen) {
		fprintf(stderr, "consumer: %s\n", err);
		return -1;
	}
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	while (got < n && time(NULL) < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
		char key[32], want[64];
		int i;

		if (!m)
			continue;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		snprintf(key, sizeof key, "%.*s", (int)m->key_len, (const char *)m->key);
		i = atoi(key + 1);
		snprintf(want, sizeof want, "value-%d-\xc3\xa9", i);
		if (key[0] != 'k' || i < 0 || i >= n || seen[i] || m->len != strlen(want) ||
		    memcmp(m->payload, want, m->len) != 0)
			bad++;
		else
			seen[i] = 1;
		got++;
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	free(seen);
	if (got != n || bad) {
		fprintf(stderr, "consumed %d of %d, %d wrong\n", got, n, bad);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: kafka_roundtrip BOOTSTRAP TOPIC N\n");
		return 2;
	}
	if (produce(argv[1], argv[2], atoi(argv[3])) != 0 || consume(argv[1], argv[2], atoi(argv[3])) != 0)
		return 1;
	return 0;
}
