/* The Schema Registry's answers, read: pure functions over the body bytes (no HTTP), so that the
 * client (sinks/registry.c) and the fuzzer (fuzz/fuzz_registry.c) read them the same way. A body may
 * be anything a server or a man in the middle sends: none of these trusts it. */
#ifndef RC_REGISTRY_ANSWER_H
#define RC_REGISTRY_ANSWER_H

#include <stddef.h>
#include <stdint.h>

/* {"error_code": N, "message": "..."} as "error N: message", a bare message, the first 300 bytes of a
 * body that is not such JSON, or "empty answer". out is always NUL-terminated. */
void rc_registry_answer_message(const char *body, size_t len, char *out, size_t outlen);

/* The "id" of a registration's answer, 0..INT32_MAX. Returns 0, or -1 when there is none. */
int rc_registry_answer_id(const char *body, size_t len, int32_t *id);

/* The "schema" text of GET /schemas/ids/N: malloc'd (caller frees), or NULL when absent or out of
 * memory. */
char *rc_registry_answer_schema(const char *body, size_t len);

/* The number of subjects of GET /subjects. Returns 0, or -1 when the body is not a JSON array. */
int rc_registry_answer_subjects(const char *body, size_t len, size_t *n);

/* The compatibility level of GET /config ("compatibilityLevel", or Apicurio's "compatibility") into
 * out. Returns 0, or -1 when there is none. */
int rc_registry_answer_level(const char *body, size_t len, char *out, size_t outlen);

#endif
