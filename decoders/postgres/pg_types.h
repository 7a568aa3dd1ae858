/*
 * PostgreSQL types as Debezium's PostgreSQL connector maps them, and column values converted from
 * PostgreSQL's text output format (what pgoutput sends, and what a snapshot's SELECT returns).
 *
 * Mapping (rc_pg_column_map), Debezium's defaults marked *:
 *   bool                      BOOL
 *   int2 / int4 / int8        INT16 / INT32 / INT64;  oid: INT64 (as Debezium)
 *   float4 / float8           FLOAT32 / FLOAT64
 *   numeric(p,s)              *precise: DECIMAL(p,s); double: FLOAT64; string: STRING
 *                             (scale < 0, PostgreSQL 15: DECIMAL(p-s, 0); scale > p: precision s)
 *   numeric                   *precise: VARDECIMAL io.debezium.data.VariableScaleDecimal; double, string
 *   money                     *precise: DECIMAL(scale money.fraction.digits, no precision); double; string
 *   char, varchar, bpchar, text, name, "char", inet, cidr, macaddr, macaddr8
 *                             STRING
 *   bytea                     *bytes: BYTES; base64 / hex: STRING
 *   uuid / json, jsonb / xml  STRING io.debezium.data.Uuid / .Json / .Xml
 *   enum types                STRING io.debezium.data.Enum, enum_values = the labels ("a,b,c")
 *   date                      DATE io.debezium.time.Date
 *   time(0-3)                 *adaptive: TIME_MILLIS io.debezium.time.Time
 *   time, time(4-6)           *adaptive: TIME_MICROS io.debezium.time.MicroTime
 *                             adaptive_time_microseconds: always MicroTime
 *   timestamp(0-3)            *adaptive: TIMESTAMP_MILLIS io.debezium.time.Timestamp
 *   timestamp, timestamp(4-6) *adaptive: TIMESTAMP_MICROS io.debezium.time.MicroTimestamp
 *   connect mode              DATE org.apache.kafka.connect.data.Date, TIME_MILLIS ...Time,
 *                             TIMESTAMP_MILLIS ...Timestamp (sub-millisecond digits dropped)
 *   timestamptz               STRING io.debezium.time.ZonedTimestamp (all modes)
 *   timetz                    STRING io.debezium.time.ZonedTime (all modes)
 *   interval                  *numeric: INTERVAL_MICROS io.debezium.time.MicroDuration;
 *                             string: STRING io.debezium.time.Interval (interval.handling.mode)
 *   point                     POINT io.debezium.data.geometry.Point
 *   tsvector                  STRING io.debezium.data.Tsvector
 *   extension types, found by name (as Debezium's TypeRegistry): PostGIS geometry / geography
 *                             GEOMETRY io.debezium.data.geometry.Geometry / .Geography; hstore *json:
 *                             STRING io.debezium.data.Json, map: MAP (hstore.handling.mode); ltree
 *                             STRING io.debezium.data.Ltree; citext, isbn STRING
 *   int4range, int8range, numrange, tsrange, tstzrange, daterange   STRING (PostgreSQL's text)
 *   bit(1), varbit(1)         BOOL
 *   bit(n>1), varbit(n), varbit  BYTES io.debezium.data.Bits, length = n (0 = unknown for an
 *                             unconstrained varbit, where Debezium puts pgjdbc's "unknown length")
 *   domains                   their base type's mapping, with the domain's typmod unless the
 *                             column has its own
 *   arrays of the above       ARRAY of the element's mapping; for ARRAY columns semantic, precision,
 *                             scale, length and enum_values describe the elements. Elements are
 *                             optional, but those of enum and tsvector arrays (required in Debezium's
 *                             schema: rc_column_items_required); a NULL element there makes the whole
 *                             value null (lossy), as Debezium's struct refuses it
 *   anything else             STRING carrying PostgreSQL's text form, semantic NULL: other ranges,
 *                             multiranges, box, circle, line, lseg, path, polygon, tsquery, pg_lsn,
 *                             composite types; their arrays are ARRAY of such STRINGs. Never an error.
 *                             Debezium has no schema for these (rc_pg_type_debezium_known), nor for
 *                             arrays of money, name, interval, varbit, xml, point and of domains:
 *                             decoders/postgres/pg_relcache.c leaves such columns out, with a warning,
 *                             unless include.unknown.datatypes=true.
 *   arrays that cannot be read element by element (element delimiter other than ',' or PostGIS's
 *   ':', i.e. box[]; arrays of a domain over an array) are one STRING the same way.
 *
 * Values (rc_pg_value_from_text) assume the server settings rowcast's connections pin
 * (decoders/postgres/pg_conn.c): DateStyle=ISO, IntervalStyle=postgres, extra_float_digits=3 (floats in
 * shortest exact form), bytea_output=hex (escape format is read too), TimeZone=UTC (any offset is
 * read), and text in UTF-8 (a UTF8 database). Conversions follow Debezium's:
 *   - timestamp/time values are µs (or ms) since 1970-01-01 / midnight; "24:00:00" is a whole day.
 *     Milliseconds from microseconds round toward minus infinity (Java's Instant.toEpochMilli).
 *   - timestamp 'infinity' / '-infinity': 9223372036825200000 / -9223372036832400000 µs (ms: those
 *     divided by 1000), the values of pgjdbc's PGStatement.DATE_POSITIVE/NEGATIVE_INFINITY that
 *     Debezium's documentation gives. date 'infinity' / '-infinity': INT32_MAX / INT32_MIN days
 *     (Debezium's own date infinity constants are inconsistent, debezium/dbz#2524).
 *     timestamptz infinity: the strings "infinity" / "-infinity", as Debezium.
 *   - timestamptz: converted to UTC, "2026-11-24T10:15:30.123456Z": the fraction has exactly p
 *     digits for timestamptz(p) (6 when unconstrained; none for p=0), as Debezium's ZonedTimestamp;
 *     years as Java prints them: 0001-9999, "+10000", BC years as "-0043" (1 BC is year 0).
 *   - timetz: converted to UTC, wrapped to 00:00-24:00 (exclusive), "10:15:30.5Z" (the fraction with
 *     its trailing zeros dropped, as ISO_OFFSET_TIME); "24:00:00+00" gives "00:00:00Z", as Debezium
 *     (java.time reads hour 24 as the next midnight). time "24:00:00" stays a whole day
 *     (86 400 000 000 µs, 86 400 000 ms in every time.precision.mode), as Debezium's Duration.
 *   - interval: µs with a month of 365.25/12 days (Debezium's MicroDuration.DAYS_PER_MONTH_AVG,
 *     2 629 800 s), computed exactly in integers (Debezium's doubles may differ by 1 µs).
 *   - numeric precise: the unscaled value as minimal big-endian two's complement; DECIMAL(p,s)
 *     values carry exactly s fraction digits; VARDECIMAL strips trailing fraction zeros (scale =
 *     digits left; "100" has scale 0), as Debezium. A value with nonzero digits beyond the scale is
 *     an error (PostgreSQL never sends one; nothing is rounded silently).
 *   - numeric string mode: Java BigDecimal.toString() text ("1E-7" for 0.0000001), and NaN,
 *     Infinity, -Infinity as "NAN", "POSITIVE_INFINITY", "NEGATIVE_INFINITY" (SpecialValueDecimal).
 *     double mode: NaN and the infinities as doubles.
 *   - money: parsed from cash_out's text in any lc_monetary (rc_pg_money_parse); string mode gives
 *     plain decimal text with the scale's digits ("-1.00"; Debezium prints a Java double, "-1.0").
 *   - bit strings: Debezium's BitSet.toByteArray(): the bit string read as a binary number, its
 *     bytes least significant first, minimal (all zero bits give no bytes): "10110" -> 16.
 *   - bytea base64: standard alphabet with padding; hex: lowercase, as Debezium.
 *   - arrays: "{1,2,NULL}", quoted elements with \" and \\ escapes, "[0:1]={1,2}" (bounds dropped),
 *     "{}" (no items). Multi-dimensional arrays are flattened in row-major order, which loses
 *     their shape: that counts as a lossy conversion (below).
 *
 * Lossy conversions: numeric NaN/Infinity in precise mode (no Decimal can hold them; Debezium stops
 * the connector), multi-dimensional arrays, and values beyond int64 µs (timestamps after year
 * 294246, intervals over 292 271 years: clamped to INT64_MAX/MIN as Java's (long) cast does) still
 * return 0 but are counted (rc_pg_types_lossy_count) and logged as warnings (the first 10, then
 * every 1000th). NaN/Infinity become null.
 */
