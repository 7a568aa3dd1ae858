# TLS with certificates the test makes (issue 14, security review F-6, F-12): the Schema Registry
# behind a TLS front, a PostgreSQL server of the test's own with ssl = on, the environment's Kafka
# broker's SSL listener, and SASL_SSL with SCRAM-SHA-256 on a Kafka 3 broker of the test's own (Debian
# 12's librdkafka cannot log in by SCRAM to Kafka 4: check says why). Verification on, the
# right CA and host name connect; an unknown CA and a wrong host name fail with a message that says
# so; a client certificate is sent when the server asks for one; `rowcast check` says for each
# connection whether it is encrypted and verified, and warns when one leaves the machine unverified.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
need_env
command -v openssl >/dev/null || fail "openssl is missing (deploy/install-deps installs it)"

pg_test_setup tls
proxies=()
pg_private=""
kafka3_pid=""
my_private_pid=""
cleanup_tls() {
    for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "$my_private_pid" ] && { kill -9 "$my_private_pid" && wait "$my_private_pid"; } 2>/dev/null || true
    [ -n "$kafka3_pid" ] && { kill -9 "$kafka3_pid" && wait "$kafka3_pid"; } 2>/dev/null || true
    [ -n "$pg_private" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_private" -m immediate stop >/dev/null 2>&1 || true
    pg_test_cleanup
}
trap cleanup_tls EXIT
chmod 755 "$tmp"
tls_make_certs "$tmp/tls"
chmod 755 "$tmp/tls"

# --------------------------------------------------------------------------------- Schema Registry
registry_hostport=$(printf '%s' "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" | sed -E 's|^https?://([^/]*).*|\1|')
registry_path=$(printf '%s' "$ROWCAST_TEST_SCHEMA_REGISTRY_URL" | sed -E 's|^https?://[^/]*||')
# tls_front NAME CERT [CLIENT_CA]: a TLS front for the registry; sets port_NAME.
tls_front() {
    local port
    port=$(tls_free_port)
    python3 "$top_srcdir/tests/integration/tls_proxy.py" --listen "$port" --cert "$tmp/tls/$2.pem" \
        --key "$tmp/tls/$2.key" --to "$registry_hostport" ${3:+--client-ca "$tmp/tls/$3.pem"} >"$tmp/$1.out" 2>&1 &
    proxies+=($!)
    for _ in $(seq 50); do grep -q ready "$tmp/$1.out" && break; sleep 0.1; done
    grep -q ready "$tmp/$1.out" || fail "TLS front $1 did not start: $(cat "$tmp/$1.out")"
    eval "port_$1=$port"
}
tls_front good good
tls_front wrong wrong
tls_front stranger stranger
tls_front mtls good ca

write_pg_config "$tmp/base.properties" "$prefix" "$slot" </dev/null
# registry_check NAME URL [PROPS...]: rowcast check with that registry; $out holds the report.
registry_check() {
    local name=$1 url=$2
    shift 2
    grep -v '^schema.registry.url' "$tmp/base.properties" >"$tmp/$name.properties"
    echo "schema.registry.url = $url" >>"$tmp/$name.properties"
    for p in "$@"; do echo "$p" >>"$tmp/$name.properties"; done
    run_rowcast check -c "$tmp/$name.properties"
}
registry_line() { printf '%s\n' "$out" | grep -A1 -i 'schema registry' | head -2; }

registry_check ok "https://localhost:$port_good$registry_path" "schema.registry.ssl.ca.location = $tmp/tls/ca.pem"
case "$out" in *"ok    Schema Registry at https://localhost:$port_good$registry_path answers"*) ;; *) fail "registry over TLS with the CA: $out" ;; esac
echo "  $(registry_line | head -1)"
pass "registry: verified TLS with schema.registry.ssl.ca.location"

