/*
 * The Kafka offset store (sinks/offsets_kafka.h).
 *
 * Opening, in this order, each step bounded by offset.storage.timeout.ms in all:
 *   1. the topic: created when missing (cleanup.policy=compact); an existing one must be compacted;
 *   2. a first read of every partition, from the beginning to its high watermark (watermarks first:
 *      an empty partition is not waited for): the last record under our key says whose the key is,
 *      and a record of another connector is refused before anything is fenced, so a misconfigured
 *      instance cannot stop a healthy one;
 *   3. init_transactions: fences every older instance of this connector (and aborts a transaction a
 *      killed one left open, so a restart after kill -9 does not wait);
 *   4. a second read: what the fenced instance wrote up to step 3 is the record.
 * A partition not read to its end in time is an error naming the topic, never an empty history.
 *
 * Both reads are read_uncommitted. read_committed stops at the last stable offset: a transaction that
 * another connector's killed instance left open hides every record after it, ours included, and the
 * read would end early with an older record or none (a silent fresh start). An uncommitted record of
 * ours is safe to resume from: every position this store writes, committed or aborted, is one whose
 * events Kafka has acknowledged, and positions only grow; the source never confirmed more than the
 * last committed one.
 *
 * Each store is one transaction (begin, produce, commit): commit_transaction waits until the record
 * is acknowledged by all in-sync replicas (acks=all, idempotent), bounded by offset.flush.timeout.ms.
 */
#include "config.h"

#include "sinks/offsets_kafka.h"

#include "agent/check_report.h"
#include "agent/clock.h"
#include "agent/errors.h"
#include "agent/log.h"
#include "agent/offset_record.h"
#include "sinks/kafka_conf.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLES 1024 /* store durations kept for the summary at free */
/* A killed instance's open transaction blocks read_committed readers of the topic (none of ours) at
 * most this long. */
#define TXN_TIMEOUT_MS 10000
#define ERROR_LOG_INTERVAL_S 30

typedef struct kafka_store {
	rc_offset_store_t base;
	rd_kafka_t *rk;        /* the transactional producer, for the store's life */
	rd_kafka_topic_t *rkt; /* its handle of the topic, known to it from the start */
	const rc_conf_t *conf; /* borrowed (the command's, outlives the store): to make the producer again */
	char *topic, *key, *txn_id;
	char subject[1024]; /* "offset topic 't', key k" */
	int flush_ms;
	enum { TXN_READY, TXN_COMMITTING, TXN_ABORTING } txn; /* the transaction call due next */
	rc_offset_t current;
	bool found;
	uint32_t samples_us[SAMPLES];
	uint64_t nstores;
	uint32_t max_us;
	time_t last_error_log;
} kafka_store_t;

/* The last record under the key, as a read found it. */
typedef struct last_record {
	bool found, tombstone;
	char *value; /* owned */
	size_t len;
	int32_t partition;
	int64_t offset;
	int64_t ts;       /* its timestamp (ms) */
	uint64_t scanned; /* records read, every key */
} last_record_t;

static void last_record_clear(last_record_t *lr)
{
	free(lr->value);
	memset(lr, 0, sizeof *lr);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - rc_clock_ms();
	return left > 0 ? (int)left : 0;
}

char *rc_offsets_kafka_key(const char *prefix)
{
	json_t *key = json_pack("[s,{s:s}]", prefix, "server", prefix);
	char *text = key ? json_dumps(key, JSON_COMPACT) : NULL;

	json_decref(key);
	return text;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	rc_kafka_log("offsets", level, fac, buf);
}

/* The reading clients live a few seconds at start, and what stops them is reported once, naming the
 * topic: their connection troubles on the way are details. */
static void on_reader_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	rc_log_debug("offsets", "%s: %s", fac, buf);
}

static void on_reader_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	(void)opaque;
	rc_log_debug("offsets", "%s (%s)", reason, rd_kafka_err2name((rd_kafka_resp_err_t)err));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	kafka_store_t *ks = opaque;
	time_t now = time(NULL);

	(void)rk;
	/* Fatal errors (a fenced producer) surface at the next store, which stops the pipeline. */
	if (!ks || now - ks->last_error_log >= ERROR_LOG_INTERVAL_S) {
		rc_log_warn("offsets", "%s (%s)", reason, rd_kafka_err2name((rd_kafka_resp_err_t)err));
		if (ks)
			ks->last_error_log = now;
	}
}

