#include "config.h"

#include "sinks/avro_check.h"

#include "agent/errors.h"

#include <avro.h>
#include <stdio.h>

int rc_avro_parse_schema(const char *json, size_t len, struct avro_obj_t **schema, char *err, size_t errlen)
{
	*schema = NULL;
	if (avro_schema_from_json_length(json, len, schema) != 0) {
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
