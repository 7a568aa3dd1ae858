# Snapshot tests: the COPY text parser (unit) and, against the real servers, a snapshot under
# concurrent writes, the one-shot command, and a crash in the middle of a snapshot.
check_PROGRAMS += tests/unit/test_copy_text
tests_unit_test_copy_text_SOURCES = tests/unit/test_copy_text.c
tests_unit_test_copy_text_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_copy_text_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_copy_text

TESTS += tests/integration/pg_snapshot.sh tests/integration/pg_snapshot_cmd.sh \
	tests/integration/pg_snapshot_crash.sh
EXTRA_DIST += tests/integration/pg_snapshot.sh tests/integration/pg_snapshot_cmd.sh \
	tests/integration/pg_snapshot_crash.sh tests/integration/snapshot_writer.py
