/*
 * Column mappers (agent/column_map.h): the properties and their errors, Debezium's hashes byte for
 * byte, and what a table's events and schemas become.
 *
 * How Debezium hashes (io.debezium.relational.mapping.MaskStrings.HashValueConverter): a
 * MessageDigest of the algorithm is reset, updated with salt.getBytes() and finished with the value's
 * bytes; the result is lower-case hex ("%02x" per byte), then cut to the column's length when it has
 * one. The value's bytes are, in v2 (HashingByteArrayStrategy.V2), value.toString().getBytes(): the
 * string in UTF-8 (the JVM's default charset). In v1 (the default strategy, V1) they are what an
 * ObjectOutputStream writes for the String: AC ED 00 05 (stream magic and version), 74 (TC_STRING),
 * a 2-byte big-endian length and the string in Java's modified UTF-8 (U+0000 as C0 80, a character
 * past U+FFFF as its two surrogates of 3 bytes each); past 65535 bytes, 7C (TC_LONGSTRING) and an
 * 8-byte length.
 *
 * The expected hex strings below were computed with Python's hashlib, e.g. v2:
 *   hashlib.sha256(b"salt" + "hello".encode()).hexdigest()
 * and v1:
 *   m = modified_utf8(s); hashlib.sha256(b"salt" + b"\xac\xed\x00\x05\x74" + len(m).to_bytes(2, "big") + m)
 * The four "hello"/"salt" vectors are also those of Debezium's own MaskStringsTest.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/column_map.h"
#include "agent/conf.h"
#include "agent/errors.h"
#include "sinks/avro_schema.h"

#include <stdlib.h>
#include <string.h>

static const char *const base = "source.type = postgres\n"
                                "database.hostname = db.example\n"
                                "database.user = cdc\n"
                                "database.dbname = shop\n"
                                "topic.prefix = shop\n"
                                "sink.type = stdout\n";

/* conf of base + extra, finalized; NULL with err filled when it is refused. */
static rc_conf_t *load(const char *extra, char *err, size_t errlen)
{
	char text[4096];
	rc_conf_t *conf = rc_conf_new();

	assert_non_null(conf);
	snprintf(text, sizeof text, "%s%s", base, extra);
	err[0] = '\0';
	if (rc_conf_load_properties(conf, text, "test.properties", err, errlen) != 0 ||
	    rc_conf_finalize(conf, err, errlen) != 0) {
		rc_conf_free(conf);
		return NULL;
	}
	return conf;
}

static void refused(const char *extra, const char *needle)
{
	char err[2048];
	rc_conf_t *conf = load(extra, err, sizeof err);

	assert_null(conf);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not say '%s'", err, needle);
}

static void test_properties(void **state)
{
	char err[2048];
	rc_column_map_t cm;
	rc_conf_t *conf = load("column.mask.hash.SHA-256.with.salt.s.a.l.t = public\\.users\\.ssn\n"
	                       "column.mask.with.5.chars = public\\.users\\.email, public\\.users\\.phone\n"
	                       "column.truncate.to.12.chars = public\\.users\\.bio\n"
	                       "column.mask.hash.v2.md5.with.salt.pepper = public\\.users\\.name\n"
	                       "column.exclude.list = public\\.users\\.secret\n",
	                       err, sizeof err);
	(void)state;
	if (!conf)
		fail_msg("%s", err);
	assert_int_equal(rc_column_map_init(&cm, conf, err, sizeof err), 0);
	assert_true(rc_column_map_active(&cm));
	assert_int_equal(cm.nrules, 4);
	/* Debezium's order (ColumnMappers.create): truncate, mask, hash v1, hash v2 */
	assert_int_equal(cm.rules[0].kind, RC_CM_TRUNCATE);
	assert_int_equal(cm.rules[0].n, 12);
	assert_int_equal(cm.rules[1].kind, RC_CM_MASK);
	assert_string_equal(cm.rules[1].mask, "*****");
	assert_int_equal(cm.rules[2].kind, RC_CM_HASH_V1);
	assert_string_equal(cm.rules[2].salt, "s.a.l.t"); /* the salt is all the rest, dots included */
	assert_int_equal(cm.rules[3].kind, RC_CM_HASH_V2);
	assert_string_equal(cm.rules[3].salt, "pepper");
	assert_int_equal(cm.rules[1].cols.n, 2);
	assert_int_equal(cm.exclude.n, 1);
	rc_column_map_free(&cm);
	rc_conf_free(conf);

	/* mask and truncate take 0 as Debezium does ("a positive integer or zero") */
	conf = load("column.mask.with.0.chars = a\\.b\\.c\n", err, sizeof err);
	assert_non_null(conf);
	rc_conf_free(conf);
}

