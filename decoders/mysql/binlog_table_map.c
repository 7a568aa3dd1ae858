/*
 * TABLE_MAP: the table's names, column types, per-type column metadata, null bitmap and the optional
 * metadata of binlog_row_metadata (binlog.h has the field list). Unknown optional fields are
 * skipped by their length; known ones rowcast does not use yet (GEOMETRY_TYPE, the ENUM/SET
 * charsets, VECTOR_DIMENSIONALITY) likewise.
 */
#include "config.h"

#include "decoders/mysql/binlog.h"
#include "decoders/mysql/binlog_internal.h"

#include "agent/reader.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Bytes of metadata a column type has in TABLE_MAP. */
static int meta_len(uint8_t type)
{
	switch (type) {
	case RC_MYT_FLOAT:
	case RC_MYT_DOUBLE:
	case RC_MYT_TIMESTAMP2:
	case RC_MYT_DATETIME2:
	case RC_MYT_TIME2:
	case RC_MYT_VECTOR:
	case RC_MYT_JSON:
	case RC_MYT_TINY_BLOB:
	case RC_MYT_MEDIUM_BLOB:
	case RC_MYT_LONG_BLOB:
	case RC_MYT_BLOB:
	case RC_MYT_GEOMETRY:
		return 1;
	case RC_MYT_VARCHAR:
	case RC_MYT_BIT:
	case RC_MYT_NEWDECIMAL:
	case RC_MYT_ENUM:
	case RC_MYT_SET:
	case RC_MYT_VAR_STRING:
	case RC_MYT_STRING:
		return 2;
	default:
		return 0;
	}
}

/* The type a STRING column really is: ENUM and SET travel as STRING with the real type in the
 * metadata's first byte. */
static uint8_t real_type(uint8_t type, uint16_t meta)
{
	if (type == RC_MYT_STRING && ((meta >> 8) == RC_MYT_ENUM || (meta >> 8) == RC_MYT_SET))
		return (uint8_t)(meta >> 8);
	return type;
}

/* A count of lenenc items that cannot exceed the bytes left (each takes at least one). */
static int tlv_count(rc_binlog_ctx_t *p, rc_reader_t *tr, uint64_t *n, size_t at)
{
	if (rc_reader_lenenc(tr, n, NULL)) {
		p->rd = *tr;
		return rc_binlog_rd_check(p, "TLV count");
	}
	if (*n > rc_reader_remaining(tr))
		return rc_binlog_perr(p, "TLV at offset %zu: count %" PRIu64 " in %zu bytes", at, *n,
		                      rc_reader_remaining(tr));
	return 0;
}

static int tlv_strlists(rc_binlog_ctx_t *p, rc_binlog_table_map_t *tm, rc_reader_t *tr, uint8_t want,
                        size_t at, rc_binlog_strlist_t **out, uint32_t *nout)
{
	uint32_t ncols = 0, c, k = 0;
	rc_binlog_strlist_t *lists;

	for (c = 0; c < tm->ncolumns; c++)
		if (real_type(tm->types[c], tm->meta[c]) == want)
			ncols++;
	lists = rc_binlog_palloc(p, ncols, sizeof *lists);
	if (!lists)
		return RC_BINLOG_OOM(p);
	for (c = 0; c < tm->ncolumns && rc_reader_remaining(tr) > 0; c++) {
		uint64_t n = 0, i;

		if (real_type(tm->types[c], tm->meta[c]) != want)
			continue;
		if (tlv_count(p, tr, &n, at))
			return RC_ERR_FATAL;
		lists[k].column = c;
		lists[k].n = (uint32_t)n;
		lists[k].v = rc_binlog_palloc(p, n, sizeof *lists[k].v);
		if (!lists[k].v)
			return RC_BINLOG_OOM(p);
		for (i = 0; i < n; i++) {
			const uint8_t *s = NULL;
			size_t len = 0;

			rc_reader_lenenc_str(tr, &s, &len, NULL);
			lists[k].v[i].s = (const char *)s;
			lists[k].v[i].len = len;
		}
		if (rc_reader_failed(tr)) {
			p->rd = *tr;
			return rc_binlog_rd_check(p, "ENUM/SET strings");
		}
		k++;
	}
	*out = lists;
	*nout = k;
	return 0;
}

/* Reads lenenc integers up to the end of the TLV into an arena array. */
static int tlv_ints(rc_binlog_ctx_t *p, rc_reader_t *tr, uint64_t **out, uint32_t *nout)
{
	uint64_t *v = rc_binlog_palloc(p, rc_reader_remaining(tr), sizeof *v);
	uint32_t n = 0;

	if (!v)
		return RC_BINLOG_OOM(p);
	while (rc_reader_remaining(tr) > 0) {
		if (rc_reader_lenenc(tr, &v[n], NULL)) {
			p->rd = *tr;
			return rc_binlog_rd_check(p, "TLV integer");
		}
		n++;
	}
	*out = v;
	*nout = n;
	return 0;
}

