/*
 * Writes schemas and encoded records for tests/integration/avro_roundtrip.sh, which decodes them
 * with python3-avro (tests/integration/avro_decode.py holds the values expected here).
 *
 * Usage: avro_dump DIR. Writes DIR/<set>.key.avsc and DIR/<set>.value.avsc, then for each event n
 * of the set DIR/<set>-<n>.key (absent for a null key) and DIR/<set>-<n>.value, Confluent-framed,
 * and DIR/<set>.jsonl, the JSON rendering of the events. Sets: pg (PostgreSQL table of every type),
 * pgn (the same with avro.native.logical.types), my (MariaDB), msg (logical decoding message).
 * Schema ids: key 11 / value 12 (pg), 21/22 (pgn), 31/32 (my), 41/42 (msg).
 */
#include "config.h"

#include "sinks/avro_encode.h"
#include "sinks/avro_schema.h"
#include "sinks/json_encode.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW_NS INT64_C(1700000005000000007)

static const char *dir;

static void die(const char *what, const char *err)
{
	fprintf(stderr, "avro_dump: %s: %s\n", what, err);
	exit(1);
}

static void write_file(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		die(path, "cannot write");
}

enum {
	C_ID,
	C_REGION,
	C_FLAG,
	C_SMALL,
	C_NUM,
	C_BIG,
	C_REAL,
	C_DBL,
	C_PRICE,
	C_AMOUNT,
	C_LABEL,
	C_DOC,
	C_UID,
	C_MOOD,
	C_BLOB,
	C_BITS,
	C_DAY,
	C_TMS,
	C_TUS,
	C_TSMS,
	C_TSUS,
	C_DUR,
	C_TAGS,
	C_NUMS,
	C_WEIRD,
	C_AMOUNTS,
	C_TSTZ,
	C_AMOUNT2,
	C_NINE,
	C_UIDS,
	NCOLS
};

