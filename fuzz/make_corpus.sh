#!/bin/sh
# Derives fuzz/corpus/pgoutput from the captured fixtures (tests/fixtures/pgoutput/*.hex): from each
# fixture, the first message of every (type byte, length) pair, once outside and once inside a stream
# block (one of the two is usually a parse error, which is fine: both paths get covered), prefixed with
# fuzz_pgoutput's mode byte (protocol version - 1, +4 inside a stream, +8 for a CopyData frame).
# Run it from anywhere after a fixture changes, then commit fuzz/corpus/pgoutput. Needs xxd.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/fuzz/corpus/pgoutput"
rm -rf "$out"
mkdir -p "$out"
for f in "$top"/tests/fixtures/pgoutput/*.hex; do
    name=$(basename "$f" .hex)
    v=$(sed -n 's/^proto_version=//p' "$f")
    c=0
    grep -q '^framing=copydata' "$f" && c=8
    n=0
    grep -v -e '^#' -e = "$f" | awk '{ k = substr($0, 1, 2) ":" length($0); if (!(k in seen)) { seen[k] = 1; print } }' |
        while read -r hex; do
            n=$((n + 1))
            for s in 0 4; do
                mode=$((v - 1 + s + c))
                printf '%02x%s' "$mode" "$hex" | xxd -r -p >"$out/$(printf '%s_%03d_%02x' "$name" "$n" "$mode")"
            done
        done
done
echo "$(ls "$out" | wc -l) seeds in $out"

# fuzz/corpus/binlog from tests/fixtures/mysql-binlog: each small fixture file whole (mode byte 0),
# and from every file the first event of each type, its checksum cut off (mode byte 1).
out="$top/fuzz/corpus/binlog"
rm -rf "$out"
mkdir -p "$out"
python3 - "$top/tests/fixtures/mysql-binlog" "$out" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith(".binlog"):
        continue
    data = open(os.path.join(src, name), "rb").read()
    base = name[:-len(".binlog")]
    if len(data) <= 8192:
        open(os.path.join(out, base + "_file"), "wb").write(b"\0" + data)
    pos, seen, crc = 4, set(), False
    while pos + 19 <= len(data):
        typ, size = data[pos + 4], struct.unpack_from("<I", data, pos + 9)[0]
        if size < 19 or pos + size > len(data):
            break
        ev = data[pos:pos + size]
        if typ == 15:  # FORMAT_DESCRIPTION: its algorithm byte says whether events carry a CRC32
            crc = size >= 19 + 57 + 5 and ev[-5] == 1
        body = ev[:-4] if crc and typ != 15 else ev
        if typ not in seen:
            seen.add(typ)
            open(os.path.join(out, "%s_ev%03d" % (base, typ)), "wb").write(b"\1" + body)
        pos += size
PY
echo "$(ls "$out" | wc -l) seeds in $out"

# fuzz/corpus/json_binary from the JSON columns of tests/fixtures/mysql-binlog's JSON fixtures: every
# full JSON value of their rows events (mode byte 0), and every PARTIAL_UPDATE_ROWS diff vector with
# the document it patches (mode byte 1: Int2 before length, before, diffs); plus hand-made seeds (h_*)
# for what the fixtures lack: large containers, doubles, int64, strings with escapes, decimals.
out="$top/fuzz/corpus/json_binary"
rm -rf "$out"
mkdir -p "$out"
python3 - "$top/tests/fixtures/mysql-binlog" "$out" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]

def events(data):
    pos = 4
    while pos + 19 <= len(data):
        typ, size = data[pos + 4], struct.unpack_from("<I", data, pos + 9)[0]
        yield typ, data[pos + 19:pos + size - 4]  # these fixtures carry CRC32
        pos += size

def rows_start(typ, body):
    p = 8 + struct.unpack_from("<H", body, 8)[0]  # table id, flags, extra data (its length included)
    ncols = body[p]
    p += 1 + (ncols + 7) // 8 * (2 if typ in (31, 39) else 1)
    return p

def save(name, data):
    open(os.path.join(out, name), "wb").write(data)

# mysql-9.0.1_json_opaque: one JSON column; each row is the null bitmap, Int4 length, value.
data = open(os.path.join(src, "mysql-9.0.1_json_opaque.binlog"), "rb").read()
n = 0
for typ, body in events(data):
    if typ == 30:
        p = rows_start(typ, body) + 1
        jl = struct.unpack_from("<I", body, p)[0]
        save("opaque_%02d" % n, b"\0" + body[p + 4:p + 4 + jl])
        n += 1

# mysql-8.0.22_json_partial_update: t(id INT, json_col JSON, name VARCHAR(100), age INT); full rows
# are null bitmap, id, Int4 length + JSON, Int2 length + name, age; partial rows are null bitmap +
# id, then value options, partial bits, null bitmap, Int4 length + diffs, name, age.
data = open(os.path.join(src, "mysql-8.0.22_json_partial_update.binlog"), "rb").read()
docs, n = {}, 0
for typ, body in events(data):
    if typ not in (30, 31, 39):
        continue
    p = rows_start(typ, body)
    while p < len(body):
        if typ != 39:
            rid = struct.unpack_from("<I", body, p + 1)[0]
            jl = struct.unpack_from("<I", body, p + 5)[0]
            doc = body[p + 9:p + 9 + jl]
            docs[rid] = doc
            if n < 6:
                save("partial_full_%02d" % n, b"\0" + doc)
            n += 1
            q = p + 9 + jl
            p = q + 2 + struct.unpack_from("<H", body, q)[0] + 4
        else:
            rid = struct.unpack_from("<I", body, p + 1)[0]
            q = p + 5 + 3
            dl = struct.unpack_from("<I", body, q)[0]
            diff = body[q + 4:q + 4 + dl]
            before = docs[rid]
            save("partial_diff_%02d" % rid, b"\1" + struct.pack("<H", len(before)) + before + diff)
            q += 4 + dl
            p = q + 2 + struct.unpack_from("<H", body, q)[0] + 4

# Hand-made seeds.
def container(obj, large, elems):  # elems: (type, bytes, key); inlined as json_binary.cc does
    o = 4 if large else 2
    fmt = "<I" if large else "<H"
    hdr = 2 * o + len(elems) * ((o + 2 if obj else 0) + 1 + o)
    keys, vals, kentries, ventries = b"", b"", b"", b""
    pos = hdr
    for t, v, k in elems:
        if obj:
            kentries += struct.pack(fmt, pos) + struct.pack("<H", len(k))
            keys += k
            pos += len(k)
    for t, v, k in elems:
        if t in (4, 5, 6) or (large and t in (7, 8)):
            ventries += bytes([t]) + v.ljust(o, b"\0")
        else:
            ventries += bytes([t]) + struct.pack(fmt, pos)
            vals += v
            pos += len(v)
    body = struct.pack(fmt, len(elems)) + struct.pack(fmt, pos) + kentries + ventries + keys + vals
    return bytes([(0 if obj else 2) + (1 if large else 0)]) + body

arr = container(False, False, [(4, b"\1", None), (4, b"\0", None), (12, b"\1x", None)])
obj = container(True, False, [(5, b"\1\0", b"a"), (arr[0], arr[1:], b"b")])
save("h_nested", b"\0" + obj)
big = container(True, True, [(5, b"\1\0", b"a"), (7, struct.pack("<i", -70000), b"bb"),
                             (9, struct.pack("<q", -2**63), b"ccc"), (10, struct.pack("<Q", 2**64 - 1), b"dddd"),
                             (11, struct.pack("<d", 1e300), b"eeeee"), (11, struct.pack("<d", -0.0), b"ffffff")])
save("h_large", b"\0" + big)
save("h_string", b"\0\x0c\x0f" + b'a"b\\c\b\f\n\r\t\x01\x1f\x00/\x7f\xc3')
save("h_decimal", b"\0\x0f\xf6\x09\x0e\x04\x81\x0d\xfb\x38\xd2\x04\xd2")
save("h_blob", b"\0\x0f\xfc\x3c" + bytes(range(60)))
def diffs(*ds):
    b = b""
    for op, path, val in ds:
        b += bytes([op, len(path)]) + path + (bytes([len(val)]) + val if op != 2 else b"")
    return b
d = diffs((0, b"$.a", b"\x0c\x01x"), (1, b"$.b[0]", b"\x05\x03\x00"), (1, b'$."c d"', b"\x04\x00"),
          (2, b"$.b[last]", b""), (1, b"$.b[9]", obj))
save("h_diffs", b"\1" + struct.pack("<H", len(obj)) + obj + d)
PY
echo "$(ls "$out" | wc -l) seeds in $out"
