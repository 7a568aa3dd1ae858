/*
 * avro_bench: rowcast's own Avro encoder (sinks/avro_encode.h) against avro-c's generic value writer,
 * on the schema rowcast builds (sinks/avro_schema.h) for two tables, in one process run:
 *   narrow  t(id bigint primary key, name text, amount numeric(12,2), ts timestamptz), the table of
 *           bench/pg_stream_bench.sh, with its values (name-<id>, (id % 10000000) / 100.0, now())
 *   wide    21 columns of mixed types: ints, texts, decimals, floats, bool, bytea, date, time,
 *           timestamps, uuid, jsonb, an enum, and a text column that is null in every other row
 * Each event is op=c with the PostgreSQL source block; each side encodes its key and its value into
 * Confluent-framed records, as sinks/encoders.c does for Kafka. rowcast is called exactly as
 * encoders.c calls it; avro-c gets a generic value of each schema (avro_generic_class_from_schema),
 * made once and refilled per event field by field (avro_value_get_by_index, avro_value_set_branch,
 * avro_value_set_*), then avro_value_write into a memory writer over a reused buffer. avro-c runs two
 * ways: strings and bytes copied into the value (set_*), or lent to it without a copy (give_*).
 *
 * First both sides encode the same ROWS events with the same clock, and their bytes must be
 * identical (Avro binary is canonical). Then: a warm-up pass of every encoder, and reps repetitions,
 * each timing every encoder over the same events in turn; the best repetition counts. Also timed: the
 * avro-c parse of each table's key and value schema, what registration adds (sinks/avro_check.h).
 *
 * Usage: bench/avro_bench [events [reps]] (default 200000 events, 7 repetitions; about 10 s on a
 * 2-core box at -O2). Output: a table on stdout and one RESULT line per table. Exit 1 when the
 * bytes differ or an encoder fails.
 */
#include "config.h"

#include "agent/event.h"
#include "agent/table.h"
#include "sinks/avro_check.h"
#include "sinks/avro_encode.h"
#include "sinks/avro_schema.h"

#include <avro.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROWS 256             /* distinct rows per table; the timed loops cycle through them */
#define ROW_TEXT 1024        /* bytes of string and byte values per row */
#define RECORD_MAX (1 << 16) /* avro-c's fixed output buffers */
#define KEY_ID 101
#define VALUE_ID 102

static const rc_avro_opts_t opts = {"bench", "postgresql", false, false};

typedef struct colspec {
	const char *name;
	rc_type_t type;
	const char *semantic;
	int32_t precision, scale;
	const char *enum_values;
	bool key;
} colspec_t;

/* Column types as decoders/postgres/pg_types.c maps them with the default handling modes. */
static const colspec_t narrow_cols[] = {
    {.name = "id", .type = RC_T_INT64, .key = true},
    {.name = "name", .type = RC_T_STRING},
    {.name = "amount", .type = RC_T_DECIMAL, .precision = 12, .scale = 2},
    {.name = "ts", .type = RC_T_STRING, .semantic = "io.debezium.time.ZonedTimestamp", .scale = 6},
};

