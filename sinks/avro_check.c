#include "config.h"

#include "sinks/avro_check.h"

#include "agent/errors.h"

#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A copy of json (len bytes; malloc'd, caller frees; NULL when out of memory) with every "\u0000"
 * escape written "\u0001". A bytes or decimal default holds NUL characters (1.5 in numeric(10,2) is
 * the bytes 00 96, "\u0000\u0096"), which is valid JSON and valid Avro, but avro-c's JSON parser
 * refuses it (jansson without JSON_ALLOW_NUL, a flag avro-c does not pass). avro-c ignores defaults,
 * so the character's value plays no part in what it checks.
 */
static char *without_nul_escapes(const char *json, size_t len)
{
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	memcpy(out, json, len);
	out[len] = '\0';
	for (size_t i = 0; i + 1 < len; i++) {
		if (out[i] != '\\')
			continue;
		if (out[i + 1] == 'u' && i + 5 < len && memcmp(out + i + 2, "0000", 4) == 0)
			out[i + 5] = '1';
		i++; /* the escaped character: "\\u0000" is a backslash, then text */
	}
	return out;
}

int rc_avro_parse_schema(const char *json, size_t len, struct avro_obj_t **schema, char *err, size_t errlen)
{
	char *copy = NULL; /* owned here: json with its NUL escapes replaced, when it has any */
	int bad;

	*schema = NULL;
	if (memmem(json, len, "\\u0000", 6)) {
		copy = without_nul_escapes(json, len);
		if (!copy) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		json = copy;
	}
	bad = avro_schema_from_json_length(json, len, schema);
	free(copy);
	if (bad) {
		snprintf(err, errlen, "avro-c refuses the schema: %s", avro_strerror());
		*schema = NULL;
		return RC_ERR_FATAL;
	}
	return RC_OK;
}

int rc_avro_check_schema(const char *json, size_t len, char *err, size_t errlen)
{
	avro_schema_t schema;
	int rc = rc_avro_parse_schema(json, len, &schema, err, errlen);

	if (rc == RC_OK)
		avro_schema_decref(schema);
	return rc;
}