/* Sets each name = value pair on kc; RC_OK or RC_ERR_FATAL naming the setting. */
static int set_all(rd_kafka_conf_t *kc, const char *const (*kv)[2], size_t n, char *err, size_t errlen)
{
	char why[512];

	for (size_t i = 0; i < n; i++)
		if (rd_kafka_conf_set(kc, kv[i][0], kv[i][1], why, sizeof why) != RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "offset store: librdkafka setting %s=%s: %s", kv[i][0],
			         kv[i][1], why);
			return RC_ERR_FATAL;
		}
	return RC_OK;
}

/* A consumer (for reads and the Admin API) with the kafka.* connection settings. */
static rd_kafka_t *reader_new(const rc_conf_t *conf, const char *isolation, char *err, size_t errlen)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	const char *const settings[][2] = {
	    {"client.id", "rowcast-offsets"},
	    {"enable.partition.eof", "true"},
	    {"enable.auto.commit", "false"},
	    {"isolation.level", isolation},
	};
	char why[512];
	rd_kafka_t *rk;

	if (rc_kafka_conf_apply_props(kc, conf, err, errlen) != 0 ||
	    set_all(kc, settings, sizeof settings / sizeof settings[0], err, errlen) != RC_OK) {
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(kc, on_reader_log);
	rd_kafka_conf_set_error_cb(kc, on_reader_error);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, why, sizeof why);
	if (!rk) {
		snprintf(err, errlen, "offset store: cannot create a Kafka consumer: %s", why);
		rd_kafka_conf_destroy(kc);
	}
	return rk;
}

/* Waits for the one result event of an Admin call on q. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, int64_t deadline)
{
	return rd_kafka_queue_poll(q, remaining_ms(deadline) + 1000);
}

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int64_t deadline)
{
	rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, op);
	char why[256];

	rd_kafka_AdminOptions_set_request_timeout(ao, remaining_ms(deadline) + 1, why, sizeof why);
	return ao;
}

/* Creates the topic, compacted; *created tells whether it was missing. */
static int create_topic(rd_kafka_t *rk, const rc_conf_t *conf, const char *topic, int64_t deadline,
                        bool *created, char *err, size_t errlen)
{
	int partitions = (int)rc_conf_get_int(conf, "offset.storage.partitions", 1);
	int rf = (int)rc_conf_get_int(conf, "offset.storage.replication.factor", -1);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *ao = admin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, deadline);
	char why[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, rf, why, sizeof why);
	rd_kafka_event_t *ev = NULL;
	const rd_kafka_topic_result_t **res;
	size_t n = 0;
	int rc = RC_ERR_FATAL;

	*created = false;
	if (!nt) {
		snprintf(err, errlen, "offset topic '%s': %s", topic, why);
		goto out;
	}
	rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
	rd_kafka_AdminOptions_set_operation_timeout(ao, remaining_ms(deadline) + 1, why, sizeof why);
	rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
	ev = admin_wait(q, deadline);
	if (!ev || rd_kafka_event_error(ev)) {
		snprintf(err, errlen,
		         "offset topic '%s': no answer from Kafka at %s to create or find it: %s (check "
		         "kafka.bootstrap.servers and that the brokers are up)",
		         topic, rc_conf_get(conf, "kafka.bootstrap.servers"),
		         ev ? rd_kafka_event_error_string(ev) : "timed out");
		goto out;
	}
	res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
	if (n != 1) {
		snprintf(err, errlen, "offset topic '%s': no result from CreateTopics", topic);
		goto out;
	}
	switch (rd_kafka_topic_result_error(res[0])) {
	case RD_KAFKA_RESP_ERR_NO_ERROR:
		*created = true;
		rc_log_info("offsets",
		            "created offset topic '%s' (%d partition(s), replication factor %s, "
		            "cleanup.policy=compact)",
		            topic, partitions,
		            rf < 0 ? "of the broker"
		                   : rc_conf_get(conf, "offset.storage.replication.factor"));
		/* fall through */
	case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
		rc = RC_OK;
		break;
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
		/* Many clusters let only operators create topics: the read below says if it is missing. */
		rc_log_info("offsets", "not allowed to create offset topic '%s' (%s): using it as it is",
		            topic, rd_kafka_topic_result_error_string(res[0]));
		rc = RC_OK;
		break;
	default:
		snprintf(err, errlen, "cannot create offset topic '%s': %s", topic,
		         rd_kafka_topic_result_error_string(res[0]));
	}
out:
	if (ev)
		rd_kafka_event_destroy(ev);
	if (nt)
		rd_kafka_NewTopic_destroy(nt);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_queue_destroy(q);
	return rc;
}

/*
 * An existing topic must be compacted: on a topic with cleanup.policy=delete Kafka removes a record
 * after retention.ms, and a quiet connector's only record with it; its next start would find nothing
 * and start over. Kafka Connect refuses such an offsets topic for the same reason. Not being allowed
 * to read the topic's configuration is only a warning (restricted clusters): the read still happens.
 */
