#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the whole NAT lab RUNS times and prints one line per case: passes, durations and the paths
# taken — for measuring the suite and spotting flaky cases. Not part of ctest (ctest runs each case
# once); needs root like the cases.
#
# Usage: matrix.sh [-n RUNS] [-k] PUNCHDROP_BINARY [CASE...]
#   -n RUNS  how often to run every case (default 3)
#   -k       keep the logs of failed runs in ./natlab-failures/
# Output: a table on stdout (per case: passes, seconds per run, the sender's path per run as
# kind/method/family(time_ms), and the median time_ms of the runs that passed); exit 0 only when
# every run of every case passed.

set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=3
KEEP=0
# one lab case at a time on this machine, also against other runners (each run takes the lock)
LOCK=${NATLAB_LOCK:-/tmp/punchdrop-natlab.lock}
while getopts "n:k" opt; do
    case "$opt" in
        n) RUNS=$OPTARG ;;
        k) KEEP=1 ;;
        *) sed -n '/^# Usage/,/^# Output/p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
BIN=${1:?usage: matrix.sh [-n RUNS] [-k] PUNCHDROP_BINARY [CASE...]}
shift
CASES=("$@")
if [ ${#CASES[@]} -eq 0 ]; then
    CASES=(selftest prc-prc prc-full prc-arc full-full full-sym arc-sym sym-full prc-sym sym-sym
           same-nat cgn rst loss nat-timeout server-restart hostile)
fi

all_ok=0
total_start=$(date +%s)
printf '%-15s %-6s %-22s %s\n' CASE PASSED "SECONDS (each run)" "PATHS"
for c in "${CASES[@]}"; do
    passed=0
    times=()
    paths=()
    path_ms=()
    for ((r = 1; r <= RUNS; r++)); do
        log=$(mktemp "${TMPDIR:-/tmp}/natlab-matrix.XXXXXX")
        t0=$(date +%s%N)
        if [ "$c" = selftest ]; then
            flock "$LOCK" timeout 120 bash "$HERE/case_lab_selftest.sh" >"$log" 2>&1
        else
            flock "$LOCK" timeout 250 bash "$HERE/case_punch.sh" "$c" "$BIN" >"$log" 2>&1
        fi
        rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        times+=("$(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)))")
        # the sender's path, as the case printed it: "  path: kind=K method=M ..."
        p=$(sed -n 's/^  path: kind=\([^ ]*\) method=\([^ ]*\) family=\([^ ]*\) .*time_ms=\([^ ]*\).*/\1\/\2\/\3(\4ms)/p' "$log" | tail -n 1)
        if [ "$rc" = 0 ]; then
            passed=$((passed + 1))
            ms_path=$(sed -n 's/^  path: .*time_ms=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
            [ -n "$ms_path" ] && path_ms+=("$ms_path")
            paths+=("${p:-ok}")
        else
            all_ok=1
            reason=$(grep -m1 -E 'FAIL: ' "$log" | sed 's/.*FAIL: //' | cut -c1-60)
            paths+=("FAIL(${p:+$p, }rc $rc: ${reason:-see log})")
            if [ "$KEEP" = 1 ]; then
                mkdir -p natlab-failures
                cp "$log" "natlab-failures/$c-run$r.log"
            fi
        fi
        rm -f "$log"
    done
    median=-
    if [ ${#path_ms[@]} -gt 0 ]; then
        median=$(printf '%s\n' "${path_ms[@]}" | sort -n |
            awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    fi
    printf '%-15s %d/%-4d %-22s %s  median time_ms %s\n' "$c" "$passed" "$RUNS" "${times[*]}" \
        "${paths[*]}" "$median"
done
echo "total: $(($(date +%s) - total_start)) s for $RUNS run(s) of ${#CASES[@]} case(s)"
exit "$all_ok"
