# The command line and configuration errors, as a user meets them (no servers needed).
set -eu
. "$top_srcdir/tests/integration/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The test's own environment must not leak ROWCAST_* properties into these runs.
for v in $(env | sed -n 's/^\(ROWCAST_[A-Z0-9_]*\)=.*/\1/p'); do
    case "$v" in ROWCAST_TEST_*|ROWCAST_ENV_*) ;; *) unset "$v" ;; esac
done

run_rowcast --help
expect_code 0 "--help"
case "$out" in *"Usage: rowcast"*"run"*"snapshot"*"check"*) ;; *) fail "--help output: $out" ;; esac
pass "--help"

run_rowcast --version
expect_code 0 "--version"
case "$out" in "rowcast "[0-9]*"librdkafka"*) ;; *) fail "--version output: $out" ;; esac
pass "--version"

run_rowcast frobnicate
expect_code 2 "unknown command"
expect_err "unknown command 'frobnicate'"
pass "unknown command exits 2"

cat >"$tmp/good.properties" <<'PROPS'
source.type = postgres
database.hostname = 127.0.0.1
database.user = cdc
database.password = Sup3rSecretPw
database.dbname = shop
topic.prefix = shop
sink.type = stdout
PROPS

run_rowcast -c "$tmp/good.properties" config print
expect_code 0 "config print"
case "$out" in *Sup3rSecretPw*) fail "config print shows the password" ;; esac
case "$out" in *"database.password = ***"*) ;; *) fail "config print: $out" ;; esac
pass "config print masks secrets"

# 1. unknown property, with a suggestion
cp "$tmp/good.properties" "$tmp/typo.properties"
echo "slot.nmae = s1" >>"$tmp/typo.properties"
run_rowcast -c "$tmp/typo.properties" check
expect_code 2 "unknown property"
expect_err "line 8: unknown property 'slot.nmae' (did you mean 'slot.name'?)"
pass "unknown property"

# 2. missing required property
grep -v topic.prefix "$tmp/good.properties" >"$tmp/missing.properties"
run_rowcast -c "$tmp/missing.properties" check
expect_code 2 "missing property"
expect_err "missing required property 'topic.prefix'"
pass "missing required property"

# 3. malformed value
run_rowcast -c "$tmp/good.properties" --set database.port=99999 check
expect_code 2 "malformed value"
expect_err "--set: database.port = 99999 is out of range (expected 1..65535)"
pass "malformed value"

# 4. unreadable config file
run_rowcast -c "$tmp/nope.properties" check
expect_code 2 "unreadable file"
expect_err "cannot read config file '$tmp/nope.properties': No such file or directory"
pass "unreadable file"

# 5. unknown environment variable, with a suggestion
ROWCAST_TOPIC_PREFX=x run_rowcast -c "$tmp/good.properties" check
expect_code 2 "unknown env"
expect_err "environment ROWCAST_TOPIC_PREFX: unknown property (did you mean ROWCAST_TOPIC_PREFIX"
pass "unknown environment variable"

# 6. librdkafka rejects a kafka.* property: named, secret value not shown
sed 's/sink.type = stdout/sink.type = kafka/' "$tmp/good.properties" >"$tmp/kafka.properties"
printf 'schema.registry.url = http://127.0.0.1:1\nkafka.bootstrap.servers = 127.0.0.1:1\nkafka.no.such.thing = 1\n' \
    >>"$tmp/kafka.properties"
run_rowcast -c "$tmp/kafka.properties" check
expect_code 1 "bad kafka property"
case "$out" in *"property 'kafka.no.such.thing' rejected by librdkafka"*) ;; *) fail "kafka property: $out" ;; esac
pass "bad kafka.* property named"

# Secrets never in any output, even when a malformed secret is given via the environment.
ROWCAST_DATABASE_PASSWORD=Sup3rSecretPw run_rowcast -c "$tmp/typo.properties" --log-level debug check
case "$out$errout" in *Sup3rSecretPw*) fail "a secret reached the output" ;; esac
pass "no secret in output"

# JSON log lines
ROWCAST_LOG_FORMAT=json run_rowcast -c "$tmp/typo.properties" check
case "$errout" in '{"ts":"'*'","level":"error","component":"config","msg":"'*) ;; *) fail "json log: $errout" ;; esac
pass "JSON log lines"

# A Kafka Connect connector JSON is a config file too.
cat >"$tmp/connector.json" <<'JSON'
{"name": "shop", "config": {"connector.class": "io.debezium.connector.postgresql.PostgresConnector",
 "tasks.max": "1", "database.hostname": "127.0.0.1", "database.user": "cdc", "database.dbname": "shop",
 "topic.prefix": "shop", "sink.type": "stdout"}}
JSON
run_rowcast -c "$tmp/connector.json" config print
expect_code 0 "connector JSON"
case "$out" in *"source.type = postgres"*) ;; *) fail "connector JSON: $out" ;; esac
expect_err "'tasks.max' is a Kafka Connect/Debezium setting that rowcast ignores"
pass "connector JSON accepted, foreign keys warned"
