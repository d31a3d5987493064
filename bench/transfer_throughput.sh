#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/transfer_throughput.sh [BUILD_DIR] [SIZE_MIB]
# A SIZE_MIB file (default 2048), tmpfs → tmpfs over loopback: PunchDrop (TLS 1.3 + XXH3-128 on
# both sides, two processes) vs socat copying the same file, in the same run. Prints throughput,
# the ratio and each side's peak RSS (/usr/bin/time -v). Results go in docs/benchmarks-transfer.md.
set -euo pipefail
# On loopback: no engine asks the machine's real gateway for a port mapping.
export PUNCHDROP_NO_PORT_MAP=1
BUILD="${1:-build/transfer}"
SIZE_MIB="${2:-2048}"
BENCH="$BUILD/bench/transfer_bench"
[ -x "$BENCH" ] || { echo "build the transfer_bench target first ($BENCH)"; exit 2; }
command -v socat >/dev/null || { echo "socat is needed"; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed"; exit 2; }
SHM="${TMPFS:-/dev/shm}"
WORK="$(mktemp -d "$SHM/punchdrop-bench-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SRC="$WORK/payload.bin"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$SRC"
BYTES=$(stat -c %s "$SRC")
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# socat: plain TCP, no encryption, no hashing. Default 8 KiB blocks, and 256 KiB blocks (our
# chunk size) so the comparison is not flattered by socat's small default.
socat_run() {
    local P; P=$(port)
    socat -u $1 TCP-LISTEN:"$P",reuseaddr,bind=127.0.0.1 OPEN:"$WORK/socat.out",creat,trunc &
    local pid=$!
    sleep 0.3
    local t0; t0=$(now_ms)
    socat -u $1 OPEN:"$SRC" TCP:127.0.0.1:"$P"
    wait "$pid"
    local t1; t1=$(now_ms)
    cmp -s "$SRC" "$WORK/socat.out" || { echo "socat copy differs"; exit 1; }
    rm -f "$WORK/socat.out"
    echo $((t1 - t0))
}
SOCAT_MS=$(socat_run "")
SOCAT_BIG_MS=$(socat_run "-b 262144")

# PunchDrop: receiver and sender in separate processes.
P=$(port)
mkdir -p "$WORK/dst"
/usr/bin/time -v "$BENCH" receive "$P" "$WORK/dst" 2> "$WORK/recv.time" &
RECV_PID=$!
T0=$(now_ms)
/usr/bin/time -v "$BENCH" send "$P" "$SRC" > "$WORK/send.out" 2> "$WORK/send.time"
wait "$RECV_PID"
T1=$(now_ms)
PD_MS=$((T1 - T0))
cmp -s "$SRC" "$WORK/dst/payload.bin" || { echo "PunchDrop copy differs"; exit 1; }
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
mbps() { awk -v b="$BYTES" -v ms="$1" 'BEGIN { printf "%.0f", b / 1e6 / (ms / 1000) }'; }
echo "size:               $SIZE_MIB MiB ($BYTES bytes), tmpfs $SHM, loopback, $(nproc) cores"
echo "socat (8 KiB):      ${SOCAT_MS} ms, $(mbps "$SOCAT_MS") MB/s"
echo "socat -b 262144:    ${SOCAT_BIG_MS} ms, $(mbps "$SOCAT_BIG_MS") MB/s"
echo "punchdrop (TLS+XXH3): ${PD_MS} ms, $(mbps "$PD_MS") MB/s (incl. TLS handshake and key generation)"
echo "ratio:              $(awk -v a="$SOCAT_MS" -v b="$PD_MS" 'BEGIN { printf "%.0f %%", 100 * a / b }') of socat (8 KiB), $(awk -v a="$SOCAT_BIG_MS" -v b="$PD_MS" 'BEGIN { printf "%.0f %%", 100 * a / b }') of socat -b 262144"
echo "peak RSS sender:    $(rss "$WORK/send.time") KiB"
echo "peak RSS receiver:  $(rss "$WORK/recv.time") KiB"
# CPU seconds say more than wall time on a shared machine: both ends share the same 2 cores.
cpu() { awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f s user + %.2f s sys", u, s}' "$1"; }
echo "CPU sender:         $(cpu "$WORK/send.time")"
echo "CPU receiver:       $(cpu "$WORK/recv.time")"
echo "sender's own clock: $(awk '{printf "%d ms, %.0f MB/s (transfer only: offer to last verdict)", $2, $1 / 1e6 / ($2 / 1000)}' "$WORK/send.out")"
echo "load average:       $(cut -d' ' -f1-3 /proc/loadavg)"