static void test_errors(void **state)
{
	(void)state;
	refused("column.mask.with.x.chars = a\\.b\\.c\n", "column.mask.with.x.chars: the length");
	refused("column.mask.with.-3.chars = a\\.b\\.c\n", "column.mask.with.-3.chars: the length");
	refused("column.truncate.to.5 = a\\.b\\.c\n", "column.truncate.to.5: the length");
	refused("column.mask.with.99999999999.chars = a\n", "the length must be a whole number");
	refused("column.mask.hash.SHA-999.with.salt.x = a\n",
	        "column.mask.hash.SHA-999.with.salt.x: unknown hash algorithm 'SHA-999'");
	refused("column.mask.hash.MD2.with.salt.x = a\n", "unknown hash algorithm 'MD2'");
	refused("column.mask.hash.SHA-256.with.pepper.x = a\n", "not a hash mask property");
	refused("column.mask.hash.v2.SHA-256.with.salt. = a\n", "not a hash mask property");
	refused("column.mask.everything = a\n", "unknown property 'column.mask.everything'");
	refused("column.mask.with.3.chars = a(b\n",
	        "column.mask.with.3.chars: pattern 'a(b' is not a valid regular expression");
	refused("column.include.list = a\\.b\\.c\ncolumn.exclude.list = a\\.b\\.d\n",
	        "column.include.list and column.exclude.list are both set");
}

static void hash_is(const char *prop, const char *value, size_t len, const char *want)
{
	char err[2048], hex[2 * 64 + 1], text[512];
	rc_column_map_t cm;
	rc_conf_t *conf;

	snprintf(text, sizeof text, "%s = x\\.y\\.z\n", prop);
	conf = load(text, err, sizeof err);
	if (!conf)
		fail_msg("%s", err);
	assert_int_equal(rc_column_map_init(&cm, conf, err, sizeof err), 0);
	assert_int_equal(cm.nrules, 1);
	assert_int_equal(rc_column_map_hash(&cm.rules[0], value, len, hex, sizeof hex), (int)strlen(want));
	assert_string_equal(hex, want);
	rc_column_map_free(&cm);
	rc_conf_free(conf);
}