static rc_table_t *all_types_table(void)
{
	static const struct {
		const char *name;
		rc_type_t type, elem;
		const char *semantic;
		int32_t precision, scale, length;
		bool key;
	} cols[NCOLS] = {
	    [C_ID] = {"id", RC_T_INT64, 0, NULL, 0, 0, 0, true},
	    [C_REGION] = {"region", RC_T_STRING, 0, NULL, 0, 0, 0, true},
	    [C_FLAG] = {"flag", RC_T_BOOL, 0, NULL, 0, 0, 0, false},
	    [C_SMALL] = {"small", RC_T_INT16, 0, NULL, 0, 0, 0, false},
	    [C_NUM] = {"num", RC_T_INT32, 0, NULL, 0, 0, 0, false},
	    [C_BIG] = {"big", RC_T_INT64, 0, NULL, 0, 0, 0, false},
	    [C_REAL] = {"real", RC_T_FLOAT32, 0, NULL, 0, 0, 0, false},
	    [C_DBL] = {"dbl", RC_T_FLOAT64, 0, NULL, 0, 0, 0, false},
	    [C_PRICE] = {"price", RC_T_DECIMAL, 0, NULL, 12, 3, 0, false},
	    [C_AMOUNT] = {"amount", RC_T_VARDECIMAL, 0, NULL, 0, 0, 0, false},
	    [C_LABEL] = {"label", RC_T_STRING, 0, NULL, 0, 0, 0, false},
	    [C_DOC] = {"doc", RC_T_STRING, 0, "io.debezium.data.Json", 0, 0, 0, false},
	    [C_UID] = {"uid", RC_T_STRING, 0, "io.debezium.data.Uuid", 0, 0, 0, false},
	    [C_MOOD] = {"mood", RC_T_STRING, 0, "io.debezium.data.Enum", 0, 0, 0, false},
	    [C_BLOB] = {"blob", RC_T_BYTES, 0, NULL, 0, 0, 0, false},
	    [C_BITS] = {"bits", RC_T_BYTES, 0, "io.debezium.data.Bits", 0, 0, 12, false},
	    [C_DAY] = {"day", RC_T_DATE, 0, NULL, 0, 0, 0, false},
	    [C_TMS] = {"t_ms", RC_T_TIME_MILLIS, 0, NULL, 0, 0, 0, false},
	    [C_TUS] = {"t_us", RC_T_TIME_MICROS, 0, NULL, 0, 0, 0, false},
	    [C_TSMS] = {"ts_ms", RC_T_TIMESTAMP_MILLIS, 0, NULL, 0, 0, 0, false},
	    [C_TSUS] = {"ts_us", RC_T_TIMESTAMP_MICROS, 0, NULL, 0, 0, 0, false},
	    [C_DUR] = {"dur", RC_T_INTERVAL_MICROS, 0, NULL, 0, 0, 0, false},
	    [C_TAGS] = {"tags", RC_T_ARRAY, RC_T_STRING, NULL, 0, 0, 0, false},
	    [C_NUMS] = {"nums", RC_T_ARRAY, RC_T_INT32, NULL, 0, 0, 0, false},
	    [C_WEIRD] = {"weird-name é", RC_T_STRING, 0, NULL, 0, 0, 0, false},
	    [C_AMOUNTS] = {"amounts", RC_T_ARRAY, RC_T_DECIMAL, NULL, 5, 2, 0, false},
	    [C_TSTZ] = {"tstz", RC_T_STRING, 0, "io.debezium.time.ZonedTimestamp", 0, 0, 0, false},
	    [C_AMOUNT2] = {"amount2", RC_T_VARDECIMAL, 0, NULL, 0, 0, 0, false},
	    [C_NINE] = {"9lives", RC_T_INT32, 0, NULL, 0, 0, 0, false},
	    [C_UIDS] = {"uids", RC_T_ARRAY, RC_T_STRING, "io.debezium.data.Uuid", 0, 0, 0, false},
	};
	rc_table_t *t = rc_table_new("public", "all_types", "rt.public.all_types", NCOLS);

	if (!t)
		die("table", "out of memory");
	for (int i = 0; i < NCOLS; i++) {
		rc_column_t *c = &t->cols[i];
		if (rc_column_set_names(c, cols[i].name, "x") != 0)
			die("table", "out of memory");
		c->type = cols[i].type;
		c->elem_type = cols[i].elem;
		c->semantic = cols[i].semantic;
		c->precision = cols[i].precision;
		c->scale = cols[i].scale;
		c->length = cols[i].length;
		c->key = cols[i].key;
		c->optional = !c->key; /* the other columns hold NULLs */
	}
	if (rc_column_set_enum_values(&t->cols[C_MOOD], "happy,sad") != 0)
		die("table", "out of memory");
	rc_table_count_keys(t);
	return t;
}

static rc_value_t I(int64_t i)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.i = i;
	return v;
}

static rc_value_t F(double f)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.f = f;
	return v;
}

static rc_value_t B(bool b)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.b = b;
	return v;
}

static rc_value_t S(const char *p, size_t len)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.bytes.ptr = p;
	v.u.bytes.len = len;
	return v;
}

#define STR(s) S(s, sizeof(s) - 1)

static rc_value_t VSD(const char *p, size_t len, int32_t scale)
{
	rc_value_t v = S(p, len);
	v.u.bytes.scale = scale;
	return v;
}

static rc_value_t A(rc_value_t *items, size_t n)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.array.items = items;
	v.u.array.n = n;
	return v;
}

static const rc_value_t NUL = {.state = RC_V_NULL};
static const rc_value_t UNCH = {.state = RC_V_UNCHANGED};

static rc_value_t tags1[] = {{.state = RC_V_SET, .u.bytes = {"a", 1, 0}},
                             {.state = RC_V_SET, .u.bytes = {"b", 1, 0}}};
static rc_value_t nums1[] = {
    {.state = RC_V_SET, .u.i = 1}, {.state = RC_V_SET, .u.i = 2}, {.state = RC_V_SET, .u.i = 3}};
