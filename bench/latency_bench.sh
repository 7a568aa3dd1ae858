#!/usr/bin/env bash
# Latency, as a user sees it (issue 12): a probe table, BENCH_LATENCY_WRITERS (4) connections
# inserting single rows in autocommit at a fixed total rate (BENCH_LATENCY_RATES: 1000 5000 10000
# ops/s) for BENCH_LATENCY_SECONDS (30) each; a topic made beforehand with
# message.timestamp.type=LogAppendTime; latency = the record's Kafka append time - its source.ts_us
# (the commit time at PostgreSQL). Reports p50, p99, p99.9, max, the worst seconds, and whether the
# lag stayed bounded; then one run of the new binary per rate with ROWCAST_TEST_STAGE_HEADER=1 (a
# rowcast.stages header on each record: the server's XLogData send time, rowcast's read, its
# hand-over to the producer), split into stages. Debezium 3.6.1's PostgreSQL connector (bench/debezium.sh)
# runs after rowcast at each rate, on its own slot and topic (BENCH_DEBEZIUM=0: not).
#
# Before and after in one invocation: ROWCAST_BENCH_BASELINE=path/to/old/rowcast runs that binary
# too, rate by rate on the same setup (BENCH_LATENCY_REPEAT rounds, which runs first alternating).
# Then, with strace installed and BENCH_STRACE=1 (default), runs of each at 5000 ops/s under strace
# (BENCH_STRACE_MODES: strace = fsync,fdatasync,write traced, counting fsyncs on the event loop's
# thread, the process's main one, and on the others; slowfsync = every fsync made
# BENCH_SLOW_FSYNC_MS longer; allcalls = every call of the loop's thread): a demonstration, slowed.
#
#   bench/latency_bench.sh [ROWCAST]          (ROWCAST: argument, $ROWCAST, or /tmp/build-bench/rowcast)
#
# Results: one JSON object a line per run on stdout (bench/run's contract: bench=latency, case=<rate>ops_per_s,
# consumer rowcast / rowcast@before / debezium), the whole document to $BENCH_OUT when set, a Markdown
# table to ${BENCH_OUT%.json}.md (or stderr);
# progress lines on stderr. Needs tests/env (exit 77 without it), cc and libpq's headers, python's
# confluent_kafka. BENCH_EXTRA_PROPS: more rowcast properties, one per line, for every binary.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RATES=${BENCH_LATENCY_RATES:-"1000 5000 10000"}
DURATION=${BENCH_LATENCY_SECONDS:-30}
WRITERS=${BENCH_LATENCY_WRITERS:-4}
WARMUP=${BENCH_LATENCY_WARMUP:-2}
BASELINE=${ROWCAST_BENCH_BASELINE:-}
unset ROWCAST_BENCH_BASELINE # rowcast takes every other ROWCAST_* variable for a property
STRACE=${BENCH_STRACE:-1}
STRACE_RATE=${BENCH_STRACE_RATE:-5000}
STRACE_SECONDS=${BENCH_STRACE_SECONDS:-15}
SLOW_FSYNC_MS=${BENCH_SLOW_FSYNC_MS:-100}
REPEAT=${BENCH_LATENCY_REPEAT:-1}
STAGE_RUNS=${BENCH_STAGE_RUNS:-1} # 1: one more run of the new binary per rate, with the stages header
bench_prepare psql cc
# Debezium's PostgreSQL connector on the same probe, one run per rate after rowcast's (bench/debezium.sh).
TIMEOUT=${BENCH_TIMEOUT:-600}
[ "${BENCH_DEBEZIUM:-1}" = 0 ] && dbz_skip="BENCH_DEBEZIUM=0" || dbz_setup
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || die "ROWCAST_BENCH_BASELINE=$BASELINE is not an executable"
if [ "$STRACE" = 1 ] && ! command -v strace >/dev/null; then
    log "strace not installed: no strace run"
    STRACE=0
fi
CLK_TCK=$(getconf CLK_TCK)

id="lat$$"
schema="$id" pub="${id}_pub"
tmp=$(mktemp -d /tmp/rowcast-latency.XXXXXX)
rc_pid="" writer_pid="" strace_pid=""
topics=() slots=()