static void test_hash_vectors(void **state)
{
	/* "héllo😀" and a NUL: 2-, 4- and modified-UTF-8 0 bytes */
	static const char uni[] = "h\xc3\xa9llo\xf0\x9f\x98\x80";
	char *big;
	(void)state;

	hash_is("column.mask.hash.v2.SHA-256.with.salt.salt", "hello", 5,
	        "cd31b3b98ece60cb739c0bf770b2de892ae0ad133f645513c3d83f08757a843a");
	hash_is("column.mask.hash.v2.MD5.with.salt.salt", "hello", 5, "06decc8b095724f80103712c235586be");
	hash_is("column.mask.hash.SHA-256.with.salt.salt", "hello", 5,
	        "af5843a0f0e728ab0332c8888b6e1190bfb79e584f0d40538de8f10df6ef29c6");
	hash_is("column.mask.hash.MD5.with.salt.salt", "hello", 5, "46f48a7a5ea32efba87cbff49d46d35a");
	hash_is("column.mask.hash.sha-256.with.salt.salt", "hello", 5, /* Java ignores the case */
	        "af5843a0f0e728ab0332c8888b6e1190bfb79e584f0d40538de8f10df6ef29c6");
	hash_is("column.mask.hash.v2.SHA-256.with.salt.salt", uni, sizeof uni, /* the NUL included */
	        "91f3d30a58f404d66de097119d9660fb9817f9694362b3e6d8a2141ccb2414f9");
	hash_is("column.mask.hash.SHA-256.with.salt.salt", uni, sizeof uni,
	        "c23620e65883a93f0e09c8ccb90a7d3791dfe81e26f36654eb99e4631640413e");
	hash_is("column.mask.hash.v2.SHA-512.with.salt.pepper.x", "Zo\xc3\xab", 4,
	        "c503381f429ecab3bdd68d9069c4906d1c1ffebd7ee88ef24b6f4adb0219c0ef"
	        "5ba958758f9aa43cca8de9f820ea895ee2e12c261fbffb6c0879fa3bb30c0fa3");
	hash_is("column.mask.hash.v2.SHA3-256.with.salt.k", "alice@example.com", 17,
	        "1bdba80b2a1b65ec7413b93b0fbf44e0e5cc46ff675c79e3d5abcd6fff9495c3");
	/* 40000 × "é": 80000 bytes of modified UTF-8, past 65535: TC_LONGSTRING */
	big = malloc(80001);
	assert_non_null(big);
	for (int i = 0; i < 40000; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	hash_is("column.mask.hash.SHA-1.with.salt.s", big, 80000, "b191c1b6ecf19b86fbf781b7d387ebfe6e15c8fb");
	free(big);
}

static void test_utf16_prefix(void **state)
{
	(void)state;
	assert_int_equal(rc_column_map_utf16_prefix("abcdef", 6, 4), 4);
	assert_int_equal(rc_column_map_utf16_prefix("abc", 3, 4), 3);
	assert_int_equal(rc_column_map_utf16_prefix("\xc3\xa9t\xc3\xa9", 5, 2), 3);
	/* 😀 is two UTF-16 units: "a😀" has 3; cut at 2 leaves "a" (the pair is not split) */
	assert_int_equal(rc_column_map_utf16_prefix("a\xf0\x9f\x98\x80", 5, 2), 1);
	assert_int_equal(rc_column_map_utf16_prefix("a\xf0\x9f\x98\x80", 5, 3), 5);
	assert_int_equal(rc_column_map_utf16_prefix("abc", 3, 0), 0);
}

/* users(id int key, email text, ssn varchar(10) key, age int, bio text, note text, pic bytea) */
static rc_table_t *users(void)
{
	static const struct {
		const char *name;
		rc_type_t type;
		bool key;
		int32_t char_length;
		uint32_t oid;
	} def[] = {
	    {"id", RC_T_INT32, true, 0, 23},      {"email", RC_T_STRING, false, 0, 25},
	    {"ssn", RC_T_STRING, true, 10, 1043}, {"age", RC_T_INT32, false, 0, 23},
	    {"bio", RC_T_STRING, false, 0, 25},   {"note", RC_T_STRING, false, 0, 25},
	    {"pic", RC_T_BYTES, false, 0, 17},
	};
	rc_table_t *t = rc_table_new("public", "users", "shop.public.users", 7);

	assert_non_null(t);
	for (size_t i = 0; i < 7; i++) {
		rc_column_t *c = &t->cols[i];
		assert_int_equal(rc_column_set_names(c, def[i].name, "text"), 0);
		c->type = def[i].type;
		c->key = def[i].key;
		c->optional = !def[i].key;
		c->char_length = def[i].char_length;
		c->source_oid = def[i].oid;
	}
	assert_int_equal(rc_column_set_default_bytes(&t->cols[1], "nobody@example.com", 18), 0);
	rc_table_count_keys(t);
	return t;
}

static rc_value_t str(const char *s)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.bytes.ptr = s;
	v.u.bytes.len = strlen(s);
	return v;
}

static rc_value_t num(int64_t i)
{
	rc_value_t v = {.state = RC_V_SET};
	v.u.i = i;
	return v;
}

