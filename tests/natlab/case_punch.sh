#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One PunchDrop NAT-traversal case in the lab: a real `punchdrop --server` on 198.51.100.10:8877,
# a receiver ("bob") and a sender ("alice") behind real NATs, a few MiB of random data. Checks
# both exit codes, the SHA-256 of the received file and the sender's `path` event.
#
# Usage: case_punch.sh CASE [PUNCHDROP_BINARY]      (or PUNCHDROP_BINARY in the environment)
# Cases (sender NAT - receiver NAT):
#   prc-prc prc-full prc-arc full-full  direct, tcp-punch
#   full-sym arc-sym sym-full           direct, tcp-punch (the cone side accepts on its listener)
#   prc-sym sym-sym                     relay (prc-sym with --no-birthday on both sides)
#   birthday                            prc -> sym: alice sends NATLAB_BIRTHDAY_RUNS (10) files;
#                                       every one arrives intact, and at least 80 % of them go
#                                       direct by port guessing (method birthday) within 3 s
#   birthday-spread                     the same with the sides swapped: sym -> prc
#   birthday-seq                        prc -> seq (symmetric, ports counted up): bob's NAT must
#                                       be detected as "symmetric (sequential)", each side then
#                                       opens only 64 sockets (6 % at random) and alice spaces her
#                                       guesses above bob's last seen port: 80 % direct, as above
#   upgrade                             prc×prc with every packet between the two routers dropped
#                                       (core), the server's relay capped at 8 MB/s, 96 MiB: the
#                                       transfer starts relayed; the block is lifted 2.5 s later
#                                       and the running transfer must move to a direct path within
#                                       2 s, the relay carrying less than half the file
#   fallback                            prc×prc, the direct path policed to 8 MB/s each way
#                                       (core), 96 MiB: the transfer starts direct; 2 s later
#                                       every packet between the routers is dropped and the
#                                       running transfer must fall back to the relay (the sender
#                                       gives the dead path up after 10 s) and complete, the file
#                                       intact, each byte received once
#   same-nat                            two hosts behind one prc NAT, hairpin off: direct (lan
#                                       or tcp-punch to the private endpoint)
#   cgn                                 home prc + CGN prc  ->  single prc: direct, tcp-punch
#   rst                                 prc×prc, both NATs answer unsolicited SYNs with RST:
#                                       connected either way, file intact
#   loss                                prc×prc, 5 % loss each way on both WAN links: file intact
#   nat-timeout                         prc×prc routers that forget idle mappings after 25 s; bob
#                                       idles 40 s first (keepalives must hold his mapping open)
#   server-restart                      the server restarts while bob idles; bob re-registers by
#                                       itself, then a send works
#   hostile                             raw clients send garbage, oversize lengths, half frames;
#                                       they are dropped and a send between others still works
#   prc-symupnp                         bob's router is symmetric and runs miniupnpd (UPnP-IGD
#                                       only): bob maps his punch port, alice dials the mapping:
#                                       direct, port-map, mapper upnp; the server relayed nothing
#   prc-symnatpmp                       the same with NAT-PMP only: direct, port-map, natpmp
#   prc-sympcp                          the same with PCP only (NAT-PMP refused): port-map, pcp
#   symupnp-prc                         the mapped side sends: alice's router is symmetric and
#                                       runs miniupnpd (UPnP-IGD), bob's is port-restricted; alice
#                                       waits for her mapping before connecting: direct, port-map
#   prc-symupnp-stopped                 as prc-symupnp, but miniupnpd stops (its forwards
#                                       flushed) after bob mapped: a "lying" mapping, which may
#                                       cost one attempt at most: relay within 5 s
#   prc-symupnp-conflict                as prc-symupnp, but another host behind bob's router
#                                       (hb2, a hand-made AddPortMapping: upnpmap.py) already
#                                       holds external port P, bob's punch port: his IGD v2
#                                       AddAnyPortMapping gets another port; bob renews it (every
#                                       2 s here) without it changing; then direct, port-map, upnp
#   prc-symupnp-conflict-v1             the same with miniupnpd describing itself as IGD v1: bob's
#                                       AddPortMapping gets 718 ConflictInMappingEntry and he
#                                       retries with a random port
#   prc-symupnp-restart                 as prc-symupnp (bob renews every 2 s); after bob mapped,
#                                       miniupnpd stops, its forwards are flushed, and it starts
#                                       again, empty, on a new HTTP port: bob's mapping is back on
#                                       the gateway within 20 s; then direct, port-map, upnp
#   cluster                             prc×prc, two servers sharing a redis-server (all three
#                                       in the server namespace): alice registers with one, bob
#                                       with the other; the go crosses servers: direct, tcp-punch
#   v6-symsym                           sym×sym in IPv4 (relay there), and both homes have IPv6
#                                       behind stateful firewalls: each claims its IPv6 address,
#                                       the punch is a simultaneous open over IPv6: direct,
#                                       tcp-punch, family ipv6; the server relayed nothing
#   v6-prc-v4only                       alice dual-stack (prc + IPv6), bob's ISP has no IPv6 (prc):
#                                       direct, tcp-punch over ipv4
#   v6-prc-v6only                       alice dual-stack (prc + IPv6), bob has only IPv6 and
#                                       registers at the server's IPv6 address: direct, tcp-punch,
#                                       ipv6
# Environment: NATLAB_KEEP=1 (leave the lab up), NATLAB_PAYLOAD_MIB (default 4),
#              NATLAB_BIRTHDAY_RUNS (10), NATLAB_PUNCH_BUDGET (the birthday cases' --punch-budget),
#              NATLAB_PORT_MAP_REFRESH_MS (2000: bob's port-map refresh in the conflict and
#              restart cases), NATLAB_VERBOSE=0 (no --verbose for punchdrop), CI=true (no skipping).

# shellcheck disable=SC2317,SC2119 # functions run through lab_wait_for; lab_add_server's NAME is optional
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=miniupnpd.sh
. "$HERE/miniupnpd.sh"

CASE=${1:-}
PD=${2:-${PUNCHDROP_BINARY:-}}
PORT=8877
SERVER="$LAB_SERVER_IP:$PORT"
RECEIVER_SERVER=$SERVER  # the cluster case: bob registers with the second server
SERVER_EXTRA=()          # more arguments for the first server (the cluster case: --redis)
PORT2=8879               # the cluster case's second server (UDP 8879 and 8880 for STUN)
REDIS_PORT=6380          # the cluster case's redis-server, on the server namespace's loopback
PAYLOAD_MIB=${NATLAB_PAYLOAD_MIB:-4}
VERBOSE=()
[ "${NATLAB_VERBOSE:-1}" = 1 ] && VERBOSE=(--verbose)
REGISTER_TIMEOUT=30   # s until a client prints `registered`
SEND_TIMEOUT=60       # punchdrop send --timeout
SEND_DEADLINE=80      # s we wait for the sender process
RECEIVER_DEADLINE=30  # s we wait for the receiver after the sender finished
NAT_TIMEOUT=${NATLAB_NAT_TIMEOUT:-25}        # nat-timeout case: conntrack timeouts of both routers (s)
IDLE_SECS=${NATLAB_IDLE_SECS:-40}          # nat-timeout case: how long bob idles before alice sends
# conflict and restart cases: bob asks his gateway again this often (PUNCHDROP_PORT_MAP_REFRESH_MS),
# with a mapping (renewal) or without one (retry), instead of every 2 min / 60 s
PORT_MAP_REFRESH_MS=${NATLAB_PORT_MAP_REFRESH_MS:-2000}

