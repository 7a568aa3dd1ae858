/*
 * pgoutput and replication stream messages: the captured fixtures of tests/fixtures/pgoutput decode to
 * their .expected text; every fixture message cut short, extended or mutated is an error or at worst
 * a different valid message, never a crash; hand-built malformed messages give exact errors; the
 * standby status update has exact bytes.
 *
 * ROWCAST_PGO_WRITE_EXPECTED=1 rewrites the .expected files from the parser's output instead of
 * comparing (after a new capture; review the diff by hand).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fixture_path.h"

#include "agent/codec.h"
#include "decoders/postgres/pg_walmsg.h"
#include "decoders/postgres/pgoutput.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const scenarios[] = {
    "dml_v1",    "binary_v1", "toast_v1",    "truncate_v1", "messages_v1",
    "origin_v1", "stream_v2", "twophase_v3", "walmsg",
};
#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

typedef struct {
	uint8_t *data;
	size_t len;
} frame_t;

typedef struct {
	const char *name;
	int proto_version;
	bool copydata; /* frames are CopyData messages whose XLogData payloads are pgoutput */
	frame_t *frames;
	size_t nframes;
} fixture_t;

/* A growing string. */
typedef struct {
	char *s;
	size_t len, cap;
} text_t;

static void text_add(text_t *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_printf(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(text_t *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof buf);
	text_add(t, buf, (size_t)n);
}

/* --- Fixture files ---------------------------------------------------------------------------- */

static char *fixture_path(const char *name, const char *ext)
{
	return rc_test_fixture_path("pgoutput", name, ext);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	text_t t = {0};
	char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	text_add(&t, "", 0);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		text_add(&t, buf, n);
	fclose(f);
	*len = t.len;
	return t.s;
}

/* Hex digits (spaces ignored) to bytes; returns the byte count. */
static size_t unhex(const char *hex, size_t hexlen, uint8_t *out)
{
	size_t n = 0;
	int hi = -1;

	for (size_t i = 0; i < hexlen; i++) {
		int v;

		if (hex[i] == ' ')
			continue;
		v = rc_codec_hex_digit((unsigned char)hex[i]);
		assert_true(v >= 0);
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_true(hi < 0);
	return n;
}

static void load_fixture(const char *name, fixture_t *fx)
{
	char *path = fixture_path(name, ".hex");
	size_t len, cap = 0;
	char *text = slurp(path, &len);
	char *line, *save = NULL;

	if (!text)
		fail_msg("cannot read %s (set top_srcdir to the source tree)", path);
	memset(fx, 0, sizeof *fx);
	fx->name = name;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		frame_t *f;

		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (strncmp(line, "proto_version=", 14) == 0) {
			fx->proto_version = atoi(line + 14);
			continue;
		}
		if (strcmp(line, "framing=copydata") == 0) {
			fx->copydata = true;
			continue;
		}
		if (fx->nframes == cap) {
			cap = cap ? cap * 2 : 64;
			fx->frames = realloc(fx->frames, cap * sizeof *fx->frames);
			assert_non_null(fx->frames);
		}
		f = &fx->frames[fx->nframes++];
		f->data = malloc(n / 2 + 1);
		assert_non_null(f->data);
		f->len = unhex(line, n, f->data);
	}
	assert_true(fx->proto_version >= RC_PGO_PROTO_MIN);
	assert_true(fx->nframes > 0);
	free(text);
	free(path);
}

static void free_fixture(fixture_t *fx)
{
	for (size_t i = 0; i < fx->nframes; i++)
		free(fx->frames[i].data);
	free(fx->frames);
}

/* --- Rendering -------------------------------------------------------------------------------- */

static void text_ts(text_t *t, const char *name, int64_t pg_us)
{
	int64_t unix_us = rc_walmsg_pg_to_unix_us(pg_us);
	time_t secs = (time_t)(unix_us / 1000000);
	struct tm tm;

	if (unix_us < 0 || unix_us == INT64_MAX || !gmtime_r(&secs, &tm)) {
		text_printf(t, " %s=%" PRId64 "us", name, pg_us);
		return;
	}
	text_printf(t, " %s=%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", name, tm.tm_year + 1900,
	            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_us % 1000000);
}

static void text_lsn(text_t *t, const char *name, uint64_t lsn)
{
	text_printf(t, " %s=%" PRIX32 "/%" PRIX32, name, (uint32_t)(lsn >> 32), (uint32_t)lsn);
}

static void text_pgo(text_t *t, const rc_pgo_msg_t *m)
{
	size_t need = rc_pgoutput_format(m, 0, NULL, 0);
	char *buf = malloc(need + 1);

	assert_non_null(buf);
	assert_int_equal(rc_pgoutput_format(m, 0, buf, need + 1), need);
	assert_int_equal(strlen(buf), need);
	text_add(t, buf, need);
	free(buf);
}

/*
 * Parses one frame of a fixture (a pgoutput message, or a CopyData message carrying one) and, when t
 * is not NULL, appends its rendering as one line. Tracks *in_stream. Returns 0, or -1 with err set.
 */
static int decode_frame(const fixture_t *fx, const uint8_t *data, size_t len, bool *in_stream,
                        rc_arena_t *arena, text_t *t, char *err, size_t errlen)
{
	rc_pgo_msg_t m;

	err[0] = '\0';
	if (fx->copydata) {
		rc_walmsg_t w;

		if (rc_walmsg_parse(data, len, &w, err, errlen) != 0)
			return -1;
		if (w.type == RC_WALMSG_KEEPALIVE) {
			if (t) {
				text_printf(t, "keepalive");
				text_lsn(t, "wal_end", w.keepalive.wal_end);
				text_ts(t, "send_time", w.keepalive.send_time);
				text_printf(t, " reply_requested=%d\n", w.keepalive.reply_requested);
			}
			return 0;
		}
		if (t) {
			text_printf(t, "XLogData");
			text_lsn(t, "wal_start", w.xlogdata.wal_start);
			text_lsn(t, "wal_end", w.xlogdata.wal_end);
			text_ts(t, "send_time", w.xlogdata.send_time);
			text_printf(t, " | ");
		}
		data = w.xlogdata.data;
		len = w.xlogdata.len;
	}
	if (rc_pgoutput_parse(data, len, fx->proto_version, *in_stream, arena, &m, err, errlen) != 0)
		return -1;
	if (t) {
		text_pgo(t, &m);
		text_add(t, "\n", 1);
	}
	*in_stream = rc_pgoutput_next_in_stream(*in_stream, &m);
	return 0;
}

static void compare_or_write(const char *name, const text_t *got)
{
	char *path = fixture_path(name, ".expected");
	const char *write = getenv("ROWCAST_PGO_WRITE_EXPECTED");
	size_t len;
	char *want;
	const char *a, *b;
	size_t lineno = 1;

	if (write && strcmp(write, "1") == 0) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(got->s, 1, got->len, f), got->len);
		assert_int_equal(fclose(f), 0);
		print_message("wrote %s\n", path);
		free(path);
		return;
	}
	want = slurp(path, &len);
	if (!want)
		fail_msg("cannot read %s", path);
	/* Report the first differing line rather than two whole files. */
	for (a = want, b = got->s; *a && *b; lineno++) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);

		if (la != lb || memcmp(a, b, la) != 0)
			fail_msg("%s line %zu differs:\n  expected: %.*s\n  got:      %.*s", path, lineno,
			         (int)la, a, (int)lb, b);
		a += la + (ea ? 1 : 0);
		b += lb + (eb ? 1 : 0);
	}
	if (*a || *b)
		fail_msg("%s: %s at line %zu", path, *a ? "output ends early" : "output has extra lines",
		         lineno);
	free(want);
	free(path);
}

