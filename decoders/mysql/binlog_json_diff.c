/*
 * PARTIAL_UPDATE_ROWS diffs applied to a document (binlog_json.h has the format). The diffs need a
 * document they can change, so rc_json_apply_diffs builds a small tree (nodes in an arena the call
 * owns; scalars keep pointing at the input bytes) and prints it with binlog_json.c's scalar printer.
 */
#include "config.h"

#include "decoders/mysql/binlog_json.h"

#include "decoders/mysql/binlog_json_internal.h"

#include "agent/arena.h"
#include "agent/errors.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- The document tree for diffs --------------------------------------------------------------------- */

typedef struct jnode jnode_t;
struct jnode {
	uint8_t type;       /* a scalar's type byte, or JT_SMALL_OBJECT / JT_SMALL_ARRAY for any container */
	const uint8_t *raw; /* scalars: their bytes, borrowed from the input */
	size_t rawlen;
	const jctx_t *ctx; /* scalars: the value they were read from (for rc_json_put_scalar's messages) */
	uint32_t n, cap;   /* containers */
	jnode_t **kids;
	const uint8_t **keys; /* objects: borrowed from the input or the arena */
	size_t *klens;
};

typedef struct jtree {
	rc_arena_t arena; /* owns every node and array; the call that made it destroys it */
	bool oom;
} jtree_t;

static void *talloc(jtree_t *tr, size_t n, size_t size)
{
	void *p = rc_arena_calloc(&tr->arena, n ? n : 1, size);
	if (!p)
		tr->oom = true;
	return p;
}

/* Makes room for one more element (arrays in the arena grow by copying: diffs are few). */
static int node_reserve(jtree_t *tr, jnode_t *nd)
{
	if (nd->n < nd->cap)
		return 0;
	uint32_t cap = nd->cap ? nd->cap * 2 : 4;
	jnode_t **kids = talloc(tr, cap, sizeof *kids);
	const uint8_t **keys = nd->type == JT_SMALL_OBJECT ? talloc(tr, cap, sizeof *keys) : NULL;
	size_t *klens = nd->type == JT_SMALL_OBJECT ? talloc(tr, cap, sizeof *klens) : NULL;
	if (!kids || (nd->type == JT_SMALL_OBJECT && (!keys || !klens)))
		return -1;
	if (nd->n) {
		memcpy(kids, nd->kids, nd->n * sizeof *kids);
		if (keys) {
			memcpy(keys, nd->keys, nd->n * sizeof *keys);
			memcpy(klens, nd->klens, nd->n * sizeof *klens);
		}
	}
	nd->kids = kids;
	nd->keys = keys;
	nd->klens = klens;
	nd->cap = cap;
	return 0;
}

static int build(jtree_t *tr, jctx_t *c, uint8_t t, const uint8_t *p, size_t n, int depth, jnode_t **res)
{
	jnode_t *nd = talloc(tr, 1, sizeof *nd);
	cview_t cv;

	if (!nd)
		return rc_json_err(c, p, "out of memory");
	*res = nd;
	if (rc_json_count_value(c, p) != 0)
		return RC_ERR_FATAL;
	if (!rc_json_is_container(t)) {
		if (rc_json_put_scalar(c, t, p, n, NULL) != 0)
			return RC_ERR_FATAL;
		nd->type = t;
		nd->raw = p;
		nd->rawlen = n;
		nd->ctx = c;
		return 0;
	}
	if (depth + 1 > RC_JSON_MAX_DEPTH)
		return rc_json_err(c, p, "nested deeper than %d", RC_JSON_MAX_DEPTH);
	if (rc_json_cview_open(c, t, p, n, &cv) != 0)
		return RC_ERR_FATAL;
	nd->type = cv.obj ? JT_SMALL_OBJECT : JT_SMALL_ARRAY;
	nd->cap = cv.count;
	nd->n = cv.count;
	nd->kids = talloc(tr, cv.count, sizeof *nd->kids);
	if (cv.obj) {
		nd->keys = talloc(tr, cv.count, sizeof *nd->keys);
		nd->klens = talloc(tr, cv.count, sizeof *nd->klens);
	}
	if (tr->oom)
		return rc_json_err(c, p, "out of memory");
	for (uint32_t i = 0; i < cv.count; i++) {
		uint8_t et;
		const uint8_t *vp;
		size_t vn;
		if (cv.obj && rc_json_cview_key(c, &cv, i, &nd->keys[i], &nd->klens[i]) != 0)
			return RC_ERR_FATAL;
		if (rc_json_cview_value(c, &cv, i, &et, &vp, &vn) != 0 ||
		    build(tr, c, et, vp, vn, depth + 1, &nd->kids[i]) != 0)
			return RC_ERR_FATAL;
	}
	return 0;
}

