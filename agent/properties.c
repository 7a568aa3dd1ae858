#include "config.h"

#include "agent/properties.h"

#include "agent/typemodes.h"

#include <stdlib.h>
#include <string.h>

#define NOLIMIT 0, 0
#define PORT 1, 65535

static const rc_prop_def_t props[] = {
    /* Source selection and connection. */
    {"source.type", RC_PROP_ENUM, NULL, "postgres|mysql|mariadb", NOLIMIT, RC_PROP_REQUIRED,
     "database to capture from"},
    {"database.hostname", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_REQUIRED,
     "database host name or address"},
    {"database.port", RC_PROP_INT, NULL, NULL, PORT, 0, "database port (default 5432 or 3306)"},
    {"database.user", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_REQUIRED, "database user"},
    {"database.password", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_SECRET | RC_PROP_FILE_VARIANT,
     "database password (or database.password.file)"},
    {"database.dbname", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0, "PostgreSQL database to capture"},
    {"database.sslmode", RC_PROP_ENUM, "prefer", "disable|allow|prefer|require|verify-ca|verify-full",
     NOLIMIT, 0, "TLS mode of the database connection"},
    {"database.sslrootcert", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0, "CA certificate file"},
    {"database.sslcrl", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0,
     "PostgreSQL: certificate revocation list of database.sslrootcert's CA"},
    {"database.sslpassword", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_SECRET | RC_PROP_FILE_VARIANT,
     "PostgreSQL: passphrase of an encrypted database.sslkey"},
    {"database.sslcert", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0, "client certificate file"},
    {"database.sslkey", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0, "client key file"},
    {"database.server.id", RC_PROP_INT, NULL, NULL, 1, 4294967295LL, 0,
     "MySQL replica server id, unique in the replication topology"},
    {"database.include.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0,
     "MySQL/MariaDB databases to capture (regular expressions on the database name)"},
    {"database.exclude.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0, "MySQL/MariaDB databases to skip"},
    {"database.ssl.mode", RC_PROP_ENUM, "preferred", "disabled|preferred|required|verify_ca|verify_identity",
     NOLIMIT, 0, "MySQL/MariaDB TLS (CA, certificate and key: database.sslrootcert, sslcert, sslkey)"},
    {"database.tcpKeepAlive", RC_PROP_BOOL, "true", NULL, NOLIMIT, 0,
     "TCP keepalives on the database connections (Debezium's): idle 30 s, every 10 s, 3 probes"},
    {"database.tcp.user.timeout.ms", RC_PROP_INT, "0", NULL, 0, 3600000, 0,
     "TCP_USER_TIMEOUT of the database connections: sent data unacknowledged this long drops the "
     "connection (0: the system's)"},
    {"replication.timeout.ms", RC_PROP_INT, "60000", NULL, 0, 3600000, 0,
     "PostgreSQL: no message from the server this long (a reply asked for at half) is a dead "
     "replication connection: reconnect (0: never; as wal_receiver_timeout)"},
    {"startup.connect.timeout.ms", RC_PROP_INT, "15000", NULL, 0, 86400000, 0,
     "how long rowcast retries at start before it exits 1 when it cannot get its source going (wrong "
     "port, host or password, a server still starting); once started, a lost source is retried "
     "without end"},
    {"connect.timeout.ms", RC_PROP_INT, "30000", NULL, 1000, 3600000, 0,
     "MySQL/MariaDB: how long a connection attempt may take"},
    {"binlog.heartbeat.interval.ms", RC_PROP_INT, "10000", NULL, 100, 3600000, 0,
     "MySQL/MariaDB: the server sends a heartbeat this often on a quiet binlog; three missed = a dead "
     "connection"},
    {"include.schema.changes", RC_PROP_BOOL, "true", NULL, NOLIMIT, 0,
     "MySQL/MariaDB: publish DDL as schema change events on the <topic.prefix> topic"},
    {"include.query", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "MySQL/MariaDB: the statement of each row change in source.query (needs binlog_rows_query_log_events"
     " on MySQL, binlog_annotate_row_events on MariaDB)"},
    {"snapshot.locking.mode", RC_PROP_ENUM, "minimal", "minimal|none", NOLIMIT, 0,
     "MySQL/MariaDB snapshots: minimal = a global read lock only while the readers start their "
     "consistent snapshots; none = no lock (only when nothing writes DDL during the snapshot)"},

    /* What to capture and how to name it. */
    {"topic.prefix", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_REQUIRED,
     "prefix of every topic name and the source.name field"},
    {"topic.delimiter", RC_PROP_STRING, ".", NULL, NOLIMIT, 0, "separator in topic names"},
    {"schema.include.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0, "PostgreSQL schemas to capture"},
    {"schema.exclude.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0, "PostgreSQL schemas to skip"},
    {"table.include.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0,
     "tables to capture (schema.table or db.table regexes)"},
    {"table.exclude.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0, "tables to skip"},
    {"column.exclude.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0,
     "columns to leave out (schema.table.column regexes)"},
    {"column.include.list", RC_PROP_REGEXES, NULL, NULL, NOLIMIT, 0,
     "the only columns to publish (schema.table.column regexes; not with column.exclude.list)"},
    {"message.key.columns", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0,
     "key columns for tables without a primary key: tbl:col1,col2;tbl2:col"},
    {"tombstones.on.delete", RC_PROP_BOOL, "true", NULL, NOLIMIT, 0,
     "send a tombstone (null value) after each delete"},
    /* Debezium's default: truncates are skipped. `none` publishes them (a consumer that misses one
     * keeps rows the source no longer has). */
    {"skipped.operations", RC_PROP_STRING, "t", NULL, NOLIMIT, 0,
     "operations not to publish: a list of c, u, d, t, or none (Debezium's default t skips truncates)"},
    {"provide.transaction.metadata", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "publish BEGIN/END records to <prefix>.transaction and each event's transaction block"},
    {"topic.transaction", RC_PROP_STRING, "transaction", NULL, NOLIMIT, 0,
     "name of the transaction metadata topic after <topic.prefix><topic.delimiter>"},

    /* PostgreSQL. */
    {"plugin.name", RC_PROP_ENUM, "pgoutput", "pgoutput", NOLIMIT, 0,
     "logical decoding plugin (only pgoutput)"},
    {"slot.name", RC_PROP_STRING, "rowcast", NULL, NOLIMIT, 0, "replication slot name"},
    {"publication.name", RC_PROP_STRING, "rowcast_publication", NULL, NOLIMIT, 0, "publication name"},
    {"publication.autocreate.mode", RC_PROP_ENUM, "all_tables", "all_tables|filtered|disabled", NOLIMIT, 0,
     "create the publication when missing"},
    {"slot.drop.on.stop", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "drop the replication slot at a clean stop (tests, development): the next start is a first start"},
    {"status.update.interval.ms", RC_PROP_INT, "10000", NULL, 100, 3600000, 0,
     "interval of standby status updates"},
    {"messages", RC_PROP_BOOL, "true", NULL, NOLIMIT, 0,
     "publish logical decoding messages (pg_logical_emit_message), as Debezium does; false drops them"},

    /* Snapshots. */
    {"snapshot.mode", RC_PROP_ENUM, "initial", "initial|no_data|never|always|initial_only|when_needed",
     NOLIMIT, 0, "when to take a consistent snapshot (never = deprecated alias of no_data)"},
    {"snapshot.max.threads", RC_PROP_INT, "1", NULL, 1, 64, 0,
     "snapshot readers: tables, and a big table's chunks, in parallel"},
    {"snapshot.fetch.size", RC_PROP_INT, "1000", NULL, 1, 1000000, 0,
     "rows per batch a snapshot reader hands over (each reader has 4 batches in flight)"},
    {"incremental.snapshot.chunk.size", RC_PROP_INT, "1024", NULL, 1, 1000000, 0,
     "rows per key-ordered chunk: the initial snapshot records each acknowledged chunk (a crash resumes "
     "after it), and incremental snapshots read one chunk between two watermarks"},
    {"snapshot.new.tables", RC_PROP_ENUM, "off", "off|parallel", NOLIMIT, 0,
     "parallel: a table that matches table.include.list and was never snapshotted gets an incremental "
     "snapshot while the others stream"},

    /* Types. The choices of the three modes are written once, beside their enums (agent/typemodes.h). */
    {"decimal.handling.mode", RC_PROP_ENUM, "precise", RC_DECIMAL_MODE_CHOICES, NOLIMIT, 0,
     "how NUMERIC/DECIMAL values are represented"},
    /* No default here: Debezium's differs by source (adaptive for PostgreSQL,
     * adaptive_time_microseconds for MySQL and MariaDB), and each decoder applies its own when the
     * property is unset (rc_typemodes_from_conf, rc_mysql_modes_from_conf). */
    {"time.precision.mode", RC_PROP_ENUM, NULL, RC_TIME_MODE_CHOICES, NOLIMIT, 0,
     "how temporal values are represented (default adaptive; adaptive_time_microseconds for MySQL/MariaDB)"},
    {"money.fraction.digits", RC_PROP_INT, "2", NULL, 0, 18, 0,
     "fraction digits of PostgreSQL money values (the scale of their decimal)"},
    {"string.invalid.utf8.mode", RC_PROP_ENUM, "fail", "fail|replace", NOLIMIT, 0,
     "text that is not UTF-8 (a PostgreSQL SQL_ASCII database): stop with an error naming table, "
     "column, key and position, or write U+FFFD for each bad byte"},
    {"binary.handling.mode", RC_PROP_ENUM, "bytes", RC_BINARY_MODE_CHOICES, NOLIMIT, 0,
     "how binary values are represented"},
    /* PostgreSQL types with Debezium's properties (decoders/postgres/pg_types.h). */
    {"hstore.handling.mode", RC_PROP_ENUM, "json", "json|map", NOLIMIT, 0,
     "PostgreSQL hstore as io.debezium.data.Json text or as an Avro map"},
    {"interval.handling.mode", RC_PROP_ENUM, "numeric", "numeric|string", NOLIMIT, 0,
     "PostgreSQL interval as MicroDuration microseconds or as an ISO 8601 io.debezium.time.Interval"},
    {"unavailable.value.placeholder", RC_PROP_STRING, "__debezium_unavailable_value", NULL, NOLIMIT, 0,
     "what an unchanged TOAST value PostgreSQL did not send is replaced by"},
    {"include.unknown.datatypes", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "PostgreSQL columns of types Debezium has no schema for (box, tsquery, composites, ...): left out "
     "(false, as Debezium) or published as their text"},
    {"bigint.unsigned.handling.mode", RC_PROP_ENUM, "long", "long|precise", NOLIMIT, 0,
     "MySQL BIGINT UNSIGNED as a long (values over 2^63-1 wrap) or as Decimal(20,0)"},
    {"avro.native.logical.types", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "use Avro logical types (date, timestamp-micros, uuid) instead of Debezium semantic names"},
    /* Debezium makes NOT NULL columns required and carries column DEFAULTs; every field optional with
     * default null (rowcast's older schemas) keeps any later column change BACKWARD compatible. */
    {"value.fields.all.optional", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "every Value field optional with default null and no column defaults (Debezium: NOT NULL columns required, DEFAULTs carried)"},
    {"schema.name.adjustment.mode", RC_PROP_ENUM, "avro", "avro", NOLIMIT, 0,
     "replace characters invalid in Avro names by _ (the only mode: Avro requires it)"},

    /* Sinks. */
    {"sink.type", RC_PROP_ENUM, "kafka", "kafka|stdout", NOLIMIT, 0, "where events go"},
    {"schema.registry.url", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_REQ_KAFKA,
     "Schema Registry base URL (Confluent REST API)"},
    {"schema.registry.async", RC_PROP_BOOL, "true", NULL, NOLIMIT, 0,
     "register table schemas on a thread of their own; a table's events wait meanwhile, the source is still read (false: on the event loop, which waits)"},
    {"basic.auth.user.info", RC_PROP_STRING, NULL, NULL, NOLIMIT, RC_PROP_SECRET | RC_PROP_FILE_VARIANT,
     "Schema Registry credentials user:password"},
    {"schema.registry.ssl.ca.location", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0,
     "PEM file of the CA that signed the Schema Registry's certificate (default: the system's)"},
    {"schema.registry.ssl.certificate.location", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0,
     "PEM client certificate for a Schema Registry that asks for one"},
    {"schema.registry.ssl.key.location", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0,
     "PEM private key of schema.registry.ssl.certificate.location"},
    {"schema.registry.ssl.key.password", RC_PROP_STRING, NULL, NULL, NOLIMIT,
     RC_PROP_SECRET | RC_PROP_FILE_VARIANT, "passphrase of schema.registry.ssl.key.location"},

    /* The offset store: a file (offset.storage.file.filename, with the agent's below) or a Kafka topic. */
    {"offset.storage", RC_PROP_ENUM, "file",
     "file|kafka|org.apache.kafka.connect.storage.FileOffsetBackingStore|"
     "org.apache.kafka.connect.storage.KafkaOffsetBackingStore",
     NOLIMIT, 0,
     "where the acknowledged position is kept: a file, or a compacted Kafka topic (Kafka Connect's class names accepted)"},
    {"offset.storage.topic", RC_PROP_STRING, "rowcast-offsets", NULL, NOLIMIT, 0,
     "offset.storage=kafka: the compacted topic (created when missing)"},
    {"offset.storage.partitions", RC_PROP_INT, "1", NULL, 1, 1000, 0,
     "offset.storage=kafka: partitions of the topic when rowcast creates it"},
    {"offset.storage.replication.factor", RC_PROP_INT, "-1", NULL, -1, 32767, 0,
     "offset.storage=kafka: replication factor of the topic when rowcast creates it (-1 = the broker's default)"},
    {"offset.storage.timeout.ms", RC_PROP_INT, "30000", NULL, 1000, 3600000, 0,
     "offset.storage=kafka: how long opening the topic at start may take (create, read to its end, fence)"},
    {"offset.flush.timeout.ms", RC_PROP_INT, "30000", NULL, 100, 600000, 0,
     "offset.storage=kafka: how long recording one position may take before rowcast stops"},

    /* Signals (agent/signal.h): Debezium's channels and names. */
    {"signal.enabled.channels", RC_PROP_STRING, "source", NULL, NOLIMIT, 0,
     "channels signals are read from: source (signal.data.collection inserts; on PostgreSQL also "
     "rowcast.signal logical decoding messages), kafka (signal.kafka.topic)"},
    {"signal.data.collection", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0,
     "the signal table, schema.table or database.table, with columns id, type, data (strings); it "
     "must be captured (table.include.list)"},
    {"signal.kafka.topic", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0,
     "the Kafka signal topic (default <topic.prefix>-signal); records keyed by topic.prefix"},
    {"signal.kafka.bootstrap.servers", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0,
     "brokers of the signal topic (default kafka.bootstrap.servers)"},
    {"signal.kafka.groupId", RC_PROP_STRING, "kafka-signal", NULL, NOLIMIT, 0,
     "consumer group of the signal topic's reader (its committed offset: signals already done)"},
    {"signal.kafka.poll.timeout.ms", RC_PROP_INT, "0", NULL, 0, 60000, 0,
     "Debezium's wait of one poll of the signal topic; rowcast's polls never wait (the event loop "
     "goes on), so only 0 is meaningful"},
    {"signal.poll.interval.ms", RC_PROP_INT, "5000", NULL, 1, 3600000, 0,
     "how often the kafka channel is read (the source channel's signals come with the stream)"},

    /* Agent. */
    /* A default, not an opt-in: without the file a crash during a snapshot could not be told from a
     * finished one. */
    {"offset.storage.file.filename", RC_PROP_PATH, "rowcast-offsets.json", NULL, NOLIMIT, 0,
     "file holding the acknowledged source position (relative: to the working directory)"},
    {"heartbeat.interval.ms", RC_PROP_INT, "0", NULL, 0, 86400000, 0,
     "interval of heartbeat records (0 = off)"},
    {"topic.heartbeat.prefix", RC_PROP_STRING, "__debezium-heartbeat", NULL, NOLIMIT, 0,
     "heartbeat topic: <topic.heartbeat.prefix><topic.delimiter><topic.prefix>"},
    {"topic.heartbeat.name", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0,
     "heartbeat topic's full name, instead of the prefix form"},
    {"heartbeat.action.query", RC_PROP_STRING, NULL, NULL, NOLIMIT, 0,
     "a statement run on its own connection at each heartbeat (default: none, no writes)"},
    {"http.port", RC_PROP_INT, "0", NULL, 0, 65535, 0, "port of /metrics, /healthz, /readyz (0 = off)"},
    {"http.host", RC_PROP_STRING, "127.0.0.1", NULL, NOLIMIT, 0,
     "address the HTTP endpoint binds (an IPv4 address; 0.0.0.0 for every interface)"},
    {"readiness.stall.ms", RC_PROP_INT, "60000", NULL, 1, 86400000, 0,
     "/readyz fails once records wait this long unacknowledged, or the server's position grows while "
     "the confirmed one stands still"},
    {"log.level", RC_PROP_ENUM, "info", "error|warn|info|debug|trace", NOLIMIT, 0, "log threshold"},
    {"log.format", RC_PROP_ENUM, "text", "text|json", NOLIMIT, 0, "log line format on stderr"},
    {"log.file", RC_PROP_PATH, NULL, NULL, NOLIMIT, 0,
     "write log lines to this file instead of stderr (appended; SIGHUP reopens it)"},
    {"max.queue.size", RC_PROP_INT, "100000", NULL, 1, 100000000, 0,
     "events in flight to Kafka before the source is paused"},
    /* Debezium's default is 0 (no byte bound); rowcast bounds memory by default, so that a sidecar's
     * memory limit holds through a broker outage whatever the row size. */
    {"max.queue.size.in.bytes", RC_PROP_INT, "67108864", NULL, 0, 68719476736LL, 0,
     "bytes of records in flight to Kafka before the source is paused (0 = only max.queue.size)"},
    {"process.core.dumps", RC_PROP_BOOL, "false", NULL, NOLIMIT, 0,
     "allow core files (off by default: they would hold the secrets rowcast has in memory)"},
    {"shutdown.timeout.ms", RC_PROP_INT, "20000", NULL, 1000, 3600000, 0,
     "from SIGTERM/SIGINT to exit, the drain of Kafka's queue included (below Kubernetes' 30 s grace)"},
};

/* Kafka Connect and Debezium keys that make sense in a pasted connector config but mean nothing
 * to rowcast: accepted with a warning. */
static const char *const foreign_keys[] = {
    "name",
    "connector.class",
    "tasks.max",
    "key.converter",
    "value.converter",
    "key.converter.schemas.enable",
    "value.converter.schemas.enable",
    "database.server.name",
    "schema.history.internal.kafka.topic",
    "schema.history.internal.kafka.bootstrap.servers",
    "errors.tolerance",
    "errors.log.enable",
    "transforms",
    "poll.interval.ms",
    "max.batch.size",
    "key.converter.schema.registry.url",
};

static const struct {
	const char *from, *to;
} aliases[] = {
    {"value.converter.schema.registry.url", "schema.registry.url"},
    {"database.server.name", "topic.prefix"},
};

const rc_prop_def_t *rc_prop_find(const char *name)
{
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		if (strcmp(props[i].name, name) == 0)
			return &props[i];
	return NULL;
}

const rc_prop_def_t *rc_prop_all(size_t *n)
{
	*n = sizeof props / sizeof props[0];
	return props;
}

int rc_prop_is_foreign(const char *name)
{
	for (size_t i = 0; i < sizeof foreign_keys / sizeof foreign_keys[0]; i++)
		if (strcmp(foreign_keys[i], name) == 0)
			return 1;
	return strncmp(name, "transforms.", 11) == 0 || strncmp(name, "schema.history.", 15) == 0;
}

static const rc_prop_pattern_t patterns[] = {
    {"kafka.<property>", "any librdkafka producer property, passed through (kafka.bootstrap.servers, ...)"},
    {"column.mask.with.<N>.chars", "character columns (regexes) replaced by N '*'"},
    {"column.mask.hash.<ALG>.with.salt.<SALT>",
     "character columns replaced by the hex hash of SALT + value (Debezium's v1)"},
    {"column.mask.hash.v2.<ALG>.with.salt.<SALT>", "the same with the value's UTF-8 (Debezium's v2)"},
    {"column.truncate.to.<N>.chars", "strings cut to N characters, bytes to N bytes"},
};

const rc_prop_pattern_t *rc_prop_patterns(size_t *n)
{
	*n = sizeof patterns / sizeof patterns[0];
	return patterns;
}

const char *rc_prop_alias(const char *name)
{
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(aliases[i].from, name) == 0)
			return aliases[i].to;
	return NULL;
}

/* Levenshtein distance, or bound + 1 as soon as a row shows it exceeds bound (a row's minimum never
 * falls further down): names are short, so a two-row table on the stack is enough. */
static size_t edit_distance(const char *a, const char *b, size_t bound)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[128], prev[128];

	if (la >= 127 || lb >= 127)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t least;

		row[0] = least = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (row[j] < least)
				least = row[j];
		}
		if (least > bound)
			return bound + 1;
		memcpy(prev, row, (lb + 1) * sizeof row[0]);
	}
	return prev[lb];
}

const char *rc_prop_suggest(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t len = strlen(name), limit = len / 3 + 1;

	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
		size_t plen = strlen(props[i].name), d;

		/* the lengths' difference is a lower bound of the distance: most names are skipped */
		if ((plen > len ? plen - len : len - plen) > limit)
			continue;
		d = edit_distance(name, props[i].name, best_d <= limit ? best_d : limit);
		if (d < best_d) {
			best_d = d;
			best = props[i].name;
		}
	}
	return best_d <= limit ? best : NULL;
}
