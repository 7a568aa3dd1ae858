/* Debezium's signals (agent/signal.c): every type parsed from the signal table's columns, from a
 * Kafka record's value and from a rowcast.signal message; malformed ones refused with the id and the
 * field named; data-collections expanded as regular expressions; the dispatch to the engine's
 * calls; the signal table's inserts recognised among the stream's events; the property checks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/conf.h"
#include "agent/errors.h"
#include "agent/signal.h"
#include "agent/table.h"

#include <stdio.h>
#include <string.h>

static char err[1024];

static void parse_ok(rc_signal_t *sig, const char *id, const char *type, const char *data)
{
	err[0] = '\0';
	if (rc_signal_parse(sig, "source", id, type, data, err, sizeof err) != 0)
		fail_msg("signal %s refused: %s", id, err);
}

/* Parsing fails, and the message names the id and contains want. */
static void parse_bad(const char *id, const char *type, const char *data, const char *want)
{
	rc_signal_t sig;
	char idpart[128];

	err[0] = '\0';
	assert_int_equal(rc_signal_parse(&sig, "source", id, type, data, err, sizeof err), -1);
	snprintf(idpart, sizeof idpart, "signal '%s'", id ? id : "?");
	if (!strstr(err, idpart) || !strstr(err, want))
		fail_msg("for %s: expected '%s' and '%s' in: %s", data ? data : "(null)", idpart, want, err);
	assert_null(sig.id);
	assert_int_equal(sig.ncollections, 0);
}

static void test_execute_snapshot(void **state)
{
	rc_signal_t sig;

	(void)state;
	parse_ok(
	    &sig, "ad-hoc-1", "execute-snapshot",
	    "{\"data-collections\": [\"public.orders\", \"public\\\\.item_.*\"], \"type\": \"incremental\"}");
	assert_int_equal(sig.kind, RC_SIGNAL_EXECUTE_SNAPSHOT);
	assert_string_equal(sig.id, "ad-hoc-1");
	assert_string_equal(sig.channel, "source");
	assert_int_equal(sig.ncollections, 2);
	assert_string_equal(sig.collections[0], "public.orders");
	assert_string_equal(sig.collections[1], "public\\.item_.*");
	assert_false(sig.blocking);
	assert_int_equal(sig.nconditions, 0);
	assert_null(sig.surrogate_key);
	rc_signal_clear(&sig);

	/* type absent: incremental, as Debezium; any case */
	parse_ok(&sig, "2", "execute-snapshot", "{\"data-collections\": [\"a.b\"]}");
	assert_false(sig.blocking);
	rc_signal_clear(&sig);
	parse_ok(&sig, "3", "execute-snapshot", "{\"data-collections\": [\"a.b\"], \"type\": \"BLOCKING\"}");
	assert_true(sig.blocking);
	rc_signal_clear(&sig);

	parse_ok(&sig, "4", "execute-snapshot",
	         "{\"data-collections\": [\"public.orders\"], \"type\": \"incremental\", "
	         "\"additional-conditions\": [{\"data-collection\": \"public.orders\", \"filter\": "
	         "\"id > 10\"}], \"surrogate-key\": \"order_no\"}");
	assert_int_equal(sig.nconditions, 1);
	assert_string_equal(sig.conditions[0].data_collection, "public.orders");
	assert_string_equal(sig.conditions[0].filter, "id > 10");
	assert_string_equal(sig.surrogate_key, "order_no");
	assert_non_null(strstr(sig.data, "\"surrogate-key\":\"order_no\""));
	rc_signal_clear(&sig);
}

