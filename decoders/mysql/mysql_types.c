/*
 * MySQL/MariaDB column types to rowcast's logical types, as Debezium's MySQL and MariaDB connectors
 * map them by default (shared-mariadb-mysql.adoc's type tables; MySqlValueConverters and
 * BinlogValueConverters). Where rowcast decides differently the comment at the case says why.
 */
#include "config.h"

#include "decoders/mysql/mysql_types.h"

#include "agent/errors.h"
#include "decoders/mysql/mysql_charset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEM_BITS "io.debezium.data.Bits"
#define SEM_ENUM "io.debezium.data.Enum"
#define SEM_ENUMSET "io.debezium.data.EnumSet"
#define SEM_JSON "io.debezium.data.Json"
#define SEM_GEOMETRY "io.debezium.data.geometry.Geometry"
#define SEM_YEAR "io.debezium.time.Year"
#define SEM_DATE "io.debezium.time.Date"
#define SEM_TIME "io.debezium.time.Time"
#define SEM_MICROTIME "io.debezium.time.MicroTime"
#define SEM_TIMESTAMP "io.debezium.time.Timestamp"
#define SEM_MICROTIMESTAMP "io.debezium.time.MicroTimestamp"
#define SEM_ZONEDTIMESTAMP "io.debezium.time.ZonedTimestamp"
#define SEM_CONNECT_DATE "org.apache.kafka.connect.data.Date"
#define SEM_CONNECT_TIME "org.apache.kafka.connect.data.Time"
#define SEM_CONNECT_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"

int rc_mysql_modes_from_conf(rc_mysql_modes_t *m, const rc_conf_t *conf, char *err, size_t errlen)
{
	const char *big = rc_conf_get(conf, "bigint.unsigned.handling.mode");

	if (rc_typemodes_from_conf(&m->base, conf, err, errlen) != 0)
		return RC_ERR_FATAL;
	/* Debezium's default time.precision.mode for MySQL and MariaDB is adaptive_time_microseconds
	 * (TIME always as MicroTime, whatever its fsp). properties.c declares no default for the
	 * property, so unset means the source's own default. */
	if (!rc_conf_get(conf, "time.precision.mode"))
		m->base.time = RC_TIME_MODE_ADAPTIVE_MICROS;
	m->bigint_precise = false;
	if (big) {
		if (strcmp(big, "precise") == 0)
			m->bigint_precise = true;
		else if (strcmp(big, "long") != 0) {
			snprintf(
			    err, errlen,
			    "bigint.unsigned.handling.mode = '%s' is not valid (expected one of: long|precise)",
			    big);
			return RC_ERR_FATAL;
		}
	}
	return 0;
}

/* Debezium's column type names as __debezium.source.column.type shows them: the type's keyword in
 * capitals, " UNSIGNED" for unsigned numbers. The binlog cannot tell TINYTEXT from LONGTEXT (nor
 * BOOLEAN from TINYINT(1)), so neither side says more than the kind, and both say the same. */
static const char *const kind_names[] = {
    [RC_MY_TINYINT] = "TINYINT",
    [RC_MY_SMALLINT] = "SMALLINT",
    [RC_MY_MEDIUMINT] = "MEDIUMINT",
    [RC_MY_INT] = "INT",
    [RC_MY_BIGINT] = "BIGINT",
    [RC_MY_FLOAT] = "FLOAT",
    [RC_MY_DOUBLE] = "DOUBLE",
    [RC_MY_DECIMAL] = "DECIMAL",
    [RC_MY_BIT] = "BIT",
    [RC_MY_YEAR] = "YEAR",
    [RC_MY_DATE] = "DATE",
    [RC_MY_TIME] = "TIME",
    [RC_MY_DATETIME] = "DATETIME",
    [RC_MY_TIMESTAMP] = "TIMESTAMP",
    [RC_MY_CHAR] = "CHAR",
    [RC_MY_VARCHAR] = "VARCHAR",
    [RC_MY_TEXT] = "TEXT",
    [RC_MY_BINARY] = "BINARY",
    [RC_MY_VARBINARY] = "VARBINARY",
    [RC_MY_BLOB] = "BLOB",
    [RC_MY_ENUM] = "ENUM",
    [RC_MY_SET] = "SET",
    [RC_MY_JSON] = "JSON",
    [RC_MY_GEOMETRY] = "GEOMETRY",
    [RC_MY_VECTOR] = "VECTOR",
};

