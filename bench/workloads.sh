# The benchmarks' tables and workloads (sourced), for PostgreSQL and MariaDB alike:
#   shapes:    narrow (~100 B: bigint key, int, bigint, short text, timestamptz)
#              wide   (~1 KB, 20 columns: bigint key, 6 texts of 96 chars, 4 numerics, 4 timestamptz,
#                      3 jsonb documents, an int and a bigint)
#   workloads: W1 single-row autocommit inserts
#              W2 10-row transactions of 4 inserts, 4 updates, 2 deletes (of rows loaded before the range)
#              W3 one transaction inserting every row
# Everything is generated on the server (a DO loop committing per transaction on PostgreSQL, a stored
# procedure on MariaDB): what the decoders see is the same stream of transactions a client would make
# (W1: one BEGIN/INSERT/COMMIT per row), without a client's round trips bounding how big a backlog the
# benchmark can afford.
#
# Sizes (events per workload): BENCH_W1_EVENTS, BENCH_W2_EVENTS (a multiple of 10), BENCH_W3_EVENTS;
# the wide shape divides them by BENCH_WIDE_DIV. BENCH_QUICK=1 makes all of them 10 times smaller.

wl_events() { # SHAPE WORKLOAD: events of that case
    local n q=1 div=1
    [ "${BENCH_QUICK:-0}" = 1 ] && q=10
    [ "$1" = wide ] && div=${BENCH_WIDE_DIV:-4}
    case "$2" in
    W1) n=${BENCH_W1_EVENTS:-200000} ;;
    W2) n=${BENCH_W2_EVENTS:-500000} ;;
    W3) n=${BENCH_W3_EVENTS:-1000000} ;;
    *) die "unknown workload $2" ;;
    esac
    n=$((n / q / div))
    [ "$2" = W2 ] && n=$((n / 10 * 10))
    echo "$n"
}
# Kafka records the case makes: a delete is followed by its tombstone (tombstones.on.delete's default).
wl_records() { if [ "$2" = W2 ]; then echo $(($3 + $3 / 5)); else echo "$3"; fi; }

# --- PostgreSQL ------------------------------------------------------------------------------------
pg_cols() { # SHAPE: the column definitions
    case "$1" in
    narrow) echo "id bigint PRIMARY KEY, n int, b bigint, s text, ts timestamptz" ;;
    wide) echo "id bigint PRIMARY KEY, t1 text, t2 text, t3 text, t4 text, t5 text, t6 text,
        n1 numeric(18,4), n2 numeric(18,4), n3 numeric(12,2), n4 numeric,
        ts1 timestamptz, ts2 timestamptz, ts3 timestamptz, ts4 timestamptz, j1 jsonb, j2 jsonb, j3 jsonb,
        i1 int, b1 bigint" ;;
    esac
}
pg_vals() { # SHAPE: a SELECT list making row g
    case "$1" in
    narrow) echo "g, (g % 1000000)::int, g::bigint * 7919, 'name-' || g || '-abcdefghijklmnopqrstuvwxyz',
        timestamptz '2026-01-01 00:00:00+00' + g * interval '1 ms'" ;;
    wide) echo "g, repeat(md5(g::text), 3), repeat(md5((g + 1)::text), 3), repeat(md5((g + 2)::text), 3),
        repeat(md5((g + 3)::text), 3), repeat(md5((g + 4)::text), 3), repeat(md5((g + 5)::text), 3),
        g * 1.2345, g / 7.0, (g % 100000) / 100.0, g * 3.14159265358979,
        timestamptz '2026-01-01 00:00:00+00' + g * interval '1 ms', timestamptz '2025-06-01 12:00:00+00' + g * interval '1 s',
        timestamptz '2024-01-01 00:00:00+00' + g * interval '1 min', now(),
        jsonb_build_object('id', g, 'name', 'item-' || g, 'tags', jsonb_build_array('a', 'b', 'c'), 'price', g * 0.01),
        jsonb_build_object('k', md5(g::text), 'n', g % 977, 'ok', g % 2 = 0),
        jsonb_build_array(g, g + 1, g + 2, 'x' || g),
        (g % 2000000000)::int, g::bigint * 31" ;;
    esac
}
pg_update_set() { case "$1" in narrow) echo "n = n + 1, s = s || 'u', ts = ts + interval '1 s'" ;;
    wide) echo "i1 = i1 + 1, t1 = 'u' || left(t1, 95), ts4 = ts4 + interval '1 s'" ;; esac; }

# pg_load_base SHAPE WORKLOAD TABLE EVENTS: rows the workload updates and deletes, loaded before the
# slots exist (outside the measured range).
pg_load_base_sql() {
    [ "$2" = W2 ] || return 0
    echo "INSERT INTO $3 SELECT $(pg_vals "$1") FROM generate_series(1, $(($4 / 10 * 6))) g;"
}
# pg_workload_sql SHAPE WORKLOAD TABLE EVENTS: the statement that makes the measured range.
pg_workload_sql() {
    local shape=$1 w=$2 t=$3 n=$4 base=$(($4 / 10 * 6))
    case "$w" in
    W1) echo "DO \$\$ BEGIN FOR g IN 1..$n LOOP INSERT INTO $t SELECT $(pg_vals "$shape"); COMMIT; END LOOP; END \$\$" ;;
    W2) echo "DO \$\$ BEGIN FOR i IN 0..$((n / 10 - 1)) LOOP
        INSERT INTO $t SELECT $(pg_vals "$shape") FROM generate_series($base + 4 * i + 1, $base + 4 * i + 4) g;
        UPDATE $t SET $(pg_update_set "$shape") WHERE id BETWEEN 6 * i + 1 AND 6 * i + 4;
        DELETE FROM $t WHERE id BETWEEN 6 * i + 5 AND 6 * i + 6;
        COMMIT; END LOOP; END \$\$" ;;
    W3) echo "INSERT INTO $t SELECT $(pg_vals "$shape") FROM generate_series(1, $n) g" ;;
    esac
}