registry_check noca "https://localhost:$port_good$registry_path"
case "$out" in *"FAIL  no answer from the Schema Registry"*"SSL certificate problem: unable to get local issuer certificate"*"fix: set schema.registry.ssl.ca.location to the CA"*) ;;
*) fail "registry without the CA: $out" ;; esac
echo "  $(registry_line | tr '\n' ' ')"
pass "registry: a CA the system does not know fails, saying so"

registry_check stranger "https://localhost:$port_stranger$registry_path" "schema.registry.ssl.ca.location = $tmp/tls/ca.pem"
case "$out" in *"FAIL  no answer from the Schema Registry"*"SSL certificate problem: unable to get local issuer certificate"*) ;;
*) fail "registry with another CA's certificate: $out" ;; esac
echo "  $(registry_line | head -1)"
pass "registry: an unknown CA fails, saying so"

registry_check wrong "https://localhost:$port_wrong$registry_path" "schema.registry.ssl.ca.location = $tmp/tls/ca.pem"
case "$out" in *"FAIL  no answer from the Schema Registry"*"no alternative certificate subject name matches target host name 'localhost'"*) ;;
*) fail "registry with a wrong host name: $out" ;; esac
echo "  $(registry_line | head -1)"
pass "registry: a wrong host name fails, saying so"

registry_check mtls_none "https://localhost:$port_mtls$registry_path" "schema.registry.ssl.ca.location = $tmp/tls/ca.pem"
case "$out" in *"FAIL  no answer from the Schema Registry"*) ;; *) fail "registry asking for a client certificate, none given: $out" ;; esac
registry_check mtls "https://localhost:$port_mtls$registry_path" "schema.registry.ssl.ca.location = $tmp/tls/ca.pem" \
    "schema.registry.ssl.certificate.location = $tmp/tls/client.pem" "schema.registry.ssl.key.location = $tmp/tls/client.key"
case "$out" in *"ok    Schema Registry at https://localhost:$port_mtls$registry_path answers"*) ;; *) fail "registry with a client certificate: $out" ;; esac
pass "registry: a client certificate when the registry asks for one"

# --------------------------------------------------------------------- PostgreSQL, a server of our own
PG_BIN=$(ls -d /usr/lib/postgresql/15/bin)
pg_private=$tmp/pg
pg_port=$(tls_free_port)
mkdir -p "$pg_private"
chown postgres "$pg_private" "$tmp/tls/good.key" "$tmp/tls/wrong.key"
runuser -u postgres -- "$PG_BIN/initdb" -D "$pg_private" -U postgres -A trust >/dev/null 2>&1 || fail "initdb failed"
cat >>"$pg_private/postgresql.conf" <<CONF
listen_addresses = '*'
port = $pg_port
unix_socket_directories = '$pg_private'
ssl = on
ssl_cert_file = '$tmp/tls/good.pem'
ssl_key_file = '$tmp/tls/good.key'
CONF
cat >"$pg_private/pg_hba.conf" <<HBA
local all all trust
hostssl all certuser 0.0.0.0/0 cert
host all all 0.0.0.0/0 trust
host all all ::/0 trust
HBA
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_private" -l "$pg_private/server.log" -w start >/dev/null 2>&1 ||
    fail "the test's PostgreSQL did not start: $(tail -5 "$pg_private/server.log")"
# pg_check NAME HOST SSLMODE [ROOTCERT]: rowcast check against it; $out holds the report.
pg_check() {
    cat >"$tmp/pg-$1.properties" <<PROPS
source.type = postgres
database.hostname = $2
database.port = $pg_port
database.user = postgres
database.dbname = postgres
database.sslmode = $3
topic.prefix = tls
sink.type = stdout
PROPS
    [ -n "${4:-}" ] && echo "database.sslrootcert = $tmp/tls/$4.pem" >>"$tmp/pg-$1.properties"
    run_rowcast check -c "$tmp/pg-$1.properties"
}
pg_line() { printf '%s\n' "$out" | grep -m1 -i "postgresql connection\|cannot connect"; }