static void value_is(const rc_value_t *v, const char *want)
{
	assert_int_equal(v->state, RC_V_SET);
	assert_int_equal(v->u.bytes.len, strlen(want));
	assert_memory_equal(v->u.bytes.ptr, want, strlen(want));
}

static void test_apply(void **state)
{
	char err[2048], *json = NULL;
	rc_column_map_t cm;
	rc_table_t *t = users();
	rc_value_t before[7], after[7];
	rc_event_t ev = {.op = RC_OP_UPDATE, .table = t, .before = before, .after = after}, out;
	const rc_table_t *pub;
	rc_avro_opts_t opts = {"shop", "postgresql", false, false};
	rc_conf_t *conf = load("column.mask.with.3.chars = public\\.users\\.(email|age)\n"
	                       "column.mask.hash.v2.SHA-256.with.salt.salt = public\\.users\\.ssn\n"
	                       "column.truncate.to.2.chars = public\\.users\\.(bio|pic|email)\n"
	                       "column.exclude.list = public\\.users\\.note\n",
	                       err, sizeof err);
	(void)state;
	if (!conf)
		fail_msg("%s", err);
	assert_int_equal(rc_column_map_init(&cm, conf, err, sizeof err), 0);
	before[0] = after[0] = num(7);
	before[1] = (rc_value_t){.state = RC_V_NULL};
	after[1] = str("ann@example.com");
	before[2] = after[2] = str("hello");
	before[3] = after[3] = num(41);
	before[4] = str("b\xc3\xa9x");
	after[4] = (rc_value_t){.state = RC_V_NULL};
	before[5] = after[5] = str("private");
	before[6] = after[6] = str("\x01\x02\x03\x04");

	assert_int_equal(rc_column_map_apply(&cm, &ev, &out, err, sizeof err), RC_OK);
	pub = out.table;
	assert_ptr_not_equal(pub, t);
	assert_non_null(t->plan);
	assert_int_equal(pub->ncols, 6); /* note is gone */
	assert_string_equal(pub->cols[5].name, "pic");
	assert_int_equal(pub->nkey, 2);
	assert_string_equal(pub->topic, "shop.public.users");
	/* email: named by a truncate and a mask rule: the truncate comes first in Debezium's order */
	assert_true(pub->cols[1].truncated);
	assert_false(pub->cols[1].masked);
	value_is(&out.after[1], "an");
	assert_int_equal(out.before[1].state, RC_V_NULL);
	assert_string_equal(pub->cols[1].dflt.bytes, "nobody@example.com"); /* a deep copy */
	assert_ptr_not_equal(pub->cols[1].dflt.bytes, t->cols[1].dflt.bytes);
	/* ssn: v2 hash cut to varchar(10) */
	assert_true(pub->cols[2].masked);
	value_is(&out.after[2], "cd31b3b98e");
	value_is(&out.before[2], "cd31b3b98e");
	/* the key stays clear, as Debezium's key has no column mappers */
	assert_non_null(out.key_image);
	value_is(&out.key_image[2], "hello");
	assert_int_equal(out.key_image[0].u.i, 7);
	/* age: not a character column: marked masked, value kept */
	assert_true(pub->cols[3].masked);
	assert_int_equal(out.after[3].u.i, 41);
	/* bio: truncated to 2 UTF-16 units; NULL stays NULL */
	value_is(&out.before[4], "b\xc3\xa9");
	assert_int_equal(out.after[4].state, RC_V_NULL);
	/* pic: bytes cut to 2 */
	assert_int_equal(out.after[5].u.bytes.len, 2);
	/* the source's event is untouched */
	assert_int_equal(after[1].u.bytes.len, 15);

	/* the schema: parameters in the value, none in the key */
	assert_int_equal(rc_avro_value_schema(pub, &opts, &json, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"connect.parameters\": {\"masked\": \"true\"}")
	                    ?: strstr(json, "\"connect.parameters\":{\"masked\":\"true\"}"));
	assert_non_null(strstr(json, "truncateLength"));
	assert_null(strstr(json, "\"note\""));
	free(json);
	json = NULL;
	assert_int_equal(rc_avro_key_schema(pub, &opts, &json, err, sizeof err), 0);
	assert_null(strstr(json, "masked"));
	free(json);

	/* NULL masked too (MaskingValueConverter ignores the value) */
	after[1] = (rc_value_t){.state = RC_V_NULL};
	rc_conf_free(conf);
	rc_column_map_free(&cm);
	conf = load("column.mask.with.4.chars = public\\.users\\.email\n", err, sizeof err);
	assert_non_null(conf);
	assert_int_equal(rc_column_map_init(&cm, conf, err, sizeof err), 0);
	rc_table_release(t);
	t = users();
	ev.table = t;
	assert_int_equal(rc_column_map_apply(&cm, &ev, &out, err, sizeof err), RC_OK);
	value_is(&out.after[1], "****");
	assert_int_equal(out.table->ncols, 7);
	assert_null(out.key_image); /* no key column masked */
	/* an unchanged TOAST value: Debezium maps the placeholder that stands for it */
	after[1] = (rc_value_t){.state = RC_V_UNCHANGED};
	assert_int_equal(rc_column_map_apply(&cm, &ev, &out, err, sizeof err), RC_OK);
	value_is(&out.after[1], "****");
	rc_table_release(t);
	rc_column_map_free(&cm);
	rc_conf_free(conf);
}

