#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Time from `punchdrop send` to connected, in the NAT lab (tests/natlab/lab.sh: real NAT routers
# in network namespaces, real punchdrop processes). One lab for the whole run:
#
#   srv 198.51.100.10:8877   punchdrop --server
#   ha  behind ra (prc)      alice, the sender in every run
#   hb  behind rb (prc)      bob for the pair prc×prc  → expected direct / tcp-punch
#   hc  behind rc (sym)      bob for the pair prc×sym  → expected relay
#
# Per run: a fresh `punchdrop receive --once` on bob's host (waits for its `registered` event),
# then `punchdrop send` of a small file from alice. From the sender's JSON `path` event it takes
# kind, method, time_ms (connect request → selected, authenticated connection) and rtt_ms; from
# the sender's stderr the info line "direct path to R via E … after N attempt(s)" and the debug
# lines "attempt to E refused/timed out" (a first-attempt punch: no failed dial to the winning
# endpoint E before it won; N counts the dials to every candidate, public and private, so N alone
# cannot tell); and whether the file
# arrived intact (SHA-256). Then per pair: median, p95, min, max of time_ms, the share of direct
# paths and of first-attempt punches, and the share of completed transfers.
#
# Usage: sudo bench/punch_latency.sh [-n RUNS] [-o OUTDIR] [PUNCHDROP_BINARY]
#   RUNS      runs per pair (default 20)
#   OUTDIR    where runs.tsv, summary.md and the logs of every run go (default: a new /tmp dir)
#   binary    default: $PUNCHDROP_BINARY, else a Release build in build/bench (built if missing)
# Environment: BENCH_VERBOSE=0 (no punchdrop --verbose; the first-attempt column then stays
#              empty, it needs the debug lines "attempt to … refused/timed out"),
#              BENCH_PAYLOAD_KIB (default 256),
#              BENCH_PAIRS (default "prc-prc prc-sym").

# shellcheck disable=SC2317 # functions run through lab_wait_for
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/natlab/lab.sh
. "$ROOT/tests/natlab/lab.sh"

RUNS=20
OUTDIR=""
while getopts "n:o:h" opt; do
    case $opt in
        n) RUNS=$OPTARG ;;
        o) OUTDIR=$OPTARG ;;
        *) sed -n '/^# Usage/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "punch_latency: -n wants a positive number" >&2; exit 2; }

PD=${1:-${PUNCHDROP_BINARY:-}}
if [ -z "$PD" ]; then
    PD="$ROOT/build/bench/src/app/punchdrop"
    if [ ! -x "$PD" ]; then
        echo "punch_latency: building a Release punchdrop in build/bench" >&2
        if ! { cmake -S "$ROOT" -B "$ROOT/build/bench" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
            cmake --build "$ROOT/build/bench" --target punchdrop -j2 >/dev/null; }; then
            echo "punch_latency: build failed" >&2
            exit 1
        fi
    fi
fi
[ -x "$PD" ] || { echo "punch_latency: punchdrop binary '$PD' not found" >&2; exit 1; }
PD=$(cd "$(dirname "$PD")" && pwd)/$(basename "$PD")

PORT=8877
SERVER="$LAB_SERVER_IP:$PORT"
PAYLOAD_KIB=${BENCH_PAYLOAD_KIB:-256}
PAIRS=${BENCH_PAIRS:-"prc-prc prc-sym"}
VERBOSE=()
[ "${BENCH_VERBOSE:-1}" = 1 ] && VERBOSE=(--verbose)
[ -n "$OUTDIR" ] || OUTDIR=$(mktemp -d /tmp/punch_latency.XXXXXX)
mkdir -p "$OUTDIR/logs"
TSV="$OUTDIR/runs.tsv"

