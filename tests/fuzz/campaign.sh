#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/fuzz/campaign.sh [TARGET...] — the fuzzing campaign (docs/security.md, "Fuzzing"):
# runs every libFuzzer target (or the named ones) for RUNS executions (default 10 million) with
# ASan + UBSan, seeded from tests/fuzz/corpus/<target>/, then minimises what it found back into
# that directory (-merge=1: only inputs that add coverage are kept, so the corpus stays small;
# named seeds, i.e. hand-made examples and regression inputs, are always kept).
# Prints one line per target: executions, crashes, seconds, corpus files; exits non-zero if any
# target crashed (the crashing input is left in $WORK/<target>/ as crash-*/leak-*/oom-*) or its
# corpus could not be minimised.
#
# Environment: BUILD (default build/dev; the fuzzers are built by `cmake --build` there),
# RUNS (default 10000000), JOBS (targets run side by side, default 1), WORK (scratch directory,
# default a fresh mktemp -d), NICE (default 10), TIMEOUT (seconds of wall-clock time one input may
# take before libFuzzer calls it a hang, default 10; raise it on a loaded machine: at nice 19
# beside other work a 9 ms input once took over 10 s). CPU-heavy: minutes to an hour per target.
# RUNS=0 only replays the seeds and minimises them again.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${BUILD:-build/dev}"
RUNS="${RUNS:-10000000}"
JOBS="${JOBS:-1}"
NICE="${NICE:-10}"
TIMEOUT="${TIMEOUT:-10}"
WORK="${WORK:-$(mktemp -d /tmp/punchdrop-fuzz.XXXXXX)}"
BIN="$BUILD/tests/fuzz/bin"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
for t in "${targets[@]}"; do
  [ -x "$BIN/$t" ] || { echo "missing $BIN/$t: build it first (cmake --build --preset dev --target $t)" >&2; exit 2; }
done

# Minimise: the named seeds (hand-made examples and regression inputs: every file whose name is
# not the 40-hex SHA-1 libFuzzer gives its finds) always stay; of the rest, old and new, only the
# inputs that add coverage (-merge=1 keeps what is in its first directory and adds to it).
merge_into_seeds() {
  local t="$1" dir="$2" seeds="$3" f
  rm -rf "$dir/merged" "$dir/found" && mkdir -p "$dir/merged" "$dir/found"
  for f in "$seeds"/*; do
    [ -f "$f" ] || continue
    if [[ "$(basename "$f")" =~ ^[0-9a-f]{40}$ ]]; then cp "$f" "$dir/found/"; else cp "$f" "$dir/merged/"; fi
  done
  if ! nice -n "$NICE" "$BIN/$t" -merge=1 -rss_limit_mb=2048 -timeout="$TIMEOUT" "$dir/merged" "$dir/found" \
      "$dir/corpus" > "$dir/merge.log" 2>&1; then
    echo "$t: merge failed (see $dir/merge.log); $seeds left as it was" >&2
    return 1
  fi
  find "$seeds" -maxdepth 1 -type f -delete
  cp "$dir/merged"/* "$seeds"/
}

# Options of one target. fuzz_lanpeertable: each input is a script of up to 256 operations that
# touches ~14,000 coverage features; libFuzzer's entropic schedule spent ~45 % of the CPU
# updating their frequencies (perf: fuzzer::InputCorpus::UpdateFeatureFrequency), and the cost
# of one execution grows with the script (inputs drift to 2 KiB). Scripts of at most 512 bytes
# are still ≥ 60 operations over three devices, more than any window or memory of the table
# needs (the coverage they reach is the same, docs/security.md "Fuzzing").
target_flags() {
  case "$1" in
    fuzz_lanpeertable) echo "-entropic=0 -max_len=512" ;;
  esac
}

run_one() {
  local t="$1" dir="$WORK/$1" seeds="tests/fuzz/corpus/$1" start end status=0 merge_failed=0
  mkdir -p "$dir/corpus" "$seeds"
  start=$(date +%s)
  # shellcheck disable=SC2046 # the flags are words
  ( cd "$dir" && ASAN_OPTIONS=detect_leaks=1 nice -n "$NICE" "$OLDPWD/$BIN/$t" \
      -runs="$RUNS" -rss_limit_mb=2048 -timeout="$TIMEOUT" -print_final_stats=1 $(target_flags "$t") \
      corpus "$OLDPWD/$seeds" ) > "$dir/log" 2>&1 || status=$?
  end=$(date +%s)
  local execs crashes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  crashes=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  if [ "$crashes" -eq 0 ]; then
    merge_into_seeds "$t" "$dir" "$seeds" || merge_failed=1
  fi
  printf '%-24s executions %-10s crashes %-3s seconds %-6s corpus %s\n' "$t" "${execs:-?}" \
    "$crashes" "$((end - start))" "$(find "$seeds" -type f | wc -l)" | tee "$dir/summary"
  [ "$crashes" -eq 0 ] && [ "$merge_failed" -eq 0 ]
}

echo "fuzz campaign: ${#targets[@]} targets, $RUNS runs each, scratch $WORK"
failed=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=("$!")
  if [ "${#pids[@]}" -ge "$JOBS" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit "$failed"
