/*
 * libFuzzer target for the Schema Registry's answers (sinks/registry_answer.c): the input is a mode
 * byte, then an answer's body, as a server (or whoever sits on the path) may send it. Whatever it
 * holds, the error text is NUL-terminated within its buffer and never longer than the body allows
 * for, an id is within 0..INT32_MAX, a schema is a NUL-terminated string, a level fits its buffer.
 */
#include "config.h"

#include "sinks/registry_answer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len;
	char msg[512], level[16];
	int32_t id = -1;
	size_t n;
	char *schema;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 5) {
	case 0:
		memset(msg, 'x', sizeof msg);
		rc_registry_answer_message(body, len, msg, sizeof msg);
		if (!memchr(msg, '\0', sizeof msg))
			abort();
		break;
	case 1:
		if (rc_registry_answer_id(body, len, &id) == 0 && id < 0)
			abort();
		break;
	case 2:
		schema = rc_registry_answer_schema(body, len);
		if (schema && strlen(schema) > len)
			abort(); /* jansson unescapes: never longer than the body */
		free(schema);
		break;
	case 3:
		if (rc_registry_answer_subjects(body, len, &n) == 0 && n > len)
			abort();
		break;
	default:
		memset(level, 'x', sizeof level);
		if (rc_registry_answer_level(body, len, level, sizeof level) == 0 &&
		    !memchr(level, '\0', sizeof level))
			abort();
		break;
	}
	return 0;
}
