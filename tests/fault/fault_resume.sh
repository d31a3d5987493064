#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fault script (issue 12, Proof): real `punchdrop` processes on loopback are broken at a random
# point of a transfer and then resumed, ROUNDS times. Per round:
#
#   server  punchdrop --server, relay throttled (--relay-rate) so a transfer takes seconds
#   bob     punchdrop receive --yes --json            (its own config folder and download folder)
#   proxy   socat between alice and the server: alice's control link and relay session go
#           through it, so killing it cuts alice's link without touching either endpoint
#   alice   punchdrop send --relay-only --json         a 20-40 MiB file + a folder of 3 files
#
# Once bob has received a random 5-90 % of the bytes, one fault, chosen at random:
#   sender    kill -9 alice
#   receiver  kill -9 bob (restarted afterwards with the same config and download folder)
#   link      kill -9 the proxy (restarted afterwards)
# Right after the fault and again once everything has settled, no file under its final name may
# differ from its source. Then alice sends again: every file must arrive byte-identical, and
# files whose part file survived must have been resumed (resumed_from > 0 in alice's events).
#
# Usage: fault_resume.sh PUNCHDROP [ROUNDS] [SEED]      (default 50 rounds, a random seed)
# Prints one line per round and a summary; exits 1 on any mismatch, broken round or crash.
# FAULT_KEEP=1 keeps the work folder. Needs bash, socat, sha256sum, head, timeout.
set -u

