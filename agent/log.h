/*
 * Logging: one line per record on stderr (or log.file), human text or JSON lines (log.format).
 *
 * JSON lines have stable field names: ts (RFC 3339, UTC, milliseconds), level, component, msg, and
 * where the caller gives them (rc_log_kv) table, position and error. The text form shows msg only:
 * callers keep what the fields say in their message, for people. *
 * Records are formatted into one buffer and written with a single write(2), so lines from several
 * threads (parallel snapshot readers) never interleave. Registered secrets are masked in every line,
 * as a last guard: callers must still never pass a secret on purpose.
 */
#ifndef RC_LOG_H
#define RC_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	RC_LOG_ERROR = 0,
	RC_LOG_WARN,
	RC_LOG_INFO,
	RC_LOG_DEBUG,
	RC_LOG_TRACE,
} rc_log_level_t;

typedef enum {
	RC_LOG_FORMAT_TEXT = 0,
	RC_LOG_FORMAT_JSON,
} rc_log_format_t;

/* Sets the threshold and the format. Before this is called: INFO, text. */
void rc_log_setup(rc_log_level_t level, rc_log_format_t format);

/* Parses "error", "warn", "info", "debug", "trace". Returns 0, or -1 for anything else. */
int rc_log_level_parse(const char *s, rc_log_level_t *out);

/* Parses "text" or "json". Returns 0, or -1 for anything else. */
int rc_log_format_parse(const char *s, rc_log_format_t *out);

/* Registers a secret (borrowed string, copied) that is replaced by "***" in every later line. */
void rc_log_add_secret(const char *secret);

/* True when records of this level are written: lets callers skip expensive formatting. */
bool rc_log_enabled(rc_log_level_t level);

/* Opens path (log.file) for appending (O_APPEND|O_CLOEXEC, created 0640): later lines go there
 * instead of stderr. Returns 0, or -1 with err filled. */
int rc_log_open_file(const char *path, char *err, size_t errlen);

/* Async-signal-safe (SIGHUP): the next line written first reopens log.file under its name. */
void rc_log_request_reopen(void);

/* The structured fields of a record; NULL members are left out. */
typedef struct rc_log_fields {
	const char *table;    /* "schema.table" or "db.table" */
	const char *position; /* a source position's text (rc_pos_text) */
	const char *error;    /* the error's text */
} rc_log_fields_t;

/* As rc_log, with fields (NULL: none) written as JSON members in log.format=json. */
void rc_log_kv(rc_log_level_t level, const char *component, const rc_log_fields_t *fields, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/* Writes one record. component names the part of rowcast speaking ("config", "pg", "kafka"). */
void rc_log(rc_log_level_t level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define rc_log_error(comp, ...) rc_log(RC_LOG_ERROR, comp, __VA_ARGS__)
#define rc_log_warn(comp, ...) rc_log(RC_LOG_WARN, comp, __VA_ARGS__)
#define rc_log_info(comp, ...) rc_log(RC_LOG_INFO, comp, __VA_ARGS__)
#define rc_log_debug(comp, ...)                                                                              \
	do {                                                                                                 \
		if (rc_log_enabled(RC_LOG_DEBUG))                                                            \
			rc_log(RC_LOG_DEBUG, comp, __VA_ARGS__);                                             \
	} while (0)

#endif
