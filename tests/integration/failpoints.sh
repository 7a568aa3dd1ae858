# Crash points (agent/failpoint.h): for each point, rowcast runs against PostgreSQL while a writer
# inserts, updates, deletes and changes keys, with ROWCAST_TEST_FAILPOINT arming that point; it must
# die by SIGKILL at the point (exit 137, "failpoint <name> hit" in its log). Restarted without the
# failpoint, with the same config and offset file, it must catch up: the table rebuilt from Kafka
# (duplicates allowed: at-least-once) equals PostgreSQL, so no committed change was lost at any point.
# Skips (77) when the build has no failpoints (configure --enable-failpoints) or there is no test
# environment. Knobs: FAILPOINTS="name[@N] ..." to run some only, KEEP_TMP=1.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
if ! "$ROWCAST" --version | grep -qx 'failpoints: on'; then
    echo "SKIP: this rowcast has no failpoints (configure --enable-failpoints)" >&2
    exit 77
fi
need_env

pg_test_setup fp
cleanup_all() {
    stop_writer
    for s in $slots; do drop_slot "$s" || true; done
    pg_test_cleanup
}
slots=
trap cleanup_all EXIT

rows=3000
# Each point with the pass it dies at: far enough in for the snapshot to be under way, the stream
# to be flowing or an offset to have been written already.
points=${FAILPOINTS:-"snapshot_rows_before_ack@1500 snapshot_last_chunk_before_ack after_produce_before_ack@4000
after_ack_before_offset_write@3 after_offset_write_before_confirm@3 mid_transaction@50"}

# Waits up to $1 s for rowcast to exit; sets $exit_code (empty when it is still running).
wait_exit() {
    exit_code=
    for _ in $(seq $(($1 * 10))); do
        kill -0 "$rowcast_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$rowcast_pid" 2>/dev/null && return 0
    set +e
    wait "$rowcast_pid"
    exit_code=$?
    set -e
}

psql_q "CREATE SCHEMA $schema"
n=0
for spec in $points; do
    n=$((n + 1))
    name=${spec%@*}
    t="$schema.t$n" s="${slot}_$n" p="${prefix}_$n"
    slots="$slots $s"
    psql_q "CREATE TABLE $t (id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz, flag boolean);
INSERT INTO $t SELECT g, 'row ' || g, g / 100.0, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s',
    g % 2 = 0 FROM generate_series(1, $rows) g;"
    write_pg_config "$tmp/rowcast.$n.properties" "$p" "$s" <<PROPS
snapshot.mode = initial
table.include.list = $schema\\.t$n
publication.autocreate.mode = filtered
offset.storage.file.filename = $tmp/offsets.$n.json
PROPS
    # The writer runs from before rowcast's start to after its restart's catch-up begins.
    rm -f "$tmp/stop"
    /usr/bin/python3 "$top_srcdir/tests/integration/snapshot_writer.py" --table "$t" --rows "$rows" \
        --stop "$tmp/stop" --counts "$tmp/counts.$n.json" --pause 0.01 |
        psql -X -q -v ON_ERROR_STOP=1 -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
            -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" >/dev/null 2>"$tmp/writer.$n.err" &
    writer_pid=$!

    ROWCAST_TEST_FAILPOINT=$spec start_rowcast "$tmp/rowcast.$n.properties" "$tmp/rowcast.$n.armed.log"
    wait_exit 90
    [ -n "$exit_code" ] || fail "$spec: rowcast still running after 90 s: the point was never reached"
    [ "$exit_code" = 137 ] || fail "$spec: rowcast exited $exit_code, not by SIGKILL (137)"
    grep -qx "failpoint $name hit" "$tmp/rowcast.$n.armed.log" ||
        fail "$spec: the log lacks 'failpoint $name hit'"
    pass "$spec: rowcast died by SIGKILL at the point"
    if [ "$name" = after_offset_write_before_confirm ]; then
        # Killed between the two: the file holds a position PostgreSQL was never told of.
        off=$(sed -n 's/.*"lsn": *"\([0-9A-Fa-f]*\/[0-9A-Fa-f]*\)".*/\1/p' "$tmp/offsets.$n.json")
        [ -n "$off" ] || fail "$spec: no position in the offset file"
        [ "$(psql_q "SELECT confirmed_flush_lsn < '$off' FROM pg_replication_slots WHERE slot_name = '$s'")" = t ] ||
            fail "$spec: the slot ($(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$s'")) is not behind the offset file ($off)"
        pass "$spec: the offset file ($off) is ahead of the slot ($(psql_q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$s'")): written, not confirmed"
    fi

    start_rowcast "$tmp/rowcast.$n.properties" "$tmp/rowcast.$n.log"
    wait_slot_active "$s"
    sleep 2 # more changes while the restarted rowcast streams
    stop_writer
    [ -s "$tmp/writer.$n.err" ] && { cat "$tmp/writer.$n.err" >&2; fail "$spec: the writer failed"; }
    wait_slot_caught_up "$s" 120
    stop_rowcast
    rowcast_pid=
    set +e
    verify_topics --prefix "$p" --tables "$t" >"$tmp/verify.$n.json" 2>"$tmp/verify.$n.err"
    verify_rc=$?
    set -e
    if [ "$verify_rc" != 0 ]; then
        cat "$tmp/verify.$n.err" >&2
        tail -n 1 "$tmp/verify.$n.json" >&2
        fail "$spec: the table rebuilt from Kafka differs from PostgreSQL after the restart"
    fi
    pass "$spec: after the restart the table rebuilt from Kafka equals PostgreSQL ($(cat "$tmp/counts.$n.json"); $(tail -n 1 "$tmp/verify.$n.json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("records"), "records,", d.get("duplicates"), "duplicates")'))"
done