static const colspec_t wide_cols[] = {
    {.name = "id", .type = RC_T_INT64, .key = true},                      /* bigint */
    {.name = "region", .type = RC_T_INT16},                               /* smallint */
    {.name = "qty", .type = RC_T_INT32},                                  /* integer */
    {.name = "views", .type = RC_T_INT64},                                /* bigint */
    {.name = "name", .type = RC_T_STRING},                                /* text */
    {.name = "descr", .type = RC_T_STRING},                               /* text */
    {.name = "email", .type = RC_T_STRING},                               /* varchar(80) */
    {.name = "price", .type = RC_T_DECIMAL, .precision = 12, .scale = 2}, /* numeric(12,2) */
    {.name = "rate", .type = RC_T_DECIMAL, .precision = 10, .scale = 4},  /* numeric(10,4) */
    {.name = "weight", .type = RC_T_FLOAT32},                             /* real */
    {.name = "score", .type = RC_T_FLOAT64},                              /* double precision */
    {.name = "active", .type = RC_T_BOOL},                                /* boolean */
    {.name = "payload", .type = RC_T_BYTES},                              /* bytea */
    {.name = "born", .type = RC_T_DATE, .semantic = "io.debezium.time.Date"},
    {.name = "at", .type = RC_T_TIME_MICROS, .semantic = "io.debezium.time.MicroTime"},
    {.name = "created", .type = RC_T_TIMESTAMP_MICROS, .semantic = "io.debezium.time.MicroTimestamp"},
    {.name = "updated", .type = RC_T_STRING, .semantic = "io.debezium.time.ZonedTimestamp", .scale = 6},
    {.name = "uid", .type = RC_T_STRING, .semantic = "io.debezium.data.Uuid"},
    {.name = "attrs", .type = RC_T_STRING, .semantic = "io.debezium.data.Json"}, /* jsonb */
    {.name = "status",
     .type = RC_T_STRING,
     .semantic = "io.debezium.data.Enum",
     .enum_values = "new,paid,sent"},
    {.name = "note", .type = RC_T_STRING}, /* text, null in odd rows */
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- rows ---- */

/* Where one row's string and byte values go. */
typedef struct pool {
	char *p;
	size_t left;
} pool_t;

static void *pool_take(pool_t *pl, size_t n)
{
	char *p = pl->p;

	if (n > pl->left) {
		fprintf(stderr, "avro_bench: row text pool too small\n");
		exit(1);
	}
	pl->p += n;
	pl->left -= n;
	return p;
}

__attribute__((format(printf, 3, 4))) static void set_text(rc_value_t *v, pool_t *pl, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		n = 0;
	v->state = RC_V_SET;
	v->u.bytes.ptr = memcpy(pool_take(pl, (size_t)n + 1), tmp, (size_t)n + 1);
	v->u.bytes.len = (size_t)n;
}

/* numeric as rowcast encodes it: the unscaled value, big-endian two's complement, fewest bytes. */
static void set_decimal(rc_value_t *v, pool_t *pl, int64_t unscaled)
{
	unsigned char be[8], *out;
	size_t n = 8;

	for (int i = 0; i < 8; i++)
		be[i] = (unsigned char)((uint64_t)unscaled >> (56 - 8 * i));
	while (n > 1 &&
	       ((be[8 - n] == 0x00 && !(be[9 - n] & 0x80)) || (be[8 - n] == 0xff && (be[9 - n] & 0x80))))
		n--;
	out = pool_take(pl, n);
	memcpy(out, be + 8 - n, n);
	v->state = RC_V_SET;
	v->u.bytes.ptr = (const char *)out;
	v->u.bytes.len = n;
}

/* timestamptz as io.debezium.time.ZonedTimestamp text: 2024-05-01T12:00:00.123456Z */
static void set_zoned(rc_value_t *v, pool_t *pl, int64_t us)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	char day[32];

	gmtime_r(&secs, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	set_text(v, pl, "%s.%06dZ", day, (int)(us % 1000000));
}

#define INT_V(x) ((rc_value_t){.state = RC_V_SET, .u.i = (int64_t)(x)})
#define FLOAT_V(x) ((rc_value_t){.state = RC_V_SET, .u.f = (x)})

static const int64_t base_us = INT64_C(1714564800000000); /* 2024-05-01 12:00:00 UTC */

/* Row g of the stream benchmark: INSERT ... SELECT g, 'name-' || g, (g % 10000000) / 100.0, now() */
static void narrow_row(uint64_t g, rc_value_t *v, pool_t *pl)
{
	v[0] = INT_V(g);
	set_text(&v[1], pl, "name-%" PRIu64, g);
	set_decimal(&v[2], pl, (int64_t)(g % 10000000));
	set_zoned(&v[3], pl, base_us + (int64_t)(g / 100) * 1000);
}

static void wide_row(uint64_t g, rc_value_t *v, pool_t *pl)
{
	static const char *const status[] = {"new", "paid", "sent"};
	unsigned char *payload = pool_take(pl, 16);

	for (int i = 0; i < 16; i++)
		payload[i] = (unsigned char)(g * 31 + (uint64_t)i);
	v[0] = INT_V(g);
	v[1] = INT_V(g % 300);
	v[2] = INT_V(g * 7919 % 100000);
	v[3] = INT_V(g * 1000003);
	set_text(&v[4], pl, "product %" PRIu64, g);
	set_text(&v[5], pl, "a longer description of product %" PRIu64 ", as free-text columns hold", g);
	set_text(&v[6], pl, "customer%" PRIu64 "@example.com", g % 50000);
	set_decimal(&v[7], pl, (int64_t)(g % 10000000));
	set_decimal(&v[8], pl, -(int64_t)(g % 99991));
	v[9] = FLOAT_V((float)(g % 1000) / 8.0f);
	v[10] = FLOAT_V((double)g / 3.0);
	v[11] = (rc_value_t){.state = RC_V_SET, .u.b = g % 3 == 0};
	v[12] = (rc_value_t){.state = RC_V_SET, .u.bytes = {.ptr = (const char *)payload, .len = 16}};
	v[13] = INT_V(19000 + g % 1000);
	v[14] = INT_V((g % 86400) * 1000000 + 250);
	v[15] = INT_V(base_us - (int64_t)g * 1000000);
	set_zoned(&v[16], pl, base_us + (int64_t)g * 1000);
	set_text(&v[17], pl, "%08" PRIx64 "-7f3a-4c2e-9b1d-%012" PRIx64, g, g * 2654435761u);
	set_text(&v[18], pl, "{\"batch\": %" PRIu64 ", \"tags\": [\"a\", \"b\"], \"ok\": true}", g / 100);
	set_text(&v[19], pl, "%s", status[g % 3]);
	if (g % 2)
		v[20] = (rc_value_t){.state = RC_V_NULL};
	else
		set_text(&v[20], pl, "note %" PRIu64, g);
}

typedef struct bench_table {
	const char *label;
	rc_table_t *t;
	rc_value_t *images; /* ROWS after images of t->ncols values */
	char *text;         /* their strings and bytes */
	rc_event_t ev[ROWS];
	char *key_json, *value_json;
} bench_table_t;

static rc_table_t *make_table(const char *name, const colspec_t *specs, size_t n)
{
	char topic[128];
	rc_table_t *t;

	snprintf(topic, sizeof topic, "%s.public.%s", opts.topic_prefix, name);
	t = rc_table_new("public", name, topic, n);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		rc_column_t *c = &t->cols[i];
		if (rc_column_set_names(c, specs[i].name, "") != 0 ||
		    (specs[i].enum_values && rc_column_set_enum_values(c, specs[i].enum_values) != 0)) {
			rc_table_release(t);
			return NULL;
		}
		c->type = specs[i].type;
		c->semantic = specs[i].semantic;
		c->precision = specs[i].precision;
		c->scale = specs[i].scale;
		c->key = specs[i].key;
		c->optional = !specs[i].key;
	}
	rc_table_count_keys(t);
	t->key_schema_id = KEY_ID;
	t->value_schema_id = VALUE_ID;
	return t;
}