#ifndef RC_PG_TYPES_H
#define RC_PG_TYPES_H

#include "agent/arena.h"
#include "agent/conf.h"
#include "agent/event.h"
#include "agent/table.h"
#include "agent/typemodes.h"
#include "decoders/postgres/pg_catalog.h"

#include <stddef.h>
#include <stdint.h>

/* Connect names (rc_column_t.semantic) the mapping sets: static strings. */
#define RC_PG_SEM_DATE "io.debezium.time.Date"
#define RC_PG_SEM_TIME "io.debezium.time.Time"
#define RC_PG_SEM_MICROTIME "io.debezium.time.MicroTime"
#define RC_PG_SEM_TIMESTAMP "io.debezium.time.Timestamp"
#define RC_PG_SEM_MICROTIMESTAMP "io.debezium.time.MicroTimestamp"
#define RC_PG_SEM_ZONEDTIMESTAMP "io.debezium.time.ZonedTimestamp"
#define RC_PG_SEM_ZONEDTIME "io.debezium.time.ZonedTime"
#define RC_PG_SEM_MICRODURATION "io.debezium.time.MicroDuration"
#define RC_PG_SEM_CONNECT_DATE "org.apache.kafka.connect.data.Date"
#define RC_PG_SEM_CONNECT_TIME "org.apache.kafka.connect.data.Time"
#define RC_PG_SEM_CONNECT_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define RC_PG_SEM_VARDECIMAL "io.debezium.data.VariableScaleDecimal"
#define RC_PG_SEM_UUID "io.debezium.data.Uuid"
#define RC_PG_SEM_JSON "io.debezium.data.Json"
#define RC_PG_SEM_XML "io.debezium.data.Xml"
#define RC_PG_SEM_ENUM "io.debezium.data.Enum"
#define RC_PG_SEM_BITS "io.debezium.data.Bits"
#define RC_PG_SEM_LTREE "io.debezium.data.Ltree"
#define RC_PG_SEM_TSVECTOR "io.debezium.data.Tsvector"
#define RC_PG_SEM_INTERVAL "io.debezium.time.Interval"
#define RC_PG_SEM_POINT "io.debezium.data.geometry.Point"
#define RC_PG_SEM_GEOMETRY "io.debezium.data.geometry.Geometry"
#define RC_PG_SEM_GEOGRAPHY "io.debezium.data.geometry.Geography"

