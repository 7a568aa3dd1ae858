/* Sink reachability checks for `rowcast check`. */
#ifndef RC_SINK_CHECK_H
#define RC_SINK_CHECK_H

#include "agent/check_report.h"
#include "agent/conf.h"

/* Validates kafka.* properties and asks the brokers for metadata. */
void rc_kafka_check(const rc_conf_t *conf, rc_check_report_t *rep);

#endif
