#include "config.h"

#include "agent/cli/commands.h"
#include "agent/cli/sources.h"
#include "agent/column_map.h"
#include "sinks/registry.h"
#include "sinks/sink_check.h"

int rc_cmd_check(const rc_conf_t *conf, FILE *out)
{
	rc_check_report_t rep = {out, 0, 0};

	fprintf(out, "source (%s)\n", rc_conf_get(conf, "source.type"));
	rc_source_type_of(conf)->check(conf, &rep);
	fprintf(out, "sink (%s)\n", rc_conf_get(conf, "sink.type"));
	if (rc_conf_is(conf, "sink.type", "kafka")) {
		rc_kafka_check(conf, &rep);
		rc_registry_check(conf, &rep);
	} else
		rc_check_ok(&rep, "events go to standard output as JSON lines");
	fprintf(out, "columns (column.exclude.list, column.mask.*, column.truncate.*)\n");
	{
		rc_column_map_t cm;
		char err[512];
		if (rc_column_map_init(&cm, conf, err, sizeof err) != 0) {
			rc_check_fail(&rep, "fix the property named", "%s", err);
		} else {
			rc_column_map_report(&cm, &rep);
			rc_column_map_free(&cm);
		}
	}
	fprintf(out, "signals (signal.enabled.channels=%s)\n", rc_conf_get(conf, "signal.enabled.channels"));
	rc_signal_check(conf, &rep);
	fprintf(out, "offsets (%s)\n", rc_conf_get(conf, "offset.storage"));
	rc_offset_store_check(conf, &rep);
	fprintf(out, "%d problem(s), %d warning(s)\n", rep.failures, rep.warnings);
	return rep.failures ? 1 : 0;
}
