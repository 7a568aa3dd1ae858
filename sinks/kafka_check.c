#include "config.h"

#include "sinks/kafka_conf.h"
#include "sinks/sink_check.h"

#include <stdio.h>

#define METADATA_TIMEOUT_MS 10000

void rc_kafka_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	char err[1024];
	rd_kafka_conf_t *kc = rc_kafka_conf_new(conf, err, sizeof err);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t kerr;
	rd_kafka_t *rk;

	if (!kc) {
		rc_check_fail(rep, "fix or remove the kafka.* property", "%s", err);
		return;
	}
	rc_check_ok(rep, "kafka.* properties accepted by librdkafka %s", rd_kafka_version_str());
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof err); /* takes kc on success */
	if (!rk) {
		rd_kafka_conf_destroy(kc);
		rc_check_fail(rep, "fix the kafka.* properties", "cannot create a Kafka producer: %s", err);
		return;
	}
	kerr = rd_kafka_metadata(rk, 0, NULL, &md, METADATA_TIMEOUT_MS);
	if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		rc_check_fail(rep, "check kafka.bootstrap.servers and that the brokers are up",
		              "no answer from Kafka at %s within %d s: %s",
		              rc_conf_get(conf, "kafka.bootstrap.servers"), METADATA_TIMEOUT_MS / 1000,
		              rd_kafka_err2str(kerr));
	else
		rc_check_ok(rep, "Kafka at %s answers: %d broker(s), %d topic(s)",
		            rc_conf_get(conf, "kafka.bootstrap.servers"), md->broker_cnt, md->topic_cnt);
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(rk);
}
