#include "config.h"

#include "agent/cli/sources.h"

#include "agent/cli/commands.h"
#include "agent/errors.h"

#include "decoders/mysql/mysql_check.h"
#include "decoders/mysql/mysql_position.h"
#include "decoders/mysql/mysql_source.h"
#include "decoders/postgres/pg_check.h"
#include "decoders/postgres/pg_position.h"
#include "decoders/postgres/pg_source.h"
#include "sinks/encoders.h"
#include "sinks/kafka_sink.h"
#include "sinks/offsets_kafka.h"
#include "sinks/stdout_sink.h"
#include "snapshot/mysql/my_snapshot.h"
#include "snapshot/postgres/pg_snapshot.h"

#include <stdio.h>
#include <string.h>

static void pg_identity(const rc_conf_t *conf, rc_offset_ident_t *id)
{
	rc_offset_ident_add(id, "database", rc_conf_get(conf, "database.dbname"));
	rc_offset_ident_add(id, "slot", rc_conf_get(conf, "slot.name"));
}

/* A replica's id names its place in the topology: another rowcast (or replica) with the same id
 * would be another connector. */
static void mysql_identity(const rc_conf_t *conf, rc_offset_ident_t *id)
{
	rc_offset_ident_add(id, "server.id", rc_conf_get(conf, "database.server.id"));
}

static const char *const pg_required[] = {"database.dbname", NULL};
static const char *const mysql_required[] = {"database.server.id", NULL};

static const rc_source_type_t source_types[] = {
    {
        .name = "postgres",
        .connector = "postgresql",
        .connector_class = "io.debezium.connector.postgresql.PostgresConnector",
        .default_port = "5432",
        .required = pg_required,
        .codec = &rc_pg_pos_codec,
        .source_new = rc_pg_source_new,
        .snapshot = &rc_pg_snapshot_reader,
        .identity = pg_identity,
        .check = rc_pg_check,
    },
    {
        .name = "mysql",
        .connector = "mysql",
        .connector_class = "io.debezium.connector.mysql.MySqlConnector",
        .default_port = "3306",
        .required = mysql_required,
        .codec = &rc_mysql_pos_codec,
        .source_new = rc_mysql_source_new,
        .snapshot = &rc_mysql_snapshot_reader,
        .identity = mysql_identity,
        .check = rc_mysql_check,
        .inspect = rc_cmd_inspect,
    },
    {
        .name = "mariadb",
        .connector = "mariadb",
        .connector_class = "io.debezium.connector.mariadb.MariaDbConnector",
        .default_port = "3306",
        .required = mysql_required,
        .codec = &rc_mysql_pos_codec,
        .source_new = rc_mysql_source_new,
        .snapshot = &rc_mysql_snapshot_reader,
        .identity = mysql_identity,
        .check = rc_mysql_check,
        .inspect = rc_cmd_inspect,
    },
};

void rc_sources_register(void)
{
	rc_source_types_set(source_types, sizeof source_types / sizeof source_types[0]);
}

const rc_source_type_t *rc_source_type_of(const rc_conf_t *conf)
{
	return rc_source_type_find(rc_conf_get(conf, "source.type"));
}

rc_encoder_t *rc_encoder_new_of(const rc_conf_t *conf, char *err, size_t errlen)
{
	return rc_encoder_new(conf, rc_source_type_of(conf)->connector, err, errlen);
}

rc_sink_t *rc_sink_new_of(const rc_conf_t *conf, rc_sink_ack_fn on_ack, void *opaque, char *err,
                          size_t errlen)
{
	if (rc_conf_is(conf, "sink.type", "stdout")) {
		rc_sink_t *sink = rc_stdout_sink_new(stdout, on_ack, opaque);
		if (!sink)
			snprintf(err, errlen, "out of memory");
		return sink;
	}
	return rc_kafka_sink_new(conf, on_ack, opaque, err, errlen);
}

void rc_source_ident(const rc_source_type_t *type, const rc_conf_t *conf, rc_offset_ident_t *id)
{
	const char *host = rc_conf_get(conf, "database.hostname"), *port = rc_conf_get(conf, "database.port");

	memset(id, 0, sizeof *id);
	snprintf(id->source, sizeof id->source, "%s", type->name);
	snprintf(id->prefix, sizeof id->prefix, "%s", rc_conf_get(conf, "topic.prefix"));
	if (host)
		snprintf(id->host, sizeof id->host, "%s:%s", host, port ? port : "");
	if (type->identity)
		type->identity(conf, id);
}

rc_snapshot_t *rc_source_snapshot_new(const rc_conf_t *conf, void *opaque, char *err, size_t errlen)
{
	const rc_source_type_t *type = opaque;

	if (!type->snapshot) {
		snprintf(err, errlen,
		         "snapshots are not available for source.type=%s yet: use snapshot.mode=no_data",
		         type->name);
		return NULL;
	}
	return rc_snapshot_new(conf, type->snapshot, err, errlen);
}

/* offset.storage names the Kafka store (the enum's values are lower-cased by the configuration). */
static bool kafka_store(const rc_conf_t *conf)
{
	return rc_conf_is(conf, "offset.storage", "kafka") ||
	       rc_conf_is(conf, "offset.storage", "org.apache.kafka.connect.storage.kafkaoffsetbackingstore");
}

void rc_offset_store_check(const rc_conf_t *conf, rc_check_report_t *rep)
{
	const rc_source_type_t *type = rc_source_type_of(conf);
	rc_offset_ident_t ident;

	if (!kafka_store(conf)) {
		rc_check_ok(rep, "positions go to the file '%s'",
		            rc_conf_get(conf, "offset.storage.file.filename"));
		return;
	}
	rc_source_ident(type, conf, &ident);
	rc_offsets_kafka_check(conf, &ident, type->codec, rep);
}

int rc_offset_store_open_of(const rc_conf_t *conf, const rc_source_type_t *type, rc_offset_store_t **out,
                            char *err, size_t errlen)
{
	const char *path = rc_conf_get(conf, "offset.storage.file.filename");
	rc_offset_ident_t ident;

	*out = NULL;
	rc_source_ident(type, conf, &ident);
	if (kafka_store(conf))
		return rc_offsets_kafka_open(conf, &ident, type->codec, out, err, errlen);
	if (!path || !*path)
		return RC_OK;
	return rc_offsets_file_open(path, &ident, type->codec, out, err, errlen);
}
