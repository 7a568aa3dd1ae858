/*
 * The binlog parser and file reader over the real MySQL binlogs of tests/fixtures/mysql-binlog: every
 * file walks to its end with the server version, checksum kind and per-type event counts of the
 * README's table; decoded values are spot-checked against the README's notes and the mariadb-binlog
 * output beside the files; every event cut short is an error, never a crash; a flipped byte under
 * CRC32 is a checksum mismatch; hand-built events cover MariaDB's GTIDs and the error paths.
 *
 * ROWCAST_BINLOG_DUMP=1 prints every decoded event (for looking at a new fixture).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fixture_path.h"

#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_file.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* --- The README's table ------------------------------------------------------------------------- */

typedef struct {
	const char *file;
	const char *version;
	int crc32;
	const char *counts; /* "type:count,..." of top-level events, every type listed */
} fixture_t;

static const fixture_t fixtures[] = {
    {"mysql-8.0.17_hidden_gcol", "8.0.17-debug", 1, "15:2,35:1,4:2,34:3,2:3,19:1,30:1,16:1,3:1"},
    {"mysql-8.0.22_json_partial_update", "8.0.22", 1, "15:1,35:1,34:8,2:8,19:6,30:4,31:1,39:1,16:6"},
    {"mysql-8.0.26_bit_gtid", "8.0.26", 1, "15:1,35:1,33:3,2:3,19:1,30:1,16:1"},
    {"mysql-8.0.31_gtid_transaction_payload_json", "8.0.31", 1, "15:1,35:1,33:3,2:1,40:2"},
    {"mysql-8.0.32_transaction_payload_zstd", "8.0.32", 1, "15:1,35:1,34:1,40:1,4:1"},
    {"mysql-8.0.40_minimal_row_image", "8.0.40", 1, "15:1,35:1,34:1,2:1,19:1,30:1,16:1,4:1"},
    {"mysql-8.0.40_negative_time", "8.0.40", 1, "15:1,35:1,34:1,2:1,19:1,30:1,16:1,4:1"},
    {"mysql-8.0.40_previous_gtids_only", "8.0.40", 1, "15:1,35:1,4:1"},
    {"mysql-9.0.1_vector_full_metadata", "9.0.1", 1, "15:1,35:1,34:10,2:10,19:6,30:5,32:1,16:3,3:1"},
    {"mysql-9.6.0_gtid_tagged", "9.6.0", 1, "15:1,35:1,42:1,2:1,19:1,30:1,16:1,4:1"},
    {"mysql-5.7.40_gtid_rows", "5.7.40-log", 1, "15:1,35:1,33:10,2:10,19:5,30:3,32:2,16:5"},
    {"mysql-5.7.21_rows_crc32", "5.7.21-log", 1, "15:1,35:1,34:60,2:60,19:60,30:34,31:20,32:6,16:60,4:1"},
    {"mysql-5.7.20_rows_no_checksum", "5.7.20-log", 0, "15:1,35:1,34:40,2:40,19:36,30:34,31:2,16:36,3:1"},
    {"mysql-8.0.26_invisible_columns_gtid", "8.0.26", 1, "15:1,35:1,33:5,2:5,19:3,30:2,31:1,16:3,3:1"},
    {"mysql-8.0.28_enum_set_full_metadata", "8.0.28", 1, "15:1,35:1,33:5,2:5,19:3,30:1,31:1,32:1,16:3"},
    {"mysql-9.0.1_json_opaque", "9.0.1", 1, "15:1,35:1,34:3,2:3,19:8,30:8,16:1"},
};
#define NFIXTURES (sizeof fixtures / sizeof fixtures[0])

static char *fixture_path(const char *name)
{
	return rc_test_fixture_path("mysql-binlog", name, ".binlog");
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char *path = fixture_path(name);
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	free(path);
	*len = (size_t)n;
	return buf;
}

static bool str_is(rc_binlog_str_t s, const char *want)
{
	return s.s && s.len == strlen(want) && memcmp(s.s, want, s.len) == 0;
}

/* --- What a walk saw ---------------------------------------------------------------------------- */

typedef struct {
	const char *file;
	int counts[256];
	char version[51];
	int checksum_alg;
	bool dump;
	/* spot checks: the first of each, copied out of the event */
	char prev_gtids[256];
	char gtid_uuid[37], gtid_tag[33];
	int64_t gno;
	bool have_gtid;
	char rotate_next[64];
	uint64_t rotate_pos;
	char first_ddl[256];
	char rows_query[256];
	int payloads;
	char inner[256]; /* types of the events inside the payloads, "2,19,30,16|..." */
	uint64_t payload_comp[4], payload_unc[4];
	size_t payload_len[4];
	char tm_summary[8][512]; /* "db.table:name,name|pk=0|enum=0:a/b|set=..|vis=..|cs=.." */
	int ntm;
	uint32_t rows_ncols;
	int rows_present0;
} walk_t;

