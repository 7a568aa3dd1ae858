# Snapshot integration tests.