static rc_value_t amounts1[] = {{.state = RC_V_SET, .u.bytes = {"\x7b", 1, 0}},
                                {.state = RC_V_SET, .u.bytes = {"\xfe\x38", 2, 0}}};
static rc_value_t amounts3[] = {{.state = RC_V_NULL}, {.state = RC_V_SET, .u.bytes = {"\x00", 1, 0}}};
static rc_value_t uids1[] = {{.state = RC_V_SET, .u.bytes = {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 36, 0}}};
static rc_value_t uids3[] = {{.state = RC_V_NULL}};

/* Event 1 (snapshot read): a value in every column. */
static void image1(rc_value_t *v)
{
	v[C_ID] = I(1);
	v[C_REGION] = STR("eu");
	v[C_FLAG] = B(true);
	v[C_SMALL] = I(32767);
	v[C_NUM] = I(INT32_MAX);
	v[C_BIG] = I(INT64_MAX);
	v[C_REAL] = F(1.5);
	v[C_DBL] = F(3.141592653589793);
	v[C_PRICE] = STR("\x00\xbc\x61\x4e"); /* 12345.678 */
	v[C_AMOUNT] = VSD("\x7a\xb7", 2, 2);  /* 314.15 */
	v[C_LABEL] = STR("hello");
	v[C_DOC] = STR("{\"a\": [1, 2]}");
	v[C_UID] = STR("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
	v[C_MOOD] = STR("happy");
	v[C_BLOB] = STR("\x00\x01\x02\xff");
	v[C_BITS] = STR("\x0f\xff");
	v[C_DAY] = I(19000);
	v[C_TMS] = I(45296789);
	v[C_TUS] = I(INT64_C(45296789012));
	v[C_TSMS] = I(INT64_C(1700000000123));
	v[C_TSUS] = I(INT64_C(1700000000123456));
	v[C_DUR] = I(INT64_C(3600000000));
	v[C_TAGS] = A(tags1, 2);
	v[C_NUMS] = A(nums1, 3);
	v[C_WEIRD] = STR("wéird");
	v[C_AMOUNTS] = A(amounts1, 2);
	v[C_TSTZ] = STR("2023-11-14T22:13:20.123456Z");
	v[C_AMOUNT2] = VSD("\x07", 1, 0);
	v[C_NINE] = I(9);
	v[C_UIDS] = A(uids1, 1);
}

/* Event 2 (insert): nulls, empty strings, empty bytes and empty arrays. */
static void image2(rc_value_t *v)
{
	for (int i = 0; i < NCOLS; i++)
		v[i] = NUL;
	v[C_ID] = I(2);
	v[C_REGION] = STR("");
	v[C_LABEL] = STR("");
	v[C_BLOB] = S("", 0);
	v[C_TAGS] = A(NULL, 0);
	v[C_NUMS] = A(NULL, 0);
	v[C_AMOUNTS] = A(NULL, 0);
}

/* Event 3 (update): extremes, negative numbers, non-ASCII text, unchanged TOAST values. */
static void image3(rc_value_t *v)
{
	for (int i = 0; i < NCOLS; i++)
		v[i] = NUL;
	v[C_ID] = I(3);
	v[C_REGION] = STR("us");
	v[C_FLAG] = B(false);
	v[C_SMALL] = I(-32768);
	v[C_NUM] = I(INT32_MIN);
	v[C_BIG] = I(INT64_MIN);
	v[C_REAL] = F(-2.5);
	v[C_DBL] = F(1e300);
	v[C_PRICE] = STR("\xff"); /* -0.001 */
	v[C_AMOUNT] = VSD("\xfe\xfa\x91\xf0\xc9\x59\xbb\xc2\x1d\x20\x87", 11, 5);
	v[C_LABEL] = UNCH;
	v[C_DOC] = STR("ünïcødé ✓ 日本語 😀");
	v[C_MOOD] = STR("sad");
	v[C_BLOB] = UNCH;
	v[C_DAY] = I(-1);
	v[C_TMS] = I(0);
	v[C_TUS] = I(INT64_C(86399999999));
	v[C_TSMS] = I(-1);
	v[C_TSUS] = I(-1000000);
	v[C_DUR] = I(-5);
	v[C_TAGS] = UNCH;
	v[C_NUMS] = UNCH;
	v[C_WEIRD] = STR("");
	v[C_AMOUNTS] = A(amounts3, 2);
	v[C_TSTZ] = UNCH;
	v[C_NINE] = UNCH;
	v[C_UIDS] = A(uids3, 1);
}

static void emit(const char *set, int n, const rc_event_t *ev, const rc_avro_opts_t *opts, int32_t key_id,
                 int32_t value_id, FILE *jsonl)
{
	rc_buf_t buf;
	char err[1024], name[64];
	int rc;

	rc_buf_init(&buf, 0);
	rc = rc_avro_encode_key(ev, key_id, &buf, err, sizeof err);
	if (rc < 0)
		die("key", err);
	if (rc == 0) {
		snprintf(name, sizeof name, "%s-%d.key", set, n);
		write_file(name, buf.data, buf.len);
	}
	rc_buf_reset(&buf);
	if (rc_avro_encode_value(ev, opts, value_id, NOW_NS, &buf, err, sizeof err) != 0)
		die("value", err);
	snprintf(name, sizeof name, "%s-%d.value", set, n);
	write_file(name, buf.data, buf.len);
	rc_buf_reset(&buf);
	if (rc_json_encode_event(ev, opts, NOW_NS, false, &buf, err, sizeof err) != 0)
		die("json", err);
	fwrite(buf.data, 1, buf.len, jsonl);
	rc_buf_free(&buf);
}

static void schemas(const char *set, const rc_table_t *t, const rc_avro_opts_t *opts)
{
	char err[1024], name[64], *key = NULL, *value = NULL;

	if (t) {
		if (rc_avro_key_schema(t, opts, &key, err, sizeof err) != 0 ||
		    rc_avro_value_schema(t, opts, &value, err, sizeof err) != 0)
			die(set, err);
	} else if (rc_avro_message_key_schema(&key, err, sizeof err) != 0 ||
	           rc_avro_message_value_schema(opts, &value, err, sizeof err) != 0) {
		die(set, err);
	}
	snprintf(name, sizeof name, "%s.key.avsc", set);
	write_file(name, key, strlen(key));
	snprintf(name, sizeof name, "%s.value.avsc", set);
	write_file(name, value, strlen(value));
	free(key);
	free(value);
}

static FILE *open_jsonl(const char *set)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.jsonl", dir, set);
	f = fopen(path, "w");
	if (!f)
		die(path, "cannot write");
	return f;
}

