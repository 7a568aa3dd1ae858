#include "config.h"

#include "agent/naming.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Topic names allow [A-Za-z0-9._-]; anything else becomes '_' (Debezium does the same). */
char *rc_topic_name(const rc_conf_t *conf, const char *schema, const char *table)
{
	const char *delim = rc_conf_get(conf, "topic.delimiter");
	char *topic = NULL;

	if (asprintf(&topic, "%s%s%s%s%s", rc_conf_get(conf, "topic.prefix"), delim, schema, delim, table) <
	    0)
		return NULL;
	for (char *p = topic; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	return topic;
}

/* The key columns from message.key.columns ("regex:col1,col2;regex2:col"), matched against
 * schema.table. Returns a malloc'd ",col1,col2," list (caller frees), or NULL when no entry matches. */
char *rc_key_columns_configured(const rc_conf_t *conf, const char *schema, const char *table)
{
	const char *spec = rc_conf_get(conf, "message.key.columns");
	char full[512], *copy, *save = NULL, *entry, *found = NULL;

	if (!spec || !*spec)
		return NULL;
	snprintf(full, sizeof full, "%s.%s", schema, table);
	copy = strdup(spec);
	for (entry = copy ? strtok_r(copy, ";", &save) : NULL; entry && !found;
	     entry = strtok_r(NULL, ";", &save)) {
		char *colon = strrchr(entry, ':'), anchored[600];
		regex_t re;

		if (!colon)
			continue;
		*colon = '\0';
		while (*entry == ' ')
			entry++;
		snprintf(anchored, sizeof anchored, "^(%s)$", entry);
		if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
			continue;
		if (regexec(&re, full, 0, NULL, 0) == 0 && asprintf(&found, ",%s,", colon + 1) < 0)
			found = NULL;
		regfree(&re);
	}
	free(copy);
	if (found) /* drop spaces so ", b" matches b */
		for (char *r = found, *w = found;; r++)
			if (*r != ' ' && !(*w++ = *r))
				break;
	return found;
}

bool rc_name_in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	/* Without regard to case, as Debezium matches message.key.columns' "table.column". */
	for (const char *p = list; *p; p++)
		if (*p == ',' && strncasecmp(p + 1, name, len) == 0 && p[1 + len] == ',')
			return true;
	return false;
}
