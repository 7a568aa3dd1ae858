# Avro schemas (Debezium/Confluent shape), rowcast's Avro and JSON encoders, the Schema Registry
# client, and their tests. avro_roundtrip.sh decodes our output with python3-avro, an independent
# implementation; registry.sh talks to the registry of tests/env.
librowcast_a_SOURCES += \
	sinks/avro_encode.c \
	sinks/avro_schema.c \
	sinks/buf.c \
	sinks/json_encode.c \
	sinks/registry.c
noinst_HEADERS += \
	sinks/avro_encode.h \
	sinks/avro_schema.h \
	sinks/buf.h \
	sinks/json_encode.h \
	sinks/registry.h

check_PROGRAMS += tests/unit/test_avro tests/unit/test_registry tests/unit/avro_dump tests/unit/registry_tool
tests_unit_test_avro_SOURCES = tests/unit/test_avro.c
tests_unit_test_avro_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_avro_LDADD = $(UNIT_LDADD)
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c
tests_unit_test_registry_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_registry_LDADD = $(UNIT_LDADD)
# Helpers of the integration tests: they write files or talk to a registry, they test nothing alone.
tests_unit_avro_dump_SOURCES = tests/unit/avro_dump.c
tests_unit_avro_dump_LDADD = librowcast.a $(RC_LIBS)
tests_unit_registry_tool_SOURCES = tests/unit/registry_tool.c
tests_unit_registry_tool_LDADD = librowcast.a $(RC_LIBS)

TESTS += tests/unit/test_avro tests/unit/test_registry \
	tests/integration/avro_roundtrip.sh tests/integration/registry.sh
EXTRA_DIST += tests/integration/avro_roundtrip.sh tests/integration/avro_decode.py \
	tests/integration/registry.sh
