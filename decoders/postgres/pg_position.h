/*
 * PostgreSQL positions (agent/position.h): order is an LSN (the end of a commit record, or a
 * keepalive's WAL end), with no sub-position and no blob. In the offset store: {"lsn": "16/B374D848"}.
 */
#ifndef RC_PG_POSITION_H
#define RC_PG_POSITION_H

#include "agent/position.h"

#include <stdint.h>

extern const rc_pos_codec_t rc_pg_pos_codec;

/* The position of an LSN. */
static inline rc_pos_t rc_pg_pos(uint64_t lsn)
{
	return (rc_pos_t){.set = true, .order = lsn};
}

/* The LSN of a position; 0 (invalid in PostgreSQL) when unset. */
static inline uint64_t rc_pg_pos_lsn(const rc_pos_t *p)
{
	return p && p->set ? p->order : 0;
}

#endif