psql_q() {
    psql -X -q -v ON_ERROR_STOP=1 -At -h "$ROWCAST_TEST_PG_HOST" -p "$ROWCAST_TEST_PG_PORT" \
        -U "$ROWCAST_TEST_PG_USER" -d "$ROWCAST_TEST_PG_DB" -c "$1"
}

cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    for p in "$writer_pid" "$rc_pid" "$strace_pid"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    for s in "${slots[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            psql_q "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                    WHERE slot_name = '$s' AND NOT active" >/dev/null 2>&1
            [ -z "$(psql_q "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$s'" 2>/dev/null)" ] && break
            sleep 0.5
        done
    done
    psql_q "DROP PUBLICATION IF EXISTS $pub" >/dev/null 2>&1
    psql_q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    if [ "${#topics[@]}" -gt 0 ]; then
        "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "${topics[@]}" >/dev/null 2>&1 <<'PY'
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.delete_topics(sys.argv[2:], operation_timeout=10).values():
    f.result()
PY
        for t in "${topics[@]}"; do
            for subj in "$t-key" "$t-value"; do
                curl -s -m 5 -X DELETE "${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/}/subjects/$subj" >/dev/null 2>&1
                curl -s -m 5 -X DELETE "${ROWCAST_TEST_SCHEMA_REGISTRY_URL%/}/subjects/$subj?permanent=true" >/dev/null 2>&1
            done
        done
    fi
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ] || [ "$status" != 0 ]; then
        log "temp dir kept: $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_s() { awk -v t="$CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo null; }
hwm_mib() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo null; }
high_watermark() {
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$1" <<'PY' 2>/dev/null || echo 0
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "rowcast-latency-hw"})
md = c.list_topics(sys.argv[2], timeout=5).topics[sys.argv[2]]
print(sum(c.get_watermark_offsets(TopicPartition(sys.argv[2], p), timeout=5, cached=False)[1] for p in md.partitions))
c.close()
PY
}

# The writer, built here: it is the benchmark's, not rowcast's.
pq_inc=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
cc -O2 -Wall -I"$pq_inc" -o "$tmp/latency_writer" "$here/latency_writer.c" -lpq -lpthread ||
    die "cannot build bench/latency_writer.c (libpq's headers?)"

log "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1048576 " GiB"}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "server: PostgreSQL $(psql_q 'SHOW server_version'); rates: $RATES ops/s, $DURATION s each, $WRITERS writers"
psql_q "CREATE SCHEMA $schema;
CREATE TABLE $schema.probe (id bigserial PRIMARY KEY, w int NOT NULL, n bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()) WITH (autovacuum_enabled = false);
CREATE PUBLICATION $pub FOR TABLE $schema.probe;" >/dev/null
conninfo="host=$ROWCAST_TEST_PG_HOST port=$ROWCAST_TEST_PG_PORT user=$ROWCAST_TEST_PG_USER dbname=$ROWCAST_TEST_PG_DB password=$ROWCAST_TEST_PG_PASSWORD"