/* Debezium builds the key from every key column and the value from the kept ones: an excluded key
 * column stays in the key only. */
static void test_excluded_key_column(void **state)
{
	char err[2048], *json = NULL;
	rc_column_map_t cm;
	rc_table_t *t = users();
	rc_value_t after[7];
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t, .after = after}, out;
	rc_avro_opts_t opts = {"shop", "postgresql", false, false};
	rc_conf_t *conf = load("column.exclude.list = public\\.users\\.(ssn|note)\n", err, sizeof err);
	(void)state;

	assert_non_null(conf);
	assert_int_equal(rc_column_map_init(&cm, conf, err, sizeof err), 0);
	for (int i = 0; i < 7; i++)
		after[i] = str("v");
	after[0] = after[3] = num(1);
	assert_int_equal(rc_column_map_apply(&cm, &ev, &out, err, sizeof err), RC_OK);
	assert_int_equal(out.table->ncols, 6); /* note gone, ssn kept for the key */
	assert_true(out.table->cols[2].key_only);
	assert_int_equal(out.table->nkey, 2);
	assert_int_equal(rc_avro_value_schema(out.table, &opts, &json, err, sizeof err), 0);
	assert_null(strstr(json, "\"ssn\""));
	assert_non_null(strstr(json, "\"email\""));
	free(json);
	assert_int_equal(rc_avro_key_schema(out.table, &opts, &json, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"ssn\""));
	free(json);
	rc_table_release(t);
	rc_column_map_free(&cm);
	rc_conf_free(conf);
}

static void test_untouched_table(void **state)
{
	char err[2048];
	rc_column_map_t cm;
	rc_table_t *t = users();
	rc_value_t after[7] = {0};
	rc_event_t ev = {.op = RC_OP_CREATE, .table = t, .after = after}, out;
	rc_conf_t *conf = load("column.mask.with.3.chars = other\\.t\\.c\n", err, sizeof err);
	(void)state;

	assert_non_null(conf);
	assert_int_equal(rc_column_map_init(&cm, conf, err, sizeof err), 0);
	assert_int_equal(rc_column_map_apply(&cm, &ev, &out, err, sizeof err), RC_OK);
	assert_ptr_equal(out.table, t); /* nothing to do: the event passes as it is */
	assert_ptr_equal(out.after, after);
	rc_table_release(t);
	rc_column_map_free(&cm);
	rc_conf_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_properties),      cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_hash_vectors),    cmocka_unit_test(test_utf16_prefix),
	    cmocka_unit_test(test_apply),           cmocka_unit_test(test_excluded_key_column),
	    cmocka_unit_test(test_untouched_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