usage() { sed -n '/^# Usage/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -n "$CASE" ] || usage
if [ -z "$PD" ] || [ ! -x "$PD" ]; then
    echo "natlab: FAIL: punchdrop binary '$PD' not found (pass it as argument 2 or PUNCHDROP_BINARY)" >&2
    exit 1
fi
PD=$(cd "$(dirname "$PD")" && pwd)/$(basename "$PD")

now_ms() { echo $(($(date +%s%N) / 1000000)); }
T_START=$(now_ms)
LOG_LABELS=()          # printed on failure, in this order
LOG_FILES=()
declare -a NOTES=()

# ---------------------------------------------------------------------------------------------
# JSON lines (one object per line, flat), read with grep/sed so python is not needed

# events FILE EVENT — the lines of FILE whose "event" is EVENT
events() { grep -E "\"event\"[[:space:]]*:[[:space:]]*\"$2\"" "$1" 2>/dev/null; }
# field KEY — the value of KEY in the JSON line on stdin (string unquoted, or number/bool)
field() {
    sed -n -E "s/.*\"$1\"[[:space:]]*:[[:space:]]*(\"([^\"]*)\"|([-0-9.eE+]+|true|false|null)).*/\2\3/p" |
        head -n 1
}
count_events() { events "$1" "$2" | wc -l; }
# The digest of FILE in the algorithm a `file` event names in "digest" (its "hash" must equal it).
file_digest() { # ALGORITHM FILE
    case "$1" in
        xxh3-128) xxh128sum "$2" | cut -d' ' -f1 ;;
        sha256) sha256sum "$2" | cut -d' ' -f1 ;;
        *) echo "unknown-digest-$1" ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# reporting

add_log() { LOG_LABELS+=("$1"); LOG_FILES+=("$2"); }
print_logs() {
    local i label file
    for i in "${!LOG_LABELS[@]}"; do
        label=${LOG_LABELS[i]}
        file=${LOG_FILES[i]}
        [ -s "$file" ] || { echo "----- $label: (empty)"; continue; }
        echo "----- $label ($file, last 120 lines)"
        tail -n 120 "$file"
    done
}

fail() {
    echo "natlab[$CASE]: FAIL: $*"
    local n
    for n in "${NOTES[@]}"; do echo "  note: $n"; done
    print_logs
    echo "----- lab state"
    lab_dump_state 2>&1 | head -n 300
    echo "natlab[$CASE]: FAIL after $(($(now_ms) - T_START)) ms: $*"
    exit 1
}

note() { NOTES+=("$*"); echo "  $*"; }

# ---------------------------------------------------------------------------------------------
# punchdrop processes

SERVER_PID=""
SERVER_RUNS=0
start_server() {
    SERVER_RUNS=$((SERVER_RUNS + 1))
    local out="$LAB_DIR/server-$SERVER_RUNS.log"
    add_log "server run $SERVER_RUNS" "$out"
    mkdir -p "$LAB_DIR/conf-server"
    lab_spawn srv "$out" "$PD" --server "${VERBOSE[@]}" --listen "$SERVER" \
        --config-dir "$LAB_DIR/conf-server" "${SERVER_EXTRA[@]}"
    SERVER_PID=$LAB_LAST_PID
    local t0
    t0=$(now_ms)
    lab_wait_for 15 server_ready
    if ! lab_alive "$SERVER_PID"; then
        lab_wait_pid "$SERVER_PID" 1
        fail "the server exited early (status $?)"
    fi
    lab_listening srv "$PORT" || fail "the server does not listen on $SERVER after 15 s"
    echo "  server up in $(($(now_ms) - t0)) ms (pid $SERVER_PID)"
}
server_ready() { lab_alive "$SERVER_PID" || return 0; lab_listening srv "$PORT"; }

# The cluster case: a redis-server and a second server beside the first, which joins too.
SERVER2_PID=""
REDIS_PID=""
start_cluster() {
    lab_require redis-server
    add_log "redis-server" "$LAB_DIR/redis.log"
    lab_spawn srv "$LAB_DIR/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
        --save "" --appendonly no
    REDIS_PID=$LAB_LAST_PID
    lab_wait_for 10 redis_ready
    lab_listening srv "$REDIS_PORT" || fail "redis-server does not listen after 10 s"
    SERVER_EXTRA=(--redis "redis://127.0.0.1:$REDIS_PORT")
    start_server
    add_log "server 2" "$LAB_DIR/server2.log"
    mkdir -p "$LAB_DIR/conf-server2"
    lab_spawn srv "$LAB_DIR/server2.log" "$PD" --server "${VERBOSE[@]}" \
        --listen "$LAB_SERVER_IP:$PORT2" --config-dir "$LAB_DIR/conf-server2" "${SERVER_EXTRA[@]}"
    SERVER2_PID=$LAB_LAST_PID
    lab_wait_for 15 server2_ready
    lab_listening srv "$PORT2" || fail "the second server does not listen on port $PORT2"
    RECEIVER_SERVER="$LAB_SERVER_IP:$PORT2"
    echo "  redis-server and a second server (port $PORT2) up; bob uses the second"
}
redis_ready() { lab_alive "$REDIS_PID" || return 0; lab_listening srv "$REDIS_PORT"; }
server2_ready() { lab_alive "$SERVER2_PID" || return 0; lab_listening srv "$PORT2"; }
# Both servers' logs show the cross-server introduction: the go reached bob through server 2.
check_cluster() {
    grep -q "on server [0-9a-f]* mode" "$LAB_DIR/server-1.log" ||
        fail "server 1 did not route the connect to another server"
    grep -q "from server [0-9a-f]* - start in" "$LAB_DIR/server2.log" ||
        fail "server 2 did not hand bob a go from server 1"
    if grep -q "relay session .* paired" "$LAB_DIR/server-1.log" "$LAB_DIR/server2.log"; then
        fail "a server relayed, though the path is direct"
    fi
    echo "  the connect crossed servers: server 1 asked server 2, which handed bob his go"
}

RECEIVER_PID=""
RECEIVER_OUT=""
INBOX=""
start_receiver() { # start_receiver HOST
    local host=$1
    RECEIVER_OUT="$LAB_DIR/receiver.jsonl"
    INBOX="$LAB_DIR/inbox-bob"
    mkdir -p "$INBOX" "$LAB_DIR/conf-bob"
    add_log "receiver stdout" "$RECEIVER_OUT"
    add_log "receiver stderr" "$LAB_DIR/receiver.err"
    lab_spawn -e "$LAB_DIR/receiver.err" "$host" "$RECEIVER_OUT" env "${RECEIVER_ENV[@]}" \
        "$PD" receive "${VERBOSE[@]}" \
        --server "$RECEIVER_SERVER" --yes --json --dir "$INBOX" --name bob \
        --config-dir "$LAB_DIR/conf-bob" "${RECEIVER_FLAGS[@]}"
    RECEIVER_PID=$LAB_LAST_PID
    wait_registered 1
}
# wait_registered N — until the receiver printed its N-th `registered` event
wait_registered() {
    local t0
    t0=$(now_ms)
    lab_wait_for "$REGISTER_TIMEOUT" receiver_registered "$1"
    if [ "$(count_events "$RECEIVER_OUT" registered)" -lt "$1" ]; then
        if ! lab_alive "$RECEIVER_PID"; then
            lab_wait_pid "$RECEIVER_PID" 1
            fail "the receiver exited (status $?) before printing 'registered' event #$1"
        fi
        fail "the receiver printed no 'registered' event #$1 within $REGISTER_TIMEOUT s"
    fi
    local ev
    ev=$(events "$RECEIVER_OUT" registered | sed -n "$1p")
    echo "  bob registered in $(($(now_ms) - t0)) ms: nat_type=$(field nat_type <<<"$ev")" \
        "public_endpoint=$(field public_endpoint <<<"$ev")"
}
receiver_registered() {
    [ "$(count_events "$RECEIVER_OUT" registered)" -ge "$1" ] && return 0
    lab_alive "$RECEIVER_PID" || return 0 # stop polling, the caller reports
    return 1
}