# run_one LABEL BINARY RATE SECONDS [strace|slowfsync] REP: one measurement; appends a JSON line to
# $tmp/runs.jsonl. strace: under strace -f -T -e trace=fsync,fdatasync,write; slowfsync: every fsync
# and fdatasync made SLOW_FSYNC_MS longer by strace's fault injection (a busy disk, reproducibly).
run_one() {
    local label=$1 bin=$2 rate=$3 secs=$4 traced=${5:-} repno=${6:-1} n=${#slots[@]} hdr=0
    local prefix="${id}_${n}" slot="${id}_s${n}" topic writer_json report cpu rss t_end hw want i pid
    topic="$prefix.$schema.probe"
    # Every run on an empty table (before its slot exists: rowcast never sees the TRUNCATE), no
    # autovacuum: the second run of a pair must not find a table the first one grew.
    psql_q "TRUNCATE $schema.probe; CHECKPOINT" >/dev/null
    slots+=("$slot")
    topics+=("$topic")
    "$PY" - "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" <<'PY' || die "cannot create topic $topic"
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for f in admin.create_topics([NewTopic(sys.argv[2], 1, 1, config={"message.timestamp.type": "LogAppendTime"})]).values():
    f.result()
PY
    cat >"$tmp/$prefix.properties" <<PROPS
source.type = postgres
database.hostname = $ROWCAST_TEST_PG_HOST
database.port = $ROWCAST_TEST_PG_PORT
database.user = $ROWCAST_TEST_PG_USER
database.password = $ROWCAST_TEST_PG_PASSWORD
database.dbname = $ROWCAST_TEST_PG_DB
topic.prefix = $prefix
slot.name = $slot
publication.name = $pub
publication.autocreate.mode = disabled
table.include.list = $schema\\.probe
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
offset.storage.file.filename = $tmp/$prefix.offsets.json
${BENCH_EXTRA_PROPS:-}
PROPS
    # The rowcast.stages header costs latency itself (librdkafka's headers: p99 at 1000 ops/s
    # 24 ms without, 124 ms with, on a loaded 2-core machine): only the "stages" runs carry it.
    [ "$traced" = stages ] && hdr=1 && traced=""
    if [ "$label" = debezium ]; then
        # Its own slot and topic, the same publication and probe; stopped with SIGTERM like rowcast.
        [ -f "$tmp/dbz-producer.properties" ] || dbz_configs
        dbz_pg_properties "$tmp/$prefix.dbz.properties" "latency-$prefix" "$tmp/$prefix.dbz-offsets.dat" "$prefix" "$schema.probe" \
            slot.name="$slot" publication.name="$pub" publication.autocreate.mode=disabled snapshot.mode=no_data
        # shellcheck disable=SC2086 # BENCH_DBZ_JAVA_OPTS is a list of options
        "${BENCH_DBZ_JAVA:-java}" -Duser.timezone=UTC ${BENCH_DBZ_JAVA_OPTS:-} -cp "$dbz_cp" DebeziumRun "$tmp/$prefix.dbz.properties" \
            --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" --converter avro --converter-config "$tmp/dbz-converter.properties" \
            --producer-config "$tmp/dbz-producer.properties" --timeout "$TIMEOUT" >"$tmp/$prefix.dbz.summary" 2>"$tmp/$prefix.log" &
        rc_pid=$!
    elif [ -n "$traced" ]; then
        local sargs=(-f -T -e trace=fsync,fdatasync,write)
        [ "$traced" = slowfsync ] &&
            sargs=(-f -T --seccomp-bpf -e trace=fsync,fdatasync -e "inject=fsync,fdatasync:delay_exit=$((SLOW_FSYNC_MS * 1000))")
        [ "$traced" = allcalls ] && sargs=(-f -T)
        ROWCAST_TEST_STAGE_HEADER=$hdr strace "${sargs[@]}" -o "$tmp/$prefix.strace" \
            "$bin" run -c "$tmp/$prefix.properties" >"$tmp/$prefix.log" 2>&1 &
        strace_pid=$!
        for _ in $(seq 100); do rc_pid=$(pgrep -P "$strace_pid" | head -1 || true); [ -n "$rc_pid" ] && break; sleep 0.1; done
    else
        ROWCAST_TEST_STAGE_HEADER=$hdr "$bin" run -c "$tmp/$prefix.properties" >"$tmp/$prefix.log" 2>&1 &
        rc_pid=$!
    fi
    for i in $(seq 1200); do # a JVM's start on a busy machine: up to 2 minutes
        [ "$(psql_q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot' AND active")" = 1 ] && break
        kill -0 "$rc_pid" 2>/dev/null || die "$label exited: $(tail -3 "$tmp/$prefix.log")"
        sleep 0.1
    done
    # One row first: the table's first record registers its schemas, which is not what is measured.
    psql_q "INSERT INTO $schema.probe (w, n) VALUES (-1, -1)" >/dev/null
    for i in $(seq 100); do [ "$(high_watermark "$topic")" -ge 1 ] && break; sleep 0.2; done
    want=$(($(high_watermark "$topic") + 0))
    log "latency: $label at $rate ops/s for $secs s${traced:+ ($traced)} (topic $topic)"
    "$tmp/latency_writer" "$conninfo" "$schema.probe" "$rate" "$secs" "$WRITERS" >"$tmp/$prefix.writer" 2>"$tmp/$prefix.writer.err" &
    writer_pid=$!
    i=0
    while kill -0 "$writer_pid" 2>/dev/null; do
        sleep 1
        i=$((i + 1))
        [ $((i % 5)) = 0 ] && log "latency: $label $rate ops/s: ${i}/${secs} s, $(high_watermark "$topic") records in Kafka"
    done
    wait "$writer_pid" || die "the writer failed: $(cat "$tmp/$prefix.writer.err")"
    writer_pid=""
    writer_json=$(cat "$tmp/$prefix.writer")
    want=$((want + $(printf '%s' "$writer_json" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["rows"])')))
    t_end=$((SECONDS + 120))
    while hw=$(high_watermark "$topic") && [ "$hw" -lt "$want" ]; do
        if [ "$SECONDS" -ge "$t_end" ]; then
            # A consumer that cannot keep up is a result (lag unbounded), not a broken benchmark; rowcast
            # falling that far behind is.
            [ "$label" = debezium ] || die "only $hw of $want records reached $topic within 120 s"
            log "latency: $label at $rate ops/s: only $hw of $want records after 120 s more (unbounded lag)"
            break
        fi
        sleep 0.5
    done
    cpu=$(cpu_s "$rc_pid")
    rss=$(hwm_mib "$rc_pid")
    pid=$rc_pid
    kill -TERM "$rc_pid"
    wait "${strace_pid:-$rc_pid}" 2>/dev/null || true
    rc_pid="" strace_pid=""
    psql_q "SELECT pg_drop_replication_slot('$slot')" >/dev/null 2>&1 || true
    report=$("$PY" "$here/latency_report.py" "$ROWCAST_TEST_KAFKA_BOOTSTRAP" "$topic" \
        "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" "$((want - 1))" "$WARMUP") || die "latency_report.py failed on $topic"
    "$PY" - "$label" "$bin" "$rate" "$secs" "$cpu" "$rss" "$writer_json" "$report" "${traced:+$tmp/$prefix.strace}" \
        "$pid" "${traced:-$([ "$hdr" = 1 ] && echo stages)}" "$repno" "$SLOW_FSYNC_MS" >>"$tmp/runs.jsonl" <<'PY'
import json, re, sys
label, binary, rate, secs, cpu, rss, writer, report, trace, pid, mode, repno, slow = sys.argv[1:14]
run = {"binary": label, "path": binary, "rate": int(rate), "seconds": float(secs), "mode": mode or "plain",
       "repetition": int(repno),
       "rowcast_cpu_s": None if cpu == "null" else float(cpu), "rowcast_peak_rss_mib": None if rss == "null" else float(rss),
       "writer": json.loads(writer)}
run.update(json.loads(report))
if trace:
    # "TID syscall(...) = R <secs>": the process's own id is its main thread, the event loop's.
    line = re.compile(r"^(\d+)\s+(\w+)\(.*<([\d.]+)>\s*$")
    main, threads = int(pid), {}
    for l in open(trace, errors="replace"):
        m = line.match(l)
        if not m:
            continue
        tid, call, t = int(m.group(1)), m.group(2), float(m.group(3))
        side = "loop_thread" if tid == main else "other_threads"
        d = threads.setdefault(side, {"fsync": 0, "fsync_max_ms": 0.0, "fsync_total_ms": 0.0, "write": 0, "write_max_ms": 0.0})
        if call in ("fsync", "fdatasync"):
            d["fsync"] += 1
            d["fsync_max_ms"] = max(d["fsync_max_ms"], round(t * 1000, 3))
            d["fsync_total_ms"] = round(d["fsync_total_ms"] + t * 1000, 3)
        elif call == "write":
            d["write"] += 1
            d["write_max_ms"] = max(d["write_max_ms"], round(t * 1000, 3))
    run["strace"] = threads
    if mode == "allcalls":
        # Every call of the loop's thread that took 1 ms or more, by name (waits in poll are its
        # idle time, not a blocking call).
        calls = {}
        for l in open(trace, errors="replace"):
            m = line.match(l)
            if not m or int(m.group(1)) != main:
                continue
            c = calls.setdefault(m.group(2), {"calls": 0, "over_1ms": 0, "max_ms": 0.0, "total_ms": 0.0})
            t = float(m.group(3)) * 1000
            c["calls"] += 1
            c["over_1ms"] += t >= 1
            c["max_ms"] = round(max(c["max_ms"], t), 3)
            c["total_ms"] = round(c["total_ms"] + t, 3)
        run["loop_calls"] = dict(sorted(calls.items(), key=lambda kv: -kv[1]["max_ms"]))
    if mode == "slowfsync":
        run["fsync_delay_ms"] = int(slow)
print(json.dumps(run))
PY
    log "latency: $label $rate ops/s: $(tail -1 "$tmp/runs.jsonl" | "$PY" -c 'import json,sys; r=json.load(sys.stdin); l=r["latency_ms"]; print("p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms, bounded %s" % (l["p50"], l["p99"], l["p99.9"], l["max"], r["bounded"]))')"
}

: >"$tmp/runs.jsonl"
for repno in $(seq "$REPEAT"); do
    for rate in $RATES; do
        # Odd repetitions old first, even ones new first: neither always gets the later minute.
        if [ -n "$BASELINE" ] && [ $((repno % 2)) = 1 ]; then
            run_one before "$BASELINE" "$rate" "$DURATION" "" "$repno"
            run_one after "$ROWCAST" "$rate" "$DURATION" "" "$repno"
        else
            run_one after "$ROWCAST" "$rate" "$DURATION" "" "$repno"
            [ -z "$BASELINE" ] || run_one before "$BASELINE" "$rate" "$DURATION" "" "$repno"
        fi
        [ -n "$dbz_cp" ] && run_one debezium "" "$rate" "$DURATION" "" "$repno"
    done
done
if [ "$STAGE_RUNS" = 1 ]; then
    for rate in $RATES; do run_one after "$ROWCAST" "$rate" "$DURATION" stages; done
fi
if [ "$STRACE" = 1 ]; then
    for mode in ${BENCH_STRACE_MODES:-strace slowfsync}; do
        [ "$mode" = slowfsync ] && [ "$SLOW_FSYNC_MS" = 0 ] && continue
        [ -n "$BASELINE" ] && run_one before "$BASELINE" "$STRACE_RATE" "$STRACE_SECONDS" "$mode"
        run_one after "$ROWCAST" "$STRACE_RATE" "$STRACE_SECONDS" "$mode"
    done
fi

out=${BENCH_OUT:-}
md=${out:+${out%.json}.md}
"$PY" - "$tmp/runs.jsonl" "$RATES" "$DURATION" "$WRITERS" "$WARMUP" "$(psql_q 'SHOW server_version')" \
    "$("$ROWCAST" --version 2>/dev/null | head -1)" "${out:-/dev/null}" "${md:-/dev/stderr}" <<'PY'
import json, os, platform, sys, time
runs_path, rates, duration, writers, warmup, pg, version, out, md = sys.argv[1:10]
runs = [json.loads(l) for l in open(runs_path) if l.strip()]
result = {
    "benchmark": "latency", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {"cores": os.cpu_count(), "kernel": platform.release(),
                "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
    "versions": {"rowcast": version, "postgresql": pg},
    "settings": {"rates": [int(r) for r in rates.split()], "seconds": float(duration), "writers": int(writers),
                 "warmup_s": float(warmup), "statement": "single-row INSERT, autocommit",
                 "loadavg_at_end": open("/proc/loadavg").read().split()[:3],
                 "latency": "Kafka LogAppendTime - source.ts_us",
                 "extra_props": os.environ.get("BENCH_EXTRA_PROPS", "")},
    "runs": runs,
}
with open(out, "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
# bench/run's contract: one JSON object a line on stdout per measurement (plain and stages runs).
roles = {"after": ("rowcast", "rowcast"), "before": ("rowcast@before", "compare"), "debezium": ("debezium", "debezium")}
for r in runs:
    if r["mode"] not in ("plain", "stages"):
        continue
    consumer, role = roles.get(r["binary"], (r["binary"], "compare"))
    if r["mode"] == "stages":
        consumer, role = consumer + " (stages header)", "stages"
    l = r["latency_ms"]
    print(json.dumps({"bench": "latency", "case": "%dops_per_s" % r["rate"], "consumer": consumer, "role": role,
                      "rep": r["repetition"], "status": "ok", "p50_ms": l["p50"], "p99_ms": l["p99"],
                      "p999_ms": l["p99.9"], "max_ms": l["max"], "achieved_ops_per_s": r["writer"]["rate"],
                      "agent_cpu_s": r["rowcast_cpu_s"], "peak_rss_mib": r["rowcast_peak_rss_mib"],
                      "bounded": "yes" if r["bounded"] else "no"}))
fmt = lambda v: "-" if v is None else ("%.1f" % v)
lines = ["| rate ops/s | rowcast | achieved | p50 ms | p99 ms | p99.9 ms | max ms | bounded | commit→send p99 | send→receive p99 | receive→produce p99 | produce→append p99 |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for r in runs:
    l, st = r["latency_ms"], r.get("stages_ms", {})
    sp = lambda k: fmt(st[k]["p99"]) if k in st else "-"
    lines.append("| %d%s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["rate"], {"plain": "", "stages": " (stages header)", "strace": " (strace)", "allcalls": " (strace, every call)", "slowfsync": " (fsync +%s ms)" % r.get("fsync_delay_ms")}[r["mode"]], r["binary"], r["writer"]["rate"], fmt(l["p50"]), fmt(l["p99"]),
        fmt(l["p99.9"]), fmt(l["max"]), "yes" if r["bounded"] else "no",
        sp("commit_to_send"), sp("send_to_receive"), sp("receive_to_produce"), sp("produce_to_append")))
traced = [r for r in runs if "strace" in r]
if traced:
    lines += ["", "| strace run | ops/s | loop thread fsyncs | loop fsync max ms | loop fsync total ms | other threads' fsyncs | their max ms | loop write max ms |",
              "|---|---|---|---|---|---|---|---|"]
    for r in traced:
        lt, ot = r["strace"].get("loop_thread", {}), r["strace"].get("other_threads", {})
        lines.append("| %s%s | %d | %d | %s | %s | %d | %s | %s |" % (
            r["binary"], {"strace": "", "slowfsync": " (fsync +%s ms)" % r.get("fsync_delay_ms"), "allcalls": " (every call)"}[r["mode"]], r["rate"],
            lt.get("fsync", 0), fmt(lt.get("fsync_max_ms")), fmt(lt.get("fsync_total_ms")),
            ot.get("fsync", 0), fmt(ot.get("fsync_max_ms")), fmt(lt.get("write_max_ms")) if r["mode"] == "strace" else "-"))
for r in runs:
    if "loop_calls" in r:
        lines += ["", "| %s, every call, loop thread (%d ops/s under strace) | calls | ≥ 1 ms | max ms | total ms |" % (r["binary"], r["rate"]),
                  "|---|---|---|---|---|"]
        for name, c in list(r["loop_calls"].items())[:12]:
            lines.append("| %s | %d | %d | %s | %s |" % (name, c["calls"], c["over_1ms"], fmt(c["max_ms"]), fmt(c["total_ms"])))
plain = [r for r in runs if r["mode"] == "plain"]
if len({r["repetition"] for r in plain}) > 1:
    import statistics
    lines += ["", "| rate ops/s | rowcast | runs | median p50 ms | median p99 ms | median p99.9 ms | median max ms | min–max p99 ms |",
              "|---|---|---|---|---|---|---|---|"]
    for key in sorted({(r["rate"], r["binary"]) for r in plain}, key=lambda k: (k[0], k[1] != "before")):
        rs = [r for r in plain if (r["rate"], r["binary"]) == key]
        med = lambda f: fmt(statistics.median(r["latency_ms"][f] for r in rs))
        p99s = [r["latency_ms"]["p99"] for r in rs]
        lines.append("| %d | %s | %d | %s | %s | %s | %s | %s–%s |" % (key[0], key[1], len(rs), med("p50"), med("p99"),
                     med("p99.9"), med("max"), fmt(min(p99s)), fmt(max(p99s))))
with open(md, "w") as f:
    f.write("\n".join(lines) + "\n")
PY
log "latency: done${out:+; results in $out and $md}"
