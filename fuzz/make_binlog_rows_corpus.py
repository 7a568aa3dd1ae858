#!/usr/bin/env python3
"""Derives fuzz/corpus/binlog_rows from tests/fixtures/mysql-binlog: for every fixture (MariaDB's
too) and every table it maps, a small binlog without checksums: the 5.7.20 fixture's
FORMAT_DESCRIPTION (checksum NONE), then the TABLE_MAP and the first rows event after it, their
CRC32 cut off (inner events of a TRANSACTION_PAYLOAD have none). Run it after a fixture changes,
then commit fuzz/corpus/binlog_rows."""
import glob
import os
import struct
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(top, "tests"))
import binlog_walk  # noqa: E402

fx = os.path.join(top, "tests", "fixtures", "mysql-binlog")
out = os.path.join(top, "fuzz", "corpus", "binlog_rows")
os.makedirs(out, exist_ok=True)
for f in glob.glob(os.path.join(out, "*")):
    os.remove(f)
fde = next(e for o, t, e, i in binlog_walk.events(os.path.join(fx, "mysql-5.7.20_rows_no_checksum.binlog"))
           if t == 15)


def strip(ev, crc):
    if not crc:
        return ev
    ev = bytearray(ev[:-4])
    struct.pack_into("<I", ev, 9, len(ev))
    return bytes(ev)


n = 0
for path in sorted(glob.glob(os.path.join(fx, "*.binlog")) + glob.glob(os.path.join(fx, "mariadb", "*.binlog"))):
    crc, tmap, seen = False, None, set()
    for off, t, ev, inner in binlog_walk.events(path):
        if t == 15:
            crc = len(ev) >= 19 + 57 + 5 and ev[-5] == 1
            continue
        has_crc = crc and not inner
        if t == 19:
            tmap = strip(ev, has_crc)
        elif t in binlog_walk.ROWS_TYPES and tmap is not None:
            rows = strip(ev, has_crc)
            key = tmap[19:25]
            if key in seen or len(fde) + len(tmap) + len(rows) > 8000:
                continue
            seen.add(key)
            n += 1
            name = "%s_%02d" % (os.path.basename(path)[:-len(".binlog")], n)
            with open(os.path.join(out, name), "wb") as o:
                o.write(b"\xfebin" + fde + tmap + rows)
print("%d seeds in %s" % (n, out))
