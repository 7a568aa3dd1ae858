/*
 * The table of every property rowcast knows: its name, value type, default and which source needs it.
 * Names follow Debezium's wherever Debezium has one (research/ecosystem.md), so connector configs carry
 * over. The table is the single place a new property is declared; config.c validates against it and
 * `rowcast config print` lists it.
 */
#ifndef RC_PROPERTIES_H
#define RC_PROPERTIES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	RC_PROP_STRING,
	RC_PROP_INT,     /* integer within [min, max] */
	RC_PROP_BOOL,    /* true|false */
	RC_PROP_ENUM,    /* one of choices ("a|b|c") */
	RC_PROP_REGEXES, /* comma-separated POSIX extended regular expressions */
	RC_PROP_PATH,    /* a file path */
} rc_prop_type_t;

enum {
	RC_PROP_SECRET = 1 << 0,       /* value never printed */
	RC_PROP_REQUIRED = 1 << 1,     /* required for every source */
	RC_PROP_REQ_KAFKA = 1 << 4,    /* required when sink.type=kafka */
	RC_PROP_FILE_VARIANT = 1 << 5, /* may be given as <name>.file: a path holding the value */
	RC_PROP_NOT_YET = 1 << 6       /* a contract name with no effect in this version: warned when set */
};

typedef struct rc_prop_def {
	const char *name;
	rc_prop_type_t type;
	const char *def;     /* default as text, NULL for none */
	const char *choices; /* RC_PROP_ENUM: "a|b|c" */
	int64_t min, max;    /* RC_PROP_INT */
	unsigned flags;
	const char *doc;
} rc_prop_def_t;

/* Returns the definition of name, or NULL if rowcast does not know it. */
const rc_prop_def_t *rc_prop_find(const char *name);

/* The whole table, for listing: *n receives its length. */
const rc_prop_def_t *rc_prop_all(size_t *n);

/* A family of properties named by a pattern (kafka.<property>, column.mask.with.<N>.chars, ...):
 * what `config list` and rowcast(1) show besides the table above. */
typedef struct rc_prop_pattern {
	const char *name, *doc;
} rc_prop_pattern_t;

/* Every pattern, n set to their count (static storage). */
const rc_prop_pattern_t *rc_prop_patterns(size_t *n);

/* True if name is a Debezium/Kafka Connect key that rowcast accepts but ignores (a warning). */
int rc_prop_is_foreign(const char *name);

/* If name is a Debezium alias of a rowcast property, returns the rowcast name, else NULL. */
const char *rc_prop_alias(const char *name);

/* The closest known name to name (edit distance), or NULL if nothing is close. */
const char *rc_prop_suggest(const char *name);

#endif
