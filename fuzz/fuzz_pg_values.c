/*
 * Fuzz target for decoders/postgres/pg_values.c (with pg_numeric.c and pg_datetime.c): PostgreSQL's
 * text output of a column value converted by rc_pg_value_from_text (fuzz/README.md builds it).
 *
 * Input: one byte choosing the column (its value modulo the number of setups below: a built-in type
 * with a typmod and decimal/time/binary handling modes, or a user type as the catalog describes
 * one: enum, domain, arrays of them, box[] with its ';' delimiter, an array of a domain over an
 * array), then the text (not NUL-terminated: the input's end is the text's end). Beyond "no crash,
 * no sanitizer report", the target checks the contract: a failure has a message naming the column;
 * a value is NULL or set, its strings are NUL-terminated at their length, its arrays' items are
 * checked the same way.
 */
#include "config.h"

#include "agent/arena.h"
#include "agent/log.h"
#include "decoders/postgres/pg_catalog.h"
#include "decoders/postgres/pg_types.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NUM(p, s) ((int32_t)((((p) << 16) | ((s)&0x7ff)) + 4))
#define LEN(n) ((int32_t)((n) + 4))

enum { DEF, DBL, STR, MICRO, CONNECT, B64, HEX, MONEY0, MONEY4 };

typedef struct setup {
	uint32_t oid; /* a built-in; 0: ti below */
	const rc_pg_typeinfo_t *ti;
	int32_t typmod;
	int mode;
} setup_t;

/* User types as the catalog describes them (rc_pg_typeinfo_lookup's fields). */
#define UTYPE(o, n, base, tt, tm, elem, ett, etm, delim, nested, labels)                                     \
	{                                                                                                    \
		.oid = o, .name = n, .base_oid = base, .typtype = tt, .typmod = tm, .elem_oid = elem,        \
		.elem_typtype = ett, .elem_typmod = etm, .elem_delim = delim, .elem_is_array = nested,       \
		.enum_labels = labels                                                                        \
	}

enum { MOOD, MOODS, PRICE, PRICES, BOXES, RANGE, NESTED };

static const rc_pg_typeinfo_t user_types[] = {
    [MOOD] = UTYPE(90001, "mood", 90001, 'e', -1, 0, 0, -1, 0, false, "sad,ok,happy"),
    [MOODS] = UTYPE(90002, "_mood", 90002, 'b', -1, 90001, 'e', -1, ',', false, "sad,ok,happy"),
    [PRICE] = UTYPE(90003, "price", 1700, 'b', NUM(10, 2), 0, 0, -1, 0, false, NULL),
    [PRICES] = UTYPE(90004, "_price", 90004, 'b', -1, 1700, 'b', NUM(10, 2), ',', false, NULL),
    [BOXES] = UTYPE(1020, "_box", 1020, 'b', -1, 603, 'b', -1, ';', false, NULL),
    [RANGE] = UTYPE(3904, "int4range", 3904, 'r', -1, 0, 0, -1, 0, false, NULL),
    /* an array of a domain over int4[] */
    [NESTED] = UTYPE(90007, "_intlist", 90007, 'b', -1, 1007, 'b', -1, ',', true, NULL),
};

