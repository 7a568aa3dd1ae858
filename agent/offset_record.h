/*
 * The offset record: the JSON document every offset store holds (the file store's whole file, the
 * Kafka store's record value), and the identity check that refuses another connector's record.
 *
 *   {"version": 2, "source": "postgres", "topic.prefix": "shop",
 *    "identity": {"database": "shop", "slot": "rowcast"}, "host": "db1:5432",
 *    "position": {"lsn": "0/16B3748"},            (absent while a snapshot runs)
 *    "snapshot": "running", "snapshot_tables": 3, (only while a snapshot runs)
 *    "updated_at": "2026-12-01T10:00:00Z"}
 *
 * "position" holds what the source's codec writes. Version 1 documents (rowcast 0.1 files: "slot",
 * "database" and "lsn" at the top, PostgreSQL only) are read; only version 2 is written.
 *
 * One codec for every store, so a record means the same wherever it is kept and the refusals read
 * alike; each store names itself in the messages (rc_offset_where_t).
 */
#ifndef RC_OFFSET_RECORD_H
#define RC_OFFSET_RECORD_H

#include "agent/offset_store.h"

#include <stddef.h>

#define RC_OFFSET_RECORD_VERSION 2

/* How a store names itself and its way out in messages. */
typedef struct rc_offset_where {
	const char *subject;  /* "offset file '/var/lib/rowcast/o.json'" */
	const char *fix_mine; /* another connector's record: "set offset.storage.file.filename to a file
	                       * of this one's" */
	const char *fix_over; /* a record of another source identity: how to use another record, or to
	                       * start over with a snapshot */
} rc_offset_where_t;

enum {
	RC_OFFSET_RECORD_PRETTY = 1 << 0, /* indented (a file a person reads); otherwise one line */
};

/* The document for o as the connector me's (o->ident is ignored), or NULL when out of memory.
 * Caller frees with free(). */
char *rc_offset_record_render(const rc_offset_ident_t *me, const rc_pos_codec_t *codec, const rc_offset_t *o,
                              unsigned flags);

/*
 * Parses text (len bytes, not necessarily terminated) into *out for the connector me, whose source
 * type's codec reads the position. Returns RC_OK; RC_ERR_REFUSED with err naming both sides when the
 * record is another connector's (rc_offset_record_check); RC_ERR_FATAL with err naming w->subject and
 * what is wrong when the text is not JSON, not an object, of an unknown version, or lacks a field. On
 * error *out is cleared.
 */
int rc_offset_record_parse(const char *text, size_t len, const rc_offset_ident_t *me,
                           const rc_pos_codec_t *codec, const rc_offset_where_t *w, rc_offset_t *out,
                           char *err, size_t errlen);

/* RC_OK when rec (a record's identity) is me's; RC_ERR_REFUSED naming both otherwise. A changed host
 * alone is a warning (DNS moves, failovers): the source checks the position itself. */
int rc_offset_record_check(const rc_offset_ident_t *rec, const rc_offset_ident_t *me,
                           const rc_offset_where_t *w, char *err, size_t errlen);

/* "database=shop, slot=rowcast" into buf. */
void rc_offset_ident_text(const rc_offset_ident_t *id, char *buf, size_t len);

#endif