# JSON lines of the CLI (one flat object per line), read without python
events() { grep -E "\"event\"[[:space:]]*:[[:space:]]*\"$2\"" "$1" 2>/dev/null; }
field() {
    sed -n -E "s/.*\"$1\"[[:space:]]*:[[:space:]]*(\"([^\"]*)\"|([-0-9.eE+]+|true|false|null)).*/\2\3/p" |
        head -n 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

lab_init
lab_add_server || { echo "punch_latency: cannot build the server namespace" >&2; exit 1; }
for node in "ra prc" "rb prc" "rc sym"; do
    # shellcheck disable=SC2086 # NAME TYPE
    lab_add_router $node || { echo "punch_latency: cannot build router $node" >&2; exit 1; }
done
for node in "ha ra" "hb rb" "hc rc"; do
    # shellcheck disable=SC2086 # NAME ROUTER
    lab_add_host $node || { echo "punch_latency: cannot build host $node" >&2; exit 1; }
done

mkdir -p "$LAB_DIR/conf-server" "$LAB_DIR/conf-alice" "$LAB_DIR/conf-bob"
lab_spawn srv "$OUTDIR/logs/server.log" "$PD" --server "${VERBOSE[@]}" --listen "$SERVER" \
    --config-dir "$LAB_DIR/conf-server"
SERVER_PID=$LAB_LAST_PID
lab_wait_for 15 lab_listening srv "$PORT"
lab_listening srv "$PORT" || { echo "punch_latency: the server does not listen" >&2; cat "$OUTDIR/logs/server.log" >&2; exit 1; }

PAYLOAD="$LAB_DIR/payload.bin"
head -c $((PAYLOAD_KIB * 1024)) /dev/urandom >"$PAYLOAD"
PAYLOAD_SHA=$(sha256sum "$PAYLOAD" | cut -d' ' -f1)

receiver_registered() { # FILE PID
    [ "$(events "$1" registered | wc -l)" -ge 1 ] && return 0
    lab_alive "$2" || return 0
    return 1
}

printf 'pair\trun\tkind\tmethod\ttime_ms\trtt_ms\tattempts\tsend_exit\ttransfer\twall_ms\tfailed_dials_to_winner\n' >"$TSV"

# one_run PAIR RUN BOBHOST
one_run() {
    local pair=$1 run=$2 bobhost=$3 tag="$1-$2"
    local rout="$OUTDIR/logs/$tag-receiver.jsonl" rerr="$OUTDIR/logs/$tag-receiver.err"
    local sout="$OUTDIR/logs/$tag-sender.jsonl" serr="$OUTDIR/logs/$tag-sender.err"
    local inbox="$LAB_DIR/inbox-$tag"
    mkdir -p "$inbox"
    lab_spawn -e "$rerr" "$bobhost" "$rout" "$PD" receive "${VERBOSE[@]}" --server "$SERVER" --yes \
        --once --json --dir "$inbox" --name bob --config-dir "$LAB_DIR/conf-bob"
    local rpid=$LAB_LAST_PID
    lab_wait_for 30 receiver_registered "$rout" "$rpid"
    if [ "$(events "$rout" registered | wc -l)" -lt 1 ]; then
        echo "  $tag: the receiver did not register (see $rerr)" >&2
        lab_stop "$rpid" 5
        printf '%s\t%s\tno-receiver\t-\t-\t-\t-\t-\tno\t-\t-\n' "$pair" "$run" >>"$TSV"
        return
    fi
    local t0
    t0=$(now_ms)
    lab_spawn -e "$serr" ha "$sout" "$PD" send "${VERBOSE[@]}" --server "$SERVER" --to bob --json \
        --timeout 60 --name alice --config-dir "$LAB_DIR/conf-alice" "$PAYLOAD"
    local spid=$LAB_LAST_PID src rrc
    lab_wait_pid "$spid" 80
    src=$?
    local wall=$(($(now_ms) - t0))
    [ "$src" = 124 ] && lab_stop "$spid" 5
    lab_wait_pid "$rpid" 20
    rrc=$?
    [ "$rrc" = 124 ] && lab_stop "$rpid" 5

    local ev kind method tms rtt attempts transfer=no got
    ev=$(events "$sout" path | tail -n 1)
    kind=$(field kind <<<"$ev")
    method=$(field method <<<"$ev")
    tms=$(field time_ms <<<"$ev")
    rtt=$(field rtt_ms <<<"$ev")
    attempts=$(sed -n -E 's/.*direct path to .* after ([0-9]+) attempt\(s\).*/\1/p' "$serr" | tail -n 1)
    local winner failed=-
    winner=$(sed -n -E 's/.*direct path to [^ ]+ via ([^ ]+) .*/\1/p' "$serr" | tail -n 1)
    if [ -n "$winner" ] && [ ${#VERBOSE[@]} -gt 0 ]; then
        failed=$(grep -c -E "attempt to \"?${winner//./\\.}\"? (refused|timed out)" "$serr")
    fi
    got="$inbox/$(basename "$PAYLOAD")"
    if [ "$src" = 0 ] && [ -f "$got" ] && [ "$(sha256sum "$got" | cut -d' ' -f1)" = "$PAYLOAD_SHA" ]; then
        transfer=yes
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pair" "$run" "${kind:-none}" "${method:--}" \
        "${tms:--}" "${rtt:--}" "${attempts:--}" "$src" "$transfer" "$wall" "$failed" >>"$TSV"
    echo "  $tag: path ${kind:-none}/${method:--} time_ms=${tms:--} rtt_ms=${rtt:--}" \
        "attempts=${attempts:--} failed_dials_to_winner=$failed sender_exit=$src transfer=$transfer (wall $wall ms)" >&2
    rm -rf "$inbox"
}

T0=$(now_ms)
for pair in $PAIRS; do
    case $pair in
        prc-prc) bobhost=hb ;;
        prc-sym) bobhost=hc ;;
        *) echo "punch_latency: unknown pair $pair (prc-prc, prc-sym)" >&2; exit 2 ;;
    esac
    echo "punch_latency: $pair, $RUNS runs" >&2
    for run in $(seq 1 "$RUNS"); do
        one_run "$pair" "$run" "$bobhost"
    done