PAYLOAD=""
PAYLOAD_SHA=""
make_payload() {
    PAYLOAD="$LAB_DIR/out/payload.bin"
    mkdir -p "$LAB_DIR/out"
    head -c $((PAYLOAD_MIB * 1024 * 1024)) /dev/urandom >"$PAYLOAD"
    PAYLOAD_SHA=$(sha256sum "$PAYLOAD" | cut -d' ' -f1)
}

SENDER_OUT=""
SENDER_FLAGS=()          # more arguments for `send` and `receive` (prc-sym: --no-birthday)
RECEIVER_FLAGS=(--once)
RECEIVER_ENV=()          # VAR=VALUE for the receiver's environment (PUNCHDROP_PORT_MAP_REFRESH_MS)
BUDGET_FLAGS=()          # the birthday cases: --punch-budget N from NATLAB_PUNCH_BUDGET
[ -n "${NATLAB_PUNCH_BUDGET:-}" ] && BUDGET_FLAGS=(--punch-budget "$NATLAB_PUNCH_BUDGET")
PATH_KIND=""
PATH_METHOD=""
PATH_MAPPER=""
PATH_TIME_MS=""
PATH_FAMILY=""
FAMILY=""                # the IPv6 cases: the family the sender's path must have
# send_and_check HOST EXPECT_KIND EXPECT_METHODS — EXPECT_KIND "direct", "relay" or "any";
# EXPECT_METHODS a |-separated list ("tcp-punch", "lan|tcp-punch") or "any".
send_and_check() {
    local host=$1 expect_kind=$2 expect_methods=$3 t0 rc rrc
    SENDER_OUT="$LAB_DIR/sender.jsonl"
    add_log "sender stdout" "$SENDER_OUT"
    add_log "sender stderr" "$LAB_DIR/sender.err"
    mkdir -p "$LAB_DIR/conf-alice"
    t0=$(now_ms)
    lab_spawn -e "$LAB_DIR/sender.err" "$host" "$SENDER_OUT" "$PD" send "${VERBOSE[@]}" \
        --server "$SERVER" --to bob --json --timeout "$SEND_TIMEOUT" "$PAYLOAD" --name alice \
        --config-dir "$LAB_DIR/conf-alice" "${SENDER_FLAGS[@]}"
    local spid=$LAB_LAST_PID
    lab_wait_pid "$spid" "$SEND_DEADLINE"
    rc=$?
    local send_ms=$(($(now_ms) - t0))
    [ "$rc" = 124 ] && fail "the sender still runs after $SEND_DEADLINE s (its --timeout is $SEND_TIMEOUT s)"
    lab_wait_pid "$RECEIVER_PID" "$RECEIVER_DEADLINE"
    rrc=$?
    [ "$rrc" = 124 ] && fail "the receiver (--once) still runs $RECEIVER_DEADLINE s after the sender exited with $rc"

    local path_ev sender_err recv_err
    path_ev=$(events "$SENDER_OUT" path | tail -n 1)
    PATH_KIND=$(field kind <<<"$path_ev")
    PATH_METHOD=$(field method <<<"$path_ev")
    PATH_MAPPER=$(field mapper <<<"$path_ev")
    PATH_TIME_MS=$(field time_ms <<<"$path_ev")
    PATH_FAMILY=$(field family <<<"$path_ev")
    sender_err=$(events "$SENDER_OUT" error | head -n 1)
    recv_err=$(events "$RECEIVER_OUT" error | head -n 1)
    echo "  sender exit $rc after $send_ms ms; receiver exit $rrc"
    echo "  path: kind=${PATH_KIND:-?} method=${PATH_METHOD:-?} family=${PATH_FAMILY:-?} rtt_ms=$(field rtt_ms <<<"$path_ev")" \
        "time_ms=$(field time_ms <<<"$path_ev")${path_ev:+ reason=\"$(field reason <<<"$path_ev")\"}"
    [ "$rc" = 0 ] || fail "the sender exited with $rc${sender_err:+: $sender_err}"
    [ "$rrc" = 0 ] || fail "the receiver exited with $rrc${recv_err:+: $recv_err}"

    local got
    got="$INBOX/$(basename "$PAYLOAD")"
    if [ ! -f "$got" ]; then
        fail "no $(basename "$PAYLOAD") in the receiver's dir; it holds: $(find "$INBOX" -type f | head -n 5 | tr '\n' ' ')"
    fi
    local got_sha
    got_sha=$(sha256sum "$got" | cut -d' ' -f1)
    [ "$got_sha" = "$PAYLOAD_SHA" ] || fail "received file differs: sha256 $got_sha, sent $PAYLOAD_SHA"
    local file_ev
    file_ev=$(events "$RECEIVER_OUT" file | tail -n 1)
    if [ -n "$file_ev" ]; then
        # Both peers offer XXH3-128, so that is the session's digest.
        local alg want
        alg=$(field digest <<<"$file_ev")
        [ "$alg" = xxh3-128 ] || fail "the receiver's file event names digest '$alg', not xxh3-128"
        want=$(file_digest "$alg" "$PAYLOAD")
        [ "$(field hash <<<"$file_ev")" = "$want" ] ||
            fail "the receiver's file event reports $alg $(field hash <<<"$file_ev"), the payload's is $want"
    fi
    echo "  file intact: $(stat -c %s "$got") bytes, sha256 $got_sha"

    [ -n "$path_ev" ] || fail "the sender printed no 'path' event"
    if [ "$expect_kind" != any ] && [ "$PATH_KIND" != "$expect_kind" ]; then
        fail "path kind is '$PATH_KIND' (method '$PATH_METHOD'), expected '$expect_kind'"
    fi
    if [ "$expect_methods" != any ] && [[ "|$expect_methods|" != *"|$PATH_METHOD|"* ]]; then
        fail "path method is '$PATH_METHOD' (kind '$PATH_KIND'), expected one of '$expect_methods'"
    fi
    if [ -n "$FAMILY" ] && [ "$PATH_FAMILY" != "$FAMILY" ]; then
        fail "path family is '$PATH_FAMILY' ($PATH_KIND/$PATH_METHOD), expected '$FAMILY'"
    fi
}

# ---------------------------------------------------------------------------------------------
# topologies

SENDER_HOST=ha
RECEIVER_HOST=hb
# pair "SENDER_NAT [opts]" "RECEIVER_NAT [opts]" — ra/ha (alice) and rb/hb (bob)
pair() {
    # shellcheck disable=SC2086 # the options are words on purpose
    lab_add_router ra $1 || fail "cannot build router ra ($1)"
    # shellcheck disable=SC2086
    lab_add_router rb $2 || fail "cannot build router rb ($2)"
    lab_add_host ha ra || fail "cannot build host ha"
    lab_add_host hb rb || fail "cannot build host hb"
}

