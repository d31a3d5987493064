#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Server cluster capacity on loopback (issue 17): a redis-server, three `punchdrop --server
# --redis` processes (Release build) and punchdrop_bench_server_capacity
# (bench/server_capacity.cpp), which
#   1. registers CLIENTS/3 idle clients with each server (three --idle-only bench processes,
#      one per server, CONCURRENCY handshakes in flight each) and holds them,
#   2. then times REQUESTS `connect` requests from a client on server 1 to one on server 3 (each
#      crosses servers: lookup in Redis, intro over pub/sub, both RTT probes, go), back to back
#      and with 100 ms gaps, and REQUESTS lookups of the server-3 client's name from server 1,
#   3. reads every server's VmRSS / VmHWM and Redis' used_memory and key count.
# Goals (issue 17): cross-server introduction p99 ≤ 50 ms at 30 000 clients, RSS per server
# ≤ 200 MiB. The single-server figures are in docs/benchmarks-server.md (bench/server_capacity.sh).
#
# Usage: bench/cluster_capacity.sh [CLIENTS [REQUESTS [CONCURRENCY]]]   (default 30000 200 50)
# Env:   BENCH_BUILD=dir  build dir (default build/bench, Release; configured and built here)
#        BENCH_OUT=dir    where the logs and JSON go (default: a new /tmp dir)
#        BENCH_REGISTER_BUDGET_S=S  each idle process stops opening clients after S s (default 0)
set -euo pipefail

CLIENTS=${1:-30000}
REQUESTS=${2:-200}
CONCURRENCY=${3:-50}
PER_SERVER=$((CLIENTS / 3))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build/bench}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/cluster_capacity.XXXXXX)}
mkdir -p "$OUT"

NEED=$((PER_SERVER + 1000))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
    ulimit -n "$NEED" 2>/dev/null || {
        echo "cluster_capacity: cannot raise 'ulimit -n' to $NEED (hard limit $(ulimit -Hn))" >&2
        exit 1
    }
fi
command -v redis-server >/dev/null || { echo "cluster_capacity: redis-server is not installed (scripts/install-deps.sh)" >&2; exit 1; }

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPUNCHDROP_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" --target punchdrop punchdrop_bench_server_capacity -j2 >/dev/null
PD="$BUILD/src/app/punchdrop"
BENCH="$BUILD/bench/punchdrop_bench_server_capacity"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
wait_listening() { # wait_listening PORT PID LOG
    for _ in $(seq 150); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        kill -0 "$2" 2>/dev/null || { cat "$3" >&2; exit 1; }
        sleep 0.1
    done
    echo "cluster_capacity: nothing listens on port $1" >&2
    exit 1
}

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_listening "$REDIS_PORT" "$REDIS_PID" "$OUT/redis.log"

PORTS=()
SERVER_PIDS=()
for n in 1 2 3; do
    port=$(free_port)
    alt=$(free_port)
    mkdir -p "$OUT/conf-server$n"
    "$PD" --server --listen "127.0.0.1:$port" --alt-port "$alt" --max-clients $((PER_SERVER + 100)) \
        --config-dir "$OUT/conf-server$n" --redis "redis://127.0.0.1:$REDIS_PORT" \
        >"$OUT/server$n.log" 2>&1 &
    SERVER_PIDS+=($!)
    PIDS+=($!)
    PORTS+=("$port")
    wait_listening "$port" "$!" "$OUT/server$n.log"
done
echo "cluster_capacity: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, redis on $REDIS_PORT, servers on" \
    "${PORTS[*]} (pids ${SERVER_PIDS[*]}), $CLIENTS idle clients, $REQUESTS requests" >&2

# 1. the idle clients, one bench process per server, all at once
IDLE_PIDS=()
for n in 0 1 2; do
    "$BENCH" --server "127.0.0.1:${PORTS[$n]}" --server-pid "${SERVER_PIDS[$n]}" \
        --clients "$PER_SERVER" --concurrency "$CONCURRENCY" \
        --register-budget-s "${BENCH_REGISTER_BUDGET_S:-0}" --idle-only \
        >"$OUT/result-idle$((n + 1)).json" 2>"$OUT/bench-idle$((n + 1)).log" &
    IDLE_PIDS+=($!)
    PIDS+=($!)
done
T0=$SECONDS
for n in 0 1 2; do
    while kill -0 "${IDLE_PIDS[$n]}" 2>/dev/null && ! [ -s "$OUT/result-idle$((n + 1)).json" ]; do sleep 1; done
    [ -s "$OUT/result-idle$((n + 1)).json" ] || { echo "cluster_capacity: idle process $((n + 1)) failed" >&2; cat "$OUT/bench-idle$((n + 1)).log" >&2; exit 1; }
done
echo "cluster_capacity: idle clients registered in $((SECONDS - T0)) s" >&2

# 2. cross-server connects and lookups: alice on server 1, bob on server 3
set +e
"$BENCH" --server "127.0.0.1:${PORTS[0]}" --peer-server "127.0.0.1:${PORTS[2]}" \
    --server-pid "${SERVER_PIDS[0]}" --clients 0 --requests "$REQUESTS" --mode auto \
    >"$OUT/result.json" 2>"$OUT/bench.log"
rc=$?
set -e

# 3. memory: every server, Redis
rss() { awk -v k="$2" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
SUMMARY="{\"clients\":$CLIENTS,\"servers\":["
for n in 0 1 2; do
    pid=${SERVER_PIDS[$n]}
    registered=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["registered"])' "$OUT/result-idle$((n + 1)).json")
    [ "$n" = 0 ] || SUMMARY+=","
    SUMMARY+="{\"port\":${PORTS[$n]},\"idle_registered\":$registered,\"rss_mib\":$(rss "$pid" VmRSS),\"hwm_mib\":$(rss "$pid" VmHWM)}"
done
redis_mem=$(redis-cli -p "$REDIS_PORT" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
redis_keys=$(redis-cli -p "$REDIS_PORT" dbsize)
redis_rss=$(rss "$REDIS_PID" VmRSS)
SUMMARY+="],\"redis_used_memory_mib\":$(awk -v b="$redis_mem" 'BEGIN { printf "%.1f", b / 1048576 }'),\"redis_rss_mib\":$redis_rss,\"redis_keys\":$redis_keys}"
echo "$SUMMARY" | tee "$OUT/summary.json"
cat "$OUT/result.json"
python3 - "$OUT/result.json" <<'PY' >&2 || true
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("connect_latency_back_to_back", "connect_latency_gap", "lookup_latency"):
    v = r.get(k, {})
    print(f"cluster_capacity: {k}: p50 {v.get('p50')} ms, p95 {v.get('p95')} ms, p99 {v.get('p99')} ms, max {v.get('max')} ms")
PY
echo "cluster_capacity: results in $OUT (exit $rc)" >&2
exit "$rc"