static int check_compacted(rd_kafka_t *rk, const char *topic, int64_t deadline, char *err, size_t errlen)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *ao = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, deadline);
	rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	rd_kafka_event_t *ev;
	const rd_kafka_ConfigResource_t **res;
	const rd_kafka_ConfigEntry_t **entries;
	const char *policy = NULL;
	size_t n = 0, ne = 0;
	int rc = RC_ERR_FATAL;

	rd_kafka_DescribeConfigs(rk, &cr, 1, ao, q);
	ev = admin_wait(q, deadline);
	if (!ev || rd_kafka_event_error(ev)) {
		snprintf(err, errlen, "offset topic '%s': cannot read its configuration: %s", topic,
		         ev ? rd_kafka_event_error_string(ev) : "timed out");
		goto out;
	}
	res = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
	if (n != 1 || rd_kafka_ConfigResource_error(res[0])) {
		rd_kafka_resp_err_t e =
		    n == 1 ? rd_kafka_ConfigResource_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
		if (e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
		    e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED) {
			rc_log_warn(
			    "offsets",
			    "offset topic '%s': not allowed to read its configuration, so cannot check that "
			    "it is compacted (cleanup.policy=compact): make sure it is",
			    topic);
			rc = RC_OK;
		} else {
			snprintf(err, errlen, "offset topic '%s': cannot read its configuration: %s", topic,
			         n == 1 ? rd_kafka_ConfigResource_error_string(res[0]) : "no result");
		}
		goto out;
	}
	entries = rd_kafka_ConfigResource_configs(res[0], &ne);
	for (size_t i = 0; i < ne; i++)
		if (strcmp(rd_kafka_ConfigEntry_name(entries[i]), "cleanup.policy") == 0)
			policy = rd_kafka_ConfigEntry_value(entries[i]);
	if (policy && strcmp(policy, "compact") == 0) {
		rc = RC_OK;
		goto out;
	}
	snprintf(err, errlen,
	         "offset topic '%s' has cleanup.policy=%s: it must be compact (Kafka deletes the records of "
	         "other topics after retention.ms, a quiet connector's position with them, and its next "
	         "start would find none): set cleanup.policy=compact on the topic, or name another "
	         "offset.storage.topic (rowcast creates it compacted)",
	         topic, policy ? policy : "(unknown)");
out:
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_ConfigResource_destroy(cr);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_queue_destroy(q);
	return rc;
}

/* The topic's partition count, from the metadata. */
static int partition_count(rd_kafka_t *rk, const char *topic, int64_t deadline, int *n,
                           rd_kafka_resp_err_t *code, char *err, size_t errlen)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e;
	int rc = RC_ERR_FATAL;

	if (!rkt) {
		snprintf(err, errlen, "offset topic '%s': %s", topic,
		         rd_kafka_err2str(rd_kafka_last_error()));
		return RC_ERR_FATAL;
	}
	e = rd_kafka_metadata(rk, 0, rkt, &md, remaining_ms(deadline) + 1);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
		e = md->topics[0].err;
	*code = e;
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		snprintf(err, errlen, "offset topic '%s' cannot be read: %s", topic, rd_kafka_err2str(e));
	else if (md->topics[0].partition_cnt < 1)
		snprintf(err, errlen, "offset topic '%s' has no partitions", topic);
	else {
		*n = md->topics[0].partition_cnt;
		rc = RC_OK;
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return rc;
}

/* Errors of a topic's metadata or watermarks that pass in a moment (a topic just created, a leader
 * moving). */
static bool settling(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
	       e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE || e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	       e == RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE || e == RD_KAFKA_RESP_ERR__TRANSPORT ||
	       e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
}

/* Errors of a partition read that waiting will not cure. */
static bool read_error_is_final(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
	       e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
	       e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || e == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
}

/*
 * Reads every partition of topic from its beginning to its end (its high watermark: read_uncommitted,
 * see the top of this file) and keeps the last record under key in *lr. Watermarks first: an empty partition
 * is not waited for. Every partition not at its end by the deadline is an error naming it.
 */