pg_check full localhost verify-full ca
case "$out" in *"ok    PostgreSQL connection encrypted (TLSv1."*"), certificate and host name verified (sslmode=verify-full)"*) ;; *) fail "verify-full: $out" ;; esac
echo "  $(pg_line)"
pass "PostgreSQL: verify-full with the right CA and host name"

pg_check stranger localhost verify-full other-ca
case "$out" in *"FAIL  cannot connect to PostgreSQL at localhost:$pg_port"*"certificate verify failed"*) ;; *) fail "verify-full, unknown CA: $out" ;; esac
echo "  $(pg_line)"
pass "PostgreSQL: an unknown CA fails, saying so"

runuser -u postgres -- psql -X -q -h "$pg_private" -p "$pg_port" -U postgres -c "ALTER SYSTEM SET ssl_cert_file = '$tmp/tls/wrong.pem'" \
    -c "ALTER SYSTEM SET ssl_key_file = '$tmp/tls/wrong.key'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
pg_check wrong localhost verify-full ca
case "$out" in *"FAIL  cannot connect to PostgreSQL at localhost:$pg_port"*'server certificate for "wrong.example" does not match host name "localhost"'*) ;; *) fail "verify-full, wrong host name: $out" ;; esac
echo "  $(pg_line)"
pass "PostgreSQL: a wrong host name fails, saying so"

# Leaving the machine: this machine's own non-loopback address stands for a remote server.
remote=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -m1 -E '^[0-9]+\.' || true)
if [ -n "$remote" ]; then
    pg_check remote_plain "$remote" disable
    case "$out" in *"warn  PostgreSQL connection to $remote is not encrypted (sslmode=disable)"*"fix: set database.sslmode=verify-full"*) ;; *) fail "non-loopback, no TLS: $out" ;; esac
    echo "  $(pg_line)"
    pg_check remote_require "$remote" require
    case "$out" in *"warn  PostgreSQL connection encrypted (TLSv1."*") but the server's certificate is not verified (sslmode=require)"*) ;; *) fail "non-loopback, require: $out" ;; esac
    echo "  $(pg_line)"
    pass "PostgreSQL: a connection leaving the machine unencrypted or unverified is a warning"
    run_rowcast snapshot -c "$tmp/pg-remote_plain.properties" --set snapshot.max.threads=1
    expect_err "warn  pg: the connection to $remote is not encrypted (database.sslmode=disable)"
    pass "PostgreSQL: ... also when rowcast starts"
else
    echo "  (no non-loopback IPv4 address on this machine: the remote warnings are not checked)"
fi
pg_check local_plain 127.0.0.1 disable
case "$out" in *"ok    PostgreSQL connection not encrypted (loopback or Unix socket)"*) ;; *) fail "loopback, no TLS: $out" ;; esac
pass "PostgreSQL: loopback without TLS is fine"

# A client certificate with an encrypted key (database.sslcert, sslkey, sslpassword): the server
# authenticates the role certuser by it (pg_hba "cert"), no password.
runuser -u postgres -- psql -X -q -h "$pg_private" -p "$pg_port" -U postgres -c "CREATE ROLE certuser LOGIN" \
    -c "ALTER SYSTEM SET ssl_cert_file = '$tmp/tls/good.pem'" -c "ALTER SYSTEM SET ssl_key_file = '$tmp/tls/good.key'" \
    -c "ALTER SYSTEM SET ssl_ca_file = '$tmp/tls/ca.pem'" -c "SELECT pg_reload_conf()" >/dev/null
tls_cert "$tmp/tls/ca" "$tmp/tls/certuser" certuser "DNS:certuser" clientAuth
openssl pkcs8 -topk8 -in "$tmp/tls/certuser.key" -out "$tmp/tls/certuser-enc.key" -passout pass:Key-Pass-42 >/dev/null 2>&1 ||
    fail "openssl: cannot encrypt the client key"