static int depth_of(const jnode_t *nd)
{
	int d = 0;
	if (nd->type != JT_SMALL_OBJECT && nd->type != JT_SMALL_ARRAY)
		return 0;
	for (uint32_t i = 0; i < nd->n; i++) {
		int k = depth_of(nd->kids[i]);
		if (k > d)
			d = k;
	}
	return d + 1;
}

static int put_node(const jnode_t *nd, rc_buf_t *out)
{
	if (nd->type != JT_SMALL_OBJECT && nd->type != JT_SMALL_ARRAY)
		return rc_json_put_scalar(nd->ctx, nd->type, nd->raw, nd->rawlen, out);
	bool obj = nd->type == JT_SMALL_OBJECT;
	rc_buf_putc(out, obj ? '{' : '[');
	for (uint32_t i = 0; i < nd->n; i++) {
		if (rc_buf_failed(out))
			return RC_ERR_FATAL; /* the caller reports the failed buffer */
		if (i > 0)
			rc_buf_append(out, ", ", 2);
		if (obj) {
			rc_json_put_quoted(out, nd->keys[i], nd->klens[i]);
			rc_buf_append(out, ": ", 2);
		}
		if (put_node(nd->kids[i], out) != 0)
			return RC_ERR_FATAL;
	}
	rc_buf_putc(out, obj ? '}' : ']');
	return 0;
}

/* --- Paths ------------------------------------------------------------------------------------------ */

/* One leg of a diff's path: what Json_path::to_string writes for the member and array-cell legs a
 * diff can hold (json_diff.cc's seek_exact_path allows no others): .name or ."quoted name", [n],
 * [last], [last-n]. */
typedef struct leg {
	bool member;
	bool from_end; /* [last-n] */
	uint64_t index;
	const uint8_t *key;
	size_t klen;
} leg_t;

static bool is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int hexval(uint8_t ch)
{
	return ch >= '0' && ch <= '9'   ? ch - '0'
	       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
	                                : -1;
}

static size_t put_utf8(uint8_t *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (uint8_t)(0xc0 | cp >> 6);
		d[1] = (uint8_t)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (uint8_t)(0xe0 | cp >> 12);
		d[1] = (uint8_t)(0x80 | (cp >> 6 & 63));
		d[2] = (uint8_t)(0x80 | (cp & 63));
		return 3;
	}
	d[0] = (uint8_t)(0xf0 | cp >> 18);
	d[1] = (uint8_t)(0x80 | (cp >> 12 & 63));
	d[2] = (uint8_t)(0x80 | (cp >> 6 & 63));
	d[3] = (uint8_t)(0x80 | (cp & 63));
	return 4;
}

/* A quoted member name (after its opening '"'): JSON string escapes, decoded into the arena. */
static int parse_quoted_key(jtree_t *tr, const jctx_t *c, const uint8_t *s, size_t n, size_t *i, leg_t *lg)
{
	uint8_t *d = talloc(tr, n + 1, 1); /* the decoded name is never longer than the path */
	size_t o = 0;

	if (!d)
		return rc_json_err(c, s, "out of memory");
	while (*i < n && s[*i] != '"') {
		uint8_t ch = s[(*i)++];
		if (ch != '\\') {
			d[o++] = ch;
			continue;
		}
		if (*i >= n)
			break;
		ch = s[(*i)++];
		switch (ch) {
		case '"':
		case '\\':
		case '/':
			d[o++] = ch;
			break;
		case 'b':
			d[o++] = '\b';
			break;
		case 'f':
			d[o++] = '\f';
			break;
		case 'n':
			d[o++] = '\n';
			break;
		case 'r':
			d[o++] = '\r';
			break;
		case 't':
			d[o++] = '\t';
			break;
		case 'u': {
			uint32_t cp = 0;
			for (int k = 0; k < 4; k++) {
				int h = *i < n ? hexval(s[*i]) : -1;
				if (h < 0)
					return rc_json_err(c, s + *i, "bad \\u escape in path");
				cp = cp << 4 | (uint32_t)h;
				(*i)++;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && *i + 6 <= n && s[*i] == '\\' && s[*i + 1] == 'u') {
				uint32_t lo = 0;
				bool ok = true;
				for (int k = 0; k < 4; k++) {
					int h = hexval(s[*i + 2 + k]);
					ok &= h >= 0;
					lo = lo << 4 | (uint32_t)(h < 0 ? 0 : h);
				}
				if (ok && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					*i += 6;
				}
			}
			if (o + 4 > n) /* "\uXXXX" is 6 bytes and makes at most 3 (4 from 12 for a pair) */
				return rc_json_err(c, s + *i, "bad \\u escape in path");
			o += put_utf8(d + o, cp);
			break;
		}
		default:
			return rc_json_err(c, s + *i - 1, "bad escape \\%c in path", ch);
		}
	}
	if (*i >= n)
		return rc_json_err(c, s + *i, "quoted member name in path not closed");
	(*i)++;
	lg->key = d;
	lg->klen = o;
	return 0;
}