static void summarise_table_map(walk_t *w, const rc_binlog_table_map_t *tm)
{
	char *s;
	size_t n = sizeof w->tm_summary[0], o = 0;
	uint32_t i, j;

	if (w->ntm >= 8)
		return;
	s = w->tm_summary[w->ntm++];
#define ADD(...)                                                                                             \
	do {                                                                                                 \
		int k = snprintf(s + o, n - o, __VA_ARGS__);                                                 \
		if (k > 0)                                                                                   \
			o = o + (size_t)k < n ? o + (size_t)k : n - 1;                                       \
	} while (0)
	ADD("%.*s.%.*s:", (int)tm->db.len, tm->db.s, (int)tm->table.len, tm->table.s);
	for (i = 0; i < tm->ncolumns; i++) {
		if (tm->column_names)
			ADD("%s%.*s", i ? "," : "", (int)tm->column_names[i].len, tm->column_names[i].s);
		else
			ADD("%s@%u", i ? "," : "", i + 1);
		ADD("/%u", tm->types[i]);
	}
	if (tm->npk) {
		ADD("|pk=");
		for (i = 0; i < tm->npk; i++)
			ADD("%s%u", i ? "," : "", tm->pk[i]);
	}
	for (i = 0; i < tm->nenums; i++) {
		ADD("|enum%u=", tm->enums[i].column);
		for (j = 0; j < tm->enums[i].n; j++)
			ADD("%s%.*s", j ? "/" : "", (int)tm->enums[i].v[j].len, tm->enums[i].v[j].s);
	}
	for (i = 0; i < tm->nsets; i++) {
		ADD("|set%u=", tm->sets[i].column);
		for (j = 0; j < tm->sets[i].n; j++)
			ADD("%s%.*s", j ? "/" : "", (int)tm->sets[i].v[j].len, tm->sets[i].v[j].s);
	}
	if (tm->visibility_len) {
		ADD("|vis=");
		for (i = 0; i < tm->ncolumns && i / 8 < tm->visibility_len; i++)
			ADD("%d", (tm->visibility[i / 8] >> (7 - i % 8)) & 1);
	}
	if (tm->signedness_len) {
		ADD("|sign=");
		for (i = 0; i < tm->signedness_len; i++)
			ADD("%02x", tm->signedness[i]);
	}
	if (tm->nvector_dims) {
		ADD("|vdim=");
		for (i = 0; i < tm->nvector_dims; i++)
			ADD("%s%" PRIu64, i ? "," : "", tm->vector_dims[i]);
	}
	if (tm->default_charset)
		ADD("|dcs=%" PRIu64, tm->default_charset);
	if (tm->ncolumn_charsets) {
		ADD("|cs=");
		for (i = 0; i < tm->ncolumn_charsets; i++)
			ADD("%s%" PRIu64, i ? "," : "", tm->column_charsets[i]);
	}
#undef ADD
}