static int read_topic(const rc_conf_t *conf, const char *topic, const char *key, int64_t deadline,
                      last_record_t *lr, char *err, size_t errlen)
{
	rd_kafka_t *rk = reader_new(conf, "read_uncommitted", err, errlen);
	rd_kafka_topic_t *rkt = NULL;
	rd_kafka_queue_t *q = NULL;
	size_t keylen = strlen(key);
	bool *reading = NULL;
	rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
	int nparts = 0, pending = 0, rc = RC_ERR_FATAL;
	char last_error[512] = "";

	last_record_clear(lr);
	if (!rk)
		return RC_ERR_FATAL;
	/* The topic exists (created or found at open): not in the metadata yet is a moment's matter. */
	while (partition_count(rk, topic, deadline, &nparts, &code, err, errlen) != RC_OK)
		if (!settling(code) || remaining_ms(deadline) == 0)
			goto out;
		else
			usleep(100 * 1000);
	reading = calloc((size_t)nparts, sizeof *reading);
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	q = rd_kafka_queue_new(rk);
	if (!reading || !rkt || !q) {
		snprintf(err, errlen, "offset topic '%s': out of memory", topic);
		goto out;
	}
	for (int p = 0; p < nparts; p++) {
		int64_t lo = 0, hi = 0;
		rd_kafka_resp_err_t e;

		/* A topic just created has no leader for a moment: asked again until the deadline. */
		while ((e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi,
		                                             remaining_ms(deadline) + 1)) &&
		       settling(e) && remaining_ms(deadline) > 0)
			usleep(100 * 1000);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen,
			         "offset topic '%s' partition %d cannot be read (its watermarks: %s): the "
			         "recorded position is unknown, so rowcast does not start",
			         topic, p, rd_kafka_err2str(e));
			goto out;
		}
		if (hi <= lo)
			continue;
		if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q) != 0) {
			snprintf(err, errlen, "offset topic '%s' partition %d: %s", topic, p,
			         rd_kafka_err2str(rd_kafka_last_error()));
			goto out;
		}
		reading[p] = true;
		pending++;
	}
	while (pending > 0) {
		rd_kafka_message_t *m;
		int left = remaining_ms(deadline);

		if (left == 0) {
			snprintf(
			    err, errlen,
			    "offset topic '%s': %d partition(s) not read to their end within "
			    "offset.storage.timeout.ms=%s%s%s: the recorded position is unknown, so rowcast "
			    "does not start",
			    topic, pending, rc_conf_get(conf, "offset.storage.timeout.ms"),
			    last_error[0] ? "; last error: " : "", last_error);
			goto out;
		}
		m = rd_kafka_consume_queue(q, left < 500 ? left : 500);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (m->partition >= 0 && m->partition < nparts && reading[m->partition]) {
				rd_kafka_consume_stop(rkt, m->partition);
				reading[m->partition] = false;
				pending--;
			}
		} else if (m->err) {
			snprintf(last_error, sizeof last_error, "%s", rd_kafka_message_errstr(m));
			if (read_error_is_final(m->err)) {
				snprintf(err, errlen, "offset topic '%s' partition %d cannot be read: %s",
				         topic, (int)m->partition, last_error);
				rd_kafka_message_destroy(m);
				goto out;
			}
		} else {
			int64_t ts = rd_kafka_message_timestamp(m, NULL);

			lr->scanned++;
			if (m->key_len == keylen && memcmp(m->key, key, keylen) == 0 && lr->found &&
			    m->partition != lr->partition) {
				/* One producer, one partitioner: the key lives in one partition. Another
				 * partitioner once (kafka.partitioner changed) left it in two, and their
				 * order is not the reading order: the newer record wins. */
				rc_log_warn(
				    "offsets",
				    "offset topic '%s': records under key %s in partitions %d and %d; the "
				    "newer one is used",
				    topic, key, (int)lr->partition, (int)m->partition);
				if (ts < lr->ts) {
					rd_kafka_message_destroy(m);
					continue;
				}
			}
			if (m->key_len == keylen && memcmp(m->key, key, keylen) == 0) {
				lr->ts = ts;
				free(lr->value);
				lr->value = NULL;
				lr->len = m->len;
				lr->found = true;
				lr->tombstone = m->payload == NULL;
				lr->partition = m->partition;
				lr->offset = m->offset;
				if (m->payload && !(lr->value = malloc(m->len ? m->len : 1))) {
					snprintf(err, errlen, "offset topic '%s': out of memory", topic);
					rd_kafka_message_destroy(m);
					goto out;
				}
				if (m->payload)
					memcpy(lr->value, m->payload, m->len);
			}
		}
		rd_kafka_message_destroy(m);
	}
	rc = RC_OK;
out:
	for (int p = 0; reading && p < nparts; p++)
		if (reading[p])
			rd_kafka_consume_stop(rkt, p);
	free(reading);
	if (q)
		rd_kafka_queue_destroy(q);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	if (rc != RC_OK)
		last_record_clear(lr);
	return rc;
}

