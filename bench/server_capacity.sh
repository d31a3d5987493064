#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Server capacity on loopback: a real `punchdrop --server` (Release build) and
# punchdrop_bench_server_capacity (bench/server_capacity.cpp), which
#   1. registers CLIENTS idle clients (raw TLS control connections from 127.1.x.y source
#      addresses, CONCURRENCY handshakes in flight) and reads the server's VmRSS / VmHWM / CPU
#      time from /proc/PID once they are all registered,
#   2. then, with all of them still connected, times REQUESTS `connect` requests (mode
#      relay-only) between two extra ControlClients: request → the initiator's `go`.
# Goals (issue 3): server RSS ≤ 200 MiB, p99 signalling latency ≤ 50 ms.
#
# Usage: bench/server_capacity.sh [CLIENTS [REQUESTS [CONCURRENCY]]]   (default 10000 200 50)
# Env:   BENCH_BUILD=dir  build dir (default build/bench, Release; configured and built here)
#        BENCH_REGISTER_BUDGET_S=S  stop registering new idle clients after S s (default 0: never)
#        PUNCHDROP_BINARY=path  the server binary (default: punchdrop of BENCH_BUILD, built here)
#        BENCH_OUT=dir    where server.log and result.json go (default: a new /tmp dir)
#        BENCH_SPLIT=1    idle clients in one bench process (--idle-only, result-idle.json), the
#                         latency measurement in a second one: then the measuring clients'
#                         event loop does not also poll the N idle connections
set -euo pipefail

CLIENTS=${1:-10000}
REQUESTS=${2:-200}
CONCURRENCY=${3:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build/bench}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/server_capacity.XXXXXX)}
mkdir -p "$OUT"

# 10 000 connections in each process, plus a few: the server and the bench each need ~10 100 fds
NEED=$((CLIENTS + 1000))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
    ulimit -n "$NEED" 2>/dev/null || {
        echo "server_capacity: cannot raise 'ulimit -n' to $NEED (hard limit $(ulimit -Hn))" >&2
        exit 1
    }
fi

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
PD=${PUNCHDROP_BINARY:-}
if [ -z "$PD" ]; then
    cmake --build "$BUILD" --target punchdrop -j2 >/dev/null
    PD="$BUILD/src/app/punchdrop"
fi
cmake --build "$BUILD" --target punchdrop_bench_server_capacity -j2 >/dev/null
BENCH="$BUILD/bench/punchdrop_bench_server_capacity"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SERVER_PID=""
SAMPLER_PID=""
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
    [ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null || true
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

mkdir -p "$OUT/conf-server"
"$PD" --server --listen "127.0.0.1:$PORT" --max-clients $((CLIENTS + 100)) \
    --config-dir "$OUT/conf-server" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    ss -Htln "sport = :$PORT" | grep -q . && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
    sleep 0.1
done
ss -Htln "sport = :$PORT" | grep -q . || { echo "server_capacity: the server does not listen" >&2; exit 1; }

# the server's memory and CPU every 5 s while the bench runs (time_s, VmRSS KiB, utime+stime ticks)
sample() {
    local t0=$SECONDS
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        printf '%s\t%s\t%s\n' $((SECONDS - t0)) "$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")" \
            "$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")"
        sleep 5
    done
}
printf 'time_s\tvmrss_kib\tcpu_ticks\n' >"$OUT/server-samples.tsv"
sample >>"$OUT/server-samples.tsv" 2>/dev/null &
SAMPLER_PID=$!

echo "server_capacity: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r)," \
    "server pid $SERVER_PID on 127.0.0.1:$PORT, $CLIENTS clients, $REQUESTS requests" >&2
set +e
if [ "${BENCH_SPLIT:-0}" = 1 ]; then
    "$BENCH" --server "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --clients "$CLIENTS" \
        --requests "$REQUESTS" --concurrency "$CONCURRENCY" \
        --register-budget-s "${BENCH_REGISTER_BUDGET_S:-0}" --idle-only >"$OUT/result-idle.json" &
    IDLE_PID=$!
    while kill -0 "$IDLE_PID" 2>/dev/null && ! [ -s "$OUT/result-idle.json" ]; do sleep 1; done
    cat "$OUT/result-idle.json"
    "$BENCH" --server "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --clients 0 \
        --requests "$REQUESTS" | tee "$OUT/result.json"
    rc=${PIPESTATUS[0]}
    kill "$IDLE_PID" 2>/dev/null
    wait "$IDLE_PID" 2>/dev/null
else
    "$BENCH" --server "127.0.0.1:$PORT" --server-pid "$SERVER_PID" --clients "$CLIENTS" \
        --requests "$REQUESTS" --concurrency "$CONCURRENCY" --register-budget-s "${BENCH_REGISTER_BUDGET_S:-0}" | tee "$OUT/result.json"
    rc=${PIPESTATUS[0]}
fi
set -e
kill -0 "$SERVER_PID" 2>/dev/null || echo "server_capacity: the server died (see $OUT/server.log)" >&2
echo "server_capacity: result in $OUT/result.json, server log $OUT/server.log (exit $rc)" >&2
exit "$rc"