static int on_event(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                    void *opaque)
{
	walk_t *w = opaque;

	(void)raw;
	(void)len;
	if (ev->in_payload) { /* the counts are of top-level events, as the fixture README gives them */
		size_t n = strlen(w->inner);

		snprintf(w->inner + n, sizeof w->inner - n, "%s%u", n && w->inner[n - 1] != '|' ? "," : "",
		         ev->type);
		return 0;
	}
	if (ev->kind == RC_BINLOG_K_PAYLOAD && w->inner[0]) {
		size_t n = strlen(w->inner);

		snprintf(w->inner + n, sizeof w->inner - n, "|");
	}
	w->counts[ev->type]++;
	switch (ev->kind) {
	case RC_BINLOG_K_FDE:
		if (!w->version[0]) {
			memcpy(w->version, ev->u.fde.server_version, sizeof w->version);
			w->checksum_alg = ev->u.fde.checksum_alg;
		}
		break;
	case RC_BINLOG_K_PREVIOUS_GTIDS:
		if (!w->prev_gtids[0])
			snprintf(w->prev_gtids, sizeof w->prev_gtids, "%s", ev->u.prev_gtids.text);
		break;
	case RC_BINLOG_K_GTID:
		if (!w->have_gtid && ev->type != RC_BINLOG_ANONYMOUS_GTID) {
			w->have_gtid = true;
			memcpy(w->gtid_uuid, ev->u.gtid.uuid, sizeof w->gtid_uuid);
			memcpy(w->gtid_tag, ev->u.gtid.tag, sizeof w->gtid_tag);
			w->gno = ev->u.gtid.gno;
		}
		break;
	case RC_BINLOG_K_ROTATE:
		if (!w->rotate_next[0]) {
			snprintf(w->rotate_next, sizeof w->rotate_next, "%.*s",
			         (int)ev->u.rotate.next_file.len, ev->u.rotate.next_file.s);
			w->rotate_pos = ev->u.rotate.position;
		}
		break;
	case RC_BINLOG_K_QUERY:
		if (!w->first_ddl[0] && !str_is(ev->u.query.statement, "BEGIN"))
			snprintf(w->first_ddl, sizeof w->first_ddl, "%.*s", (int)ev->u.query.statement.len,
			         ev->u.query.statement.s);
		break;
	case RC_BINLOG_K_ROWS_QUERY:
		if (!w->rows_query[0])
			snprintf(w->rows_query, sizeof w->rows_query, "%.*s", (int)ev->u.rows_query.len,
			         ev->u.rows_query.s);
		break;
	case RC_BINLOG_K_PAYLOAD:
		if (w->payloads < 4) {
			w->payload_comp[w->payloads] = ev->u.payload.compression;
			w->payload_unc[w->payloads] = ev->u.payload.uncompressed_size;
			w->payload_len[w->payloads] = ev->u.payload.payload_len;
		}
		w->payloads++;
		break;
	case RC_BINLOG_K_TABLE_MAP:
		summarise_table_map(w, &ev->u.table_map);
		break;
	case RC_BINLOG_K_ROWS:
		if (!w->rows_ncols) {
			w->rows_ncols = ev->u.rows.ncolumns;
			w->rows_present0 = ev->u.rows.present[0];
		}
		assert_true(ev->u.rows.rows_len > 0);
		break;
	default:
		break;
	}
	if (w->dump) {
		printf("%s @%" PRIu64 " %s size=%" PRIu32 " pos=%" PRIu32, w->file, offset,
		       rc_binlog_type_name(ev->type), ev->size, ev->log_pos);
		if (ev->kind == RC_BINLOG_K_QUERY)
			printf(" [%.*s] %.*s", (int)ev->u.query.schema.len, ev->u.query.schema.s,
			       (int)ev->u.query.statement.len, ev->u.query.statement.s);
		if (ev->kind == RC_BINLOG_K_TABLE_MAP && w->ntm > 0)
			printf(" %s", w->tm_summary[w->ntm - 1]);
		if (ev->kind == RC_BINLOG_K_GTID)
			printf(" %s:%s:%" PRId64 " lc=%" PRId64 " seq=%" PRId64, ev->u.gtid.uuid,
			       ev->u.gtid.tag, ev->u.gtid.gno, ev->u.gtid.last_committed,
			       ev->u.gtid.sequence_number);
		if (ev->kind == RC_BINLOG_K_PREVIOUS_GTIDS)
			printf(" %s", ev->u.prev_gtids.text);
		if (ev->kind == RC_BINLOG_K_ROTATE)
			printf(" %.*s:%" PRIu64, (int)ev->u.rotate.next_file.len, ev->u.rotate.next_file.s,
			       ev->u.rotate.position);
		if (ev->kind == RC_BINLOG_K_ROWS)
			printf(" table=%" PRIu64 " ncols=%u present=%02x rows=%zu", ev->u.rows.table_id,
			       ev->u.rows.ncolumns, ev->u.rows.present[0], ev->u.rows.rows_len);
		printf("\n");
	}
	return 0;
}

static void walk(const char *name, walk_t *w)
{
	char err[RC_ERRSTR_LEN];
	uint8_t *buf;
	size_t len;
	char *path;
	walk_t w2;
	int rc;

	memset(w, 0, sizeof *w);
	w->file = name;
	w->checksum_alg = -2;
	w->dump = getenv("ROWCAST_BINLOG_DUMP") != NULL;
	buf = slurp(name, &len);
	rc = rc_binlog_file_walk_mem(buf, len, on_event, w, err, sizeof err);
	if (rc)
		fail_msg("%s: %s", name, err);
	/* The file reader sees the same events. */
	memset(&w2, 0, sizeof w2);
	w2.file = name;
	path = fixture_path(name);
	rc = rc_binlog_file_walk(path, on_event, &w2, err, sizeof err);
	if (rc)
		fail_msg("%s: %s", name, err);
	assert_memory_equal(w->counts, w2.counts, sizeof w->counts);
	free(path);
	free(buf);
}

/* Every fixture: version, checksum and the exact per-type counts of the README. */
static void test_fixture_counts(void **state)
{
	size_t i;
	int t;

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		const fixture_t *fx = &fixtures[i];
		int want[256] = {0};
		const char *c = fx->counts;
		walk_t w;

		while (*c) {
			int type, n, used;

			assert_int_equal(sscanf(c, "%d:%d%n", &type, &n, &used), 2);
			want[type] += n;
			c += used;
			if (*c == ',')
				c++;
		}
		walk(fx->file, &w);
		assert_string_equal(w.version, fx->version);
		assert_int_equal(w.checksum_alg, fx->crc32);
		for (t = 0; t < 256; t++)
			if (w.counts[t] != want[t])
				fail_msg("%s: %d events of type %d (%s), README says %d", fx->file,
				         w.counts[t], t, rc_binlog_type_name(t), want[t]);
	}
}