/* Reads lr (the last record under the key) into ks->current: a tombstone or damage is an error. */
static int take_record(kafka_store_t *ks, const last_record_t *lr, char *err, size_t errlen)
{
	char subject[sizeof ks->subject + 64];
	rc_offset_where_t w = {
	    .subject = subject,
	    .fix_mine = "set offset.storage.topic, or topic.prefix, to this connector's",
	    .fix_over = "set offset.storage.topic to this connector's, or a new topic to start over with a "
	                "snapshot",
	};
	int rc;

	ks->found = false;
	rc_offset_clear(&ks->current);
	if (!lr->found)
		return RC_OK;
	snprintf(subject, sizeof subject, "%s (partition %d, offset %lld)", ks->subject, (int)lr->partition,
	         (long long)lr->offset);
	if (lr->tombstone) {
		snprintf(
		    err, errlen,
		    "%s is a tombstone: this connector's position was deleted, and rowcast does not start "
		    "over silently (to start over with a snapshot, set offset.storage.topic to a new topic)",
		    subject);
		return RC_ERR_FATAL;
	}
	rc = rc_offset_record_parse(lr->value, lr->len, &ks->base.ident, ks->base.codec, &w, &ks->current,
	                            err, errlen);
	ks->found = rc == RC_OK;
	return rc;
}

static int ks_load(rc_offset_store_t *os, rc_offset_t *out, bool *found, char *err, size_t errlen)
{
	kafka_store_t *ks = (kafka_store_t *)os;

	(void)err;
	(void)errlen;
	*found = ks->found;
	rc_offset_clear(out);
	if (ks->found)
		rc_offset_copy(out, &ks->current);
	return RC_OK;
}

