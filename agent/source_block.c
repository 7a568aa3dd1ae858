/* The source block field tables of agent/source_block.h and their getters. */
#include "config.h"

#include "agent/source_block.h"

#include "agent/calendar.h"
#include "agent/decimal.h"

#include <string.h>

/* ---- getters: one per way a value is found ---------------------------------------------------- */

static void set_str(rc_source_value_t *v, const char *s, size_t len)
{
	v->null = false;
	v->s = s;
	v->len = len;
}

/* A string of the event, "" when it has none (a required field), or null (optional). */
static void set_cstr(rc_source_value_t *v, const char *s, bool optional)
{
	if (!s && optional) {
		v->null = true;
		return;
	}
	set_str(v, s ? s : "", s ? strlen(s) : 0);
}

static void set_long(rc_source_value_t *v, bool present, int64_t i)
{
	v->null = !present;
	v->i = i;
}

/* A field Debezium has and rowcast never fills (xmin, origin, query...). */
static void get_null(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	(void)cx;
	v->null = true;
}

static void get_version(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	(void)cx;
	set_str(v, RC_SOURCE_BLOCK_VERSION, sizeof RC_SOURCE_BLOCK_VERSION - 1);
}

static void get_connector(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_str(v, cx->block->connector, cx->block->connector_len);
}

static void get_name(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_str(v, cx->name, cx->name_len);
}

static void get_ts_ms(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, true, rc_calendar_floor_div(cx->ev->source.ts_us, 1000));
}

static void get_ts_us(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, true, cx->ev->source.ts_us);
}

/* Wraps instead of overflowing past year 294247, where a Java long would wrap too. */
static void get_ts_ns(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, true, (int64_t)((uint64_t)cx->ev->source.ts_us * 1000));
}

static void get_snapshot(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	const char *s = cx->ev->source.snapshot;

	if (s)
		set_str(v, s, strlen(s));
	else
		set_str(v, "false", 5);
}

static void get_db(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_cstr(v, cx->ev->source.db, false);
}

/* ["<last commit lsn>","<this lsn>"], or [null,"<this lsn>"] before the first commit is known; the
 * LSNs as decimal strings, as Debezium's PostgresOffsetContext writes them. */
static void get_pg_sequence(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	const rc_source_info_t *s = &cx->ev->source;
	char *p = v->buf;

	*p++ = '[';
	if (s->last_commit_lsn) {
		*p++ = '"';
		p += rc_decimal_format_u64(s->last_commit_lsn, p);
		*p++ = '"';
	} else {
		memcpy(p, "null", 4);
		p += 4;
	}
	*p++ = ',';
	*p++ = '"';
	p += rc_decimal_format_u64(s->lsn, p);
	*p++ = '"';
	*p++ = ']';
	set_str(v, v->buf, (size_t)(p - v->buf));
}

static void get_pg_schema(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_cstr(v, cx->ev->table ? cx->ev->table->schema_name : NULL, false);
}

static void get_pg_table(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_cstr(v, cx->ev->table ? cx->ev->table->name : NULL, false);
}

static void get_pg_txid(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, cx->ev->source.txid >= 0, cx->ev->source.txid);
}

/* An LSN is unsigned; Debezium's int64 holds its bits (every real LSN is far below 2^63). */
static void get_pg_lsn(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, cx->ev->source.lsn != 0, (int64_t)cx->ev->source.lsn);
}

static void get_binlog_table(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	/* A schema change event names its table without having one (source.table). */
	set_cstr(v, cx->ev->table ? cx->ev->table->name : cx->ev->source.table, true);
}

static void get_server_id(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, true, cx->ev->source.server_id);
}

static void get_gtid(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_cstr(v, cx->ev->source.gtid, true);
}

static void get_file(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_cstr(v, cx->ev->source.file, false);
}

static void get_pos(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, true, cx->ev->source.pos);
}

static void get_row(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, true, cx->ev->source.row);
}

static void get_query(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_cstr(v, cx->ev->source.query, true);
}