chmod 600 "$tmp/tls/certuser-enc.key"
sleep 1
pg_check clientcert localhost verify-full ca
sed -i 's/^database.user = .*/database.user = certuser/' "$tmp/pg-clientcert.properties"
printf 'database.sslcert = %s\ndatabase.sslkey = %s\ndatabase.sslpassword = Key-Pass-42\n' \
    "$tmp/tls/certuser.pem" "$tmp/tls/certuser-enc.key" >>"$tmp/pg-clientcert.properties"
run_rowcast check -c "$tmp/pg-clientcert.properties"
case "$out" in *"ok    connected to PostgreSQL at localhost:$pg_port"*"certificate and host name verified"*) ;; *) fail "client certificate with an encrypted key: $out" ;; esac
case "$out$errout" in *Key-Pass-42*) fail "the key's passphrase reached the output" ;; esac
pass "PostgreSQL: a client certificate whose key needs database.sslpassword"
sed -i 's/^database.sslpassword = .*/database.sslpassword = wrong-pass/' "$tmp/pg-clientcert.properties"
run_rowcast check -c "$tmp/pg-clientcert.properties"
case "$out" in *"FAIL  cannot connect to PostgreSQL at localhost:$pg_port"*) ;; *) fail "client key with a wrong passphrase: $out" ;; esac
echo "  $(pg_line)"
pass "PostgreSQL: a wrong sslpassword fails"

# ----------------------------------------------------------------------- MariaDB, a server of our own
my_private=$tmp/mariadb
my_port=$(tls_free_port)
mkdir -p "$my_private/data"
cp "$tmp/tls/good.pem" "$tmp/tls/good.key" "$tmp/tls/ca.pem" "$my_private/"
cat >"$my_private/my.cnf" <<CNF
[mysqld]
user = mysql
datadir = $my_private/data
socket = $my_private/mysqld.sock
pid-file = $my_private/mariadbd.pid
port = $my_port
bind-address = 0.0.0.0
skip-name-resolve
ssl-cert = $my_private/good.pem
ssl-key = $my_private/good.key
ssl-ca = $my_private/ca.pem
innodb_buffer_pool_size = 32M
log-bin = mysql-bin
binlog_format = ROW
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
mariadb --no-defaults -S "$my_private/mysqld.sock" -u root -e "CREATE USER 'tls'@'%' IDENTIFIED BY 'tls-pw';
GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'tls'@'%'" || fail "cannot make the test's MariaDB user"
# my_check NAME HOST MODE [ROOTCERT]: rowcast check against it; $out holds the report.
my_check() {
    cat >"$tmp/my-$1.properties" <<PROPS
source.type = mariadb
database.hostname = $2
database.port = $my_port
database.user = tls
database.password = tls-pw
database.server.id = 4242
database.ssl.mode = $3
topic.prefix = tls
sink.type = stdout
PROPS
    [ -n "${4:-}" ] && echo "database.sslrootcert = $tmp/tls/$4.pem" >>"$tmp/my-$1.properties"
    run_rowcast check -c "$tmp/my-$1.properties"
}
my_line() { printf '%s\n' "$out" | grep -m1 -i "mysql connection\|cannot connect"; }