static int parse_path(jtree_t *tr, const jctx_t *c, const uint8_t *s, size_t n, leg_t **legs, size_t *nlegs)
{
	size_t i = 0, cnt = 0;
	leg_t *lg = talloc(tr, n / 2 + 1, sizeof *lg); /* every leg takes at least 2 characters */

	if (!lg)
		return rc_json_err(c, s, "out of memory");
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '$')
		return rc_json_err(c, s + i, "path does not start with '$'");
	i++;
	for (;;) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i >= n)
			break;
		leg_t *l = &lg[cnt];
		memset(l, 0, sizeof *l);
		if (s[i] == '.') {
			i++;
			while (i < n && is_blank(s[i]))
				i++;
			l->member = true;
			if (i < n && s[i] == '"') {
				i++;
				if (parse_quoted_key(tr, c, s, n, &i, l) != 0)
					return RC_ERR_FATAL;
			} else {
				size_t b = i;
				while (i < n && s[i] != '.' && s[i] != '[' && !is_blank(s[i]))
					i++;
				if (i == b || (i - b == 1 && s[b] == '*'))
					return rc_json_err(c, s + b,
					                   "path member name missing or a wildcard");
				l->key = s + b;
				l->klen = i - b;
			}
		} else if (s[i] == '[') {
			i++;
			while (i < n && is_blank(s[i]))
				i++;
			if (n - i >= 4 && memcmp(s + i, "last", 4) == 0) {
				l->from_end = true;
				i += 4;
				while (i < n && is_blank(s[i]))
					i++;
				if (i < n && s[i] == '-') {
					i++;
					while (i < n && is_blank(s[i]))
						i++;
				} else
					goto close;
			}
			if (i >= n || s[i] < '0' || s[i] > '9')
				return rc_json_err(
				    c, s + i,
				    "path array index is not a number (ranges and wildcards are not diff paths)");
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				if (l->index > (UINT32_MAX - 9) / 10)
					return rc_json_err(c, s + i, "path array index too large");
				l->index = l->index * 10 + (uint64_t)(s[i++] - '0');
			}
		close:
			while (i < n && is_blank(s[i]))
				i++;
			if (i >= n || s[i] != ']')
				return rc_json_err(c, s + i, "path array leg not closed with ']'");
			i++;
		} else
			return rc_json_err(c, s + i, "unexpected '%c' in path", s[i]);
		cnt++;
	}
	*legs = lg;
	*nlegs = cnt;
	return 0;
}

/* Json_array_index: [n] is n, [last-n] counts from the end (0 when before the start); within bounds
 * only when n < size. *pos is clamped to size (where an insert appends). */
static bool array_index(const leg_t *l, uint32_t size, uint32_t *pos)
{
	bool within = l->index < size;
	if (l->from_end)
		*pos = within ? size - 1 - (uint32_t)l->index : 0;
	else
		*pos = within ? (uint32_t)l->index : size;
	return within;
}

/* MySQL's key order (json_key_less): shorter first, then bytes. */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int64_t obj_find(const jnode_t *nd, const uint8_t *k, size_t klen)
{
	for (uint32_t i = 0; i < nd->n; i++)
		if (nd->klens[i] == klen && memcmp(nd->keys[i], k, klen) == 0)
			return i;
	return -1;
}

/* seek_exact_path: the node at legs[0..nlegs), or NULL. */
static jnode_t *seek(jnode_t *nd, const leg_t *legs, size_t nlegs)
{
	for (size_t i = 0; i < nlegs && nd; i++) {
		if (nd->type == JT_SMALL_ARRAY && !legs[i].member) {
			uint32_t pos;
			nd = array_index(&legs[i], nd->n, &pos) ? nd->kids[pos] : NULL;
		} else if (nd->type == JT_SMALL_OBJECT && legs[i].member) {
			int64_t k = obj_find(nd, legs[i].key, legs[i].klen);
			nd = k >= 0 ? nd->kids[k] : NULL;
		} else
			nd = NULL;
	}
	return nd;
}

