/*
 * libFuzzer target for the row images (decoders/mysql/binlog_rows.c, with mysql_types.c,
 * mysql_values.c and binlog_json.c behind it): the input is a binlog file, walked event by event;
 * each TABLE_MAP becomes a table (character columns without charset metadata read as utf8mb4, as
 * `rowcast inspect` does) and each rows event is decoded row by row. The seeds
 * (fuzz/make_binlog_rows_corpus.py) are small binlogs without checksums: the 5.7.20 fixture's
 * FORMAT_DESCRIPTION, then one TABLE_MAP and its rows event from each fixture, so mutations reach
 * the images instead of a CRC. Contract: a failure always has a message.
 */
#include "config.h"

#include "agent/arena.h"
#include "agent/errors.h"
#include "decoders/mysql/binlog_file.h"
#include "decoders/mysql/binlog_rows.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NTABLES 8

typedef struct fz {
	rc_mysql_table_t *t[NTABLES];
	uint64_t id[NTABLES];
	int n;
	rc_arena_t arena;
} fz_t;

static int on_event(const rc_binlog_event_t *ev, uint64_t offset, const uint8_t *raw, size_t len,
                    void *opaque)
{
	fz_t *f = opaque;
	char err[RC_ERRSTR_LEN];

	(void)offset;
	(void)raw;
	(void)len;
	if (ev->kind == RC_BINLOG_K_TABLE_MAP) {
		rc_binlog_table_map_t tm = ev->u.table_map;
		rc_mysql_modes_t modes;
		rc_mysql_table_t *t = NULL;
		int k;

		memset(&modes, 0, sizeof modes);
		rc_typemodes_default(&modes.base);
		modes.base.time = RC_TIME_MODE_ADAPTIVE_MICROS;
		if (!tm.default_charset && !tm.column_charsets)
			tm.default_charset = 45;
		err[0] = '\0';
		if (rc_mysql_table_from_map(&tm, &modes, "f", &t, err, sizeof err) != 0) {
			if (!err[0])
				abort();
			return 0;
		}
		for (k = 0; k < f->n && f->id[k] != tm.table_id; k++)
			;
		if (k == NTABLES) {
			rc_mysql_table_free(t);
			return 0;
		}
		if (k == f->n)
			f->n++;
		rc_mysql_table_free(f->t[k]);
		f->t[k] = t;
		f->id[k] = tm.table_id;
	} else if (ev->kind == RC_BINLOG_K_ROWS) {
		rc_binlog_rows_iter_t it;
		rc_value_t *before, *after;
		rc_op_t op;
		int rc;

		for (int k = 0; k < f->n; k++) {
			if (f->id[k] != ev->u.rows.table_id)
				continue;
			rc_binlog_rows_begin(&it, f->t[k], ev);
			rc_arena_reset(&f->arena);
			err[0] = '\0';
			while ((rc = rc_binlog_rows_next(&it, &f->arena, &op, &before, &after, err,
			                                 sizeof err)) == 1)
				if (!before && !after)
					abort();
			if (rc != 0 && !err[0])
				abort();
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[RC_ERRSTR_LEN];
	fz_t f;

	memset(&f, 0, sizeof f);
	rc_arena_init(&f.arena, 0);
	rc_binlog_file_walk_mem(data, size, on_event, &f, err, sizeof err);
	for (int k = 0; k < f.n; k++)
		rc_mysql_table_free(f.t[k]);
	rc_arena_destroy(&f.arena);
	return 0;
}