my_check full localhost verify_identity ca
case "$out" in *"ok    MySQL connection encrypted ("*"), certificate and host name verified"*) ;; *) fail "MariaDB verify_identity: $out" ;; esac
echo "  $(my_line)"
pass "MariaDB: verify_identity with the right CA and host name"
my_check stranger localhost verify_identity other-ca
case "$out" in *"FAIL  cannot connect to MySQL at localhost:$my_port"*"self-signed certificate in certificate chain"*) ;; *) fail "MariaDB, unknown CA: $out" ;; esac
echo "  $(my_line)"
pass "MariaDB: an unknown CA fails, saying so"
# The right CA, but a certificate for wrong.example: FLUSH SSL reloads the files in place.
cp "$tmp/tls/wrong.pem" "$my_private/good.pem" && cp "$tmp/tls/wrong.key" "$my_private/good.key"
chown mysql "$my_private"/good.*
mariadb --no-defaults -S "$my_private/mysqld.sock" -u root -e "FLUSH SSL" || fail "FLUSH SSL failed"
my_check wrong localhost verify_identity ca
case "$out" in *"FAIL  cannot connect to MySQL at localhost:$my_port"*"the server's certificate does not name the host 'localhost'"*) ;; *) fail "MariaDB, wrong host name: $out" ;; esac
echo "  $(my_line)"
pass "MariaDB: a wrong host name fails, saying so"
if [ -n "$remote" ]; then
    my_check remote_plain "$remote" disabled
    case "$out" in *"warn  MySQL connection to $remote is not encrypted (database.ssl.mode=disabled)"*) ;; *) fail "MariaDB non-loopback, no TLS: $out" ;; esac
    echo "  $(my_line)"
    my_check remote_required "$remote" required
    case "$out" in *"warn  MySQL connection encrypted ("*") but the server's certificate is not verified (database.ssl.mode=required)"*) ;; *) fail "MariaDB non-loopback, required: $out" ;; esac
    echo "  $(my_line)"
    pass "MariaDB: a connection leaving the machine unencrypted or unverified is a warning"
fi

# ---------------------------------------------------------------------------- Kafka (the env's broker)
# tests/env/up gives the broker an SSL listener (certificate for localhost only, signed by the env's
# CA) and a SASL_SSL one (SCRAM-SHA-256).
[ -n "${ROWCAST_TEST_KAFKA_SSL_PORT:-}" ] || fail "the test environment has no Kafka SSL listener: rerun tests/env/down and tests/env/up"
# kafka_check NAME BOOTSTRAP [PROPS...]: rowcast check with that Kafka; $out holds the report.
kafka_check() {
    local name=$1 bootstrap=$2
    shift 2
    grep -v '^kafka.bootstrap.servers' "$tmp/base.properties" >"$tmp/k-$name.properties"
    echo "kafka.bootstrap.servers = $bootstrap" >>"$tmp/k-$name.properties"
    for p in "$@"; do echo "$p" >>"$tmp/k-$name.properties"; done
    run_rowcast check -c "$tmp/k-$name.properties"
}
kafka_line() { printf '%s\n' "$out" | grep -m1 -E "Kafka TLS|SCRAM" | cut -c1-300; }

kafka_check ssl "localhost:$ROWCAST_TEST_KAFKA_SSL_PORT" "kafka.security.protocol = SSL" "kafka.ssl.ca.location = $ROWCAST_TEST_TLS_CA"
case "$out" in *"ok    Kafka TLS to localhost:$ROWCAST_TEST_KAFKA_SSL_PORT: certificate and host name verified"*"ok    Kafka at localhost:$ROWCAST_TEST_KAFKA_SSL_PORT answers"*) ;; *) fail "Kafka over TLS: $out $errout" ;; esac
echo "  $(kafka_line)"
pass "Kafka: TLS with kafka.ssl.ca.location, the broker's host name verified"

kafka_check ssl_stranger "localhost:$ROWCAST_TEST_KAFKA_SSL_PORT" "kafka.security.protocol = SSL" "kafka.ssl.ca.location = $tmp/tls/other-ca.pem"
case "$out" in *"FAIL  Kafka TLS to localhost:$ROWCAST_TEST_KAFKA_SSL_PORT: SSL certificate problem: unable to get local issuer certificate"*"FAIL  no answer from Kafka at localhost:$ROWCAST_TEST_KAFKA_SSL_PORT"*) ;; *) fail "Kafka, unknown CA: $out" ;; esac
case "$errout" in *"SSL handshake failed"*"certificate verify failed"*) ;; *) fail "Kafka, unknown CA, no reason given: $errout" ;; esac
echo "  $(kafka_line)"
pass "Kafka: an unknown CA fails, saying so"

