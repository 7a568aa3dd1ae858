#include "config.h"

#include "decoders/mysql/mysql_ddl.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct lexer {
	const char *s;
	size_t n, i;
} lexer_t;

/* Skips blanks and comments; an executable comment's version number is skipped and its text read. */
static void skip(lexer_t *lx)
{
	for (;;) {
		while (lx->i < lx->n && isspace((unsigned char)lx->s[lx->i]))
			lx->i++;
		if (lx->i + 1 < lx->n && lx->s[lx->i] == '/' && lx->s[lx->i + 1] == '*') {
			if (lx->i + 2 < lx->n && lx->s[lx->i + 2] == '!') {
				lx->i += 3;
				while (lx->i < lx->n && isdigit((unsigned char)lx->s[lx->i]))
					lx->i++;
				continue;
			}
			const char *end = NULL;
			for (size_t j = lx->i + 2; j + 1 < lx->n; j++)
				if (lx->s[j] == '*' && lx->s[j + 1] == '/') {
					end = lx->s + j;
					break;
				}
			lx->i = end ? (size_t)(end - lx->s) + 2 : lx->n;
			continue;
		}
		if (lx->i + 1 < lx->n && lx->s[lx->i] == '*' && lx->s[lx->i + 1] == '/') {
			lx->i += 2; /* the end of an executable comment */
			continue;
		}
		if (lx->i < lx->n && lx->s[lx->i] == '#') {
			while (lx->i < lx->n && lx->s[lx->i] != '\n')
				lx->i++;
			continue;
		}
		return;
	}
}

/* True (and consumed) when the next word is kw. */
static bool word(lexer_t *lx, const char *kw)
{
	size_t k = strlen(kw);

	skip(lx);
	if (lx->n - lx->i < k || strncasecmp(lx->s + lx->i, kw, k) != 0)
		return false;
	if (lx->i + k < lx->n && (isalnum((unsigned char)lx->s[lx->i + k]) || lx->s[lx->i + k] == '_'))
		return false;
	lx->i += k;
	return true;
}

/* An identifier (bare or backquoted) into out. */
static bool ident(lexer_t *lx, char *out, size_t len)
{
	size_t o = 0;

	skip(lx);
	if (lx->i >= lx->n)
		return false;
	if (lx->s[lx->i] == '`') {
		for (lx->i++; lx->i < lx->n; lx->i++) {
			if (lx->s[lx->i] == '`') {
				if (lx->i + 1 < lx->n && lx->s[lx->i + 1] == '`')
					lx->i++;
				else
					break;
			}
			if (o + 1 < len)
				out[o++] = lx->s[lx->i];
		}
		if (lx->i < lx->n)
			lx->i++; /* the closing backquote */
	} else {
		while (lx->i < lx->n && (isalnum((unsigned char)lx->s[lx->i]) || lx->s[lx->i] == '_' ||
		                         lx->s[lx->i] == '$' || (unsigned char)lx->s[lx->i] >= 0x80)) {
			if (o + 1 < len)
				out[o++] = lx->s[lx->i];
			lx->i++;
		}
	}
	out[o] = '\0';
	return o > 0;
}

/* [db.]table into o. */
static bool table_name(lexer_t *lx, rc_mysql_ddl_object_t *o)
{
	char first[256];

	if (word(lx, "IF")) {
		word(lx, "NOT");
		word(lx, "EXISTS");
	}
	if (!ident(lx, first, sizeof first))
		return false;
	skip(lx);
	if (lx->i < lx->n && lx->s[lx->i] == '.') {
		lx->i++;
		memcpy(o->db, first, sizeof o->db);
		return ident(lx, o->table, sizeof o->table);
	}
	memcpy(o->table, first, sizeof o->table);
	return true;
}

bool rc_mysql_ddl_object(const char *ddl, size_t len, rc_mysql_ddl_object_t *o)
{
	lexer_t lx = {ddl, len, 0};
	static const char *const modifiers[] = {"OR",     "REPLACE", "TEMPORARY", "ONLINE", "OFFLINE",
	                                        "IGNORE", "UNIQUE",  "FULLTEXT",  "SPATIAL"};
	bool create, alter, drop, rename, truncate;

	memset(o, 0, sizeof *o);
	create = word(&lx, "CREATE");
	alter = !create && word(&lx, "ALTER");
	drop = !create && !alter && word(&lx, "DROP");
	rename = !create && !alter && !drop && word(&lx, "RENAME");
	truncate = !create && !alter && !drop && !rename && word(&lx, "TRUNCATE");
	if (!create && !alter && !drop && !rename && !truncate)
		return false;
	for (bool more = true; more;) {
		more = false;
		for (size_t k = 0; k < sizeof modifiers / sizeof modifiers[0]; k++)
			if (word(&lx, modifiers[k]))
				more = true;
	}
	if (truncate) {
		o->truncate = true;
		word(&lx, "TABLE");
		return table_name(&lx, o);
	}
	if (word(&lx, "TABLE"))
		return table_name(&lx, o);
	if (word(&lx, "DATABASE") || word(&lx, "SCHEMA")) {
		if (word(&lx, "IF")) {
			word(&lx, "NOT");
			word(&lx, "EXISTS");
		}
		return ident(&lx, o->db, sizeof o->db);
	}
	if (word(&lx, "INDEX") || word(&lx, "KEY")) {
		char index[256];
		if (word(&lx, "IF")) {
			word(&lx, "NOT");
			word(&lx, "EXISTS");
		}
		if (!ident(&lx, index, sizeof index) || !word(&lx, "ON"))
			return false;
		return table_name(&lx, o);
	}
	return false;
}
