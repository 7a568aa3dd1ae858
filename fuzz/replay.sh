# Replays every fuzz target over its committed corpus (fuzz/corpus/<target>/), each seed once and then
# after deterministic mutations, so make check exercises more than the seeds in a few seconds. A
# crash, an abort from a target's own check or (in the --enable-sanitizers build) an ASan/UBSan/LSan
# report fails the test; the input that did it is left in the build's fuzz/ folder as crash-*.
#
# FUZZ_MUTATIONS=N sets the mutations per seed for every target (default: per target, below);
# FUZZ_SEED=S picks another deterministic set of mutations.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
seed=${FUZZ_SEED:-1}
# A UBSan report exits without the sanitizers' death callback; as an abort, the driver saves the input.
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}abort_on_error=1"
export UBSAN_OPTIONS
status=0
for spec in pgoutput:100 copy_text:500 pg_values:300 conf:60 offsets:200 gtid:500 binlog:100 json_binary:300 binlog_rows:100 registry:500 signal:500; do
    target=${spec%%:*}
    mutations=${FUZZ_MUTATIONS:-${spec#*:}}
    bin="$top_builddir/fuzz/fuzz_$target"
    corpus="$top_srcdir/fuzz/corpus/$target"
    [ -x "$bin" ] || { echo "FAIL: $bin not built" >&2; exit 99; }
    [ -d "$corpus" ] || { echo "FAIL: no corpus $corpus" >&2; exit 99; }
    if "$bin" --mutations "$mutations" --seed "$seed" --max-len 8192 --crash-dir "$top_builddir/fuzz" "$corpus"; then
        echo "ok: fuzz_$target"
    else
        echo "FAIL: fuzz_$target (exit $?); replay the saved input with: $bin $top_builddir/fuzz/crash-fuzz_$target-*" >&2
        status=1
    fi
done
exit "$status"
