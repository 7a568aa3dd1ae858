/*
 * `rowcast inspect binlog [--table DB.T] [--start-position N] [--stop-position N] FILE...`: decodes
 * MySQL/MariaDB binlog files offline, as mysqlbinlog does, and prints one JSON object per row change:
 *
 *   {"op":"c"|"u"|"d","db":...,"table":...,"before":{...}|null,"after":{...}|null,
 *    "file":<file name>,"pos":<start of the rows event in the file>,"gtid":...|null}
 *
 * Column names are the binlog's (binlog_row_metadata=FULL) or @1, @2... by position; values are in
 * the JSON sink's representation (sinks/json_encode.h) under the type modes of --config (Debezium's
 * defaults without one). Columns absent from an image (binlog_row_image=MINIMAL/NOBLOB) are left out
 * of its object. Rows inside a TRANSACTION_PAYLOAD have the payload event's pos. gtid is the GTID
 * of the transaction ("uuid:gno", "uuid:tag:gno", MariaDB's "domain-server-seq"), null when it is
 * anonymous or none came.
 *
 * The positions bound what is printed (start <= pos < stop); TABLE_MAPs before the start are still
 * read, so the first rows after it decode. A summary goes to stderr at the end of each file:
 * "FILE: E events, R rows events, C row changes" (the fixture tests compare it with their own count).
 * Exit 0, 1 when a file does not decode (the message gives the file offset of the fault: a truncated
 * event, a bad checksum, a rows event without its TABLE_MAP, a row that does not decode), 2 for
 * usage errors.
 */
#include "config.h"

#include "agent/cli/commands.h"

#include "agent/buf.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_file.h"
#include "decoders/mysql/binlog_rows.h"
#include "decoders/mysql/mysql_types.h"
#include "sinks/json_encode.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STOP_WALK 1 /* the callback's "past --stop-position" */

/* The tables of one file by TABLE_MAP id (open addressing; ids are never 0 in practice, and a slot
 * is empty when its table is NULL). Each TABLE_MAP's bytes are kept so a repeated, identical map
 * (every transaction sends one) keeps the table already made. */
typedef struct tslot {
	uint64_t id;
	rc_mysql_table_t *t;
	uint8_t *map; /* the TABLE_MAP's body (after the header, without the checksum) */
	size_t maplen;
} tslot_t;

typedef struct inspect {
	const rc_mysql_modes_t *modes;
	const char *path, *file; /* file: the base name, as Debezium's source.file */
	const char *only_db, *only_table;
	size_t only_db_len;
	uint64_t start, stop;
	bool has_stop;
	tslot_t *slots;
	size_t nslots, used;
	char gtid[128];
	rc_arena_t arena; /* one rows event's values */
	rc_buf_t out;
	uint64_t nevents, nrows_events, nchanges;
	bool crc;                      /* the file's events end in a CRC32 (the last FORMAT_DESCRIPTION's) */
	char err[RC_ERRSTR_LEN + 256]; /* room for a decoder's message and where it was */
} inspect_t;

static uint64_t hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return id;
}

static tslot_t *slot_of(inspect_t *in, uint64_t id)
{
	size_t mask = in->nslots - 1, i = (size_t)hash_id(id) & mask;

	while (in->slots[i].t && in->slots[i].id != id)
		i = (i + 1) & mask;
	return &in->slots[i];
}