/* How a column's text is converted when its rc type alone does not say (rc_column_t.source_conv; for
 * arrays, of the elements). Extension types have no fixed OID: the mapping finds them by name. */
typedef enum {
	RC_PG_CONV_TEXT = 0,    /* by the rc type and source_oid, as before */
	RC_PG_CONV_POINT,       /* point "(x,y)" -> RC_T_POINT */
	RC_PG_CONV_EWKB,        /* PostGIS geometry/geography: hex EWKB -> RC_T_GEOMETRY */
	RC_PG_CONV_HSTORE_JSON, /* hstore -> JSON object text (hstore.handling.mode=json) */
	RC_PG_CONV_HSTORE_MAP,  /* hstore -> RC_T_MAP (hstore.handling.mode=map) */
	RC_PG_CONV_INTERVAL_ISO /* interval -> "P1Y2M3DT4H5M6.5S" (interval.handling.mode=string) */
} rc_pg_conv_t;

typedef enum { RC_HSTORE_MODE_JSON = 0, RC_HSTORE_MODE_MAP } rc_hstore_mode_t;
typedef enum { RC_INTERVAL_MODE_NUMERIC = 0, RC_INTERVAL_MODE_STRING } rc_interval_mode_t;

#define RC_PG_UNAVAILABLE_DEFAULT "__debezium_unavailable_value"

/* The column length of bytea mapped to STRING is its rc_binary_mode_t (see rc_pg_column_map). */
typedef struct rc_pg_type_opts {
	rc_typemodes_t modes;        /* decimal.handling.mode, time.precision.mode, binary.handling.mode */
	int money_fraction_digits;   /* money.fraction.digits (Debezium's property), default 2 */
	rc_hstore_mode_t hstore;     /* hstore.handling.mode, default json */
	rc_interval_mode_t interval; /* interval.handling.mode, default numeric */
	const char *placeholder;     /* unavailable.value.placeholder (borrowed from the configuration
	                              * or static), its UTF-8 bytes what an unchanged TOAST value becomes */
	size_t placeholder_len;
	bool include_unknown; /* include.unknown.datatypes: publish types Debezium has no schema for */
} rc_pg_type_opts_t;

/* Sets Debezium's defaults: precise, adaptive, bytes, 2, json, numeric, __debezium_unavailable_value. */
void rc_pg_type_opts_default(rc_pg_type_opts_t *opts);

/* Reads decimal.handling.mode, time.precision.mode, binary.handling.mode and, when the
 * configuration knows it, money.fraction.digits (0..18); unset keys keep the defaults. Returns 0,
 * or -1 with err naming the property and its value. */
