/*
 * pgoutput messages: bytes in, rc_pgo_msg_t out (decoders/postgres/pgoutput.h has the wire format).
 *
 * Every field goes through the bounded reader of agent/reader.h, which checks the bytes left before it
 * reads, so a short, overlong or lying message is an error with its offset and never a read past the
 * buffer. Counts that size an allocation (columns, attributes, relids) are checked against the bytes
 * left first, so a small message can never ask the arena for much more memory than its own length.
 */
#include "config.h"

#include "decoders/postgres/pgoutput.h"

#include "agent/calendar.h"
#include "agent/reader.h"
#include "decoders/postgres/pg_walmsg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Smallest wire size of a TupleData column ('n') and of a Relation attribute (flags, "", oid, typmod). */
#define MIN_COL_BYTES 1
#define MIN_ATTR_BYTES 10

/* The message being parsed: the bytes (agent/reader.h) and what errors and allocations need. */
typedef struct {
	rc_reader_t rd;
	const char *what; /* message type name, for errors */
	rc_arena_t *arena;
	char *err;
	size_t errlen;
} reader_t;

/* Where a message may appear relative to a stream block (Stream Start .. Stream Stop). */
enum { OUTSIDE, EITHER, INSIDE };

/* What the parser knows of each message type, indexed by its wire byte. */
typedef struct {
	const char *name;
	uint8_t min_version; /* the protocol version that introduced it */
	uint8_t where;
	bool stream_xid; /* carries an xid after the type byte inside a stream block */
} msg_info_t;

/* Origin is sent right after Stream Start when a streamed transaction has one. */
static const msg_info_t msg_info[256] = {
    [RC_PGO_BEGIN] = {"Begin", 1, OUTSIDE, false},
    [RC_PGO_COMMIT] = {"Commit", 1, OUTSIDE, false},
    [RC_PGO_ORIGIN] = {"Origin", 1, EITHER, false},
    [RC_PGO_RELATION] = {"Relation", 1, EITHER, true},
    [RC_PGO_TYPE] = {"Type", 1, EITHER, true},
    [RC_PGO_INSERT] = {"Insert", 1, EITHER, true},
    [RC_PGO_UPDATE] = {"Update", 1, EITHER, true},
    [RC_PGO_DELETE] = {"Delete", 1, EITHER, true},
    [RC_PGO_TRUNCATE] = {"Truncate", 1, EITHER, true},
    [RC_PGO_MESSAGE] = {"Message", 1, EITHER, true},
    [RC_PGO_STREAM_START] = {"Stream Start", 2, OUTSIDE, false},
    [RC_PGO_STREAM_STOP] = {"Stream Stop", 2, INSIDE, false},
    [RC_PGO_STREAM_COMMIT] = {"Stream Commit", 2, OUTSIDE, false},
    [RC_PGO_STREAM_ABORT] = {"Stream Abort", 2, OUTSIDE, false},
    [RC_PGO_BEGIN_PREPARE] = {"Begin Prepare", 3, OUTSIDE, false},
    [RC_PGO_PREPARE] = {"Prepare", 3, OUTSIDE, false},
    [RC_PGO_COMMIT_PREPARED] = {"Commit Prepared", 3, OUTSIDE, false},
    [RC_PGO_ROLLBACK_PREPARED] = {"Rollback Prepared", 3, OUTSIDE, false},
    [RC_PGO_STREAM_PREPARE] = {"Stream Prepare", 3, OUTSIDE, false},
};

const char *rc_pgoutput_type_name(int type)
{
	if (type < 0 || type > 255 || !msg_info[type].name)
		return "unknown";
	return msg_info[type].name;
}