static void test_spot_checks(void **state)
{
	walk_t w;

	(void)state;
	walk("mysql-8.0.40_previous_gtids_only", &w);
	assert_string_equal(w.prev_gtids, "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2");

	walk("mysql-9.6.0_gtid_tagged", &w);
	assert_string_equal(w.prev_gtids, "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2");
	assert_true(w.have_gtid);
	assert_string_equal(w.gtid_uuid, "55778904-0299-11f1-b1b8-4ef0c4956feb");
	assert_string_equal(w.gtid_tag, "mytag");
	assert_int_equal(w.gno, 3);

	walk("mysql-8.0.26_bit_gtid", &w);
	assert_int_equal(w.ntm, 1);
	assert_non_null(strstr(w.tm_summary[0], ".foo:a/16,b/252,c/16"));
	assert_true(w.have_gtid);
	assert_true(w.gno > 0);

	walk("mysql-8.0.17_hidden_gcol", &w);
	assert_non_null(strstr(w.first_ddl, "CREATE TABLE t (a INT, INDEX i((a+1)))"));

	walk("mysql-8.0.32_transaction_payload_zstd", &w);
	assert_int_equal(w.payloads, 1);
	assert_int_equal(w.payload_comp[0], 0);
	assert_int_equal(w.payload_unc[0], 179);
	assert_int_equal(w.payload_len[0], 124);
	/* README: QUERY, TABLE_MAP, WRITE_ROWS_V2, XID, in that order */
	assert_string_equal(w.inner, "2,19,30,16");

	walk("mysql-8.0.31_gtid_transaction_payload_json", &w);
	assert_int_equal(w.payloads, 2);
	assert_int_equal(w.payload_unc[0], 214);
	assert_int_equal(w.payload_unc[1], 1255);
	assert_int_equal(w.payload_len[1], 516);
	/* README: payload 1 QUERY, ROWS_QUERY, TABLE_MAP, WRITE_ROWS_V2, XID; payload 2 QUERY,
	 * ROWS_QUERY, TABLE_MAP, UPDATE_ROWS_V2, ROWS_QUERY, TABLE_MAP, WRITE_ROWS_V2, XID */
	assert_string_equal(w.inner, "2,29,19,30,16|2,29,19,31,29,19,30,16");

	walk("mysql-9.0.1_vector_full_metadata", &w);
	assert_string_equal(w.tm_summary[0],
	                    "dtb.foo:id/8,vector_column/242|pk=0|vis=11|sign=80|vdim=3|dcs=63");
	assert_string_equal(w.tm_summary[1], "dtb.bar:id/8,vector_column/242,foo/252,vector_column2/242|pk=0|"
	                                     "vis=1111|sign=80|vdim=2,4|dcs=63");

	walk("mysql-8.0.40_minimal_row_image", &w);
	assert_non_null(strstr(w.tm_summary[0], "255"));
	assert_int_equal(w.rows_present0 & 0x1f, 0x15); /* columns 1, 3 and 5 */

	walk("mysql-5.7.40_gtid_rows", &w);
	assert_true(w.have_gtid);
	assert_string_equal(w.prev_gtids, "58cf6502-63db-11ed-8079-0242ac110002:1-52");
	assert_string_equal(w.gtid_uuid, "58cf6502-63db-11ed-8079-0242ac110002");
	assert_int_equal(w.gno, 53);
	assert_string_equal(w.tm_summary[w.ntm - 1], "a.emoji:@1/3,@2/15");

	/* From their DDL: f1, f2 and f6 invisible; f1, f2, f6 unsigned among the numeric f1 f2 f3 f6. */
	walk("mysql-8.0.26_invisible_columns_gtid", &w);
	assert_string_equal(w.tm_summary[0],
	                    "mysql.t1:f1/3,f2/3,f3/3,f4/252,f5/252,f6/8|vis=001110|sign=d0|cs=255,63");
	assert_non_null(strstr(w.first_ddl, "ALTER USER"));

	walk("mysql-8.0.28_enum_set_full_metadata", &w);
	assert_string_equal(w.tm_summary[0],
	                    "mysql.t:f1/254,f2/15,f3/254,f4/254,f5/252|enum2=var1/variant2/foo|"
	                    "set3=one/two/three/four|vis=11111|dcs=255");

	walk("mysql-9.0.1_json_opaque", &w);
	assert_string_equal(w.tm_summary[0], "foo.test:a/245|vis=1");

	/* A relay-log-like file: ROTATE events with log position 0. */
	walk("mysql-8.0.17_hidden_gcol", &w);
	assert_string_equal(w.rotate_next, "master-bin.000001");
	assert_int_equal(w.rotate_pos, 4);
	assert_string_equal(w.tm_summary[0], "test.t:@1/3,@2/8,@3/252|sign=00|dcs=255");

	walk("mysql-8.0.32_transaction_payload_zstd", &w);
	assert_string_equal(w.rotate_next, "binlog.000043");
}

