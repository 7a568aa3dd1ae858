/*
 * kafka_floor: what librdkafka alone costs to publish rowcast's own records, with rowcast's own
 * producer settings: the floor under rowcast's CPU per event, since every event becomes one Kafka
 * record and rowcast cannot spend less than the library it hands them to.
 *
 * It reads every record of a topic rowcast wrote (keys, values and headers, exactly as they are in
 * Kafka) into memory, closes the consumer, then publishes them all again to another topic through a
 * producer configured as rowcast's Kafka sink configures its own (sinks/kafka_conf.c: the defaults,
 * then every kafka.* property given on the command line or in ROWCAST_TEST_FLOOR_PROPS), and waits
 * until the last one is acknowledged. Only that second phase is measured: CPU of the whole process
 * (every librdkafka thread) from getrusage, wall time, records/s.
 *
 * Usage: bench/kafka_floor BOOTSTRAP FROM-TOPIC TO-TOPIC COUNT [kafka.name=value ...]
 * Prints one line: records=N seconds=S cpu_s=C peak_rss_kib=K (bench/pg_stream_bench.sh turns it
 * into its JSON). Exit 1 on any error (named on stderr).
 */
#include "config.h"

#include "agent/conf.h"
#include "sinks/kafka_conf.h"

#include <librdkafka/rdkafka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct record {
	void *key, *value;
	size_t keylen, vallen;
	rd_kafka_headers_t *hdrs; /* owned until produced: rd_kafka_producev takes it on success */
} record_t;

typedef struct delivery {
	int64_t acked;
	int64_t failed;
	char first_error[256];
} delivery_t;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(long *peak_kib)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (peak_kib)
		*peak_kib = ru.ru_maxrss;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static void *copy_bytes(const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);

	if (c && n)
		memcpy(c, p, n);
	return c;
}

/* Reads count records of topic (partition 0, from the beginning) into recs. Returns 0 or -1. */
static int read_records(const char *bootstrap, const char *topic, record_t *recs, int64_t count)
{
	char err[512];
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *parts;
	int64_t n = 0;
	double deadline = now_s() + 120;

	if (rd_kafka_conf_set(kc, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(kc, "group.id", "rowcast-kafka-floor", err, sizeof err) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(kc, "enable.auto.commit", "false", err, sizeof err) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "kafka_floor: consumer configuration: %s\n", err);
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "kafka_floor: consumer: %s\n", err);
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	while (n < count && now_s() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
		rd_kafka_headers_t *h = NULL;

		if (!m)
			continue;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "kafka_floor: reading %s: %s\n", topic,
				        rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		recs[n].key = copy_bytes(m->key, m->key_len);
		recs[n].keylen = m->key_len;
		recs[n].value = copy_bytes(m->payload, m->len);
		recs[n].vallen = m->len;
		if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h)
			recs[n].hdrs = rd_kafka_headers_copy(h);
		rd_kafka_message_destroy(m);
		if (!recs[n].key || !recs[n].value) {
			fprintf(stderr, "kafka_floor: out of memory after %" PRId64 " records\n", n);
			break;
		}
		n++;
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	if (n < count) {
		fprintf(stderr, "kafka_floor: %s held %" PRId64 " records in 120 s, %" PRId64 " expected\n",
		        topic, n, count);
		return -1;
	}
	return 0;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	delivery_t *d = opaque;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		d->acked++;
		return;
	}
	if (d->failed++ == 0)
		snprintf(d->first_error, sizeof d->first_error, "%s", rd_kafka_err2str(m->err));
}

