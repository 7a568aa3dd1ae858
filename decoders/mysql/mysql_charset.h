/*
 * MySQL and MariaDB character sets: which one a collation id belongs to, and text in it converted to
 * UTF-8, what every STRING value rowcast emits must be.
 *
 * The binlog (TABLE_MAP optional metadata) and the snapshot (information_schema.COLUMNS) name a text
 * column's collation by id; the ids are the servers' own (information_schema.COLLATIONS.ID), and the
 * table in mysql_charset.c holds MySQL 5.7/8.0/9.x's and MariaDB 10.x/11.x's. The two servers agree
 * where both define an id: MySQL uses 1..323, MariaDB 1..250 of those plus 576..767 (its extra
 * UCA-4.0 language collations), 1024+n (the NO PAD twin of collation n) and 2048.. (UCA-14.0.0).
 *
 * Conversion: binary passes through; utf8mb3/utf8mb4 are validated; ucs2, utf16 and utf32 (big-endian,
 * as MySQL stores them) and utf16le are decoded here; every single-byte charset (ascii; latin1, which
 * MySQL defines as Windows-1252 with the five holes 0x81 0x8D 0x8F 0x90 0x9D mapped to U+0081..;
 * latin2, cp1251, koi8r, greek, swe7...) through the server's own byte-to-Unicode tables
 * (mysql_sbcs.inc, generated from MariaDB); the multi-byte Asian charsets (big5, sjis, cp932, ujis,
 * eucjpms, euckr, gb2312, gbk, gb18030) through glibc's iconv, whose tables may differ from the
 * server's in corner cases. Invalid bytes, and bytes the server itself has no Unicode character for,
 * are an error, never replaced: a value silently changed would be a corrupt copy.
 */
#ifndef RC_MYSQL_CHARSET_H
#define RC_MYSQL_CHARSET_H

#include "agent/arena.h"

#include <stddef.h>
#include <stdint.h>

typedef enum rc_mysql_charset {
	RC_MY_CS_UNKNOWN = 0,
	RC_MY_CS_BINARY,
	RC_MY_CS_ASCII,
	RC_MY_CS_LATIN1,
	RC_MY_CS_UTF8MB3,
	RC_MY_CS_UTF8MB4,
	RC_MY_CS_UCS2,
	RC_MY_CS_UTF16,
	RC_MY_CS_UTF16LE,
	RC_MY_CS_UTF32,
	/* converted through iconv */
	RC_MY_CS_BIG5,
	RC_MY_CS_LATIN2,
	RC_MY_CS_DEC8,
	RC_MY_CS_CP850,
	RC_MY_CS_HP8,
	RC_MY_CS_KOI8R,
	RC_MY_CS_SWE7,
	RC_MY_CS_UJIS,
	RC_MY_CS_SJIS,
	RC_MY_CS_CP1251,
	RC_MY_CS_HEBREW,
	RC_MY_CS_TIS620,
	RC_MY_CS_EUCKR,
	RC_MY_CS_LATIN7,
	RC_MY_CS_KOI8U,
	RC_MY_CS_GB2312,
	RC_MY_CS_GREEK,
	RC_MY_CS_CP1250,
	RC_MY_CS_GBK,
	RC_MY_CS_CP1257,
	RC_MY_CS_LATIN5,
	RC_MY_CS_ARMSCII8,
	RC_MY_CS_CP866,
	RC_MY_CS_KEYBCS2,
	RC_MY_CS_MACCE,
	RC_MY_CS_MACROMAN,
	RC_MY_CS_CP852,
	RC_MY_CS_CP1256,
	RC_MY_CS_GEOSTD8,
	RC_MY_CS_CP932,
	RC_MY_CS_EUCJPMS,
	RC_MY_CS_GB18030,
	RC_MY_CS_COUNT
} rc_mysql_charset_t;

/* The character set of a collation id, RC_MY_CS_UNKNOWN for an id neither server defines (0 too). */
rc_mysql_charset_t rc_mysql_charset_of(uint32_t collation);

/* The server's name of a charset ("latin1", "utf8mb4"), "unknown" for RC_MY_CS_UNKNOWN. */
const char *rc_mysql_charset_name(rc_mysql_charset_t cs);

/* Returned by rc_mysql_charset_to_utf8 for bytes that are not text in the charset. */
#define RC_MY_CS_INVALID 1

/*
 * Converts len bytes of text in cs to UTF-8 in the arena, NUL-terminated (*out, *outlen without the
 * NUL). Text already valid UTF-8 in a UTF-8 charset is still copied: the value must outlive p.
 * Returns 0; RC_MY_CS_INVALID with *bad_at the offset of the first byte that is not text in cs (a
 * UTF-8 sequence that is malformed, overlong, a surrogate, beyond U+10FFFF, or 4 bytes in utf8mb3;
 * a byte >= 0x80 in ascii; an odd length in ucs2...); RC_ERR_FATAL when out of memory or cs has no
 * converter (RC_MY_CS_UNKNOWN, a charset iconv does not know: *bad_at is then SIZE_MAX).
 */
int rc_mysql_charset_to_utf8(rc_mysql_charset_t cs, const void *p, size_t len, rc_arena_t *arena,
                             const char **out, size_t *outlen, size_t *bad_at);

/* An ENUM or SET label (NUL-terminated, as the binlog's ENUM_STR_VALUE/SET_STR_VALUE or
 * information_schema gives it) in UTF-8: converted from the column's charset, or checked as UTF-8
 * when the collation is 0 (unknown: information_schema's text is UTF-8) or binary. Returns as
 * rc_mysql_charset_to_utf8. */
int rc_mysql_label_utf8(uint32_t collation, const char *label, rc_arena_t *arena, const char **out,
                        size_t *outlen, size_t *bad_at);

#endif