done
lab_alive "$SERVER_PID" || echo "punch_latency: WARNING: the server died during the runs" >&2

# ---- summary: per pair, over the runs that printed a `path` event
summarize() { # PAIR
    awk -F'\t' -v pair="$1" '
        NR > 1 && $1 == pair {
            runs++
            if ($9 == "yes") ok++
            if ($5 != "-") { t[++n] = $5 + 0; if ($3 == "direct") direct++ }
            if ($11 != "-") { punched++; if ($11 == 0) first++ }
        }
        function pct(p,   r) { r = int(p / 100 * n + 0.999999); if (r < 1) r = 1; return t[r] }
        END {
            # insertion sort, n is small
            for (i = 2; i <= n; i++) { v = t[i]; j = i - 1; while (j > 0 && t[j] > v) { t[j + 1] = t[j]; j-- } t[j + 1] = v }
            if (n == 0) { printf "| %s | %d | 0 | – | – | – | – | – | – | %d/%d |\n", pair, runs, ok, runs; exit }
            printf "| %s | %d | %d | %d | %d | %d | %d | %d/%d (%.0f %%) | %s | %d/%d |\n", pair, runs, n,
                pct(50), pct(95), t[1], t[n], direct, n, 100 * direct / n,
                (punched ? sprintf("%d/%d (%.0f %%)", first, punched, 100 * first / punched) : "n/a (no punch)"),
                ok, runs
        }' "$TSV"
}
{
    echo "punch_latency: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), $RUNS runs per pair, payload $PAYLOAD_KIB KiB, $((($(now_ms) - T0) / 1000)) s"
    echo
    echo "| pair (sender×receiver) | runs | with path | median ms | p95 ms | min ms | max ms | direct | first punch attempt | transfer ok |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for pair in $PAIRS; do summarize "$pair"; done
    echo
    echo "Raw runs: $TSV"
} | tee "$OUTDIR/summary.md"
exit 0
