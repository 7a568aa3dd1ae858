/*
 * avro-c as the independent judge of the schemas rowcast builds (sinks/avro_schema.h). rowcast writes
 * the schema JSON and encodes records itself; avro-c parses every schema before the Schema Registry
 * sees it, so a schema that is not valid Avro is a bug found at registration, naming the subject,
 * rather than a registry refusal or a consumer that cannot read the topic. The unit tests and the
 * benchmark (bench/avro_bench.c) also decode and encode with avro-c against the parsed schema.
 *
 * What avro-c 1.11 checks: JSON syntax, known type names, Avro identifiers, that every named type
 * referenced is defined (namespaces resolved as the specification says). What it does not check:
 * field defaults against their types, duplicate field names, duplicate union branches, logical types
 * (it ignores logicalType and every other extra attribute).
 */
#ifndef RC_AVRO_CHECK_H
#define RC_AVRO_CHECK_H

#include <stddef.h>

/* avro-c's avro_schema_t is a struct avro_obj_t *. Declared here rather than through <avro.h>, whose
 * macros (avro_free() among them) would reach every file that checks schemas, sinks/encoders.c with
 * its own avro_free() included. */
struct avro_obj_t;

/*
 * Parses the schema text json (len bytes, no NUL needed) with avro-c. Returns RC_OK and *schema
 * (caller releases with avro_schema_decref()), or RC_ERR_FATAL with avro-c's message in err
 * ("avro-c refuses the schema: Unknown Avro \"type\": strin") and *schema NULL.
 */
int rc_avro_parse_schema(const char *json, size_t len, struct avro_obj_t **schema, char *err, size_t errlen);

/* Checks that json (len bytes) is a schema avro-c accepts. Returns RC_OK, or RC_ERR_FATAL with avro-c's
 * message in err, as rc_avro_parse_schema. Costs one parse: call it once per schema, not per record. */
int rc_avro_check_schema(const char *json, size_t len, char *err, size_t errlen);

#endif