static int grow(inspect_t *in)
{
	tslot_t *old = in->slots;
	size_t n = in->nslots;

	in->nslots = n ? n * 2 : 64;
	in->slots = calloc(in->nslots, sizeof *in->slots);
	if (!in->slots) {
		in->slots = old;
		in->nslots = n;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (old[i].t)
			*slot_of(in, old[i].id) = old[i];
	free(old);
	return 0;
}

static void tables_free(inspect_t *in)
{
	for (size_t i = 0; i < in->nslots; i++) {
		rc_mysql_table_free(in->slots[i].t);
		free(in->slots[i].map);
	}
	free(in->slots);
	in->slots = NULL;
	in->nslots = in->used = 0;
}

/* The body of an event without its header and checksum: what identifies a TABLE_MAP. */
static void body_of(const uint8_t *raw, size_t len, bool crc, const uint8_t **b, size_t *n)
{
	*b = raw + RC_BINLOG_HEADER_LEN;
	*n = len - RC_BINLOG_HEADER_LEN - (crc && len >= RC_BINLOG_HEADER_LEN + RC_BINLOG_CRC_LEN ? 4 : 0);
}

static int on_table_map(inspect_t *in, const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw,
                        size_t len, bool crc)
{
	const rc_binlog_table_map_t *tm = &ev->u.table_map;
	const uint8_t *b;
	size_t n;
	tslot_t *s;
	rc_mysql_table_t *t = NULL;
	char why[RC_ERRSTR_LEN];

	body_of(raw, len, crc, &b, &n);
	if ((in->used + 1) * 2 > in->nslots && grow(in) != 0)
		goto oom;
	s = slot_of(in, tm->table_id);
	if (s->t && s->maplen == n && memcmp(s->map, b, n) == 0)
		return 0;
	if (rc_mysql_table_from_map(tm, in->modes, "inspect", &t, why, sizeof why) != 0) {
		snprintf(in->err, sizeof in->err, "%s (TABLE_MAP at file offset %" PRIu64 ")", why, offset);
		return RC_ERR_FATAL;
	}
	if (!s->t)
		in->used++;
	rc_mysql_table_free(s->t);
	free(s->map);
	s->id = tm->table_id;
	s->t = t;
	s->map = malloc(n ? n : 1);
	s->maplen = n;
	if (!s->map) {
		s->maplen = 0;
		goto oom;
	}
	memcpy(s->map, b, n);
	return 0;
oom:
	snprintf(in->err, sizeof in->err, "out of memory for the TABLE_MAP at file offset %" PRIu64, offset);
	return RC_ERR_FATAL;
}

static void put_json_str(rc_buf_t *out, const char *s)
{
	rc_json_write_string(out, s, strlen(s));
}

/* An image as an object. Columns outside the image's bitmap (binlog_row_image=MINIMAL) are left
 * out; a column inside it but unchanged (a partial JSON update that cannot be applied) shows the
 * JSON sink's unavailable placeholder. */
static int write_image(inspect_t *in, const rc_mysql_table_t *t, const rc_value_t *img,
                       const uint8_t *present)
{
	rc_table_t *tb = t->table;
	bool first = true;
	char why[RC_ERRSTR_LEN];

	if (!img) {
		rc_buf_puts(&in->out, "null");
		return 0;
	}
	rc_buf_putc(&in->out, '{');
	for (size_t c = 0; c < tb->ncols; c++) {
		if (img[c].state == RC_V_UNCHANGED && !((present[c / 8] >> (c % 8)) & 1))
			continue; /* not in this image */
		if (!first)
			rc_buf_putc(&in->out, ',');
		first = false;
		put_json_str(&in->out, tb->cols[c].name);
		rc_buf_putc(&in->out, ':');
		if (rc_json_write_value(&in->out, tb, &tb->cols[c], &img[c], why, sizeof why) != 0) {
			snprintf(in->err, sizeof in->err, "%s", why);
			return RC_ERR_FATAL;
		}
	}
	rc_buf_putc(&in->out, '}');
	return 0;
}

static bool wanted(const inspect_t *in, const rc_table_t *tb)
{
	if (!in->only_table)
		return true;
	return strlen(tb->schema_name) == in->only_db_len &&
	       memcmp(tb->schema_name, in->only_db, in->only_db_len) == 0 &&
	       strcmp(tb->name, in->only_table) == 0;
}

static int on_rows(inspect_t *in, const rc_binlog_event_t *ev, uint64_t offset)
{
	const rc_binlog_rows_t *r = &ev->u.rows;
	tslot_t *s = in->nslots ? slot_of(in, r->table_id) : NULL;
	bool print = offset >= in->start;
	rc_binlog_rows_iter_t it;
	rc_value_t *before, *after;
	char why[RC_ERRSTR_LEN];
	uint32_t rows = 0;
	rc_op_t op;
	int rc;

	in->nrows_events++;
	if (!s || !s->t) {
		snprintf(in->err, sizeof in->err,
		         "%s at file offset %" PRIu64 " is for table id %" PRIu64
		         ", which no TABLE_MAP before it maps",
		         rc_binlog_type_name(ev->type), offset, r->table_id);
		return RC_ERR_FATAL;
	}
	if (!wanted(in, s->t->table))
		return 0;
	rc_arena_reset(&in->arena);
	rc_binlog_rows_begin(&it, s->t, ev);
	while ((rc = rc_binlog_rows_next(&it, &in->arena, &op, &before, &after, why, sizeof why)) == 1) {
		rows++;
		in->nchanges++;
		if (!print)
			continue;
		rc_buf_reset(&in->out);
		rc_buf_puts(&in->out, "{\"op\":\"");
		rc_buf_putc(&in->out, (unsigned char)op);
		rc_buf_puts(&in->out, "\",\"db\":");
		put_json_str(&in->out, s->t->table->schema_name);
		rc_buf_puts(&in->out, ",\"table\":");
		put_json_str(&in->out, s->t->table->name);
		rc_buf_puts(&in->out, ",\"before\":");
		if (write_image(in, s->t, before, r->present))
			goto row_fail;
		rc_buf_puts(&in->out, ",\"after\":");
		if (write_image(in, s->t, after, r->present_after ? r->present_after : r->present))
			goto row_fail;
		rc_buf_puts(&in->out, ",\"file\":");
		put_json_str(&in->out, in->file);
		rc_buf_printf(&in->out, ",\"pos\":%" PRIu64 ",\"gtid\":", offset);
		if (in->gtid[0])
			put_json_str(&in->out, in->gtid);
		else
			rc_buf_puts(&in->out, "null");
		rc_buf_puts(&in->out, "}\n");
		if (rc_buf_failed(&in->out)) {
			snprintf(in->err, sizeof in->err, "out of memory for a row of %s.%s",
			         s->t->table->schema_name, s->t->table->name);
			goto row_fail;
		}
		fwrite(in->out.data, 1, in->out.len, stdout);
	}
	if (rc != 0) {
		snprintf(in->err, sizeof in->err, "%s (event at file offset %" PRIu64 ")", why, offset);
		return RC_ERR_FATAL;
	}
	if (rows == 0 && r->rows_len > 0) {
		snprintf(in->err, sizeof in->err,
		         "%s at file offset %" PRIu64 ": no row in %zu bytes of images",
		         rc_binlog_type_name(ev->type), offset, r->rows_len);
		return RC_ERR_FATAL;
	}
	return 0;
row_fail : {
	char tmp[RC_ERRSTR_LEN];

	snprintf(tmp, sizeof tmp, "%.1000s", in->err);
	snprintf(in->err, sizeof in->err, "%.1000s (row %" PRIu32 " of the %s at file offset %" PRIu64 ")",
	         tmp, rows, rc_binlog_type_name(ev->type), offset);
}
	return RC_ERR_FATAL;
}

static void on_gtid(inspect_t *in, const rc_binlog_event_t *ev)
{
	if (ev->kind == RC_BINLOG_K_MARIA_GTID) {
		snprintf(in->gtid, sizeof in->gtid, "%" PRIu32 "-%" PRIu32 "-%" PRIu64,
		         ev->u.maria_gtid.domain, ev->u.maria_gtid.server, ev->u.maria_gtid.seq);
	} else if (ev->type == RC_BINLOG_ANONYMOUS_GTID) {
		in->gtid[0] = '\0';
	} else if (ev->u.gtid.tag[0]) {
		snprintf(in->gtid, sizeof in->gtid, "%s:%s:%" PRId64, ev->u.gtid.uuid, ev->u.gtid.tag,
		         ev->u.gtid.gno);
	} else {
		snprintf(in->gtid, sizeof in->gtid, "%s:%" PRId64, ev->u.gtid.uuid, ev->u.gtid.gno);
	}
}

static int on_event(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                    void *opaque)
{
	inspect_t *in = opaque;

	if (in->has_stop && offset >= in->stop)
		return STOP_WALK;
	in->nevents++;
	switch (ev->kind) {
	case RC_BINLOG_K_FDE:
		in->crc = ev->u.fde.checksum_alg == 1;
		return 0;
	case RC_BINLOG_K_GTID:
	case RC_BINLOG_K_MARIA_GTID:
		on_gtid(in, ev);
		return 0;
	case RC_BINLOG_K_TABLE_MAP:
		return on_table_map(in, ev, offset, raw, len, in->crc && !ev->in_payload);
	case RC_BINLOG_K_ROWS:
		return on_rows(in, ev, offset);
	default:
		return 0;
	}
}

static int inspect_file(inspect_t *in, const char *path)
{
	const char *slash = strrchr(path, '/');
	int rc;

	in->path = path;
	in->file = slash ? slash + 1 : path;
	in->gtid[0] = '\0';
	in->crc = false;
	in->nevents = in->nrows_events = in->nchanges = 0;
	in->err[0] = '\0';
	rc = rc_binlog_file_walk(path, on_event, in, in->err, sizeof in->err);
	tables_free(in);
	fflush(stdout);
	if (rc != 0 && rc != STOP_WALK) {
		fprintf(stderr, "rowcast inspect: %s: %s\n", path, in->err[0] ? in->err : "failed");
		return 1;
	}
	fprintf(stderr,
	        "rowcast inspect: %s: %" PRIu64 " events, %" PRIu64 " rows events, %" PRIu64 " row changes\n",
	        in->file, in->nevents, in->nrows_events, in->nchanges);
	return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-') {
		fprintf(stderr, "rowcast inspect: %s '%s' is not a position\n", opt, s);
		return -1;
	}
	*v = strtoull(s, &end, 10);
	if (*end) {
		fprintf(stderr, "rowcast inspect: %s '%s' is not a position\n", opt, s);
		return -1;
	}
	return 0;
}

