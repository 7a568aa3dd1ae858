/* Collation ids to character sets, and text in them to UTF-8 (mysql_charset.h). */
#include "config.h"

#include "decoders/mysql/mysql_charset.h"

#include "agent/errors.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <string.h>

typedef struct {
	const char *name;  /* the server's name */
	const char *iconv; /* iconv's name, NULL when converted here or not at all */
} charset_info_t;

static const charset_info_t charsets[RC_MY_CS_COUNT] = {
    [RC_MY_CS_UNKNOWN] = {"unknown", NULL},
    [RC_MY_CS_BINARY] = {"binary", NULL},
    [RC_MY_CS_ASCII] = {"ascii", NULL},
    [RC_MY_CS_LATIN1] = {"latin1", NULL},
    [RC_MY_CS_UTF8MB3] = {"utf8mb3", NULL},
    [RC_MY_CS_UTF8MB4] = {"utf8mb4", NULL},
    [RC_MY_CS_UCS2] = {"ucs2", NULL},
    [RC_MY_CS_UTF16] = {"utf16", NULL},
    [RC_MY_CS_UTF16LE] = {"utf16le", NULL},
    [RC_MY_CS_UTF32] = {"utf32", NULL},
    [RC_MY_CS_BIG5] = {"big5", "BIG5"},
    [RC_MY_CS_LATIN2] = {"latin2", NULL},
    [RC_MY_CS_DEC8] = {"dec8", NULL},
    [RC_MY_CS_CP850] = {"cp850", NULL},
    [RC_MY_CS_HP8] = {"hp8", NULL},
    [RC_MY_CS_KOI8R] = {"koi8r", NULL},
    [RC_MY_CS_SWE7] = {"swe7", NULL},
    [RC_MY_CS_UJIS] = {"ujis", "EUC-JP"},
    [RC_MY_CS_SJIS] = {"sjis", "SHIFT_JIS"},
    [RC_MY_CS_CP1251] = {"cp1251", NULL},
    [RC_MY_CS_HEBREW] = {"hebrew", NULL},
    [RC_MY_CS_TIS620] = {"tis620", NULL},
    [RC_MY_CS_EUCKR] = {"euckr", "EUC-KR"},
    [RC_MY_CS_LATIN7] = {"latin7", NULL},
    [RC_MY_CS_KOI8U] = {"koi8u", NULL},
    [RC_MY_CS_GB2312] = {"gb2312", "GB2312"},
    [RC_MY_CS_GREEK] = {"greek", NULL},
    [RC_MY_CS_CP1250] = {"cp1250", NULL},
    [RC_MY_CS_GBK] = {"gbk", "GBK"},
    [RC_MY_CS_CP1257] = {"cp1257", NULL},
    [RC_MY_CS_LATIN5] = {"latin5", NULL},
    [RC_MY_CS_ARMSCII8] = {"armscii8", NULL},
    [RC_MY_CS_CP866] = {"cp866", NULL},
    [RC_MY_CS_KEYBCS2] = {"keybcs2", NULL},
    [RC_MY_CS_MACCE] = {"macce", NULL},
    [RC_MY_CS_MACROMAN] = {"macroman", NULL},
    [RC_MY_CS_CP852] = {"cp852", NULL},
    [RC_MY_CS_CP1256] = {"cp1256", NULL},
    [RC_MY_CS_GEOSTD8] = {"geostd8", NULL},
    [RC_MY_CS_CP932] = {"cp932", "CP932"},
    [RC_MY_CS_EUCJPMS] = {"eucjpms", "EUC-JP-MS"},
    [RC_MY_CS_GB18030] = {"gb18030", "GB18030"},
};

#include "decoders/mysql/mysql_collations.inc"

rc_mysql_charset_t rc_mysql_charset_of(uint32_t collation)
{
	size_t lo = 0, hi = sizeof collation_ranges / sizeof collation_ranges[0];

	/* MariaDB's NO PAD collations are 1024 + the id of their PAD SPACE twin, whose charset they
	 * share (utf8mb4_general_nopad_ci 1069 = 1024 + 45); the table holds 0..1023 and 2048.. */
	if (collation >= 1024 && collation < 2048)
		collation -= 1024;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (collation < collation_ranges[mid].first)
			hi = mid;
		else if (collation > collation_ranges[mid].last)
			lo = mid + 1;
		else
			return (rc_mysql_charset_t)collation_ranges[mid].cs;
	}
	return RC_MY_CS_UNKNOWN;
}

const char *rc_mysql_charset_name(rc_mysql_charset_t cs)
{
	return (unsigned)cs < RC_MY_CS_COUNT ? charsets[cs].name : "unknown";
}

#include "decoders/mysql/mysql_sbcs.inc"

