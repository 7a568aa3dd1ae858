# A database that stops answering (issue 14, T11), on servers of this test's own (never the
# environment's): the server's processes are SIGSTOPped while rowcast streams. Their kernel still
# acknowledges TCP, so only rowcast's own timeouts can tell: PostgreSQL's replication.timeout.ms (a
# reply asked for at half, the connection dead at the whole) and MariaDB's binlog read timeout (three
# binlog.heartbeat.interval.ms). rowcast must notice within the configured time, say so, and, as its
# retry policy does for every lost source connection, restart the stream in-process with back-off
# (it does not exit); once the server continues (SIGCONT), it resumes from the acknowledged position:
# the tables rebuilt from Kafka equal the database, rows written before, during and after the stop.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
need_env

id="st$$_$(date +%s)"
prefix="rc_$id"
tmp=$(mktemp -d)
chmod 755 "$tmp"
pg_private="" my_private_pid="" rowcast_pid=""
stopped_pids=""
cleanup() {
    set +e
    for p in $stopped_pids; do kill -CONT "$p" 2>/dev/null; done
    [ -n "$rowcast_pid" ] && kill -9 "$rowcast_pid" 2>/dev/null
    [ -n "$my_private_pid" ] && { kill -9 "$my_private_pid" && wait "$my_private_pid"; } 2>/dev/null
    [ -n "$pg_private" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_private" -m immediate stop >/dev/null 2>&1
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }

# Checks that rowcast's connections to port $1 have TCP keepalives on (database.tcpKeepAlive): ss
# shows a keepalive timer on each of them.
# (A connection with data in flight shows the retransmission timer instead: sampled again.)
expect_keepalive() {
    local conns
    for _ in $(seq 30); do
        conns=$(ss -tnoH state established "( dport = :$1 )" 2>/dev/null)
        [ -n "$conns" ] && ! printf '%s\n' "$conns" | grep -v -q "timer:(keepalive" && break
        sleep 0.1
    done
    [ -n "$conns" ] || fail "$2: no established connection to port $1"
    printf '%s\n' "$conns" | grep -v -q "timer:(keepalive" && fail "$2: a connection without keepalive: $conns"
    pass "$2: rowcast's $(printf '%s\n' "$conns" | wc -l) connection(s) to the server have TCP keepalives on"
}

# Waits up to $2 s for the fixed string $1 to appear in rowcast's log after line $3.
wait_log() {
    for _ in $(seq $(($2 * 10))); do
        tail -n +"$(($3 + 1))" "$rowcast_log" | grep -qF -- "$1" && return 0
        kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited (it should restart the stream in-process)"
        sleep 0.1
    done
    return 1
}

# ----------------------------------------------------------------------------- PostgreSQL
PG_BIN=$(ls -d /usr/lib/postgresql/15/bin)
pg_private=$tmp/pg
pg_port=$(tls_free_port)
mkdir -p "$pg_private"
chown postgres "$pg_private"
runuser -u postgres -- "$PG_BIN/initdb" -D "$pg_private" -U postgres -A trust >/dev/null 2>&1 || fail "initdb failed"
cat >>"$pg_private/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_private'
wal_level = logical
CONF
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_private" -l "$pg_private/server.log" -w start >/dev/null 2>&1 ||
    fail "the test's PostgreSQL did not start: $(tail -5 "$pg_private/server.log")"
pq() { psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "$1"; }
pq "CREATE TABLE public.t (id int PRIMARY KEY, v text)"
slot=slot_$id
cat >"$tmp/pg.properties" <<PROPS
source.type = postgres
database.hostname = 127.0.0.1
database.port = $pg_port
database.user = postgres
database.dbname = postgres
topic.prefix = ${prefix}_pg
slot.name = $slot
publication.name = ${slot}_pub
publication.autocreate.mode = filtered
table.include.list = public\\.t
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
status.update.interval.ms = 1000
replication.timeout.ms = 4000
offset.storage.file.filename = $tmp/pg.offsets.json
PROPS
start_rowcast "$tmp/pg.properties" "$tmp/pg.log"
for _ in $(seq 600); do
    [ "$(pq "SELECT active AND confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ] && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before streaming"
    sleep 0.1
done
pq "INSERT INTO t SELECT g, 'before ' || g FROM generate_series(1, 100) g"
expect_keepalive "$pg_port" postgres
# Quiet for longer than the timeout: a healthy server answers the reply asked for, no false alarm.
sleep 7
grep -q "no message from PostgreSQL" "$rowcast_log" &&
    fail "postgres: a healthy but quiet server was taken for dead"
pass "postgres: 7 s of quiet on a healthy server (replication.timeout.ms=4000): no false alarm"
# Every process of the test's server: the postmaster and its children (the walsender among them).
postmaster=$(head -n 1 "$pg_private/postmaster.pid")
stopped_pids="$postmaster $(ps -o pid= --ppid "$postmaster" | tr '\n' ' ')"
mark=$(wc -l <"$rowcast_log")
t0=$(now_ms)
kill -STOP $stopped_pids
wait_log "no message from PostgreSQL for" 15 "$mark" ||
    fail "postgres: rowcast did not notice the stopped server within 15 s (replication.timeout.ms=4000)"
noticed=$(($(now_ms) - t0))
# The silence counts from the server's last message, up to a reply's round before the stop.
[ "$noticed" -ge 1000 ] || fail "postgres: noticed after ${noticed} ms: too soon to be the timeout"
wait_log "restarting from the last acknowledged position" 5 "$mark" || fail "postgres: no restart after the dead connection"
pass "postgres: the stopped server was noticed after ${noticed} ms: $(tail -n +"$((mark + 1))" "$rowcast_log" | grep -o 'no message from PostgreSQL[^;]*' | head -n 1); the stream restarts in-process"
sleep 3 # rowcast's reconnect attempts meet the stopped server too
kill -CONT $stopped_pids
stopped_pids=""
pq "INSERT INTO t SELECT g, 'after ' || g FROM generate_series(101, 200) g; UPDATE t SET v = 'changed' WHERE id % 10 = 0"
target=$(pq "SELECT pg_current_wal_lsn()")
for i in $(seq 900); do
    [ "$(pq "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ] && break
    [ "$i" = 900 ] && fail "postgres: the slot did not confirm $target within 90 s of SIGCONT"
    sleep 0.1
done
pass "postgres: after SIGCONT rowcast reconnected and confirmed the new rows ($target)"
stop_rowcast
rowcast_pid=""
/usr/bin/python3 "$top_srcdir/tests/integration/cdc_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
    --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --pg-host 127.0.0.1 --pg-port "$pg_port" --pg-user postgres \
    --pg-db postgres --prefix "${prefix}_pg" --tables public.t >"$tmp/pg.verify" 2>&1 ||
    { cat "$tmp/pg.verify" >&2; fail "postgres: the table rebuilt from Kafka differs"; }
pass "postgres: the table rebuilt from Kafka equals PostgreSQL (no row lost)"

# ----------------------------------------------------------------------------- MariaDB
my_private=$tmp/mariadb
my_port=$(tls_free_port)
mkdir -p "$my_private/data"
cat >"$my_private/my.cnf" <<CNF
[mysqld]
user = mysql
datadir = $my_private/data
socket = $my_private/mysqld.sock
pid-file = $my_private/mariadbd.pid
port = $my_port
bind-address = 127.0.0.1
skip-name-resolve
innodb_buffer_pool_size = 32M
log-bin = mysql-bin
binlog_format = ROW
binlog_row_image = FULL
binlog_row_metadata = FULL
server-id = 9
CNF
chown -R mysql "$my_private"
chmod 755 "$my_private"
mariadb-install-db --defaults-file="$my_private/my.cnf" --auth-root-authentication-method=normal --skip-test-db \
    >"$my_private/install.log" 2>&1 || fail "mariadb-install-db failed: $(tail -5 "$my_private/install.log")"
"$(command -v mariadbd || echo /usr/sbin/mariadbd)" --defaults-file="$my_private/my.cnf" >"$my_private/server.log" 2>&1 &
my_private_pid=$!
for _ in $(seq 300); do
    mariadb --no-defaults -S "$my_private/mysqld.sock" -u root -e "SELECT 1" >/dev/null 2>&1 && break
    kill -0 "$my_private_pid" 2>/dev/null || fail "the test's MariaDB exited: $(tail -5 "$my_private/server.log")"
    sleep 0.2
done
mq() { mariadb --no-defaults -S "$my_private/mysqld.sock" -u root --batch -N -e "$1"; }
mq "CREATE USER 'rc'@'%' IDENTIFIED BY 'rc-pw';
GRANT SELECT, RELOAD, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'rc'@'%';
CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(64))"
cat >"$tmp/my.properties" <<PROPS
source.type = mariadb
database.hostname = 127.0.0.1
database.port = $my_port
database.user = rc
database.password = rc-pw
database.server.id = $((1000 + ($$ % 50000)))
database.include.list = d
topic.prefix = ${prefix}_my
snapshot.mode = no_data
kafka.bootstrap.servers = $ROWCAST_TEST_KAFKA_BOOTSTRAP
schema.registry.url = $ROWCAST_TEST_SCHEMA_REGISTRY_URL
binlog.heartbeat.interval.ms = 1000
offset.storage.file.filename = $tmp/my.offsets.json
PROPS
start_rowcast "$tmp/my.properties" "$tmp/my.log"
for i in $(seq 600); do
    grep -q "reading the binlog as replica" "$rowcast_log" && break
    kill -0 "$rowcast_pid" 2>/dev/null || fail "rowcast exited before streaming"
    [ "$i" = 600 ] && fail "rowcast never read the binlog"
    sleep 0.1
