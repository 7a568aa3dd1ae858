#include "config.h"

#include "sinks/kafka_refusal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rc_kafka_err_permanent(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:    /* larger than the topic's max.message.bytes */
	case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:      /* a negative or absurd size: a bug, not a delay */
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE: /* the batch of this one record is too large */
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:        /* the broker's validation (e.g. compaction, no key) */
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION: /* an invalid topic name */
	case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
	case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
	case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:     /* the cluster has no such topic and will not create it */
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: /* the topic has fewer partitions than asked for */
		return true;
	default:
		/* UNKNOWN_TOPIC_OR_PART from a broker is left out on purpose: librdkafka retries it
		 * while metadata catches up (a new or moving partition), and a report of it comes after
		 * message.timeout.ms, which a restart may well cure. */
		return false;
	}
}

void rc_kafka_refusal_describe(rd_kafka_resp_err_t err, const char *topic, int32_t partition, const void *key,
                               size_t keylen, size_t vallen, char *out, size_t outlen)
{
	char hex[2 * 32 + 8] = "";
	const unsigned char *k = key;
	size_t from = keylen > 5 ? 5 : keylen, n = 0; /* after Confluent's magic byte and schema id */

	for (size_t i = from; i < keylen && n < 32; i++, n++)
		snprintf(hex + 2 * n, sizeof hex - 2 * n, "%02x", k[i]);
	if (keylen - from > n)
		snprintf(hex + 2 * n, sizeof hex - 2 * n, "...");
	if (partition >= 0)
		snprintf(
		    out, outlen,
		    "%s (%s): topic %s partition %d, key %s%s (%zu bytes), value %zu bytes, %zu bytes in all",
		    rd_kafka_err2str(err), rd_kafka_err2name(err), topic, (int)partition, key ? "0x" : "null",
		    key ? hex : "", keylen, vallen, keylen + vallen);
	else
		snprintf(out, outlen,
		         "%s (%s): topic %s, key %s%s (%zu bytes), value %zu bytes, %zu bytes in all",
		         rd_kafka_err2str(err), rd_kafka_err2name(err), topic, key ? "0x" : "null",
		         key ? hex : "", keylen, vallen, keylen + vallen);
}

long long rc_kafka_topic_max_bytes(rd_kafka_t *rk, const char *topic, int timeout_ms, char *why,
                                   size_t whylen)
{
	rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk); /* our own: the main queue is the pipeline's */
	rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
	rd_kafka_event_t *ev = NULL;
	const rd_kafka_DescribeConfigs_result_t *result;
	const rd_kafka_ConfigResource_t **rs;
	long long limit = -1;
	size_t nres = 0;

	snprintf(why, whylen, "the broker did not answer within %d ms", timeout_ms);
	if (!res || !q || !opt)
		goto out;
	rd_kafka_AdminOptions_set_request_timeout(opt, timeout_ms, NULL, 0);
	rd_kafka_DescribeConfigs(rk, &res, 1, opt, q);
	ev = rd_kafka_queue_poll(q, timeout_ms + 500);
	if (!ev)
		goto out;
	if (rd_kafka_event_error(ev)) {
		snprintf(why, whylen, "%s", rd_kafka_event_error_string(ev));
		goto out;
	}
	if (!(result = rd_kafka_event_DescribeConfigs_result(ev)))
		goto out;
	rs = rd_kafka_DescribeConfigs_result_resources(result, &nres);
	for (size_t i = 0; i < nres; i++) {
		const rd_kafka_ConfigEntry_t **entries;
		size_t nent = 0;

		if (rd_kafka_ConfigResource_error(rs[i])) {
			snprintf(why, whylen, "%s", rd_kafka_ConfigResource_error_string(rs[i]));
			continue;
		}
		entries = rd_kafka_ConfigResource_configs(rs[i], &nent);
		for (size_t j = 0; j < nent; j++) {
			const char *v = rd_kafka_ConfigEntry_value(entries[j]);
			if (strcmp(rd_kafka_ConfigEntry_name(entries[j]), "max.message.bytes") == 0 && v)
				limit = strtoll(v, NULL, 10);
		}
	}
	if (limit < 0 && nres)
		snprintf(why, whylen, "the topic's configuration has no max.message.bytes");
out:
	if (ev)
		rd_kafka_event_destroy(ev);
	if (opt)
		rd_kafka_AdminOptions_destroy(opt);
	if (q)
		rd_kafka_queue_destroy(q);
	if (res)
		rd_kafka_ConfigResource_destroy(res);
	return limit;
}