static int parse_tlvs(rc_binlog_ctx_t *p, rc_binlog_table_map_t *tm)
{
	while (rc_reader_remaining(&p->rd) > 0) {
		size_t at = p->rd.pos;
		uint8_t type = 0;
		uint64_t len = 0, *ints = NULL;
		uint32_t nints = 0, i;
		const uint8_t *val = NULL;
		rc_reader_t tr;

		rc_reader_u8(&p->rd, &type);
		rc_reader_lenenc(&p->rd, &len, NULL);
		if (rc_binlog_rd_check(p, "optional metadata"))
			return RC_ERR_FATAL;
		if (len > rc_reader_remaining(&p->rd))
			return rc_binlog_perr(
			    p, "optional metadata field %u at offset %zu: %" PRIu64 " bytes, %zu left", type,
			    at, len, rc_reader_remaining(&p->rd));
		rc_reader_bytes(&p->rd, (size_t)len, &val);
		rc_reader_init(&tr, p->rd.buf, p->rd.pos); /* offsets stay those of the event */
		tr.pos = p->rd.pos - (size_t)len;
		switch (type) {
		case 1: /* SIGNEDNESS */
			tm->signedness = val;
			tm->signedness_len = (size_t)len;
			break;
		case 2: /* DEFAULT_CHARSET: default collation, then (column, collation) pairs */
			if (tlv_ints(p, &tr, &ints, &nints))
				return RC_ERR_FATAL;
			if (nints == 0 || nints % 2 != 1)
				return rc_binlog_perr(p, "DEFAULT_CHARSET at offset %zu: %u integers", at,
				                      nints);
			tm->default_charset = ints[0];
			tm->charset_exceptions = ints + 1; /* (column, collation) pairs */
			tm->ncharset_exceptions = (nints - 1) / 2;
			break;
		case 3: /* COLUMN_CHARSET */
			if (tlv_ints(p, &tr, &tm->column_charsets, &tm->ncolumn_charsets))
				return RC_ERR_FATAL;
			break;
		case 4: /* COLUMN_NAME */
			tm->column_names = rc_binlog_palloc(p, tm->ncolumns, sizeof *tm->column_names);
			if (!tm->column_names)
				return RC_BINLOG_OOM(p);
			for (i = 0; i < tm->ncolumns; i++) {
				const uint8_t *s = NULL;
				size_t n = 0;

				rc_reader_lenenc_str(&tr, &s, &n, NULL);
				tm->column_names[i].s = (const char *)s;
				tm->column_names[i].len = n;
			}
			if (rc_reader_failed(&tr)) {
				p->rd = tr;
				return rc_binlog_rd_check(p, "COLUMN_NAME");
			}
			if (rc_reader_remaining(&tr))
				return rc_binlog_perr(p,
				                      "COLUMN_NAME at offset %zu: %zu bytes after %u names",
				                      at, rc_reader_remaining(&tr), tm->ncolumns);
			break;
		case 5: /* SET_STR_VALUE */
			if (tlv_strlists(p, tm, &tr, RC_MYT_SET, at, &tm->sets, &tm->nsets))
				return RC_ERR_FATAL;
			break;
		case 6: /* ENUM_STR_VALUE */
			if (tlv_strlists(p, tm, &tr, RC_MYT_ENUM, at, &tm->enums, &tm->nenums))
				return RC_ERR_FATAL;
			break;
		case 8: /* SIMPLE_PRIMARY_KEY */
		case 9: /* PRIMARY_KEY_WITH_PREFIX: (column, prefix) pairs */
			if (tlv_ints(p, &tr, &ints, &nints))
				return RC_ERR_FATAL;
			if (type == 9 && nints % 2)
				return rc_binlog_perr(
				    p, "PRIMARY_KEY_WITH_PREFIX at offset %zu: odd count %u", at, nints);
			tm->npk = type == 9 ? nints / 2 : nints;
			tm->pk = rc_binlog_palloc(p, tm->npk, sizeof *tm->pk);
			tm->pk_prefix =
			    type == 9 ? rc_binlog_palloc(p, tm->npk, sizeof *tm->pk_prefix) : NULL;
			if (!tm->pk || (type == 9 && !tm->pk_prefix))
				return RC_BINLOG_OOM(p);
			for (i = 0; i < tm->npk; i++) {
				uint64_t col = type == 9 ? ints[2 * i] : ints[i];

				if (col >= tm->ncolumns)
					return rc_binlog_perr(
					    p, "primary key column %" PRIu64 " at offset %zu, table has %u",
					    col, at, tm->ncolumns);
				tm->pk[i] = (uint32_t)col;
				if (type == 9)
					tm->pk_prefix[i] = (uint32_t)ints[2 * i + 1];
			}
			break;
		case 12: /* COLUMN_VISIBILITY */
			tm->visibility = val;
			tm->visibility_len = (size_t)len;
			break;
		case 7: /* GEOMETRY_TYPE */
			if (tlv_ints(p, &tr, &tm->geometry_types, &tm->ngeometry_types))
				return RC_ERR_FATAL;
			break;
		case 13: /* VECTOR_DIMENSIONALITY */
			if (tlv_ints(p, &tr, &tm->vector_dims, &tm->nvector_dims))
				return RC_ERR_FATAL;
			break;
		case 10:                             /* ENUM_AND_SET_DEFAULT_CHARSET */
		case 11:                             /* ENUM_AND_SET_COLUMN_CHARSET */
			tm->enum_set_charsets = val; /* same layouts as DEFAULT_CHARSET / COLUMN_CHARSET */
			tm->enum_set_charsets_len = (size_t)len;
			tm->enum_set_charsets_type = type;
			break;
		default:
			tm->ntlv_unknown++;
			break;
		}
	}
	return 0;
}

