/*
 * What agent/conf.c (the store, the environment, --set, validation) and agent/conf_formats.c (the
 * two file formats: Java properties and Kafka Connect connector JSON) share.
 */
#ifndef RC_CONF_INTERNAL_H
#define RC_CONF_INTERNAL_H

#include "agent/conf.h"

#include <stdbool.h>
#include <stddef.h>

#define MAX_CONF_FILE_BYTES (4 << 20)

typedef struct conf_entry {
	char *key;
	char *value;
	char *where; /* "file rowcast.properties line 3", "environment ROWCAST_X", "--set" */
	rc_conf_origin_t origin;
} conf_entry_t;

struct rc_conf {
	conf_entry_t *entries;
	size_t n, cap;
};

/* s without its leading and trailing white space (cut in place). */
char *rc_conf_trim(char *s);

/* Appends one message line to err; earlier messages are kept so the user sees every problem. */
void rc_conf_add_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Stores key = value (copied) from origin, described by where (copied; NULL: none). Returns 0, or -1
 * when out of memory. No validation: rc_conf_set validates. */
int rc_conf_store(rc_conf_t *conf, const char *key, const char *value, rc_conf_origin_t origin,
                  const char *where);

/* Reports a properties line or --set argument s that lacks a separator (sep names it) after its first
 * word, naming that word only when it is a known key (the rest may be a secret). */
void rc_conf_malformed(char *err, size_t errlen, const char *where, const char *s, const char *sep,
                       const char *form);

/* Reads a whole file of at most MAX_CONF_FILE_BYTES (what names it in messages). Returns a malloc'd
 * NUL-terminated buffer the caller frees, or NULL with the reason in err. */
char *rc_conf_read_file(const char *path, const char *what, char *err, size_t errlen);

#endif