static void test_other_types(void **state)
{
	rc_signal_t sig;

	(void)state;
	parse_ok(&sig, "s1", "stop-snapshot",
	         "{\"data-collections\": [\"public.orders\"], \"type\": \"incremental\"}");
	assert_int_equal(sig.kind, RC_SIGNAL_STOP_SNAPSHOT);
	assert_int_equal(sig.ncollections, 1);
	rc_signal_clear(&sig);
	parse_ok(&sig, "s2", "stop-snapshot", "{\"type\": \"incremental\"}"); /* every table */
	assert_int_equal(sig.ncollections, 0);
	rc_signal_clear(&sig);
	parse_ok(&sig, "p", "pause-snapshot", "{\"type\": \"incremental\"}");
	assert_int_equal(sig.kind, RC_SIGNAL_PAUSE_SNAPSHOT);
	rc_signal_clear(&sig);
	parse_ok(&sig, "p2", "pause-snapshot", NULL); /* data is optional */
	assert_null(sig.data);
	rc_signal_clear(&sig);
	parse_ok(&sig, "r", "resume-snapshot", "");
	assert_int_equal(sig.kind, RC_SIGNAL_RESUME_SNAPSHOT);
	rc_signal_clear(&sig);
	parse_ok(&sig, "l", "log", "{\"message\": \"Signal message at offset {}\"}");
	assert_int_equal(sig.kind, RC_SIGNAL_LOG);
	assert_string_equal(sig.message, "Signal message at offset {}");
	rc_signal_clear(&sig);
}

static void test_malformed(void **state)
{
	(void)state;
	parse_bad("x1", "snapshot-now", "{}", "unknown signal type");
	parse_bad("x2", "execute-snapshot", "{\"data-collections\": [\"a.b\"", "not valid JSON");
	parse_bad("x3", "execute-snapshot", "[1]", "not a JSON object");
	parse_bad("x4", "execute-snapshot", NULL, "data is missing");
	parse_bad("x5", "execute-snapshot", "{\"type\": \"incremental\"}", "'data-collections' is missing");
	parse_bad("x6", "execute-snapshot", "{\"data-collections\": []}",
	          "'data-collections' is missing or empty");
	parse_bad("x7", "execute-snapshot", "{\"data-collections\": \"a.b\"}", "must be an array");
	parse_bad("x8", "execute-snapshot", "{\"data-collections\": [\"a.b\", 3]}", "entry 2");
	parse_bad("x9", "execute-snapshot", "{\"data-collections\": [\"a.b\"], \"type\": \"full\"}",
	          "'type' is 'full'");
	parse_bad("x10", "execute-snapshot", "{\"data-collections\": [\"a.(b\"]}",
	          "not a valid regular expression");
	parse_bad("x11", "execute-snapshot",
	          "{\"data-collections\": [\"a.b\"], \"additional-conditions\": [{\"filter\": \"x\"}]}",
	          "additional-conditions entry 1");
	parse_bad("x12", "execute-snapshot",
	          "{\"data-collections\": [\"a.b\"], \"additional-condition\": \"id > 1\"}", "removed form");
	parse_bad("x13", "execute-snapshot", "{\"data-collections\": [\"a.b\"], \"surrogate-key\": 5}",
	          "'surrogate-key' must be a string");
	parse_bad("x14", "log", "{\"msg\": \"hi\"}", "'message'");
	parse_bad("x15", "", "{}", "the type is missing");
	parse_bad(NULL, "log", "{}", "the id is missing");
	parse_bad("x16", "execute-snapshot",
	          "{\"data-collections\": [\"a.b\"], \"data-collections\": [\"c.d\"]}", "not valid JSON");
}

