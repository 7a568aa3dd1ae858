# Fault-injection integration tests (crash, Kafka outage).
# pg_crash.sh: rowcast killed with SIGKILL at random moments during 100,000 changes (~1.5 min).
# pg_kafka_outage.sh: a private Kafka broker crashed and restarted under rowcast (~1.5 min).
TESTS += tests/integration/pg_crash.sh tests/integration/pg_kafka_outage.sh
EXTRA_DIST += tests/integration/pg_crash.sh tests/integration/pg_crash_writer.py \
	tests/integration/pg_kafka_outage.sh tests/integration/kafka_private.sh
