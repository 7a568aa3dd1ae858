# Fault-injection integration tests (crash, Kafka outage).