# ---------------------------------------------------------------------------------------------
# hostile clients (hostile case)

HOSTILE=()
# hostile NAME tcp|old-tls|link|link-raw HEX_BYTES — connects from hx, sends the bytes (hex) and
# then nothing more;
# records how long until the server closed the connection (≤ 20 s).
hostile() {
    local name=$1 kind=$2 hex=$3 bytes="$LAB_DIR/hostile-$1.bin" out="$LAB_DIR/hostile-$1.log"
    # shellcheck disable=SC2059 # the format is the payload: \xHH escapes made from the hex
    printf "$(sed 's/../\\x&/g' <<<"$hex")" >"$bytes"
    add_log "hostile $name" "$out"
    if [ "$kind" = tcp ]; then
        # shellcheck disable=SC2016 # expanded by the inner bash
        lab_spawn hx "$out" bash -c '
            exec 3<>"/dev/tcp/$1/$2" || { echo "connect failed"; exit 3; }
            t0=$(date +%s%N); cat "$3" >&3
            timeout 20 cat <&3 >/dev/null; rc=$?
            echo "closed=$([ $rc = 124 ] && echo no || echo yes) after_ms=$((($(date +%s%N) - t0) / 1000000))"
        ' hostile "$LAB_SERVER_IP" "$PORT" "$bytes"
    elif [ "$kind" = old-tls ]; then
        # a client of the TLS-records era: TLS 1.3 with a certificate but no ALPN
        # shellcheck disable=SC2016
        lab_spawn hx "$out" bash -c '
            t0=$(date +%s%N)
            timeout 20 openssl s_client -connect "$1:$2" -tls1_3 -brief -ign_eof \
                -cert "$4/hostile.crt" -key "$4/hostile.key" <"$3" 2>&1 | tr -d "\0" | head -c 4000
            rc=${PIPESTATUS[0]}
            echo; echo "closed=$([ $rc = 124 ] && echo no || echo yes) after_ms=$((($(date +%s%N) - t0) / 1000000))"
        ' hostile "$LAB_SERVER_IP" "$PORT" "$bytes" "$LAB_DIR"
    else
        # link: the control link's handshake, then the bytes as plaintext frames (link) or on
        # the wire outside the records (link-raw)
        local raw=""
        [ "$kind" = link-raw ] && raw=--raw
        lab_spawn hx "$out" "$NATLAB_CONTROL_HOSTILE" "$LAB_SERVER_IP" "$PORT" "$hex" $raw
    fi
    HOSTILE+=("$name:$LAB_LAST_PID")
}

start_hostiles() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=natlab-hostile -keyout "$LAB_DIR/hostile.key" -out "$LAB_DIR/hostile.crt" \
        >/dev/null 2>&1 || fail "openssl could not make a client certificate"
    local junk
    junk=$(head -c 2048 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
    # plain TCP: neither TLS (0x16) nor relay ('P'), then random bytes
    hostile garbage tcp "474554202f20485454502f312e310d0a$junk"
    # a TLS record header claiming 65535 bytes (more than TLS allows), then a little
    hostile tls-oversize-record tcp "16030300ffff${junk:0:200}"
    # half a TLS record, then silence (must hit the handshake deadline)
    hostile tls-half-record tcp "1603010200010001fc0303"
    # a relay join ('P') followed by garbage
    hostile relay-garbage tcp "50${junk:0:400}"
    # an old client: TLS 1.3 with a certificate, no ALPN (refused in the handshake)
    hostile old-tls-client old-tls "00000040${junk:0:128}"
    # inside the link: a frame length of 16 MiB (limit 64 KiB)
    hostile frame-oversize link "01000000${junk:0:64}"
    # inside the link: a well-sized frame whose body is not a CBOR map
    hostile frame-garbage link "00000040${junk:0:128}"
    # inside the link: half a frame (says 256 bytes, sends 10), then silence
    hostile frame-half link "00000100a1617465${junk:0:12}"
    # after the handshake: a record that was not sealed with the link's key
    hostile record-forged link-raw "00000030${junk:0:96}"
    # after the handshake: half a record, then silence (must hit the handshake deadline)
    hostile record-half link-raw "00000100${junk:0:40}"
}

