# PostgreSQL type mapping, text value conversion and the type catalog, their unit test, and the
# integration test converting every mapped type read from a real server.
librowcast_a_SOURCES += \
	decoders/pg_catalog.c \
	decoders/pg_datetime.c \
	decoders/pg_numeric.c \
	decoders/pg_types.c \
	decoders/pg_values.c
noinst_HEADERS += \
	decoders/pg_catalog.h \
	decoders/pg_datetime.h \
	decoders/pg_numeric.h \
	decoders/pg_types.h

check_PROGRAMS += tests/unit/test_pg_types
tests_unit_test_pg_types_SOURCES = tests/unit/test_pg_types.c
tests_unit_test_pg_types_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pg_types_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_pg_types

check_PROGRAMS += tests/integration/pg_types_check
tests_integration_pg_types_check_SOURCES = tests/integration/pg_types_check.c
tests_integration_pg_types_check_LDADD = librowcast.a $(RC_LIBS)
TESTS += tests/integration/pg_types.sh
EXTRA_DIST += tests/integration/pg_types.sh
