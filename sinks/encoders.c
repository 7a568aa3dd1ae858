#include "config.h"

#include "sinks/encoders.h"

#include "agent/errors.h"
#include "agent/log.h"
#include "sinks/avro_check.h"
#include "sinks/avro_encode.h"
#include "sinks/json_encode.h"
#include "sinks/meta_encode.h"
#include "sinks/registry.h"
#include "sinks/registry_worker.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A table schema registered off the loop (schema.registry.async): one per (subject, schema text).
 * A table whose registration is under way holds -2 - (its index) as its id (agent/table.h: -1 is
 * "not registered"), so that its next events find the entry without building the schema again. */
typedef struct reg_entry {
	char *subject;
	char *schema_json; /* owned: submitted again after a failure that may pass */
	uint64_t fingerprint;
	rc_registry_job_t *job; /* the worker's; NULL before the (next) submission */
	int32_t id;             /* -1 until the registry answered */
} reg_entry_t;

typedef struct avro_encoder {
	rc_encoder_t base;
	rc_avro_opts_t opts;
	rc_registry_t *reg;           /* the loop's: records other than table changes (once each) */
	rc_registry_worker_t *worker; /* table schemas, off the loop; NULL: registered in encode */
	reg_entry_t *entries;
	size_t nentries, capentries;
	uint64_t last_wait; /* pending's answer for the last encode: the entries (+1) of key and value */
	rc_buf_t key, value;
	char *message_topic;
	int32_t message_key_id, message_value_id;
	/* schema change events: topic <topic.prefix> (borrowed from opts), their registry ids */
	int32_t schema_change_key_id, schema_change_value_id;
	/* transaction BEGIN/END and heartbeat records: their registry ids, by topic (registered on first
	 * use; -1 before) */
	int32_t meta_ids[4];
	rc_record_header_t header;
} avro_encoder_t;

typedef struct json_encoder {
	rc_encoder_t base;
	rc_avro_opts_t opts;
	rc_buf_t line;
	char *message_topic;
	rc_record_header_t
	    header; /* a heartbeat's position: in the line, and on the record for sinks that keep headers */
} json_encoder_t;

static int register_schema(struct avro_encoder *ae, const char *subject, char *schema_json, int32_t *id,
                           char *err, size_t errlen);

/* The key and value ids of a record that is not a change event (sinks/meta_encode.h), registered
 * under <topic>-key and <topic>-value on first use. */