/* The single-byte charsets' tables. latin1 is Windows-1252 with the five bytes Windows leaves
 * undefined (0x81 0x8D 0x8F 0x90 0x9D) mapped to the C1 controls of the same value, as MySQL's
 * ctype-latin1.c has it: every latin1 byte is text. */
static const uint16_t *const sbcs[RC_MY_CS_COUNT] = {
    [RC_MY_CS_ASCII] = sbcs_ascii,     [RC_MY_CS_LATIN1] = sbcs_latin1,
    [RC_MY_CS_LATIN2] = sbcs_latin2,   [RC_MY_CS_DEC8] = sbcs_dec8,
    [RC_MY_CS_CP850] = sbcs_cp850,     [RC_MY_CS_HP8] = sbcs_hp8,
    [RC_MY_CS_KOI8R] = sbcs_koi8r,     [RC_MY_CS_SWE7] = sbcs_swe7,
    [RC_MY_CS_CP1251] = sbcs_cp1251,   [RC_MY_CS_HEBREW] = sbcs_hebrew,
    [RC_MY_CS_TIS620] = sbcs_tis620,   [RC_MY_CS_LATIN7] = sbcs_latin7,
    [RC_MY_CS_KOI8U] = sbcs_koi8u,     [RC_MY_CS_GREEK] = sbcs_greek,
    [RC_MY_CS_CP1250] = sbcs_cp1250,   [RC_MY_CS_CP1257] = sbcs_cp1257,
    [RC_MY_CS_LATIN5] = sbcs_latin5,   [RC_MY_CS_ARMSCII8] = sbcs_armscii8,
    [RC_MY_CS_CP866] = sbcs_cp866,     [RC_MY_CS_KEYBCS2] = sbcs_keybcs2,
    [RC_MY_CS_MACCE] = sbcs_macce,     [RC_MY_CS_MACROMAN] = sbcs_macroman,
    [RC_MY_CS_CP852] = sbcs_cp852,     [RC_MY_CS_CP1256] = sbcs_cp1256,
    [RC_MY_CS_GEOSTD8] = sbcs_geostd8,
};

static size_t put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF; max_len 3 for utf8mb3). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t max_len)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > max_len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* Fixed-width big- or little-endian code units: ucs2 (2, BMP only), utf16/utf16le (2, pairs), utf32
 * (4). Writes at most 2 output bytes per input byte: a 2-byte unit gives at most 3 bytes of UTF-8 (4
 * for a 4-byte pair), a 4-byte unit at most 4. */
static int wide_to_utf8(rc_mysql_charset_t cs, const unsigned char *s, size_t len, char *o, size_t *olen,
                        size_t *bad_at)
{
	size_t unit = cs == RC_MY_CS_UTF32 ? 4 : 2, i = 0, n = 0;
	bool le = cs == RC_MY_CS_UTF16LE;

	while (i < len) {
		uint32_t c;
		size_t used = unit;

		if (len - i < unit) {
			*bad_at = i;
			return RC_MY_CS_INVALID;
		}
		if (unit == 4)
			c = (uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 | (uint32_t)s[i + 2] << 8 |
			    s[i + 3];
		else
			c = le ? (uint32_t)s[i + 1] << 8 | s[i] : (uint32_t)s[i] << 8 | s[i + 1];
		if (c >= 0xD800 && c <= 0xDBFF && (cs == RC_MY_CS_UTF16 || cs == RC_MY_CS_UTF16LE)) {
			uint32_t lo;
			if (len - i < 4) {
				*bad_at = i;
				return RC_MY_CS_INVALID;
			}
			lo = le ? (uint32_t)s[i + 3] << 8 | s[i + 2] : (uint32_t)s[i + 2] << 8 | s[i + 3];
			if (lo < 0xDC00 || lo > 0xDFFF) {
				*bad_at = i;
				return RC_MY_CS_INVALID;
			}
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			used = 4;
		} else if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) {
			*bad_at = i;
			return RC_MY_CS_INVALID;
		}
		n += put_utf8(o + n, c);
		i += used;
	}
	*olen = n;
	return 0;
}

/* Length of the run of bytes at s[0..n) that iconv converts in one call: for SJIS, everything up to
 * the next byte below 0x80 that is a character of its own (not the trail byte of a pair), which the
 * caller copies as ASCII; for the other charsets all of it. */
static size_t iconv_run(bool sjis, const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (!sjis)
		return n;
	while (i < n && s[i] >= 0x80) {
		bool lead = (s[i] >= 0x81 && s[i] <= 0x9F) || (s[i] >= 0xE0 && s[i] <= 0xFC);
		i += lead && i + 1 < n ? 2 : 1;
	}
	return i;
}

/*
 * Multi-byte charsets through iconv. MySQL's sjis reads bytes 0x5C and 0x7E as ASCII backslash and tilde;
 * glibc's SHIFT_JIS reads them as U+00A5 and U+203E (JIS X 0201 Roman), which would silently turn
 * every backslash into a yen sign: single bytes below 0x80 are copied as ASCII and only the runs of
 * other bytes go through iconv.
 */