static void pg_sets(void)
{
	static const char *const sets[] = {"pg", "pgn"};
	rc_table_t *t = all_types_table();
	rc_value_t img1[NCOLS], img2[NCOLS], img3[NCOLS], before3[NCOLS], before4[NCOLS];
	rc_source_info_t src = {.connector = "postgresql", .db = "rowcast", .txid = 500, .lsn = 1000};

	image1(img1);
	image2(img2);
	image3(img3);
	for (int i = 0; i < NCOLS; i++)
		before3[i] = NUL; /* REPLICA IDENTITY DEFAULT: the key columns only */
	before3[C_ID] = I(3);
	before3[C_REGION] = STR("us");
	memcpy(before4, img1, sizeof before4);
	before4[C_PRICE] = UNCH;

	for (int s = 0; s < 2; s++) {
		rc_avro_opts_t opts = {"rt", "postgresql", s == 1, false};
		int32_t base = s == 0 ? 10 : 20;
		FILE *jsonl = open_jsonl(sets[s]);
		rc_event_t ev;

		schemas(sets[s], t, &opts);
		src.ts_us = INT64_C(1700000000000001);
		src.snapshot = "true";
		src.txid = 500;
		src.lsn = 1000;
		src.last_commit_lsn = 0;
		ev = (rc_event_t){.op = RC_OP_READ, .table = t, .after = img1, .source = src};
		emit(sets[s], 1, &ev, &opts, base + 1, base + 2, jsonl);
		src.snapshot = NULL;
		src.ts_us++;
		src.txid++;
		src.last_commit_lsn = src.lsn;
		src.lsn += 100;
		ev = (rc_event_t){.op = RC_OP_CREATE, .table = t, .after = img2, .source = src};
		emit(sets[s], 2, &ev, &opts, base + 1, base + 2, jsonl);
		src.ts_us++;
		src.txid = -1;
		src.last_commit_lsn = src.lsn;
		src.lsn += 100;
		ev = (rc_event_t){
		    .op = RC_OP_UPDATE, .table = t, .before = before3, .after = img3, .source = src};
		emit(sets[s], 3, &ev, &opts, base + 1, base + 2, jsonl);
		src.ts_us++;
		src.txid = 503;
		src.lsn += 100;
		ev = (rc_event_t){.op = RC_OP_DELETE, .table = t, .before = before4, .source = src};
		emit(sets[s], 4, &ev, &opts, base + 1, base + 2, jsonl);
		src.ts_us++;
		src.lsn += 100;
		ev = (rc_event_t){.op = RC_OP_TRUNCATE, .table = t, .source = src};
		emit(sets[s], 5, &ev, &opts, base + 1, base + 2, jsonl);
		fclose(jsonl);
	}
	rc_table_release(t);
}