static bool is_text_kind(rc_mysql_kind_t k)
{
	return k == RC_MY_CHAR || k == RC_MY_VARCHAR || k == RC_MY_TEXT;
}

/* Binary string kinds, and text kinds whose collation is binary (63): the binlog says STRING for
 * CHAR and BINARY alike. */
static bool is_binary(const rc_mysql_coldef_t *def)
{
	return def->kind == RC_MY_BINARY || def->kind == RC_MY_VARBINARY || def->kind == RC_MY_BLOB ||
	       (is_text_kind(def->kind) && def->collation == 63);
}

/* "a,b,c" of the labels in UTF-8 (converted from the column's charset), malloc'd into *joined.
 * Debezium joins the labels with commas as they are, so a label holding a comma cannot be told
 * apart in "allowed" there either. Returns 0, or RC_ERR_FATAL with err. */
static int join_labels(const rc_mysql_coldef_t *def, char **joined, char *err, size_t errlen)
{
	rc_arena_t tmp; /* the converted labels, until they are joined */
	const char **u = NULL;
	size_t *ul = NULL, n = 1, bad;
	char *s = NULL, *p;
	int rc = RC_ERR_FATAL;

	rc_arena_init(&tmp, 0);
	u = rc_arena_calloc(&tmp, def->nlabels ? def->nlabels : 1, sizeof *u);
	ul = rc_arena_calloc(&tmp, def->nlabels ? def->nlabels : 1, sizeof *ul);
	if (!u || !ul) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < def->nlabels; i++) {
		int r = rc_mysql_label_utf8(def->collation, def->labels[i], &tmp, &u[i], &ul[i], &bad);
		if (r == RC_MY_CS_INVALID) {
			snprintf(err, errlen, "label %u is not %s text (byte %zu)", (unsigned)i + 1,
			         rc_mysql_charset_name(rc_mysql_charset_of(def->collation)), bad);
			goto done;
		}
		if (r != 0) {
			snprintf(err, errlen, "label %u: no converter to UTF-8 (or out of memory)",
			         (unsigned)i + 1);
			goto done;
		}
		n += ul[i] + 1;
	}
	s = malloc(n);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	p = s;
	for (uint32_t i = 0; i < def->nlabels; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, u[i], ul[i]);
		p += ul[i];
	}
	*p = '\0';
	*joined = s;
	rc = 0;
done:
	rc_arena_destroy(&tmp);
	return rc;
}

static void map_time(rc_column_t *col, const rc_mysql_coldef_t *def, const rc_mysql_modes_t *m)
{
	rc_time_mode_t t = m->base.time;

	switch (def->kind) {
	case RC_MY_DATE:
		col->type = RC_T_DATE;
		col->semantic = t == RC_TIME_MODE_CONNECT ? SEM_CONNECT_DATE : SEM_DATE;
		break;
	case RC_MY_TIME:
		if (t == RC_TIME_MODE_CONNECT) {
			col->type = RC_T_TIME_MILLIS;
			col->semantic = SEM_CONNECT_TIME;
		} else if (t == RC_TIME_MODE_ADAPTIVE && def->fsp <= 3) {
			col->type = RC_T_TIME_MILLIS;
			col->semantic = SEM_TIME;
		} else {
			col->type = RC_T_TIME_MICROS;
			col->semantic = SEM_MICROTIME;
		}
		break;
	case RC_MY_DATETIME:
		/* adaptive_time_microseconds changes TIME only: DATETIME stays adaptive. */
		if (t == RC_TIME_MODE_CONNECT) {
			col->type = RC_T_TIMESTAMP_MILLIS;
			col->semantic = SEM_CONNECT_TIMESTAMP;
		} else if (def->fsp <= 3) {
			col->type = RC_T_TIMESTAMP_MILLIS;
			col->semantic = SEM_TIMESTAMP;
		} else {
			col->type = RC_T_TIMESTAMP_MICROS;
			col->semantic = SEM_MICROTIMESTAMP;
		}
		break;
	default: /* TIMESTAMP: an instant, in every mode */
		col->type = RC_T_STRING;
		col->semantic = SEM_ZONEDTIMESTAMP;
		break;
	}
}

