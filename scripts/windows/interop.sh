#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# scripts/windows/interop.sh NATIVE WINDOWS_EXE — the Windows build against the Linux build, on
# loopback, through the server's relay (the direct path on loopback cannot show a punch):
#
#   A  WINDOWS_EXE --server under Wine; two native Linux clients: bob receives, alice sends a
#      file (--relay-only), so the relay that carries it is the Windows program's;
#   B  a native Linux server; bob (Linux) receives, alice is WINDOWS_EXE under Wine and sends a
#      20 MiB file (--relay-only).
#
# Each file must arrive with the SHA-256 of its source. Prints one verdict line per case and
# exits 1 if either failed. NATIVE is a Linux punchdrop, WINDOWS_EXE a cross-built punchdrop.exe
# whose DLLs Wine finds (beside it, or through WINEPATH). Wine's environment (WINEPREFIX, ...)
# is the caller's. INTEROP_KEEP=1 keeps the work folder.
set -u

NATIVE=${1:?usage: $0 native-punchdrop windows-punchdrop.exe}
WINEXE=${2:?usage: $0 native-punchdrop windows-punchdrop.exe}
for tool in wine winepath sha256sum head timeout; do
    command -v "$tool" > /dev/null || { echo "interop: $tool is missing" >&2; exit 2; }
done
[ -x "$NATIVE" ] || { echo "interop: $NATIVE is not executable" >&2; exit 2; }
[ -f "$WINEXE" ] || { echo "interop: $WINEXE does not exist" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pdinterop.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null; done
    if [ "${INTEROP_KEEP:-0}" = 1 ]; then echo "interop: work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

wait_for() { # seconds command...: polls every 100 ms (a script has no signals to wait on)
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}
winpath() { winepath -w "$1" 2> /dev/null; }
# Runs the Windows program: the Unix process of `wine` becomes the Windows process, so its PID
# is the program's (kill reaches it).
run_windows() { wine "$WINEXE" "$@"; }

# $1 case, $2 "native" or "windows" (which program serves): starts it on a free port, sets PORT.
start_server() {
    local log=$WORK/$1/server.log conf=$WORK/$1/conf-server
    for _ in 1 2 3 4 5; do
        PORT=$((20000 + RANDOM % 12000))
        if [ "$2" = windows ]; then
            run_windows --server --listen "127.0.0.1:$PORT" --config-dir "$(winpath "$conf")" \
                > /dev/null 2> "$log" &
        else
            "$NATIVE" --server --listen "127.0.0.1:$PORT" --config-dir "$conf" \
                > /dev/null 2> "$log" &
        fi
        SERVER_PID=$!
        PIDS+=("$SERVER_PID")
        # Wine's first start in a prefix takes seconds. A server that exits has failed.
        wait_for 60 server_settled "$log"
        if grep -q "listening on 127.0.0.1:$PORT" "$log"; then return 0; fi
        kill -9 "$SERVER_PID" 2> /dev/null
        wait "$SERVER_PID" 2> /dev/null
    done
    return 1
}
server_settled() { grep -qs "listening on 127.0.0.1:$PORT" "$1" || ! kill -0 "$SERVER_PID" 2> /dev/null; }
registered() { grep -qs '"event":"registered"' "$1"; }
registered_or_gone() { registered "$1" || ! kill -0 "$BOB_PID" 2> /dev/null; }

# $1 case, $2 sender "native" or "windows", $3 file size: one relay transfer, checked.
transfer() {
    local dir=$WORK/$1 size=$3 dl status sent got
    dl=$dir/download
    mkdir -p "$dl" "$dir/src"
    head -c "$size" /dev/urandom > "$dir/src/payload.bin"
    "$NATIVE" receive --server "127.0.0.1:$PORT" --name bob --yes --json --dir "$dl" \
        --config-dir "$dir/conf-bob" > "$dir/bob.jsonl" 2> "$dir/bob.err" &
    BOB_PID=$!
    PIDS+=("$BOB_PID")
    wait_for 60 registered_or_gone "$dir/bob.jsonl" && registered "$dir/bob.jsonl" ||
        { echo "the receiver did not register"; return 1; }
    if [ "$2" = windows ]; then
        timeout 300 wine "$WINEXE" send --server "127.0.0.1:$PORT" --name alice --to bob \
            --relay-only --json --timeout 240 --config-dir "$(winpath "$dir/conf-alice")" \
            "$(winpath "$dir/src/payload.bin")" > "$dir/alice.jsonl" 2> "$dir/alice.err"
    else
        timeout 300 "$NATIVE" send --server "127.0.0.1:$PORT" --name alice --to bob \
            --relay-only --json --timeout 240 --config-dir "$dir/conf-alice" \
            "$dir/src/payload.bin" > "$dir/alice.jsonl" 2> "$dir/alice.err"
    fi
    status=$?
    [ $status -eq 0 ] || { echo "the sender exited with $status: $(tail -3 "$dir/alice.err" | tr -d '\r')"; return 1; }
    grep '"event":"path"' "$dir/alice.jsonl" | grep -q '"kind":"relay"' ||
        { echo "the sender's events show no relay path"; return 1; }
    sent=$(sha256sum < "$dir/src/payload.bin" | cut -d' ' -f1)
    [ -f "$dl/payload.bin" ] || { echo "nothing arrived under payload.bin"; return 1; }
    got=$(sha256sum < "$dl/payload.bin" | cut -d' ' -f1)
    [ "$sent" = "$got" ] || { echo "SHA-256 differs: sent $sent, received $got"; return 1; }
    echo "$size bytes, SHA-256 $sent"
}

# $1 case, $2 server, $3 sender, $4 size, $5 description
run_case() {
    local start=$SECONDS result
    mkdir -p "$WORK/$1"
    PIDS=()
    if ! start_server "$1" "$2"; then
        result="FAIL: the $2 server did not start: $(tail -3 "$WORK/$1/server.log" | tr -d '\r')"
    # Not in a $(…) subshell: transfer() adds the receiver's PID to PIDS, which must reach the
    # kill below (it did not, and every run left both receivers running).
    elif transfer "$1" "$3" "$4" > "$WORK/$1/result.txt"; then
        result="ok: $(cat "$WORK/$1/result.txt")"
    else
        result="FAIL: $(cat "$WORK/$1/result.txt")"
    fi
    local pid
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null; done
    PIDS=()
    echo "interop $1 ($5, $((SECONDS - start)) s): $result"
    [[ $result == ok:* ]]
}

failed=0
run_case A windows native $((5 * 1024 * 1024 + 4321)) \
    "Windows server under Wine, Linux sender and receiver through its relay" || failed=1
run_case B native windows $((20 * 1024 * 1024)) \
    "Linux server, Windows sender under Wine, Linux receiver, relay" || failed=1
if [ $failed -ne 0 ] && [ "${INTEROP_KEEP:-0}" != 1 ]; then
    for f in "$WORK"/*/*.err "$WORK"/*/*.log; do
        [ -s "$f" ] && { echo "--- ${f#"$WORK"/}"; tail -15 "$f" | tr -d '\r'; }
    done
fi
exit $failed
