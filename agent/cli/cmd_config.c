#include "config.h"

#include "agent/cli/commands.h"
#include "agent/properties.h"

int rc_cmd_config_list(FILE *out)
{
	size_t n;
	const rc_prop_def_t *all = rc_prop_all(&n);

	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%-32s %s", all[i].name, all[i].doc);
		if (all[i].choices)
			fprintf(out, " [%s]", all[i].choices);
		if (all[i].def)
			fprintf(out, " (default %s)", all[i].def);
		if (all[i].flags & RC_PROP_REQUIRED)
			fprintf(out, " (required)");
		fputc('\n', out);
	}
	fprintf(out,
	        "%-32s any librdkafka producer property, passed through (kafka.bootstrap.servers, ...)\n",
	        "kafka.<property>");
	fprintf(out, "%-32s character columns (regexes) replaced by N '*'\n", "column.mask.with.<N>.chars");
	fprintf(out, "%-32s character columns replaced by the hex hash of SALT + value (Debezium's v1)\n",
	        "column.mask.hash.<ALG>.with.salt.<SALT>");
	fprintf(out, "%-32s the same with the value's UTF-8 (Debezium's v2)\n",
	        "column.mask.hash.v2.<ALG>.with.salt.<SALT>");
	fprintf(out, "%-32s strings cut to N characters, bytes to N bytes\n", "column.truncate.to.<N>.chars");
	return 0;
}