/* Every event of every fixture cut at every length is an error (the size does not match); with the
 * size patched to the cut and no checksum, the body parsers see short bodies and must not crash. */
typedef struct {
	rc_binlog_fmt_t fmt;
	int events;
	size_t last_offset;
} trunc_t;

static int on_event_truncate(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                             void *opaque)
{
	trunc_t *tr = opaque;
	rc_binlog_fmt_t nocrc;
	rc_binlog_event_t out;
	rc_arena_t arena;
	char err[RC_ERRSTR_LEN];
	uint8_t *copy;
	size_t n;

	tr->last_offset = (size_t)offset;
	rc_arena_init(&arena, 4096);
	copy = malloc(len);
	assert_non_null(copy);
	nocrc = tr->fmt;
	nocrc.crc32 = false;
	for (n = 0; n < len; n++) {
		/* a buffer of exactly n bytes, so ASan sees any read past it */
		uint8_t *cut = malloc(n ? n : 1);

		assert_non_null(cut);
		memcpy(cut, raw, n);
		err[0] = '\0';
		assert_int_equal(rc_binlog_parse(&tr->fmt, cut, n, &arena, &out, err, sizeof err),
		                 RC_ERR_FATAL);
		assert_true(err[0] != '\0');
		if (n >= RC_BINLOG_HEADER_LEN) {
			cut[9] = (uint8_t)n;
			cut[10] = (uint8_t)(n >> 8);
			cut[11] = (uint8_t)(n >> 16);
			cut[12] = (uint8_t)(n >> 24);
			(void)rc_binlog_parse(&nocrc, cut, n, &arena, &out, err, sizeof err);
		}
		rc_arena_reset(&arena);
		free(cut);
	}
	memcpy(copy, raw, len);
	free(copy);
	rc_arena_destroy(&arena);
	if (ev->kind == RC_BINLOG_K_FDE)
		rc_binlog_fmt_update(&tr->fmt, ev);
	tr->events++;
	return 0;
}

static void test_truncated_events(void **state)
{
	char err[RC_ERRSTR_LEN];
	size_t i, len, cut;

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		uint8_t *buf = slurp(fixtures[i].file, &len);
		trunc_t tr;

		rc_binlog_fmt_init(&tr.fmt);
		tr.events = 0;
		assert_int_equal(rc_binlog_file_walk_mem(buf, len, on_event_truncate, &tr, err, sizeof err),
		                 0);
		assert_true(tr.events > 0);
		/* The file cut anywhere inside its last event is an error naming the offset. */
		for (cut = len - 1; cut > tr.last_offset; cut--) {
			walk_t w;

			memset(&w, 0, sizeof w);
			if (rc_binlog_file_walk_mem(buf, cut, on_event, &w, err, sizeof err) != RC_ERR_FATAL)
				fail_msg("%s cut at %zu of %zu: no error", fixtures[i].file, cut, len);
			assert_non_null(strstr(err, "file offset"));
		}
		free(buf);
	}
}

/* A flipped byte in any event of a CRC32 file is a checksum mismatch naming the type and position. */
typedef struct {
	rc_binlog_fmt_t fmt;
	int checked;
} flip_t;

static int on_event_flip(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                         void *opaque)
{
	flip_t *fl = opaque;
	rc_binlog_event_t out;
	rc_arena_t arena;
	char err[RC_ERRSTR_LEN], want[128];
	uint8_t *copy = malloc(len);
	size_t at;

	(void)offset;
	assert_non_null(copy);
	rc_arena_init(&arena, 4096);
	snprintf(want, sizeof want, "binlog %s (type %d) at log position %" PRIu32 ": checksum mismatch",
	         rc_binlog_type_name(ev->type), ev->type, ev->log_pos);
	/* header bytes other than type and size, and every body byte */
	for (at = 0; at < len; at++) {
		if (at == 4 || (at >= 9 && at < 13))
			continue;
		/* A FORMAT_DESCRIPTION's server version says whether it has a checksum at all: a flipped
		 * version byte can hide its CRC (as it does from MySQL). */
		if (ev->type == RC_BINLOG_FORMAT_DESCRIPTION && at >= 21 && at < 71)
			continue;
		memcpy(copy, raw, len);
		copy[at] ^= 0x20;
		if (rc_binlog_parse(&fl->fmt, copy, len, &arena, &out, err, sizeof err) != RC_ERR_FATAL)
			fail_msg("%s byte %zu of %zu flipped: no error", rc_binlog_type_name(ev->type), at,
			         len);
		if ((ev->type != RC_BINLOG_FORMAT_DESCRIPTION || at < len - 5) &&
		    !strstr(err, "checksum mismatch"))
			fail_msg("%s byte %zu flipped: %s", rc_binlog_type_name(ev->type), at, err);
		if (ev->type != RC_BINLOG_FORMAT_DESCRIPTION && at < 4)
			assert_non_null(strstr(err, want));
		rc_arena_reset(&arena);
	}
	fl->checked++;
	if (ev->kind == RC_BINLOG_K_FDE)
		rc_binlog_fmt_update(&fl->fmt, ev);
	rc_arena_destroy(&arena);
	free(copy);
	return 0;
}