/* Events of rows 1..ROWS of t, in transactions of 100 rows, as pg_stream_bench.sh inserts them. */
static int bench_table_init(bench_table_t *bt, const char *label, const colspec_t *specs, size_t n,
                            void (*row)(uint64_t g, rc_value_t *v, pool_t *pl))
{
	char err[512];

	memset(bt, 0, sizeof *bt);
	bt->label = label;
	bt->t = make_table(label, specs, n);
	bt->images = calloc(ROWS * n, sizeof *bt->images);
	bt->text = malloc((size_t)ROWS * ROW_TEXT);
	if (!bt->t || !bt->images || !bt->text) {
		fprintf(stderr, "avro_bench: out of memory\n");
		return -1;
	}
	for (uint64_t r = 0; r < ROWS; r++) {
		pool_t pl = {bt->text + r * ROW_TEXT, ROW_TEXT};
		uint64_t g = r + 1;
		rc_event_t *ev = &bt->ev[r];

		row(g, &bt->images[r * n], &pl);
		ev->op = RC_OP_CREATE;
		ev->table = bt->t;
		ev->after = &bt->images[r * n];
		ev->source.connector = opts.connector;
		ev->source.db = "bench";
		ev->source.snapshot = "false";
		ev->source.ts_us = base_us + (int64_t)(g / 100) * 1000 + 17;
		ev->source.txid = 800 + (int64_t)(g / 100);
		ev->source.lsn = UINT64_C(0x3000000) + g * 120;
		ev->source.last_commit_lsn = UINT64_C(0x3000000) + (g / 100) * 12000;
	}
	if (rc_avro_key_schema(bt->t, &opts, &bt->key_json, err, sizeof err) != 0 ||
	    rc_avro_value_schema(bt->t, &opts, &bt->value_json, err, sizeof err) != 0) {
		fprintf(stderr, "avro_bench: %s schema: %s\n", label, err);
		return -1;
	}
	return 0;
}