# The broker's certificate names localhost only: by its address, the host name does not match.
kafka_check ssl_wrong "127.0.0.1:$ROWCAST_TEST_KAFKA_SSL_PORT" "kafka.security.protocol = SSL" "kafka.ssl.ca.location = $ROWCAST_TEST_TLS_CA"
case "$out" in *"FAIL  Kafka TLS to 127.0.0.1:$ROWCAST_TEST_KAFKA_SSL_PORT: SSL: no alternative certificate subject name matches target host name '127.0.0.1'"*"FAIL  no answer from Kafka at 127.0.0.1:$ROWCAST_TEST_KAFKA_SSL_PORT"*) ;; *) fail "Kafka, wrong host name: $out" ;; esac
case "$errout" in *"SSL handshake failed"*"certificate verify failed"*) ;; *) fail "Kafka, wrong host name, no reason given: $errout" ;; esac
echo "  $(kafka_line)"
pass "Kafka: a wrong host name fails, saying so"

# --------------------------------------------------------------------------------- Kafka, SASL/SCRAM
# Debian 12's librdkafka (2.0.2) cannot log in by SCRAM to a Kafka 4 broker (it repeats the client
# nonce in its proof, which Kafka 4 checks strictly; fixed in librdkafka 2.6.1): check says so.
kafka_check scram4 "localhost:$ROWCAST_TEST_KAFKA_SASL_PORT" "kafka.security.protocol = SASL_SSL" \
    "kafka.ssl.ca.location = $ROWCAST_TEST_TLS_CA" "kafka.sasl.mechanisms = SCRAM-SHA-256" \
    "kafka.sasl.username = $ROWCAST_TEST_KAFKA_SCRAM_USER" "kafka.sasl.password = $ROWCAST_TEST_KAFKA_SCRAM_PASSWORD"
case "$(rd_version=$("$ROWCAST" --version); echo "$rd_version")" in
*"librdkafka 2.0."* | *"librdkafka 1."* | *"librdkafka 2.[1-5]."* | *"librdkafka 2.6.0"*)
    case "$out" in *"warn  librdkafka "*"'s SCRAM login is refused by Kafka 4 brokers"*) ;; *) fail "no SCRAM warning with an old librdkafka: $out" ;; esac
    echo "  $(kafka_line)"
    pass "Kafka 4 + this librdkafka's SCRAM: check explains the refusal" ;;
*) case "$out" in *"ok    Kafka at localhost:$ROWCAST_TEST_KAFKA_SASL_PORT answers"*) ;; *) fail "SCRAM on Kafka 4: $out" ;; esac ;;
esac

# A Kafka 3 broker of the test's own (tests/env/up caches its jars) with a SASL_SSL listener, SCRAM
# user alice made at format time: rowcast logs in, checks, and snapshots a table into it.
[ -n "${ROWCAST_TEST_KAFKA3_LIBS:-}" ] && [ -f "$ROWCAST_TEST_KAFKA3_LIBS/.complete" ] ||
    fail "no Kafka 3 jars in the test environment: rerun tests/env/up"
k3=$tmp/kafka3
mkdir -p "$k3/data"
k3_plain=$(tls_free_port) k3_ctl=$(tls_free_port) k3_sasl=$(tls_free_port)
cat "$tmp/tls/good.key" "$tmp/tls/good.pem" >"$k3/keystore.pem"
cat >"$k3/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$k3_ctl
listeners=PLAINTEXT://127.0.0.1:$k3_plain,CONTROLLER://127.0.0.1:$k3_ctl,SASL_SSL://127.0.0.1:$k3_sasl
advertised.listeners=PLAINTEXT://127.0.0.1:$k3_plain,SASL_SSL://localhost:$k3_sasl
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
ssl.keystore.type=PEM
ssl.keystore.location=$k3/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tmp/tls/ca.pem
sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$k3/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
k3_jvm=("$ROWCAST_TEST_JAVA" -Xms128m -Xmx384m -Dlog4j2.configurationFile="$ROWCAST_TEST_KAFKA_LOG4J"
    -Dkafka.logs.dir="$k3/logs" -cp "$ROWCAST_TEST_KAFKA3_LIBS/*")
