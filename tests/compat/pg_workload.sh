# The PostgreSQL workload of pg_compat.sh (sourced; $schema names the test's schema, pg_sql runs SQL
# from stdin). Two parts:
#   pg_workload_before: extensions, types and every table, created before Debezium and rowcast start;
#     the table `seeded` is filled then (both snapshot it with snapshot.mode=initial, op r).
#   pg_workload_stream: the changes both read from their slots, ending with a row in zz_end (the stop
#     record Debezium's runner waits for); it waits once for both sides' records ($dbz_prefix,
#     $rc_prefix, wait_records.py) before a DDL whose effect depends on when each reads the catalog.
# Every table lives in $schema; both sides filter with schema.include.list=$schema.

pg_workload_before() {
    # The extensions live in public, shared by every test of the database: created once, never dropped.
    # Several tests may start at once: a unique violation of a concurrent CREATE EXTENSION is harmless.
    local ext
    for ext in hstore ltree citext postgis; do
        pg_sql <<<"CREATE EXTENSION IF NOT EXISTS $ext SCHEMA public" >/dev/null 2>&1 ||
            pg_sql <<<"CREATE EXTENSION IF NOT EXISTS $ext SCHEMA public" >/dev/null
    done
    pg_sql <<SQL
CREATE SCHEMA $schema;
SET search_path = $schema, public;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN shorttext AS varchar(20) NOT NULL DEFAULT 'dflt';
CREATE SEQUENCE counter START 1000;

-- Filled now: the snapshot's table. NOT NULL columns, constant and expression defaults.
CREATE TABLE seeded (
    id serial PRIMARY KEY,
    name text NOT NULL DEFAULT 'anon',
    qty integer NOT NULL DEFAULT 7,
    price numeric(10,2) DEFAULT 9.99,
    created timestamptz NOT NULL DEFAULT now(),
    tag varchar(10),
    big bigint NOT NULL DEFAULT nextval('counter'),
    flag boolean NOT NULL DEFAULT false,
    m mood DEFAULT 'ok'
);
INSERT INTO seeded (name, qty, price, created, tag, flag, m) VALUES
    ('one', 1, 1.50, '2020-01-01 00:00:00.123456+00', 'a', true, 'happy'),
    ('two', 2, NULL, '1970-01-01 00:00:00+00', NULL, false, NULL),
    ('three', 3, -0.01, '2038-01-19 03:14:07.999999+00', 'ccc', true, 'sad');
INSERT INTO seeded DEFAULT VALUES;
UPDATE seeded SET created = '2001-02-03 04:05:06+00' WHERE name = 'anon';
-- A second snapshotted table: the per-table first/last markers.
CREATE TABLE seeded2 (k text PRIMARY KEY, v jsonb NOT NULL);
INSERT INTO seeded2 VALUES ('a', '{"n": 1}'), ('b', '[]'), ('c', 'null');

-- Every scalar type rowcast maps.
CREATE TABLE types (
    id integer PRIMARY KEY,
    i2 smallint, i4 integer, i8 bigint, o oid,
    n numeric, n10_2 numeric(10,2), n38_20 numeric(38,20), n5 numeric(5,0),
    f4 real, f8 double precision,
    mny money,
    b boolean,
    t text, vc varchar(50), c char(5), ch "char", nm name,
    ba bytea,
    d date, tm time, tm3 time(3), ttz timetz, ts timestamp, ts0 timestamp(0), ts3 timestamp(3), tstz timestamptz,
    iv interval,
    u uuid, j json, jb jsonb, x xml,
    ip inet, cid cidr, mac macaddr, mac8 macaddr8,
    bt bit(1), bt8 bit(8), vb varbit(20),
    lsn pg_lsn
);

CREATE TABLE arrays (
    id integer PRIMARY KEY,
    ai integer[], ai2 smallint[], ai8 bigint[], an numeric(8,3)[], anu numeric[], af float8[], ab boolean[],
    at text[], avc varchar(10)[], ad date[], ats timestamp[], atstz timestamptz[], au uuid[], ajb jsonb[],
    am mood[], aip inet[], ai_2d integer[][]
);

CREATE TABLE sem (
    id integer PRIMARY KEY,
    m mood, di posint, ds shorttext,
    r4 int4range, r8 int8range, rn numrange, rts tsrange, rtstz tstzrange, rd daterange,
    pt point, ln line, ls lseg, bx box, pa path, pg polygon, ci circle,
    hs hstore, lt ltree, ct citext, tv tsvector, tq tsquery,
    geom geometry, geomp geometry(Point, 4326), geog geography
);

-- NOT NULL and DEFAULT columns of many kinds (constants and expressions).
CREATE TABLE defaults (
    id bigserial PRIMARY KEY,
    n integer NOT NULL DEFAULT 42,
    s text NOT NULL DEFAULT 'x',
    v varchar(8) DEFAULT 'vee',
    f double precision DEFAULT 1.5,
    r real NOT NULL DEFAULT -2.25,
    nm numeric(5,2) NOT NULL DEFAULT 3.14,
    b boolean DEFAULT true,
    d date DEFAULT '2020-02-29',
    dn date NOT NULL DEFAULT current_date,
    t timestamptz DEFAULT now(),
    tm time DEFAULT '12:34:56',
    u uuid DEFAULT '00000000-0000-0000-0000-000000000001',
    j jsonb DEFAULT '{"k": [1, 2]}',
    e mood NOT NULL DEFAULT 'happy',
    seq bigint DEFAULT nextval('counter'),
    by bytea DEFAULT '\x0102',
    sm smallint NOT NULL DEFAULT -1,
    iv interval DEFAULT '1 day'
);

-- Unchanged TOAST values: STORAGE EXTERNAL keeps them out of line even when they would compress.
CREATE TABLE toast_default (
    id integer PRIMARY KEY, other integer, txt text, ba bytea, jb jsonb, js json, ai integer[], at text[], x xml
);
CREATE TABLE toast_full (
    id integer PRIMARY KEY, other integer, txt text, ba bytea, jb jsonb, js json, ai integer[], at text[], x xml
);
ALTER TABLE toast_full REPLICA IDENTITY FULL;

CREATE TABLE nopk (a integer, b text);
CREATE TABLE nopk_full (a integer, b text NOT NULL);
ALTER TABLE nopk_full REPLICA IDENTITY FULL;
CREATE TABLE comp (a integer, b text, v text, PRIMARY KEY (a, b));
CREATE TABLE alt (id integer PRIMARY KEY, a integer, b text);
CREATE TABLE trunc (id integer PRIMARY KEY, v text);
CREATE TABLE zz_end (id integer PRIMARY KEY);
SQL
    local t c
    for t in toast_default toast_full; do
        for c in txt ba jb js ai at x; do
            pg_sql <<<"ALTER TABLE $schema.$t ALTER COLUMN $c SET STORAGE EXTERNAL" >/dev/null
        done
    done
}