static void test_checksum_mismatch(void **state)
{
	char err[RC_ERRSTR_LEN];
	size_t len;
	uint8_t *buf = slurp("mysql-8.0.26_bit_gtid", &len);
	flip_t fl;

	(void)state;
	rc_binlog_fmt_init(&fl.fmt);
	fl.checked = 0;
	assert_int_equal(rc_binlog_file_walk_mem(buf, len, on_event_flip, &fl, err, sizeof err), 0);
	assert_true(fl.checked > 5);
	/* Through the file walk: the first bad event names its type, position and file offset. */
	buf[4 + 0x77 + 20] ^= 1; /* inside the PREVIOUS_GTIDS after the FORMAT_DESCRIPTION */
	assert_int_equal(rc_binlog_file_walk_mem(buf, len, on_event, &(walk_t){0}, err, sizeof err),
	                 RC_ERR_FATAL);
	assert_non_null(strstr(err, "checksum mismatch"));
	assert_non_null(strstr(err, "PREVIOUS_GTIDS"));
	free(buf);
}

/* --- Hand-built events -------------------------------------------------------------------------- */

typedef struct {
	uint8_t b[512];
	size_t n;
} ev_t;

static void put(ev_t *e, const void *p, size_t n)
{
	assert_true(e->n + n <= sizeof e->b);
	memcpy(e->b + e->n, p, n);
	e->n += n;
}

static void put_le(ev_t *e, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint8_t c = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;

		put(e, &c, 1);
	}
}

static void ev_begin(ev_t *e, int type, uint32_t server_id, uint32_t log_pos)
{
	e->n = 0;
	put_le(e, 1700000000, 4);
	put_le(e, (uint64_t)type, 1);
	put_le(e, server_id, 4);
	put_le(e, 0, 4); /* size, set by ev_end */
	put_le(e, log_pos, 4);
	put_le(e, 0, 2);
}

static void ev_end(ev_t *e, bool crc)
{
	size_t size = e->n + (crc ? 4 : 0);

	e->b[9] = (uint8_t)size;
	e->b[10] = (uint8_t)(size >> 8);
	e->b[11] = 0;
	e->b[12] = 0;
	if (crc)
		put_le(e, crc32(0L, e->b, (uInt)e->n), 4);
}