/* --- Fixture tests ---------------------------------------------------------------------------- */

static void test_fixture(void **state)
{
	const char *name = *state;
	fixture_t fx;
	rc_arena_t arena;
	text_t t = {0};
	bool in_stream = false;
	char err[256];

	load_fixture(name, &fx);
	rc_arena_init(&arena, 0);
	text_add(&t, "", 0);
	for (size_t i = 0; i < fx.nframes; i++) {
		if (decode_frame(&fx, fx.frames[i].data, fx.frames[i].len, &in_stream, &arena, &t, err,
		                 sizeof err))
			fail_msg("%s message %zu: %s", name, i + 1, err);
		rc_arena_reset(&arena);
	}
	assert_false(in_stream);
	compare_or_write(name, &t);
	free(t.s);
	rc_arena_destroy(&arena);
	free_fixture(&fx);
}

/* Runs check(fx, frame index, bytes, in_stream before the frame) for every frame of every fixture. */
static void for_each_frame(void (*check)(const fixture_t *, size_t, const frame_t *, bool, rc_arena_t *))
{
	rc_arena_t arena;
	char err[256];

	rc_arena_init(&arena, 0);
	for (size_t s = 0; s < NSCENARIOS; s++) {
		fixture_t fx;
		bool in_stream = false;

		load_fixture(scenarios[s], &fx);
		for (size_t i = 0; i < fx.nframes; i++) {
			bool before = in_stream;

			check(&fx, i, &fx.frames[i], before, &arena);
			rc_arena_reset(&arena);
			assert_int_equal(decode_frame(&fx, fx.frames[i].data, fx.frames[i].len, &in_stream,
			                              &arena, NULL, err, sizeof err),
			                 0);
			rc_arena_reset(&arena);
		}
		free_fixture(&fx);
	}
	rc_arena_destroy(&arena);
}

