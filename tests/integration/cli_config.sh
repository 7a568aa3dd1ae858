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

# A long value is kept whole from a connector JSON (it was cut at 4095 bytes, silently dropping the
# tables at the end of a long table.include.list), and from a properties file, the environment, --set.
list=$(seq -f 'public\.table_%04g' 0 699 | paste -sd, -)
[ ${#list} -gt 10000 ] || fail "test list is only ${#list} characters"
printf '{"name": "shop", "config": {"source.type": "postgres", "database.hostname": "127.0.0.1",
 "database.user": "cdc", "database.dbname": "shop", "topic.prefix": "shop", "sink.type": "stdout",
 "table.include.list": "%s"}}\n' "$(printf %s "$list" | sed 's/\\/\\\\/g')" >"$tmp/long.json"
printed_list() { printf '%s\n' "$out" | sed -n 's/^table\.include\.list = \(.*\)    # .*/\1/p'; }
run_rowcast -c "$tmp/long.json" config print
expect_code 0 "long value (JSON)"
[ "$(printed_list)" = "$list" ] || fail "long table.include.list from JSON printed as $(printed_list | wc -c) bytes, not ${#list} + 1"
cp "$tmp/good.properties" "$tmp/long.properties"
printf 'table.include.list = %s\n' "$list" >>"$tmp/long.properties"
for how in file env set; do
    case $how in
    file) run_rowcast -c "$tmp/long.properties" config print ;;
    env) ROWCAST_TABLE_INCLUDE_LIST=$list run_rowcast -c "$tmp/good.properties" config print ;;
    set) run_rowcast -c "$tmp/good.properties" --set "table.include.list=$list" config print ;;
    esac
    expect_code 0 "long value ($how)"
    [ "$(printed_list)" = "$list" ] || fail "long table.include.list ($how) not printed whole"
done
pass "a 10,000-character table.include.list is kept whole (JSON, file, environment, --set)"

# A malformed line or JSON around a secret names the line (and a known key), never the value.
secret=Hunter2xSecretValue
expect_no_secret() {
    case "$out$errout" in *"$secret"* | *Hunter*) fail "$1: the secret reached the output: $errout" ;; esac
}
{ echo "database.password $secret"; cat "$tmp/good.properties"; } | grep -v '^database.password =' >"$tmp/space.properties"
run_rowcast -c "$tmp/space.properties" config print
expect_code 2 "properties line without '='"
expect_err "space.properties line 1: 'database.password' is not followed by '=' or ':'"
expect_no_secret "properties line without '='"
printf '%s\n' "$secret" >>"$tmp/space.properties"
run_rowcast -c "$tmp/space.properties" config print
expect_err "space.properties line 8: expected 'key = value' (the text is not shown"
expect_no_secret "a lone secret on a line"
for json in "{\"config\": {\"database.password\": $secret}}" \
    "{\"config\": {\"database.password\": \"$secret\" \"topic.prefix\": \"x\"}}" \
    "{\"config\": {\"database.password\": \"$secret\\q\"}}" \
    "{\"config\": {\"database.password\": \"$secret"; do
    printf '%s\n' "$json" >"$tmp/bad.json"
    run_rowcast -c "$tmp/bad.json" config print
    expect_code 2 "JSON syntax error"
    expect_err "bad.json line 1 column "
    expect_no_secret "JSON syntax error ($json)"
done
run_rowcast -c "$tmp/good.properties" --set "database.password $secret" config print
expect_code 2 "--set without '='"
expect_err "--set: 'database.password' is not followed by '='"
expect_no_secret "--set without '='"
pass "malformed lines, JSON and --set never echo the secret"

# A secret on the command line is refused: ps and /proc/PID/cmdline show it to every local user
# (security review F-4). The message says where to put it, and never shows it.
for key in database.password kafka.sasl.password kafka.ssl.key.pem basic.auth.user.info; do
    run_rowcast -c "$tmp/good.properties" --set "$key=$secret" config print
    expect_code 2 "--set $key"
    expect_err "--set: $key is a secret, and a command line is readable by every local user"
    expect_no_secret "--set $key"
done
expect_err "give it in the environment (ROWCAST_BASIC_AUTH_USER_INFO), as basic.auth.user.info.file"
pass "--set refuses secrets"

# kafka.* secrets may come from files too (librdkafka itself has no .file variant: security review
# F-10); a secret file of rowcast's own user that everyone may read is a warning.
printf '%s\n' "$secret" >"$tmp/kafka-pw"
chmod 644 "$tmp/kafka-pw"
grep -v '^database.password' "$tmp/good.properties" >"$tmp/kfile.properties"
printf 'kafka.sasl.password.file = %s\ndatabase.password.file = %s\n' "$tmp/kafka-pw" "$tmp/kafka-pw" >>"$tmp/kfile.properties"
run_rowcast -c "$tmp/kfile.properties" config print
expect_code 0 "kafka.sasl.password.file"
case "$out" in *"kafka.sasl.password = ***"*"(file)"*) ;; *) fail "kafka.sasl.password.file not read: $out" ;; esac
expect_err "database.password.file '$tmp/kafka-pw' can be read by every user (mode 0644): chmod 600 it"
expect_no_secret "kafka.sasl.password.file"
chmod 600 "$tmp/kafka-pw"
run_rowcast -c "$tmp/kfile.properties" config print
expect_code 0 "kafka.sasl.password.file (0600)"
case "$errout" in *"can be read by"*) fail "a 0600 file warned: $errout" ;; esac
pass "kafka.* secrets from files; readable secret files warned"

# librdkafka's own log lines ("%3|1733...|FAIL|rdkafka#producer-1| ...") never reach stderr raw, outside
# rowcast's format and masking: `check` against a closed port (security review F-17).
cat >"$tmp/closed.properties" <<'PROPS'
source.type = postgres
database.hostname = 127.0.0.1
database.port = 1
database.user = cdc
database.dbname = shop
topic.prefix = shop
kafka.bootstrap.servers = 127.0.0.1:1
schema.registry.url = http://127.0.0.1:1
PROPS
run_rowcast -c "$tmp/closed.properties" check
expect_code 1 "check against closed ports"
case "$out" in *"no answer from Kafka at 127.0.0.1:1"*) ;; *) fail "check's report: $out" ;; esac
if printf '%s\n' "$errout" "$out" | grep -qE '^%[0-9]+\|'; then
    fail "raw librdkafka log lines: $(printf '%s\n' "$errout" "$out" | grep -E '^%[0-9]+\|' | head -3)"
fi
pass "check: librdkafka's log lines go through rowcast's log"
