/*
 * Fuzz target for decoders/postgres/pgoutput.c and decoders/postgres/pg_walmsg.c. make check builds it
 * with fuzz/replay_main.c and replays fuzz/corpus/pgoutput (fuzz/replay.sh); fuzz/README.md shows the
 * libFuzzer build (clang) and how fuzz/make_corpus.sh derives the corpus from tests/fixtures/pgoutput.
 *
 * Input: one mode byte, then the message. Mode bits 0-1: protocol version - 1; bit 2: inside a stream
 * block; bit 3: the message is a CopyData frame (pg_walmsg), whose XLogData payload is then parsed as
 * pgoutput. Beyond "no crash, no sanitizer report", the target checks that a parse either fails with
 * an error message or yields a message whose borrowed pointers stay inside the input and that renders.
 */
#include "config.h"

#include "agent/arena.h"
#include "decoders/postgres/pg_walmsg.h"
#include "decoders/postgres/pgoutput.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in_start, *in_end;

static void check_span(const void *p, size_t len)
{
	const uint8_t *b = p;

	if (len == 0)
		return;
	if (!b || b < in_start || b > in_end || len > (size_t)(in_end - b))
		abort();
}

static void check_string(const char *s)
{
	check_span(s, strlen(s) + 1);
}

static void check_tuple(const rc_pgo_tuple_t *t)
{
	if (t->ncols < 0 || t->ncols > RC_PGO_MAX_COLS)
		abort();
	for (int i = 0; i < t->ncols; i++)
		check_span(t->cols[i].data, t->cols[i].len);
}

static void check_msg(const rc_pgo_msg_t *m)
{
	switch (m->type) {
	case RC_PGO_RELATION:
		if (strcmp(m->relation.nspname, "pg_catalog") != 0)
			check_string(m->relation.nspname);
		check_string(m->relation.relname);
		for (int i = 0; i < m->relation.natts; i++)
			check_string(m->relation.attrs[i].name);
		break;
	case RC_PGO_INSERT:
		check_tuple(&m->insert.newtup);
		break;
	case RC_PGO_UPDATE:
		check_tuple(&m->update.oldtup);
		check_tuple(&m->update.newtup);
		break;
	case RC_PGO_DELETE:
		check_tuple(&m->delete.oldtup);
		break;
	case RC_PGO_MESSAGE:
		check_string(m->message.prefix);
		check_span(m->message.content, m->message.len);
		break;
	case RC_PGO_ORIGIN:
		check_string(m->origin.name);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rc_arena_t arena;
	static int ready;
	char err[256], text[1024];
	rc_pgo_msg_t m;
	int proto;
	bool in_stream, copydata;

	if (!ready) {
		rc_arena_init(&arena, 0);
		ready = 1;
	}
	if (size < 1)
		return 0;
	proto = (data[0] & 3) + 1;
	in_stream = data[0] & 4;
	copydata = data[0] & 8;
	data++;
	size--;
	in_start = data;
	in_end = data + size;

	if (copydata) {
		rc_walmsg_t w;

		err[0] = '\0';
		if (rc_walmsg_parse(data, size, &w, err, sizeof err) != 0) {
			if (!err[0])
				abort();
			return 0;
		}
		if (w.type == RC_WALMSG_KEEPALIVE)
			return 0;
		check_span(w.xlogdata.data, w.xlogdata.len);
		data = w.xlogdata.data;
		size = w.xlogdata.len;
	}

	err[0] = '\0';
	if (rc_pgoutput_parse(data, size, proto, in_stream, &arena, &m, err, sizeof err) == 0) {
		size_t n;

		check_msg(&m);
		n = rc_pgoutput_format(&m, 0, text, sizeof text);
		if (n < sizeof text && strlen(text) != n)
			abort();
		rc_pgoutput_format(&m, 4, text, 16);
		if (strlen(text) > 15)
			abort();
		(void)rc_pgoutput_next_in_stream(in_stream, &m);
	} else if (!err[0]) {
		abort();
	}
	rc_arena_reset(&arena);
	return 0;
}