static size_t truncations;

/* Every proper prefix of a message is an error. Each is copied to a buffer of exactly its length, so
 * that ASan sees any read past the end. */
static void check_truncated(const fixture_t *fx, size_t i, const frame_t *f, bool in_stream,
                            rc_arena_t *arena)
{
	char err[256];

	for (size_t cut = 0; cut < f->len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		bool st = in_stream;

		assert_non_null(copy);
		memcpy(copy, f->data, cut);
		if (decode_frame(fx, copy, cut, &st, arena, NULL, err, sizeof err) == 0)
			fail_msg("%s message %zu cut to %zu of %zu bytes parsed without error", fx->name,
			         i + 1, cut, f->len);
		assert_true(err[0] != '\0');
		rc_arena_reset(arena);
		free(copy);
		truncations++;
	}
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	truncations = 0;
	for_each_frame(check_truncated);
	print_message("%zu truncated messages rejected\n", truncations);
	assert_true(truncations > 100000);
}

static void check_trailing(const fixture_t *fx, size_t i, const frame_t *f, bool in_stream, rc_arena_t *arena)
{
	uint8_t *copy = malloc(f->len + 1);
	char err[256];

	assert_non_null(copy);
	memcpy(copy, f->data, f->len);
	copy[f->len] = 0;
	if (decode_frame(fx, copy, f->len + 1, &in_stream, arena, NULL, err, sizeof err) == 0)
		fail_msg("%s message %zu with a trailing byte parsed without error", fx->name, i + 1);
	if (!(fx->copydata && f->data[0] == 'k'))
		assert_non_null(strstr(err, "1 trailing bytes after the message at offset"));
	free(copy);
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	for_each_frame(check_trailing);
}

static void check_flipped_type(const fixture_t *fx, size_t i, const frame_t *f, bool in_stream,
                               rc_arena_t *arena)
{
	rc_pgo_msg_t m;
	char err[256];
	const uint8_t *data = f->data;
	size_t len = f->len;
	uint8_t *copy;

	(void)i;
	if (fx->copydata) {
		if (f->data[0] != 'w')
			return;
		data += RC_WALMSG_XLOGDATA_HDR_LEN;
		len -= RC_WALMSG_XLOGDATA_HDR_LEN;
	}
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, data, len);
	copy[0] = 'Z';
	assert_int_equal(
	    rc_pgoutput_parse(copy, len, fx->proto_version, in_stream, arena, &m, err, sizeof err), -1);
	assert_string_equal(err, "pgoutput: unknown message type 'Z' (0x5a) at offset 0");
	copy[0] = 0x80;
	assert_int_equal(
	    rc_pgoutput_parse(copy, len, fx->proto_version, in_stream, arena, &m, err, sizeof err), -1);
	assert_string_equal(err, "pgoutput: unknown message type 0x80 at offset 0");
	free(copy);
}

static void test_flipped_type(void **state)
{
	(void)state;
	for_each_frame(check_flipped_type);
}

static size_t mutations, mutations_ok;

/* Every byte replaced by a few values: the result is an error or a message that renders; ASan and
 * UBSan watch. To keep the run short under valgrind: the first 150 messages of each fixture (the
 * rest of the large ones repeat the same shapes), the first 128 bytes of each (the rest is datums). */