enum { OP_REPLACE = 0, OP_INSERT = 1, OP_REMOVE = 2 };

/* apply_json_diffs in json_diff.cc, for one diff; returns a reason when MySQL would reject it. */
static const char *apply_one(jtree_t *tr, jnode_t *root, int op, const leg_t *legs, size_t nlegs,
                             jnode_t *val)
{
	if (nlegs == 0)
		return "path is '$' (the root is never a diff's target)";
	if (op == OP_REPLACE) {
		jnode_t *parent = seek(root, legs, nlegs - 1);
		const leg_t *l = &legs[nlegs - 1];
		if (!parent)
			return "path not found";
		if (parent->type == JT_SMALL_ARRAY && !l->member) {
			uint32_t pos;
			if (!array_index(l, parent->n, &pos))
				return "array index out of range";
			parent->kids[pos] = val;
			return NULL;
		}
		if (parent->type == JT_SMALL_OBJECT && l->member) {
			int64_t k = obj_find(parent, l->key, l->klen);
			if (k < 0)
				return "member not found";
			parent->kids[k] = val;
			return NULL;
		}
		return "path not found";
	}
	jnode_t *parent = seek(root, legs, nlegs - 1);
	const leg_t *l = &legs[nlegs - 1];
	if (!parent)
		return "parent of the path not found";
	if (op == OP_INSERT) {
		if (parent->type == JT_SMALL_OBJECT && l->member) {
			if (obj_find(parent, l->key, l->klen) >= 0)
				return "member exists already";
			if (node_reserve(tr, parent) != 0)
				return "out of memory";
			uint32_t at = 0;
			while (at < parent->n &&
			       key_cmp(parent->keys[at], parent->klens[at], l->key, l->klen) < 0)
				at++;
			memmove(parent->kids + at + 1, parent->kids + at,
			        (parent->n - at) * sizeof *parent->kids);
			memmove(parent->keys + at + 1, parent->keys + at,
			        (parent->n - at) * sizeof *parent->keys);
			memmove(parent->klens + at + 1, parent->klens + at,
			        (parent->n - at) * sizeof *parent->klens);
			parent->kids[at] = val;
			parent->keys[at] = l->key;
			parent->klens[at] = l->klen;
			parent->n++;
			return NULL;
		}
		if (parent->type == JT_SMALL_ARRAY && !l->member) {
			uint32_t pos;
			array_index(l, parent->n, &pos);
			if (node_reserve(tr, parent) != 0)
				return "out of memory";
			memmove(parent->kids + pos + 1, parent->kids + pos,
			        (parent->n - pos) * sizeof *parent->kids);
			parent->kids[pos] = val;
			parent->n++;
			return NULL;
		}
		return "parent is not an object or array matching the path's last leg";
	}
	/* OP_REMOVE */
	if (parent->type == JT_SMALL_OBJECT && l->member) {
		int64_t k = obj_find(parent, l->key, l->klen);
		if (k < 0)
			return "member not found";
		uint32_t at = (uint32_t)k, rest = parent->n - at - 1;
		memmove(parent->kids + at, parent->kids + at + 1, rest * sizeof *parent->kids);
		memmove(parent->keys + at, parent->keys + at + 1, rest * sizeof *parent->keys);
		memmove(parent->klens + at, parent->klens + at + 1, rest * sizeof *parent->klens);
		parent->n--;
		return NULL;
	}
	if (parent->type == JT_SMALL_ARRAY && !l->member) {
		uint32_t pos;
		if (!array_index(l, parent->n, &pos))
			return "array index out of range";
		memmove(parent->kids + pos, parent->kids + pos + 1,
		        (parent->n - pos - 1) * sizeof *parent->kids);
		parent->n--;
		return NULL;
	}
	return "parent is not an object or array matching the path's last leg";
}

/* Net_field_length as Json_diff_vector::read_binary reads it (net_field_length_checked): < 251 is the
 * value, 0xfc + 2 bytes, 0xfd + 3 bytes, 0xfe + 8 bytes; 0xfb and 0xff are not lengths. */
