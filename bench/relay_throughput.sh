#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Relay throughput on loopback: pushes SIZE_MIB through
#   1. a direct loopback TCP connection (the ceiling),
#   2. a `socat TCP-LISTEN … TCP:…` forwarder (what a dumb userspace relay costs),
#   3. a PunchDrop relay session of `punchdrop --server` (Release build),
# in the same run, and prints one line per case (MiB/s, seconds).
#
# The two relay peers are a small Python client embedded below: it registers two devices over
# TLS 1.3 with client certificates (made with openssl), asks for a relay-only introduction, takes
# the token from `go`, joins the relay twice and pumps bytes one way.
#
# Usage: bench/relay_throughput.sh [SIZE_MIB]   (default 2048)
# Env:   PUNCHDROP_BINARY=path  skip the Release build and use this binary
#        RELAY_RATE=BYTES_PER_S start the server with --relay-rate (default: unlimited)
set -euo pipefail

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
command -v openssl >/dev/null || { echo "needs openssl" >&2; exit 1; }

if [[ -z "${PUNCHDROP_BINARY:-}" ]]; then
    BUILD="$ROOT/build/bench-relay"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPUNCHDROP_BUILD_TESTS=OFF >/dev/null
    cmake --build "$BUILD" --target punchdrop -j2 >/dev/null
    PUNCHDROP_BINARY="$BUILD/src/app/punchdrop"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for who in a b; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench-$who" \
        -keyout "$WORK/$who.key" -out "$WORK/$who.crt" 2>/dev/null
done

cat > "$WORK/peer.py" <<'PY'
import socket, ssl, struct, sys, threading, time

CHUNK = 1 << 20

def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    for size, code, fmt in ((1, 24, '>B'), (2, 25, '>H'), (4, 26, '>I'), (8, 27, '>Q')):
        if n < 1 << (8 * size): return bytes([major << 5 | code]) + struct.pack(fmt, n)

def enc(v):
    if v is True: return b'\xf5'
    if v is False: return b'\xf4'
    if isinstance(v, int): return head(0, v)
    if isinstance(v, bytes): return head(2, len(v)) + v
    if isinstance(v, str): b = v.encode(); return head(3, len(b)) + b
    if isinstance(v, list): return head(4, len(v)) + b''.join(enc(x) for x in v)
    if isinstance(v, dict): return head(5, len(v)) + b''.join(enc(k) + enc(x) for k, x in v.items())
    raise TypeError(v)

def dec(b, i=0):
    major, info = b[i] >> 5, b[i] & 31; i += 1
    if info < 24: n = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]; n = int.from_bytes(b[i:i + size], 'big'); i += size
    if major == 0: return n, i
    if major == 1: return -1 - n, i
    if major == 2: return bytes(b[i:i + n]), i + n
    if major == 3: return b[i:i + n].decode(), i + n
    if major == 4:
        out = []
        for _ in range(n): x, i = dec(b, i); out.append(x)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n): k, i = dec(b, i); out[k], i = dec(b, i)
        return out, i
    if major == 7: return {20: False, 21: True, 22: None}[info], i
    raise ValueError('unsupported CBOR')

def recv_exact(s, n):
    data = b''
    while len(data) < n:
        part = s.recv(n - len(data))
        if not part: raise ConnectionError('closed')
        data += part
    return data

def send(s, msg):
    body = enc(msg); s.sendall(struct.pack('>I', len(body)) + body)

def until(s, kind):
    while True:
        n = struct.unpack('>I', recv_exact(s, 4))[0]
        msg, _ = dec(recv_exact(s, n))
        if msg['t'] == 'ping': send(s, {'t': 'pong', 'nonce': msg['nonce']})
        elif msg['t'] == kind: return msg
        elif msg['t'] in ('error', 'connect-error'): raise RuntimeError(msg)

def control(port, who, workdir):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(f'{workdir}/{who}.crt', f'{workdir}/{who}.key')
    s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port)))
    send(s, {'t': 'hello', 'v': 1, 'name': 'bench-' + who, 'private': []})
    return s, until(s, 'welcome')

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
        port, workdir = int(sys.argv[3]), sys.argv[4]
        a, wa = control(port, 'a', workdir); b, wb = control(port, 'b', workdir)
        send(a, {'t': 'connect', 'req': 1, 'target': wb['id'], 'mode': 'relay-only'})
        ga = until(a, 'go')
        gb_holder = {}
        tb = threading.Thread(target=lambda: gb_holder.setdefault('go', until(b, 'go'))); tb.start(); tb.join(10)
        token = ga['token']
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
python3 "$WORK/peer.py" relay "$SIZE_MIB" "$P4" "$WORK"
kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" || true
grep -E "relay session .* ended" "$WORK/server.log" | sed 's/^/# server: /'