static void check_mutated(const fixture_t *fx, size_t i, const frame_t *f, bool in_stream, rc_arena_t *arena)
{
	static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	uint8_t *copy = malloc(f->len);
	size_t limit = f->len < 128 ? f->len : 128;
	char err[256];

	if (i >= 150) {
		free(copy);
		return;
	}
	assert_non_null(copy);
	for (size_t pos = 0; pos < limit; pos++) {
		for (size_t v = 0; v < sizeof values; v++) {
			text_t t = {0};
			bool st = in_stream;

			memcpy(copy, f->data, f->len);
			copy[pos] = values[v];
			if (decode_frame(fx, copy, f->len, &st, arena, &t, err, sizeof err) == 0)
				mutations_ok++;
			else
				assert_true(err[0] != '\0');
			free(t.s);
			rc_arena_reset(arena);
			mutations++;
		}
	}
	free(copy);
}

static void test_mutated_bytes(void **state)
{
	(void)state;
	mutations = mutations_ok = 0;
	for_each_frame(check_mutated);
	print_message("%zu mutated messages, %zu still valid\n", mutations, mutations_ok);
}

/* --- Hand-built messages ---------------------------------------------------------------------- */

static uint8_t hand[4096];

static int parse_hex(const char *hex, int proto, bool in_stream, rc_arena_t *arena, rc_pgo_msg_t *m,
                     char *err, size_t errlen)
{
	size_t len = unhex(hex, strlen(hex), hand);

	return rc_pgoutput_parse(hand, len, proto, in_stream, arena, m, err, errlen);
}

static const struct {
	const char *hex;
	int proto;
	bool in_stream;
	const char *err;
} bad_cases[] = {
    {"", 1, false, "pgoutput: empty message"},
    {"5a", 1, false, "pgoutput: unknown message type 'Z' (0x5a) at offset 0"},
    {"00", 1, false, "pgoutput: unknown message type 0x00 at offset 0"},
    {"45", 5, true, "pgoutput: unsupported protocol version 5 (expected 1..4)"},
    {"45", 0, false, "pgoutput: unsupported protocol version 0 (expected 1..4)"},
    {"45", 1, true, "pgoutput: stream blocks need protocol version 2 or later, not 1"},
    /* Insert rel 16385: truncated relid, then in a stream block truncated xid. */
    {"49 0000", 1, false, "pgoutput Insert: truncated at offset 1: need 4 bytes, 2 left"},
    {"49 00000300 0000", 2, true, "pgoutput Insert: truncated at offset 5: need 4 bytes, 2 left"},
    {"49 00004001 4e 0001 74 ffffffff", 1, false,
     "pgoutput Insert: negative length -1 of column value at offset 9"},
    {"49 00004001 4e 0001 62 80000000", 1, false,
     "pgoutput Insert: negative length -2147483648 of column value at offset 9"},
    {"49 00004001 4e 0001 74 00000004 6869", 1, false,
     "pgoutput Insert: truncated at offset 13: need 4 bytes, 2 left"},
    {"49 00004001 4e 0681", 1, false,
     "pgoutput Insert: column count 1665 at offset 6 is out of range (0..1664)"},
    {"49 00004001 4e 7fff", 1, false,
     "pgoutput Insert: column count 32767 at offset 6 is out of range (0..1664)"},
    {"49 00004001 4e ffff", 1, false,
     "pgoutput Insert: column count -1 at offset 6 is out of range (0..1664)"},
    {"49 00004001 4e 0003 6e6e", 1, false,
     "pgoutput Insert: truncated at offset 8: 3 columns need at least 3 bytes, 2 left"},
    {"49 00004001 4e 0001 78", 1, false,
     "pgoutput Insert: unknown kind 0x78 of column 1 at offset 8 (expected n, u, t or b)"},
    {"49 00004001 58 0000", 1, false, "pgoutput Insert: expected 'N' at offset 5, got 0x58"},
    {"55 00004001 4b 0001 6e 0001 6e", 1, false, "pgoutput Update: expected 'N' at offset 9, got 0x00"},
    {"44 00004001 4e 0000", 1, false, "pgoutput Delete: expected 'K' or 'O' at offset 5, got 0x4e"},
    {"52 00004001 7075626c6963", 1, false,
     "pgoutput Relation: string at offset 5 has no NUL terminator within the message (6 bytes left)"},
    {"52 00004001 00 7400 78 0000", 1, false,
     "pgoutput Relation: unknown replica identity 0x78 at offset 8 (expected d, n, f or i)"},
    {"52 00004001 00 7400 64 03e8 01 6100 00000017 ffffffff", 1, false,
     "pgoutput Relation: truncated at offset 11: 1000 attributes need at least 10000 bytes, 11 left"},
    {"52 00004001 00 7400 64 0001 01 61626300 00000017 ffff", 1, false,
     "pgoutput Relation: truncated at offset 20: need 4 bytes, 2 left"},
    {"54 ffffffff 00 00000001", 1, false,
     "pgoutput Truncate: truncated at offset 6: 4294967295 relids need 17179869180 bytes, 4 left"},
    {"4d 01 0000000000000001 7000 fffffffe", 1, false,
     "pgoutput Message: negative length -2 of content at offset 12"},
    {"4d 01 0000000000000001 7000 00000010 00", 1, false,
     "pgoutput Message: truncated at offset 16: need 16 bytes, 1 left"},
    {"4f 0000000000000001 61", 1, false,
     "pgoutput Origin: string at offset 9 has no NUL terminator within the message (1 bytes left)"},
    {"45 00", 2, true, "pgoutput Stream Stop: 1 trailing bytes after the message at offset 1"},
    {"42 0000000000000001 0000000000000002 00000003 ff", 1, false,
     "pgoutput Begin: 1 trailing bytes after the message at offset 21"},
    {"53 00000001 01", 1, false,
     "pgoutput Stream Start: message type 'S' needs protocol version 2, the stream uses 1"},
    {"70 00", 2, false,
     "pgoutput Stream Prepare: message type 'p' needs protocol version 3, the stream uses 2"},
    {"45", 2, false, "pgoutput Stream Stop: outside a stream block"},
    {"42 0000000000000001 0000000000000002 00000003", 2, true, "pgoutput Begin: inside a stream block"},
    {"53 00000001 01", 2, true, "pgoutput Stream Start: inside a stream block"},
    {"53 00000001 02", 2, false, "pgoutput Stream Start: flag at offset 5 is 2, expected 0 or 1"},
    {"41 00000001 00000002 0000000000000003 0000000000000004", 2, false,
     "pgoutput Stream Abort: 16 trailing bytes after the message at offset 9"},
    {"41 00000001 00000002 0000000000", 4, false,
     "pgoutput Stream Abort: truncated at offset 9: need 8 bytes, 5 left"},
    {"4b 00 0000000000000001 0000000000000002 0000000000000003 00000004 6769", 3, false,
     "pgoutput Commit Prepared: string at offset 30 has no NUL terminator within the message (2 bytes left)"},
};