static void test_hand_built(void **state)
{
	rc_binlog_fmt_t fmt;
	rc_binlog_event_t ev;
	rc_arena_t arena;
	char err[RC_ERRSTR_LEN];
	ev_t e;

	(void)state;
	rc_binlog_fmt_init(&fmt);
	rc_arena_init(&arena, 0);

	/* MariaDB GTID 0-7-42 */
	ev_begin(&e, RC_BINLOG_MARIA_GTID, 7, 500);
	put_le(&e, 42, 8);
	put_le(&e, 0, 4);
	put_le(&e, 1, 1);
	put_le(&e, 0, 6);
	ev_end(&e, false);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_MARIA_GTID);
	assert_int_equal(ev.u.maria_gtid.seq, 42);
	assert_int_equal(ev.u.maria_gtid.server, 7);
	assert_int_equal(ev.u.maria_gtid.commit_id, 0);
	/* with a group commit id */
	ev_begin(&e, RC_BINLOG_MARIA_GTID, 7, 500);
	put_le(&e, 43, 8);
	put_le(&e, 2, 4);
	put_le(&e, 2, 1);
	put_le(&e, 99, 8);
	put_le(&e, 0, 6);
	ev_end(&e, false);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.u.maria_gtid.domain, 2);
	assert_int_equal(ev.u.maria_gtid.commit_id, 99);

	/* MariaDB GTID_LIST with two domains */
	ev_begin(&e, RC_BINLOG_MARIA_GTID_LIST, 7, 600);
	put_le(&e, 2, 4);
	put_le(&e, 0, 4), put_le(&e, 7, 4), put_le(&e, 42, 8);
	put_le(&e, 1, 4), put_le(&e, 9, 4), put_le(&e, 5, 8);
	ev_end(&e, false);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_MARIA_GTID_LIST);
	assert_string_equal(ev.u.maria_gtid_list, "0-7-42,1-9-5");
	/* a count the body cannot hold */
	e.b[19] = 200;
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "MARIA_GTID_LIST (type 163) at log position 600"));

	/* BINLOG_CHECKPOINT and ANNOTATE_ROWS */
	ev_begin(&e, RC_BINLOG_MARIA_BINLOG_CHECKPOINT, 7, 700);
	put_le(&e, 10, 4);
	put(&e, "bin.000001", 10);
	ev_end(&e, true);
	fmt.crc32 = true;
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_true(str_is(ev.u.checkpoint_file, "bin.000001"));
	ev_begin(&e, RC_BINLOG_MARIA_ANNOTATE_ROWS, 7, 800);
	put(&e, "INSERT INTO t VALUES (1)", 24);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_ROWS_QUERY);
	assert_true(str_is(ev.u.rows_query, "INSERT INTO t VALUES (1)"));

	/* A rows event rowcast cannot read: an error with the type and position. */
	ev_begin(&e, RC_BINLOG_WRITE_ROWS_V0, 7, 900);
	put_le(&e, 0, 10);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "WRITE_ROWS_V0 (type 20) at log position 900"));
	ev_begin(&e, RC_BINLOG_MARIA_WRITE_ROWS_COMPRESSED, 7, 901);
	put_le(&e, 0, 10);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "type 169"));

	/* Another unknown type is skipped with its header. */
	ev_begin(&e, 99, 7, 1000);
	put_le(&e, 0, 3);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_SKIPPED);
	assert_int_equal(ev.type, 99);
	assert_string_equal(rc_binlog_type_name(99), "UNKNOWN");
	ev_begin(&e, RC_BINLOG_INTVAR, 7, 1001);
	put_le(&e, 0, 9);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_SKIPPED);

	/* A header whose size disagrees with the bytes. */
	e.b[9]++;
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "INTVAR (type 5) at log position 1001: event size"));

	/* A TABLE_MAP with ENUM/SET strings, a prefixed primary key, visibility and an unknown TLV. */
	ev_begin(&e, RC_BINLOG_TABLE_MAP, 7, 1100);
	put_le(&e, 77, 6);
	put_le(&e, 1, 2);
	put(&e,
	    "\x02"
	    "db\0"
	    "\x01"
	    "t\0",
	    7);
	put(&e, "\x03\x03\xfe\xfe", 4);     /* 3 columns: INT, STRING(ENUM), STRING(SET) */
	put(&e, "\x04\xf7\x01\xf8\x01", 5); /* metadata */
	put(&e, "\x06", 1);                 /* null bitmap */
	put(&e,
	    "\x06\x05\x02\x01"
	    "a"
	    "\x01"
	    "b",
	    7); /* ENUM_STR_VALUE: a, b */
	put(&e,
	    "\x05\x05\x01\x03"
	    "xyz",
	    7);                         /* SET_STR_VALUE: xyz */
	put(&e, "\x09\x02\x00\x04", 4); /* PRIMARY_KEY_WITH_PREFIX: column 0, prefix 4 */
	put(&e, "\x0c\x01\xa0", 3);     /* COLUMN_VISIBILITY: 1 0 1 */
	put(&e, "\x7f\x02zz", 4);       /* unknown */
	ev_end(&e, true);
	if (rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(ev.kind, RC_BINLOG_K_TABLE_MAP);
	assert_int_equal(ev.u.table_map.table_id, 77);
	assert_true(str_is(ev.u.table_map.db, "db"));
	assert_int_equal(ev.u.table_map.nenums, 1);
	assert_int_equal(ev.u.table_map.enums[0].column, 1);
	assert_true(str_is(ev.u.table_map.enums[0].v[1], "b"));
	assert_int_equal(ev.u.table_map.nsets, 1);
	assert_int_equal(ev.u.table_map.sets[0].column, 2);
	assert_true(str_is(ev.u.table_map.sets[0].v[0], "xyz"));
	assert_int_equal(ev.u.table_map.npk, 1);
	assert_int_equal(ev.u.table_map.pk_prefix[0], 4);
	assert_int_equal(ev.u.table_map.visibility[0], 0xa0);
	assert_int_equal(ev.u.table_map.ntlv_unknown, 1);
	assert_int_equal(ev.u.table_map.meta[1], 0xf701);
	/* the table name's NUL replaced */
	e.b[19 + 8 + 6] = 'x';
	e.n -= 4;
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(
	    strstr(err, "TABLE_MAP (type 19) at log position 1100: table name without its NUL at offset 33"));

	/* UPDATE_ROWS_V1 under a format whose rows post-header is 6 bytes (a 4-byte table id). */
	fmt.post_header[RC_BINLOG_UPDATE_ROWS_V1 - 1] = 6;
	ev_begin(&e, RC_BINLOG_UPDATE_ROWS_V1, 7, 1200);
	put_le(&e, 0x01020304, 4);
	put_le(&e, 1, 2);
	put(&e, "\x09\xff\x01\xfe\x01", 5); /* 9 columns, before bitmap, after bitmap */
	put(&e, "ROWS", 4);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_ROWS);
	assert_int_equal(ev.u.rows.version, 1);
	assert_int_equal(ev.u.rows.table_id, 0x01020304);
	assert_int_equal(ev.u.rows.ncolumns, 9);
	assert_int_equal(ev.u.rows.present[0], 0xff);
	assert_int_equal(ev.u.rows.present_after[0], 0xfe);
	assert_int_equal(ev.u.rows.rows_len, 4);
	assert_memory_equal(ev.u.rows.rows, "ROWS", 4);

	/* WRITE_ROWS_V2 whose extra-data length is less than its own two bytes. */
	ev_begin(&e, RC_BINLOG_WRITE_ROWS_V2, 7, 1300);
	put_le(&e, 5, 6);
	put_le(&e, 0, 2);
	put_le(&e, 1, 2);
	put(&e, "\x01\x01", 2);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "WRITE_ROWS_V2 (type 30) at log position 1300: extra data length 1"));

	/* QUERY: status variables skipped by their length. */
	ev_begin(&e, RC_BINLOG_QUERY, 7, 1400);
	put_le(&e, 33, 4);
	put_le(&e, 2, 4);
	put_le(&e, 2, 1);
	put_le(&e, 0, 2);
	put_le(&e, 3, 2);
	put(&e, "\x00\x01\x02", 3);
	put(&e, "db\0", 3);
	put(&e, "DROP TABLE x", 12);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.u.query.thread_id, 33);
	assert_int_equal(ev.u.query.exec_time, 2);
	assert_true(str_is(ev.u.query.schema, "db"));
	assert_true(str_is(ev.u.query.statement, "DROP TABLE x"));
	/* status variables longer than the event */
	e.b[19 + 11] = 0xff;
	e.n -= 4;
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "QUERY (type 2) at log position 1400: fields truncated at offset 32"));

	/* HEARTBEAT and XID */
	ev_begin(&e, RC_BINLOG_HEARTBEAT, 7, 0);
	put(&e, "binlog.000009", 13);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.kind, RC_BINLOG_K_HEARTBEAT);
	assert_true(str_is(ev.u.heartbeat_file, "binlog.000009"));
	ev_begin(&e, RC_BINLOG_XID, 7, 1500);
	put_le(&e, 123456789, 8);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), 0);
	assert_int_equal(ev.u.xid, 123456789);

	/* PREVIOUS_GTIDS with a sid count its body cannot hold: an error, not a long loop. */
	ev_begin(&e, RC_BINLOG_PREVIOUS_GTIDS, 7, 1600);
	put_le(&e, 0x00ffffffffffffffULL, 8);
	ev_end(&e, true);
	assert_int_equal(rc_binlog_parse(&fmt, e.b, e.n, &arena, &ev, err, sizeof err), RC_ERR_FATAL);
	assert_non_null(strstr(err, "sids cannot fit"));

	rc_arena_destroy(&arena);
}