/* rowcast's producer configuration (the sink's defaults, then the kafka.* properties given). */
static rd_kafka_conf_t *producer_conf(const char *bootstrap, char **props, int nprops, delivery_t *d)
{
	char err[512];
	rc_conf_t *conf = rc_conf_new();
	rd_kafka_conf_t *kc = NULL;
	const char *env = getenv("ROWCAST_TEST_FLOOR_PROPS");

	if (!conf)
		return NULL;
	if (rc_conf_set(conf, "kafka.bootstrap.servers", bootstrap, RC_CONF_CLI, "argv", err, sizeof err) !=
	    0)
		goto fail;
	for (int i = 0; i < nprops; i++)
		if (rc_conf_set_arg(conf, props[i], err, sizeof err) != 0)
			goto fail;
	if (env && *env &&
	    rc_conf_load_properties(conf, env, "ROWCAST_TEST_FLOOR_PROPS", err, sizeof err) != 0)
		goto fail;
	kc = rc_kafka_conf_new(conf, err, sizeof err);
	if (!kc)
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	rd_kafka_conf_set_opaque(kc, d);
	rc_conf_free(conf);
	return kc;
fail:
	fprintf(stderr, "kafka_floor: producer configuration: %s\n", err);
	rc_conf_free(conf);
	return NULL;
}

int main(int argc, char **argv)
{
	char err[512];
	delivery_t d = {0};
	record_t *recs;
	rd_kafka_conf_t *kc;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	int64_t count, sent = 0;
	double t0, c0, seconds, cpu;
	long peak_kib = 0;
	int status = 1;

	if (argc < 5 || (count = strtoll(argv[4], NULL, 10)) <= 0) {
		fprintf(stderr,
		        "usage: kafka_floor BOOTSTRAP FROM-TOPIC TO-TOPIC COUNT [kafka.name=value ...]\n");
		return 2;
	}
	recs = calloc((size_t)count, sizeof *recs);
	if (!recs) {
		fprintf(stderr, "kafka_floor: out of memory for %" PRId64 " records\n", count);
		return 1;
	}
	if (read_records(argv[1], argv[2], recs, count) != 0)
		goto out;
	kc = producer_conf(argv[1], argv + 5, argc - 5, &d);
	if (!kc)
		goto out;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "kafka_floor: producer: %s\n", err);
		rd_kafka_conf_destroy(kc);
		goto out;
	}
	/* One kept topic handle, as the sink keeps its own (a lookup per record would cost the floor). */
	rkt = rd_kafka_topic_new(rk, argv[3], NULL);
	t0 = now_s();
	c0 = cpu_s(NULL);
	while (sent < count) {
		record_t *r = &recs[sent];
		rd_kafka_resp_err_t e;

		if (r->hdrs)
			e = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(r->key, r->keylen),
			                      RD_KAFKA_V_VALUE(r->value, r->vallen),
			                      RD_KAFKA_V_HEADERS(r->hdrs),
			                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		else
			e = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(r->key, r->keylen),
			                      RD_KAFKA_V_VALUE(r->value, r->vallen),
			                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk, 10);
			continue;
		}
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "kafka_floor: produce to %s: %s\n", argv[3], rd_kafka_err2str(e));
			break;
		}
		r->hdrs = NULL; /* librdkafka owns them now */
		sent++;
		rd_kafka_poll(rk, 0);
	}
	while (d.acked + d.failed < sent && rd_kafka_outq_len(rk) > 0)
		rd_kafka_poll(rk, 50);
	seconds = now_s() - t0;
	cpu = cpu_s(&peak_kib) - c0;
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	if (sent == count && d.failed == 0 && d.acked == count) {
		printf("records=%" PRId64 " seconds=%.3f cpu_s=%.3f peak_rss_kib=%ld\n", count, seconds, cpu,
		       peak_kib);
		status = 0;
	} else {
		fprintf(stderr,
		        "kafka_floor: %" PRId64 " of %" PRId64 " acknowledged, %" PRId64 " failed (%s)\n",
		        d.acked, count, d.failed, d.failed ? d.first_error : "not sent");
	}
out:
	for (int64_t i = 0; i < count; i++) {
		free(recs[i].key);
		free(recs[i].value);
		if (recs[i].hdrs)
			rd_kafka_headers_destroy(recs[i].hdrs);
	}
	free(recs);
	return status;
}
