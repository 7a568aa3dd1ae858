# The pgoutput parser and the replication stream's CopyData messages, their unit test and the
# captured fixtures it reads (tests/fixtures/pgoutput/capture.sh regenerates the .hex files).
librowcast_a_SOURCES += \
	decoders/pg_walmsg.c \
	decoders/pgoutput.c
noinst_HEADERS += \
	decoders/pg_walmsg.h \
	decoders/pgoutput.h

check_PROGRAMS += tests/unit/test_pgoutput
tests_unit_test_pgoutput_SOURCES = tests/unit/test_pgoutput.c
tests_unit_test_pgoutput_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pgoutput_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_pgoutput

EXTRA_DIST += \
	tests/fixtures/pgoutput/capture.sh \
	tests/fixtures/pgoutput/binary_v1.hex \
	tests/fixtures/pgoutput/binary_v1.expected \
	tests/fixtures/pgoutput/dml_v1.hex \
	tests/fixtures/pgoutput/dml_v1.expected \
	tests/fixtures/pgoutput/messages_v1.hex \
	tests/fixtures/pgoutput/messages_v1.expected \
	tests/fixtures/pgoutput/origin_v1.hex \
	tests/fixtures/pgoutput/origin_v1.expected \
	tests/fixtures/pgoutput/stream_v2.hex \
	tests/fixtures/pgoutput/stream_v2.expected \
	tests/fixtures/pgoutput/toast_v1.hex \
	tests/fixtures/pgoutput/toast_v1.expected \
	tests/fixtures/pgoutput/truncate_v1.hex \
	tests/fixtures/pgoutput/truncate_v1.expected \
	tests/fixtures/pgoutput/twophase_v3.hex \
	tests/fixtures/pgoutput/twophase_v3.expected \
	tests/fixtures/pgoutput/walmsg.hex \
	tests/fixtures/pgoutput/walmsg.expected \
	fuzz/README.md \
	fuzz/fuzz_pgoutput.c