static int ensure_meta_ids(avro_encoder_t *ae, const char *topic, rc_meta_schema_t key, char *err,
                           size_t errlen)
{
	char subject[1024], *json;
	int rc;

	for (int i = 0; i < 2; i++) {
		rc_meta_schema_t which = (rc_meta_schema_t)(key + i);
		if (ae->meta_ids[which] >= 0)
			continue;
		if (!(json = rc_meta_schema_json(which))) {
			snprintf(err, errlen, "out of memory");
			return RC_ERR_FATAL;
		}
		snprintf(subject, sizeof subject, "%s-%s", topic, i ? "value" : "key");
		rc = register_schema(ae, subject, json, &ae->meta_ids[which], err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

static int meta_oom(char *err, size_t errlen, const char *topic)
{
	snprintf(err, errlen, "cannot encode a record for %s: out of memory", topic);
	return RC_ERR_FATAL;
}

static int avro_encode_txn(rc_encoder_t *enc, const rc_txn_record_t *tr, rc_record_t *out, char *err,
                           size_t errlen)
{
	avro_encoder_t *ae = (avro_encoder_t *)enc;
	int rc = ensure_meta_ids(ae, tr->topic, RC_META_TXN_KEY, err, errlen);

	if (rc != RC_OK)
		return rc;
	rc_buf_reset(&ae->key);
	rc_buf_reset(&ae->value);
	if (rc_meta_avro_txn_key(tr, ae->meta_ids[RC_META_TXN_KEY], &ae->key) != 0 ||
	    rc_meta_avro_txn_value(tr, ae->meta_ids[RC_META_TXN_VALUE], &ae->value) != 0)
		return meta_oom(err, errlen, tr->topic);
	*out = (rc_record_t){.topic = tr->topic,
	                     .key = ae->key.data,
	                     .keylen = ae->key.len,
	                     .value = ae->value.data,
	                     .vallen = ae->value.len};
	return RC_OK;
}

static int avro_encode_heartbeat(rc_encoder_t *enc, const rc_heartbeat_record_t *hr, rc_record_t *out,
                                 char *err, size_t errlen)
{
	avro_encoder_t *ae = (avro_encoder_t *)enc;
	int rc = ensure_meta_ids(ae, hr->topic, RC_META_HEARTBEAT_KEY, err, errlen);

	if (rc != RC_OK)
		return rc;
	rc_buf_reset(&ae->key);
	rc_buf_reset(&ae->value);
	if (rc_meta_avro_heartbeat_key(hr, ae->meta_ids[RC_META_HEARTBEAT_KEY], &ae->key) != 0 ||
	    rc_meta_avro_heartbeat_value(hr, ae->meta_ids[RC_META_HEARTBEAT_VALUE], &ae->value) != 0)
		return meta_oom(err, errlen, hr->topic);
	ae->header = (rc_record_header_t){RC_HEARTBEAT_POSITION_HEADER, hr->position, strlen(hr->position)};
	*out = (rc_record_t){.topic = hr->topic,
	                     .key = ae->key.data,
	                     .keylen = ae->key.len,
	                     .value = ae->value.data,
	                     .vallen = ae->value.len,
	                     .headers = &ae->header,
	                     .nheaders = 1};
	return RC_OK;
}

static int json_encode_txn(rc_encoder_t *enc, const rc_txn_record_t *tr, rc_record_t *out, char *err,
                           size_t errlen)
{
	json_encoder_t *je = (json_encoder_t *)enc;

	rc_buf_reset(&je->line);
	if (rc_meta_json_txn(tr, &je->line) != 0)
		return meta_oom(err, errlen, tr->topic);
	*out = (rc_record_t){.topic = tr->topic, .value = je->line.data, .vallen = je->line.len};
	return RC_OK;
}

static int json_encode_heartbeat(rc_encoder_t *enc, const rc_heartbeat_record_t *hr, rc_record_t *out,
                                 char *err, size_t errlen)
{
	json_encoder_t *je = (json_encoder_t *)enc;

	rc_buf_reset(&je->line);
	if (rc_meta_json_heartbeat(hr, &je->line) != 0)
		return meta_oom(err, errlen, hr->topic);
	je->header = (rc_record_header_t){RC_HEARTBEAT_POSITION_HEADER, hr->position, strlen(hr->position)};
	*out = (rc_record_t){.topic = hr->topic,
	                     .value = je->line.data,
	                     .vallen = je->line.len,
	                     .headers = &je->header,
	                     .nheaders = 1};
	return RC_OK;
}

static void opts_from_conf(rc_avro_opts_t *opts, const rc_conf_t *conf, const char *connector)
{
	opts->topic_prefix = rc_conf_get(conf, "topic.prefix");
	opts->connector = connector;
	opts->native_logical_types = rc_conf_get_bool(conf, "avro.native.logical.types", false);
	opts->all_optional = rc_conf_get_bool(conf, "value.fields.all.optional", false);
}

/* Registers schema_json (taken: freed here) under subject, once avro-c has parsed it: a schema avro-c
 * refuses is rowcast's bug, stopped before the registry sees it. Maps the outcome to an error class.
 * Runs once per table version (ensure_table_ids only asks for ids still -1), not per event. */
static int register_schema(struct avro_encoder *ae, const char *subject, char *schema_json, int32_t *id,
                           char *err, size_t errlen)
{
	char why[RC_ERRSTR_LEN];
	int rc;

	if (rc_avro_check_schema(schema_json, strlen(schema_json), why, sizeof why) != RC_OK) {
		snprintf(err, errlen, "subject %s: %s (a bug in rowcast's schema builder)", subject, why);
		free(schema_json);
		return RC_ERR_FATAL;
	}
	rc = rc_registry_register(ae->reg, subject, schema_json, id, err, errlen);
	free(schema_json);
	if (rc == RC_OK)
		return RC_OK;
	/* An unreachable registry is waited out; a refused schema needs a person. */
	return rc == RC_ERR_RETRY || rc == RC_STOPPED ? rc : RC_ERR_FATAL;
}

/* Registers the table's key and value schemas on first use of this version of the table. */
static int ensure_table_ids(avro_encoder_t *ae, rc_table_t *t, char *err, size_t errlen)
{
	char subject[1024], *json = NULL;
	int rc;

	if (t->nkey > 0 && t->key_schema_id < 0) {
		if (rc_avro_key_schema(t, &ae->opts, &json, err, errlen) != 0)
			return RC_ERR_FATAL;
		snprintf(subject, sizeof subject, "%s-key", t->topic);
		rc = register_schema(ae, subject, json, &t->key_schema_id, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (t->value_schema_id < 0) {
		if (rc_avro_value_schema(t, &ae->opts, &json, err, errlen) != 0)
			return RC_ERR_FATAL;
		snprintf(subject, sizeof subject, "%s-value", t->topic);
		rc = register_schema(ae, subject, json, &t->value_schema_id, err, errlen);
		if (rc != RC_OK)
			return rc;
		rc_log_info("registry", "%s: key schema id %d, value schema id %d", t->topic,
		            t->key_schema_id, t->value_schema_id);
	}
	return RC_OK;
}

static int ensure_message_ids(avro_encoder_t *ae, char *err, size_t errlen)
{
	char subject[1024], *json = NULL;
	int rc;

	if (ae->message_value_id >= 0)
		return RC_OK;
	if (rc_avro_message_key_schema(&json, err, errlen) != 0)
		return RC_ERR_FATAL;
	snprintf(subject, sizeof subject, "%s-key", ae->message_topic);
	rc = register_schema(ae, subject, json, &ae->message_key_id, err, errlen);
	if (rc != RC_OK)
		return rc;
	if (rc_avro_message_value_schema(&ae->opts, &json, err, errlen) != 0)
		return RC_ERR_FATAL;
	snprintf(subject, sizeof subject, "%s-value", ae->message_topic);
	return register_schema(ae, subject, json, &ae->message_value_id, err, errlen);
}

/* Registers the key and value schemas of schema change events, once per encoder, under
 * <topic.prefix>-key and <topic.prefix>-value. */
static int ensure_schema_change_ids(avro_encoder_t *ae, char *err, size_t errlen)
{
	char subject[1024], *json = NULL;
	int rc;

	if (ae->schema_change_value_id >= 0)
		return RC_OK;
	if (ae->schema_change_key_id < 0) {
		if (rc_avro_schema_change_key_schema(&ae->opts, &json, err, errlen) != 0)
			return RC_ERR_FATAL;
		snprintf(subject, sizeof subject, "%s-key", ae->opts.topic_prefix);
		rc = register_schema(ae, subject, json, &ae->schema_change_key_id, err, errlen);
		if (rc != RC_OK)
			return rc;
	}
	if (rc_avro_schema_change_value_schema(&ae->opts, &json, err, errlen) != 0)
		return RC_ERR_FATAL;
	snprintf(subject, sizeof subject, "%s-value", ae->opts.topic_prefix);
	rc = register_schema(ae, subject, json, &ae->schema_change_value_id, err, errlen);
	if (rc == RC_OK)
		rc_log_info("registry", "%s: schema change key schema id %d, value schema id %d",
		            ae->opts.topic_prefix, ae->schema_change_key_id, ae->schema_change_value_id);
	return rc;
}

/* A schema change event (op 's'): key and value on the topic <topic.prefix>, never a tombstone. */
static int avro_encode_schema_change(avro_encoder_t *ae, const rc_event_t *ev, bool tombstone,
                                     rc_record_t *out, char *err, size_t errlen)
{
	int rc;

	if (tombstone) {
		snprintf(err, errlen, "schema change events have no tombstone");
		return RC_ERR_FATAL;
	}
	rc = ensure_schema_change_ids(ae, err, errlen);
	if (rc != RC_OK)
		return rc;
	rc_buf_reset(&ae->key);
	rc_buf_reset(&ae->value);
	if (rc_avro_encode_key(ev, ae->schema_change_key_id, &ae->key, err, errlen) != 0 ||
	    rc_avro_encode_value(ev, &ae->opts, ae->schema_change_value_id, rc_avro_now_ns(), &ae->value, err,
	                         errlen) != 0)
		return RC_ERR_FATAL;
	*out = (rc_record_t){.topic = ae->opts.topic_prefix,
	                     .key = ae->key.data,
	                     .keylen = ae->key.len,
	                     .value = ae->value.data,
	                     .vallen = ae->value.len};
	return RC_OK;
}

/* Index of the entry for (subject, schema_json), added when new (schema_json taken). SIZE_MAX when
 * out of memory. */
static size_t entry_of(avro_encoder_t *ae, const char *subject, char *schema_json)
{
	uint64_t fp = rc_registry_fingerprint(schema_json, strlen(schema_json));
	reg_entry_t *e;

	for (size_t k = 0; k < ae->nentries; k++)
		if (ae->entries[k].fingerprint == fp && strcmp(ae->entries[k].subject, subject) == 0) {
			free(schema_json);
			return k;
		}
	if (ae->nentries == ae->capentries) {
		size_t cap = ae->capentries ? ae->capentries * 2 : 16;
		reg_entry_t *grown = realloc(ae->entries, cap * sizeof *grown);
		if (!grown) {
			free(schema_json);
			return SIZE_MAX;
		}
		ae->entries = grown;
		ae->capentries = cap;
	}
	e = &ae->entries[ae->nentries];
	*e = (reg_entry_t){
	    .subject = strdup(subject), .schema_json = schema_json, .fingerprint = fp, .id = -1};
	if (!e->subject) {
		free(schema_json);
		return SIZE_MAX;
	}
	return ae->nentries++;
}

/* Where entry k stands: RC_OK (its id known), RC_ENCODER_WAITING (submitted now or before), or the
 * registration's error. A failure that may pass (RC_ERR_RETRY, RC_STOPPED) is submitted again on
 * the next call: the stream restarts meanwhile. */
static int entry_poll(avro_encoder_t *ae, size_t k, char *err, size_t errlen)
{
	reg_entry_t *e = &ae->entries[k];
	int32_t id = -1;
	int rc;

	if (e->id >= 0)
		return RC_OK;
	if (!e->job && !(e->job = rc_registry_worker_submit(ae->worker, e->subject, e->schema_json))) {
		snprintf(err, errlen, "subject %s: out of memory", e->subject);
		return RC_ERR_FATAL;
	}
	rc = rc_registry_worker_result(ae->worker, e->job, &id, err, errlen);
	if (rc == RC_REGISTRY_PENDING)
		return RC_ENCODER_WAITING;
	if (rc == RC_OK) {
		e->id = id;
		return RC_OK;
	}
	if (rc == RC_ERR_RETRY || rc == RC_STOPPED) {
		e->job = NULL;
		return rc;
	}
	return RC_ERR_FATAL; /* a refused schema needs a person, as in register_schema */
}

/* One of t's two ids without waiting: a known id stays; an unknown one gets its entry (the schema
 * built and checked once per table version) and, while the registry has not answered, *waits_for
 * its index + 1. */
static int table_id_async(avro_encoder_t *ae, rc_table_t *t, bool key, uint32_t *waits_for, char *err,
                          size_t errlen)
{
	int32_t *slot = key ? &t->key_schema_id : &t->value_schema_id;
	char subject[1024], why[RC_ERRSTR_LEN], *json = NULL;
	size_t k;
	int rc;

	*waits_for = 0;
	if (*slot >= 0)
		return RC_OK;
	if (*slot == -1) {
		if ((key ? rc_avro_key_schema(t, &ae->opts, &json, err, errlen)
		         : rc_avro_value_schema(t, &ae->opts, &json, err, errlen)) != 0)
			return RC_ERR_FATAL;
		snprintf(subject, sizeof subject, "%s-%s", t->topic, key ? "key" : "value");
		if (rc_avro_check_schema(json, strlen(json), why, sizeof why) != RC_OK) {
			snprintf(err, errlen, "subject %s: %s (a bug in rowcast's schema builder)", subject,
			         why);
			free(json);
			return RC_ERR_FATAL;
		}
		k = entry_of(ae, subject, json);
		if (k == SIZE_MAX || k > (size_t)INT32_MAX - 2) {
			snprintf(err, errlen, "subject %s: out of memory", subject);
			return RC_ERR_FATAL;
		}
		*slot = -2 - (int32_t)k;
	}
	k = (size_t)(-2 - (int64_t)*slot);
	rc = entry_poll(ae, k, err, errlen);
	if (rc == RC_OK)
		*slot = ae->entries[k].id;
	else if (rc == RC_ENCODER_WAITING)
		*waits_for = (uint32_t)k + 1;
	return rc == RC_ENCODER_WAITING ? RC_OK : rc;
}

static int table_ids_async(avro_encoder_t *ae, rc_table_t *t, uint64_t *wait, char *err, size_t errlen)
{
	uint32_t kw = 0, vw = 0;
	int rc = t->nkey > 0 ? table_id_async(ae, t, true, &kw, err, errlen) : RC_OK;

	if (rc == RC_OK)
		rc = table_id_async(ae, t, false, &vw, err, errlen);
	*wait = rc == RC_OK ? (uint64_t)kw << 32 | vw : 0;
	return rc;
}

static uint64_t avro_pending(rc_encoder_t *enc)
{
	return ((avro_encoder_t *)enc)->last_wait;
}

/* Writes id into a Confluent-framed record's header (bytes 1-4, big-endian). */
static void patch_id(unsigned char *rec, size_t len, int32_t id)
{
	uint32_t u = (uint32_t)id;

	if (len < 5)
		return; /* none: a tombstone's value, a key-less record */
	rec[1] = (unsigned char)(u >> 24);
	rec[2] = (unsigned char)(u >> 16);
	rec[3] = (unsigned char)(u >> 8);
	rec[4] = (unsigned char)u;
}

static int avro_resolve(rc_encoder_t *enc, uint64_t token, unsigned char *key, size_t keylen,
                        unsigned char *value, size_t vallen, char *err, size_t errlen)
{
	avro_encoder_t *ae = (avro_encoder_t *)enc;
	size_t kw = (size_t)(token >> 32), vw = (size_t)(token & 0xffffffffu);
	int rc = RC_OK;

	if ((kw && kw > ae->nentries) || (vw && vw > ae->nentries)) {
		snprintf(err, errlen, "schema registration: unknown token %" PRIu64 " (a bug in rowcast)",
		         token);
		return RC_ERR_FATAL;
	}
	if (kw)
		rc = entry_poll(ae, kw - 1, err, errlen);
	if ((rc == RC_OK || rc == RC_ENCODER_WAITING) && vw) {
		int vrc = entry_poll(ae, vw - 1, err, errlen);
		rc = vrc != RC_OK ? vrc : rc;
	}
	if (rc != RC_OK)
		return rc;
	if (kw)
		patch_id(key, keylen, ae->entries[kw - 1].id);
	if (vw)
		patch_id(value, vallen, ae->entries[vw - 1].id);
	return RC_OK;
}

static int avro_fd(rc_encoder_t *enc)
{
	return rc_registry_worker_fd(((avro_encoder_t *)enc)->worker);
}

static int avro_encode(rc_encoder_t *enc, const rc_event_t *ev, bool tombstone, rc_record_t *out, char *err,
                       size_t errlen)
{
	avro_encoder_t *ae = (avro_encoder_t *)enc;
	bool message = ev->op == RC_OP_MESSAGE;
	int32_t key_id, value_id;
	int rc;

	ae->last_wait = 0;
	if (ev->op == RC_OP_SCHEMA_CHANGE)
		return avro_encode_schema_change(ae, ev, tombstone, out, err, errlen);
	if (message)
		rc = ensure_message_ids(ae, err, errlen);
	else if (ae->worker)
		rc = table_ids_async(ae, ev->table, &ae->last_wait, err, errlen);
	else
		rc = ensure_table_ids(ae, ev->table, err, errlen);
	if (rc != RC_OK)
		return rc;
	key_id = message ? ae->message_key_id : ev->table->key_schema_id;
	value_id = message ? ae->message_value_id : ev->table->value_schema_id;
	/* Under way: a placeholder, which resolve overwrites (the rest of the bytes do not depend on it). */
	key_id = key_id < 0 ? 0 : key_id;
	value_id = value_id < 0 ? 0 : value_id;
	rc_buf_reset(&ae->key);
	rc_buf_reset(&ae->value);
	rc = rc_avro_encode_key(ev, key_id, &ae->key, err, errlen);
	if (rc < 0)
		return RC_ERR_FATAL;
	*out = (rc_record_t){.topic = message ? ae->message_topic : ev->table->topic};
	if (rc == 0) {
		out->key = ae->key.data;
		out->keylen = ae->key.len;
	}
	if (tombstone)
		return RC_OK;
	if (rc_avro_encode_value(ev, &ae->opts, value_id, rc_avro_now_ns(), &ae->value, err, errlen) != 0)
		return RC_ERR_FATAL;
	out->value = ae->value.data;
	out->vallen = ae->value.len;
	return RC_OK;
}

static void avro_free(rc_encoder_t *enc)
{
	avro_encoder_t *ae = (avro_encoder_t *)enc;

	rc_registry_worker_free(ae->worker); /* first: its jobs are the entries' */
	for (size_t k = 0; k < ae->nentries; k++) {
		free(ae->entries[k].subject);
		free(ae->entries[k].schema_json);
	}
	free(ae->entries);
	rc_registry_free(ae->reg);
	rc_buf_free(&ae->key);
	rc_buf_free(&ae->value);
	free(ae->message_topic);
	free(ae);
}

static const rc_encoder_ops_t avro_ops = {.encode = avro_encode,
                                          .encode_txn = avro_encode_txn,
                                          .encode_heartbeat = avro_encode_heartbeat,
                                          .free = avro_free};

/* schema.registry.async: table schemas registered by the worker, records parked meanwhile. */
static const rc_encoder_ops_t avro_async_ops = {.encode = avro_encode,
                                                .encode_txn = avro_encode_txn,
                                                .encode_heartbeat = avro_encode_heartbeat,
                                                .free = avro_free,
                                                .pending = avro_pending,
                                                .resolve = avro_resolve,
                                                .fd = avro_fd};

static int json_encode(rc_encoder_t *enc, const rc_event_t *ev, bool tombstone, rc_record_t *out, char *err,
                       size_t errlen)
{
	json_encoder_t *je = (json_encoder_t *)enc;

	rc_buf_reset(&je->line);
	if (rc_json_encode_event(ev, &je->opts, rc_avro_now_ns(), tombstone, &je->line, err, errlen) != 0)
		return RC_ERR_FATAL;
	*out = (rc_record_t){.topic = ev->op == RC_OP_MESSAGE         ? je->message_topic
	                              : ev->op == RC_OP_SCHEMA_CHANGE ? je->opts.topic_prefix
	                                                              : ev->table->topic,
	                     .value = je->line.data,
	                     .vallen = je->line.len};
	return RC_OK;
}

static void json_free(rc_encoder_t *enc)
{
	json_encoder_t *je = (json_encoder_t *)enc;

	rc_buf_free(&je->line);
	free(je->message_topic);
	free(je);
}

static const rc_encoder_ops_t json_ops = {.encode = json_encode,
                                          .encode_txn = json_encode_txn,
                                          .encode_heartbeat = json_encode_heartbeat,
                                          .free = json_free};

rc_encoder_t *rc_encoder_new(const rc_conf_t *conf, const char *connector, char *err, size_t errlen)
{
	char *message_topic = NULL;

	if (asprintf(&message_topic, "%s%s", rc_conf_get(conf, "topic.prefix"),
	             RC_AVRO_MESSAGE_TOPIC_SUFFIX) < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (rc_conf_is(conf, "sink.type", "stdout")) {
		json_encoder_t *je = calloc(1, sizeof *je);
		if (!je) {
			free(message_topic);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		je->base.ops = &json_ops;
		opts_from_conf(&je->opts, conf, connector);
		rc_buf_init(&je->line, 0);
		je->message_topic = message_topic;
		return &je->base;
	}

	avro_encoder_t *ae = calloc(1, sizeof *ae);
	if (!ae) {
		free(message_topic);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ae->base.ops = &avro_ops;
	opts_from_conf(&ae->opts, conf, connector);
	ae->message_topic = message_topic;
	ae->message_key_id = ae->message_value_id = -1;
	ae->schema_change_key_id = ae->schema_change_value_id = -1;
	for (size_t i = 0; i < sizeof ae->meta_ids / sizeof ae->meta_ids[0]; i++)
		ae->meta_ids[i] = -1;
	rc_buf_init(&ae->key, 0);
	rc_buf_init(&ae->value, 0);
	ae->reg = rc_registry_from_conf(conf, err, errlen);
	if (!ae->reg) {
		avro_free(&ae->base);
		return NULL;
	}
	if (rc_conf_get_bool(conf, "schema.registry.async", true)) {
		rc_registry_t *theirs = rc_registry_from_conf(conf, err, errlen);
		if (!theirs || rc_registry_worker_new(theirs, &ae->worker, err, errlen) != RC_OK) {
			avro_free(&ae->base);
			return NULL;
		}
		ae->base.ops = &avro_async_ops;
	}
	return &ae->base;
}
