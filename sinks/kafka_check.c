#include "config.h"

#include "sinks/kafka_conf.h"
#include "sinks/sink_check.h"

#include <stdio.h>
#include <strings.h>

#define METADATA_TIMEOUT_MS 10000

/* librdkafka before 2.6.1 sends a SCRAM proof with the client nonce twice; Kafka 4 brokers check
 * it strictly (RFC 5802) and refuse every login with "invalid credentials" (librdkafka #4895). */
static void scram_warning(const rc_conf_t *conf, rc_check_report_t *rep)
{
	const char *mech = rc_conf_get(conf, "kafka.sasl.mechanisms");

	if (!mech)
		mech = rc_conf_get(conf, "kafka.sasl.mechanism");
	if (mech && strncasecmp(mech, "SCRAM", 5) == 0 && rd_kafka_version() < 0x020601ff)
		rc_check_warn(
		    rep, "use librdkafka 2.6.1 or newer, or a Kafka 3.x broker, for SCRAM",
		    "librdkafka %s's SCRAM login is refused by Kafka 4 brokers (\"invalid "
		    "credentials\": a nonce bug fixed in librdkafka 2.6.1); Kafka 3.x brokers accept it",
		    rd_kafka_version_str());
}

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
	rc_kafka_tls_check(conf, rep);
	scram_warning(conf, rep);
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
