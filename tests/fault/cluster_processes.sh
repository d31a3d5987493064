#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A server cluster as it is deployed: a redis-server and three `punchdrop --server --redis`
# processes on loopback (127.0.0.1, free ports), clients as `punchdrop send` / `receive`
# processes. In order:
#   1. bob receives on server 3; alice, on server 1, finds him by name and sends (direct);
#   2. the same, relay only: the relay runs on a server of the cluster and bob joins it;
#   3. server 1 is killed (SIGKILL); alice, given the list "server 1, server 2", registers with
#      server 2 and sends again;
#   4. Redis stops: carol on server 3 still gets a file from bob's server-mate dave (same server),
#      and alice's send to bob (another server) fails with the cluster's message;
#   5. Redis comes back (empty): the servers publish their devices again, alice sends to bob.
# Every received file is compared with its source (SHA-256).
#
# Usage: cluster_processes.sh PUNCHDROP_BINARY     (needs redis-server; exits 77 without it,
#                                                   fails instead under CI=true)
set -euo pipefail
PD=${1:?usage: cluster_processes.sh PUNCHDROP_BINARY}
export PUNCHDROP_NO_PORT_MAP=1

skip() {
    if [ "${CI:-}" = true ]; then echo "cluster_processes: FAIL: $1 (CI=true does not skip)" >&2; exit 1; fi
    echo "cluster_processes: SKIP: $1" >&2
    exit 77
}
command -v redis-server >/dev/null || skip "redis-server is not installed (scripts/install-deps.sh)"

TMP=$(mktemp -d /tmp/cluster_processes.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ "${CLUSTER_KEEP:-0}" = 1 ] && echo "kept: $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
    echo "cluster_processes: FAIL: $1" >&2
    local f
    for f in "$TMP"/*.log "$TMP"/*.out "$TMP"/*.err; do
        [ -f "$f" ] && { echo "---- $f" >&2; tail -n 15 "$f" >&2; }
    done
    exit 1
}
wait_for() { # wait_for SECS CMD...
    local end=$((SECONDS + $1)); shift
    until "$@"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.1; done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { ss -Htln "sport = :$1" | grep -q .; }

REDIS_PORT=$(free_port)
start_redis() {
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >>"$TMP/redis.log" 2>&1 &
    REDIS=$!; PIDS+=("$REDIS")
    wait_for 10 listening "$REDIS_PORT" || fail "redis-server does not listen"
}
start_redis
declare -A SPORT SPID
for n in 1 2 3; do
    SPORT[$n]=$(free_port)
    mkdir -p "$TMP/s$n"
    "$PD" --server --listen "127.0.0.1:${SPORT[$n]}" --alt-port "$(free_port)" --config-dir "$TMP/s$n" \
        --redis "redis://127.0.0.1:$REDIS_PORT" --redis-ttl 3 >"$TMP/s$n.log" 2>&1 &
    SPID[$n]=$!; PIDS+=("$!")
    wait_for 15 listening "${SPORT[$n]}" || fail "server $n does not listen"
done
joined() { [ "$(grep -c 'connected to Redis' "$TMP/s$1.log")" -ge "${2:-1}" ]; }
for n in 1 2 3; do wait_for 10 joined "$n" || fail "server $n did not join the cluster"; done

# receiver NAME SERVERS — a `receive --yes` process; waits for its `registered` event
receiver() {
    mkdir -p "$TMP/in-$1"
    "$PD" receive --server "$2" --config-dir "$TMP/c-$1" --name "$1" --dir "$TMP/in-$1" --yes --json \
        >"$TMP/$1.out" 2>"$TMP/$1.err" &
    PIDS+=("$!")
    wait_for 20 grep -q '"event":"registered"' "$TMP/$1.out" || fail "$1 did not register"
}
N=0
# send FROM SERVERS TO [ARGS...] — sends a new 2 MiB file; true when it arrived intact
send() {
    local from=$1 servers=$2 to=$3; shift 3
    N=$((N + 1))
    local file="$TMP/file$N.bin"
    head -c $((2 * 1024 * 1024)) /dev/urandom >"$file"
    timeout 60 "$PD" send --server "$servers" --config-dir "$TMP/c-$from" --name "$from" --to "$to" \
        --json --timeout 40 "$@" "$file" >"$TMP/send$N.out" 2>"$TMP/send$N.err" || return 1
    wait_for 10 test -f "$TMP/in-$to/file$N.bin" || return 1
    [ "$(sha256sum <"$file")" = "$(sha256sum <"$TMP/in-$to/file$N.bin")" ]
}
S1=127.0.0.1:${SPORT[1]} S2=127.0.0.1:${SPORT[2]} S3=127.0.0.1:${SPORT[3]}

receiver bob "$S3"
send alice "$S1" bob || fail "1: alice (server 1) could not send to bob (server 3)"
grep -q '"kind":"direct"' "$TMP/send$N.out" || fail "1: the path was not direct"
echo "cluster_processes: 1. alice on server 1 found bob on server 3 by name, sent directly"

send alice "$S1" bob --relay-only || fail "2: the relayed send across servers failed"
grep -q '"kind":"relay"' "$TMP/send$N.out" || fail "2: the path was not the relay"
relayed=$(grep -l 'relay session .* paired' "$TMP"/s?.log | xargs -n1 basename | tr '\n' ' ')
[ -n "$relayed" ] || fail "2: no server logged the relay session"
echo "cluster_processes: 2. relayed across servers (relay on: $relayed)"

kill -KILL "${SPID[1]}"
wait "${SPID[1]}" 2>/dev/null || true
send alice "$S1,$S2" bob || fail "3: after server 1 was killed, alice could not send through server 2"
grep -q "\"server\":\"$S2\"" "$TMP/send$N.out" || fail "3: alice did not register with server 2"
echo "cluster_processes: 3. server 1 killed: alice registered with server 2 and sent again"

receiver carol "$S3"
kill -TERM "$REDIS"
wait "$REDIS" 2>/dev/null || true
wait_for 10 grep -q "unreachable" "$TMP/s3.log" || fail "4: server 3 did not notice Redis going away"
send dave "$S3" carol || fail "4: with Redis down, a send between two clients of server 3 failed"
if send alice "$S2" bob; then fail "4: with Redis down, a send across servers worked"; fi
grep -q "Redis is unreachable" "$TMP/send$N.out" ||
    fail "4: the failed cross-server send did not say why"
echo "cluster_processes: 4. Redis down: same-server send ok, cross-server send refused with a clear error"

start_redis
for n in 2 3; do wait_for 15 joined "$n" 2 || fail "5: server $n did not rejoin"; done
wait_for 15 send alice "$S2" bob || fail "5: after Redis came back, alice could not send to bob"
echo "cluster_processes: 5. Redis back: devices published again, cross-server send ok"
echo "cluster_processes: PASS"