static int map(rc_column_t *col, const rc_mysql_coldef_t *def, const rc_mysql_modes_t *m, char *err,
               size_t errlen)
{
	bool u = def->is_unsigned;

	switch (def->kind) {
	case RC_MY_TINYINT:
		/* Debezium 3.6.1's binlog connectors write TINYINT as Connect INT16, signed or not (seen
		 * side by side in tests/compat/: its docs' INT8 is not what it sends). */
		col->type = RC_T_INT16;
		break;
	case RC_MY_SMALLINT:
		col->type = u ? RC_T_INT32 : RC_T_INT16;
		break;
	case RC_MY_MEDIUMINT:
		col->type = RC_T_INT32;
		break;
	case RC_MY_INT:
		col->type = u ? RC_T_INT64 : RC_T_INT32;
		break;
	case RC_MY_BIGINT:
		if (u && m->bigint_precise) { /* Decimal(20,0): 18446744073709551615 has 20 digits */
			col->type = RC_T_DECIMAL;
			col->precision = 20;
			col->scale = 0;
		} else {
			/* long mode: the 64 bits as a signed long, as Debezium does (values above
			 * 2^63-1 come out negative). */
			col->type = RC_T_INT64;
		}
		break;
	case RC_MY_FLOAT:
		/* Debezium: FLOAT(p) with p <= 23 (the 4-byte FLOAT) is FLOAT32, FLOAT(M,D) FLOAT64. MySQL
		 * makes FLOAT(p > 23) a DOUBLE. The binlog does not keep (M,D): only the snapshot's
		 * NUMERIC_SCALE can tell, so a streamed FLOAT(M,D) is FLOAT32 where Debezium, which
		 * reads the DDL, says FLOAT64. */
		col->type = def->scale > 0 ? RC_T_FLOAT64 : RC_T_FLOAT32;
		break;
	case RC_MY_DOUBLE:
		col->type = RC_T_FLOAT64;
		break;
	case RC_MY_DECIMAL:
		col->precision = def->precision;
		col->scale = def->scale;
		col->type = m->base.decimal == RC_DECIMAL_MODE_DOUBLE   ? RC_T_FLOAT64
		            : m->base.decimal == RC_DECIMAL_MODE_STRING ? RC_T_STRING
		                                                        : RC_T_DECIMAL;
		break;
	case RC_MY_BIT:
		if (def->length < 1 || def->length > 64) {
			snprintf(err, errlen, "BIT(%d) is not a MySQL type (1..64 bits)", (int)def->length);
			return RC_ERR_FATAL;
		}
		if (def->length == 1) {
			col->type = RC_T_BOOL;
		} else {
			col->type = RC_T_BYTES;
			col->semantic = SEM_BITS;
			col->length = def->length;
		}
		break;
	case RC_MY_YEAR:
		col->type = RC_T_INT32;
		col->semantic = SEM_YEAR;
		break;
	case RC_MY_DATE:
	case RC_MY_TIME:
	case RC_MY_DATETIME:
	case RC_MY_TIMESTAMP:
		if (def->fsp < 0 || def->fsp > 6) {
			snprintf(err, errlen, "fractional second precision %d is not 0..6", (int)def->fsp);
			return RC_ERR_FATAL;
		}
		map_time(col, def, m);
		break;
	case RC_MY_CHAR:
	case RC_MY_VARCHAR:
	case RC_MY_TEXT:
	case RC_MY_BINARY:
	case RC_MY_VARBINARY:
	case RC_MY_BLOB:
		if (is_binary(def)) {
			/* As the PostgreSQL side does it: bytes, or text with the mode in length. */
			if (m->base.binary == RC_BINARY_MODE_BYTES) {
				col->type = RC_T_BYTES;
			} else {
				col->type = RC_T_STRING;
				col->length = (int32_t)m->base.binary;
			}
		} else {
			if (rc_mysql_charset_of(def->collation) == RC_MY_CS_UNKNOWN) {
				if (def->collation == 0)
					snprintf(
					    err, errlen,
					    "the character set is unknown (no collation given: MySQL writes it "
					    "to the binlog with binlog_row_metadata=FULL)");
				else
					snprintf(err, errlen,
					         "collation id %u is not one MySQL or MariaDB defines",
					         (unsigned)def->collation);
				return RC_ERR_FATAL;
			}
			col->type = RC_T_STRING;
		}
		break;
	case RC_MY_ENUM:
	case RC_MY_SET:
		col->type = RC_T_STRING;
		col->semantic = def->kind == RC_MY_ENUM ? SEM_ENUM : SEM_ENUMSET;
		if (def->nlabels > 0 && !def->labels) {
			snprintf(err, errlen, "%u labels announced, none given", (unsigned)def->nlabels);
			return RC_ERR_FATAL;
		}
		if (join_labels(def, &col->enum_values, err, errlen) != 0)
			return RC_ERR_FATAL;
		break;
	case RC_MY_JSON:
		col->type = RC_T_STRING;
		col->semantic = SEM_JSON;
		break;
	case RC_MY_GEOMETRY:
		col->type = RC_T_GEOMETRY;
		col->semantic = SEM_GEOMETRY;
		break;
	case RC_MY_VECTOR:
		/* Debezium 3's MySQL VECTOR: io.debezium.data.FloatVector, an array of FLOAT32. */
		col->type = RC_T_ARRAY;
		col->elem_type = RC_T_FLOAT32;
		col->semantic = RC_SEM_FLOATVECTOR;
		col->length = def->length;
		break;
	default:
		snprintf(err, errlen, "kind %d is not a MySQL type rowcast maps", (int)def->kind);
		return RC_ERR_FATAL;
	}
	return 0;
}