int rc_binlog_parse_table_map(rc_binlog_ctx_t *p)
{
	rc_binlog_table_map_t *tm = &p->ev->u.table_map;
	uint8_t dblen = 0, tlen = 0, nul1 = 1, nul2 = 1;
	const uint8_t *db = NULL, *tbl = NULL, *meta = NULL;
	uint64_t ncol = 0, mlen = 0;
	size_t nul1_at, nul2_at;
	uint32_t c;
	rc_reader_t mr;

	rc_binlog_read_table_id(p, &tm->table_id);
	rc_reader_le_u16(&p->rd, &tm->flags);
	rc_reader_u8(&p->rd, &dblen);
	rc_reader_bytes(&p->rd, dblen, &db);
	nul1_at = p->rd.pos;
	rc_reader_u8(&p->rd, &nul1);
	rc_reader_u8(&p->rd, &tlen);
	rc_reader_bytes(&p->rd, tlen, &tbl);
	nul2_at = p->rd.pos;
	rc_reader_u8(&p->rd, &nul2);
	rc_reader_lenenc(&p->rd, &ncol, NULL);
	if (rc_binlog_rd_check(p, "names"))
		return RC_ERR_FATAL;
	if (nul1 || nul2)
		return rc_binlog_perr(p, "%s name without its NUL at offset %zu", nul1 ? "database" : "table",
		                      nul1 ? nul1_at : nul2_at);
	if (ncol > 4096)
		return rc_binlog_perr(p, "%" PRIu64 " columns at offset %zu (MySQL allows 4096)", ncol,
		                      p->rd.pos);
	tm->db.s = (const char *)db;
	tm->db.len = dblen;
	tm->table.s = (const char *)tbl;
	tm->table.len = tlen;
	tm->ncolumns = (uint32_t)ncol;
	rc_reader_bytes(&p->rd, tm->ncolumns, &tm->types);
	rc_reader_lenenc(&p->rd, &mlen, NULL);
	if (rc_binlog_rd_check(p, "column types"))
		return RC_ERR_FATAL;
	if (mlen > rc_reader_remaining(&p->rd))
		return rc_binlog_perr(p, "column metadata of %" PRIu64 " bytes at offset %zu, %zu left", mlen,
		                      p->rd.pos, rc_reader_remaining(&p->rd));
	rc_reader_bytes(&p->rd, (size_t)mlen, &meta);
	tm->meta = rc_binlog_palloc(p, tm->ncolumns, sizeof *tm->meta);
	if (!tm->meta)
		return RC_BINLOG_OOM(p);
	rc_reader_init(&mr, p->rd.buf, p->rd.pos);
	mr.pos = p->rd.pos - (size_t)mlen;
	for (c = 0; c < tm->ncolumns; c++) {
		uint64_t v = 0;

		switch (meta_len(tm->types[c])) {
		case 1:
			rc_reader_le_uint(&mr, 1, &v);
			break;
		case 2:
			/* STRING, ENUM, SET: real type, then length; the others little-endian. */
			if (tm->types[c] == RC_MYT_STRING || tm->types[c] == RC_MYT_ENUM ||
			    tm->types[c] == RC_MYT_SET || tm->types[c] == RC_MYT_NEWDECIMAL)
				rc_reader_be_uint(&mr, 2, &v);
			else
				rc_reader_le_uint(&mr, 2, &v);
			break;
		default:
			break;
		}
		tm->meta[c] = (uint16_t)v;
	}
	if (rc_reader_failed(&mr)) {
		p->rd = mr;
		return rc_binlog_rd_check(p, "column metadata");
	}
	if (rc_reader_remaining(&mr))
		return rc_binlog_perr(p, "column metadata: %zu bytes left over at offset %zu",
		                      rc_reader_remaining(&mr), mr.pos);
	rc_reader_bytes(&p->rd, (tm->ncolumns + 7) / 8, &tm->null_bitmap);
	if (rc_binlog_rd_check(p, "null bitmap"))
		return RC_ERR_FATAL;
	if (parse_tlvs(p, tm))
		return RC_ERR_FATAL;
	p->ev->kind = RC_BINLOG_K_TABLE_MAP;
	return 0;
}
