/*
 * The binlog event parser: binlog.h has the wire formats. Every read goes through agent/reader.h on
 * the event's bytes without its checksum, so a field running past the body is a reader failure, and
 * every failure names the event type, its log position and the offset in the event.
 */
#include "config.h"

#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_internal.h"

#include "agent/reader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int rc_binlog_perr(rc_binlog_ctx_t *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "binlog %s (type %d) at log position %" PRIu32 ": ",
	             rc_binlog_type_name(p->ev->type), p->ev->type, p->ev->log_pos);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return RC_ERR_FATAL;
}

int rc_binlog_rd_check(rc_binlog_ctx_t *p, const char *what)
{
	char why[160];

	if (!rc_reader_failed(&p->rd))
		return 0;
	rc_reader_describe(&p->rd, why, sizeof why);
	return rc_binlog_perr(p, "%s %s", what, why);
}

void *rc_binlog_palloc(rc_binlog_ctx_t *p, size_t n, size_t size)
{
	return rc_arena_calloc(p->arena, n ? n : 1, size);
}

static const char *const type_names[] = {
    [RC_BINLOG_UNKNOWN] = "UNKNOWN",
    [RC_BINLOG_START_V3] = "START_V3",
    [RC_BINLOG_QUERY] = "QUERY",
    [RC_BINLOG_STOP] = "STOP",
    [RC_BINLOG_ROTATE] = "ROTATE",
    [RC_BINLOG_INTVAR] = "INTVAR",
    [6] = "LOAD",
    [7] = "SLAVE",
    [8] = "CREATE_FILE",
    [9] = "APPEND_BLOCK",
    [10] = "EXEC_LOAD",
    [11] = "DELETE_FILE",
    [12] = "NEW_LOAD",
    [RC_BINLOG_RAND] = "RAND",
    [RC_BINLOG_USER_VAR] = "USER_VAR",
    [RC_BINLOG_FORMAT_DESCRIPTION] = "FORMAT_DESCRIPTION",
    [RC_BINLOG_XID] = "XID",
    [17] = "BEGIN_LOAD_QUERY",
    [18] = "EXECUTE_LOAD_QUERY",
    [RC_BINLOG_TABLE_MAP] = "TABLE_MAP",
    [RC_BINLOG_WRITE_ROWS_V0] = "WRITE_ROWS_V0",
    [RC_BINLOG_UPDATE_ROWS_V0] = "UPDATE_ROWS_V0",
    [RC_BINLOG_DELETE_ROWS_V0] = "DELETE_ROWS_V0",
    [RC_BINLOG_WRITE_ROWS_V1] = "WRITE_ROWS_V1",
    [RC_BINLOG_UPDATE_ROWS_V1] = "UPDATE_ROWS_V1",
    [RC_BINLOG_DELETE_ROWS_V1] = "DELETE_ROWS_V1",
    [RC_BINLOG_INCIDENT] = "INCIDENT",
    [RC_BINLOG_HEARTBEAT] = "HEARTBEAT",
    [RC_BINLOG_IGNORABLE] = "IGNORABLE",
    [RC_BINLOG_ROWS_QUERY] = "ROWS_QUERY",
    [RC_BINLOG_WRITE_ROWS_V2] = "WRITE_ROWS_V2",
    [RC_BINLOG_UPDATE_ROWS_V2] = "UPDATE_ROWS_V2",
    [RC_BINLOG_DELETE_ROWS_V2] = "DELETE_ROWS_V2",
    [RC_BINLOG_GTID] = "GTID",
    [RC_BINLOG_ANONYMOUS_GTID] = "ANONYMOUS_GTID",
    [RC_BINLOG_PREVIOUS_GTIDS] = "PREVIOUS_GTIDS",
    [RC_BINLOG_TRANSACTION_CONTEXT] = "TRANSACTION_CONTEXT",
    [RC_BINLOG_VIEW_CHANGE] = "VIEW_CHANGE",
    [RC_BINLOG_XA_PREPARE] = "XA_PREPARE",
    [RC_BINLOG_PARTIAL_UPDATE_ROWS] = "PARTIAL_UPDATE_ROWS",
    [RC_BINLOG_TRANSACTION_PAYLOAD] = "TRANSACTION_PAYLOAD",
    [RC_BINLOG_HEARTBEAT_V2] = "HEARTBEAT_V2",
    [RC_BINLOG_GTID_TAGGED] = "GTID_TAGGED",
    [RC_BINLOG_MARIA_ANNOTATE_ROWS] = "MARIA_ANNOTATE_ROWS",
    [RC_BINLOG_MARIA_BINLOG_CHECKPOINT] = "MARIA_BINLOG_CHECKPOINT",
    [RC_BINLOG_MARIA_GTID] = "MARIA_GTID",
    [RC_BINLOG_MARIA_GTID_LIST] = "MARIA_GTID_LIST",
    [RC_BINLOG_MARIA_START_ENCRYPTION] = "MARIA_START_ENCRYPTION",
    [RC_BINLOG_MARIA_QUERY_COMPRESSED] = "MARIA_QUERY_COMPRESSED",
    [RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1] = "MARIA_WRITE_ROWS_COMPRESSED_V1",
    [RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1] = "MARIA_UPDATE_ROWS_COMPRESSED_V1",
    [RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1] = "MARIA_DELETE_ROWS_COMPRESSED_V1",
    [RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED] = "MARIA_WRITE_ROWS_COMPRESSED",
    [RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED] = "MARIA_UPDATE_ROWS_COMPRESSED",
    [RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED] = "MARIA_DELETE_ROWS_COMPRESSED",
};