static int rd_lenenc(const jctx_t *c, const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	static const uint8_t width[4] = {0, 2, 3, 8};
	uint8_t b;

	if (*i >= n)
		return rc_json_err(c, p + *i, "length cut short");
	b = p[(*i)++];
	if (b < 251) {
		*v = b;
		return 0;
	}
	if (b == 0xfb || b == 0xff)
		return rc_json_err(c, p + *i - 1, "0x%02x is not a length", b);
	size_t w = width[b - 0xfb];
	if (n - *i < w)
		return rc_json_err(c, p + *i, "length cut short");
	*v = 0;
	for (size_t k = 0; k < w; k++)
		*v |= (uint64_t)p[*i + k] << (8 * k);
	*i += w;
	return 0;
}

int rc_json_apply_diffs(const uint8_t *before, size_t blen, const uint8_t *diff, size_t len, rc_buf_t *out,
                        char *err, size_t errlen)
{
	jctx_t bc = {before, "JSON before image", err, errlen, blen};
	jctx_t dc = {diff, "JSON diff", err, errlen, 0};
	jctx_t *vctx = NULL; /* one context per diff value, so its errors count from its own start */
	jtree_t tr = {.oom = false};
	jnode_t *root = NULL;
	size_t start = out->len, i = 0, ndiff = 0;
	int rc = RC_ERR_FATAL;
	static const uint8_t null_literal[1] = {0};

	rc_arena_init(&tr.arena, 16384);
	if (blen == 0) {
		root = talloc(&tr, 1, sizeof *root); /* MySQL reads an empty value as null */
		if (!root)
			goto oom;
		root->type = JT_LITERAL;
		root->raw = null_literal;
		root->rawlen = 1;
		root->ctx = &bc;
	} else if (build(&tr, &bc, before[0], before + 1, blen - 1, 0, &root) != 0)
		goto out;

	while (i < len) {
		size_t at = i;
		int op = diff[i++];
		uint64_t plen, vlen;
		leg_t *legs = NULL;
		size_t nlegs = 0;
		jnode_t *val = NULL;
		const char *why;
		char what[48];

		ndiff++;
		if (op > OP_REMOVE) {
			rc_json_err(&dc, diff + at, "diff %zu: unknown operation %d", ndiff, op);
			goto out;
		}
		if (rd_lenenc(&dc, diff, len, &i, &plen) != 0)
			goto out;
		if (plen > len - i) {
			rc_json_err(&dc, diff + i, "diff %zu: path of %" PRIu64 " bytes runs past the end",
			            ndiff, plen);
			goto out;
		}
		if (parse_path(&tr, &dc, diff + i, (size_t)plen, &legs, &nlegs) != 0)
			goto out;
		const uint8_t *path = diff + i;
		i += (size_t)plen;
		if (op != OP_REMOVE) {
			if (rd_lenenc(&dc, diff, len, &i, &vlen) != 0)
				goto out;
			if (vlen > len - i || vlen == 0) {
				rc_json_err(&dc, diff + i, "diff %zu: value of %" PRIu64 " bytes %s", ndiff,
				            vlen, vlen ? "runs past the end" : "is empty");
				goto out;
			}
			vctx = talloc(&tr, 1, sizeof *vctx);
			if (!vctx)
				goto oom;
			snprintf(what, sizeof what, "JSON diff %zu value", ndiff);
			vctx->base = diff + i;
			vctx->what = rc_arena_strndup(&tr.arena, what, strlen(what));
			vctx->err = err;
			vctx->errlen = errlen;
			vctx->values_left = (size_t)vlen;
			if (!vctx->what)
				goto oom;
			if (build(&tr, vctx, diff[i], diff + i + 1, (size_t)vlen - 1, 0, &val) != 0)
				goto out;
			i += (size_t)vlen;
		}
		why = apply_one(&tr, root, op, legs, nlegs, val);
		if (why) {
			rc_json_err(&dc, diff + at, "diff %zu (%s '%.*s') rejected: %s", ndiff,
			            op == OP_REPLACE  ? "REPLACE"
			            : op == OP_INSERT ? "INSERT"
			                              : "REMOVE",
			            (int)plen, path, why);
			goto out;
		}
		if (depth_of(root) > RC_JSON_MAX_DEPTH) {
			rc_json_err(&dc, diff + at, "diff %zu makes the document nested deeper than %d",
			            ndiff, RC_JSON_MAX_DEPTH);
			goto out;
		}
	}
	if (tr.oom)
		goto oom;
	if (put_node(root, out) != 0 || rc_buf_failed(out)) {
		snprintf(err, errlen, "JSON document after diffs: out of memory or past the buffer's bound");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "JSON diffs: out of memory");
out:
	if (rc != 0)
		out->len = start;
	rc_arena_destroy(&tr.arena);
	return rc;
}
