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