static void test_json_forms(void **state)
{
	rc_signal_t sig;
	const char *kafka =
	    "{\"type\":\"execute-snapshot\",\"data\":{\"data-collections\":[\"public.t\"],\"type\":\"INCREMENTAL\"}}";
	const char *msg =
	    "{\"id\":\"m-1\",\"type\":\"stop-snapshot\",\"data\":{\"data-collections\":[\"public.t\"]}}";

	(void)state;
	/* Kafka: the value's id (Debezium's), else the record's offset */
	assert_int_equal(
	    rc_signal_parse_json(&sig, "kafka", "42", true, kafka, strlen(kafka), err, sizeof err), 0);
	assert_string_equal(sig.id, "42");
	assert_string_equal(sig.channel, "kafka");
	assert_int_equal(sig.kind, RC_SIGNAL_EXECUTE_SNAPSHOT);
	assert_string_equal(sig.collections[0], "public.t");
	rc_signal_clear(&sig);
	/* the logical message: its own id, else the LSN */
	assert_int_equal(
	    rc_signal_parse_json(&sig, "source", "0/16B3748", true, msg, strlen(msg), err, sizeof err), 0);
	assert_string_equal(sig.id, "m-1");
	rc_signal_clear(&sig);
	assert_int_equal(rc_signal_parse_json(&sig, "kafka", "43", true, msg, strlen(msg), err, sizeof err),
	                 0);
	assert_string_equal(sig.id, "m-1");
	rc_signal_clear(&sig);
	assert_int_equal(rc_signal_parse_json(&sig, "kafka", "44", false, msg, strlen(msg), err, sizeof err),
	                 0);
	assert_string_equal(sig.id, "44");
	rc_signal_clear(&sig);
	assert_int_equal(
	    rc_signal_parse_json(&sig, "source", "0/16B3748", true, kafka, strlen(kafka), err, sizeof err),
	    0);
	assert_string_equal(sig.id, "0/16B3748");
	rc_signal_clear(&sig);

	assert_int_equal(rc_signal_parse_json(&sig, "kafka", "7", false, "{\"type\":", 8, err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "signal '7' (channel kafka)"));
	assert_non_null(strstr(err, "not valid JSON"));
	assert_int_equal(rc_signal_parse_json(&sig, "kafka", "8", false, "[]", 2, err, sizeof err), -1);
	assert_non_null(strstr(err, "signal '8'"));
	assert_int_equal(
	    rc_signal_parse_json(&sig, "kafka", "9", false, "{\"data\":{}}", 11, err, sizeof err), -1);
	assert_non_null(strstr(err, "the type is missing"));
	assert_int_equal(
	    rc_signal_parse_json(&sig, "kafka", "10", false, "{\"type\":5}", 10, err, sizeof err), -1);
	assert_non_null(strstr(err, "'type' must be a string"));
	assert_int_equal(rc_signal_parse_json(&sig, "source", "0/1", true, "{\"id\":[],\"type\":\"log\"}", 22,
	                                      err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "'id' must be a string"));
}

