# TLS with certificates the test makes (issue 14, security review F-6, F-12): the Schema Registry
# behind a TLS front, and a PostgreSQL server of the test's own with ssl = on. Verification on, the
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
cleanup_tls() {
    for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
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
