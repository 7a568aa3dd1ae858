# A private, single-node Kafka broker for one test (sourced, after lib.sh), so the test can crash and
# restart it without disturbing the shared broker of tests/env that other tests use. Same jars and
# java as tests/env/up (its jar cache under ${ROWCAST_CACHE_DIR:-$HOME/.cache/rowcast}, or else the
# classpath of the running shared broker), free ports, a fixed cluster id, data in the test's folder.
#
#   kp_setup DIR   writes DIR/server.properties, formats DIR/data; sets KP_BOOTSTRAP
#   kp_start       launches the broker (again, on the same ports and data) and waits until it answers
#   kp_crash       SIGKILL, as a crash
#   kp_destroy     stops the broker and deletes DIR (call it from the test's EXIT trap)
#
# A watchdog kills the broker and deletes DIR should the test itself be killed (SIGKILL skips traps).

KP_CLUSTER_ID="cm93Y2FzdC1mYXVsdHMtaw" # base64url of the 16 bytes "rowcast-faults-k"
KP_DIR="" KP_PID="" KP_WATCHDOG="" KP_BOOTSTRAP="" KP_JAVA="" KP_CP="" KP_JVM=()

# Sets KP_JAVA (java >= 17) and KP_CP (the broker's classpath).
kp_find_jars() {
    local libs j major shared_pid cmdline
    libs=$(
        # shellcheck disable=SC1091
        . "$top_srcdir/tests/env/lib.sh"
        echo "$CACHE_DIR/kafka-$KAFKA_VERSION-$(cksum <"$ENV_SRC_DIR/kafka/pom.xml" | cut -d' ' -f1)"
    )
    if [ -f "$libs/.complete" ]; then
        KP_CP="$libs/*"
    else
        # The shared broker's own command line: java ... -cp CLASSPATH kafka.Kafka ...
        shared_pid=$(head -n 1 "${ROWCAST_TEST_ENV_DIR:-/tmp/rowcast-env}/pids/kafka.pid" 2>/dev/null | tr -dc 0-9)
        cmdline=$(tr '\0' '\n' <"/proc/${shared_pid:-0}/cmdline" 2>/dev/null) || true
        KP_CP=$(printf '%s\n' "$cmdline" | sed -n '/^-cp$/{n;p;q}')
        [ -n "$KP_CP" ] || fail "no Kafka jars: neither $libs nor a running tests/env broker (run tests/env/up)"
    fi
    for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
        [ -x "$j" ] || continue
        major=$("$j" -version 2>&1 | sed -n 's/.* version "\([0-9]*\)[."].*/\1/p' | head -n 1)
        if [ -n "$major" ] && [ "$major" -ge 17 ]; then
            KP_JAVA=$j
            return 0
        fi
    done
    fail "no java >= 17 for the private Kafka broker"
}

# The java command line shared by the storage tool and the broker (as tests/env/up's kafka_jvm).
kp_jvm() {
    KP_JVM=("$KP_JAVA" -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
        -Dlog4j2.configurationFile="$top_srcdir/tests/env/kafka/log4j2.properties"
        -Dkafka.logs.dir="$KP_DIR/logs" -cp "$KP_CP")
}

kp_setup() {
    local port ctl
    KP_DIR=$1
    mkdir -p "$KP_DIR"
    kp_find_jars
    read -r port ctl < <(/usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
    [ -n "$ctl" ] || fail "no free ports for the private Kafka broker"
    KP_BOOTSTRAP="127.0.0.1:$port"
    cat >"$KP_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctl
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KP_DIR/data
auto.create.topics.enable=true
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF
    kp_jvm
    "${KP_JVM[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$KP_CLUSTER_ID" -c "$KP_DIR/server.properties" \
        >>"$KP_DIR/kafka.log" 2>&1 || { tail -n 20 "$KP_DIR/kafka.log" >&2; fail "formatting the private broker's storage failed"; }
    echo "$$" >"$KP_DIR/test.pid"
    # The watchdog: once the test is gone, whatever broker KP_DIR/broker.pid names goes too.
    (
        exec </dev/null >/dev/null 2>&1
        while kill -0 "$(cat "$KP_DIR/test.pid" 2>/dev/null || echo 0)" 2>/dev/null; do sleep 2; done
        kill -KILL "$(cat "$KP_DIR/broker.pid" 2>/dev/null || echo 0)" 2>/dev/null
        rm -rf "$KP_DIR"
    ) &
    KP_WATCHDOG=$!
}

kp_answers() {
    local out
    out=$(kcat -b "$KP_BOOTSTRAP" -L -m 3 2>/dev/null) || return 1
    case "$out" in *"broker 1 at"*) return 0 ;; esac
    return 1
}

kp_start() {
    # The subshell execs java: $! is the broker's pid.
    (
        exec </dev/null >>"$KP_DIR/kafka.log" 2>&1
        exec "${KP_JVM[@]}" kafka.Kafka "$KP_DIR/server.properties"
    ) &
    KP_PID=$!
    echo "$KP_PID" >"$KP_DIR/broker.pid"
    for _ in $(seq 180); do
        kp_answers && return 0
        kill -0 "$KP_PID" 2>/dev/null || { tail -n 30 "$KP_DIR/kafka.log" >&2; fail "the private broker exited during start-up"; }
        sleep 0.5
    done
    tail -n 30 "$KP_DIR/kafka.log" >&2
    fail "the private broker did not answer within 90 s"
}

kp_crash() {
    kill -KILL "$KP_PID" 2>/dev/null || true
    wait "$KP_PID" 2>/dev/null || true
}

kp_destroy() {
    if [ -n "$KP_PID" ] && kill -0 "$KP_PID" 2>/dev/null; then
        kill -TERM "$KP_PID" 2>/dev/null
        for _ in $(seq 100); do
            kill -0 "$KP_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$KP_PID" 2>/dev/null
        wait "$KP_PID" 2>/dev/null
    fi
    if [ -n "$KP_WATCHDOG" ]; then
        kill "$KP_WATCHDOG" 2>/dev/null
        wait "$KP_WATCHDOG" 2>/dev/null
    fi
    [ -n "$KP_DIR" ] && rm -rf "$KP_DIR"
    return 0
}
