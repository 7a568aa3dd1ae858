/* Sink reachability checks for `rowcast check`. */
#ifndef RC_SINK_CHECK_H
#define RC_SINK_CHECK_H

#include "agent/check_report.h"
#include "agent/conf.h"

/* Validates kafka.* properties and asks the brokers for metadata. */
void rc_kafka_check(const rc_conf_t *conf, rc_check_report_t *rep);

/* With kafka.security.protocol SSL or SASL_SSL: a TLS handshake with the first bootstrap server, as
 * librdkafka would verify it, reported in words that tell an unknown CA from a wrong host name.
 * Without TLS: a warning when a broker is not on this machine. */
void rc_kafka_tls_check(const rc_conf_t *conf, rc_check_report_t *rep);

#endif
