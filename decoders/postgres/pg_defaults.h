/*
 * Column DEFAULTs as Debezium's PostgreSQL connector (PostgresDefaultValueConverter, 3.6) turns them
 * into schema defaults, from the expression pg_get_expr(adbin) gives:
 *   - a constant, raw (42, true, 1.5) or cast ('abc'::text, '2020-01-01'::date): its value;
 *   - a function call (nextval('s'::regclass), now(), gen_random_uuid()) or CURRENT_TIMESTAMP,
 *     CURRENT_TIME, CURRENT_DATE, LOCALTIME, LOCALTIMESTAMP: a placeholder of the type (0, false, "",
 *     "{}", the epoch, the nil UUID, a zero interval), since the value is computed per row;
 *   - NULL::type, anything else (expressions, arrays, domains, types without a converter: bytea,
 *     money, inet, timetz, ranges, geometric, extension types ...), and values the column's type
 *     cannot hold: no default.
 * By the declared type's name: bool, int2, int4, int8, float4, float8, numeric (with a declared scale
 * for the decimal form; a VariableScaleDecimal is a record, which Connect cannot default), bpchar,
 * varchar, text, json, jsonb, xml, uuid, bit, varbit, date, time, timestamp, timestamptz, interval and
 * enums (a quoted label cast to the enum itself). The value is converted as the column's values are
 * (rc_pg_value_from_text), so it is in the field's Avro type under every handling mode.
 */
#ifndef RC_PG_DEFAULTS_H
#define RC_PG_DEFAULTS_H

#include "agent/table.h"

#include <stddef.h>

/*
 * Sets col->dflt (clears it first) from expr (NULL: no DEFAULT) for a column mapped by
 * rc_pg_column_map whose declared type is typname with pg_type.typtype typtype. Returns 0 (default set
 * or not), or -1 when out of memory (err filled).
 */
int rc_pg_column_default(rc_column_t *col, const char *typname, char typtype, const char *expr, char *err,
                         size_t errlen);

#endif