int rc_pg_type_opts_from_conf(rc_pg_type_opts_t *opts, const rc_conf_t *conf, char *err, size_t errlen);

/*
 * Maps a column of type ti (borrowed; from rc_pg_typecache_get) with attribute typmod (pgoutput's
 * atttypmod, -1 for none) per the table above. Sets col->type, elem_type, semantic (a static string
 * or NULL), precision, scale, length, enum_values, source_type (copied: "numeric(12,2)", "_int4",
 * the domain's or enum's name), source_oid and source_typmod. Call it after rc_column_set_names
 * (which resets source_type), and do not change these fields afterwards: rc_pg_value_from_text reads
 * them. source_oid is the type whose text format the values have: ti's base type once domains are
 * resolved (for arrays, the built-in array type of the resolved element when there is one), so a
 * domain over bytea converts like bytea. Other fields carry conversion details:
 *   scale: money's fraction digits in every mode; timestamptz's fraction width (p, 6 unconstrained)
 *   length: bit strings' declared length; bytea as STRING: RC_BINARY_MODE_BASE64 or _HEX
 * Unknown types map to STRING and are not an error. Returns 0, or -1 when out of memory (err set).
 */
int rc_pg_column_map(rc_column_t *col, const rc_pg_typeinfo_t *ti, int32_t typmod,
                     const rc_pg_type_opts_t *opts, char *err, size_t errlen);

/*
 * Whether Debezium 3.6.1's PostgreSQL connector has a schema for type ti (borrowed): false for the
 * types its value converter returns no schema builder for, whose columns it leaves out of its events
 * unless include.unknown.datatypes is set: base types outside its mapping (box, circle, line, lseg,
 * path, polygon, tsquery, pg_lsn, txid_snapshot, reg* ...), composite types, multiranges, ranges other
 * than the six built-in ones, arrays of money, name, interval, varbit, xml, point and refcursor,
 * arrays of a domain, and arrays of those unknown types. A domain column counts as its base type.
 */
bool rc_pg_type_debezium_known(const rc_pg_typeinfo_t *ti);

/*
 * Converts text (len bytes, need not be NUL-terminated; NULL means SQL NULL) in PostgreSQL's
 * text output format into out, for a column mapped by rc_pg_column_map (borrowed). Everything
 * out points to (strings, bytes, array items) is allocated from arena; strings are also
 * NUL-terminated. Returns 0 (out->state RC_V_SET, or RC_V_NULL for NULL text and for the lossy
 * NaN/Infinity case above), or -1 with err naming the column and the offending text (cut at 60
 * characters): malformed text, a value out of the type's range, out of memory.
 */
int rc_pg_value_from_text(const rc_column_t *col, const char *text, size_t len, rc_arena_t *arena,
                          rc_value_t *out, char *err, size_t errlen);

/*
 * The value Debezium writes for an unchanged TOAST value (pgoutput's 'u': the server did not send it)
 * of column col (mapped by rc_pg_column_map; borrowed), into out, with opts' placeholder (arena
 * memory). As Debezium 3.6.1's UnchangedToastedPlaceholder and value converters do, by the column's
 * type name (source_type without its modifier) and mapping:
 *   _text _varchar _bpchar _json _jsonb   [placeholder]           (one-element array)
 *   _bytea                                [placeholder bytes] (base64 / hex text in those modes)
 *   _int4 _date / _int8                   the placeholder's bytes, each a signed element
 *   _uuid                                 [UUID.nameUUIDFromBytes(placeholder)] (an MD5 UUID)
 *   hstore                                json: {"<ph>":"<ph>"}; map: {<ph>: <ph>}
 *   any other STRING column               the placeholder (json, xml, text, ltree, tsvector, bytea in
 *                                         base64/hex mode, numeric in string mode, ...)
 *   any other BYTES column but bit strings the placeholder's bytes
 *   everything else                       null (Debezium's converters refuse the placeholder there and
 *                                         its struct leaves the field null: numeric in precise or
 *                                         double mode, bit strings, other arrays, PostGIS types)
 * Returns 0, or -1 when out of memory (err set).
 */
int rc_pg_value_unchanged(const rc_column_t *col, const rc_pg_type_opts_t *opts, rc_arena_t *arena,
                          rc_value_t *out, char *err, size_t errlen);

/* Lossy conversions since the process started (see above), for metrics and tests. */
uint64_t rc_pg_types_lossy_count(void);

#endif