static void mariadb_set(void)
{
	rc_table_t *t = rc_table_new("inventory", "items", "rt.inventory.items", 2);
	rc_avro_opts_t opts = {"rt", "mariadb", false, false};
	rc_value_t after[2] = {I(42), STR("widget")};
	rc_source_info_t src = {.connector = "mariadb",
	                        .db = "inventory",
	                        .ts_us = INT64_C(1700000000000000),
	                        .txid = -1,
	                        .file = "mysql-bin.000003",
	                        .pos = 154,
	                        .row = 0,
	                        .server_id = 223344,
	                        .gtid = "0-1-42",
	                        .thread = 7};
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t, .after = after, .source = src};
	FILE *jsonl;

	if (!t || rc_column_set_names(&t->cols[0], "id", "int") != 0 ||
	    rc_column_set_names(&t->cols[1], "name", "varchar(20)") != 0)
		die("table", "out of memory");
	t->cols[0].type = RC_T_INT32;
	t->cols[0].key = true;
	t->cols[1].type = RC_T_STRING;
	t->cols[1].optional = true;
	rc_table_count_keys(t);
	schemas("my", t, &opts);
	jsonl = open_jsonl("my");
	emit("my", 1, &ev, &opts, 31, 32, jsonl);
	fclose(jsonl);
	rc_table_release(t);
}

static void message_set(void)
{
	rc_avro_opts_t opts = {"rt", "postgresql", false, false};
	rc_source_info_t src = {.connector = "postgresql",
	                        .db = "rowcast",
	                        .ts_us = INT64_C(1700000000000009),
	                        .txid = 900,
	                        .lsn = 5000};
	rc_event_t ev = {.op = RC_OP_MESSAGE,
	                 .source = src,
	                 .msg_prefix = "audit",
	                 .msg_content = "a\0b\xff",
	                 .msg_len = 4,
	                 .msg_transactional = true};
	FILE *jsonl;

	schemas("msg", NULL, &opts);
	jsonl = open_jsonl("msg");
	emit("msg", 1, &ev, &opts, 41, 42, jsonl);
	fclose(jsonl);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: avro_dump DIR\n");
		return 2;
	}
	dir = argv[1];
	pg_sets();
	mariadb_set();
	message_set();
	return 0;
}
