#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One host name for two servers of a cluster: `--server multi.punchdrop.test:PORT`, where the
# name stands for 127.0.0.2 and 127.0.0.3 (a hosts file bind-mounted over /etc/hosts in a mount
# namespace of the client's own: nothing of the machine changes). Both servers share one
# identity, as docs/deploy.md describes, so the client's pin for the name holds for both. The
# client registers with one; that one stops; the client registers with the other by itself.
#
# Usage: hostname_failover.sh PUNCHDROP_BINARY      (root: unshare --mount; exits 77 otherwise,
#                                                    fails instead under CI=true)
set -euo pipefail
PD=${1:?usage: hostname_failover.sh PUNCHDROP_BINARY}
NAME=multi.punchdrop.test

skip() {
    if [ "${CI:-}" = true ]; then echo "hostname_failover: FAIL: $1 (CI=true does not skip)" >&2; exit 1; fi
    echo "hostname_failover: SKIP: $1" >&2
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (a mount namespace for the hosts file)"
command -v unshare >/dev/null || skip "unshare not found"

TMP=$(mktemp -d /tmp/hostname_failover.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
    echo "hostname_failover: FAIL: $1" >&2
    local f
    for f in "$TMP"/*.log "$TMP"/client.*; do
        [ -f "$f" ] && { echo "---- $f" >&2; tail -n 30 "$f" >&2; }
    done
    exit 1
}
# wait_for SECS CMD... — polls CMD every 0.1 s
wait_for() {
    local end=$((SECONDS + $1)); shift
    until "$@"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.1; done
}
listening() { ss -Htln "src $1 and sport = :$2" | grep -q .; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2",0)); print(s.getsockname()[1])')

# server A first: its identity is copied to B (one identity for the name)
mkdir -p "$TMP/a" "$TMP/b" "$TMP/c" "$TMP/in"
"$PD" --server --listen "127.0.0.2:$PORT" --config-dir "$TMP/a" >"$TMP/a.log" 2>&1 &
A=$!; PIDS+=("$A")
wait_for 15 listening 127.0.0.2 "$PORT" || fail "server A does not listen"
cp "$TMP/a/identity.key" "$TMP/b/identity.key"
"$PD" --server --listen "127.0.0.3:$PORT" --config-dir "$TMP/b" >"$TMP/b.log" 2>&1 &
B=$!; PIDS+=("$B")
wait_for 15 listening 127.0.0.3 "$PORT" || fail "server B does not listen"
ida=$(grep -o 'server id [A-Z0-9]*' "$TMP/a.log"); idb=$(grep -o 'server id [A-Z0-9]*' "$TMP/b.log")
[ -n "$ida" ] && [ "$ida" = "$idb" ] || fail "the servers do not share one identity ($ida / $idb)"

printf '127.0.0.2 %s\n127.0.0.3 %s\n' "$NAME" "$NAME" >"$TMP/hosts"
unshare --mount --propagation private bash -c \
    'mount --bind "$1" /etc/hosts && shift && exec "$@"' _ "$TMP/hosts" \
    env PUNCHDROP_NO_PORT_MAP=1 "$PD" receive --server "$NAME:$PORT" --config-dir "$TMP/c" \
    --dir "$TMP/in" --yes --json --name roamer >"$TMP/client.out" 2>"$TMP/client.err" &
C=$!; PIDS+=("$C")

registered() { [ "$(grep -c '"event":"registered"' "$TMP/client.out" 2>/dev/null)" -ge "$1" ]; }
wait_for 20 registered 1 || fail "the client did not register through $NAME"
grep -q "stands for 2 addresses" "$TMP/client.err" || fail "the client did not see two addresses for $NAME"
if grep -q 'registered .*roamer' "$TMP/a.log"; then first=A; stop=$A; other="$TMP/b.log"; else first=B; stop=$B; other="$TMP/a.log"; fi
grep -q 'registered .*roamer' "$TMP/${first,,}.log" || fail "neither server logged the registration"
echo "hostname_failover: registered with server $first through $NAME"

kill -TERM "$stop"
wait "$stop" 2>/dev/null || true
t0=$SECONDS
wait_for 20 registered 2 || fail "the client did not register again after server $first stopped"
grep -q 'registered .*roamer' "$other" || fail "the client registered again, but not with the other server"
grep -q "next address of $NAME" "$TMP/client.err" || fail "the client did not move to the name's next address"
echo "hostname_failover: PASS - after server $first stopped, registered with the other address of $NAME in $((SECONDS - t0)) s"
