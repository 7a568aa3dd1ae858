/*
 * A bounded reader over a byte buffer, for every wire format rowcast parses: PostgreSQL's replication
 * messages (big-endian) and MySQL's packets and binlog events (little-endian, length-encoded integers,
 * big-endian inside some column images).
 *
 * Every read checks the bytes left before it touches one, and is all-or-nothing, as librdkafka's
 * rd_slice_read: a read that cannot complete leaves the position and its outputs as they were. The
 * first failure is sticky: the reader remembers what failed and where, and every later read fails at
 * once, so a parser may chain reads and look at the outcome once. rc_reader_describe() puts the
 * failure into words ("truncated at offset 13: need 4 bytes, 2 left") for the parser's own message.
 *
 * MySQL length-encoded integers (protocol "int<lenenc>"), by first byte:
 *   0x00..0xfa  the value itself
 *   0xfb        NULL (in a text result row); an error where NULL is not allowed
 *   0xfc        Int2 follows (little-endian)
 *   0xfd        Int3 follows
 *   0xfe        Int8 follows
 *   0xff        invalid (an ERR packet's first byte, never a length)
 */
#ifndef RC_READER_H
#define RC_READER_H

#include "agent/errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rc_reader_status {
	RC_READER_OK = 0,
	RC_READER_SHORT,        /* fewer bytes left than the read needs */
	RC_READER_UNTERMINATED, /* a NUL-terminated string without its NUL */
	RC_READER_BAD_LENENC,   /* a length-encoded integer starting with 0xff, or 0xfb where NULL is not
	                           allowed */
} rc_reader_status_t;

typedef struct rc_reader {
	const uint8_t *buf; /* borrowed: must outlive the reader and every pointer it hands out */
	size_t len;
	size_t pos;
	rc_reader_status_t status; /* the first failure, sticky */
	size_t err_at;             /* offset where the failed read started */
	size_t err_need;           /* RC_READER_SHORT: bytes it needed from err_at (saturated at SIZE_MAX) */
	uint8_t err_byte;          /* RC_READER_BAD_LENENC: the first byte */
} rc_reader_t;

/* Starts reading buf (borrowed, len bytes) at offset 0. */
void rc_reader_init(rc_reader_t *rd, const void *buf, size_t len);

static inline size_t rc_reader_remaining(const rc_reader_t *rd)
{
	return rd->len - rd->pos;
}

static inline bool rc_reader_failed(const rc_reader_t *rd)
{
	return rd->status != RC_READER_OK;
}

/*
 * Every read below returns 0 (RC_OK) and advances, or RC_ERR_FATAL with the position and the outputs
 * untouched and the failure recorded (or already recorded: the reader has failed before).
 */

/* An unsigned integer of nbytes (1..8) bytes, big- or little-endian. */
int rc_reader_be_uint(rc_reader_t *rd, int nbytes, uint64_t *v);
int rc_reader_le_uint(rc_reader_t *rd, int nbytes, uint64_t *v);

/* A two's complement integer of nbytes (1..8) bytes, sign-extended to 64 bits. */
int rc_reader_be_int(rc_reader_t *rd, int nbytes, int64_t *v);
int rc_reader_le_int(rc_reader_t *rd, int nbytes, int64_t *v);

/* The next byte, without advancing. */
int rc_reader_peek_u8(rc_reader_t *rd, uint8_t *v);

/* n bytes, borrowed from the buffer (*p is not NUL-terminated); rc_reader_skip drops them. */
int rc_reader_bytes(rc_reader_t *rd, size_t n, const uint8_t **p);
int rc_reader_skip(rc_reader_t *rd, size_t n);

/* A NUL-terminated string, borrowed (*s points into the buffer, its NUL included); *n (may be NULL)
 * gets its length without the NUL. */
int rc_reader_cstring(rc_reader_t *rd, const char **s, size_t *n);

/* A length-encoded integer. With is_null, 0xfb sets *is_null (and *v to 0); without, it is an error.
 * *is_null is false for any other value. */
int rc_reader_lenenc(rc_reader_t *rd, uint64_t *v, bool *is_null);

/* A length-encoded string: the length, then that many bytes, borrowed (*p, *n); NULL as for
 * rc_reader_lenenc (then *p is NULL and *n 0). All or nothing: a short string leaves the position
 * before its length. */
int rc_reader_lenenc_str(rc_reader_t *rd, const uint8_t **p, size_t *n, bool *is_null);

/*
 * Writes what the failure was into buf (NUL-terminated, cut to buflen): "truncated at offset 13: need
 * 4 bytes, 2 left", "string at offset 5 has no NUL terminator within the message (6 bytes left)",
 * "length-encoded integer at offset 3 starts with 0xff". "no error" when the reader has not failed.
 * Returns the length of the full text (as snprintf).
 */
int rc_reader_describe(const rc_reader_t *rd, char *buf, size_t buflen);

/* Fixed-width forms, for the formats' own field lists: rc_reader_be_u32(rd, &v) and the like, over
 * rc_reader_<order>_<sign>(rd, nbytes, &wide) with wide of type widetype. */
#define RC_READER_FIXED(name, generic, nbytes, type, widetype)                                               \
	static inline int rc_reader_##name(rc_reader_t *rd, type *v)                                         \
	{                                                                                                    \
		widetype w;                                                                                  \
		if (rc_reader_##generic(rd, nbytes, &w))                                                     \
			return RC_ERR_FATAL;                                                                 \
		*v = (type)w;                                                                                \
		return 0;                                                                                    \
	}
#define RC_READER_UINT(name, order, nbytes, type) RC_READER_FIXED(name, order##_uint, nbytes, type, uint64_t)
#define RC_READER_INT(name, order, nbytes, type) RC_READER_FIXED(name, order##_int, nbytes, type, int64_t)

RC_READER_UINT(u8, be, 1, uint8_t)
RC_READER_UINT(be_u16, be, 2, uint16_t)
RC_READER_UINT(be_u24, be, 3, uint32_t)
RC_READER_UINT(be_u32, be, 4, uint32_t)
RC_READER_UINT(be_u48, be, 6, uint64_t)
RC_READER_UINT(be_u64, be, 8, uint64_t)
RC_READER_UINT(le_u16, le, 2, uint16_t)
RC_READER_UINT(le_u24, le, 3, uint32_t)
RC_READER_UINT(le_u32, le, 4, uint32_t)
RC_READER_UINT(le_u48, le, 6, uint64_t)
RC_READER_UINT(le_u64, le, 8, uint64_t)
RC_READER_INT(i8, be, 1, int8_t)
RC_READER_INT(be_i16, be, 2, int16_t)
RC_READER_INT(be_i24, be, 3, int32_t)
RC_READER_INT(be_i32, be, 4, int32_t)
RC_READER_INT(be_i48, be, 6, int64_t)
RC_READER_INT(be_i64, be, 8, int64_t)
RC_READER_INT(le_i16, le, 2, int16_t)
RC_READER_INT(le_i24, le, 3, int32_t)
RC_READER_INT(le_i32, le, 4, int32_t)
RC_READER_INT(le_i48, le, 6, int64_t)
RC_READER_INT(le_i64, le, 8, int64_t)

#undef RC_READER_FIXED
#undef RC_READER_UINT
#undef RC_READER_INT

#endif