const char *rc_binlog_type_name(int type)
{
	if (type < 0 || (size_t)type >= sizeof type_names / sizeof type_names[0] || !type_names[type])
		return "UNKNOWN";
	return type_names[type];
}

bool rc_binlog_is_rows_type(int type)
{
	return (type >= RC_BINLOG_WRITE_ROWS_V0 && type <= RC_BINLOG_DELETE_ROWS_V1) ||
	       (type >= RC_BINLOG_WRITE_ROWS_V2 && type <= RC_BINLOG_DELETE_ROWS_V2) ||
	       type == RC_BINLOG_PARTIAL_UPDATE_ROWS ||
	       (type >= RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1 &&
	        type <= RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED);
}

void rc_binlog_fmt_init(rc_binlog_fmt_t *fmt)
{
	memset(fmt, 0, sizeof *fmt);
	fmt->header_len = RC_BINLOG_HEADER_LEN;
	fmt->post_header[RC_BINLOG_TABLE_MAP - 1] = 8;
	fmt->post_header[RC_BINLOG_WRITE_ROWS_V1 - 1] = 8;
	fmt->post_header[RC_BINLOG_UPDATE_ROWS_V1 - 1] = 8;
	fmt->post_header[RC_BINLOG_DELETE_ROWS_V1 - 1] = 8;
	fmt->post_header[RC_BINLOG_WRITE_ROWS_V2 - 1] = 10;
	fmt->post_header[RC_BINLOG_UPDATE_ROWS_V2 - 1] = 10;
	fmt->post_header[RC_BINLOG_DELETE_ROWS_V2 - 1] = 10;
	fmt->post_header[RC_BINLOG_PARTIAL_UPDATE_ROWS - 1] = 10;
	fmt->npost_header = RC_BINLOG_GTID_TAGGED;
}

void rc_binlog_fmt_update(rc_binlog_fmt_t *fmt, const rc_binlog_event_t *ev)
{
	size_t n;

	if (ev->kind != RC_BINLOG_K_FDE)
		return;
	rc_binlog_fmt_init(fmt);
	fmt->crc32 = ev->u.fde.checksum_alg == 1;
	fmt->header_len = ev->u.fde.header_len;
	n = ev->u.fde.npost_header;
	if (n > sizeof fmt->post_header)
		n = sizeof fmt->post_header;
	memcpy(fmt->post_header, ev->u.fde.post_header, n);
	if (n > fmt->npost_header)
		fmt->npost_header = n;
	fmt->mariadb = strstr(ev->u.fde.server_version, "MariaDB") != NULL;
}

static uint8_t post_header_len(const rc_binlog_fmt_t *fmt, int type)
{
	if (type < 1 || (size_t)type > fmt->npost_header)
		return 0;
	return fmt->post_header[type - 1];
}

/* The rest of the event as a string. */
static void rest_str(rc_binlog_ctx_t *p, rc_binlog_str_t *s)
{
	const uint8_t *b = NULL;
	size_t n = rc_reader_remaining(&p->rd);

	rc_reader_bytes(&p->rd, n, &b);
	s->s = (const char *)b;
	s->len = n;
}

/* --- FORMAT_DESCRIPTION --------------------------------------------------------------------------- */