static void test_malformed(void **state)
{
	rc_arena_t arena;
	rc_pgo_msg_t m;
	char err[256];

	(void)state;
	rc_arena_init(&arena, 0);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		err[0] = '\0';
		if (parse_hex(bad_cases[i].hex, bad_cases[i].proto, bad_cases[i].in_stream, &arena, &m, err,
		              sizeof err) != -1)
			fail_msg("case %zu (%s) parsed", i, bad_cases[i].hex);
		if (strcmp(err, bad_cases[i].err) != 0)
			fail_msg("case %zu (%s):\n  expected: %s\n  got:      %s", i, bad_cases[i].hex,
			         bad_cases[i].err, err);
		rc_arena_reset(&arena);
	}
	/* No arena, a tiny error buffer, no error buffer at all. */
	assert_int_equal(parse_hex("49 00004001 4e 0000", 1, false, NULL, &m, err, sizeof err), -1);
	assert_string_equal(err, "pgoutput Insert: no arena given");
	assert_int_equal(parse_hex("49 0000", 1, false, &arena, &m, err, 12), -1);
	assert_string_equal(err, "pgoutput In");
	assert_int_equal(parse_hex("49 0000", 1, false, &arena, &m, NULL, 0), -1);
	rc_arena_destroy(&arena);
}

