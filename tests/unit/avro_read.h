/*
 * avro-c as the independent reader of the unit tests: a Confluent-framed record decoded against the
 * schema JSON rowcast registers for it, and the lookups the checks make on what it decoded. Include
 * after cmocka.h. Every out-value is initialised before avro-c's macros may fill it: they are `?:`
 * expressions, and clang's -Wsometimes-uninitialized sees the branch that does not.
 */
#ifndef RC_TEST_AVRO_READ_H
#define RC_TEST_AVRO_READ_H

#include "agent/buf.h"
#include "agent/errors.h"
#include "sinks/avro_check.h"

#include <avro.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct decoded {
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value;
} decoded_t;

/* Checks the Confluent framing of b (magic 0, big-endian schema id), then decodes the body with
 * avro-c against schema_json (taken: freed here). The record must take every byte of the body.
 * Caller frees with decoded_free(). */
static inline void decode(decoded_t *d, char *schema_json, int32_t id, const rc_buf_t *b)
{
	char err[512];
	avro_reader_t r;
	size_t size = 0;

	assert_non_null(schema_json);
	assert_true(b->len >= 5);
	assert_int_equal(b->data[0], 0);
	assert_int_equal((uint32_t)b->data[1] << 24 | (uint32_t)b->data[2] << 16 | (uint32_t)b->data[3] << 8 |
	                     b->data[4],
	                 (uint32_t)id);
	if (rc_avro_parse_schema(schema_json, strlen(schema_json), &d->schema, err, sizeof err) != RC_OK)
		fail_msg("%s in %s", err, schema_json);
	free(schema_json);
	d->iface = avro_generic_class_from_schema(d->schema);
	assert_non_null(d->iface);
	assert_int_equal(avro_generic_value_new(d->iface, &d->value), 0);
	r = avro_reader_memory((const char *)b->data + 5, (int64_t)(b->len - 5));
	if (avro_value_read(r, &d->value) != 0)
		fail_msg("avro-c cannot read the record: %s", avro_strerror());
	avro_reader_free(r);
	assert_int_equal(avro_value_sizeof(&d->value, &size), 0);
	assert_int_equal(size, b->len - 5);
}

static inline void decoded_free(decoded_t *d)
{
	avro_value_decref(&d->value);
	avro_value_iface_decref(d->iface);
	avro_schema_decref(d->schema);
}

/* Field name of record rec (the test fails without it). */
static inline avro_value_t field(avro_value_t *rec, const char *name)
{
	avro_value_t f = {0};

	if (avro_value_get_by_name(rec, name, &f, NULL) != 0)
		fail_msg("no field %s: %s", name, avro_strerror());
	return f;
}

/* The value of union u, which must be on branch disc. */
static inline avro_value_t branch(avro_value_t *u, int disc)
{
	avro_value_t b = {0};
	int d = -1;

	assert_int_equal(avro_value_get_discriminant(u, &d), 0);
	assert_int_equal(d, disc);
	assert_int_equal(avro_value_get_current_branch(u, &b), 0);
	return b;
}

/* The number of fields (record), items (array) or entries (map) of v. */
static inline size_t size_of(avro_value_t *v)
{
	size_t n = 0;

	assert_int_equal(avro_value_get_size(v, &n), 0);
	return n;
}

/* v is a string of len bytes equal to s (avro-c counts the NUL it keeps after them). */
static inline void is_string(avro_value_t *v, const char *s, size_t len)
{
	const char *got = NULL;
	size_t n = 0;

	assert_int_equal(avro_value_get_string(v, &got, &n), 0);
	assert_int_equal(n, len + 1);
	assert_true(memcmp(got, s, len) == 0);
}

/* v is bytes equal to p[len]. */
static inline void is_bytes(avro_value_t *v, const void *p, size_t len)
{
	const void *got = NULL;
	size_t n = 0;

	assert_int_equal(avro_value_get_bytes(v, &got, &n), 0);
	assert_int_equal(n, len);
	assert_true(len == 0 || memcmp(got, p, len) == 0);
}

/* v is a long (AVRO_INT64) and its value. */
static inline int64_t long_of(avro_value_t *v)
{
	int64_t x = 0;

	assert_int_equal(avro_value_get_long(v, &x), 0);
	return x;
}

/* v is an int (AVRO_INT32) and its value. */
static inline int32_t int_of(avro_value_t *v)
{
	int32_t x = 0;

	assert_int_equal(avro_value_get_int(v, &x), 0);
	return x;
}

#endif