# A cluster id as Kafka's Uuid.randomUuid makes one: never starting with '-', which the tool's
# argument parser would take for an option (1 run in 64 failed with "expected one argument").
k3_id=$(python3 -c 'import base64,uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break')
"${k3_jvm[@]}" kafka.tools.StorageTool format -t "$k3_id" \
    -c "$k3/server.properties" --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-pw]' >"$k3/format.log" 2>&1 ||
    fail "formatting the Kafka 3 broker failed: $(tail -5 "$k3/format.log")"
"${k3_jvm[@]}" kafka.Kafka "$k3/server.properties" >"$k3/broker.log" 2>&1 &
kafka3_pid=$!
for _ in $(seq 900); do
    kcat -b "127.0.0.1:$k3_plain" -L -m 2 2>/dev/null | grep -q "broker 1 at" && break
    kill -0 "$kafka3_pid" 2>/dev/null || fail "the Kafka 3 broker exited: $(tail -5 "$k3/broker.log")"
    sleep 0.2
done
sasl_props=("kafka.security.protocol = SASL_SSL" "kafka.ssl.ca.location = $tmp/tls/ca.pem"
    "kafka.sasl.mechanisms = SCRAM-SHA-256" "kafka.sasl.username = alice")
kafka_check scram3 "localhost:$k3_sasl" "${sasl_props[@]}" "kafka.sasl.password = alice-pw"
case "$out" in *"ok    Kafka TLS to localhost:$k3_sasl: certificate and host name verified"*"ok    Kafka at localhost:$k3_sasl answers"*) ;; *) fail "SCRAM on Kafka 3: $out $errout" ;; esac
pass "Kafka 3, SASL_SSL + SCRAM-SHA-256: check logs in"
kafka_check scram3_bad "localhost:$k3_sasl" "${sasl_props[@]}" "kafka.sasl.password = not-alices"
case "$out" in *"FAIL  no answer from Kafka at localhost:$k3_sasl"*) ;; *) fail "SCRAM with a wrong password: $out" ;; esac
case "$errout" in *"SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"*) ;; *) fail "SCRAM with a wrong password, no reason given: $errout" ;; esac
case "$out$errout" in *not-alices*) fail "the wrong password reached the output" ;; esac
echo "  $(printf '%s\n' "$errout" | grep -m1 'SASL authentication error' | cut -c1-220)"
pass "Kafka 3, SCRAM with a wrong password: refused, saying so, the password not shown"

psql_q "CREATE SCHEMA $schema; CREATE TABLE $schema.t (id int PRIMARY KEY, v text);
INSERT INTO $schema.t SELECT g, 'over SCRAM ' || g FROM generate_series(1, 5) g"
cp "$tmp/k-scram3.properties" "$tmp/k-snap.properties"
printf 'table.include.list = %s\\.t\npublication.autocreate.mode = filtered\nsnapshot.mode = initial\n' "$schema" >>"$tmp/k-snap.properties"
run_rowcast snapshot -c "$tmp/k-snap.properties"
expect_code 0 "snapshot into Kafka over SASL_SSL"
n=$(kcat -C -b "127.0.0.1:$k3_plain" -t "$prefix.$schema.t" -o beginning -e -q -f '%o\n' 2>/dev/null | grep -c '^[0-9]' || true)
[ "$n" = 5 ] || fail "the Kafka 3 broker holds $n records of $prefix.$schema.t, expected 5"
pass "Kafka 3, SASL_SSL + SCRAM: a snapshot's 5 records are in the topic"