/* The widest character of cs in bytes (MySQL's mbmaxlen): a VARCHAR(n)'s byte maximum is n times it. */
static int32_t widest_char(rc_mysql_charset_t cs)
{
	switch (cs) {
	case RC_MY_CS_UTF8MB4:
	case RC_MY_CS_UTF16:
	case RC_MY_CS_UTF16LE:
	case RC_MY_CS_UTF32:
	case RC_MY_CS_GB18030:
		return 4;
	case RC_MY_CS_UTF8MB3:
	case RC_MY_CS_UJIS:
	case RC_MY_CS_EUCJPMS:
		return 3;
	case RC_MY_CS_UCS2:
	case RC_MY_CS_BIG5:
	case RC_MY_CS_SJIS:
	case RC_MY_CS_EUCKR:
	case RC_MY_CS_GB2312:
	case RC_MY_CS_GBK:
	case RC_MY_CS_CP932:
		return 2;
	default:
		return 1;
	}
}

int rc_mysql_column_init(rc_column_t *col, size_t index, const rc_mysql_coldef_t *def,
                         const rc_mysql_modes_t *m, char *err, size_t errlen)
{
	char name[32], type[48], why[256];
	const char *n = def->name;

	if (!n) {
		snprintf(name, sizeof name, "@%zu", index + 1);
		n = name;
	}
	if ((unsigned)def->kind < sizeof kind_names / sizeof kind_names[0] && kind_names[def->kind])
		snprintf(type, sizeof type, "%s%s", kind_names[def->kind],
		         def->is_unsigned && def->kind <= RC_MY_DECIMAL ? " UNSIGNED" : "");
	else
		snprintf(type, sizeof type, "kind %d", (int)def->kind);
	if (rc_column_set_names(col, n, type) != 0) {
		snprintf(err, errlen, "column %s: out of memory", n);
		return RC_ERR_FATAL;
	}
	if (map(col, def, m, why, sizeof why) != 0) {
		snprintf(err, errlen, "column %s (%s): %s", n, type, why);
		return RC_ERR_FATAL;
	}
	col->key = def->key;
	col->optional = def->nullable;
	/* Debezium's column.length() of CHAR(n)/VARCHAR(n), n characters: the column mappers cut a hash
	 * to it. The snapshot reads n from the DDL's type, the binlog gives n x the widest character. */
	if (col->type == RC_T_STRING && (def->kind == RC_MY_CHAR || def->kind == RC_MY_VARCHAR))
		col->char_length = def->char_length > 0 ? def->char_length
		                   : def->max_bytes > 0
		                       ? def->max_bytes / widest_char(rc_mysql_charset_of(def->collation))
		                       : 0;
	return 0;
}

int rc_mysql_topic(char *buf, size_t len, const char *prefix, const char *db, const char *table)
{
	int n = snprintf(buf, len, "%s.%s.%s", prefix, db, table);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