static void test_hand_built_valid(void **state)
{
	rc_arena_t arena;
	rc_pgo_msg_t m;
	char err[256], out[512];

	(void)state;
	rc_arena_init(&arena, 0);

	/* A pg_catalog relation (namespace sent as "") without attributes. */
	assert_int_equal(parse_hex("52 000004d2 00 7400 6e 0000", 1, false, &arena, &m, err, sizeof err), 0);
	assert_int_equal(m.type, RC_PGO_RELATION);
	assert_string_equal(m.relation.nspname, "pg_catalog");
	assert_string_equal(m.relation.relname, "t");
	assert_int_equal(m.relation.replident, RC_PGO_IDENT_NOTHING);
	assert_int_equal(m.relation.natts, 0);
	assert_null(m.relation.attrs);
	rc_pgoutput_format(&m, 0, out, sizeof out);
	assert_string_equal(out, "Relation rel=1234 name=\"pg_catalog\".\"t\" replident=n atts=()");

	/* An Insert inside a stream block, with every column kind; datums cut at 3 bytes. */
	assert_int_equal(
	    parse_hex("49 000002f0 00004001 4e 0004 6e 75 74 00000006 616263646566 62 00000002 00ff", 2, true,
	              &arena, &m, err, sizeof err),
	    0);
	assert_int_equal(m.stream_xid, 752);
	assert_int_equal(m.insert.relid, 16385);
	assert_int_equal(m.insert.newtup.ncols, 4);
	assert_int_equal(m.insert.newtup.cols[0].kind, RC_PGO_COL_NULL);
	assert_null(m.insert.newtup.cols[0].data);
	assert_int_equal(m.insert.newtup.cols[1].kind, RC_PGO_COL_UNCHANGED);
	assert_int_equal(m.insert.newtup.cols[2].kind, RC_PGO_COL_TEXT);
	assert_int_equal(m.insert.newtup.cols[2].len, 6);
	assert_ptr_equal(m.insert.newtup.cols[2].data, hand + 19); /* borrowed, not copied */
	assert_int_equal(m.insert.newtup.cols[3].kind, RC_PGO_COL_BINARY);
	rc_pgoutput_format(&m, 3, out, sizeof out);
	assert_string_equal(out, "Insert xid=752 rel=16385 new=(n, u, t:\"abc\"...(6 bytes), b:0x00ff)");
	/* A buffer too small: cut and terminated, the full length returned. */
	assert_int_equal(rc_pgoutput_format(&m, 3, out, 10), strlen("Insert xid=752 rel=16385 new=(n, u, "
	                                                            "t:\"abc\"...(6 bytes), b:0x00ff)"));
	assert_string_equal(out, "Insert xi");
	assert_true(rc_pgoutput_next_in_stream(true, &m));

	/* Stream Abort in version 4, with and without the parallel-apply fields. */
	assert_int_equal(parse_hex("41 00000001 00000002 0000000100000003 0000000000000004", 4, false, &arena,
	                           &m, err, sizeof err),
	                 0);
	assert_true(m.stream_abort.has_abort_info);
	assert_int_equal(m.stream_abort.abort_lsn, UINT64_C(0x100000003));
	assert_int_equal(m.stream_abort.abort_ts, 4);
	rc_pgoutput_format(&m, 0, out, sizeof out);
	assert_string_equal(out,
	                    "Stream Abort xid=1 subxid=2 abort_lsn=1/3 abort_ts=2000-01-01T00:00:00.000004Z");
	assert_int_equal(parse_hex("41 00000001 00000001", 4, false, &arena, &m, err, sizeof err), 0);
	assert_false(m.stream_abort.has_abort_info);

	/* Infinite and pre-epoch times, a big unsigned xid. */
	assert_int_equal(
	    parse_hex("42 ffffffffffffffff 7fffffffffffffff fffffffe", 1, false, &arena, &m, err, sizeof err),
	    0);
	rc_pgoutput_format(&m, 0, out, sizeof out);
	assert_string_equal(out, "Begin final_lsn=FFFFFFFF/FFFFFFFF commit_ts=infinity xid=4294967294");
	assert_int_equal(
	    parse_hex("42 0000000000000000 ffffffffffffffff 00000001", 1, false, &arena, &m, err, sizeof err),
	    0);
	assert_int_equal(m.begin.commit_ts, -1);
	rc_pgoutput_format(&m, 0, out, sizeof out);
	assert_string_equal(out, "Begin final_lsn=0/0 commit_ts=1999-12-31T23:59:59.999999Z xid=1");

	/* Truncate with an unknown option bit, and an empty one. */
	assert_int_equal(parse_hex("54 00000002 07 00004001 00004002", 1, false, &arena, &m, err, sizeof err),
	                 0);
	rc_pgoutput_format(&m, 0, out, sizeof out);
	assert_string_equal(out, "Truncate options=cascade|restart_identity|0x04 relids=(16385, 16386)");
	assert_int_equal(parse_hex("54 00000000 00", 1, false, &arena, &m, err, sizeof err), 0);
	assert_null(m.truncate.relids);
	rc_pgoutput_format(&m, 0, out, sizeof out);
	assert_string_equal(out, "Truncate options=0 relids=()");

	/* The most columns a tuple can have. */
	{
		char *hex = malloc(16 + 2 * 1664 + 1);
		assert_non_null(hex);
		strcpy(hex, "49000040014e0680");
		for (int i = 0; i < 1664; i++)
			strcat(hex, "6e");
		assert_int_equal(parse_hex(hex, 1, false, &arena, &m, err, sizeof err), 0);
		assert_int_equal(m.insert.newtup.ncols, 1664);
		free(hex);
	}

	assert_string_equal(rc_pgoutput_type_name('I'), "Insert");
	assert_string_equal(rc_pgoutput_type_name('c'), "Stream Commit");
	assert_string_equal(rc_pgoutput_type_name('z'), "unknown");
	assert_string_equal(rc_pgoutput_type_name(-1), "unknown");
	assert_string_equal(rc_pgoutput_type_name(300), "unknown");
	rc_arena_destroy(&arena);
}