static void bench_table_free(bench_table_t *bt)
{
	free(bt->key_json);
	free(bt->value_json);
	free(bt->images);
	free(bt->text);
	if (bt->t)
		rc_table_release(bt->t);
}

/* ---- rowcast's encoder, as sinks/encoders.c calls it ---- */

typedef struct rowcast_enc {
	rc_buf_t key, value;
} rowcast_enc_t;

static int rowcast_encode(rowcast_enc_t *re, const rc_event_t *ev, int64_t now_ns, char *err, size_t errlen)
{
	rc_buf_reset(&re->key);
	rc_buf_reset(&re->value);
	if (rc_avro_encode_key(ev, ev->table->key_schema_id, &re->key, err, errlen) < 0)
		return -1;
	return rc_avro_encode_value(ev, &opts, ev->table->value_schema_id, now_ns, &re->value, err, errlen);
}

/* ---- avro-c's generic value writer ---- */

typedef struct avroc_side {
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value; /* one generic value, refilled for every event */
	bool have_value;
	avro_writer_t writer;
	char *buf; /* Confluent header, then the writer's output */
	size_t len;
} avroc_side_t;

typedef struct avroc_enc {
	avroc_side_t key, value;
	bool give; /* lend strings and bytes to avro-c (give_*) rather than copy them in (set_*) */
	/* Strings avro_encode() makes: lent to avro-c, so they must outlive the write. */
	char seq[64], op[2];
} avroc_enc_t;

static int avroc_side_init(avroc_side_t *s, const char *json)
{
	char err[512];

	memset(s, 0, sizeof *s);
	if (rc_avro_parse_schema(json, strlen(json), &s->schema, err, sizeof err) != 0) {
		fprintf(stderr, "avro_bench: %s\n", err);
		return -1;
	}
	s->iface = avro_generic_class_from_schema(s->schema);
	s->buf = malloc(RECORD_MAX);
	if (!s->iface || !s->buf || avro_generic_value_new(s->iface, &s->value) != 0) {
		fprintf(stderr, "avro_bench: avro-c: %s\n", avro_strerror());
		return -1;
	}
	s->have_value = true;
	s->writer = avro_writer_memory(s->buf + 5, RECORD_MAX - 5);
	return s->writer ? 0 : -1;
}

static void avroc_side_free(avroc_side_t *s)
{
	if (s->have_value)
		avro_value_decref(&s->value);
	if (s->iface)
		avro_value_iface_decref(s->iface);
	if (s->writer)
		avro_writer_free(s->writer);
	if (s->schema)
		avro_schema_decref(s->schema);
	free(s->buf);
}

/* A string (with its NUL: avro-c counts it) or bytes value. */
static int put_data(const avroc_enc_t *ac, avro_value_t *dst, bool string, const char *p, size_t len)
{
	if (ac->give) {
		avro_wrapped_buffer_t wb;
		if (avro_wrapped_buffer_new(&wb, p, string ? len + 1 : len) != 0)
			return ENOMEM;
		return string ? avro_value_give_string_len(dst, &wb) : avro_value_give_bytes(dst, &wb);
	}
	return string ? avro_value_set_string_len(dst, p, len + 1)
	              : avro_value_set_bytes(dst, (void *)p, len);
}

static int put_string(const avroc_enc_t *ac, avro_value_t *dst, const char *s)
{
	return put_data(ac, dst, true, s, strlen(s));
}

