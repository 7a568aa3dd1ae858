/*
 * GTID sets and positions, pure (text and bytes in, sets out; no server): MySQL's GTID sets, as
 * gtid_executed and gtid_purged print them and PREVIOUS_GTIDS carries them, and MariaDB's GTID
 * positions (gtid_slave_pos / gtid_binlog_pos), for the MySQL source's position blob and its guard
 * rails ("the server purged GTIDs we still need": gtid_purged not a subset of our executed set).
 *
 * MySQL's text form (MySQL 8.4 manual, "GTID Format and Storage"; tags since 8.3):
 *
 *   gtid_set  := '' | uuid_set [',' uuid_set]...      (blanks and newlines around the commas)
 *   uuid_set  := uuid (':' (tag | interval))...        at least one interval after the uuid and
 *                                                      after every tag
 *   interval  := gno ['-' gno]                         1 <= start <= end <= 2^63-1
 *   tag       := [a-zA-Z_][a-zA-Z0-9_]{0,31}           case-insensitive
 *
 * A tag applies to the intervals that follow it up to the next tag; the intervals right after the
 * uuid are untagged. A transaction source (uuid, tag) may appear any number of times, its intervals
 * in any order. Formatted as the server prints gtid_executed, but with "," alone between uuid sets
 * (the server adds a newline): UUIDs and tags lower-case, uuid sets by UUID, each uuid's untagged
 * intervals first, then its tags in order, intervals sorted and merged:
 *
 *   3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9:domain_1:1-3,4a2b...:1-3
 *
 * MariaDB's form: domain-server_id-seq triples, one per replication domain, comma-separated,
 * formatted sorted by domain ("0-1-100,1-2-5").
 *
 * Errors: every fallible call returns 0 (RC_OK) or RC_ERR_FATAL with the words (and the byte offset
 * of the fault, for parsers) in the caller's buffer err/errlen; out of memory is RC_ERR_FATAL too.
 * Sizes are bounded (RC_GTID_TEXT_MAX, RC_GTID_MAX_TSIDS, RC_GTID_MAX_INTERVALS): beyond them is an
 * error, never a truncation.
 */
#ifndef RC_GTID_H
#define RC_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_GTID_UUID_LEN 16                          /* bytes of a UUID */
#define RC_GTID_UUID_TEXTLEN 36                      /* its text, without the NUL */
#define RC_GTID_TAG_MAX 32                           /* characters of a tag */
#define RC_GTID_GNO_MAX UINT64_C(0x7fffffffffffffff) /* 2^63-1, MySQL's GNO_END - 1 */
#define RC_GTID_TEXT_MAX ((size_t)16 << 20)          /* longest text parsed (16 MiB) */
#define RC_GTID_MAX_TSIDS 65536                      /* (uuid, tag) pairs in one set */
#define RC_GTID_MAX_INTERVALS (1u << 20)             /* intervals in one set, all sources together */

/* A MySQL GTID set. One owner: free with rc_gtid_set_free. */
typedef struct rc_gtid_set rc_gtid_set_t;

/* An empty set; NULL when out of memory. Caller frees with rc_gtid_set_free. */
rc_gtid_set_t *rc_gtid_set_new(void);

/* Frees set and everything in it; NULL is fine. */
void rc_gtid_set_free(rc_gtid_set_t *set);

/*
 * Parses MySQL's text form (text, len bytes, need not be NUL-terminated; see above) into a new set
 * *out (caller frees with rc_gtid_set_free; left NULL on error). Errors name the offset: a bad UUID,
 * GNO 0 or past 2^63-1, end < start, an empty interval, a bad or empty tag, trailing garbage.
 */
int rc_gtid_set_parse(const char *text, size_t len, rc_gtid_set_t **out, char *err, size_t errlen);

/*
 * Writes set in the canonical text form (see above) into a new NUL-terminated string *out (caller
 * frees with free()), its length in *outlen (may be NULL). The empty set is "".
 */
int rc_gtid_set_format(const rc_gtid_set_t *set, char **out, size_t *outlen, char *err, size_t errlen);

/*
 * Adds one GTID (uuid, tag, gno) to set, merging it into the intervals of (uuid, tag). tag is NULL
 * or "" for an untagged GTID, else a tag as above (any case). The per-transaction hot path: the next
 * GNO of the last source added extends its last interval in O(1); otherwise O(intervals of that
 * source). Adding a GTID already in the set changes nothing.
 */
int rc_gtid_set_add(rc_gtid_set_t *set, const uint8_t uuid[RC_GTID_UUID_LEN], const char *tag, uint64_t gno,
                    char *err, size_t errlen);

/* True when set holds (uuid, tag, gno); tag as for rc_gtid_set_add (an invalid tag is never held). */
bool rc_gtid_set_contains(const rc_gtid_set_t *set, const uint8_t uuid[RC_GTID_UUID_LEN], const char *tag,
                          uint64_t gno);