static int via_iconv(rc_mysql_charset_t cs, const unsigned char *s, size_t len, rc_arena_t *arena,
                     const char **out, size_t *outlen, size_t *bad_at)
{
	/* 4 bytes of UTF-8 per input byte is enough for every charset listed (the widest maps one byte
	 * to one BMP character, 3 bytes; GB18030's 4-byte sequences give 4). */
	size_t room = len * 4 + 1, out_left = room - 1, i = 0;
	char *o = rc_arena_alloc(arena, room), *op = o;
	bool sjis = cs == RC_MY_CS_SJIS;
	iconv_t cd;
	int rc = 0;

	*bad_at = SIZE_MAX;
	if (!o)
		return RC_ERR_FATAL;
	cd = iconv_open("UTF-8", charsets[cs].iconv);
	if (cd == (iconv_t)-1)
		return RC_ERR_FATAL;
	while (i < len && rc == 0) {
		size_t run, in_left, r;
		char *in;

		if (sjis && s[i] < 0x80) {
			*op++ = (char)s[i++];
			out_left--;
			continue;
		}
		run = iconv_run(sjis, s + i, len - i);
		in = (char *)(s + i);
		in_left = run;
		r = iconv(cd, &in, &in_left, &op, &out_left);
		if (r == (size_t)-1) {
			*bad_at = (size_t)((const unsigned char *)in - s);
			rc = errno == E2BIG ? RC_ERR_FATAL : RC_MY_CS_INVALID;
		} else if (r > 0) {
			/* iconv substitutes nothing by default, but r counts irreversible conversions,
			 * and a reversible one is what a copy needs */
			*bad_at = i;
			rc = RC_MY_CS_INVALID;
		}
		i += run;
	}
	iconv_close(cd);
	if (rc != 0)
		return rc;
	*op = '\0';
	*out = o;
	*outlen = (size_t)(op - o);
	return 0;
}

int rc_mysql_charset_to_utf8(rc_mysql_charset_t cs, const void *p, size_t len, rc_arena_t *arena,
                             const char **out, size_t *outlen, size_t *bad_at)
{
	const unsigned char *s = p;
	char *o;
	size_t n = 0;

	*bad_at = SIZE_MAX;
	if ((unsigned)cs < RC_MY_CS_COUNT && sbcs[cs]) {
		const uint16_t *t = sbcs[cs];
		o = rc_arena_alloc(arena, len * 3 + 1); /* every table entry is in the BMP */
		if (!o)
			return RC_ERR_FATAL;
		for (size_t i = 0; i < len; i++) {
			if (t[s[i]] == 0xFFFF) {
				*bad_at = i;
				return RC_MY_CS_INVALID;
			}
			n += put_utf8(o + n, t[s[i]]);
		}
		o[n] = '\0';
		*out = o;
		*outlen = n;
		return 0;
	}
	switch (cs) {
	case RC_MY_CS_BINARY:
	case RC_MY_CS_UTF8MB3:
	case RC_MY_CS_UTF8MB4:
		for (size_t i = 0; i < len;) {
			size_t k = cs == RC_MY_CS_BINARY
			               ? 1
			               : utf8_seq(s + i, len - i, cs == RC_MY_CS_UTF8MB3 ? 3 : 4);
			if (k == 0) {
				*bad_at = i;
				return RC_MY_CS_INVALID;
			}
			i += k;
		}
		o = rc_arena_alloc(arena, len + 1);
		if (!o)
			return RC_ERR_FATAL;
		if (len)
			memcpy(o, s, len);
		n = len;
		break;
	case RC_MY_CS_UCS2:
	case RC_MY_CS_UTF16:
	case RC_MY_CS_UTF16LE:
	case RC_MY_CS_UTF32: {
		int rc;
		o = rc_arena_alloc(arena, len * 2 + 1);
		if (!o)
			return RC_ERR_FATAL;
		rc = wide_to_utf8(cs, s, len, o, &n, bad_at);
		if (rc)
			return rc;
		break;
	}
	default:
		if ((unsigned)cs >= RC_MY_CS_COUNT || !charsets[cs].iconv)
			return RC_ERR_FATAL;
		return via_iconv(cs, s, len, arena, out, outlen, bad_at);
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
}

int rc_mysql_label_utf8(uint32_t collation, const char *label, rc_arena_t *arena, const char **out,
                        size_t *outlen, size_t *bad_at)
{
	rc_mysql_charset_t cs = rc_mysql_charset_of(collation);

	if (cs == RC_MY_CS_UNKNOWN || cs == RC_MY_CS_BINARY)
		cs = RC_MY_CS_UTF8MB4;
	return rc_mysql_charset_to_utf8(cs, label, strlen(label), arena, out, outlen, bad_at);
}