static void inspect_usage(FILE *f)
{
	fprintf(f, "Usage: rowcast [-c CONFIG] inspect binlog [--table DB.TABLE] [--start-position N]\n"
	           "               [--stop-position N] FILE...\n"
	           "Prints each row change of the binlog files as a JSON line.\n");
}

int rc_cmd_inspect(const rc_conf_t *conf, int argc, char **argv)
{
	static const struct option options[] = {
	    {"table", required_argument, NULL, 't'},
	    {"start-position", required_argument, NULL, 's'},
	    {"stop-position", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	inspect_t in;
	rc_mysql_modes_t modes;
	char err[RC_ERRSTR_LEN];
	int opt, rc = 0;

	memset(&in, 0, sizeof in);
	if (argc < 1 || strcmp(argv[0], "binlog") != 0) {
		fprintf(stderr, "rowcast inspect: expected 'binlog' (the only kind of file it reads)\n");
		inspect_usage(stderr);
		return 2;
	}
	optind = 0; /* a fresh scan: argv[0] ("binlog") stands for the program name */
	while ((opt = getopt_long(argc, argv, "t:h", options, NULL)) != -1) {
		switch (opt) {
		case 't': {
			const char *dot = strchr(optarg, '.');

			if (!dot || dot == optarg || !dot[1]) {
				fprintf(stderr, "rowcast inspect: --table '%s' is not DB.TABLE\n", optarg);
				return 2;
			}
			in.only_db = optarg;
			in.only_db_len = (size_t)(dot - optarg);
			in.only_table = dot + 1;
			break;
		}
		case 's':
			if (parse_u64("--start-position", optarg, &in.start))
				return 2;
			break;
		case 'e':
			if (parse_u64("--stop-position", optarg, &in.stop))
				return 2;
			in.has_stop = true;
			break;
		case 'h':
			inspect_usage(stdout);
			return 0;
		default:
			inspect_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "rowcast inspect: no binlog file given\n");
		inspect_usage(stderr);
		return 2;
	}
	if (rc_mysql_modes_from_conf(&modes, conf, err, sizeof err) != 0) {
		fprintf(stderr, "rowcast inspect: %s\n", err);
		return 2;
	}
	in.modes = &modes;
	rc_arena_init(&in.arena, 0);
	rc_buf_init(&in.out, 0);
	for (int i = optind; i < argc; i++)
		if (inspect_file(&in, argv[i]) != 0) {
			rc = 1;
			break;
		}
	rc_arena_destroy(&in.arena);
	rc_buf_free(&in.out);
	return rc;
}
