/*
 * What gtid.c (MySQL GTID sets) and gtid_mariadb.c (MariaDB positions) share: error and text
 * helpers. Not for other modules: they see gtid.h.
 */
#ifndef RC_GTID_INTERNAL_H
#define RC_GTID_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* Fills err (when given) and returns RC_ERR_FATAL. */
int rc_gtid_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Blanks allowed around the commas of a set. */
bool rc_gtid_is_blank(char c);

/* c for a message: 'x' when printable, else its code (0x0a). */
const char *rc_gtid_show(char c, char buf[8]);

/* A growing string for the formatters. */
typedef struct rc_gtid_strbuf {
	char *p;
	size_t len, cap;
	bool oom;
} rc_gtid_strbuf_t;

/* Appends n bytes of s (an allocation failure is remembered: sb->oom). */
void rc_gtid_sb_put(rc_gtid_strbuf_t *sb, const char *s, size_t n);

/* Hands the NUL-terminated string to *out (caller frees), its length to *outlen (may be NULL), or
 * RC_ERR_FATAL when an append failed. */
int rc_gtid_sb_finish(rc_gtid_strbuf_t *sb, char **out, size_t *outlen, char *err, size_t errlen);

#endif