static const setup_t setups[] = {
    /* every built-in rowcast maps, unconstrained, default modes */
    {16, NULL, -1, DEF},
    {17, NULL, -1, DEF},
    {18, NULL, -1, DEF},
    {19, NULL, -1, DEF},
    {20, NULL, -1, DEF},
    {21, NULL, -1, DEF},
    {23, NULL, -1, DEF},
    {25, NULL, -1, DEF},
    {26, NULL, -1, DEF},
    {114, NULL, -1, DEF},
    {142, NULL, -1, DEF},
    {143, NULL, -1, DEF},
    {199, NULL, -1, DEF},
    {650, NULL, -1, DEF},
    {651, NULL, -1, DEF},
    {700, NULL, -1, DEF},
    {701, NULL, -1, DEF},
    {774, NULL, -1, DEF},
    {775, NULL, -1, DEF},
    {790, NULL, -1, DEF},
    {791, NULL, -1, DEF},
    {829, NULL, -1, DEF},
    {869, NULL, -1, DEF},
    {1000, NULL, -1, DEF},
    {1001, NULL, -1, DEF},
    {1002, NULL, -1, DEF},
    {1003, NULL, -1, DEF},
    {1005, NULL, -1, DEF},
    {1007, NULL, -1, DEF},
    {1009, NULL, -1, DEF},
    {1014, NULL, -1, DEF},
    {1015, NULL, -1, DEF},
    {1016, NULL, -1, DEF},
    {1021, NULL, -1, DEF},
    {1022, NULL, -1, DEF},
    {1028, NULL, -1, DEF},
    {1040, NULL, -1, DEF},
    {1041, NULL, -1, DEF},
    {1042, NULL, -1, DEF},
    {1043, NULL, -1, DEF},
    {1082, NULL, -1, DEF},
    {1083, NULL, -1, DEF},
    {1114, NULL, -1, DEF},
    {1115, NULL, -1, DEF},
    {1182, NULL, -1, DEF},
    {1183, NULL, -1, DEF},
    {1184, NULL, -1, DEF},
    {1185, NULL, -1, DEF},
    {1186, NULL, -1, DEF},
    {1187, NULL, -1, DEF},
    {1231, NULL, -1, DEF},
    {1266, NULL, -1, DEF},
    {1270, NULL, -1, DEF},
    {1560, NULL, -1, DEF},
    {1561, NULL, -1, DEF},
    {1562, NULL, -1, DEF},
    {1563, NULL, -1, DEF},
    {1700, NULL, -1, DEF},
    {2950, NULL, -1, DEF},
    {2951, NULL, -1, DEF},
    {3802, NULL, -1, DEF},
    {3807, NULL, -1, DEF},
    /* numeric: typmods (PostgreSQL 15's negative scale, scale > precision) and the three modes */
    {1700, NULL, NUM(10, 2), DEF},
    {1700, NULL, NUM(38, 0), DEF},
    {1700, NULL, NUM(1000, 500), DEF},
    {1700, NULL, NUM(5, -3), DEF},
    {1700, NULL, NUM(3, 5), DEF},
    {1700, NULL, -1, DBL},
    {1700, NULL, -1, STR},
    {1700, NULL, NUM(10, 2), STR},
    {1231, NULL, NUM(6, 3), DEF},
    {1231, NULL, -1, STR},
    /* money: modes and fraction digits */
    {790, NULL, -1, DBL},
    {790, NULL, -1, STR},
    {790, NULL, -1, MONEY0},
    {790, NULL, -1, MONEY4},
    /* time and timestamps: precisions and modes */
    {1083, NULL, 0, DEF},
    {1083, NULL, 3, DEF},
    {1083, NULL, 6, MICRO},
    {1083, NULL, -1, CONNECT},
    {1114, NULL, 0, DEF},
    {1114, NULL, 3, DEF},
    {1114, NULL, -1, CONNECT},
    {1082, NULL, -1, CONNECT},
    {1184, NULL, 0, DEF},
    {1184, NULL, 3, DEF},
    {1266, NULL, 2, DEF},
    {1186, NULL, -1, CONNECT},
    /* bytea and bit strings */
    {17, NULL, -1, B64},
    {17, NULL, -1, HEX},
    {1001, NULL, -1, HEX},
    {1560, NULL, 1, DEF},
    {1560, NULL, 8, DEF},
    {1560, NULL, 70, DEF},
    {1562, NULL, 1, DEF},
    {1562, NULL, 5, DEF},
    {1561, NULL, 3, DEF},
    {1043, NULL, LEN(5), DEF},
    {1015, NULL, LEN(5), DEF},
    /* user types */
    {0, &user_types[MOOD], -1, DEF},
    {0, &user_types[MOODS], -1, DEF},
    {0, &user_types[PRICE], -1, DEF},
    {0, &user_types[PRICE], -1, STR},
    {0, &user_types[PRICES], -1, DEF},
    {0, &user_types[BOXES], -1, DEF},
    {0, &user_types[RANGE], -1, DEF},
    {0, &user_types[NESTED], -1, DEF},
};

#define NSETUPS (sizeof setups / sizeof setups[0])

static rc_column_t cols[NSETUPS];

static void map_all(void)
{
	char err[256];

	for (size_t i = 0; i < NSETUPS; i++) {
		const setup_t *s = &setups[i];
		const rc_pg_typeinfo_t *ti = s->oid ? rc_pg_typeinfo_builtin(s->oid) : s->ti;
		rc_pg_type_opts_t o;

		rc_pg_type_opts_default(&o);
		o.modes.decimal = s->mode == DBL   ? RC_DECIMAL_MODE_DOUBLE
		                  : s->mode == STR ? RC_DECIMAL_MODE_STRING
		                                   : RC_DECIMAL_MODE_PRECISE;
		o.modes.time = s->mode == MICRO     ? RC_TIME_MODE_ADAPTIVE_MICROS
		               : s->mode == CONNECT ? RC_TIME_MODE_CONNECT
		                                    : RC_TIME_MODE_ADAPTIVE;
		o.modes.binary = s->mode == B64   ? RC_BINARY_MODE_BASE64
		                 : s->mode == HEX ? RC_BINARY_MODE_HEX
		                                  : RC_BINARY_MODE_BYTES;
		o.money_fraction_digits = s->mode == MONEY0 ? 0 : s->mode == MONEY4 ? 4 : 2;
		if (!ti || rc_column_set_names(&cols[i], "c", NULL) != 0 ||
		    rc_pg_column_map(&cols[i], ti, s->typmod, &o, err, sizeof err) != 0)
			abort();
	}
}

static void check_value(const rc_column_t *col, rc_type_t type, const rc_value_t *v)
{
	if (v->state == RC_V_NULL)
		return;
	if (v->state != RC_V_SET)
		abort();
	switch (type) {
	case RC_T_STRING:
		if (!v->u.bytes.ptr || v->u.bytes.ptr[v->u.bytes.len] != '\0')
			abort();
		break;
	case RC_T_BYTES:
	case RC_T_DECIMAL:
	case RC_T_VARDECIMAL:
		if (v->u.bytes.len && !v->u.bytes.ptr)
			abort();
		break;
	case RC_T_ARRAY:
		if (v->u.array.n && !v->u.array.items)
			abort();
		for (size_t i = 0; i < v->u.array.n; i++)
			check_value(col, col->elem_type, &v->u.array.items[i]);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rc_arena_t arena;
	static int ready;
	const rc_column_t *col;
	rc_value_t v;
	char err[512];

	if (!ready) {
		rc_arena_init(&arena, 0);
		map_all();
		ready = 1;
	}
	if (size < 1)
		return 0;
	col = &cols[data[0] % NSETUPS];
	err[0] = '\0';
	memset(&v, 0xa5, sizeof v);
	if (rc_pg_value_from_text(col, (const char *)data + 1, size - 1, &arena, &v, err, sizeof err) == 0)
		check_value(col, col->type, &v);
	else if (!strstr(err, "column c: "))
		abort();
	rc_arena_reset(&arena);
	return 0;
}
