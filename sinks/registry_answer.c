#include "config.h"

#include "sinks/registry_answer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rc_registry_answer_message(const char *body, size_t len, char *out, size_t outlen)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *msg = json_object_get(j, "message"), *code = json_object_get(j, "error_code");

	if (outlen == 0)
		goto out;
	if (json_is_string(msg) && json_is_integer(code))
		snprintf(out, outlen, "error %" JSON_INTEGER_FORMAT ": %s", json_integer_value(code),
		         json_string_value(msg));
	else if (json_is_string(msg))
		snprintf(out, outlen, "%s", json_string_value(msg));
	else if (len > 0)
		snprintf(out, outlen, "%.*s", (int)(len < 300 ? len : 300), body);
	else
		snprintf(out, outlen, "empty answer");
out:
	json_decref(j);
}

int rc_registry_answer_id(const char *body, size_t len, int32_t *id)
{
	json_t *ans = json_loadb(body, len, 0, NULL), *jid = json_object_get(ans, "id");
	int rc = -1;

	if (json_is_integer(jid) && json_integer_value(jid) >= 0 && json_integer_value(jid) <= INT32_MAX) {
		*id = (int32_t)json_integer_value(jid);
		rc = 0;
	}
	json_decref(ans);
	return rc;
}

char *rc_registry_answer_schema(const char *body, size_t len)
{
	json_t *ans = json_loadb(body, len, 0, NULL), *schema = json_object_get(ans, "schema");
	char *text = json_is_string(schema) ? strdup(json_string_value(schema)) : NULL;

	json_decref(ans);
	return text;
}

int rc_registry_answer_subjects(const char *body, size_t len, size_t *n)
{
	json_t *ans = json_loadb(body, len, 0, NULL);
	int rc = json_is_array(ans) ? 0 : -1;

	if (rc == 0)
		*n = json_array_size(ans);
	json_decref(ans);
	return rc;
}

int rc_registry_answer_level(const char *body, size_t len, char *out, size_t outlen)
{
	json_t *ans = json_loadb(body, len, 0, NULL), *level = json_object_get(ans, "compatibilityLevel");
	int rc = -1;

	if (!level)
		level = json_object_get(ans, "compatibility");
	if (json_is_string(level) && outlen > 0) {
		snprintf(out, outlen, "%s", json_string_value(level));
		rc = 0;
	}
	json_decref(ans);
	return rc;
}