static bool is_fenced(const rd_kafka_error_t *e)
{
	rd_kafka_resp_err_t code = rd_kafka_error_code(e);
	return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
	       code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH ||
	       code == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

/* Fills err for a failed transaction step and releases e; always RC_ERR_FATAL. */
static int txn_failed(kafka_store_t *ks, const char *step, rd_kafka_error_t *e, char *err, size_t errlen)
{
	if (is_fenced(e))
		snprintf(err, errlen,
		         "%s: another rowcast of this connector took over (transactional.id '%s' fenced this "
		         "one: %s): this one stops without confirming anything more",
		         ks->subject, ks->txn_id, rd_kafka_error_string(e));
	else
		snprintf(err, errlen,
		         "%s: cannot record the position within offset.flush.timeout.ms=%d (%s): %s",
		         ks->subject, ks->flush_ms, step, rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
	return RC_ERR_FATAL;
}

/* Releases the producer and its topic handle (a new one is made by producer_new). */
static void producer_drop(kafka_store_t *ks)
{
	if (ks->rkt)
		rd_kafka_topic_destroy(ks->rkt);
	if (ks->rk)
		rd_kafka_destroy(ks->rk);
	ks->rkt = NULL;
	ks->rk = NULL;
}

static int producer_new(kafka_store_t *ks, const rc_conf_t *conf, int64_t deadline, char *err, size_t errlen);

static void sample(kafka_store_t *ks, int64_t us)
{
	uint32_t v = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;

	ks->samples_us[ks->nstores % SAMPLES] = v;
	ks->nstores++;
	if (v > ks->max_us)
		ks->max_us = v;
}

/*
 * One transaction per position: begin, produce, commit. commit_transaction waits for the record's
 * acknowledgement by every in-sync replica, then writes the commit marker. librdkafka's rules for
 * errors (rdkafka.h) decide the next call, kept in ks->txn across calls: a retriable error (a commit
 * timed out, a coordinator still loading after a broker restart) must be followed by the same call
 * again, an abortable one by abort_transaction, and a fatal one (fenced) ends the producer. Until
 * offset.flush.timeout.ms has passed the store follows them, so a broker's hiccup does not stop
 * rowcast; a transaction of an earlier store left committing is completed first (its record is
 * older: the new one follows it).
 */
static int ks_store(rc_offset_store_t *os, const rc_offset_t *o, char *err, size_t errlen)
{
	kafka_store_t *ks = (kafka_store_t *)os;
	int64_t t0 = now_us(), deadline = rc_clock_ms() + ks->flush_ms;
	char *text = rc_offset_record_render(&ks->base.ident, ks->base.codec, o, 0);
	rd_kafka_error_t *e = NULL;
	rd_kafka_resp_err_t kerr;
	const char *step = "begin_transaction";
	bool mine = false, done = false;

	if (!text) {
		snprintf(err, errlen, "%s: out of memory", ks->subject);
		return RC_ERR_FATAL;
	}
	while (!done) {
		switch (ks->txn) {
		case TXN_READY:
			step = "begin_transaction";
			if ((e = rd_kafka_begin_transaction(ks->rk)))
				break;
			step = "produce";
			kerr = rd_kafka_producev(ks->rk, RD_KAFKA_V_RKT(ks->rkt),
			                         RD_KAFKA_V_KEY(ks->key, strlen(ks->key)),
			                         RD_KAFKA_V_VALUE(text, strlen(text)),
			                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
			if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
				ks->txn = TXN_ABORTING;
				e = rd_kafka_error_new(kerr, "%s", rd_kafka_err2str(kerr));
				break;
			}
			ks->txn = TXN_COMMITTING;
			mine = true;
			/* fall through */
		case TXN_COMMITTING:
			step = "commit_transaction";
			if (!(e = rd_kafka_commit_transaction(ks->rk, remaining_ms(deadline) + 1))) {
				ks->txn = TXN_READY;
				done = mine;
			} else if (rd_kafka_error_txn_requires_abort(e)) {
				ks->txn = TXN_ABORTING;
			}
			break;
		case TXN_ABORTING:
			step = "abort_transaction";
			if (!(e = rd_kafka_abort_transaction(ks->rk, remaining_ms(deadline) + 1))) {
				ks->txn = TXN_READY;
				mine = false;
			}
			break;
		}
		if (!e)
			continue;
		if (rd_kafka_error_is_fatal(e) && !is_fenced(e) && remaining_ms(deadline) > 0) {
			/* A broker restarted in the middle of a transaction can leave the producer stuck
			 * for good (INVALID_TXN_STATE, seen in offsets_kafka_outage.sh under load): a new
			 * producer's init_transactions aborts what was open and starts a new epoch. Only
			 * errors that say another instance took over end the store: re-initialising then
			 * would fence that newer instance back. */
			rc_log_warn("offsets", "%s: %s failed for good (%s): making the producer again",
			            ks->subject, step, rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			e = NULL;
			producer_drop(ks);
			if (producer_new(ks, ks->conf, deadline, err, errlen) != RC_OK) {
				free(text);
				return RC_ERR_FATAL;
			}
			ks->txn = TXN_READY;
			mine = false;
			continue;
		}
		if (rd_kafka_error_is_fatal(e) || remaining_ms(deadline) == 0 ||
		    (ks->txn != TXN_ABORTING && !rd_kafka_error_is_retriable(e)))
			break;
		rc_log_warn("offsets", "%s: %s failed (%s): trying again", ks->subject, step,
		            rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		e = NULL;
		rd_kafka_poll(ks->rk, remaining_ms(deadline) < 100 ? remaining_ms(deadline) : 100);
	}
	free(text);
	if (e)
		return txn_failed(ks, step, e, err, errlen);
	rc_offset_copy(&ks->current, o);
	ks->current.ident = ks->base.ident;
	ks->found = true;
	sample(ks, now_us() - t0);
	return RC_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void ks_free(rc_offset_store_t *os)
{
	kafka_store_t *ks = (kafka_store_t *)os;

	if (!ks)
		return;
	if (ks->nstores > 0) {
		size_t n = ks->nstores < SAMPLES ? (size_t)ks->nstores : SAMPLES;
		qsort(ks->samples_us, n, sizeof ks->samples_us[0], cmp_u32);
		rc_log_info("offsets",
		            "%s: %llu position(s) recorded; one took %.1f ms (median of the last %zu), "
		            "%.1f ms at most",
		            ks->subject, (unsigned long long)ks->nstores, ks->samples_us[n / 2] / 1000.0, n,
		            ks->max_us / 1000.0);
	}
	producer_drop(ks);
	rc_offset_clear(&ks->current);
	free(ks->topic);
	free(ks->key);
	free(ks->txn_id);
	free(ks);
}

static const rc_offset_store_ops_t kafka_ops = {
    .name = "kafka",
    .load = ks_load,
    .store = ks_store,
    .free = ks_free,
};

/* The report itself is not needed (commit_transaction fails when the record failed), but a registered
 * callback lets the commit's flush wake up at the report instead of at its next 10 ms poll slice. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err)
		rc_log_debug("offsets", "offset record not delivered: %s", rd_kafka_err2str(m->err));
}

/* The transactional producer: init_transactions fences every older instance of this connector. */
static int producer_new(kafka_store_t *ks, const rc_conf_t *conf, int64_t deadline, char *err, size_t errlen)
{
	rd_kafka_conf_t *kc = rc_kafka_conf_new(conf, err, errlen);
	const struct rd_kafka_metadata *md = NULL;
	char txn_timeout[16], why[512];
	const char *const settings[][2] = {
	    {"transactional.id", ks->txn_id},
	    {"enable.idempotence", "true"},
	    {"acks", "all"},
	    {"linger.ms", "0"}, /* one record per transaction: nothing to wait for */
	    {"client.id", "rowcast-offsets"},
	    {"transaction.timeout.ms", txn_timeout},
	    {"message.timeout.ms", txn_timeout}, /* at most the transaction's (librdkafka's rule) */
	};
	rd_kafka_error_t *e;

	if (!kc)
		return RC_ERR_FATAL;
	snprintf(txn_timeout, sizeof txn_timeout, "%d", TXN_TIMEOUT_MS);
	if (set_all(kc, settings, sizeof settings / sizeof settings[0], err, errlen) != RC_OK) {
		rd_kafka_conf_destroy(kc);
		return RC_ERR_FATAL;
	}
	rd_kafka_conf_set_opaque(kc, ks);
	rd_kafka_conf_set_log_cb(kc, on_log);
	rd_kafka_conf_set_error_cb(kc, on_error);
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, why, sizeof why);
	if (!ks->rk) {
		rd_kafka_conf_destroy(kc);
		snprintf(err, errlen, "offset store: cannot create the Kafka producer: %s", why);
		return RC_ERR_FATAL;
	}
	e = rd_kafka_init_transactions(ks->rk, remaining_ms(deadline) + 1);
	if (e) {
		snprintf(err, errlen,
		         "%s: cannot take this connector's offsets over (init_transactions with "
		         "transactional.id '%s'): %s",
		         ks->subject, ks->txn_id, rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		return RC_ERR_FATAL;
	}
	/* The topic's metadata now, not at the first store: librdkafka would learn of a new local topic
	 * at its next refresh, up to a second later, with the pipeline waiting. */
	ks->rkt = rd_kafka_topic_new(ks->rk, ks->topic, NULL);
	if (!ks->rkt) {
		snprintf(err, errlen, "%s: %s", ks->subject, rd_kafka_err2str(rd_kafka_last_error()));
		return RC_ERR_FATAL;
	}
	if (rd_kafka_metadata(ks->rk, 0, ks->rkt, &md, remaining_ms(deadline) + 1) ==
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		rd_kafka_metadata_destroy(md);
	return RC_OK;
}

int rc_offsets_kafka_open(const rc_conf_t *conf, const rc_offset_ident_t *ident, const rc_pos_codec_t *codec,
                          rc_offset_store_t **out, char *err, size_t errlen)
{
	kafka_store_t *ks = calloc(1, sizeof *ks);
	const char *topic = rc_conf_get(conf, "offset.storage.topic");
	int64_t t0 = rc_clock_ms(), deadline = t0 + rc_conf_get_int(conf, "offset.storage.timeout.ms", 30000);
	last_record_t lr = {0};
	rd_kafka_t *admin = NULL;
	bool created = false;
	char at[RC_POS_TEXTLEN];
	int rc = RC_ERR_FATAL;

	*out = NULL;
	if (!rc_conf_get(conf, "kafka.bootstrap.servers")) {
		free(ks);
		snprintf(
		    err, errlen,
		    "offset.storage=kafka needs kafka.bootstrap.servers (the brokers of the offset topic)");
		return RC_ERR_REFUSED;
	}
	if (!ks || !(ks->topic = strdup(topic ? topic : "")) ||
	    !(ks->key = rc_offsets_kafka_key(ident->prefix)) ||
	    asprintf(&ks->txn_id, "rowcast-offsets:%s:%s", ks->topic, ident->prefix) < 0) {
		if (ks)
			ks->txn_id = NULL;
		ks_free(ks ? &ks->base : NULL);
		snprintf(err, errlen, "out of memory");
		return RC_ERR_FATAL;
	}
	ks->base.ops = &kafka_ops;
	ks->base.codec = codec;
	ks->base.ident = *ident;
	ks->conf = conf;
	ks->flush_ms = (int)rc_conf_get_int(conf, "offset.flush.timeout.ms", 30000);
	snprintf(ks->subject, sizeof ks->subject, "offset topic '%s', key %s", ks->topic, ks->key);

	admin = reader_new(conf, "read_committed", err, errlen);
	if (!admin)
		goto out;
	rc = create_topic(admin, conf, ks->topic, deadline, &created, err, errlen);
	if (rc == RC_OK && !created)
		rc = check_compacted(admin, ks->topic, deadline, err, errlen);
	rd_kafka_destroy(admin);
	/* Whose is the key? Asked before fencing, so another connector's instance is refused before it
	 * can stop this one's. */
	if (rc == RC_OK)
		rc = read_topic(conf, ks->topic, ks->key, deadline, &lr, err, errlen);
	if (rc == RC_OK)
		rc = take_record(ks, &lr, err, errlen);
	if (rc == RC_OK)
		rc = producer_new(ks, conf, deadline, err, errlen);
	/* Fenced now: what the older instance wrote until then is the record. */
	if (rc == RC_OK)
		rc = read_topic(conf, ks->topic, ks->key, deadline, &lr, err, errlen);
	if (rc == RC_OK)
		rc = take_record(ks, &lr, err, errlen);
out:
	if (rc != RC_OK) {
		last_record_clear(&lr);
		ks_free(&ks->base);
		return rc;
	}
	if (ks->found)
		rc_log_info(
		    "offsets",
		    "%s: recorded position %s%s (partition %d, offset %lld; %llu record(s) read in %lld ms)",
		    ks->subject, rc_pos_text(codec, &ks->current.pos, at, sizeof at),
		    ks->current.snapshot == RC_OFFSET_SNAPSHOT_RUNNING ? ", a snapshot in progress" : "",
		    (int)lr.partition, (long long)lr.offset, (unsigned long long)lr.scanned,
		    (long long)(rc_clock_ms() - t0));
	else
		rc_log_info("offsets",
		            "%s: no position recorded (%llu record(s) read in %lld ms): a first start",
		            ks->subject, (unsigned long long)lr.scanned, (long long)(rc_clock_ms() - t0));
	last_record_clear(&lr);
	*out = &ks->base;
	return RC_OK;
}

void rc_offsets_kafka_check(const rc_conf_t *conf, const rc_offset_ident_t *ident,
                            const rc_pos_codec_t *codec, rc_check_report_t *rep)
{
	kafka_store_t *ks = calloc(1, sizeof *ks);
	const char *topic = rc_conf_get(conf, "offset.storage.topic");
	int64_t deadline = rc_clock_ms() + rc_conf_get_int(conf, "offset.storage.timeout.ms", 30000);
	last_record_t lr = {0};
	rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_t *rk = NULL;
	char err[1024], at[RC_POS_TEXTLEN];
	int nparts = 0;

	if (!ks || !(ks->key = rc_offsets_kafka_key(ident->prefix))) {
		rc_check_fail(rep, "free some memory", "out of memory");
		goto out;
	}
	ks->base.ident = *ident;
	ks->base.codec = codec;
	snprintf(ks->subject, sizeof ks->subject, "offset topic '%s', key %s", topic, ks->key);
	/* Read only: nothing is created, and nobody fenced (a running instance goes on). */
	if (!(rk = reader_new(conf, "read_uncommitted", err, sizeof err))) {
		rc_check_fail(rep, "fix the kafka.* properties", "%s", err);
		goto out;
	}
	if (partition_count(rk, topic, deadline, &nparts, &code, err, sizeof err) != RC_OK) {
		if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
			rc_check_ok(
			    rep,
			    "offset topic '%s' does not exist yet: rowcast creates it (compacted) at start",
			    topic);
		else
			rc_check_fail(rep, "check kafka.bootstrap.servers, the brokers, and the topic's ACLs",
			              "%s", err);
		goto out;
	}
	if (check_compacted(rk, topic, deadline, err, sizeof err) != RC_OK) {
		rc_check_fail(rep, "make the topic compacted, or name another offset.storage.topic", "%s",
		              err);
		goto out;
	}
	if (read_topic(conf, topic, ks->key, deadline, &lr, err, sizeof err) != RC_OK) {
		rc_check_fail(rep, "check the brokers and the topic's ACLs", "%s", err);
		goto out;
	}
	if (take_record(ks, &lr, err, sizeof err) != RC_OK)
		rc_check_fail(rep, "see the message", "%s", err);
	else if (ks->found)
		rc_check_ok(rep, "%s: position %s%s (partition %d, offset %lld; %d partition(s), compacted)",
		            ks->subject, rc_pos_text(codec, &ks->current.pos, at, sizeof at),
		            ks->current.snapshot == RC_OFFSET_SNAPSHOT_RUNNING ? ", a snapshot in progress"
		                                                               : "",
		            (int)lr.partition, (long long)lr.offset, nparts);
	else
		rc_check_ok(rep, "%s: no position recorded (a first start; %d partition(s), compacted)",
		            ks->subject, nparts);
out:
	if (rk)
		rd_kafka_destroy(rk);
	last_record_clear(&lr);
	if (ks) {
		rc_offset_clear(&ks->current);
		free(ks->key);
		free(ks);
	}
}
