/* Which tables a snapshot request names (snapshot/snapshot.h: rc_snap_name_match). */
#include "config.h"

#include "snapshot/snapshot.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rc_snap_name_is_pattern(const char *want)
{
	return strpbrk(want, "*+?[](){}|^$\\") != NULL;
}

int rc_snap_name_match(const char *want, const rc_snap_table_t *t, char *err, size_t errlen)
{
	regex_t re;
	char *anchored;
	size_t n;
	int rc;

	if (strchr(want, '.') ? strcmp(t->full, want) == 0 : strcmp(t->name, want) == 0)
		return 1;
	if (!rc_snap_name_is_pattern(want))
		return 0;
	/* Debezium's data-collections: the pattern matches the whole name, not a part of it. */
	n = strlen(want) + 5;
	if (!(anchored = malloc(n))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(anchored, n, "^(%s)$", want);
	rc = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) {
		char why[256];
		regerror(rc, &re, why, sizeof why);
		snprintf(err, errlen, "'%s' is not a table name nor a regular expression: %s", want, why);
		return -1;
	}
	rc = regexec(&re, t->full, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}