check_hostiles() {
    local entry name pid line
    for entry in "${HOSTILE[@]}"; do
        name=${entry%%:*}
        pid=${entry##*:}
        lab_wait_pid "$pid" 30 >/dev/null
        line=$(grep -E '^closed=' "$LAB_DIR/hostile-$name.log" | tail -n 1)
        local tls=""
        grep -q 'CONNECTION ESTABLISHED' "$LAB_DIR/hostile-$name.log" && tls=" (TLS handshake done)"
        echo "  hostile $name: ${line:-no result}$tls"
        [[ "$line" == closed=yes* ]] || fail "the server did not drop hostile client '$name' within 20 s"
    done
    lab_alive "$SERVER_PID" || fail "the server died during the hostile clients"
}

# ---------------------------------------------------------------------------------------------
# port mapping (prc-symupnp*, prc-symnatpmp, prc-sympcp, symupnp-prc)

MAPPER=""      # the mapper the mapped side's gateway speaks: upnp, natpmp or pcp
MAPPED_ROUTER=rb  # whose router maps: bob's (rb), or alice's (ra, symupnp-prc)
MAPPED_LOG=receiver.err  # the mapped side's log
MINIUPNPD_OPTS=()  # more arguments for lab_miniupnpd (igd1)
# start_gateway ROUTER MODE [igd1] — the STUN responder miniupnpd asks, then miniupnpd itself
start_gateway() {
    add_log "miniupnpd in $1" "$LAB_DIR/miniupnpd-$1.log"
    lab_stun_echo || fail "cannot start the STUN responder"
    lab_miniupnpd "$@" || fail "miniupnpd does not run in $1"
    echo "  miniupnpd ($2${3:+, $3}) runs in $1"
}
# wait_mapped — until bob reports his port mapping (his log), then prints it
wait_mapped() {
    local t0
    t0=$(now_ms)
    lab_wait_for 20 bob_mapped
    bob_mapped || fail "bob reported no port mapping within 20 s"
    echo "  bob mapped in $(($(now_ms) - t0)) ms: $(grep -m1 -o 'port [0-9]* mapped at .*' "$LAB_DIR/receiver.err")"
    # what check_unmapped looks for is there while the mapping lives (miniupnpd may answer a
    # NAT-PMP request a moment before its nft rule is in: seen once, 27 ms after the request)
    lab_wait_for 5 forwards_mapped_port || fail "bob's gateway does not forward the port he mapped"
}
# mapped_external — the external port the mapped side's log names last ("mapped at A:PORT")
mapped_external() {
    grep -o 'mapped at [0-9.]*:[0-9]*' "$LAB_DIR/$MAPPED_LOG" | tail -n 1 | sed 's/.*://'
}
# forwards_mapped_port — the mapped side's miniupnpd forwards the external port its log names
forwards_mapped_port() {
    local external
    external=$(mapped_external)
    [ -n "$external" ] || fail "$MAPPED_LOG names no mapped port"
    lab_exec "$MAPPED_ROUTER" nft list chain inet miniupnpd prerouting_miniupnpd |
        grep -q "dport $external "
}
bob_mapped() { grep -q "mapped at .* via $MAPPER" "$LAB_DIR/$MAPPED_LOG"; }
# check_unmapped — bob (--once) has exited: his gateway no longer forwards the port he mapped
check_unmapped() {
    ! forwards_mapped_port || fail "the mapped side exited, but $MAPPED_ROUTER still forwards its port"
    echo "  the mapped side exited and deleted its mapping: $MAPPED_ROUTER forwards it no more"
}
# The conflict cases: OTHER_PORT is bob's punch port P, which the other host (hb2) holds as
# an external port on bob's gateway before bob asks for it.
OTHER_PORT=""
# block_ssdp / unblock_ssdp — bob's SSDP searches (UDP 1900 to his router) are dropped, so that
# his gateway stays unknown to him until the other host holds his port
block_ssdp() {
    lab_exec rb nft -f - <<NFT || fail "cannot block bob's SSDP"
table inet lab_block_ssdp {
    chain input {
        type filter hook input priority -10; policy accept;
        ip saddr $(lab_ip hb) udp dport 1900 counter drop
    }
}
NFT
}
unblock_ssdp() { lab_exec rb nft delete table inet lab_block_ssdp || fail "cannot unblock bob's SSDP"; }
bob_unmapped_round() { grep -q "no port mapping for port [0-9]* - " "$LAB_DIR/receiver.err"; }
# conflict_setup — bob runs, his first round of port mapping found no gateway (SSDP blocked);
# the other host maps external port P (bob's punch port) to itself; then bob may find the
# gateway, and must get another external port on his next round
conflict_setup() {
    lab_wait_for 20 bob_unmapped_round ||
        fail "bob reported no failed port-mapping round within 20 s (SSDP blocked)"
    OTHER_PORT=$(grep -m1 -o 'no port mapping for port [0-9]*' "$LAB_DIR/receiver.err" | sed 's/.* //')
    local http out
    http=$(lab_miniupnpd_http_port rb)
    [ -n "$http" ] || fail "miniupnpd in rb has no HTTP port"
    add_log "the other host's AddPortMapping" "$LAB_DIR/upnpmap.log"
    lab_exec hb2 timeout 15 python3 "$HERE/upnpmap.py" "${LAB_LANNET[rb]}.1" \
        "$http" "$(lab_ip hb2)" "$OTHER_PORT" "$OTHER_PORT" >"$LAB_DIR/upnpmap.log" 2>&1 ||
        fail "the other host could not map external port $OTHER_PORT: $(cat "$LAB_DIR/upnpmap.log")"
    echo "  the other host (hb2, $(lab_ip hb2)) holds external port $OTHER_PORT, bob's punch port: $(cat "$LAB_DIR/upnpmap.log")"
    unblock_ssdp
}
# check_conflict — bob got another external port than P, P still forwards to the other host,
# and bob's renewals kept his port (one "mapped at" in his log after a few refresh intervals)
check_conflict() {
    local external chain renewals
    external=$(mapped_external)
    if [ -z "$external" ] || [ "$external" = "$OTHER_PORT" ]; then
        fail "bob's external port is '$external', the other host's P is $OTHER_PORT"
    fi
    chain=$(lab_exec rb nft list chain inet miniupnpd prerouting_miniupnpd)
    grep -q "dport $OTHER_PORT .*$(lab_ip hb2):$OTHER_PORT" <<<"$chain" ||
        fail "external port $OTHER_PORT no longer forwards to the other host: $chain"
    grep -q "dport $external .*$(lab_ip hb):$OTHER_PORT" <<<"$chain" ||
        fail "external port $external does not forward to bob's $(lab_ip hb):$OTHER_PORT: $chain"
    echo "  bob got external port $external (P $OTHER_PORT is the other host's): $(grep -m1 -o 'port [0-9]* mapped at .*' "$LAB_DIR/receiver.err")"
    # renewals ask for the port granted: after 2.5 refresh intervals still the one mapping
    sleep "$(awk "BEGIN { print $PORT_MAP_REFRESH_MS * 2.5 / 1000 }")"
    renewals=$(grep -c 'mapped at ' "$LAB_DIR/receiver.err")
    if [ "$renewals" != 1 ] || [ "$(mapped_external)" != "$external" ]; then
        fail "bob's mapping changed while he renewed it: $(grep -o 'port [0-9]* mapped at .*' "$LAB_DIR/receiver.err" | tr '\n' ';')"
    fi
    [ "$(lab_exec rb nft list chain inet miniupnpd prerouting_miniupnpd | grep -c "$(lab_ip hb):")" = 1 ] ||
        fail "bob holds more than one mapping on rb after renewing"
    echo "  renewed every $PORT_MAP_REFRESH_MS ms: still external port $external, one mapping"
}
# restart_gateway — miniupnpd stops, its forwards are flushed, and it starts again (empty, on a
# new HTTP port); bob's mapping must be back on the gateway within 20 s
bob_mapped_again() {
    # his last word on the mapping is "mapped", and the gateway forwards that port again
    local last
    last=$(grep -E -o 'mapped at [0-9.]*:[0-9]*|no port mapping for port' "$LAB_DIR/receiver.err" | tail -n 1)
    [[ "$last" == "mapped at"* ]] && forwards_mapped_port
}
restart_gateway() {
    local t_stop t_up t_back http_before http_after
    http_before=$(lab_miniupnpd_http_port rb)
    t_stop=$(now_ms)
    lab_miniupnpd_stop rb
    lab_exec rb nft flush chain inet miniupnpd prerouting_miniupnpd
    lab_exec rb nft flush chain inet miniupnpd miniupnpd
    ! forwards_mapped_port || fail "bob's port is still forwarded after the flush"
    lab_miniupnpd rb upnp || fail "miniupnpd does not start again in rb"
    t_up=$(now_ms)
    http_after=$(lab_miniupnpd_http_port rb)
    echo "  miniupnpd stopped, its forwards flushed, started again (HTTP port $http_before -> $http_after) in $((t_up - t_stop)) ms"
    lab_wait_for 20 bob_mapped_again ||
        fail "bob's mapping is not back on the restarted gateway within 20 s (refresh every $PORT_MAP_REFRESH_MS ms)"
    t_back=$(now_ms)
    echo "  bob's mapping is back (external port $(mapped_external)) $((t_back - t_up)) ms after the gateway was up again, $((t_back - t_stop)) ms after it stopped"
    grep -o 'no port mapping for port .*' "$LAB_DIR/receiver.err" | head -n 2 | sed 's/^/    bob meanwhile: /'
}

# check_not_relayed — the server paired no relay session
check_not_relayed() {
    local f
    for f in "$LAB_DIR"/server-*.log; do
        if grep -q "relay session .* paired" "$f"; then
            fail "the server relayed: $(grep -m1 'relay session .* paired' "$f")"
        fi
    done
    echo "  the server relayed nothing"
}

# ---------------------------------------------------------------------------------------------
# port guessing (birthday, birthday-spread)

# birthday_runs — alice sends NATLAB_BIRTHDAY_RUNS copies of the payload, one `send` each, to
# bob (who stays up); every copy must arrive intact, and at least 80 % must go direct by port
# guessing within 3 s of the request. Prints the success rate and the times. (--no-port-map: no
# router here maps ports, and a `send` that ends while its gateway discovery still waits for an
# answer exits only when that discovery gives up, seconds later.)
birthday_runs() {
    local runs=${NATLAB_BIRTHDAY_RUNS:-10} i rc hits=0 relayed=0 times=() out ev kind method ms got
    for ((i = 1; i <= runs; i++)); do
        local file="$LAB_DIR/out/attempt-$i.bin"
        cp "$PAYLOAD" "$file"
        out="$LAB_DIR/sender-$i.jsonl"
        SENDER_OUT=$out
        lab_spawn -e "$LAB_DIR/sender-$i.err" "$SENDER_HOST" "$out" "$PD" send "${VERBOSE[@]}" \
            --server "$SERVER" --to bob --json --timeout "$SEND_TIMEOUT" "$file" --name alice \
            --config-dir "$LAB_DIR/conf-alice" --no-port-map "${BUDGET_FLAGS[@]}"
        lab_wait_pid "$LAB_LAST_PID" "$SEND_DEADLINE"
        rc=$?
        ev=$(events "$out" path | tail -n 1)
        kind=$(field kind <<<"$ev")
        method=$(field method <<<"$ev")
        ms=$(field time_ms <<<"$ev")
        if [ "$rc" != 0 ]; then
            add_log "sender $i stdout" "$out"
            add_log "sender $i stderr" "$LAB_DIR/sender-$i.err"
            fail "attempt $i: the sender exited with $rc: $(events "$out" error | head -n 1)"
        fi
        got="$INBOX/attempt-$i.bin"
        [ -f "$got" ] || fail "attempt $i: the file did not arrive"
        [ "$(sha256sum "$got" | cut -d' ' -f1)" = "$PAYLOAD_SHA" ] ||
            fail "attempt $i: the received file differs from the sent one"
        if [ "$method" = birthday ] && [ "${ms:-99999}" -le 3000 ]; then
            hits=$((hits + 1))
            times+=("$ms")
        fi
        [ "$kind" = relay ] && relayed=$((relayed + 1))
        echo "  attempt $i: ${kind:-?}/${method:-?} in ${ms:-?} ms, file intact"
    done
    local sorted
    sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
    echo "  port guessing: $hits of $runs direct within 3 s ($relayed relayed); times (ms): $sorted"
    [ $((hits * 10)) -ge $((runs * 8)) ] ||
        fail "only $hits of $runs attempts went direct by port guessing within 3 s (80 % wanted)"
    PATH_KIND=direct
    PATH_METHOD=birthday
}

# ---------------------------------------------------------------------------------------------
# path upgrade (upgrade)

# block_direct / unblock_direct — core drops every packet between the two routers' public
# addresses (they are bridged there), while both still reach the server (routed): every punch
# fails, the relay works.
block_direct() {
    local a=${LAB_PUBLIC[ra]} b=${LAB_PUBLIC[rb]} file="$LAB_DIR/nft-block.nft"
    cat >"$file" <<NFT
table bridge block_direct {
    chain f {
        type filter hook forward priority -5; policy accept;
        ip saddr $a ip daddr $b counter drop
        ip saddr $b ip daddr $a counter drop
    }
}
NFT
    lab_exec core nft -f "$file" || fail "cannot block the direct path"
}
unblock_direct() { lab_exec core nft delete table bridge block_direct || fail "cannot lift the block"; }

# spawn_moving_send — alice starts one send to bob (the cases whose path changes while it
# runs); its pid in SPID, its events in SENDER_OUT.
spawn_moving_send() {
    SENDER_OUT="$LAB_DIR/sender.jsonl"
    add_log "sender stdout" "$SENDER_OUT"
    add_log "sender stderr" "$LAB_DIR/sender.err"
    mkdir -p "$LAB_DIR/conf-alice"
    lab_spawn -e "$LAB_DIR/sender.err" "$SENDER_HOST" "$SENDER_OUT" "$PD" send "${VERBOSE[@]}" \
        --server "$SERVER" --to bob --json --timeout "$SEND_TIMEOUT" "$PAYLOAD" --name alice \
        --config-dir "$LAB_DIR/conf-alice" --no-port-map
    SPID=$LAB_LAST_PID
}

# finish_moving_send KEY FROM — alice and bob exit 0, the file arrived once and intact, and
# bob's second path event says "KEY":"FROM" too (upgraded_from relay, downgraded_from direct).
finish_moving_send() {
    local key=$1 from=$2 rc
    lab_wait_pid "$SPID" "$SEND_DEADLINE"
    rc=$?
    [ "$rc" = 0 ] || fail "the sender exited with $rc: $(events "$SENDER_OUT" error | head -n 1)"
    lab_wait_pid "$RECEIVER_PID" "$RECEIVER_DEADLINE"
    rc=$?
    [ "$rc" = 0 ] || fail "the receiver exited with $rc: $(events "$RECEIVER_OUT" error | head -n 1)"
    local got="$INBOX/$(basename "$PAYLOAD")"
    [ -f "$got" ] || fail "the file did not arrive"
    [ "$(sha256sum "$got" | cut -d' ' -f1)" = "$PAYLOAD_SHA" ] || fail "the received file differs"
    [ ! -e "$got (1)" ] || fail "the file arrived twice"
    events "$RECEIVER_OUT" path | grep -q "\"$key\":\"$from\"" ||
        fail "the receiver's path events say nothing of $key $from"
}

# upgrade_run — alice sends while the direct path is blocked; 2.5 s after her relayed path the
# block goes; her transfer must move to a direct path within 2 s of that, and the relay must
# have carried less than half the file.
upgrade_run() {
    block_direct
    spawn_moving_send
    local spid=$SPID t_relay t_lift t_up
    lab_wait_for 30 relayed_path || fail "the sender printed no relayed path within 30 s"
    t_relay=$(now_ms)
    echo "  the transfer started on the relay (direct path blocked): $(events "$SENDER_OUT" path | head -n 1)"
    sleep 2.5
    lab_alive "$spid" || fail "the transfer ended before the block was lifted (the file is too small)"
    t_lift=$(now_ms)
    unblock_direct
    lab_wait_for 15 upgraded_path
    t_up=$(now_ms)
    local up
    up=$(events "$SENDER_OUT" path | grep upgraded_from | head -n 1)
    [ -n "$up" ] || fail "no path upgrade within 15 s of lifting the block"
    echo "  moved $((t_up - t_lift)) ms after the block was lifted ($((t_lift - t_relay)) ms after the relayed path): $up"
    [ $((t_up - t_lift)) -le 2000 ] || fail "the move came $((t_up - t_lift)) ms after the block was lifted (2000 wanted)"
    finish_moving_send upgraded_from relay
    local done_ev relay direct size
    done_ev=$(events "$SENDER_OUT" done | tail -n 1)
    relay=$(field relay_bytes <<<"$done_ev")
    direct=$(field direct_bytes <<<"$done_ev")
    size=$(stat -c %s "$PAYLOAD")
    echo "  done: $done_ev"
    [ $((relay + direct)) = "$size" ] || fail "relay_bytes + direct_bytes = $((relay + direct)), the file has $size"
    [ $((relay * 2)) -lt "$size" ] || fail "the relay carried $relay of $size bytes (less than half wanted)"
    echo "  file intact; the relay carried $relay of $size bytes ($((relay * 100 / size)) %), the direct path $direct"
    PATH_KIND=direct
    PATH_METHOD=$(field method <<<"$up")
}
relayed_path() { events "$SENDER_OUT" path | grep -q '"kind":"relay"'; }

# throttle_direct — core polices the packets between the two routers' public addresses (the
# direct path) to 8 MB/s each way, so a transfer lasts long enough to be cut mid-way; the
# relay (routed through the server) is not affected.
throttle_direct() {
    local a=${LAB_PUBLIC[ra]} b=${LAB_PUBLIC[rb]} file="$LAB_DIR/nft-throttle.nft"
    cat >"$file" <<NFT
table bridge throttle_direct {
    chain f {
        type filter hook forward priority -10; policy accept;
        ip saddr $a ip daddr $b limit rate over 8 mbytes/second burst 1 mbytes drop
        ip saddr $b ip daddr $a limit rate over 8 mbytes/second burst 1 mbytes drop
    }
}
NFT
    lab_exec core nft -f "$file" || fail "cannot throttle the direct path"
}

# fallback_run — alice sends over a punched path; 2 s later the path dies (every packet between
# the routers dropped, silently, as when a NAT forgets a mapping). Her transfer must fall back
# to the relay and complete: the file intact, each byte received once, most after the cut.
fallback_run() {
    throttle_direct
    spawn_moving_send
    local spid=$SPID t_direct t_cut t_fell
    lab_wait_for 30 direct_path || fail "the sender printed no direct path within 30 s"
    t_direct=$(now_ms)
    echo "  the transfer started direct: $(events "$SENDER_OUT" path | head -n 1)"
    sleep 2
    lab_alive "$spid" || fail "the transfer ended before the cut (the file is too small)"
    t_cut=$(now_ms)
    block_direct
    lab_wait_for 40 downgraded_path || fail "no fallback to the relay within 40 s of the cut"
    t_fell=$(now_ms)
    local fell
    fell=$(events "$SENDER_OUT" path | grep downgraded_from | head -n 1)
    echo "  fell back $((t_fell - t_cut)) ms after the cut ($((t_cut - t_direct)) ms after the direct path): $fell"
    [ "$(field kind <<<"$fell")" = relay ] || fail "the second path is not the relay: $fell"
    finish_moving_send downgraded_from direct
    local done_ev relay direct size sent_ev
    done_ev=$(events "$RECEIVER_OUT" done | tail -n 1)
    sent_ev=$(events "$SENDER_OUT" done | tail -n 1)
    relay=$(field relay_bytes <<<"$done_ev")
    direct=$(field direct_bytes <<<"$done_ev")
    size=$(stat -c %s "$PAYLOAD")
    echo "  receiver done: $done_ev"
    echo "  sender done:   $sent_ev"
    [ $((relay + direct)) = "$size" ] ||
        fail "the receiver got relay_bytes + direct_bytes = $((relay + direct)), the file has $size"
    [ "$direct" -gt 0 ] && [ "$relay" -gt 0 ] || fail "both paths should have carried part of the file"
    echo "  file intact; the direct path carried $direct of $size bytes before the cut, the relay $relay after it"
    PATH_KIND=relay
    PATH_METHOD=relay
}
direct_path() { events "$SENDER_OUT" path | grep -q '"kind":"direct"'; }
downgraded_path() { events "$SENDER_OUT" path | grep -q downgraded_from; }
upgraded_path() { events "$SENDER_OUT" path | grep -q upgraded_from; }

# ---------------------------------------------------------------------------------------------
# the cases

run_case() {
    [[ "$CASE" == v6-* ]] && LAB_IPV6=1 # before lab_init: every node gets IPv6
    lab_init
    lab_add_server || fail "cannot build the server namespace"
    local kind=direct methods=tcp-punch
    case "$CASE" in
        prc-prc) pair prc prc ;;
        prc-full) pair prc full ;;
        prc-arc) pair prc arc ;;
        full-full) pair full full ;;
        full-sym) pair full sym ;;
        arc-sym) pair arc sym ;;
        sym-full) pair sym full ;;
        prc-sym)
            pair prc sym
            kind=relay
            methods=relay
            SENDER_FLAGS=(--no-birthday)
            RECEIVER_FLAGS=(--once --no-birthday)
            ;;
        birthday) pair prc sym; RECEIVER_FLAGS=("${BUDGET_FLAGS[@]}") ;;
        birthday-spread) pair sym prc; RECEIVER_FLAGS=("${BUDGET_FLAGS[@]}") ;;
        birthday-seq) pair prc seq; RECEIVER_FLAGS=("${BUDGET_FLAGS[@]}") ;;
        upgrade)
            pair prc prc
            SERVER_EXTRA=(--relay-rate 8000000)
            PAYLOAD_MIB=${NATLAB_PAYLOAD_MIB:-96}
            ;;
        fallback)
            pair prc prc
            PAYLOAD_MIB=${NATLAB_PAYLOAD_MIB:-96}
            ;;
        sym-sym) pair sym sym; kind=relay; methods=relay ;;
        same-nat)
            lab_add_router ra prc || fail "cannot build router ra"
            lab_add_host ha ra && lab_add_host ha2 ra || fail "cannot build hosts"
            RECEIVER_HOST=ha2
            methods="lan|tcp-punch"
            ;;
        cgn)
            lab_add_cgn cgn prc || fail "cannot build the CGN"
            lab_add_router rc prc via cgn || fail "cannot build router rc"
            lab_add_router rb prc || fail "cannot build router rb"
            lab_add_host hc rc && lab_add_host hb rb || fail "cannot build hosts"
            SENDER_HOST=hc
            ;;
        rst) pair "prc rst" "prc rst"; kind=any; methods=any ;;
        loss) pair "prc loss 50" "prc loss 50"; kind=any; methods=any ;;
        server-restart) pair prc prc; kind=any; methods=any ;;
        nat-timeout) pair "prc timeout $NAT_TIMEOUT" "prc timeout $NAT_TIMEOUT" ;;
        hostile)
            pair prc prc
            lab_add_router rx prc && lab_add_host hx rx || fail "cannot build the hostile host"
            lab_require openssl
            [ -x "${NATLAB_CONTROL_HOSTILE:-}" ] \
                || fail "NATLAB_CONTROL_HOSTILE (the natlab_control_hostile program) is not set"
            kind=any
            methods=any
            ;;
        prc-symupnp | prc-symupnp-stopped | prc-symupnp-restart | prc-symupnp-conflict*)
            pair prc sym
            MAPPER=upnp
            methods=port-map
            [ "$CASE" = prc-symupnp-stopped ] && kind=relay && methods=relay
            if [ "$CASE" = prc-symupnp-restart ] || [[ "$CASE" == prc-symupnp-conflict* ]]; then
                RECEIVER_ENV=(PUNCHDROP_PORT_MAP_REFRESH_MS="$PORT_MAP_REFRESH_MS")
            fi
            if [[ "$CASE" == prc-symupnp-conflict* ]]; then
                lab_add_host hb2 rb || fail "cannot build the other host behind rb"
                [ "$CASE" = prc-symupnp-conflict-v1 ] && MINIUPNPD_OPTS=(igd1)
                [ "$CASE" = prc-symupnp-conflict ] || [ "$CASE" = prc-symupnp-conflict-v1 ] ||
                    { echo "unknown case '$CASE'" >&2; usage; }
            fi
            ;;
        prc-symnatpmp) pair prc sym; MAPPER=natpmp; methods=port-map ;;
        prc-sympcp) pair prc sym; MAPPER=pcp; methods=port-map ;;
        cluster) pair prc prc ;;
        v6-*)
            SERVER_EXTRA=(--listen-ipv6 "$LAB_SERVER_IP6")
            case "$CASE" in
                v6-symsym) pair sym sym; FAMILY=ipv6 ;;
                v6-prc-v4only) pair prc "prc nov6"; FAMILY=ipv4 ;;
                v6-prc-v6only)
                    lab_add_router ra prc && lab_add_router rb prc || fail "cannot build routers"
                    lab_add_host ha ra && lab_add_host hb rb v6only || fail "cannot build hosts"
                    RECEIVER_SERVER="[$LAB_SERVER_IP6]:$PORT"
                    FAMILY=ipv6
                    ;;
                *) echo "unknown case '$CASE'" >&2; usage ;;
            esac
            ;;
        symupnp-prc)
            pair sym prc
            MAPPER=upnp
            MAPPED_ROUTER=ra
            MAPPED_LOG=sender.err
            methods=port-map
            ;;
        *) echo "unknown case '$CASE'" >&2; usage ;;
    esac
    echo "natlab[$CASE]: lab up in $(($(now_ms) - T_START)) ms; alice in $SENDER_HOST" \
        "($(lab_ip "$SENDER_HOST" 2>/dev/null || lab_ip6 "$SENDER_HOST")), bob in $RECEIVER_HOST" \
        "($(lab_ip "$RECEIVER_HOST" 2>/dev/null || lab_ip6 "$RECEIVER_HOST"))"
    make_payload
    if [ "$CASE" = cluster ]; then start_cluster; else start_server; fi
    if [ -n "$MAPPER" ]; then
        start_gateway "$MAPPED_ROUTER" "$MAPPER" "${MINIUPNPD_OPTS[@]}"
    fi
    [[ "$CASE" == prc-symupnp-conflict* ]] && block_ssdp
    start_receiver "$RECEIVER_HOST"
    [[ "$CASE" == prc-symupnp-conflict* ]] && conflict_setup
    if [ -n "$MAPPER" ] && [ "$MAPPED_ROUTER" = rb ]; then
        wait_mapped
        [[ "$CASE" == prc-symupnp-conflict* ]] && check_conflict
        [ "$CASE" = prc-symupnp-restart ] && restart_gateway
        if [ "$CASE" = prc-symupnp-stopped ]; then
            lab_miniupnpd_stop rb
            # whatever miniupnpd left behind goes too: the gateway forgot the mapping
            lab_exec rb nft flush chain inet miniupnpd prerouting_miniupnpd
            lab_exec rb nft flush chain inet miniupnpd miniupnpd
            echo "  miniupnpd stopped, its forwards flushed: bob's mapping no longer forwards"
        fi
    fi

    if [ "$CASE" = server-restart ]; then
        local t0 src
        t0=$(now_ms)
        lab_stop "$SERVER_PID" 10
        wait "$SERVER_PID" 2>/dev/null
        src=$?
        echo "  server stopped with SIGTERM: exit status $src"
        [ "$src" = 0 ] || note "the server did not exit 0 on SIGTERM (status $src)"
        lab_alive "$RECEIVER_PID" || fail "the receiver exited when the server went away"
        start_server
        lab_wait_for "$REGISTER_TIMEOUT" receiver_registered 2
        lab_alive "$RECEIVER_PID" || fail "the receiver exited after the server restart"
        if [ "$(count_events "$RECEIVER_OUT" registered)" -ge 2 ]; then
            echo "  bob re-registered (2nd 'registered' event) $(($(now_ms) - t0)) ms after the server stopped"
        else
            note "bob printed no 2nd 'registered' event within $REGISTER_TIMEOUT s; the send below proves (or not) that he re-registered"
        fi
    fi
    [ "$CASE" = hostile ] && start_hostiles
    if [ "$CASE" = nat-timeout ]; then
        echo "  bob idles ${IDLE_SECS} s; the routers forget idle mappings after $NAT_TIMEOUT s"
        local i
        for ((i = 0; i < IDLE_SECS; i++)); do
            lab_alive "$RECEIVER_PID" || fail "the receiver exited while idling"
            sleep 1
        done
        local ctl
        ctl=$(lab_exec rb conntrack -L -p tcp --dport "$PORT" 2>/dev/null | grep ESTABLISHED | head -n 1)
        if [ -n "$ctl" ]; then
            echo "  bob's control connection is still mapped by rb: $ctl"
        else
            note "rb holds no ESTABLISHED entry for bob's control connection after $IDLE_SECS s idle"
        fi
    fi

    if [[ "$CASE" == birthday* ]]; then
        birthday_runs
        if [ "$CASE" = birthday-seq ]; then
            # the prediction, not luck: 64 sockets a side at random hit 6 % of the time
            grep -q "symmetric (sequential)" "$LAB_DIR"/server-*.log ||
                fail "bob's NAT was not detected as sequential (server log)"
            grep -q "probe-seq" "$LAB_DIR"/sender-1.err ||
                note "alice's log does not name her part (probe-seq); run with NATLAB_VERBOSE=1 to see it"
            echo "  bob's NAT was detected as symmetric (sequential): 64 sockets a side, guesses above his last port"
        fi
    elif [ "$CASE" = upgrade ]; then
        upgrade_run
    elif [ "$CASE" = fallback ]; then
        fallback_run
    else
        send_and_check "$SENDER_HOST" "$kind" "$methods"
    fi

    [ "$CASE" = hostile ] && check_hostiles
    [ "$CASE" = cluster ] && check_cluster
    if [ -n "$MAPPER" ] && [ "$kind" = direct ]; then
        [ "$PATH_MAPPER" = "$MAPPER" ] || fail "path mapper is '$PATH_MAPPER', expected '$MAPPER'"
        check_not_relayed
        check_unmapped
    fi
    if [ "$CASE" = prc-symupnp-stopped ]; then
        # alice does not see bob's NAT type (not contacts), so she punches every candidate for
        # the 4 s deadline as without a mapping; the dead mapping is dialled alongside the others
        # and may add at most one attempt (1 s). (When both NAT types are known, the pair tries
        # only the mapping, for 2 s: tst_peerconnector::portMappingBeatsHopelessNats.)
        [ "${PATH_TIME_MS:-99999}" -lt 5000 ] ||
            fail "the dead mapping cost ${PATH_TIME_MS} ms before the relay (more than one attempt)"
    fi
    if [ -n "$FAMILY" ]; then
        check_not_relayed
        # the sym×sym pair relays in IPv4 (case sym-sym): IPv6 made it direct
        if [ "$CASE" != v6-prc-v4only ]; then
            grep -q "also registered over IPv6 as" "$LAB_DIR/sender.err" ||
                fail "alice did not claim her IPv6 address (sender log)"
        fi
    fi
    if [ "$CASE" = loss ]; then
        echo "  loss rules dropped $(lab_loss_drops ra) packets on ra's WAN, $(lab_loss_drops rb) on rb's"
    fi
    lab_alive "$SERVER_PID" || fail "the server is gone at the end of the case"
    local reg_s reg_r
    reg_s=$(events "$SENDER_OUT" registered | head -n 1)
    reg_r=$(events "$RECEIVER_OUT" registered | head -n 1)
    echo "natlab[$CASE]: PASS in $(($(now_ms) - T_START)) ms — path ${PATH_KIND}/${PATH_METHOD}," \
        "nat alice=$(field nat_type <<<"$reg_s") bob=$(field nat_type <<<"$reg_r")"
    local n
    for n in "${NOTES[@]}"; do echo "  note: $n"; done
}

run_case
exit 0