BIN=${1:?usage: $0 path/to/punchdrop [rounds] [seed]}
ROUNDS=${2:-50}
SEED=${3:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED
RATE=$((8 * 1024 * 1024)) # relay bytes/s per session

for tool in socat sha256sum head timeout; do
    command -v "$tool" > /dev/null || { echo "fault_resume: $tool is missing" >&2; exit 77; }
done
[ -x "$BIN" ] || { echo "fault_resume: $BIN is not executable" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pdfault.XXXXXX)
SERVER_PID="" BOB_PID="" ALICE_PID="" PROXY_PID=""

stop_pid() { # pid [signal]: a process that had died of a crash by then is counted
    [ -n "$1" ] || return 0
    kill "-${2:-9}" "$1" 2> /dev/null
    wait "$1" 2> /dev/null
    local status=$?
    case $status in 134 | 136 | 139) CRASHES=$((CRASHES + 1)) ;; esac
}
stop_proxy() { # the proxy and the children it forked for each connection
    [ -n "$PROXY_PID" ] || return 0
    kill -9 -- "-$PROXY_PID" 2> /dev/null
    wait "$PROXY_PID" 2> /dev/null
    PROXY_PID=""
}
cleanup() {
    stop_pid "$ALICE_PID"
    stop_proxy
    stop_pid "$BOB_PID"
    stop_pid "$SERVER_PID"
    if [ "${FAULT_KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL (round $ROUND, seed $SEED): $*" >&2
    for f in "$WORK"/log/*; do
        [ -s "$f" ] && { echo "--- $(basename "$f")" >&2; tail -25 "$f" >&2; }
    done
    exit 1
}

# The newest value of "key" in the JSON events of file $1 whose event is $2 (QJsonDocument
# writes compact objects with sorted keys: one event per line).
last_number() { # file event key
    grep "\"event\":\"$2\"" "$1" 2> /dev/null | tail -1 | grep -o "\"$3\":[0-9]*" | cut -d: -f2
}
count_events() { grep -c "\"event\":\"$2\"" "$1" 2> /dev/null; }

wait_for() { # seconds command...: polls every 50 ms (a script has no signals to wait on)
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.05
    done
}

# --- sources: made once, the same for every round ---
mkdir -p "$WORK/src/set" "$WORK/log"
BIG_SIZE=$(( (20 + RANDOM % 21) * 1024 * 1024 + RANDOM ))
head -c "$BIG_SIZE" /dev/urandom > "$WORK/src/big.bin"
head -c $((3 * 1024 * 1024 + 17)) /dev/urandom > "$WORK/src/set/a.bin"
head -c $((700 * 1024)) /dev/urandom > "$WORK/src/set/b.bin"
head -c $((100 * 1024 + 3)) /dev/urandom > "$WORK/src/set/c.txt"
(cd "$WORK/src" && find . -type f | sort | xargs sha256sum) > "$WORK/src.sha256"
TOTAL=$(( BIG_SIZE + 3 * 1024 * 1024 + 17 + 700 * 1024 + 100 * 1024 + 3 ))

# --- processes ---
start_server() {
    SERVER_PID=""
    for _ in 1 2 3 4 5; do
        PORT=$((20000 + RANDOM % 40000))
        "$BIN" --server --listen "127.0.0.1:$PORT" --relay-rate "$RATE" \
            --config-dir "$WORK/conf-server" > /dev/null 2> "$WORK/log/server" &
        SERVER_PID=$!
        if wait_for 10 grep -q "listening on 127.0.0.1:$PORT" "$WORK/log/server"; then return 0; fi
        stop_pid "$SERVER_PID"
        SERVER_PID=""
    done
    fail "the server did not start"
}
start_proxy() {
    # setsid: the proxy leads its own process group, so one kill reaches its forked children.
    setsid socat "TCP-LISTEN:$PROXY_PORT,bind=127.0.0.1,reuseaddr,fork" \
        "TCP:127.0.0.1:$PORT" 2> "$WORK/log/proxy" &
    PROXY_PID=$!
    # socat exits at once when the port is taken; someone else's listener answers port_open.
    wait_for 5 port_open "$PROXY_PORT" && sleep 0.2 && kill -0 "$PROXY_PID" 2> /dev/null
}
pick_proxy() {
    # Below the kernel's ephemeral range (32768 and up here), so no client socket of this or
    # another test holds it; tried again elsewhere if a listener has it.
    for _ in 1 2 3 4 5; do
        PROXY_PORT=$((20000 + RANDOM % 12000))
        [ "$PROXY_PORT" -eq "$PORT" ] && continue
        if start_proxy; then return 0; fi
        stop_proxy
    done
    fail "the proxy did not start: $(cat "$WORK/log/proxy")"
}
start_bob() {
    local before
    before=$(count_events "$WORK/log/bob.jsonl" registered)
    "$BIN" receive --server "127.0.0.1:$PORT" --name bob --yes --json --dir "$DL" \
        --config-dir "$WORK/conf-bob" >> "$WORK/log/bob.jsonl" 2>> "$WORK/log/bob.err" &
    BOB_PID=$!
    wait_for 20 bob_registered_more_than "${before:-0}" || fail "the receiver did not register"
}
start_alice() { # log name
    "$BIN" send --server "127.0.0.1:$PROXY_PORT" --name alice --to bob --relay-only --json \
        --timeout 90 --config-dir "$WORK/conf-alice" "$WORK/src/big.bin" "$WORK/src/set" \
        > "$WORK/log/$1.jsonl" 2> "$WORK/log/$1.err" &
    ALICE_PID=$!
}

# Every file under its final name in the download folder equals its source (part files, whose
# names end in .pdpart / .pdpart.meta, are not final names). "name (1).ext" is a second copy of
# name.ext: a fault after the receiver verified a file but before the sender heard so makes the
# sender send it again, and the receiver never overwrites.
final_names_intact() {
    local f rel source
    COPIES=0
    while IFS= read -r -d '' f; do
        rel=${f#"$DL"/}
        case "$rel" in *.pdpart | *.pdpart.meta) continue ;; esac
        source=$(printf '%s' "$rel" | sed -E 's/ \([0-9]+\)((\.[^/.][^/]*)?)$/\1/')
        [ "$source" != "$rel" ] && COPIES=$((COPIES + 1))
        [ -f "$WORK/src/$source" ] || { echo "unexpected file $rel" >&2; return 1; }
        cmp -s "$f" "$WORK/src/$source" || { echo "$rel differs from its source" >&2; return 1; }
    done < <(find "$DL" -type f -print0)
}
all_arrived() {
    (cd "$DL" && sha256sum --quiet -c "$WORK/src.sha256") > /dev/null 2>&1
}
bob_registered_more_than() { test "$(count_events "$WORK/log/bob.jsonl" registered)" -gt "$1"; }
port_open() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
alice_running() { kill -0 "$ALICE_PID" 2> /dev/null; }
alice_gone() { ! alice_running; }
bob_has() { test "$(last_number "$WORK/log/bob.jsonl" progress bytes)" -ge "$1" 2> /dev/null; }
bob_reached_or_alice_done() { alice_gone || bob_has "$1"; }
# The receiver's session ended: an error, or done (a sender killed after its last frame was
# already on its way through the relay still completes the transfer).
bob_session_ended() { grep -qE '"event":"(error|done)"' "$WORK/log/bob.jsonl"; }
# Part files a resume can continue: bytes in them and their metadata beside them.
resumable_parts() {
    local p n=0
    while IFS= read -r -d '' p; do
        [ -s "$p" ] && [ -f "$p.meta" ] && n=$((n + 1))
    done < <(find "$DL" -name '*.pdpart' -print0)
    echo $n
}

# --- rounds ---
CRASHES=0 KILLS_SENDER=0 KILLS_RECEIVER=0 KILLS_LINK=0 NO_FAULT=0 RESUMED=0 MISMATCHES=0
PARTS_LEFT=0
TOTAL_COPIES=0 COPIES=0
ROUND=0
PROXY_PORT=0
for ROUND in $(seq 1 "$ROUNDS"); do
    DL="$WORK/dl/$ROUND"
    mkdir -p "$DL"
    : > "$WORK/log/bob.jsonl"
    : > "$WORK/log/bob.err"
    start_server
    pick_proxy
    start_bob
    percent=$((5 + RANDOM % 86))
    threshold=$((TOTAL * percent / 100))
    start_alice alice1
    wait_for 60 bob_reached_or_alice_done "$threshold" || fail "bob never reached $threshold bytes"
    kind=none
    if alice_running; then
        case $((RANDOM % 3)) in
        0) kind=sender; stop_pid "$ALICE_PID"; KILLS_SENDER=$((KILLS_SENDER + 1)) ;;
        1) kind=receiver; stop_pid "$BOB_PID"; BOB_PID=""; KILLS_RECEIVER=$((KILLS_RECEIVER + 1)) ;;
        2) kind=link; stop_proxy; KILLS_LINK=$((KILLS_LINK + 1)) ;;
        esac
    else
        NO_FAULT=$((NO_FAULT + 1)) # finished before the fault: still checked below
    fi
    final_names_intact || { MISMATCHES=$((MISMATCHES + 1)); fail "after the $kind fault"; }

    # Settle: the survivors notice the loss; restart what was killed.
    if [ "$kind" = receiver ] || [ "$kind" = link ]; then
        wait_for 60 alice_gone || fail "alice hangs after the $kind fault"
        stop_pid "$ALICE_PID"
    fi
    [ "$kind" = receiver ] && start_bob
    [ "$kind" = link ] && { start_proxy || fail "the proxy did not restart on $PROXY_PORT"; }
    if [ "$kind" = sender ] || [ "$kind" = link ]; then
        wait_for 60 bob_session_ended || fail "bob never noticed the $kind fault"
    fi
    final_names_intact || { MISMATCHES=$((MISMATCHES + 1)); fail "after the $kind fault settled"; }
    parts=$(resumable_parts)

    # Resume.
    start_alice alice2
    wait_for 150 alice_gone || fail "the resumed send did not finish"
    wait "$ALICE_PID"
    status=$?
    ALICE_PID=""
    [ $status -eq 0 ] || fail "the resumed send exited with $status"
    all_arrived || { MISMATCHES=$((MISMATCHES + 1)); fail "a file differs after the resume"; }
    final_names_intact || { MISMATCHES=$((MISMATCHES + 1)); fail "an extra file after the resume"; }
    TOTAL_COPIES=$((TOTAL_COPIES + COPIES))
    resumed=$(grep '"event":"file"' "$WORK/log/alice2.jsonl" | grep -vc '"resumed_from":0')
    RESUMED=$((RESUMED + resumed))
    left=$(find "$DL" -name '*.pdpart' | wc -l)
    PARTS_LEFT=$((PARTS_LEFT + left))
    printf 'round %2d: %-8s at %2d %%  resumable part files %d  resumed %d  second copies %d  intact\n' \
        "$ROUND" "$kind" "$percent" "$parts" "$resumed" "$COPIES"
    [ "$kind" != none ] && [ "$parts" -gt 0 ] && [ "$resumed" -eq 0 ] \
        && fail "a part file survived the $kind fault but nothing was resumed"

    stop_proxy
    stop_pid "$BOB_PID" TERM
    BOB_PID=""
    stop_pid "$SERVER_PID" TERM
    SERVER_PID=""
    rm -rf "$DL"
done

echo "fault_resume: seed $SEED, $ROUNDS rounds: kills sender $KILLS_SENDER, receiver" \
    "$KILLS_RECEIVER, link $KILLS_LINK, finished before the fault $NO_FAULT; files resumed" \
    "$RESUMED; second copies (verified before the fault, sent again) $TOTAL_COPIES; part files" \
    "left over $PARTS_LEFT; crashes $CRASHES; mismatches $MISMATCHES"
# A process that died of a signal of its own (abort, FPE, segfault) fails the run too.
[ "$MISMATCHES" -eq 0 ] && [ "$PARTS_LEFT" -eq 0 ] && [ "$CRASHES" -eq 0 ]