/* A non-null column value, range-checked as rowcast's encoder does. */
static int put_typed(const avroc_enc_t *ac, avro_value_t *dst, const rc_column_t *c, const rc_value_t *v)
{
	avro_value_t f;
	int rc;

	switch (c->type) {
	case RC_T_BOOL:
		return avro_value_set_boolean(dst, v->u.b);
	case RC_T_INT16:
	case RC_T_INT32:
	case RC_T_DATE:
	case RC_T_TIME_MILLIS:
		if (c->type == RC_T_INT16 ? v->u.i < INT16_MIN || v->u.i > INT16_MAX
		                          : v->u.i < INT32_MIN || v->u.i > INT32_MAX)
			return ERANGE;
		return avro_value_set_int(dst, (int32_t)v->u.i);
	case RC_T_INT64:
	case RC_T_TIME_MICROS:
	case RC_T_TIMESTAMP_MILLIS:
	case RC_T_TIMESTAMP_MICROS:
	case RC_T_INTERVAL_MICROS:
		return avro_value_set_long(dst, v->u.i);
	case RC_T_FLOAT32:
		return avro_value_set_float(dst, (float)v->u.f);
	case RC_T_FLOAT64:
		return avro_value_set_double(dst, v->u.f);
	case RC_T_STRING:
		return put_data(ac, dst, true, v->u.bytes.ptr, v->u.bytes.len);
	case RC_T_BYTES:
	case RC_T_DECIMAL:
		return put_data(ac, dst, false, v->u.bytes.ptr, v->u.bytes.len);
	case RC_T_VARDECIMAL:
		rc = avro_value_get_by_index(dst, 0, &f, NULL);
		if (rc == 0)
			rc = avro_value_set_int(&f, v->u.bytes.scale);
		if (rc == 0)
			rc = avro_value_get_by_index(dst, 1, &f, NULL);
		return rc ? rc : put_data(ac, &f, false, v->u.bytes.ptr, v->u.bytes.len);
	case RC_T_ARRAY:
	case RC_T_GEOMETRY:
		break;
	}
	return EINVAL; /* the benchmark's tables have no arrays (nor geometries) */
}

/* Selects branch disc of the union in field idx of rec; *b is that branch. */
static int select_branch(avro_value_t *rec, size_t idx, int disc, avro_value_t *b)
{
	avro_value_t f;
	int rc = avro_value_get_by_index(rec, idx, &f, NULL);

	return rc ? rc : avro_value_set_branch(&f, disc, b);
}

/* Field idx of rec, a ["null", T] union: null, or when present *b is the T branch to fill. */
static int branch(avro_value_t *rec, size_t idx, bool present, avro_value_t *b)
{
	int rc = select_branch(rec, idx, present ? 1 : 0, b);

	return rc == 0 && !present ? avro_value_set_null(b) : rc;
}

static int put_opt_long(avro_value_t *rec, size_t idx, bool present, int64_t v)
{
	avro_value_t b;
	int rc = branch(rec, idx, present, &b);

	return rc == 0 && present ? avro_value_set_long(&b, v) : rc;
}

static int put_field_string(const avroc_enc_t *ac, avro_value_t *rec, size_t idx, const char *s)
{
	avro_value_t f;
	int rc = avro_value_get_by_index(rec, idx, &f, NULL);

	return rc ? rc : put_string(ac, &f, s);
}

static int put_field_long(avro_value_t *rec, size_t idx, int64_t v)
{
	avro_value_t f;
	int rc = avro_value_get_by_index(rec, idx, &f, NULL);

	return rc ? rc : avro_value_set_long(&f, v);
}