/* --- Replication stream messages -------------------------------------------------------------- */

static void test_walmsg_parse(void **state)
{
	static const uint8_t keepalive[] = {'k', 0,    0,    0,    0,    0x09, 0x68, 0x46, 0xb8,
	                                    0,   0x03, 0x04, 0x0b, 0xd1, 0x48, 0x29, 0x7c, 0x01};
	uint8_t xlog[RC_WALMSG_XLOGDATA_HDR_LEN + 1] = {'w',  0,    0,    0,    1,    0,    0,    0,  2,
	                                                0,    0,    0,    1,    0,    0,    0,    3,  0xff,
	                                                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 'E'};
	uint8_t bad[RC_WALMSG_KEEPALIVE_LEN];
	rc_walmsg_t w;
	char err[256];

	(void)state;
	assert_int_equal(rc_walmsg_parse(keepalive, sizeof keepalive, &w, err, sizeof err), 0);
	assert_int_equal(w.type, RC_WALMSG_KEEPALIVE);
	assert_int_equal(w.keepalive.wal_end, UINT64_C(0x96846b8));
	assert_int_equal(w.keepalive.send_time, INT64_C(0x3040bd148297c));
	assert_true(w.keepalive.reply_requested);

	assert_int_equal(rc_walmsg_parse(xlog, sizeof xlog, &w, err, sizeof err), 0);
	assert_int_equal(w.type, RC_WALMSG_XLOGDATA);
	assert_int_equal(w.xlogdata.wal_start, UINT64_C(0x100000002));
	assert_int_equal(w.xlogdata.wal_end, UINT64_C(0x100000003));
	assert_int_equal(w.xlogdata.send_time, -2);
	assert_ptr_equal(w.xlogdata.data, xlog + 25);
	assert_int_equal(w.xlogdata.len, 1);
	assert_int_equal(rc_walmsg_parse(xlog, RC_WALMSG_XLOGDATA_HDR_LEN, &w, err, sizeof err), 0);
	assert_int_equal(w.xlogdata.len, 0);

	assert_int_equal(rc_walmsg_parse(xlog, 24, &w, err, sizeof err), -1);
	assert_string_equal(err, "walmsg XLogData: truncated header: 24 bytes, need 25");
	assert_int_equal(rc_walmsg_parse(keepalive, 17, &w, err, sizeof err), -1);
	assert_string_equal(err, "walmsg keepalive: 17 bytes, expected 18");
	memcpy(bad, keepalive, sizeof bad);
	bad[17] = 2;
	assert_int_equal(rc_walmsg_parse(bad, sizeof bad, &w, err, sizeof err), -1);
	assert_string_equal(err, "walmsg keepalive: replyRequested is 2 at offset 17, expected 0 or 1");
	bad[0] = 'r';
	assert_int_equal(rc_walmsg_parse(bad, sizeof bad, &w, err, sizeof err), -1);
	assert_string_equal(err, "walmsg: unknown message type 'r' (0x72) at offset 0");
	bad[0] = 0;
	assert_int_equal(rc_walmsg_parse(bad, sizeof bad, &w, err, sizeof err), -1);
	assert_string_equal(err, "walmsg: unknown message type 0x00 at offset 0");
	assert_int_equal(rc_walmsg_parse(bad, 0, &w, err, sizeof err), -1);
	assert_string_equal(err, "walmsg: empty CopyData message");

	assert_string_equal(rc_walmsg_type_name('w'), "XLogData");
	assert_string_equal(rc_walmsg_type_name('k'), "keepalive");
	assert_string_equal(rc_walmsg_type_name('r'), "unknown");
}

