# The workload both sides read (sourced by mariadb_compat.sh, after both stream: every table is created
# in the binlog they read). Each group of statements is one client session, as the comments say.
# Covers: every MariaDB column type with edge values, inserts, updates, deletes, a primary key change,
# a table without a primary key, a composite key, multi-row statements, a multi-table transaction, a
# rolled-back transaction, ALTER TABLE mid-stream (add, modify, rename, drop a column), TRUNCATE, and
# the DDL itself on the schema change topic. The last statement writes the end marker (zz_end).
# shellcheck shell=bash disable=SC2154  # $db comes from my_test_setup

my_q "SET SESSION sql_mode = '';
CREATE TABLE \`$db\`.orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), amount DECIMAL(12,2), paid BOOLEAN,
    created TIMESTAMP(6) NULL, note TEXT) ENGINE=InnoDB;
CREATE TABLE \`$db\`.nopk (a INT, b VARCHAR(10)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.evolve (id INT PRIMARY KEY, a VARCHAR(10)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.composite (k1 INT, k2 VARCHAR(8), v INT, PRIMARY KEY (k1, k2)) ENGINE=InnoDB;
CREATE TABLE \`$db\`.types (id INT PRIMARY KEY,
    ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
    i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(65,30),
    dec2 DECIMAL(10,0), dec3 DECIMAL(5,4), b1 BIT(1), b10 BIT(10), b64 BIT(64), y YEAR, dt DATE, tm TIME,
    tm6 TIME(6), dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL,
    c CHAR(5), vc VARCHAR(255), vcl VARCHAR(20) CHARACTER SET latin1, tx TEXT, mtx MEDIUMTEXT, bn BINARY(4),
    vb VARBINARY(20), bl BLOB, e ENUM('a','b','c d'), s SET('x','y','z'), j JSON, g GEOMETRY,
    pt POINT) ENGINE=InnoDB;
CREATE TABLE \`$db\`.types2 (id INT PRIMARY KEY, tt TINYTEXT, lt LONGTEXT, tb TINYBLOB, mb MEDIUMBLOB,
    lb LONGBLOB, bo BOOL, fu FLOAT UNSIGNED, du DOUBLE UNSIGNED, decu DECIMAL(8,3) UNSIGNED, ch1 CHAR(1),
    ucs VARCHAR(10) CHARACTER SET utf8mb3, dtm1 DATETIME(1), tm2 TIME(2), ts3 TIMESTAMP(3) NULL, y4 YEAR(4),
    ls LINESTRING, pg POLYGON, mp MULTIPOINT, gc GEOMETRYCOLLECTION, def_s VARCHAR(10) DEFAULT 'dflt',
    def_i INT NOT NULL DEFAULT 42) ENGINE=InnoDB;
CREATE TABLE \`$db\`.signs (id INT PRIMARY KEY, y YEAR, i INT, iu INT UNSIGNED, si SMALLINT) ENGINE=InnoDB;
CREATE TABLE \`$db\`.maria (id INT PRIMARY KEY, u UUID, vcol INT AS (id * 2) VIRTUAL,
    pcol INT AS (id + 1) PERSISTENT, tsd TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;
CREATE TABLE \`$db\`.$end_table (id INT PRIMARY KEY) ENGINE=InnoDB;"

my_q "SET SESSION sql_mode = '';
INSERT INTO \`$db\`.orders VALUES (1, 'alice', 10.50, false, '2026-11-24 10:00:00', 'first'),
    (2, 'bob', -3.25, true, '1999-12-31 23:59:59.999999', NULL), (3, 'çéü 日本 🎉', 0, NULL, NULL, '');
UPDATE \`$db\`.orders SET paid = true, amount = amount + 1 WHERE id = 1;
UPDATE \`$db\`.orders SET id = 30 WHERE id = 3;
DELETE FROM \`$db\`.orders WHERE id = 2;
BEGIN;
INSERT INTO \`$db\`.composite VALUES (7, 'tx', 70);
INSERT INTO \`$db\`.orders VALUES (4, 'multi', 9999999999.99, true, '2026-12-01 00:00:00.5', 'in a multi-table transaction');
UPDATE \`$db\`.composite SET v = v + 1 WHERE k1 = 7;
INSERT INTO \`$db\`.orders VALUES (40, 'second in tx', 1, false, NULL, NULL), (41, 'third in tx', 2, false, NULL, NULL);
COMMIT;
BEGIN;
INSERT INTO \`$db\`.orders VALUES (5, 'rolled back', 1, true, NULL, NULL);
ROLLBACK;
UPDATE \`$db\`.orders SET note = CONCAT(note, '!') WHERE id IN (40, 41);
INSERT INTO \`$db\`.nopk VALUES (1, 'one'), (1, 'one'), (2, 'two');
UPDATE \`$db\`.nopk SET b = 'TWO' WHERE a = 2;
DELETE FROM \`$db\`.nopk WHERE a = 1 LIMIT 1;
INSERT INTO \`$db\`.composite VALUES (1, 'a', 10), (1, 'b', 11), (2, 'a', 20);
UPDATE \`$db\`.composite SET k2 = 'z' WHERE k1 = 2;
DELETE FROM \`$db\`.composite WHERE k1 = 1 AND k2 = 'b';"

# Schema changes mid-stream: add, modify, rename, drop; then TRUNCATE.
my_q "INSERT INTO \`$db\`.evolve VALUES (1, 'before');
ALTER TABLE \`$db\`.evolve ADD COLUMN b INT;
INSERT INTO \`$db\`.evolve VALUES (2, 'added', 20);
UPDATE \`$db\`.evolve SET b = 10 WHERE id = 1;
ALTER TABLE \`$db\`.evolve MODIFY COLUMN a VARCHAR(40);
INSERT INTO \`$db\`.evolve VALUES (3, 'modified', 30);
ALTER TABLE \`$db\`.evolve RENAME COLUMN b TO c;
INSERT INTO \`$db\`.evolve VALUES (4, 'renamed', 40);
UPDATE \`$db\`.evolve SET c = c + 1;
ALTER TABLE \`$db\`.evolve DROP COLUMN a;
INSERT INTO \`$db\`.evolve VALUES (5, 50);
ALTER TABLE \`$db\`.evolve ADD COLUMN d VARCHAR(5) NOT NULL DEFAULT 'x' FIRST;
INSERT INTO \`$db\`.evolve (id, c) VALUES (6, 60);
DELETE FROM \`$db\`.evolve WHERE id = 2;
TRUNCATE TABLE \`$db\`.nopk;
INSERT INTO \`$db\`.nopk VALUES (9, 'truncated');"

# Every type, with edge values; then a row of NULLs and one of zero dates; then updates and a delete.
my_q "SET SESSION sql_mode = '';
INSERT INTO \`$db\`.types VALUES
 (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,
  18446744073709551615, -3.5e38, 1.7976931348623157e308,
  -12345678901234567890123456789012345.123456789012345678901234567890, 9999999999, -0.0001,
  b'1', b'1010101010', b'1111111111111111111111111111111111111111111111111111111111111111', 2155,
  '1000-01-01', '-838:59:59', '838:59:59.999999', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999',
  '2000-02-29 12:34:56.789012', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999', 'ab', 'ünïcödé ✓ 😀',
  'café naïve', REPEAT('t', 1000), REPEAT('m', 70000), x'00ff1000', x'', x'deadbeef', 'c d', 'x,z',
  '{\"a\": [1, 2.5, \"s\"], \"b\": null}', ST_GeomFromText('LINESTRING(0 0, 1 1)', 4326), POINT(1.5, -2)),
 (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, 0, -0.0, 0, -9999999999, 9.9999,
  b'0', b'0', b'0', 1901, '9999-12-31', '00:00:00', '-00:00:00.000001', '9999-12-31 23:59:59',
  '1000-01-01 00:00:00.000', '1970-01-01 00:00:00.000000', NULL, NULL, '', '', '', '', '', '', '', '', 'a', '',
  '[]', NULL, NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL),
 (4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'0', b'0', b'0', 0, '0000-00-00', '00:00:00', '00:00:00',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', NULL, '', '', '',
  '', '', '', '', '', '', '', '{}', NULL, NULL),
 (5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9223372036854775808, 1.5, 0.1, 0.000000000000000000000000000001, 1, 1,
  b'1', b'1111111111', b'1000000000000000000000000000000000000000000000000000000000000001', 1970,
  '1970-01-01', '12:00:00', '-00:00:01.5', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999',
  '1900-01-01 00:00:00.000001', '2026-06-15 12:00:00', '2001-09-09 01:46:40.5', 'abcde', 'x', 'ÿ', 't', 'm',
  x'ffffffff', x'00', x'00', 'b', 'x,y,z', '\"str\"', ST_GeomFromText('POINT(3 4)'), ST_PointFromText('POINT(-1 -1)', 3857));
UPDATE \`$db\`.types SET vc = 'updated', f = 2.5, d = -1e-300 WHERE id = 2;
UPDATE \`$db\`.types SET id = 50 WHERE id = 5;
DELETE FROM \`$db\`.types WHERE id = 3;
INSERT INTO \`$db\`.types2 (id, tt, lt, tb, mb, lb, bo, fu, du, decu, ch1, ucs, dtm1, tm2, ts3, y4, ls, pg, mp, gc)
 VALUES (1, 'tiny', REPEAT('L', 300), x'01', x'0203', x'040506', true, 3.25, 1e100, 12345.678, 'Z', 'ascii',
  '2020-02-02 02:02:02.2', '-12:34:56.78', '2020-02-02 02:02:02.123', 2024,
  ST_GeomFromText('LINESTRING(0 0, 10 10, 20 25)'), ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))'),
  ST_GeomFromText('MULTIPOINT(1 1, 2 2)'), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))')),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO \`$db\`.signs VALUES (1, 2024, -5, 4000000000, -7), (2, NULL, 2147483647, 0, 32767);
INSERT INTO \`$db\`.maria (id, u, tsd) VALUES (1, '123e4567-e89b-12d3-a456-426614174000', '2026-01-02 03:04:05'),
  (2, NULL, '1999-01-01 00:00:00');
UPDATE \`$db\`.maria SET u = 'ffffffff-ffff-ffff-ffff-ffffffffffff' WHERE id = 1;
INSERT INTO \`$db\`.$end_table VALUES (1);"