static int put_image(const avroc_enc_t *ac, avro_value_t *env, size_t idx, const rc_table_t *t,
                     const rc_value_t *img)
{
	avro_value_t rec, b;
	int rc = branch(env, idx, img != NULL, &rec);

	for (size_t i = 0; rc == 0 && img && i < t->ncols; i++) {
		if (img[i].state != RC_V_NULL && img[i].state != RC_V_SET)
			return EINVAL; /* no unchanged TOAST values in the benchmark */
		rc = branch(&rec, i, img[i].state == RC_V_SET, &b);
		if (rc == 0 && img[i].state == RC_V_SET)
			rc = put_typed(ac, &b, &t->cols[i], &img[i]);
	}
	return rc;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* io.debezium.connector.postgresql.Source, fields in the order of source_record() in avro_schema.c. */
static int put_pg_source(avroc_enc_t *ac, avro_value_t *env, const rc_event_t *ev)
{
	const rc_source_info_t *s = &ev->source;
	avro_value_t src, b;
	char *seq = ac->seq;
	int rc = avro_value_get_by_index(env, 2, &src, NULL);

	if (s->last_commit_lsn)
		snprintf(seq, sizeof ac->seq, "[\"%" PRIu64 "\",\"%" PRIu64 "\"]", s->last_commit_lsn,
		         s->lsn);
	else
		snprintf(seq, sizeof ac->seq, "[null,\"%" PRIu64 "\"]", s->lsn);
	rc = rc ? rc : put_field_string(ac, &src, 0, RC_AVRO_SOURCE_VERSION);
	rc = rc ? rc : put_field_string(ac, &src, 1, opts.connector);
	rc = rc ? rc : put_field_string(ac, &src, 2, opts.topic_prefix);
	rc = rc ? rc : put_field_long(&src, 3, floor_div(s->ts_us, 1000));
	rc = rc ? rc : select_branch(&src, 4, 0, &b); /* ["string", "null"]: the string */
	rc = rc ? rc : put_string(ac, &b, s->snapshot ? s->snapshot : "false");
	rc = rc ? rc : put_field_string(ac, &src, 5, s->db ? s->db : "");
	rc = rc ? rc : branch(&src, 6, true, &b);
	rc = rc ? rc : put_string(ac, &b, seq);
	rc = rc ? rc : put_opt_long(&src, 7, true, s->ts_us);
	rc = rc ? rc : put_opt_long(&src, 8, true, s->ts_us * 1000);
	rc = rc ? rc : put_field_string(ac, &src, 9, ev->table->schema_name);
	rc = rc ? rc : put_field_string(ac, &src, 10, ev->table->name);
	rc = rc ? rc : put_opt_long(&src, 11, s->txid >= 0, s->txid);
	rc = rc ? rc : put_opt_long(&src, 12, s->lsn != 0, (int64_t)s->lsn);
	rc = rc ? rc : branch(&src, 13, false, &b);   /* xmin */
	rc = rc ? rc : branch(&src, 14, false, &b);   /* origin */
	return rc ? rc : branch(&src, 15, false, &b); /* origin_lsn */
}

/* Writes the value into s->buf after the Confluent header. */
static int avroc_write(avroc_side_t *s, int32_t schema_id)
{
	uint32_t id = (uint32_t)schema_id;
	int rc;

	s->buf[0] = 0;
	s->buf[1] = (char)(id >> 24);
	s->buf[2] = (char)(id >> 16);
	s->buf[3] = (char)(id >> 8);
	s->buf[4] = (char)id;
	avro_writer_reset(s->writer);
	rc = avro_value_write(s->writer, &s->value);
	s->len = 5 + (size_t)avro_writer_tell(s->writer);
	return rc;
}

static int avroc_encode(avroc_enc_t *ac, const rc_event_t *ev, int64_t now_ns, char *err, size_t errlen)
{
	const rc_table_t *t = ev->table;
	avro_value_t *env = &ac->value.value, f;
	size_t k = 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < t->ncols; i++) {
		if (!t->cols[i].key)
			continue;
		rc = avro_value_get_by_index(&ac->key.value, k++, &f, NULL);
		if (rc == 0)
			rc = put_typed(ac, &f, &t->cols[i], &ev->after[i]);
	}
	rc = rc ? rc : avroc_write(&ac->key, t->key_schema_id);
	rc = rc ? rc : put_image(ac, env, 0, t, ev->before);
	rc = rc ? rc : put_image(ac, env, 1, t, ev->after);
	rc = rc ? rc : put_pg_source(ac, env, ev);
	rc = rc ? rc : branch(env, 3, false, &f); /* transaction */
	ac->op[0] = (char)ev->op;
	ac->op[1] = '\0';
	rc = rc ? rc : put_field_string(ac, env, 4, ac->op);
	rc = rc ? rc : put_opt_long(env, 5, true, floor_div(now_ns, 1000000));
	rc = rc ? rc : put_opt_long(env, 6, true, floor_div(now_ns, 1000));
	rc = rc ? rc : put_opt_long(env, 7, true, now_ns);
	rc = rc ? rc : avroc_write(&ac->value, t->value_schema_id);
	if (rc != 0)
		snprintf(err, errlen, "avro-c: %s (%s)", avro_strerror(), strerror(rc));
	return rc ? -1 : 0;
}

