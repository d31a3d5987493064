#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Relay throughput on loopback: pushes SIZE_MIB through
#   1. a direct loopback TCP connection (the ceiling),
#   2. a `socat TCP-LISTEN … TCP:…` forwarder (what a dumb userspace relay costs),
#   3. a PunchDrop relay session of `punchdrop --server` (Release build),
# in the same run, and prints one line per case (MiB/s, seconds).
#
# The relay token comes from punchdrop_bench_relay_pair (bench/relay_pair.cpp: two real
# ControlClients register over the control link and ask for a relay-only introduction); the
# pump is a small Python client embedded below that joins the relay twice with that token and
# pumps bytes one way.
#
# Usage: bench/relay_throughput.sh [SIZE_MIB]   (default 2048)
# Env:   PUNCHDROP_BINARY=path  skip the Release build and use this binary
#        BENCH_BUILD=dir        build dir for the relay-pair helper (default build/bench-relay)
#        RELAY_RATE=BYTES_PER_S start the server with --relay-rate (default: unlimited)
set -euo pipefail
# On loopback: no engine asks the machine's real gateway for a port mapping.
export PUNCHDROP_NO_PORT_MAP=1

SIZE_MIB=${1:-2048}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v socat >/dev/null || { echo "needs socat (apt-get install socat)" >&2; exit 1; }

BUILD=${BENCH_BUILD:-$ROOT/build/bench-relay}
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPUNCHDROP_BUILD_TESTS=OFF >/dev/null
fi
if [[ -z "${PUNCHDROP_BINARY:-}" ]]; then
    cmake --build "$BUILD" --target punchdrop -j2 >/dev/null
    PUNCHDROP_BINARY="$BUILD/src/app/punchdrop"
fi
cmake --build "$BUILD" --target punchdrop_bench_relay_pair -j2 >/dev/null
RELAY_PAIR="$BUILD/bench/punchdrop_bench_relay_pair"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cat > "$WORK/peer.py" <<'PY'
import socket, sys, threading, time

CHUNK = 1 << 20

def recv_exact(s, n):
    data = b''
    while len(data) < n:
        part = s.recv(n - len(data))
        if not part: raise ConnectionError('closed')
        data += part
    return data

def pump(src, dst, size):
    """Sends size bytes from src, reads them at dst; returns seconds."""
    payload = memoryview(bytearray(CHUNK))
    done = threading.Event(); got = [0]
    def reader():
        buf = bytearray(CHUNK); view = memoryview(buf)
        while got[0] < size:
            n = dst.recv_into(view)
            if n == 0: break
            got[0] += n
        done.set()
    t = threading.Thread(target=reader); t.start()
    start = time.perf_counter(); left = size
    while left > 0:
        n = src.send(payload[:min(CHUNK, left)]); left -= n
    done.wait(); t.join()
    if got[0] != size: raise RuntimeError(f'received {got[0]} of {size}')
    return time.perf_counter() - start

def report(name, size, seconds):
    print(f'{name:<28} {size / seconds / (1 << 20):9.0f} MiB/s  {seconds:7.2f} s  ({size >> 20} MiB)', flush=True)

def main():
    mode, size = sys.argv[1], int(sys.argv[2]) << 20
    if mode == 'relay':
        port, token = int(sys.argv[3]), bytes.fromhex(sys.argv[4])
        ends = []
        for _ in range(2):
            r = socket.create_connection(('127.0.0.1', port)); r.sendall(b'PDRL\x01' + token); ends.append(r)
        for r in ends:
            if recv_exact(r, 1) != b'\x01': raise RuntimeError('relay refused')
        report('punchdrop relay', size, pump(ends[0], ends[1], size))
    else:  # direct / forwarded: connect to a listener, optionally through a forwarder
        listen_port, connect_port = int(sys.argv[3]), int(sys.argv[4])
        server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(('127.0.0.1', listen_port)); server.listen(1)
        for _ in range(50):
            try: src = socket.create_connection(('127.0.0.1', connect_port)); break
            except ConnectionRefusedError: time.sleep(0.1)
        dst, _ = server.accept()
        report(mode, size, pump(src, dst, size))

main()
PY

echo "# $(date -u +%FT%TZ)  $(nproc) CPU  $(uname -r)  ${SIZE_MIB} MiB one way"

P1=$(free_port)
python3 "$WORK/peer.py" "direct loopback TCP" "$SIZE_MIB" "$P1" "$P1"

P2=$(free_port); P3=$(free_port)
socat "TCP-LISTEN:$P2,bind=127.0.0.1,reuseaddr" "TCP:127.0.0.1:$P3" & PIDS+=($!)
python3 "$WORK/peer.py" "socat forwarder" "$SIZE_MIB" "$P3" "$P2"

P4=$(free_port)
SERVER_ARGS=(--server --listen "127.0.0.1:$P4" --config-dir "$WORK/server")
[[ -n "${RELAY_RATE:-}" ]] && SERVER_ARGS+=(--relay-rate "$RELAY_RATE")
"$PUNCHDROP_BINARY" "${SERVER_ARGS[@]}" 2> "$WORK/server.log" & PIDS+=($!)
for _ in $(seq 50); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
grep -q "listening on" "$WORK/server.log" || { cat "$WORK/server.log" >&2; exit 1; }
TOKEN=$("$RELAY_PAIR" "127.0.0.1:$P4") || { echo "no relay token" >&2; cat "$WORK/server.log" >&2; exit 1; }
python3 "$WORK/peer.py" relay "$SIZE_MIB" "$P4" "$TOKEN"
kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" || true
grep -E "relay session .* ended" "$WORK/server.log" | sed 's/^/# server: /'