static void test_expand(void **state)
{
	const char *known[] = {"public.orders", "public.item_a", "public.item_b", "other.item_a"};
	const char *pats[] = {"public\\.item_.*", "public.orders", "public.item_a", "public.missing"};
	const char *bad[] = {"a.(b"};
	char **out;
	int n;

	(void)state;
	assert_int_equal(rc_signal_expand(pats, 4, known, 4, &out, &n, err, sizeof err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(out[0], "public.item_a");
	assert_string_equal(out[1], "public.item_b");
	assert_string_equal(out[2], "public.orders");
	assert_string_equal(out[3], "public.missing"); /* no match: kept as written */
	rc_signal_free_names(out, n);
	assert_int_equal(rc_signal_expand(bad, 1, known, 4, &out, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "'a.(b'"));
	assert_null(out);
}

/* A recording engine. */
typedef struct engine {
	char last_id[64];
	int executed, stopped, paused, resumed, ntables;
	char tables[4][64];
	int answer;
} engine_t;

static int eng_execute(void *opaque, const char *id, const char *const *tables, int ntables, char *e,
                       size_t elen)
{
	engine_t *eng = opaque;

	eng->executed++;
	snprintf(eng->last_id, sizeof eng->last_id, "%s", id);
	eng->ntables = ntables;
	for (int i = 0; i < ntables && i < 4; i++)
		snprintf(eng->tables[i], sizeof eng->tables[i], "%s", tables[i]);
	if (eng->answer != RC_OK)
		snprintf(e, elen, "table public.nope is not captured");
	return eng->answer;
}

static int eng_stop(void *opaque, const char *id, const char *const *tables, int ntables)
{
	engine_t *eng = opaque;

	(void)tables;
	eng->stopped++;
	eng->ntables = ntables;
	snprintf(eng->last_id, sizeof eng->last_id, "%s", id);
	return RC_OK;
}

static void eng_pause(void *opaque, bool pause)
{
	engine_t *eng = opaque;

	if (pause)
		eng->paused++;
	else
		eng->resumed++;
}

static void test_dispatch(void **state)
{
	engine_t eng = {.answer = RC_OK};
	rc_signal_target_t target = {eng_execute, eng_stop, eng_pause, &eng};
	rc_signal_target_t none = {0};
	rc_signal_t sig;

	(void)state;
	parse_ok(&sig, "d1", "execute-snapshot", "{\"data-collections\": [\"public.a\", \"public.b\"]}");
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), 0);
	assert_int_equal(eng.executed, 1);
	assert_string_equal(eng.last_id, "d1");
	assert_int_equal(eng.ntables, 2);
	assert_string_equal(eng.tables[1], "public.b");
	/* no engine: refused, saying so */
	assert_int_equal(rc_signal_dispatch(&sig, &none, err, sizeof err), -1);
	assert_non_null(strstr(err, "signal 'd1'"));
	assert_non_null(strstr(err, "no incremental snapshot engine"));
	/* the engine's refusal is passed on with the id */
	eng.answer = RC_ERR_FATAL;
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), -1);
	assert_non_null(strstr(err, "signal 'd1' (execute-snapshot): table public.nope is not captured"));
	eng.answer = RC_OK;
	rc_signal_clear(&sig);

	parse_ok(&sig, "d2", "execute-snapshot",
	         "{\"data-collections\": [\"public.a\"], \"type\": \"blocking\"}");
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), -1);
	assert_non_null(strstr(err, "blocking snapshots are not supported"));
	assert_int_equal(eng.executed, 2); /* never silently an incremental one instead */
	rc_signal_clear(&sig);

	parse_ok(&sig, "d3", "execute-snapshot",
	         "{\"data-collections\": [\"public.a\"], \"additional-conditions\": [{\"data-collection\": "
	         "\"public.a\", \"filter\": \"id < 5\"}]}");
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), -1);
	assert_non_null(strstr(err, "additional-conditions is not supported"));
	assert_int_equal(eng.executed, 2);
	rc_signal_clear(&sig);

	parse_ok(&sig, "d4", "stop-snapshot", "{\"data-collections\": [\"public.a\"]}");
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), 0);
	assert_int_equal(eng.stopped, 1);
	assert_int_equal(eng.ntables, 1);
	rc_signal_clear(&sig);
	parse_ok(&sig, "d5", "pause-snapshot", NULL);
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), 0);
	rc_signal_clear(&sig);
	parse_ok(&sig, "d6", "resume-snapshot", NULL);
	assert_int_equal(rc_signal_dispatch(&sig, &target, err, sizeof err), 0);
	rc_signal_clear(&sig);
	assert_int_equal(eng.paused, 1);
	assert_int_equal(eng.resumed, 1);
	parse_ok(&sig, "d7", "log", "{\"message\": \"hello\"}");
	assert_int_equal(rc_signal_dispatch(&sig, &none, err, sizeof err), 0); /* needs no engine */
	rc_signal_clear(&sig);
}

static rc_value_t text(const char *s)
{
	rc_value_t v = {.state = s ? RC_V_SET : RC_V_NULL};

	v.u.bytes.ptr = s;
	v.u.bytes.len = s ? strlen(s) : 0;
	return v;
}