done
mq "INSERT INTO d.t VALUES $(seq -s, 1 100 | sed -E 's/([0-9]+)/(\1, "before")/g')"
expect_keepalive "$my_port" mariadb
sleep 2
mark=$(wc -l <"$rowcast_log")
t0=$(now_ms)
stopped_pids=$my_private_pid
kill -STOP "$my_private_pid"
wait_log "restarting from the last acknowledged position" 15 "$mark" ||
    fail "mariadb: rowcast did not notice the stopped server within 15 s (read timeout 3 s)"
noticed=$(($(now_ms) - t0))
[ "$noticed" -ge 1000 ] || fail "mariadb: noticed after ${noticed} ms: too soon to be the read timeout"
pass "mariadb: the stopped server was noticed after ${noticed} ms: $(tail -n +"$((mark + 1))" "$rowcast_log" | grep -o 'stream stopped: [^;]*' | head -n 1); the stream restarts in-process"
sleep 3
kill -CONT "$my_private_pid"
stopped_pids=""
mq "INSERT INTO d.t VALUES $(seq -s, 101 200 | sed -E 's/([0-9]+)/(\1, "after")/g'); UPDATE d.t SET v = 'changed' WHERE id % 10 = 0"
target=$(mq "SHOW MASTER STATUS" | awk '{print $1, $2}')
. "$top_srcdir/tests/integration/lib_mysql.sh"
for i in $(seq 900); do
    got=$(my_offsets_pos "$tmp/my.offsets.json")
    [ -n "$got" ] && [ "$got" != " " ] && my_pos_ge "$got" "$target" && break
    [ "$i" = 900 ] && fail "mariadb: the offset file did not reach $target within 90 s of SIGCONT (at $got)"
    sleep 0.1
done
pass "mariadb: after SIGCONT rowcast reconnected and recorded the new rows ($target)"
stop_rowcast
rowcast_pid=""
/usr/bin/python3 "$top_srcdir/tests/integration/my_verify.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" \
    --registry "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" --host 127.0.0.1 --port "$my_port" --user rc --password rc-pw \
    --prefix "${prefix}_my" --tables d.t >"$tmp/my.verify" 2>&1 ||
    { cat "$tmp/my.verify" >&2; fail "mariadb: the table rebuilt from Kafka differs"; }
pass "mariadb: the table rebuilt from Kafka equals MariaDB (no row lost)"