static int fail(reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(reader_t *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->errlen == 0)
		return -1;
	n = snprintf(r->err, r->errlen, "pgoutput %s: ", r->what);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static size_t left(const reader_t *r)
{
	return rc_reader_remaining(&r->rd);
}

/* The byte reader's failure, behind the message type. */
static int read_fail(reader_t *r)
{
	char why[160];

	rc_reader_describe(&r->rd, why, sizeof why);
	fail(r, "%s", why);
	return -1;
}

static int get_u8(reader_t *r, uint8_t *v)
{
	if (rc_reader_u8(&r->rd, v))
		return read_fail(r);
	return 0;
}

static int get_i16(reader_t *r, int16_t *v)
{
	if (rc_reader_be_i16(&r->rd, v))
		return read_fail(r);
	return 0;
}

static int get_u32(reader_t *r, uint32_t *v)
{
	if (rc_reader_be_u32(&r->rd, v))
		return read_fail(r);
	return 0;
}

static int get_i32(reader_t *r, int32_t *v)
{
	if (rc_reader_be_i32(&r->rd, v))
		return read_fail(r);
	return 0;
}

static int get_u64(reader_t *r, uint64_t *v)
{
	if (rc_reader_be_u64(&r->rd, v))
		return read_fail(r);
	return 0;
}

static int get_i64(reader_t *r, int64_t *v)
{
	if (rc_reader_be_i64(&r->rd, v))
		return read_fail(r);
	return 0;
}

static int get_bool(reader_t *r, bool *v)
{
	size_t at = r->rd.pos;
	uint8_t b;

	if (get_u8(r, &b))
		return -1;
	if (b > 1)
		return fail(r, "flag at offset %zu is %u, expected 0 or 1", at, b);
	*v = b == 1;
	return 0;
}

/* A NUL-terminated string, borrowed from the buffer. */
static int get_cstring(reader_t *r, const char **s)
{
	if (rc_reader_cstring(&r->rd, s, NULL))
		return read_fail(r);
	return 0;
}

/* A namespace: PostgreSQL sends "" for pg_catalog to save bytes. */
static int get_namespace(reader_t *r, const char **s)
{
	if (get_cstring(r, s))
		return -1;
	if (**s == '\0')
		*s = "pg_catalog";
	return 0;
}

/* An Int32 length that must not be negative, then that many bytes, borrowed. */
static int get_counted(reader_t *r, const char *field, uint32_t *len, const uint8_t **data)
{
	size_t at = r->rd.pos;
	int32_t n;

	if (get_i32(r, &n))
		return -1;
	if (n < 0)
		return fail(r, "negative length %" PRId32 " of %s at offset %zu", n, field, at);
	if (rc_reader_bytes(&r->rd, (size_t)n, data))
		return read_fail(r);
	*len = (uint32_t)n;
	return 0;
}

static void *alloc_array(reader_t *r, size_t n, size_t size, const char *what)
{
	void *p;

	if (n == 0)
		return NULL;
	p = rc_arena_calloc(r->arena, n, size);
	if (!p)
		fail(r, "out of memory for %zu %s", n, what);
	return p;
}

/* Reads a count of items of at least min_bytes each, and checks it against max and the bytes left. */
static int get_count16(reader_t *r, const char *what, size_t min_bytes, int *count)
{
	size_t at = r->rd.pos;
	int16_t n;

	if (get_i16(r, &n))
		return -1;
	if (n < 0 || n > RC_PGO_MAX_COLS)
		return fail(r, "%s count %d at offset %zu is out of range (0..%d)", what, n, at,
		            RC_PGO_MAX_COLS);
	if ((size_t)n * min_bytes > left(r))
		return fail(r, "truncated at offset %zu: %d %ss need at least %zu bytes, %zu left", r->rd.pos,
		            n, what, (size_t)n * min_bytes, left(r));
	*count = n;
	return 0;
}

static int parse_tuple(reader_t *r, rc_pgo_tuple_t *t)
{
	if (get_count16(r, "column", MIN_COL_BYTES, &t->ncols))
		return -1;
	t->cols = alloc_array(r, (size_t)t->ncols, sizeof *t->cols, "columns");
	if (t->ncols > 0 && !t->cols)
		return -1;
	for (int i = 0; i < t->ncols; i++) {
		rc_pgo_col_t *col = &t->cols[i];
		size_t at = r->rd.pos;
		uint8_t kind;

		if (get_u8(r, &kind))
			return -1;
		switch (kind) {
		case RC_PGO_COL_NULL:
		case RC_PGO_COL_UNCHANGED:
			col->kind = (rc_pgo_col_kind_t)kind;
			break;
		case RC_PGO_COL_TEXT:
		case RC_PGO_COL_BINARY:
			col->kind = (rc_pgo_col_kind_t)kind;
			if (get_counted(r, "column value", &col->len, &col->data))
				return -1;
			break;
		default:
			return fail(r,
			            "unknown kind 0x%02x of column %d at offset %zu (expected n, u, t or b)",
			            kind, i + 1, at);
		}
	}
	return 0;
}

/* A one-byte marker the protocol requires at this point ('N' before a new tuple). */
static int expect(reader_t *r, uint8_t want)
{
	size_t at = r->rd.pos;
	uint8_t b;

	if (get_u8(r, &b))
		return -1;
	if (b != want)
		return fail(r, "expected '%c' at offset %zu, got 0x%02x", want, at, b);
	return 0;
}

static int parse_relation(reader_t *r, rc_pgo_msg_t *m)
{
	size_t at;
	uint8_t ident;

	if (get_u32(r, &m->relation.relid) || get_namespace(r, &m->relation.nspname) ||
	    get_cstring(r, &m->relation.relname))
		return -1;
	at = r->rd.pos;
	if (get_u8(r, &ident))
		return -1;
	switch (ident) {
	case RC_PGO_IDENT_DEFAULT:
	case RC_PGO_IDENT_NOTHING:
	case RC_PGO_IDENT_FULL:
	case RC_PGO_IDENT_INDEX:
		m->relation.replident = (rc_pgo_replident_t)ident;
		break;
	default:
		return fail(r, "unknown replica identity 0x%02x at offset %zu (expected d, n, f or i)", ident,
		            at);
	}
	if (get_count16(r, "attribute", MIN_ATTR_BYTES, &m->relation.natts))
		return -1;
	m->relation.attrs =
	    alloc_array(r, (size_t)m->relation.natts, sizeof *m->relation.attrs, "attributes");
	if (m->relation.natts > 0 && !m->relation.attrs)
		return -1;
	for (int i = 0; i < m->relation.natts; i++) {
		rc_pgo_attr_t *a = &m->relation.attrs[i];

		if (get_u8(r, &a->flags) || get_cstring(r, &a->name) || get_u32(r, &a->type_oid) ||
		    get_i32(r, &a->typmod))
			return -1;
	}
	return 0;
}

/* The optional 'K'/'O' old tuple of Update (optional) and Delete (required). */
static int parse_old(reader_t *r, bool required, char *old_kind, rc_pgo_tuple_t *old)
{
	size_t at = r->rd.pos;
	uint8_t b;

	if (rc_reader_peek_u8(&r->rd, &b))
		return read_fail(r);
	if (b == RC_PGO_OLD_KEY || b == RC_PGO_OLD_ROW) {
		rc_reader_skip(&r->rd, 1);
		*old_kind = (char)b;
		return parse_tuple(r, old);
	}
	if (required)
		return fail(r, "expected 'K' or 'O' at offset %zu, got 0x%02x", at, b);
	*old_kind = RC_PGO_OLD_NONE;
	return 0;
}

static int parse_truncate(reader_t *r, rc_pgo_msg_t *m)
{
	if (get_u32(r, &m->truncate.nrels) || get_u8(r, &m->truncate.options))
		return -1;
	if (m->truncate.nrels > left(r) / 4)
		return fail(r, "truncated at offset %zu: %" PRIu32 " relids need %zu bytes, %zu left",
		            r->rd.pos, m->truncate.nrels, (size_t)m->truncate.nrels * 4, left(r));
	m->truncate.relids = alloc_array(r, m->truncate.nrels, sizeof *m->truncate.relids, "relids");
	if (m->truncate.nrels > 0 && !m->truncate.relids)
		return -1;
	for (uint32_t i = 0; i < m->truncate.nrels; i++)
		if (get_u32(r, &m->truncate.relids[i]))
			return -1;
	return 0;
}

/* The fields after the type byte (and the stream xid). Returns 0 or -1. */
static int parse_body(reader_t *r, int proto_version, rc_pgo_msg_t *m)
{
	int rc = 0;

	switch (m->type) {
	case RC_PGO_BEGIN:
		rc = get_u64(r, &m->begin.final_lsn) || get_i64(r, &m->begin.commit_ts) ||
		     get_u32(r, &m->begin.xid);
		break;
	case RC_PGO_COMMIT:
		rc = get_u8(r, &m->commit.flags) || get_u64(r, &m->commit.commit_lsn) ||
		     get_u64(r, &m->commit.end_lsn) || get_i64(r, &m->commit.commit_ts);
		break;
	case RC_PGO_ORIGIN:
		rc = get_u64(r, &m->origin.commit_lsn) || get_cstring(r, &m->origin.name);
		break;
	case RC_PGO_RELATION:
		rc = parse_relation(r, m);
		break;
	case RC_PGO_TYPE:
		rc = get_u32(r, &m->pgtype.oid) || get_namespace(r, &m->pgtype.nspname) ||
		     get_cstring(r, &m->pgtype.name);
		break;
	case RC_PGO_INSERT:
		rc = get_u32(r, &m->insert.relid) || expect(r, 'N') || parse_tuple(r, &m->insert.newtup);
		break;
	case RC_PGO_UPDATE:
		rc = get_u32(r, &m->update.relid) ||
		     parse_old(r, false, &m->update.old_kind, &m->update.oldtup) || expect(r, 'N') ||
		     parse_tuple(r, &m->update.newtup);
		break;
	case RC_PGO_DELETE:
		rc = get_u32(r, &m->delete.relid) ||
		     parse_old(r, true, &m->delete.old_kind, &m->delete.oldtup);
		break;
	case RC_PGO_TRUNCATE:
		rc = parse_truncate(r, m);
		break;
	case RC_PGO_MESSAGE:
		rc = get_u8(r, &m->message.flags) || get_u64(r, &m->message.lsn) ||
		     get_cstring(r, &m->message.prefix) ||
		     get_counted(r, "content", &m->message.len, &m->message.content);
		break;
	case RC_PGO_STREAM_START:
		rc = get_u32(r, &m->stream_start.xid) || get_bool(r, &m->stream_start.first_segment);
		break;
	case RC_PGO_STREAM_STOP:
		break;
	case RC_PGO_STREAM_COMMIT:
		rc = get_u32(r, &m->stream_commit.xid) || get_u8(r, &m->stream_commit.flags) ||
		     get_u64(r, &m->stream_commit.commit_lsn) || get_u64(r, &m->stream_commit.end_lsn) ||
		     get_i64(r, &m->stream_commit.commit_ts);
		break;
	case RC_PGO_STREAM_ABORT:
		rc = get_u32(r, &m->stream_abort.xid) || get_u32(r, &m->stream_abort.subxid);
		/* Version 4 adds the abort LSN and time only with streaming=parallel, which the message
		 * does not say; but a message always arrives whole, so its length tells. */
		if (rc == 0 && proto_version >= 4 && left(r) > 0) {
			m->stream_abort.has_abort_info = true;
			rc = get_u64(r, &m->stream_abort.abort_lsn) || get_i64(r, &m->stream_abort.abort_ts);
		}
		break;
	case RC_PGO_BEGIN_PREPARE:
		rc = get_u64(r, &m->prepare.prepare_lsn) || get_u64(r, &m->prepare.end_lsn) ||
		     get_i64(r, &m->prepare.prepare_ts) || get_u32(r, &m->prepare.xid) ||
		     get_cstring(r, &m->prepare.gid);
		break;
	case RC_PGO_PREPARE:
	case RC_PGO_STREAM_PREPARE:
		rc = get_u8(r, &m->prepare.flags) || get_u64(r, &m->prepare.prepare_lsn) ||
		     get_u64(r, &m->prepare.end_lsn) || get_i64(r, &m->prepare.prepare_ts) ||
		     get_u32(r, &m->prepare.xid) || get_cstring(r, &m->prepare.gid);
		break;
	case RC_PGO_COMMIT_PREPARED:
		rc = get_u8(r, &m->commit_prepared.flags) || get_u64(r, &m->commit_prepared.commit_lsn) ||
		     get_u64(r, &m->commit_prepared.end_lsn) || get_i64(r, &m->commit_prepared.commit_ts) ||
		     get_u32(r, &m->commit_prepared.xid) || get_cstring(r, &m->commit_prepared.gid);
		break;
	case RC_PGO_ROLLBACK_PREPARED:
		rc = get_u8(r, &m->rollback_prepared.flags) ||
		     get_u64(r, &m->rollback_prepared.prepare_end_lsn) ||
		     get_u64(r, &m->rollback_prepared.rollback_end_lsn) ||
		     get_i64(r, &m->rollback_prepared.prepare_ts) ||
		     get_i64(r, &m->rollback_prepared.rollback_ts) || get_u32(r, &m->rollback_prepared.xid) ||
		     get_cstring(r, &m->rollback_prepared.gid);
		break;
	default:
		/* Unreachable: rc_pgoutput_parse checked the type against the names table. */
		return fail(r, "no parser for this message type");
	}
	return rc ? -1 : 0;
}

int rc_pgoutput_parse(const uint8_t *buf, size_t len, int proto_version, bool in_stream, rc_arena_t *arena,
                      rc_pgo_msg_t *out, char *err, size_t errlen)
{
	reader_t r = {.what = "", .arena = arena, .err = err, .errlen = errlen};
	const msg_info_t *info;
	uint8_t type;

	memset(out, 0, sizeof *out);
	if (proto_version < RC_PGO_PROTO_MIN || proto_version > RC_PGO_PROTO_MAX) {
		snprintf(err, errlen, "pgoutput: unsupported protocol version %d (expected %d..%d)",
		         proto_version, RC_PGO_PROTO_MIN, RC_PGO_PROTO_MAX);
		return -1;
	}
	if (in_stream && proto_version < 2) {
		snprintf(err, errlen, "pgoutput: stream blocks need protocol version 2 or later, not %d",
		         proto_version);
		return -1;
	}
	if (len == 0) {
		snprintf(err, errlen, "pgoutput: empty message");
		return -1;
	}
	type = buf[0];
	info = &msg_info[type];
	if (!info->name) {
		if (type >= 0x20 && type < 0x7f)
			snprintf(err, errlen, "pgoutput: unknown message type '%c' (0x%02x) at offset 0",
			         type, type);
		else
			snprintf(err, errlen, "pgoutput: unknown message type 0x%02x at offset 0", type);
		return -1;
	}
	r.what = info->name;
	rc_reader_init(&r.rd, buf, len);
	rc_reader_skip(&r.rd, 1); /* the type byte */
	if (proto_version < info->min_version)
		return fail(&r, "message type '%c' needs protocol version %d, the stream uses %d", type,
		            info->min_version, proto_version);
	if (info->where == INSIDE && !in_stream)
		return fail(&r, "outside a stream block");
	if (info->where == OUTSIDE && in_stream)
		return fail(&r, "inside a stream block");
	if (!arena)
		return fail(&r, "no arena given");
	out->type = (rc_pgo_msg_type_t)type;
	if (in_stream && info->stream_xid && get_u32(&r, &out->stream_xid))
		return -1;
	if (parse_body(&r, proto_version, out))
		return -1;
	if (left(&r) > 0)
		return fail(&r, "%zu trailing bytes after the message at offset %zu", left(&r), r.rd.pos);
	return 0;
}

bool rc_pgoutput_next_in_stream(bool in_stream, const rc_pgo_msg_t *msg)
{
	if (msg->type == RC_PGO_STREAM_START)
		return true;
	if (msg->type == RC_PGO_STREAM_STOP)
		return false;
	return in_stream;
}

/* --- Rendering ---------------------------------------------------------------------------------- */

typedef struct {
	char *buf;
	size_t buflen;
	size_t pos; /* length of the full rendering so far, may exceed buflen */
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(out_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->buflen ? o->buf + o->pos : NULL,
	              o->pos < o->buflen ? o->buflen - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static void put_lsn(out_t *o, const char *name, uint64_t lsn)
{
	put(o, " %s=%" PRIX32 "/%" PRIX32, name, (uint32_t)(lsn >> 32), (uint32_t)lsn);
}

/* ISO 8601 UTC with microseconds; infinite times, and years outside 0..9999, as their raw value. */
static void put_ts(out_t *o, const char *name, int64_t pg_us)
{
	int64_t unix_us = rc_walmsg_pg_to_unix_us(pg_us);
	int64_t days = rc_calendar_floor_div(unix_us, RC_CALENDAR_US_PER_DAY), y;
	char text[RC_CALENDAR_TEXT_MAX];
	int m, d;

	if (pg_us == INT64_MAX || pg_us == INT64_MIN) {
		put(o, " %s=%sinfinity", name, pg_us < 0 ? "-" : "");
		return;
	}
	rc_calendar_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		put(o, " %s=%" PRId64 "us", name, pg_us);
		return;
	}
	rc_calendar_format_zoned_timestamp(text, days, unix_us - days * RC_CALENDAR_US_PER_DAY, 6);
	put(o, " %s=%s", name, text);
}

/* Bytes as a double-quoted C-like string, cut after max bytes (0: no limit). */
static void put_quoted(out_t *o, const uint8_t *s, size_t len, size_t max)
{
	size_t n = max && len > max ? max : len;

	put(o, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c == '\n')
			put(o, "\\n");
		else if (c == '\t')
			put(o, "\\t");
		else if (c == '\r')
			put(o, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			put(o, "\\x%02x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
	if (n < len)
		put(o, "...(%zu bytes)", len);
}

static void put_str(out_t *o, const char *s)
{
	put_quoted(o, (const uint8_t *)s, strlen(s), 0);
}

static void put_tuple(out_t *o, const char *name, const rc_pgo_tuple_t *t, size_t datum_max)
{
	put(o, " %s=(", name);
	for (int i = 0; i < t->ncols; i++) {
		const rc_pgo_col_t *col = &t->cols[i];
		size_t n = datum_max && col->len > datum_max ? datum_max : col->len;

		if (i > 0)
			put(o, ", ");
		switch (col->kind) {
		case RC_PGO_COL_NULL:
		case RC_PGO_COL_UNCHANGED:
			put(o, "%c", col->kind);
			break;
		case RC_PGO_COL_TEXT:
			put(o, "t:");
			put_quoted(o, col->data, col->len, datum_max);
			break;
		case RC_PGO_COL_BINARY:
			put(o, "b:0x");
			for (size_t j = 0; j < n; j++)
				put(o, "%02x", col->data[j]);
			if (n < col->len)
				put(o, "...(%" PRIu32 " bytes)", col->len);
			break;
		}
	}
	put(o, ")");
}

static void put_relation(out_t *o, const rc_pgo_msg_t *m)
{
	put(o, " rel=%" PRIu32 " name=", m->relation.relid);
	put_str(o, m->relation.nspname);
	put(o, ".");
	put_str(o, m->relation.relname);
	put(o, " replident=%c atts=(", m->relation.replident);
	for (int i = 0; i < m->relation.natts; i++) {
		const rc_pgo_attr_t *a = &m->relation.attrs[i];

		put(o, "%s", i > 0 ? ", " : "");
		put_str(o, a->name);
		put(o, " oid=%" PRIu32 " typmod=%" PRId32, a->type_oid, a->typmod);
		if (a->flags & RC_PGO_ATTR_KEY)
			put(o, " key");
		if (a->flags & ~RC_PGO_ATTR_KEY)
			put(o, " flags=0x%02x", a->flags);
	}
	put(o, ")");
}

static void put_truncate(out_t *o, const rc_pgo_msg_t *m)
{
	uint8_t opt = m->truncate.options;

	put(o, " options=");
	if (opt == 0)
		put(o, "0");
	if (opt & RC_PGO_TRUNCATE_CASCADE)
		put(o, "cascade%s", opt & ~RC_PGO_TRUNCATE_CASCADE ? "|" : "");
	if (opt & RC_PGO_TRUNCATE_RESTART_IDENTITY)
		put(o, "restart_identity%s", opt & ~3 ? "|" : "");
	if (opt & ~3)
		put(o, "0x%02x", opt & ~3);
	put(o, " relids=(");
	for (uint32_t i = 0; i < m->truncate.nrels; i++)
		put(o, "%s%" PRIu32, i > 0 ? ", " : "", m->truncate.relids[i]);
	put(o, ")");
}

size_t rc_pgoutput_format(const rc_pgo_msg_t *m, size_t datum_max, char *buf, size_t buflen)
{
	out_t o = {.buf = buf, .buflen = buflen, .pos = 0};

	if (buflen > 0)
		buf[0] = '\0';
	put(&o, "%s", rc_pgoutput_type_name(m->type));
	if (m->stream_xid)
		put(&o, " xid=%" PRIu32, m->stream_xid);
	switch (m->type) {
	case RC_PGO_BEGIN:
		put_lsn(&o, "final_lsn", m->begin.final_lsn);
		put_ts(&o, "commit_ts", m->begin.commit_ts);
		put(&o, " xid=%" PRIu32, m->begin.xid);
		break;
	case RC_PGO_COMMIT:
		put(&o, " flags=%u", m->commit.flags);
		put_lsn(&o, "commit_lsn", m->commit.commit_lsn);
		put_lsn(&o, "end_lsn", m->commit.end_lsn);
		put_ts(&o, "commit_ts", m->commit.commit_ts);
		break;
	case RC_PGO_ORIGIN:
		put_lsn(&o, "commit_lsn", m->origin.commit_lsn);
		put(&o, " name=");
		put_str(&o, m->origin.name);
		break;
	case RC_PGO_RELATION:
		put_relation(&o, m);
		break;
	case RC_PGO_TYPE:
		put(&o, " oid=%" PRIu32 " name=", m->pgtype.oid);
		put_str(&o, m->pgtype.nspname);
		put(&o, ".");
		put_str(&o, m->pgtype.name);
		break;
	case RC_PGO_INSERT:
		put(&o, " rel=%" PRIu32, m->insert.relid);
		put_tuple(&o, "new", &m->insert.newtup, datum_max);
		break;
	case RC_PGO_UPDATE:
		put(&o, " rel=%" PRIu32, m->update.relid);
		if (m->update.old_kind != RC_PGO_OLD_NONE)
			put_tuple(&o, m->update.old_kind == RC_PGO_OLD_KEY ? "key" : "old", &m->update.oldtup,
			          datum_max);
		put_tuple(&o, "new", &m->update.newtup, datum_max);
		break;
	case RC_PGO_DELETE:
		put(&o, " rel=%" PRIu32, m->delete.relid);
		put_tuple(&o, m->delete.old_kind == RC_PGO_OLD_KEY ? "key" : "old", &m->delete.oldtup,
		          datum_max);
		break;
	case RC_PGO_TRUNCATE:
		put_truncate(&o, m);
		break;
	case RC_PGO_MESSAGE:
		put(&o, " flags=%u", m->message.flags);
		put_lsn(&o, "lsn", m->message.lsn);
		put(&o, " prefix=");
		put_str(&o, m->message.prefix);
		put(&o, " content=");
		put_quoted(&o, m->message.content, m->message.len, datum_max);
		break;
	case RC_PGO_STREAM_START:
		put(&o, " xid=%" PRIu32 " first_segment=%d", m->stream_start.xid,
		    m->stream_start.first_segment);
		break;
	case RC_PGO_STREAM_STOP:
		break;
	case RC_PGO_STREAM_COMMIT:
		put(&o, " xid=%" PRIu32 " flags=%u", m->stream_commit.xid, m->stream_commit.flags);
		put_lsn(&o, "commit_lsn", m->stream_commit.commit_lsn);
		put_lsn(&o, "end_lsn", m->stream_commit.end_lsn);
		put_ts(&o, "commit_ts", m->stream_commit.commit_ts);
		break;
	case RC_PGO_STREAM_ABORT:
		put(&o, " xid=%" PRIu32 " subxid=%" PRIu32, m->stream_abort.xid, m->stream_abort.subxid);
		if (m->stream_abort.has_abort_info) {
			put_lsn(&o, "abort_lsn", m->stream_abort.abort_lsn);
			put_ts(&o, "abort_ts", m->stream_abort.abort_ts);
		}
		break;
	case RC_PGO_BEGIN_PREPARE:
	case RC_PGO_PREPARE:
	case RC_PGO_STREAM_PREPARE:
		if (m->type != RC_PGO_BEGIN_PREPARE)
			put(&o, " flags=%u", m->prepare.flags);
		put_lsn(&o, "prepare_lsn", m->prepare.prepare_lsn);
		put_lsn(&o, "end_lsn", m->prepare.end_lsn);
		put_ts(&o, "prepare_ts", m->prepare.prepare_ts);
		put(&o, " xid=%" PRIu32 " gid=", m->prepare.xid);
		put_str(&o, m->prepare.gid);
		break;
	case RC_PGO_COMMIT_PREPARED:
		put(&o, " flags=%u", m->commit_prepared.flags);
		put_lsn(&o, "commit_lsn", m->commit_prepared.commit_lsn);
		put_lsn(&o, "end_lsn", m->commit_prepared.end_lsn);
		put_ts(&o, "commit_ts", m->commit_prepared.commit_ts);
		put(&o, " xid=%" PRIu32 " gid=", m->commit_prepared.xid);
		put_str(&o, m->commit_prepared.gid);
		break;
	case RC_PGO_ROLLBACK_PREPARED:
		put(&o, " flags=%u", m->rollback_prepared.flags);
		put_lsn(&o, "prepare_end_lsn", m->rollback_prepared.prepare_end_lsn);
		put_lsn(&o, "rollback_end_lsn", m->rollback_prepared.rollback_end_lsn);
		put_ts(&o, "prepare_ts", m->rollback_prepared.prepare_ts);
		put_ts(&o, "rollback_ts", m->rollback_prepared.rollback_ts);
		put(&o, " xid=%" PRIu32 " gid=", m->rollback_prepared.xid);
		put_str(&o, m->rollback_prepared.gid);
		break;
	}
	return o.pos;
}
