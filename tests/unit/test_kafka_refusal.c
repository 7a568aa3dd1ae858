/* Which delivery errors stop rowcast for good (sinks/kafka_refusal.h), and the words that name the
 * record at fault. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sinks/kafka_refusal.h"

#include <string.h>

static void test_permanent_or_not(void **state)
{
	static const rd_kafka_resp_err_t permanent[] = {
	    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
	    RD_KAFKA_RESP_ERR_INVALID_RECORD,
	    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
	    RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
	    RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
	    RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
	    RD_KAFKA_RESP_ERR_POLICY_VIOLATION,
	};
	/* A broker down, a timeout, a leader moving: a restart may cure them. */
	static const rd_kafka_resp_err_t transient[] = {
	    RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,        RD_KAFKA_RESP_ERR__TRANSPORT,
	    RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,     RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
	    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
	    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,   RD_KAFKA_RESP_ERR__PURGE_QUEUE,
	    RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,       RD_KAFKA_RESP_ERR_NO_ERROR,
	};

	(void)state;
	for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
		assert_true(rc_kafka_err_permanent(permanent[i]));
	for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
		assert_false(rc_kafka_err_permanent(transient[i]));
}

static void test_describe(void **state)
{
	/* Confluent framing (magic 0, schema id 7), then the Avro key: id = 3 (zigzag 0x06). */
	static const unsigned char key[] = {0, 0, 0, 0, 7, 0x06};
	static const unsigned char long_key[40] = {0, 0, 0, 0, 7};
	char out[512];

	(void)state;
	rc_kafka_refusal_describe(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "p.s.big", 2, key, sizeof key, 320191,
	                          out, sizeof out);
	assert_non_null(strstr(out, "(MSG_SIZE_TOO_LARGE): topic p.s.big partition 2, key 0x06 (6 bytes), "
	                            "value 320191 bytes, 320197 bytes in all"));
	rc_kafka_refusal_describe(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "p.s.big", -1, NULL, 0, 10, out,
	                          sizeof out);
	assert_non_null(strstr(out, "topic p.s.big, key null (0 bytes), value 10 bytes"));
	/* A long key shows its first 32 bytes. */
	rc_kafka_refusal_describe(RD_KAFKA_RESP_ERR_INVALID_RECORD, "t", 0, long_key, sizeof long_key, 1, out,
	                          sizeof out);
	assert_non_null(
	    strstr(out, "key 0x" /* 32 zero bytes */
	                "0000000000000000000000000000000000000000000000000000000000000000... (40 bytes)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_permanent_or_not),
	    cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