pg_workload_stream() {
    pg_sql <<SQL
SET search_path = $schema, public;
SET TIME ZONE 'UTC';
INSERT INTO types VALUES
 (1, 32767, 2147483647, 9223372036854775807, 4294967295,
  123456789012345678901234567890.123456789, 12345678.90, 1.00000000000000000001, 99999,
  3.14, 2.718281828459045,
  '12.34',
  true,
  'text é ✓', 'varchar', 'ab', 'z', 'aname',
  '\xdeadbeef00',
  '2024-02-29', '23:59:59.999999', '12:00:00.123', '10:11:12.5+05:30', '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.6', '2024-02-29 12:34:56.7891', '2024-02-29 12:34:56.789012+02',
  '1 year 2 months 3 days 04:05:06.789',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1, "b": [true, null]}', '{"b": 2, "a": "x"}', '<r><e a="1">t</e></r>',
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  B'1', B'10100101', B'101',
  '16/B374D848'),
 (2, -32768, -2147483648, -9223372036854775808, 0,
  'NaN', -0.01, -99999999999999999.99999999999999999999, -1,
  'NaN', 'Infinity',
  '-92233720368547758.08',
  false,
  '', '', '', '', '',
  '\x',
  'infinity', '00:00:00', '24:00:00', '24:00:00+00', 'infinity', '-infinity', '1970-01-01 00:00:00', '-infinity',
  '-178000000 years',
  '00000000-0000-0000-0000-000000000000', 'null', '[]', '<a/>',
  '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00',
  B'0', B'00000000', B'',
  '0/0'),
 (3, 0, 0, 0, 1,
  0, 0, 0, 0,
  '-Infinity', '-Infinity',
  '0',
  NULL,
  'a''quote"', 'x', 'x', 'x', 'x',
  '\x00',
  '-infinity', '00:00:00.000001', NULL, '00:00:00-14:59', '0001-01-01 00:00:00', '1900-01-01 00:00:00', '2262-04-11 23:47:16.854775', 'infinity',
  '-1 days -00:00:00.000001',
  NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL,
  NULL, NULL, NULL,
  NULL),
 (4, NULL, NULL, NULL, NULL, 1e-20, NULL, 0.00000000000000000001, NULL, 1.17549435e-38, 4.9e-324, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, '0001-01-01', NULL, NULL, NULL, '1969-12-31 23:59:59.999999', NULL, NULL,
  '1969-12-31 23:59:59.999999+00', '10000 years', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE types SET i4 = i4 - 1, t = 'changed' WHERE id = 1;
DELETE FROM types WHERE id = 4;

INSERT INTO arrays VALUES
 (1, '{1,2,NULL,-3}', '{1,-1}', '{9223372036854775807}', '{1.5,-2.125,NULL}', '{1,2.5,NaN}', '{1.5,NaN,Infinity}', '{true,false,NULL}',
  '{"a","b c","","NULL",NULL}', '{x,yy}', '{2024-01-01,infinity}', '{"2024-01-01 00:00:00.5"}', '{"2024-01-01 00:00:00+00"}',
  '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY['{"a":1}'::jsonb, '[]'::jsonb], '{sad,happy}', '{127.0.0.1,::1}', '{{1,2},{3,4}}'),
 (2, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE arrays SET ai = '{7}' WHERE id = 2;

INSERT INTO sem VALUES
 (1, 'happy', 5, 'short',
  '[1,10)', '[-9223372036854775808,0]', '(1.5,2.5]', '[2024-01-01 00:00,2024-01-02 00:00)', '[2024-01-01 00:00+00,)', '[2024-01-01,2024-02-01)',
  '(1.5,-2.25)', '{1,-1,0}', '[(0,0),(1,1)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(1,1),2.5>',
  'a=>1, "b c"=>NULL', 'top.science.astronomy', 'MiXeD Case', 'a fat cat sat on a mat', 'fat & rat',
  'SRID=3187;POINT(174.9479 -36.7208)', 'SRID=4326;POINT(1 2)', 'SRID=4326;POINT(8.55 47.37)'),
 (2, 'sad', 1, '',
  'empty', '(,)', '[,0)', '(,infinity]', 'empty', '[-infinity,2024-01-01]',
  '(0,0)', '{0,1,-2}', '[(-1,-1),(1,1)]', '(0,0),(0,0)', '((0,0),(3,3))', '((0,0))', '<(0,0),0>',
  '', 'a', '', '', 'a',
  'LINESTRING(0 0, 1 1)', NULL, 'POLYGON((0 0, 1 0, 1 1, 0 0))'),
 (3, NULL, NULL, DEFAULT,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE sem SET pt = '(3,4)', hs = 'k=>v' WHERE id = 3;

INSERT INTO defaults DEFAULT VALUES;
INSERT INTO defaults (n, s, v, f, r, nm, b, d, dn, t, tm, u, j, e, seq, by, sm, iv)
    VALUES (1, 'given', NULL, NULL, 0, 0, NULL, NULL, '2000-01-01', NULL, NULL, NULL, NULL, 'sad', NULL, NULL, 0, NULL);
UPDATE defaults SET n = n + 1;
DELETE FROM defaults WHERE s = 'given';

INSERT INTO nopk VALUES (1, 'a'), (1, 'a'), (NULL, NULL);
INSERT INTO nopk_full VALUES (1, 'a'), (2, 'b');
UPDATE nopk_full SET b = 'bb' WHERE a = 2;
DELETE FROM nopk_full WHERE a = 1;

INSERT INTO comp VALUES (1, 'x', 'v1'), (1, 'y', 'v2'), (2, 'x', 'v3');
UPDATE comp SET v = 'v1b' WHERE a = 1 AND b = 'x';
UPDATE comp SET b = 'z' WHERE a = 1 AND b = 'y';
UPDATE comp SET a = 3 WHERE a = 2;
DELETE FROM comp WHERE a = 1 AND b = 'x';

-- Primary key changes and deletes on a table of many types.
UPDATE types SET id = 10 WHERE id = 3;
DELETE FROM types WHERE id = 10;
SQL
    local t
    for t in toast_default toast_full; do
        pg_sql <<SQL
SET search_path = $schema, public;
INSERT INTO $t VALUES
 (1, 0, repeat('toast-text ', 1000), decode(repeat('deadbeef', 2000), 'hex'),
  (SELECT jsonb_agg(g) FROM generate_series(1, 2000) g), (SELECT json_agg(g)::text FROM generate_series(1, 2000) g)::json,
  (SELECT array_agg(g) FROM generate_series(1, 2000) g), (SELECT array_agg('elem' || g) FROM generate_series(1, 1000) g),
  ('<x>' || repeat('y', 5000) || '</x>')::xml),
 (2, 0, 'short', '\x01', '{"s": 1}', '{"s": 1}', '{1}', '{a}', '<s/>');
UPDATE $t SET other = 1 WHERE id = 1;
UPDATE $t SET other = 2, txt = 'now short' WHERE id = 1;
UPDATE $t SET other = 3 WHERE id = 1;
UPDATE $t SET id = 100 WHERE id = 1;
DELETE FROM $t WHERE id = 100;
DELETE FROM $t WHERE id = 2;
SQL
    done
    pg_sql <<SQL
SET search_path = $schema, public;
INSERT INTO alt VALUES (1, 1, 'one');
ALTER TABLE alt ADD COLUMN c numeric(10,2) DEFAULT 1.5;
INSERT INTO alt VALUES (2, 2, 'two', 2.25);
UPDATE alt SET a = 11 WHERE id = 1;
ALTER TABLE alt DROP COLUMN b;
INSERT INTO alt VALUES (3, 3, 3.5);
ALTER TABLE alt ALTER COLUMN a TYPE bigint;
INSERT INTO alt VALUES (4, 9223372036854775807, NULL);
SQL
    # Each side reads a table's NOT NULL (and DEFAULTs) from the catalog when it decodes the table's
    # first change after a schema change: SET NOT NULL waits until both published the 4 rows before
    # it, or a side that got there late would already see `a` required (a race, not a difference).
    /usr/bin/python3 "$here/wait_records.py" --bootstrap "$ROWCAST_TEST_KAFKA_BOOTSTRAP" --min 4 \
        "$dbz_prefix.$schema.alt" "$rc_prefix.$schema.alt" || fail "both sides did not publish alt's first rows"
    pg_sql <<SQL
SET search_path = $schema, public;
ALTER TABLE alt ALTER COLUMN a SET NOT NULL;
INSERT INTO alt VALUES (5, 5, 5);
DELETE FROM alt WHERE id = 2;

INSERT INTO trunc VALUES (1, 'a'), (2, 'b');
TRUNCATE trunc;
INSERT INTO trunc VALUES (3, 'c');

SELECT pg_logical_emit_message(true, 'compat-tx', 'in a transaction');
SELECT pg_logical_emit_message(false, 'compat-notx', '\x00ff'::bytea);
BEGIN;
INSERT INTO trunc VALUES (4, 'd');
SELECT pg_logical_emit_message(true, 'compat-tx', 'beside a row');
COMMIT;

UPDATE seeded SET qty = qty + 10 WHERE id = 1;
DELETE FROM seeded WHERE id = 2;
INSERT INTO seeded (name) VALUES ('streamed');
SQL
    pg_sql <<<"INSERT INTO $schema.zz_end VALUES (1)" >/dev/null
}