static void test_walmsg_status_bytes(void **state)
{
	static const uint8_t want[RC_WALMSG_STATUS_LEN] = {
	    'r',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, /* write 1/10 */
	    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08,       /* flush 1/8 */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       /* apply 0/0 */
	    0x00, 0x03, 0x04, 0x0b, 0xd1, 0x48, 0x29, 0x7c,       /* sendTime */
	    0x01,                                                 /* replyRequested */
	};
	uint8_t buf[64];

	(void)state;
	memset(buf, 0xaa, sizeof buf);
	assert_int_equal(rc_walmsg_build_status(buf, sizeof buf, UINT64_C(0x100000010), UINT64_C(0x100000008),
	                                        0, INT64_C(0x3040bd148297c), true),
	                 RC_WALMSG_STATUS_LEN);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(buf[RC_WALMSG_STATUS_LEN], 0xaa);

	/* Negative times are two's complement; a short buffer is left alone. */
	assert_int_equal(rc_walmsg_build_status(buf, RC_WALMSG_STATUS_LEN, 0, 0, 0, -1, false),
	                 RC_WALMSG_STATUS_LEN);
	for (int i = 25; i < 33; i++)
		assert_int_equal(buf[i], 0xff);
	assert_int_equal(buf[33], 0);
	memset(buf, 0xaa, sizeof buf);
	assert_int_equal(rc_walmsg_build_status(buf, RC_WALMSG_STATUS_LEN - 1, 1, 1, 1, 1, true), -1);
	assert_int_equal(buf[0], 0xaa);
}

static void test_walmsg_time(void **state)
{
	int64_t now;

	(void)state;
	assert_int_equal(rc_walmsg_pg_to_unix_us(0), INT64_C(946684800000000));
	assert_int_equal(rc_walmsg_unix_to_pg_us(INT64_C(946684800000000)), 0);
	assert_int_equal(rc_walmsg_unix_to_pg_us(0), -INT64_C(946684800000000));
	assert_int_equal(rc_walmsg_pg_to_unix_us(INT64_MAX), INT64_MAX);
	assert_int_equal(rc_walmsg_pg_to_unix_us(INT64_MAX - INT64_C(946684800000000)), INT64_MAX);
	assert_int_equal(rc_walmsg_pg_to_unix_us(INT64_MIN), INT64_MIN);
	assert_int_equal(rc_walmsg_unix_to_pg_us(INT64_MIN + 5), INT64_MIN);
	assert_int_equal(rc_walmsg_unix_to_pg_us(INT64_MAX), INT64_MAX);
	/* 2024-02-29T12:34:56.789012Z */
	assert_int_equal(rc_walmsg_unix_to_pg_us(INT64_C(1709210096789012)), INT64_C(762525296789012));
	now = rc_walmsg_now_pg_us();
	assert_true(now > INT64_C(757382400000000)); /* after 2024-01-01 */
	assert_true(rc_walmsg_pg_to_unix_us(now) / 1000000 - (int64_t)time(NULL) < 2);
}

int main(void)
{
	struct CMUnitTest tests[NSCENARIOS + 9];
	size_t n = 0;

	for (size_t i = 0; i < NSCENARIOS; i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_fixture, (void *)scenarios[i]);
		tests[n++].name = scenarios[i];
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_truncated_everywhere);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_trailing_garbage);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_flipped_type);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mutated_bytes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_malformed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hand_built_valid);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_walmsg_parse);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_walmsg_status_bytes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_walmsg_time);
	return _cmocka_run_group_tests("pgoutput", tests, n, NULL, NULL);
}