/* True when every GTID of sub is in super (the empty set is a subset of every set). */
bool rc_gtid_set_subset(const rc_gtid_set_t *sub, const rc_gtid_set_t *super);

/* True when set holds no GTID. */
bool rc_gtid_set_is_empty(const rc_gtid_set_t *set);

/*
 * Decodes the body of a PREVIOUS_GTIDS event (after the 19-byte event header, without the 4-byte
 * CRC32 that follows it when checksums are on) into a new set *out (caller frees with
 * rc_gtid_set_free; NULL on error). The body, all little-endian:
 *
 *   n_sids        8 bytes
 *   per sid:      uuid 16 bytes, n_intervals 8 bytes,
 *     per interval: start 8 bytes, end 8 bytes (exclusive; 1 <= start < end <= 2^63)
 *
 * MySQL 8.3+ writes the tagged form (format 1) when the set has tags: the first 8 bytes are 0x01,
 * n_sids (6 bytes), 0x01; each sid has its tag after the uuid: a length byte (length << 1, MySQL's
 * serialization of a small unsigned integer; 0 for no tag) and that many characters.
 *
 * A truncated body, counts larger than the bytes left, a bad tag, a bad interval or bytes after the
 * last sid are errors naming the offset.
 */
int rc_gtid_set_from_previous_gtids(const void *body, size_t len, rc_gtid_set_t **out, char *err,
                                    size_t errlen);

/* Writes set in the PREVIOUS_GTIDS body format above (the tagged form when it has tags), which is
 * also what COM_BINLOG_DUMP_GTID carries, into a new buffer *out (caller frees with free()) of
 * *outlen bytes. */
int rc_gtid_set_encode(const rc_gtid_set_t *set, uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* Parses a UUID's 36-character text (hex digits of either case, hyphens at 8, 13, 18 and 23) into
 * uuid. Returns 0, or -1 when text is not one. */
int rc_gtid_uuid_parse(const char *text, size_t len, uint8_t uuid[RC_GTID_UUID_LEN]);

/* Writes uuid as lower-case text with its NUL into out. */
void rc_gtid_uuid_format(const uint8_t uuid[RC_GTID_UUID_LEN], char out[RC_GTID_UUID_TEXTLEN + 1]);

/* MariaDB: one GTID, the last one of its replication domain. */
typedef struct rc_gtid_mariadb {
	uint32_t domain;
	uint32_t server_id;
	uint64_t seq;
} rc_gtid_mariadb_t;

#define RC_GTID_MARIADB_MAX_DOMAINS 65536

/* A MariaDB GTID position: at most one GTID per domain, kept sorted by domain. One owner: free with
 * rc_gtid_mariadb_pos_free. */
typedef struct rc_gtid_mariadb_pos rc_gtid_mariadb_pos_t;

/* An empty position; NULL when out of memory. Caller frees with rc_gtid_mariadb_pos_free. */
rc_gtid_mariadb_pos_t *rc_gtid_mariadb_pos_new(void);

/* Frees pos; NULL is fine. */
void rc_gtid_mariadb_pos_free(rc_gtid_mariadb_pos_t *pos);

/*
 * Parses "domain-server_id-seq[,domain-server_id-seq]..." (text, len bytes; blanks and newlines
 * around the commas; "" is the empty position; domain and server_id 32-bit, seq 64-bit) into a new
 * position *out (caller frees with rc_gtid_mariadb_pos_free). Two GTIDs of one domain are an error,
 * as MariaDB's own parser makes them.
 */
int rc_gtid_mariadb_parse(const char *text, size_t len, rc_gtid_mariadb_pos_t **out, char *err,
                          size_t errlen);

/* Writes pos sorted by domain ("0-1-100,1-2-5"; "" when empty) into a new NUL-terminated string
 * *out (caller frees with free()), its length in *outlen (may be NULL). */
int rc_gtid_mariadb_format(const rc_gtid_mariadb_pos_t *pos, char **out, size_t *outlen, char *err,
                           size_t errlen);

/* Makes gtid the position's GTID of its domain (replacing the one there, as gtid_slave_pos keeps the
 * last GTID applied per domain). */
int rc_gtid_mariadb_advance(rc_gtid_mariadb_pos_t *pos, const rc_gtid_mariadb_t *gtid, char *err,
                            size_t errlen);

/* The GTID of domain in pos (borrowed: valid until pos changes), or NULL when pos has none. */
const rc_gtid_mariadb_t *rc_gtid_mariadb_get(const rc_gtid_mariadb_pos_t *pos, uint32_t domain);

/* Number of domains in pos. */
size_t rc_gtid_mariadb_count(const rc_gtid_mariadb_pos_t *pos);

#endif
