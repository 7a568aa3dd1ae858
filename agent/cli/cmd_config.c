#include "config.h"

#include "agent/cli/commands.h"
#include "agent/properties.h"

int rc_cmd_config_list(FILE *out)
{
	size_t n;
	const rc_prop_def_t *all = rc_prop_all(&n);
	const rc_prop_pattern_t *all_patterns;

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
	all_patterns = rc_prop_patterns(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-32s %s\n", all_patterns[i].name, all_patterns[i].doc);
	return 0;
}