/* "5.6.1-log" >= 5.6.1: the FORMAT_DESCRIPTION carries the checksum algorithm and a CRC. */
static bool version_has_checksum(const char *v)
{
	unsigned a = 0, b = 0, c = 0;

	if (sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		return false;
	if (a != 5)
		return a > 5;
	if (b != 6)
		return b > 6;
	return c >= 1;
}

/* The server sets LOG_EVENT_BINLOG_IN_USE_F (0x1) in the FORMAT_DESCRIPTION's flags while the file is
 * open and clears it on close, without rewriting the CRC: the CRC is of the event with the flag clear
 * (MySQL's Log_event_footer::event_checksum_test does the same). */
static uint32_t fde_crc32(const uint8_t *b, size_t n)
{
	uint8_t hdr[RC_BINLOG_HEADER_LEN];
	uLong crc;

	memcpy(hdr, b, sizeof hdr);
	hdr[17] &= (uint8_t)~1u;
	crc = crc32(0L, hdr, sizeof hdr);
	return (uint32_t)crc32(crc, b + sizeof hdr, (uInt)(n - sizeof hdr));
}

static int parse_fde(rc_binlog_ctx_t *p, size_t full_len)
{
	rc_binlog_fde_t *f = &p->ev->u.fde;
	const uint8_t *ver = NULL;
	uint32_t created = 0;
	size_t n;

	rc_reader_le_u16(&p->rd, &f->binlog_version);
	rc_reader_bytes(&p->rd, 50, &ver);
	rc_reader_le_u32(&p->rd, &created);
	rc_reader_u8(&p->rd, &f->header_len);
	if (rc_binlog_rd_check(p, "post-header"))
		return RC_ERR_FATAL;
	memcpy(f->server_version, ver, 50);
	f->server_version[50] = '\0';
	f->created = created;
	/* The reader here covers the whole event: the checksum is this event's own business, checked
	 * before anything else it says is believed. */
	n = rc_reader_remaining(&p->rd);
	f->checksum_alg = -1;
	if (version_has_checksum(f->server_version)) {
		if (n < 1 + RC_BINLOG_CRC_LEN)
			return rc_binlog_perr(p, "no room for the checksum algorithm at offset %zu",
			                      p->rd.pos);
		n -= 1 + RC_BINLOG_CRC_LEN;
		f->checksum_alg = p->rd.buf[p->rd.pos + n];
		if (f->checksum_alg == 1) {
			const uint8_t *b = p->rd.buf;
			uint32_t want = (uint32_t)b[full_len - 4] | (uint32_t)b[full_len - 3] << 8 |
			                (uint32_t)b[full_len - 2] << 16 | (uint32_t)b[full_len - 1] << 24;
			uint32_t got = fde_crc32(b, full_len - 4);

			if (got != want)
				return rc_binlog_perr(p,
				                      "checksum mismatch: event has CRC32 0x%08" PRIx32
				                      ", bytes give 0x%08" PRIx32,
				                      want, got);
		}
		if (f->checksum_alg != 0 && f->checksum_alg != 1)
			return rc_binlog_perr(p, "unknown checksum algorithm %d at offset %zu",
			                      f->checksum_alg, p->rd.pos + n);
	}
	if (f->binlog_version != 4)
		return rc_binlog_perr(p, "binlog version %u, only 4 is supported", f->binlog_version);
	if (f->header_len != RC_BINLOG_HEADER_LEN)
		return rc_binlog_perr(p, "event header length %u at offset 76, only 19 is supported",
		                      f->header_len);
	rc_reader_bytes(&p->rd, n, &f->post_header);
	f->npost_header = n;
	p->ev->kind = RC_BINLOG_K_FDE;
	return rc_binlog_rd_check(p, "post-header lengths");
}

/* --- Small events ------------------------------------------------------------------------------- */

static int parse_rotate(rc_binlog_ctx_t *p)
{
	rc_reader_le_u64(&p->rd, &p->ev->u.rotate.position);
	rest_str(p, &p->ev->u.rotate.next_file);
	p->ev->kind = RC_BINLOG_K_ROTATE;
	return rc_binlog_rd_check(p, "position");
}

/* --- MariaDB's compressed events (log_bin_compress) -------------------------------------------- */

/*
 * A compressed part of a MariaDB event (log_event.cc, binlog_buf_uncompress): Int1 header (0x80 |
 * algorithm << 4 | length-of-length; algorithm 0 = zlib), the uncompressed length big-endian in
 * length-of-length (1-4) bytes, then a zlib stream, up to the end of the event. Inflated into the
 * arena; *out, *outlen the result.
 */
static int maria_uncompress(rc_binlog_ctx_t *p, const char *what, const uint8_t **out, size_t *outlen)
{
	size_t at = p->rd.pos, n = rc_reader_remaining(&p->rd);
	const uint8_t *src = NULL;
	uint8_t hdr = 0, lenlen;
	uint64_t ulen = 0;
	uLongf got;
	uint8_t *dst;
	int zrc;

	rc_reader_u8(&p->rd, &hdr);
	if (rc_binlog_rd_check(p, what))
		return RC_ERR_FATAL;
	lenlen = hdr & 0x07;
	if ((hdr & 0xe0) != 0x80 || lenlen < 1 || lenlen > 4)
		return rc_binlog_perr(p,
		                      "compressed %s at offset %zu: header byte 0x%02x (0x80 | zlib 0 << 4 | "
		                      "1-4 length bytes expected)",
		                      what, at, hdr);
	rc_reader_be_uint(&p->rd, lenlen, &ulen);
	if (rc_binlog_rd_check(p, what))
		return RC_ERR_FATAL;
	if (ulen == 0 || ulen > (1u << 30))
		return rc_binlog_perr(p, "compressed %s at offset %zu: uncompressed length %" PRIu64, what,
		                      at, ulen);
	n = rc_reader_remaining(&p->rd);
	rc_reader_bytes(&p->rd, n, &src);
	dst = rc_arena_alloc(p->arena, (size_t)ulen);
	if (!dst)
		return RC_BINLOG_OOM(p);
	got = (uLongf)ulen;
	zrc = uncompress(dst, &got, src, (uLong)n);
	if (zrc != Z_OK || got != ulen)
		return rc_binlog_perr(
		    p, "compressed %s at offset %zu: zlib %s (%lu of %" PRIu64 " bytes inflated)", what, at,
		    zrc == Z_OK ? "stream shorter than its length" : zError(zrc), (unsigned long)got, ulen);
	*out = dst;
	*outlen = (size_t)ulen;
	return 0;
}

static int parse_query(rc_binlog_ctx_t *p)
{
	rc_binlog_query_t *q = &p->ev->u.query;
	uint8_t schema_len = 0, nul = 1;
	uint16_t status_len = 0;
	const uint8_t *schema = NULL;

	rc_reader_le_u32(&p->rd, &q->thread_id);
	rc_reader_le_u32(&p->rd, &q->exec_time);
	rc_reader_u8(&p->rd, &schema_len);
	rc_reader_le_u16(&p->rd, &q->error_code);
	rc_reader_le_u16(&p->rd, &status_len);
	rc_reader_skip(&p->rd, status_len);
	rc_reader_bytes(&p->rd, schema_len, &schema);
	rc_reader_u8(&p->rd, &nul);
	if (rc_binlog_rd_check(p, "fields"))
		return RC_ERR_FATAL;
	if (nul != 0)
		return rc_binlog_perr(p, "schema name not followed by NUL at offset %zu", p->rd.pos - 1);
	q->schema.s = (const char *)schema;
	q->schema.len = schema_len;
	if (p->ev->type == RC_BINLOG_MARIA_QUERY_COMPRESSED) {
		const uint8_t *stmt;
		size_t n;

		if (maria_uncompress(p, "statement", &stmt, &n))
			return RC_ERR_FATAL;
		q->statement.s = (const char *)stmt;
		q->statement.len = n;
		p->ev->kind = RC_BINLOG_K_QUERY;
		return 0;
	}
	rest_str(p, &q->statement);
	p->ev->kind = RC_BINLOG_K_QUERY;
	return 0;
}

static int parse_xid(rc_binlog_ctx_t *p)
{
	rc_reader_le_u64(&p->rd, &p->ev->u.xid);
	p->ev->kind = RC_BINLOG_K_XID;
	return rc_binlog_rd_check(p, "xid");
}

static void uuid_text(const uint8_t *u, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

static int parse_gtid(rc_binlog_ctx_t *p)
{
	rc_binlog_gtid_t *g = &p->ev->u.gtid;
	const uint8_t *sid = NULL;
	uint8_t lt_type = 0;

	rc_reader_u8(&p->rd, &g->flags);
	rc_reader_bytes(&p->rd, 16, &sid);
	rc_reader_le_i64(&p->rd, &g->gno);
	if (rc_binlog_rd_check(p, "fields"))
		return RC_ERR_FATAL;
	uuid_text(sid, g->uuid);
	/* 5.7+: the logical clock (typecode 2), then fields this parser does not need. */
	if (rc_reader_remaining(&p->rd) >= 17 && rc_reader_peek_u8(&p->rd, &lt_type) == 0 && lt_type == 2) {
		rc_reader_skip(&p->rd, 1);
		rc_reader_le_i64(&p->rd, &g->last_committed);
		rc_reader_le_i64(&p->rd, &g->sequence_number);
		g->has_logical_clock = true;
	}
	p->ev->kind = RC_BINLOG_K_GTID;
	return rc_binlog_rd_check(p, "logical clock");
}

/*
 * mysql::serialization's variable-length integer: the count of trailing 1 bits of the first byte is
 * the count of bytes after it (8 for 0xff); the value is the little-endian whole shifted right by
 * that count + 1 (0xff: the 8 bytes after it). Signed values are zigzag-encoded.
 */
static int read_varuint(rc_binlog_ctx_t *p, uint64_t *v)
{
	uint8_t b0 = 0;
	int extra = 0;
	uint64_t w = 0;

	if (rc_reader_peek_u8(&p->rd, &b0))
		return RC_ERR_FATAL;
	while (extra < 8 && (b0 >> extra) & 1)
		extra++;
	if (extra == 8) {
		rc_reader_skip(&p->rd, 1);
		return rc_reader_le_u64(&p->rd, v);
	}
	if (rc_reader_le_uint(&p->rd, extra + 1, &w))
		return RC_ERR_FATAL;
	*v = w >> (extra + 1);
	return 0;
}

static int read_varint(rc_binlog_ctx_t *p, int64_t *v)
{
	uint64_t u = 0;

	if (read_varuint(p, &u))
		return RC_ERR_FATAL;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/* GTID_TAGGED: format version, message size, last non-ignorable field id, then (id, value) fields;
 * fields after the sequence number (commit timestamps, lengths, server versions) are not read. */
static int parse_gtid_tagged(rc_binlog_ctx_t *p)
{
	rc_binlog_gtid_t *g = &p->ev->u.gtid;
	uint64_t version = 0, size = 0, last_id = 0, id = 0, v = 0;
	uint8_t sid[16];
	int i;

	read_varuint(p, &version);
	read_varuint(p, &size);
	read_varuint(p, &last_id);
	if (rc_binlog_rd_check(p, "message header"))
		return RC_ERR_FATAL;
	if (version != 1)
		return rc_binlog_perr(p, "serialization format version %" PRIu64 ", only 1 is known",
		                      version);
	memset(sid, 0, sizeof sid);
	while (rc_reader_remaining(&p->rd) > 0) {
		size_t at = p->rd.pos;

		if (read_varuint(p, &id))
			break;
		if (id == 0) {
			read_varuint(p, &v);
			g->flags = (uint8_t)v;
		} else if (id == 1) {
			for (i = 0; i < 16; i++) {
				read_varuint(p, &v);
				if (v > 255)
					return rc_binlog_perr(p, "UUID byte %d is %" PRIu64 " at offset %zu",
					                      i, v, at);
				sid[i] = (uint8_t)v;
			}
		} else if (id == 2) {
			read_varint(p, &g->gno);
		} else if (id == 3) {
			const uint8_t *tag = NULL;

			read_varuint(p, &v);
			if (!rc_reader_failed(&p->rd) && v >= sizeof g->tag)
				return rc_binlog_perr(
				    p, "tag of %" PRIu64 " bytes at offset %zu (at most 32)", v, at);
			if (rc_reader_bytes(&p->rd, (size_t)v, &tag) == 0) {
				memcpy(g->tag, tag, (size_t)v);
				g->tag[v] = '\0';
			}
		} else if (id == 4) {
			read_varint(p, &g->last_committed);
		} else if (id == 5) {
			read_varint(p, &g->sequence_number);
			g->has_logical_clock = true;
		} else {
			break;
		}
		if (rc_binlog_rd_check(p, "field"))
			return RC_ERR_FATAL;
	}
	if (rc_binlog_rd_check(p, "field id"))
		return RC_ERR_FATAL;
	uuid_text(sid, g->uuid);
	p->ev->kind = RC_BINLOG_K_GTID;
	return 0;
}

/* A growing text in the arena. */
typedef struct {
	char *s;
	size_t len, cap;
	bool oom;
} text_t;

static void text_printf(rc_arena_t *arena, text_t *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void text_printf(rc_arena_t *arena, text_t *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if (!t->s || t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2 + 64;
		char *s = rc_arena_alloc(arena, cap);

		if (!s) {
			t->oom = true;
			return;
		}
		if (t->s)
			memcpy(s, t->s, t->len);
		s[t->len] = '\0';
		t->s = s;
		t->cap = cap;
		va_start(ap, fmt);
		vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
	}
	t->len += (size_t)n;
}

static int parse_prev_gtids(rc_binlog_ctx_t *p)
{
	rc_binlog_prev_gtids_t *pg = &p->ev->u.prev_gtids;
	uint64_t word = 0, i, j, nint = 0, v = 0;
	const uint8_t *prev_sid = NULL;
	bool tagged;
	text_t t = {0};

	if (rc_reader_le_u64(&p->rd, &word))
		return rc_binlog_rd_check(p, "sid count");
	/* Untagged: Int8 count (its top byte 0). Tagged (MySQL 8.3+): Int1 format 1, Int6 count, Int1
	 * format 1 again. */
	tagged = (word >> 56) == 1;
	if ((word >> 56) > 1 || (tagged && (word & 0xff) != 1))
		return rc_binlog_perr(p, "unknown GTID set format %" PRIu64 " at offset 19", word >> 56);
	pg->nsids = tagged ? (word >> 8) & 0xffffffffffffULL : word;
	/* Each sid takes at least 24 bytes: a count the body cannot hold is an error, not a long loop. */
	if (pg->nsids > rc_reader_remaining(&p->rd) / 24)
		return rc_binlog_perr(p, "%" PRIu64 " sids cannot fit in %zu bytes", pg->nsids,
		                      rc_reader_remaining(&p->rd));
	text_printf(p->arena, &t, "%s", "");
	for (i = 0; i < pg->nsids; i++) {
		const uint8_t *sid = NULL, *tag = NULL;
		char uuid[37];

		rc_reader_bytes(&p->rd, 16, &sid);
		if (rc_binlog_rd_check(p, "sid"))
			return RC_ERR_FATAL;
		/* Tags of one UUID follow it: "uuid:1-13:mytag:1-2" (the order MySQL writes them in). */
		if (i == 0 || memcmp(sid, prev_sid, 16) != 0) {
			uuid_text(sid, uuid);
			text_printf(p->arena, &t, "%s%s", i ? "," : "", uuid);
		}
		prev_sid = sid;
		if (tagged) {
			size_t at = p->rd.pos;

			if (read_varuint(p, &v) == 0 && v > 32)
				return rc_binlog_perr(
				    p, "tag of %" PRIu64 " bytes at offset %zu (at most 32)", v, at);
			rc_reader_bytes(&p->rd, (size_t)v, &tag);
			if (rc_binlog_rd_check(p, "tag"))
				return RC_ERR_FATAL;
			if (v)
				text_printf(p->arena, &t, ":%.*s", (int)v, (const char *)tag);
		}
		rc_reader_le_u64(&p->rd, &nint);
		if (rc_binlog_rd_check(p, "interval count"))
			return RC_ERR_FATAL;
		if (nint > rc_reader_remaining(&p->rd) / 16)
			return rc_binlog_perr(p,
			                      "%" PRIu64 " intervals cannot fit in %zu bytes at offset %zu",
			                      nint, rc_reader_remaining(&p->rd), p->rd.pos);
		for (j = 0; j < nint; j++) {
			int64_t start = 0, end = 0;

			rc_reader_le_i64(&p->rd, &start);
			rc_reader_le_i64(&p->rd, &end);
			if (rc_binlog_rd_check(p, "interval"))
				return RC_ERR_FATAL;
			if (end <= start)
				return rc_binlog_perr(
				    p, "empty interval [%" PRId64 ",%" PRId64 ") at offset %zu", start, end,
				    p->rd.pos - 16);
			if (end - 1 == start)
				text_printf(p->arena, &t, ":%" PRId64, start);
			else
				text_printf(p->arena, &t, ":%" PRId64 "-%" PRId64, start, end - 1);
		}
	}
	if (t.oom)
		return RC_BINLOG_OOM(p);
	pg->text = t.s;
	p->ev->kind = RC_BINLOG_K_PREVIOUS_GTIDS;
	return 0;
}

static int parse_rows_query(rc_binlog_ctx_t *p)
{
	if (p->ev->type == RC_BINLOG_ROWS_QUERY && rc_reader_skip(&p->rd, 1))
		return rc_binlog_rd_check(p, "length");
	rest_str(p, &p->ev->u.rows_query);
	p->ev->kind = RC_BINLOG_K_ROWS_QUERY;
	return 0;
}

static int parse_payload(rc_binlog_ctx_t *p)
{
	rc_binlog_payload_t *pl = &p->ev->u.payload;
	uint64_t type = 0, len = 0, v = 0;

	pl->compression = 255;
	for (;;) {
		size_t at = p->rd.pos;

		rc_reader_lenenc(&p->rd, &type, NULL);
		if (rc_binlog_rd_check(p, "field type"))
			return RC_ERR_FATAL;
		if (type == 0)
			break;
		rc_reader_lenenc(&p->rd, &len, NULL);
		if (rc_binlog_rd_check(p, "field length"))
			return RC_ERR_FATAL;
		if (len > rc_reader_remaining(&p->rd))
			return rc_binlog_perr(p,
			                      "field %" PRIu64 " at offset %zu: %" PRIu64 " bytes, %zu left",
			                      type, at, len, rc_reader_remaining(&p->rd));
		if (type >= 1 && type <= 3) {
			size_t end = p->rd.pos + (size_t)len;

			rc_reader_lenenc(&p->rd, &v, NULL);
			if (rc_binlog_rd_check(p, "field value"))
				return RC_ERR_FATAL;
			if (p->rd.pos != end)
				return rc_binlog_perr(
				    p,
				    "field %" PRIu64
				    " at offset %zu: value of %zu bytes, length says %" PRIu64,
				    type, at, p->rd.pos - (end - (size_t)len), len);
			if (type == 1)
				pl->payload_size = v;
			else if (type == 2)
				pl->compression = v;
			else
				pl->uncompressed_size = v;
		} else {
			rc_reader_skip(&p->rd, (size_t)len);
		}
	}
	pl->payload_len = rc_reader_remaining(&p->rd);
	rc_reader_bytes(&p->rd, pl->payload_len, &pl->payload);
	if (pl->payload_size != pl->payload_len)
		return rc_binlog_perr(p, "payload size field says %" PRIu64 " bytes, the event holds %zu",
		                      pl->payload_size, pl->payload_len);
	/* TODO: decompress zstd (compression 0) with libzstd and hand the inner events to rc_binlog_parse;
	 * libzstd-dev is not installed on the build hosts yet. */
	p->ev->kind = RC_BINLOG_K_PAYLOAD;
	return 0;
}

/* --- MariaDB ------------------------------------------------------------------------------------ */

static int parse_maria_gtid(rc_binlog_ctx_t *p)
{
	rc_binlog_maria_gtid_t *g = &p->ev->u.maria_gtid;

	rc_reader_le_u64(&p->rd, &g->seq);
	rc_reader_le_u32(&p->rd, &g->domain);
	rc_reader_u8(&p->rd, &g->flags);
	if (g->flags & 2) /* FL_GROUP_COMMIT_ID */
		rc_reader_le_u64(&p->rd, &g->commit_id);
	g->server = p->ev->server_id;
	p->ev->kind = RC_BINLOG_K_MARIA_GTID;
	return rc_binlog_rd_check(p, "fields");
}

static int parse_maria_gtid_list(rc_binlog_ctx_t *p)
{
	uint32_t word = 0, n, i;
	text_t t = {0};

	if (rc_reader_le_u32(&p->rd, &word))
		return rc_binlog_rd_check(p, "count");
	n = word & 0x0fffffff;
	if (n > rc_reader_remaining(&p->rd) / 16)
		return rc_binlog_perr(p, "%" PRIu32 " GTIDs cannot fit in %zu bytes", n,
		                      rc_reader_remaining(&p->rd));
	text_printf(p->arena, &t, "%s", "");
	for (i = 0; i < n; i++) {
		uint32_t domain = 0, server = 0;
		uint64_t seq = 0;

		rc_reader_le_u32(&p->rd, &domain);
		rc_reader_le_u32(&p->rd, &server);
		rc_reader_le_u64(&p->rd, &seq);
		if (rc_binlog_rd_check(p, "GTID"))
			return RC_ERR_FATAL;
		text_printf(p->arena, &t, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, i ? "," : "", domain, server,
		            seq);
	}
	if (t.oom)
		return RC_BINLOG_OOM(p);
	p->ev->u.maria_gtid_list = t.s;
	p->ev->kind = RC_BINLOG_K_MARIA_GTID_LIST;
	return 0;
}

static int parse_maria_checkpoint(rc_binlog_ctx_t *p)
{
	uint32_t n = 0;
	const uint8_t *name = NULL;

	rc_reader_le_u32(&p->rd, &n);
	rc_reader_bytes(&p->rd, n, &name);
	p->ev->u.checkpoint_file.s = (const char *)name;
	p->ev->u.checkpoint_file.len = n;
	p->ev->kind = RC_BINLOG_K_MARIA_CHECKPOINT;
	return rc_binlog_rd_check(p, "file name");
}

/* --- Rows --------------------------------------------------------------------------------------- */

int rc_binlog_read_table_id(rc_binlog_ctx_t *p, uint64_t *id)
{
	uint8_t ph = post_header_len(p->fmt, p->ev->type);

	return rc_reader_le_uint(&p->rd, ph == 6 ? 4 : 6, id);
}

static int parse_rows(rc_binlog_ctx_t *p)
{
	rc_binlog_rows_t *r = &p->ev->u.rows;
	uint64_t ncol = 0;
	uint16_t extra = 0;
	int t = p->ev->type;
	size_t nbytes;

	r->version = (t >= RC_BINLOG_WRITE_ROWS_V1 && t <= RC_BINLOG_DELETE_ROWS_V1) ||
	                     (t >= RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1 &&
	                      t <= RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1)
	                 ? 1
	                 : 2;
	rc_binlog_read_table_id(p, &r->table_id);
	rc_reader_le_u16(&p->rd, &r->flags);
	if (r->version == 2) {
		size_t at = p->rd.pos;

		rc_reader_le_u16(&p->rd, &extra);
		if (rc_binlog_rd_check(p, "post-header"))
			return RC_ERR_FATAL;
		if (extra < 2)
			return rc_binlog_perr(
			    p, "extra data length %u at offset %zu is less than its own 2 bytes", extra, at);
		rc_reader_skip(&p->rd, (size_t)extra - 2);
	}
	rc_reader_lenenc(&p->rd, &ncol, NULL);
	if (rc_binlog_rd_check(p, "column count"))
		return RC_ERR_FATAL;
	if (ncol > 4096)
		return rc_binlog_perr(p, "%" PRIu64 " columns at offset %zu (MySQL allows 4096)", ncol,
		                      p->rd.pos);
	r->ncolumns = (uint32_t)ncol;
	nbytes = (r->ncolumns + 7) / 8;
	rc_reader_bytes(&p->rd, nbytes, &r->present);
	if (t == RC_BINLOG_UPDATE_ROWS_V1 || t == RC_BINLOG_UPDATE_ROWS_V2 ||
	    t == RC_BINLOG_PARTIAL_UPDATE_ROWS || t == RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1 ||
	    t == RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED)
		rc_reader_bytes(&p->rd, nbytes, &r->present_after);
	if (rc_binlog_rd_check(p, "columns bitmap"))
		return RC_ERR_FATAL;
	r->rows_offset = p->rd.pos;
	if (t >= RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1 && t <= RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED) {
		if (maria_uncompress(p, "row images", &r->rows, &r->rows_len))
			return RC_ERR_FATAL;
		p->ev->kind = RC_BINLOG_K_ROWS;
		return 0;
	}
	r->rows_len = rc_reader_remaining(&p->rd);
	rc_reader_bytes(&p->rd, r->rows_len, &r->rows);
	p->ev->kind = RC_BINLOG_K_ROWS;
	return 0;
}

/* --- The event ---------------------------------------------------------------------------------- */

int rc_binlog_parse(const rc_binlog_fmt_t *fmt, const uint8_t *buf, size_t len, rc_arena_t *arena,
                    rc_binlog_event_t *ev, char *err, size_t errlen)
{
	rc_binlog_ctx_t p = {.fmt = fmt, .arena = arena, .ev = ev, .err = err, .errlen = errlen};
	size_t body_end = len;
	int t;

	memset(ev, 0, sizeof *ev);
	rc_reader_init(&p.rd, buf, len);
	rc_reader_le_u32(&p.rd, &ev->timestamp);
	rc_reader_u8(&p.rd, &ev->type);
	rc_reader_le_u32(&p.rd, &ev->server_id);
	rc_reader_le_u32(&p.rd, &ev->size);
	rc_reader_le_u32(&p.rd, &ev->log_pos);
	rc_reader_le_u16(&p.rd, &ev->flags);
	if (rc_binlog_rd_check(&p, "header"))
		return RC_ERR_FATAL;
	t = ev->type;
	if (ev->size != len)
		return rc_binlog_perr(&p, "event size %" PRIu32 " in the header at offset 9, %zu bytes given",
		                      ev->size, len);
	if (t != RC_BINLOG_FORMAT_DESCRIPTION && fmt->crc32) {
		uint32_t want, got;

		if (len < RC_BINLOG_HEADER_LEN + RC_BINLOG_CRC_LEN)
			return rc_binlog_perr(&p, "no room for its CRC32 in %zu bytes", len);
		body_end = len - RC_BINLOG_CRC_LEN;
		want = (uint32_t)buf[body_end] | (uint32_t)buf[body_end + 1] << 8 |
		       (uint32_t)buf[body_end + 2] << 16 | (uint32_t)buf[body_end + 3] << 24;
		got = (uint32_t)crc32(0L, buf, (uInt)body_end);
		if (want != got)
			return rc_binlog_perr(&p,
			                      "checksum mismatch: event has CRC32 0x%08" PRIx32
			                      " at offset %zu, bytes give 0x%08" PRIx32,
			                      want, body_end, got);
		p.rd.len = body_end;
	}

	switch (t) {
	case RC_BINLOG_FORMAT_DESCRIPTION:
		return parse_fde(&p, len);
	case RC_BINLOG_ROTATE:
		return parse_rotate(&p);
	case RC_BINLOG_QUERY:
	case RC_BINLOG_MARIA_QUERY_COMPRESSED:
		return parse_query(&p);
	case RC_BINLOG_XID:
		return parse_xid(&p);
	case RC_BINLOG_GTID:
	case RC_BINLOG_ANONYMOUS_GTID:
		return parse_gtid(&p);
	case RC_BINLOG_GTID_TAGGED:
		return parse_gtid_tagged(&p);
	case RC_BINLOG_PREVIOUS_GTIDS:
		return parse_prev_gtids(&p);
	case RC_BINLOG_ROWS_QUERY:
	case RC_BINLOG_MARIA_ANNOTATE_ROWS:
		return parse_rows_query(&p);
	case RC_BINLOG_TABLE_MAP:
		ev->u.table_map.mariadb = fmt->mariadb;
		return rc_binlog_parse_table_map(&p);
	case RC_BINLOG_WRITE_ROWS_V1:
	case RC_BINLOG_UPDATE_ROWS_V1:
	case RC_BINLOG_DELETE_ROWS_V1:
	case RC_BINLOG_WRITE_ROWS_V2:
	case RC_BINLOG_UPDATE_ROWS_V2:
	case RC_BINLOG_DELETE_ROWS_V2:
	case RC_BINLOG_PARTIAL_UPDATE_ROWS:
	case RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1:
	case RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1:
	case RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1:
	case RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED:
	case RC_BINLOG_MARIA_UPDATE_ROWS_COMPRESSED:
	case RC_BINLOG_MARIA_DELETE_ROWS_COMPRESSED:
		return parse_rows(&p);
	case RC_BINLOG_TRANSACTION_PAYLOAD:
		return parse_payload(&p);
	case RC_BINLOG_STOP:
		ev->kind = RC_BINLOG_K_STOP;
		return 0;
	case RC_BINLOG_HEARTBEAT:
		rest_str(&p, &ev->u.heartbeat_file);
		ev->kind = RC_BINLOG_K_HEARTBEAT;
		return 0;
	case RC_BINLOG_MARIA_GTID:
		return parse_maria_gtid(&p);
	case RC_BINLOG_MARIA_GTID_LIST:
		return parse_maria_gtid_list(&p);
	case RC_BINLOG_MARIA_BINLOG_CHECKPOINT:
		return parse_maria_checkpoint(&p);
	default:
		if (rc_binlog_is_rows_type(t))
			return rc_binlog_perr(
			    &p, "rows event format not supported (its row changes cannot be read)");
		ev->kind = RC_BINLOG_K_SKIPPED;
		return 0;
	}
}