static void test_from_event(void **state)
{
	engine_t eng = {.answer = RC_OK};
	rc_signal_router_t r = {.source = true,
	                        .pg_messages = true,
	                        .table = (char *)"public.debezium_signal",
	                        .target = {eng_execute, eng_stop, eng_pause, &eng}};
	rc_table_t *sigt = rc_table_new("public", "debezium_signal", "p.public.debezium_signal", 3);
	rc_table_t *other = rc_table_new("public", "orders", "p.public.orders", 3);
	rc_value_t row[3] = {text("sig-7"), text("execute-snapshot"),
	                     text("{\"data-collections\": [\"public.orders\"]}")};
	rc_value_t badrow[3] = {text("sig-8"), text("execute-snapshot"), text("{\"data-collections\": 1}")};
	rc_event_t ev = {.op = RC_OP_CREATE, .table = sigt, .after = row};
	const char *content =
	    "{\"id\":\"msg-1\",\"type\":\"execute-snapshot\",\"data\":{\"data-collections\":[\"public.orders\"]}}";
	rc_event_t msg = {.op = RC_OP_MESSAGE,
	                  .msg_prefix = RC_SIGNAL_MESSAGE_PREFIX,
	                  .msg_content = content,
	                  .msg_len = strlen(content),
	                  .msg_transactional = true};

	(void)state;
	assert_non_null(sigt);
	assert_non_null(other);
	for (size_t i = 0; i < 3; i++) {
		sigt->cols[i].type = RC_T_STRING;
		other->cols[i].type = RC_T_STRING;
	}
	assert_true(rc_signal_from_event(&r, &ev));
	assert_int_equal(eng.executed, 1);
	assert_string_equal(eng.last_id, "sig-7");
	assert_string_equal(eng.tables[0], "public.orders");

	ev.op = RC_OP_UPDATE; /* only inserts are signals */
	assert_false(rc_signal_from_event(&r, &ev));
	ev.op = RC_OP_CREATE;
	ev.table = other;
	assert_false(rc_signal_from_event(&r, &ev));
	ev.table = sigt;
	ev.after = badrow;
	assert_true(rc_signal_from_event(&r, &ev)); /* a signal, refused */
	assert_int_equal(eng.executed, 1);
	assert_int_equal(r.refused, 1);

	assert_true(rc_signal_from_event(&r, &msg));
	assert_int_equal(eng.executed, 2);
	assert_string_equal(eng.last_id, "msg-1");
	msg.msg_transactional = false;
	assert_true(rc_signal_from_event(&r, &msg));
	assert_int_equal(eng.executed, 2);
	assert_int_equal(r.refused, 2);
	msg.msg_prefix = "other";
	assert_false(rc_signal_from_event(&r, &msg));
	r.source = false; /* the channel off: nothing is a signal */
	ev.after = row;
	assert_false(rc_signal_from_event(&r, &ev));
	assert_int_equal(r.received, 4);
	rc_table_release(sigt);
	rc_table_release(other);
}

static rc_conf_t *conf_of(const char *const *kv)
{
	rc_conf_t *conf = rc_conf_new();

	for (; kv[0]; kv += 2)
		assert_int_equal(rc_conf_set(conf, kv[0], kv[1], RC_CONF_CLI, "--set", err, sizeof err), 0);
	return conf;
}

static void test_conf_checks(void **state)
{
	const char *good[] = {"signal.enabled.channels", "source, kafka", "signal.data.collection",
	                      "public.debezium_signal", NULL};
	const char *bad[] = {"signal.enabled.channels", "source,jmx,carrier-pigeon", "signal.data.collection",
	                     "nodot", NULL};
	const char *excluded[] = {"table.include.list", "public\\.orders", "signal.data.collection",
	                          "public.debezium_signal", NULL};
	rc_conf_t *conf;

	(void)state;
	conf = conf_of(good);
	err[0] = '\0';
	assert_int_equal(rc_signal_check_conf(conf, err, sizeof err), 0);
	assert_true(rc_signal_channel_enabled(conf, "kafka"));
	assert_true(rc_signal_channel_enabled(conf, "source"));
	rc_conf_free(conf);
	conf = conf_of(bad);
	err[0] = '\0';
	assert_int_equal(rc_signal_check_conf(conf, err, sizeof err), -1);
	assert_non_null(strstr(err, "'jmx' is a Debezium channel rowcast does not have"));
	assert_non_null(strstr(err, "'carrier-pigeon' is not a channel"));
	assert_non_null(strstr(err, "'nodot' is not schema.table"));
	assert_false(rc_signal_channel_enabled(conf, "kafka"));
	rc_conf_free(conf);
	conf = conf_of(excluded);
	err[0] = '\0';
	assert_int_equal(rc_signal_check_conf(conf, err, sizeof err), -1);
	assert_non_null(strstr(err, "is not captured: add it to table.include.list"));
	rc_conf_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_execute_snapshot), cmocka_unit_test(test_other_types),
	    cmocka_unit_test(test_malformed),        cmocka_unit_test(test_json_forms),
	    cmocka_unit_test(test_expand),           cmocka_unit_test(test_dispatch),
	    cmocka_unit_test(test_from_event),       cmocka_unit_test(test_conf_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