/* ---- measurement ---- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void hexdump(const char *what, const void *p, size_t len)
{
	fprintf(stderr, "  %s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, " %02x", ((const unsigned char *)p)[i]);
	fprintf(stderr, "\n");
}

static bool same(const char *what, const rc_buf_t *mine, const avroc_side_t *theirs, size_t row)
{
	if (mine->len == theirs->len && memcmp(mine->data, theirs->buf, mine->len) == 0)
		return true;
	fprintf(stderr, "avro_bench: row %zu: the %s records differ\n", row, what);
	hexdump("rowcast", mine->data, mine->len);
	hexdump("avro-c", theirs->buf, theirs->len);
	return false;
}

/* Both encoders on every row with the same clock: counts the rows whose key and value bytes match,
 * up to the first that does not. */
static size_t compare(bench_table_t *bt, rowcast_enc_t *re, avroc_enc_t *ac, size_t *bytes)
{
	char err[512];
	size_t ok = 0;

	*bytes = 0;

	for (size_t r = 0; r < ROWS; r++) {
		int64_t now = base_us * 1000 + (int64_t)r * 1000003;
		if (rowcast_encode(re, &bt->ev[r], now, err, sizeof err) != 0 ||
		    avroc_encode(ac, &bt->ev[r], now, err, sizeof err) != 0) {
			fprintf(stderr, "avro_bench: %s row %zu: %s\n", bt->label, r, err);
			break;
		}
		if (!same("key", &re->key, &ac->key, r) || !same("value", &re->value, &ac->value, r))
			break;
		ok++;
		*bytes += re->key.len + re->value.len;
	}
	return ok;
}

enum { ENC_ROWCAST, ENC_AVROC_SET, ENC_AVROC_GIVE, NENC };
static const char *const enc_names[NENC] = {"rowcast", "avro-c set_*", "avro-c give_*"};

/* ns per event of encoder e over events events; -1 when an encoding fails. acs: the set_* and the
 * give_* encoders (separate values: a value once lent a buffer must not be set_* again, as avro-c then
 * copies the lent buffer's old contents). */
static double run(int e, bench_table_t *bt, rowcast_enc_t *re, avroc_enc_t acs[2], long events)
{
	avroc_enc_t *ac = &acs[e == ENC_AVROC_GIVE];
	char err[512];
	int64_t t0 = mono_ns();

	for (long i = 0; i < events; i++) {
		const rc_event_t *ev = &bt->ev[i % ROWS];
		int rc = e == ENC_ROWCAST ? rowcast_encode(re, ev, rc_avro_now_ns(), err, sizeof err)
		                          : avroc_encode(ac, ev, rc_avro_now_ns(), err, sizeof err);
		if (rc != 0) {
			fprintf(stderr, "avro_bench: %s: %s: %s\n", bt->label, enc_names[e], err);
			return -1;
		}
	}
	return (double)(mono_ns() - t0) / (double)events;
}

/* Microseconds for one avro-c parse of the table's key and value schemas (best of 50). */
static double schema_check_us(const bench_table_t *bt)
{
	char err[512];
	int64_t best = INT64_MAX;

	for (int i = 0; i < 50; i++) {
		int64_t t0 = mono_ns();
		if (rc_avro_check_schema(bt->key_json, strlen(bt->key_json), err, sizeof err) != 0 ||
		    rc_avro_check_schema(bt->value_json, strlen(bt->value_json), err, sizeof err) != 0) {
			fprintf(stderr, "avro_bench: %s: %s\n", bt->label, err);
			return -1;
		}
		t0 = mono_ns() - t0;
		if (t0 < best)
			best = t0;
	}
	return (double)best / 1000.0;
}