/* The file walk's own errors: no magic, an event other than FORMAT_DESCRIPTION first, an impossible
 * event size, a missing file. */
static void test_file_errors(void **state)
{
	char err[RC_ERRSTR_LEN];
	uint8_t buf[64];
	ev_t e;

	(void)state;
	assert_int_equal(rc_binlog_file_walk_mem((const uint8_t *)"\xfe"
	                                                          "bix",
	                                         4, on_event, &(walk_t){0}, err, sizeof err),
	                 RC_ERR_FATAL);
	assert_non_null(strstr(err, "no binlog magic"));

	memcpy(buf, RC_BINLOG_MAGIC, 4);
	ev_begin(&e, RC_BINLOG_XID, 1, 31);
	put_le(&e, 1, 8);
	ev_end(&e, false);
	memcpy(buf + 4, e.b, e.n);
	assert_int_equal(rc_binlog_file_walk_mem(buf, 4 + e.n, on_event, &(walk_t){0}, err, sizeof err),
	                 RC_ERR_FATAL);
	assert_non_null(strstr(err, "first event (file offset 4) is XID (type 16)"));

	buf[4 + 9] = 5; /* event size 5: smaller than a header */
	assert_int_equal(rc_binlog_file_walk_mem(buf, 4 + e.n, on_event, &(walk_t){0}, err, sizeof err),
	                 RC_ERR_FATAL);
	assert_non_null(strstr(err, "file offset 4 (type 16) has size 5"));

	assert_int_equal(
	    rc_binlog_file_walk("/nonexistent/binlog.000001", on_event, &(walk_t){0}, err, sizeof err),
	    RC_ERR_FATAL);
	assert_non_null(strstr(err, "/nonexistent/binlog.000001"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_counts),   cmocka_unit_test(test_spot_checks),
	    cmocka_unit_test(test_truncated_events), cmocka_unit_test(test_checksum_mismatch),
	    cmocka_unit_test(test_hand_built),       cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
