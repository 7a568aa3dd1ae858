/*
 * What binlog_json.c (the reader and printer) and binlog_json_diff.c (partial updates) share. Not for
 * other modules: they see binlog_json.h.
 */
#ifndef RC_BINLOG_JSON_INTERNAL_H
#define RC_BINLOG_JSON_INTERNAL_H

#include "agent/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Type bytes (json_binary.h). */
enum {
	JT_SMALL_OBJECT = 0x00,
	JT_LARGE_OBJECT = 0x01,
	JT_SMALL_ARRAY = 0x02,
	JT_LARGE_ARRAY = 0x03,
	JT_LITERAL = 0x04,
	JT_INT16 = 0x05,
	JT_UINT16 = 0x06,
	JT_INT32 = 0x07,
	JT_UINT32 = 0x08,
	JT_INT64 = 0x09,
	JT_UINT64 = 0x0a,
	JT_DOUBLE = 0x0b,
	JT_STRING = 0x0c,
	JT_OPAQUE = 0x0f,
};

/* Where errors are reported: offsets are counted from base, the start of the value being read. */
typedef struct jctx {
	const uint8_t *base;
	const char *what; /* "JSON value", "JSON diff 2 value" */
	char *err;
	size_t errlen;
	/* values still allowed: every value of a well-formed document has bytes of its own (an entry of 3
	 * bytes at least), so there are fewer values than bytes. Entries pointing at shared bytes could
	 * otherwise make a short input print (or build) exponentially much. */
	size_t values_left;
} jctx_t;

/* Writes "<what> at byte N: " and the message into c's error buffer; returns RC_ERR_FATAL. */
int rc_json_err(const jctx_t *c, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A JSON string's bytes (s, n) quoted and escaped as MySQL prints them. */
void rc_json_put_quoted(rc_buf_t *out, const uint8_t *s, size_t n);

/* A scalar value of type t (p, n bytes) as text. */
int rc_json_put_scalar(const jctx_t *c, uint8_t t, const uint8_t *p, size_t n, rc_buf_t *out);

/* An object or array (json_binary.cc's layout; offsets from the container's first byte). */
typedef struct cview {
	const uint8_t *p;
	uint32_t count, size;
	uint8_t osz; /* 2 or 4 */
	bool obj;
} cview_t;

int rc_json_cview_open(const jctx_t *c, uint8_t t, const uint8_t *p, size_t n, cview_t *cv);
int rc_json_cview_key(const jctx_t *c, const cview_t *cv, uint32_t i, const uint8_t **k, size_t *klen);
int rc_json_cview_value(const jctx_t *c, const cview_t *cv, uint32_t i, uint8_t *t, const uint8_t **vp,
                        size_t *vn);

/* True for the object and array types. */
bool rc_json_is_container(uint8_t t);

/* Counts one more value against c's budget (values_left); RC_ERR_FATAL past it. */
int rc_json_count_value(jctx_t *c, const uint8_t *p);

#endif