static void get_thread(const rc_source_ctx_t *cx, rc_source_value_t *v)
{
	set_long(v, cx->ev->source.thread >= 0, cx->ev->source.thread);
}

/* ---- the tables -------------------------------------------------------------------------------- */

#define FIELD(name, kind, get)                                                                               \
	{                                                                                                    \
		name, sizeof name - 1, kind, get                                                             \
	}

/* AbstractSourceInfoStructMaker.commonSchemaBuilder(): every connector starts with these; only the
 * sequence differs (a PostgreSQL notion, null for the binlog connectors). One field a line, as in
 * the tables below. */
/* clang-format off */
#define COMMON_FIELDS(get_sequence)                                                                          \
	FIELD("version", RC_SOURCE_STRING, get_version),                                                     \
	FIELD("connector", RC_SOURCE_STRING, get_connector),                                                 \
	FIELD("name", RC_SOURCE_STRING, get_name),                                                           \
	FIELD("ts_ms", RC_SOURCE_LONG, get_ts_ms),                                                           \
	FIELD("snapshot", RC_SOURCE_SNAPSHOT, get_snapshot),                                                 \
	FIELD("db", RC_SOURCE_STRING, get_db),                                                               \
	FIELD("sequence", RC_SOURCE_OPT_STRING, get_sequence),                                               \
	FIELD("ts_us", RC_SOURCE_OPT_LONG, get_ts_us),                                                       \
	FIELD("ts_ns", RC_SOURCE_OPT_LONG, get_ts_ns)
/* clang-format on */

/* PostgresSourceInfoStructMaker. */
static const rc_source_field_t pg_fields[] = {
    COMMON_FIELDS(get_pg_sequence),
    FIELD("schema", RC_SOURCE_STRING, get_pg_schema),
    FIELD("table", RC_SOURCE_STRING, get_pg_table),
    FIELD("txId", RC_SOURCE_OPT_LONG, get_pg_txid),
    FIELD("lsn", RC_SOURCE_OPT_LONG, get_pg_lsn),
    FIELD("xmin", RC_SOURCE_OPT_LONG, get_null),
    FIELD("origin", RC_SOURCE_OPT_STRING, get_null),
    FIELD("origin_lsn", RC_SOURCE_OPT_LONG, get_null),
};

/* BinlogSourceInfoStructMaker: MySQL and MariaDB. */
static const rc_source_field_t binlog_fields[] = {
    COMMON_FIELDS(get_null),
    FIELD("table", RC_SOURCE_OPT_STRING, get_binlog_table),
    FIELD("server_id", RC_SOURCE_LONG, get_server_id),
    FIELD("gtid", RC_SOURCE_OPT_STRING, get_gtid),
    FIELD("file", RC_SOURCE_STRING, get_file),
    FIELD("pos", RC_SOURCE_LONG, get_pos),
    FIELD("row", RC_SOURCE_INT, get_row),
    FIELD("thread", RC_SOURCE_OPT_LONG, get_thread),
    FIELD("query", RC_SOURCE_OPT_STRING, get_query),
};

#define NFIELDS(a) (sizeof a / sizeof a[0])

#define BLOCK(connector, fields)                                                                             \
	{                                                                                                    \
		connector, sizeof connector - 1, "io.debezium.connector." connector, fields, NFIELDS(fields) \
	}

static const rc_source_block_t blocks[] = {
    BLOCK("postgresql", pg_fields),
    BLOCK("mysql", binlog_fields),
    BLOCK("mariadb", binlog_fields),
};

const rc_source_block_t *rc_source_block_find(const char *connector)
{
	if (!connector)
		return NULL;
	for (size_t i = 0; i < NFIELDS(blocks); i++)
		if (connector[0] == blocks[i].connector[0] && strcmp(connector, blocks[i].connector) == 0)
			return &blocks[i];
	return NULL;
}

void rc_source_block_ctx(rc_source_ctx_t *cx, const rc_source_block_t *block, const rc_event_t *ev,
                         const char *name)
{
	cx->block = block;
	cx->ev = ev;
	cx->name = name ? name : "";
	cx->name_len = strlen(cx->name);
}