/* Compares, then times, the encoders on one table. Returns the avro-c / rowcast ratio, or -1. */
static double bench(bench_table_t *bt, long events, int reps)
{
	rowcast_enc_t re;
	avroc_enc_t ac[2]; /* set_*, give_* */
	double best[NENC], avroc, ratio = -1;
	size_t ok = ROWS, bytes = 0;

	rc_buf_init(&re.key, 0);
	rc_buf_init(&re.value, 0);
	memset(ac, 0, sizeof ac);
	for (int i = 0; i < 2; i++) {
		size_t n;
		ac[i].give = i == 1;
		if (avroc_side_init(&ac[i].key, bt->key_json) != 0 ||
		    avroc_side_init(&ac[i].value, bt->value_json) != 0)
			goto out;
		n = compare(bt, &re, &ac[i], &bytes);
		if (n < ok)
			ok = n;
	}
	for (int e = 0; e < NENC; e++) /* warm-up */
		if ((best[e] = run(e, bt, &re, ac, events)) < 0)
			goto out;
	for (int e = 0; e < NENC; e++)
		best[e] = 1e30;
	for (int r = 0; r < reps; r++) {
		for (int e = 0; e < NENC; e++) {
			double ns = run(e, bt, &re, ac, events);
			if (ns < 0)
				goto out;
			if (ns < best[e])
				best[e] = ns;
		}
	}
	avroc = best[ENC_AVROC_SET] < best[ENC_AVROC_GIVE] ? best[ENC_AVROC_SET] : best[ENC_AVROC_GIVE];
	ratio = avroc / best[ENC_ROWCAST];
	printf("%-7s %5zu %11.1f %12.0f %14.0f %15.0f %7.2f %6zu/%d\n", bt->label, bt->t->ncols,
	       (double)bytes / ROWS, best[ENC_ROWCAST], best[ENC_AVROC_SET], best[ENC_AVROC_GIVE], ratio, ok,
	       ROWS);
	printf("RESULT table=%s columns=%zu record_bytes=%.1f events=%ld reps=%d rowcast_ns=%.0f "
	       "avroc_set_ns=%.0f avroc_give_ns=%.0f ratio=%.2f identical=%zu/%d schema_check_us=%.1f\n",
	       bt->label, bt->t->ncols, (double)bytes / ROWS, events, reps, best[ENC_ROWCAST],
	       best[ENC_AVROC_SET], best[ENC_AVROC_GIVE], ratio, ok, ROWS, schema_check_us(bt));
	if (ok != ROWS)
		ratio = -1;
out:
	rc_buf_free(&re.key);
	rc_buf_free(&re.value);
	for (int i = 0; i < 2; i++) {
		avroc_side_free(&ac[i].key);
		avroc_side_free(&ac[i].value);
	}
	return ratio;
}

int main(int argc, char **argv)
{
	long events = argc > 1 ? atol(argv[1]) : 200000;
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	bench_table_t narrow, wide;
	double rn = -1, rw = -1;

	memset(&narrow, 0, sizeof narrow);
	memset(&wide, 0, sizeof wide);

	if (events <= 0 || reps <= 0) {
		fprintf(stderr, "usage: %s [events [reps]]\n", argv[0]);
		return 2;
	}
	if (bench_table_init(&narrow, "narrow", narrow_cols, NCOLS(narrow_cols), narrow_row) == 0 &&
	    bench_table_init(&wide, "wide", wide_cols, NCOLS(wide_cols), wide_row) == 0) {
		printf("ns per event (key + value, Confluent-framed), best of %d x %ld events\n", reps,
		       events);
		printf("%-7s %5s %11s %12s %14s %15s %7s %10s\n", "table", "cols", "key+value B", "rowcast",
		       enc_names[ENC_AVROC_SET], enc_names[ENC_AVROC_GIVE], "ratio", "identical");
		rn = bench(&narrow, events, reps);
		rw = bench(&wide, events, reps);
	}
	bench_table_free(&narrow);
	bench_table_free(&wide);
	if (rn < 0 || rw < 0)
		return 1;
	printf("ratio = the faster avro-c way / rowcast. Verdict: %s\n",
	       rn <= 1.2 && rw <= 1.2 ? "avro-c is within 20% on both tables"
	                              : "avro-c is not within 20%: rowcast keeps its encoder");
	return 0;
}
