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