# --- MariaDB ---------------------------------------------------------------------------------------
my_cols() {
    case "$1" in
    narrow) echo "id BIGINT PRIMARY KEY, n INT, b BIGINT, s VARCHAR(64), ts TIMESTAMP(6)" ;;
    wide) echo "id BIGINT PRIMARY KEY, t1 TEXT, t2 TEXT, t3 TEXT, t4 TEXT, t5 TEXT, t6 TEXT,
        n1 DECIMAL(18,4), n2 DECIMAL(18,4), n3 DECIMAL(12,2), n4 DECIMAL(30,10),
        ts1 TIMESTAMP(6), ts2 TIMESTAMP(6), ts3 DATETIME(6), ts4 DATETIME(6), j1 JSON, j2 JSON, j3 JSON,
        i1 INT, b1 BIGINT" ;;
    esac
}
my_vals() { # SHAPE: a SELECT list making row g
    case "$1" in
    narrow) echo "g, g % 1000000, g * 7919, CONCAT('name-', g, '-abcdefghijklmnopqrstuvwxyz'),
        TIMESTAMP'2026-01-01 00:00:00' + INTERVAL g * 1000 MICROSECOND" ;;
    wide) echo "g, REPEAT(MD5(g), 3), REPEAT(MD5(g + 1), 3), REPEAT(MD5(g + 2), 3), REPEAT(MD5(g + 3), 3),
        REPEAT(MD5(g + 4), 3), REPEAT(MD5(g + 5), 3), g * 1.2345, g / 7.0, (g % 100000) / 100.0, g * 3.14159265358979,
        TIMESTAMP'2026-01-01 00:00:00' + INTERVAL g * 1000 MICROSECOND, TIMESTAMP'2025-06-01 12:00:00' + INTERVAL g % 100000000 SECOND,
        TIMESTAMP'2024-01-01 00:00:00' + INTERVAL g MINUTE, NOW(6),
        JSON_OBJECT('id', g, 'name', CONCAT('item-', g), 'tags', JSON_ARRAY('a', 'b', 'c'), 'price', g * 0.01),
        JSON_OBJECT('k', MD5(g), 'n', g % 977, 'ok', g % 2 = 0), JSON_ARRAY(g, g + 1, g + 2, CONCAT('x', g)),
        g % 2000000000, g * 31" ;;
    esac
}
my_update_set() { case "$1" in narrow) echo "n = n + 1, s = CONCAT(s, 'u'), ts = ts + INTERVAL 1 SECOND" ;;
    wide) echo "i1 = i1 + 1, t1 = CONCAT('u', LEFT(t1, 95)), ts4 = ts4 + INTERVAL 1 SECOND" ;; esac; }
# The sequence engine's table of 1..N as rows g.
my_seq() { echo "(SELECT seq AS g FROM seq_$1_to_$2) s"; }
my_load_base_sql() {
    [ "$2" = W2 ] || return 0
    echo "INSERT INTO $3 SELECT $(my_vals "$1") FROM $(my_seq 1 $(($4 / 10 * 6)));"
}
# The statements that make the measured range (a procedure for W1/W2: one transaction per loop turn).
my_workload_sql() {
    local shape=$1 w=$2 t=$3 n=$4 base=$(($4 / 10 * 6))
    case "$w" in
    W1) printf 'DELIMITER //\nCREATE OR REPLACE PROCEDURE %s_w() BEGIN DECLARE g BIGINT DEFAULT 1;
        WHILE g <= %s DO INSERT INTO %s SELECT %s; SET g = g + 1; END WHILE; END//\nDELIMITER ;
        SET autocommit = 1; CALL %s_w(); DROP PROCEDURE %s_w;\n' "$t" "$n" "$t" "$(my_vals "$shape")" "$t" "$t" ;;
    W2) printf 'DELIMITER //\nCREATE OR REPLACE PROCEDURE %s_w() BEGIN DECLARE i BIGINT DEFAULT 0;
        WHILE i < %s DO START TRANSACTION;
        INSERT INTO %s SELECT %s FROM (SELECT %s + 4 * i + seq AS g FROM seq_1_to_4) s;
        UPDATE %s SET %s WHERE id BETWEEN 6 * i + 1 AND 6 * i + 4;
        DELETE FROM %s WHERE id BETWEEN 6 * i + 5 AND 6 * i + 6;
        COMMIT; SET i = i + 1; END WHILE; END//\nDELIMITER ;
        CALL %s_w(); DROP PROCEDURE %s_w;\n' "$t" $((n / 10)) "$t" "$(my_vals "$shape")" "$base" \
        "$t" "$(my_update_set "$shape")" "$t" "$t" "$t" ;;
    W3) echo "INSERT INTO $t SELECT $(my_vals "$shape") FROM $(my_seq 1 "$n");" ;;
    esac
}
