/*
 * Column mappers for personal data, Debezium's properties and semantics, applied to every event
 * of every source (snapshot and stream) before it is encoded:
 *
 *   column.include.list / column.exclude.list = <regexes>   the column is left out of the schemas and
 *                                                            the events (the two are exclusive)
 *   column.truncate.to.<N>.chars = <regexes>                 strings cut to N UTF-16 units (Java's
 *                                                            String.length()), bytes to N bytes
 *   column.mask.with.<N>.chars = <regexes>                   the value, NULL included, becomes N '*'
 *   column.mask.hash.<ALG>.with.salt.<SALT> = <regexes>      hex of ALG(SALT || Java serialization of
 *                                                            the String), "v1"
 *   column.mask.hash.v2.<ALG>.with.salt.<SALT> = <regexes>   hex of ALG(SALT || UTF-8 of the value)
 *
 * Each regex is matched, anchored, against "<schema>.<table>.<column>" (MySQL: "<db>.<table>.<column>").
 * A column takes the first rule that names it, in Debezium's order (truncate, mask, hash v1, hash v2),
 * as ColumnMappers.mapperFor does. Masks and hashes apply to character columns only (Debezium's JDBC
 * CHAR/VARCHAR/... types); other columns keep their values but, as Debezium, their field schema gets
 * the parameter masked=true. A hash is cut to the column's declared length (VARCHAR(n)) when it has one.
 * The key is never masked: Debezium builds the key without the column mappers.
 *
 * The rules are compiled once (rc_column_map_init); each table gets its plan (the published copy of
 * its schema, an action per column) at its first event; per event the work is one switch per column.
 */
#ifndef RC_COLUMN_MAP_H
#define RC_COLUMN_MAP_H

#include "agent/arena.h"
#include "agent/check_report.h"
#include "agent/conf.h"
#include "agent/event.h"
#include "agent/filter.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	RC_CM_TRUNCATE,
	RC_CM_MASK,
	RC_CM_HASH_V1,
	RC_CM_HASH_V2,
} rc_cm_kind_t;

typedef struct rc_cm_rule {
	rc_cm_kind_t kind;
	char *prop;           /* the property, for messages (owned) */
	int32_t n;            /* TRUNCATE, MASK: N */
	const void *md;       /* HASH: the OpenSSL EVP_MD */
	const char *alg;      /* HASH: the Java name as given (points into prop) */
	const char *salt;     /* HASH: points into prop */
	char *mask;           /* MASK: N asterisks (owned) */
	rc_regex_list_t cols; /* the columns it applies to */
} rc_cm_rule_t;

typedef struct rc_column_map {
	rc_cm_rule_t *rules; /* in Debezium's precedence order */
	size_t nrules;
	rc_regex_list_t include, exclude; /* column.include.list, column.exclude.list */
	rc_arena_t scratch;               /* the event being mapped: its images and hashes */
} rc_column_map_t;

/* True when name is a column mapper property (column.mask.*, column.truncate.*): their names carry
 * parameters, so the property table cannot list them; rc_column_map_init checks them. */
bool rc_column_map_is_property(const char *name);

/* Compiles the rules of conf into cm (caller frees with rc_column_map_free). Returns 0, or -1 with
 * err naming the property at fault: an invalid regular expression, a hash algorithm that Java's
 * MessageDigest and OpenSSL do not both know, N not a number, include and exclude lists together. */
int rc_column_map_init(rc_column_map_t *cm, const rc_conf_t *conf, char *err, size_t errlen);
void rc_column_map_free(rc_column_map_t *cm);

/* True when cm changes anything at all (the pipeline skips it otherwise). */
bool rc_column_map_active(const rc_column_map_t *cm);

/* One "ok" line per rule into rep (`rowcast check`). */
void rc_column_map_report(const rc_column_map_t *cm, rc_check_report_t *rep);

/* Maps ev into *out: out->table is the published table, out->before/after the mapped images,
 * out->key_image the clear key when a key column is masked. out borrows from ev, from the table's
 * plan and from cm's scratch, valid until the next call. Builds the table's plan at its first event
 * (ev->table->plan). Returns RC_OK, or RC_ERR_FATAL with err filled (out of memory). */
int rc_column_map_apply(rc_column_map_t *cm, const rc_event_t *ev, rc_event_t *out, char *err, size_t errlen);

/* The hash rule r gives the string s (len bytes, UTF-8) as lower-case hex, NUL-terminated, into hex
 * (at least 2 * EVP_MAX_MD_SIZE + 1 bytes). Returns the hex length, or -1 on an OpenSSL failure. */
int rc_column_map_hash(const rc_cm_rule_t *r, const char *s, size_t len, char *hex, size_t hexlen);

/* The number of bytes of the UTF-8 string s (len bytes) that hold its first n UTF-16 units (Java's
 * substring(0, n)); a character that would be cut in two is left out. */
size_t rc_column_map_utf16_prefix(const char *s, size_t len, int32_t n);

/* Frees a table's plan (agent/table.c, when the table is freed). */
void rc_column_plan_free(struct rc_column_plan *plan);

#endif
