/*
 * Configuration: properties from a file (Java-properties text, or a Kafka Connect connector JSON),
 * from ROWCAST_* environment variables and from --set, validated against agent/properties.c.
 *
 * Precedence: --set > environment > file > defaults. Every fallible call writes a message naming the
 * property, where it came from and what was expected into err, and returns -1. Secret values
 * (RC_PROP_SECRET) never appear in a message, and a message about a malformed line, --set argument or
 * JSON syntax shows no value at all (what a line holds may be a password whose key is missing).
 * Values are never cut: a value is kept whole, whatever its length, from every source.
 */
#ifndef RC_CONF_H
#define RC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct rc_conf rc_conf_t;

typedef enum {
	RC_CONF_DEFAULT = 0,
	RC_CONF_FILE,
	RC_CONF_ENV,
	RC_CONF_CLI,
} rc_conf_origin_t;

/* Returns an empty configuration; caller frees with rc_conf_free. NULL only when out of memory. */
rc_conf_t *rc_conf_new(void);
void rc_conf_free(rc_conf_t *conf);

/* Reads path (at most 4 MiB) and loads its content as rc_conf_load_buffer does. */
int rc_conf_load_file(rc_conf_t *conf, const char *path, char *err, size_t errlen);

/* Loads a config file's content, data[0..len) (borrowed; need not be NUL-terminated; a NUL byte is an
 * error): a connector JSON if its first non-blank byte is '{', otherwise key = value lines. source
 * names it in messages. Values are kept whole, whatever their length. */
int rc_conf_load_buffer(rc_conf_t *conf, const char *data, size_t len, const char *source, char *err,
                        size_t errlen);

/* Parses properties text (the file format) held in text; source names it in messages. */
int rc_conf_load_properties(rc_conf_t *conf, const char *text, const char *source, char *err, size_t errlen);

/* Applies ROWCAST_* variables of envp (NULL-terminated, borrowed). ROWCAST_TEST_* and ROWCAST_ENV_*
 * belong to the test tooling and ROWCAST_CONFIG names the file; they are not properties. */
int rc_conf_load_env(rc_conf_t *conf, char *const *envp, char *err, size_t errlen);

/* Sets one property from "key=value" (the --set option). */
int rc_conf_set_arg(rc_conf_t *conf, const char *arg, char *err, size_t errlen);

/* Sets key to value (both copied) if origin outranks what is there. Unknown keys are an error. */
int rc_conf_set(rc_conf_t *conf, const char *key, const char *value, rc_conf_origin_t origin,
                const char *where, char *err, size_t errlen);

/* Reads *.file variants, applies defaults, checks every value and every required property.
 * Warnings (ignored Debezium keys, deprecated values) are logged. Call once, after loading. */
int rc_conf_finalize(rc_conf_t *conf, char *err, size_t errlen);

/* Effective value of key (borrowed, valid until rc_conf_free), or NULL when unset. */
const char *rc_conf_get(const rc_conf_t *conf, const char *key);

/* Typed readers for validated properties: the value, or dflt when unset. */
int64_t rc_conf_get_int(const rc_conf_t *conf, const char *key, int64_t dflt);
bool rc_conf_get_bool(const rc_conf_t *conf, const char *key, bool dflt);

/* True when key's value equals s. */
bool rc_conf_is(const rc_conf_t *conf, const char *key, const char *s);

/* Calls fn for every set key starting with prefix (e.g. "kafka."), with the prefix stripped. */
int rc_conf_foreach_prefix(const rc_conf_t *conf, const char *prefix,
                           int (*fn)(const char *key, const char *value, void *opaque), void *opaque);

/* Prints the effective configuration as key = value lines, secrets as ***, with each origin. */
void rc_conf_print(const rc_conf_t *conf, FILE *out);

#endif
