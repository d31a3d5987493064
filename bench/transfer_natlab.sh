#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# File transfer throughput across the NAT lab on the direct (hole-punched) path, with socat,
# iperf3, scp and rsync over ssh on the same path in the same run (issues 4, 14). One lab
# (tests/natlab/lab.sh):
#
#   srv 198.51.100.10:8877   punchdrop --server
#   ha 10.0.1.2 behind ra (prc, WAN 203.0.113.1)   alice: punchdrop send, socat / iperf3 / scp /
#                                                  rsync clients
#   hb 10.0.2.2 behind rb (prc, WAN 203.0.113.2)   bob:   punchdrop receive, socat / iperf3
#                                                  servers, a private sshd (10.0.2.2:15501)
#
# Port-restricted cone on both sides (the common home router), so PunchDrop's path is a real TCP
# simultaneous open through both NATs; the run fails unless the sender's JSON `path` event says
# kind=direct, method=tcp-punch and the received file's SHA-256 equals the sent one.
#
# The baselines go the same way: ha → ra (masquerade) → ra's WAN veth → core's bridge br0 → rb's
# WAN veth → rb → hb. rb gets a static port forward (lab_port_forward: tcp dport 15201/15301, and
# 15501 for ssh, on its WAN → hb) for the baselines' ports only, because a plain connect cannot pass a
# port-restricted NAT uninvited. The baseline packets therefore cross the same veth links, bridges
# and routers, with conntrack and NAT on both routers as the punched flow has (one masquerade on
# ra, one DNAT on rb instead of a second masquerade: one conntrack lookup and one header rewrite
# per packet and router either way). The ports lie below the ephemeral range, so no PunchDrop
# socket can fall into the forward.
#
# Per run, in this order, the same SIZE_MIB file from tmpfs to tmpfs (/dev/shm):
#   1. punchdrop send → punchdrop receive, direct (TLS 1.3 AES-128-GCM, XXH3-128 on both sides),
#      each under /usr/bin/time -v (peak RSS, CPU)
#   2. socat -u, default 8 KiB blocks;  3. socat -u -b 262144   (cmp checks each copy)
#   4. scp, then rsync --whole-file over ssh, both -c aes128-gcm@openssh.com, no compression, to a
#      private sshd in hb (below; SHA-256 checks each copy)
#   5. iperf3 -t IPERF_SECS (memory to memory, the link's ceiling)
#   6. punchdrop send --relay-only (through the server's relay in srv; path kind=relay); the
#      server's CPU for the round from /proc/PID/stat around it (every round prints it)
#   7. socat -b 262144 through a socat forwarder (-b 262144) in srv: ha → srv:15401 → rb's
#      forward → hb, the relay's path with a raw forwarder (the relay goal's baseline); the
#      forwarder under /usr/bin/time -v too, so the relay table sets server against forwarder
#   8. small files, direct: 10,000 × 4 KiB and 1,000 × 256 KiB (100 folders each) with punchdrop
#      send FOLDER, against tar c | socat -b 262144 → socat | tar x on the same path and
#      rsync -r --times over ssh (diff -r each)
#   then tbf RATE (default 1gbit) on both WAN links, both directions, and 1.–5. again.
# Before the rounds, the algorithm floor on this machine: `openssl speed` AES-128-GCM (256 KiB
# buffers) and `xxhsum -b` XXH3-128, as CPU-seconds per GiB per side (what each side must at
# least spend on the cipher and the digest; the kernel's copies come on top).
# Throughput is bytes / time in MB/s (10^6). PunchDrop's time is the sender's `done.time_ms`: from
# the send request (punch, TLS handshake, offer, accept included) until the receiver confirmed
# the verified file. socat's time runs from starting the client until the listener exited (file
# written). The ratios compare those two.
#
# scp and rsync (issue 14): ha → 203.0.113.2:15501 (rb's forward) → sshd on hb 10.0.2.2:15501, the
# socat path. sshd is a private one, started per row inside ns hb only: `sshd -D -e -f CONFIG`
# with its config, a throwaway ed25519 host key, a throwaway client key (AuthorizedKeysFile) and
# its PidFile in the lab's temp dir (root login by key only, UsePAM no, StrictModes no, sftp
# internal); it is stopped by its PID after the row and in the exit trap. It needs the privilege
# separation dir /run/sshd (created if missing, as the package's service would). The client:
# ssh -F /dev/null (no user or system ssh config) -o StrictHostKeyChecking=no
# -o UserKnownHostsFile=/dev/null -i KEY -c aes128-gcm@openssh.com -o Compression=no. scp is
# OpenSSH's default (the SFTP protocol since OpenSSH 9.0), rsync is `rsync --whole-file
# --no-compress -e "ssh <the same options>"`. Time: from starting the client (ssh key exchange and
# authentication included, as PunchDrop's includes punch and handshake) until it exited (both wait
# for the server's confirmation that the file is written); MB/s, and the ratio to socat -b 262144
# of the same round. CPU (user + system s): client = scp or rsync with the ssh it spawns, under
# /usr/bin/time -v; sshd side = /usr/bin/time -v of the sshd listener, stopped once its session
# has ended, which counts the listener (start-up, idle) and every process it reaped: the
# connection's re-executed sshd, its privilege-separated child, and the sftp server (in-process)
# or the shell and `rsync --server` processes. Skipped with a line in the summary when sshd, ssh,
# scp, ssh-keygen or rsync are missing (scripts/install-deps.sh installs openssh-server and
# rsync; the package's own sshd service is never used) or with BENCH_SKIP_SSH=1.
#
# results.tsv, one line per phase and round: commit, phase, round, MiB, PunchDrop ms, socat ms,
# socat -b ms, iperf3 MB/s, RSS sender, RSS receiver (KiB), CPU sender, CPU receiver, load, scp ms,
# rsync ms, CPU scp client, scp sshd side, rsync client, rsync sshd side (s; "-" when skipped).
#
# Usage: sudo bench/transfer_natlab.sh [-n RUNS] [-s SIZE_MIB] [-r RATE] [-o OUTDIR] [PUNCHDROP_BINARY]
#   RUNS       measurement rounds in the one lab (default 1; the goals want 3)
#   SIZE_MIB   file size (default 2048)
#   RATE       tbf rate of the limited phase, tc syntax (default 1gbit; "none" skips that phase)
#   OUTDIR     summary.txt, results.tsv and every process's log (default: a new /tmp dir)
#   binary     default: $PUNCHDROP_BINARY, else build/natbench/src/app/punchdrop
# Environment: BENCH_IPERF_SECS (default 10), BENCH_SKIP_SOCAT=1 (no socat rows),
#              BENCH_SKIP_SSH=1 (no scp / rsync rows), BENCH_SKIP_SMALL=1 (no small-file rows),
#              BENCH_NICE=N (run every measured process, PunchDrop and baselines alike, under
#              nice -n N: a diagnostic for how much the other load on the machine costs),
#              BENCH_COMMIT (the label of the measured code when the binary was not built from
#              this tree, e.g. from `git archive COMMIT`; default: this tree's HEAD + dirty count),
#              TMPFS (default /dev/shm), NATLAB_KEEP=1 (leave the lab up), BENCH_WARM=0 (no
#              tmpfs warm-up before each measured copy; see warm_tmpfs).

# shellcheck disable=SC2317,SC2015 # functions run through lab_wait_for; A && B || die is meant
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/natlab/lab.sh
. "$ROOT/tests/natlab/lab.sh"

usage() { sed -n '/^# Usage/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
RUNS=1
SIZE_MIB=2048
RATE=1gbit
OUTDIR=""
while getopts "n:s:r:o:h" opt; do
    case $opt in
        n) RUNS=$OPTARG ;;
        s) SIZE_MIB=$OPTARG ;;
        r) RATE=$OPTARG ;;
        o) OUTDIR=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "transfer_natlab: -n wants a positive number" >&2; exit 2; }
[[ "$SIZE_MIB" =~ ^[1-9][0-9]*$ ]] || { echo "transfer_natlab: -s wants MiB > 0" >&2; exit 2; }
PD=${1:-${PUNCHDROP_BINARY:-$ROOT/build/natbench/src/app/punchdrop}}
[ -x "$PD" ] || { echo "transfer_natlab: punchdrop binary '$PD' not found (build a Release one)" >&2; exit 2; }
PD=$(cd "$(dirname "$PD")" && pwd)/$(basename "$PD")
IPERF_SECS=${BENCH_IPERF_SECS:-10}
NICE=(env) # a no-op prefix, or nice -n N for every measured process (BENCH_NICE)
if [ -n "${BENCH_NICE:-}" ]; then
    [[ "$BENCH_NICE" =~ ^-?[0-9]+$ ]] || { echo "transfer_natlab: BENCH_NICE wants a number" >&2; exit 2; }
    NICE=(nice -n "$BENCH_NICE")
fi
SHM=${TMPFS:-/dev/shm}

PORT=8877
SERVER="$LAB_SERVER_IP:$PORT"
IPERF_PORT=15201
SOCAT_PORT=15301
FORWARDER_PORT=15401 # the socat forwarder in srv (relay baseline)
SSH_PORT=15501       # the private sshd in hb (scp / rsync baselines), forwarded by rb
BYTES=$((SIZE_MIB * 1024 * 1024))
SEND_TIMEOUT=$((120 + SIZE_MIB / 8)) # punchdrop --timeout: ≥ 8 MB/s or it counts as a failure
DEADLINE=$((SEND_TIMEOUT + 30))       # every wait for a transfer process is bounded by this
REGISTER_TIMEOUT=30

lab_require socat iperf3 tc cmp python3 openssl xxhsum
[ -x /usr/bin/time ] || lab_unavailable "/usr/bin/time (GNU time) is needed for peak RSS"
[ -d "$SHM" ] || { echo "transfer_natlab: no tmpfs at $SHM" >&2; exit 2; }
# scp / rsync over ssh: SSH_SKIP says why they do not run (empty: they do)
SSH_SKIP=""
SSHD=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)
if [ "${BENCH_SKIP_SSH:-0}" = 1 ]; then
    SSH_SKIP="BENCH_SKIP_SSH=1"
else
    ssh_missing=()
    [ -x "$SSHD" ] || ssh_missing+=(sshd)
    for c in ssh scp ssh-keygen rsync pgrep; do
        command -v "$c" >/dev/null 2>&1 || ssh_missing+=("$c")
    done
    [ ${#ssh_missing[@]} -eq 0 ] ||
        SSH_SKIP="not installed: ${ssh_missing[*]} (scripts/install-deps.sh: openssh-server, rsync)"
fi
[ -n "$OUTDIR" ] || OUTDIR=$(mktemp -d /tmp/transfer_natlab.XXXXXX)
mkdir -p "$OUTDIR/logs"
OUTDIR=$(cd "$OUTDIR" && pwd)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
say() { printf '%s\n' "$*" | tee -a "$OUTDIR/summary.txt"; }
die() { say "transfer_natlab: FAIL: $*"; exit 1; }
# JSON lines of the CLI (one flat object per line)
events() { grep -E "\"event\"[[:space:]]*:[[:space:]]*\"$2\"" "$1" 2>/dev/null; }
field() {
    sed -n -E "s/.*\"$1\"[[:space:]]*:[[:space:]]*(\"([^\"]*)\"|([-0-9.eE+]+|true|false|null)).*/\2\3/p" |
        head -n 1
}
mbps() { awk -v b="$BYTES" -v ms="$1" 'BEGIN { if (ms > 0) printf "%.0f", b / 1e6 / (ms / 1000); else print "-" }'; }
ratio() { awk -v s="$1" -v p="$2" 'BEGIN { if (s > 0 && p > 0) printf "%.2f", s / p; else print "-" }'; }
files_per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.0f", n / (ms / 1000); else print "-" }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.0f %%", 100 * a / b; else print "-" }'; }
# timefile KEY FILE — a value from /usr/bin/time -v
timefile() { awk -F': ' -v k="$1" 'index($0, k) { gsub(/^[ \t]+/, "", $2); print $2 }' "$2" | head -n 1; }
# cpu_secs FILE — user + system CPU seconds from /usr/bin/time -v
cpu_secs() { awk -v u="$(timefile "User time" "$1")" -v s="$(timefile "System time" "$1")" 'BEGIN { printf "%.2f", u + s }'; }
# proc_ticks PID — user + system clock ticks a running process has spent so far (for the server,
# which runs through every round: its share of one round is the difference around it).
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
ticks_secs() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# warm_tmpfs PATH — writes as many MiB of zeros into tmpfs as PATH holds, and deletes them, right
# before a measured copy. A VM that hands freed memory back to its host (virtio-balloon free page
# reporting) pays a host fault for the first write to each such page: measured 2026-12-07, a
# 2 GiB receive into tmpfs took 3.7-4.7 s of system time on cold pages and 1.3 s right after
# this warm-up (2.7-9.8 s in the lab, 43 % of it in copy_folio_from_iter_atomic), while a
# baseline run right after PunchDrop deleted its copy got those warm pages. Warming before every
# copy, PunchDrop's and each baseline's, gives each the same start. BENCH_WARM=0 skips it.
warm_tmpfs() {
    [ "${BENCH_WARM:-1}" = 0 ] && return 0
    local mib
    mib=$(du -sm "$1" 2>/dev/null | cut -f1)
    dd if=/dev/zero of="$SHM_WORK/warm" bs=1M count="${mib:-1}" status=none 2>/dev/null
    rm -f -- "$SHM_WORK/warm"
}

# ---------------------------------------------------------------------------------------------
# the lab and the work dir on tmpfs

SHM_WORK=""
SSHD_PID="" # the private sshd of the current scp / rsync row (stopped by PID, here too)
bench_exit() {
    local rc=$?
    if [ -n "$SSHD_PID" ]; then
        kill -TERM "$SSHD_PID" 2>/dev/null
        lab_wait_for 3 sshd_gone || kill -KILL "$SSHD_PID" 2>/dev/null
    fi
    [ -n "$SHM_WORK" ] && [ -d "$SHM_WORK" ] && rm -rf -- "$SHM_WORK"
    (exit "$rc")
    lab_cleanup
}
lab_init
trap bench_exit EXIT
SHM_WORK=$(mktemp -d "$SHM/transfer_natlab.XXXXXX") || die "cannot create a work dir in $SHM"
PAYLOAD="$SHM_WORK/payload.bin"

T0=$(now_ms)
lab_add_server || die "cannot build the server namespace"
lab_add_router ra prc || die "cannot build router ra"
lab_add_router rb prc || die "cannot build router rb"
lab_add_host ha ra || die "cannot build host ha"
lab_add_host hb rb || die "cannot build host hb"
lab_port_forward rb "$IPERF_PORT" hb || die "cannot forward port $IPERF_PORT on rb"
lab_port_forward rb "$SOCAT_PORT" hb || die "cannot forward port $SOCAT_PORT on rb"
FORWARDS="$IPERF_PORT,$SOCAT_PORT"
if [ -z "$SSH_SKIP" ]; then
    lab_port_forward rb "$SSH_PORT" hb || die "cannot forward port $SSH_PORT on rb"
    FORWARDS+=",$SSH_PORT"
fi
BOB_PUBLIC=$(lab_public_ip hb)

if [ -n "${BENCH_COMMIT:-}" ]; then
    COMMIT=$BENCH_COMMIT
else
    COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    DIRTY=$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | wc -l)
    [ "$DIRTY" -gt 0 ] && COMMIT="$COMMIT+$DIRTY-uncommitted-in-src"
fi
say "transfer_natlab: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $COMMIT," \
    "$(nproc) cores, kernel $(uname -r), load average $(loadavg)"
say "  binary $PD${BENCH_NICE:+, every measured process under nice -n $BENCH_NICE}; TCP congestion" \
    "control $(lab_exec ha sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null || echo ?)"
say "  lab up in $(($(now_ms) - T0)) ms: alice ha $(lab_ip ha) behind ra prc $(lab_public_ip ha)," \
    "bob hb $(lab_ip hb) behind rb prc $BOB_PUBLIC (+ forward tcp $FORWARDS → hb for the baselines)"

t=$(now_ms)
# AES-128-CTR keystream under a random key: incompressible like /dev/urandom, several times faster
hexkey() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
if command -v openssl >/dev/null; then
    openssl enc -aes-128-ctr -nosalt -K "$(hexkey)" -iv "$(hexkey)" -in /dev/zero 2>/dev/null |
        head -c "$BYTES" >"$PAYLOAD"
else
    head -c "$BYTES" /dev/urandom >"$PAYLOAD"
fi
[ "$(stat -c %s "$PAYLOAD")" = "$BYTES" ] || die "cannot write $BYTES bytes to $PAYLOAD"
PAYLOAD_SHA=$(sha256sum "$PAYLOAD" | cut -d' ' -f1)
PAYLOAD_XXH=$(xxh128sum "$PAYLOAD" | cut -d' ' -f1) # what PunchDrop reports (both offer XXH3-128)
say "  payload $SIZE_MIB MiB on $SHM in $(($(now_ms) - t)) ms, sha256 $PAYLOAD_SHA"

# Small files (issue 14): 10,000 of 4 KiB and 1,000 of 256 KiB, random content, on tmpfs.
SMALL_SETS=(small4k:10000:4096 small256k:1000:262144)
if [ "${BENCH_SKIP_SMALL:-0}" != 1 ]; then
    t=$(now_ms)
    for set in "${SMALL_SETS[@]}"; do
        IFS=: read -r name count size <<<"$set"
        python3 - "$SHM_WORK/$name" "$count" "$size" <<'PY' || die "cannot write the small-file set $name"
import os, sys
root, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    folder = os.path.join(root, "d%02d" % (i % 100))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
PY
    done
    say "  small-file sets: 10,000 × 4 KiB and 1,000 × 256 KiB in 100 folders each, in $(($(now_ms) - t)) ms"
fi

# The floor: CPU-seconds per GiB of the cipher and the digest each side runs over every byte.
AES_MBPS=$(openssl speed -elapsed -seconds 2 -bytes 262144 -evp aes-128-gcm 2>/dev/null |
    awk '/^AES-128-GCM/ { v = $NF; sub(/k$/, "", v); printf "%.0f", v * 1000 / 1e6 }')
XXH_MBPS=$(timeout 60 xxhsum -b11 -i2 2>&1 | tr '\r' '\n' | grep -o '[0-9.]* MB/s' | tail -n 1 | cut -d' ' -f1)
FLOOR=$(awk -v a="${AES_MBPS:-0}" -v x="${XXH_MBPS:-0}" 'BEGIN { if (a > 0 && x > 0) printf "%.2f", 1073.741824 / a + 1073.741824 / x; else print "-" }')
say "  floor: AES-128-GCM ${AES_MBPS:-?} MB/s (openssl speed, 256 KiB), XXH3-128 ${XXH_MBPS:-?} MB/s (xxhsum -b11)" \
    "→ $FLOOR CPU-s per GiB per side"

# The private sshd's files (scp / rsync rows): its config and throwaway keys, in the lab's temp dir.
SSH_DIR="$LAB_DIR/ssh"
SSH_OPTS=()
if [ -z "$SSH_SKIP" ]; then
    mkdir -m 700 "$SSH_DIR" || die "cannot create $SSH_DIR"
    ssh-keygen -q -t ed25519 -N '' -C natlab-host -f "$SSH_DIR/host_ed25519" </dev/null &&
        ssh-keygen -q -t ed25519 -N '' -C natlab-client -f "$SSH_DIR/client_ed25519" </dev/null ||
        die "ssh-keygen cannot write the throwaway keys to $SSH_DIR"
    cp "$SSH_DIR/client_ed25519.pub" "$SSH_DIR/authorized_keys" || die "cannot write $SSH_DIR/authorized_keys"
    cat >"$SSH_DIR/sshd_config" <<CONF
# transfer_natlab.sh: a private sshd for the scp / rsync rows, in namespace $(lab_ns hb) only
Port $SSH_PORT
ListenAddress $(lab_ip hb)
AddressFamily inet
HostKey $SSH_DIR/host_ed25519
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
PrintLastLog no
Compression no
Subsystem sftp internal-sftp
CONF
    # sshd's privilege separation dir is compiled in (/run/sshd); the package's service creates it
    [ -d /run/sshd ] || mkdir -m 0755 /run/sshd || die "cannot create /run/sshd (sshd's privilege separation dir)"
    "$SSHD" -t -f "$SSH_DIR/sshd_config" >"$OUTDIR/logs/sshd-config-check.log" 2>&1 ||
        die "sshd rejects $SSH_DIR/sshd_config: $(head -c 300 "$OUTDIR/logs/sshd-config-check.log")"
    SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
        -o IdentitiesOnly=yes -o LogLevel=ERROR -o Compression=no -i "$SSH_DIR/client_ed25519"
        -c aes128-gcm@openssh.com)
    say "  scp / rsync: $(ssh -V 2>&1 | cut -d, -f1), $(rsync --version | head -n 1 | awk '{ print "rsync " $3 }');" \
        "a private sshd on hb $(lab_ip hb):$SSH_PORT per row, cipher aes128-gcm@openssh.com, no compression"
else
    say "  scp / rsync over ssh: skipped ($SSH_SKIP)"
fi

# ---------------------------------------------------------------------------------------------
# the rendezvous server (stays up for every run)

mkdir -p "$LAB_DIR/conf-server" "$LAB_DIR/conf-alice" "$LAB_DIR/conf-bob"
lab_spawn srv "$OUTDIR/logs/server.log" "$PD" --server --listen "$SERVER" --config-dir "$LAB_DIR/conf-server"
SERVER_PID=$LAB_LAST_PID
server_ready() { lab_alive "$SERVER_PID" || return 0; lab_listening srv "$PORT"; }
lab_wait_for 15 server_ready
lab_alive "$SERVER_PID" && lab_listening srv "$PORT" || die "the server does not listen on $SERVER (log: $OUTDIR/logs/server.log)"

declare -A R=() # "run.phase.metric" -> value

# ---------------------------------------------------------------------------------------------
# PunchDrop: receive on hb, send from ha; checks path and SHA-256; records time, RSS, CPU

RECEIVER_OUT=""
RECEIVER_PID=""
receiver_registered() {
    [ "$(events "$RECEIVER_OUT" registered | wc -l)" -ge 1 ] && return 0
    lab_alive "$RECEIVER_PID" || return 0
    return 1
}

# pd_run RUN PHASE [MODE [SOURCE KEY]] — MODE direct (tcp-punch, the default) or relay
# (--relay-only, path kind=relay); SOURCE the payload (default) or a folder of small files. Records
# under "RUN.PHASE" (the payload, direct), else "RUN.PHASE.KEY" (KEY defaults to MODE).
pd_run() {
    local run=$1 phase=$2 mode=${3:-direct} source=${4:-$PAYLOAD} key=${5:-${3:-}}
    local tag="$1-$2${key:+-$key}" inbox="$SHM_WORK/inbox-$1-$2${key:+-$key}"
    local extra=()
    [ "$mode" = relay ] && extra=(--relay-only)
    local rout="$OUTDIR/logs/$tag-receiver.jsonl" sout="$OUTDIR/logs/$tag-sender.jsonl"
    local rtime="$OUTDIR/logs/$tag-receiver.time" stime="$OUTDIR/logs/$tag-sender.time"
    mkdir -p "$inbox"
    RECEIVER_OUT=$rout
    lab_spawn -e "$OUTDIR/logs/$tag-receiver.err" hb "$rout" "${NICE[@]}" /usr/bin/time -v -o "$rtime" \
        "$PD" receive --server "$SERVER" --yes --once --json --dir "$inbox" --name "bob" \
        --config-dir "$LAB_DIR/conf-bob"
    RECEIVER_PID=$LAB_LAST_PID
    lab_wait_for "$REGISTER_TIMEOUT" receiver_registered
    local reg bob_id
    reg=$(events "$rout" registered | head -n 1)
    bob_id=$(field device_id <<<"$reg")
    [ -n "$bob_id" ] || die "$tag: the receiver did not register within $REGISTER_TIMEOUT s (see $rout, ${rout%.jsonl}.err)"

    local t0 rc rrc t1 srv0 srv1
    warm_tmpfs "$source"
    srv0=$(proc_ticks "$SERVER_PID")
    t0=$(now_ms)
    lab_spawn -e "$OUTDIR/logs/$tag-sender.err" ha "$sout" "${NICE[@]}" /usr/bin/time -v -o "$stime" \
        "$PD" send --server "$SERVER" --to "$bob_id" --json --timeout "$SEND_TIMEOUT" --name alice \
        --config-dir "$LAB_DIR/conf-alice" "${extra[@]}" "$source"
    local spid=$LAB_LAST_PID
    lab_wait_pid "$spid" "$DEADLINE"
    rc=$?
    [ "$rc" = 124 ] && die "$tag: the sender still runs after $DEADLINE s"
    lab_wait_pid "$RECEIVER_PID" 60
    rrc=$?
    t1=$(now_ms)
    srv1=$(proc_ticks "$SERVER_PID")
    [ "$rrc" = 124 ] && die "$tag: the receiver (--once) still runs 60 s after the sender exited ($rc)"
    [ "$rc" = 0 ] || die "$tag: the sender exited with $rc: $(events "$sout" error | head -n 1)"
    [ "$rrc" = 0 ] || die "$tag: the receiver exited with $rrc: $(events "$rout" error | head -n 1)"

    local path_ev kind method done_ev got got_sha file_ev
    path_ev=$(events "$sout" path | tail -n 1)
    kind=$(field kind <<<"$path_ev")
    method=$(field method <<<"$path_ev")
    if [ "$mode" = relay ]; then
        [ "$kind" = relay ] || die "$tag: path kind=${kind:-?}, --relay-only must relay ($path_ev)"
    else
        [ "$kind" = direct ] && [ "$method" = tcp-punch ] ||
            die "$tag: path kind=${kind:-?} method=${method:-?}, the benchmark needs direct/tcp-punch ($path_ev)"
    fi
    got="$inbox/$(basename "$source")"
    if [ -d "$source" ]; then
        diff -rq "$source" "$got" >/dev/null 2>&1 || die "$tag: the received folder differs from $source"
    else
        [ -f "$got" ] || die "$tag: no $(basename "$PAYLOAD") in the receiver's dir"
        got_sha=$(sha256sum "$got" | cut -d' ' -f1)
        [ "$got_sha" = "$PAYLOAD_SHA" ] || die "$tag: received sha256 $got_sha, sent $PAYLOAD_SHA"
        file_ev=$(events "$rout" file | tail -n 1)
        [ "$(field hash <<<"$file_ev")" = "$PAYLOAD_XXH" ] ||
            die "$tag: the receiver's file event says $(field digest <<<"$file_ev") $(field hash <<<"$file_ev"), the payload's XXH3-128 is $PAYLOAD_XXH"
    fi
    rm -rf -- "$inbox"
    done_ev=$(events "$sout" "done" | tail -n 1)

    local k=$run.$phase${key:+.$key}
    R[$k.pd_ms]=$(field time_ms <<<"$done_ev")
    R[$k.pd_path_ms]=$(field time_ms <<<"$path_ev")
    R[$k.pd_rtt_ms]=$(field rtt_ms <<<"$path_ev")
    R[$k.pd_wall_ms]=$((t1 - t0))
    R[$k.rss_s]=$(timefile "Maximum resident set size" "$stime")
    R[$k.rss_r]=$(timefile "Maximum resident set size" "$rtime")
    R[$k.cpu_s]=$(cpu_secs "$stime")
    R[$k.cpu_r]=$(cpu_secs "$rtime")
    R[$k.cpu_srv]=$(ticks_secs $((srv1 - srv0)))
    local rate="$(mbps "${R[$k.pd_ms]}") MB/s"
    [ -d "$source" ] && rate="$(files_per_s "$(find "$source" -type f | wc -l)" "${R[$k.pd_ms]}") files/s"
    say "  [$tag] punchdrop $(basename "$source"): ${R[$k.pd_ms]} ms send→done ($rate)," \
        "path $kind/${method:-relay} in ${R[$k.pd_path_ms]} ms (rtt ${R[$k.pd_rtt_ms]} ms)," \
        "processes ${R[$k.pd_wall_ms]} ms; content checked; RSS sender $((R[$k.rss_s] / 1024)) MiB" \
        "receiver $((R[$k.rss_r] / 1024)) MiB; CPU sender ${R[$k.cpu_s]} s receiver ${R[$k.cpu_r]} s" \
        "server ${R[$k.cpu_srv]} s"
}

# ---------------------------------------------------------------------------------------------
# socat: ha → 203.0.113.2:15301 (forwarded by rb) → hb, file to file, cmp afterwards

# socat_run RUN PHASE KEY [SOCAT_OPTS...]
socat_run() {
    local run=$1 phase=$2 key=$3 tag="$1-$2-$3"
    shift 3
    local out="$SHM_WORK/socat.out" t0 t1 rc lrc
    rm -f -- "$out"
    lab_spawn hb "$OUTDIR/logs/$tag-listen.log" "${NICE[@]}" /usr/bin/time -v -o "$OUTDIR/logs/$tag-listen.time" \
        socat -u "$@" "TCP-LISTEN:$SOCAT_PORT,reuseaddr" "OPEN:$out,creat,trunc"
    local lpid=$LAB_LAST_PID
    lab_wait_for 10 lab_listening hb "$SOCAT_PORT" || die "$tag: socat does not listen on hb:$SOCAT_PORT"
    warm_tmpfs "$PAYLOAD"
    t0=$(now_ms)
    timeout "$DEADLINE" ip netns exec "$(lab_ns ha)" "${NICE[@]}" /usr/bin/time -v -o "$OUTDIR/logs/$tag-client.time" \
        socat -u "$@" "OPEN:$PAYLOAD" \
        "TCP:${SOCAT_TARGET:-$BOB_PUBLIC:$SOCAT_PORT}" >"$OUTDIR/logs/$tag-client.log" 2>&1
    rc=$?
    lab_wait_pid "$lpid" 60
    lrc=$?
    t1=$(now_ms)
    [ "$rc" = 0 ] && [ "$lrc" = 0 ] || die "$tag: socat client exited $rc, listener $lrc"
    cmp -s "$PAYLOAD" "$out" || die "$tag: the socat copy differs from the payload"
    rm -f -- "$out"
    R[$run.$phase.$key]=$((t1 - t0))
    # socat's own CPU: the kernel's copies and, for the sender, the routers' NAT work done in its
    # softirq context, which PunchDrop's sender is charged for too.
    R[$run.$phase.$key.cpu_s]=$(cpu_secs "$OUTDIR/logs/$tag-client.time")
    R[$run.$phase.$key.cpu_r]=$(cpu_secs "$OUTDIR/logs/$tag-listen.time")
    say "  [$tag] socat $*: $((t1 - t0)) ms ($(mbps $((t1 - t0))) MB/s), copy identical;" \
        "CPU client ${R[$run.$phase.$key.cpu_s]} s, listener ${R[$run.$phase.$key.cpu_r]} s"
}

# forwarder_run RUN PHASE — socat -b 262144: ha → srv:FORWARDER_PORT → (socat forwarder in srv)
# → 203.0.113.2:SOCAT_PORT (rb's forward) → hb; the relay's path with a raw forwarder.
forwarder_run() {
    local run=$1 phase=$2 tag="$1-$2-forwarder"
    lab_spawn srv "$OUTDIR/logs/$tag-forwarder.log" "${NICE[@]}" /usr/bin/time -v -o "$OUTDIR/logs/$tag-forwarder.time" \
        socat -b 262144 "TCP-LISTEN:$FORWARDER_PORT,reuseaddr" "TCP:$BOB_PUBLIC:$SOCAT_PORT"
    local fpid=$LAB_LAST_PID
    lab_wait_for 10 lab_listening srv "$FORWARDER_PORT" || die "$tag: the forwarder does not listen on srv:$FORWARDER_PORT"
    SOCAT_TARGET="$LAB_SERVER_IP:$FORWARDER_PORT" socat_run "$run" "$phase" forwarder -b 262144
    lab_wait_pid "$fpid" 10 >/dev/null || lab_stop "$fpid" 3
    # The forwarder's own CPU, against the server's for the relayed round (the kernel's copies, or
    # the splice, and the routers' work done in its softirq context).
    # No time file (it had to be stopped): "-" in the table, not 0.00.
    R[$run.$phase.forwarder.cpu_f]=""
    [ -s "$OUTDIR/logs/$tag-forwarder.time" ] &&
        R[$run.$phase.forwarder.cpu_f]=$(cpu_secs "$OUTDIR/logs/$tag-forwarder.time")
    say "  [$tag] the forwarder process: CPU ${R[$run.$phase.forwarder.cpu_f]:--} s"
}

# tar_run RUN KEY FOLDER — tar c | socat -b 262144 → rb's forward → socat | tar x on hb, the
# small-file baseline; diff -r afterwards.
tar_run() {
    local run=$1 key=$2 folder=$3 tag="$1-open-$2-tar" out="$SHM_WORK/tar-out" t0 t1 rc lrc
    rm -rf -- "$out"
    mkdir -p "$out"
    lab_spawn hb "$OUTDIR/logs/$tag-listen.log" sh -c \
        "socat -u -b 262144 TCP-LISTEN:$SOCAT_PORT,reuseaddr - | tar x -C '$out'"
    local lpid=$LAB_LAST_PID
    lab_wait_for 10 lab_listening hb "$SOCAT_PORT" || die "$tag: socat does not listen on hb:$SOCAT_PORT"
    warm_tmpfs "$folder"
    t0=$(now_ms)
    timeout "$DEADLINE" ip netns exec "$(lab_ns ha)" sh -c \
        "tar c -C '$(dirname "$folder")' '$(basename "$folder")' | socat -u -b 262144 - TCP:$BOB_PUBLIC:$SOCAT_PORT" \
        >"$OUTDIR/logs/$tag-client.log" 2>&1
    rc=$?
    lab_wait_pid "$lpid" 60
    lrc=$?
    t1=$(now_ms)
    [ "$rc" = 0 ] && [ "$lrc" = 0 ] || die "$tag: tar | socat exited $rc, the listener $lrc"
    diff -rq "$folder" "$out/$(basename "$folder")" >/dev/null 2>&1 || die "$tag: the tar copy differs"
    rm -rf -- "$out"
    R[$run.open.$key.tar]=$((t1 - t0))
    say "  [$tag] tar | socat | tar: $((t1 - t0)) ms ($(files_per_s "$(find "$folder" -type f | wc -l)" $((t1 - t0))) files/s), copy identical"
}

# ---------------------------------------------------------------------------------------------
# scp / rsync: ha → 203.0.113.2:15501 (forwarded by rb) → a private sshd on hb, SHA-256 afterwards

SSHD_TPID="" # /usr/bin/time -v around the current row's sshd (lab_spawn's PID); SSHD_PID: sshd
sshd_ready() { lab_alive "$SSHD_TPID" || return 0; [ -s "$SSH_DIR/sshd.pid" ] && lab_listening hb "$SSH_PORT"; }
sshd_idle() { [ -z "$(pgrep -P "$SSHD_PID")" ]; } # the session's processes are gone (reaped)
sshd_gone() { ! lab_alive "$SSHD_PID"; }

# ssh_run RUN PHASE KEY — KEY scp or rsync. sshd runs for this row only, under /usr/bin/time -v,
# so its CPU covers the listener and the whole session.
ssh_run() {
    local run=$1 phase=$2 key=$3 folder=${4:-} tag="$1-$2-$3${4:+-$(basename "${4:-}")}"
    local out="$SHM_WORK/ssh-out" t0 t1 rc got_sha cmd=()
    local stime="$OUTDIR/logs/$tag-sshd.time" ctime="$OUTDIR/logs/$tag-client.time"
    rm -rf -- "$out" "$SSH_DIR/sshd.pid"
    mkdir -p "$out"
    lab_spawn hb "$OUTDIR/logs/$tag-sshd.log" "${NICE[@]}" /usr/bin/time -v -o "$stime" \
        "$SSHD" -D -e -f "$SSH_DIR/sshd_config"
    SSHD_TPID=$LAB_LAST_PID
    lab_wait_for 10 sshd_ready
    lab_alive "$SSHD_TPID" && lab_listening hb "$SSH_PORT" ||
        die "$tag: sshd does not listen on hb:$SSH_PORT (log: $OUTDIR/logs/$tag-sshd.log)"
    SSHD_PID=$(cat "$SSH_DIR/sshd.pid")
    [[ "$SSHD_PID" =~ ^[0-9]+$ ]] || die "$tag: no PID in $SSH_DIR/sshd.pid"
    case $key in
        scp) cmd=(scp -q "${SSH_OPTS[@]}" -P "$SSH_PORT" "$PAYLOAD" "root@$BOB_PUBLIC:$out/") ;;
        rsync) cmd=(rsync --whole-file --no-compress -e "ssh ${SSH_OPTS[*]} -p $SSH_PORT" "$PAYLOAD"
            "root@$BOB_PUBLIC:$out/") ;;
    esac
    # A folder of small files (the small-file rows): rsync -r with times, as a user would copy it.
    [ -n "$folder" ] && cmd=(rsync -r --times --whole-file --no-compress
        -e "ssh ${SSH_OPTS[*]} -p $SSH_PORT" "$folder" "root@$BOB_PUBLIC:$out/")
    warm_tmpfs "${folder:-$PAYLOAD}"
    t0=$(now_ms)
    timeout "$DEADLINE" ip netns exec "$(lab_ns ha)" "${NICE[@]}" /usr/bin/time -v -o "$ctime" \
        "${cmd[@]}" </dev/null >"$OUTDIR/logs/$tag-client.log" 2>&1
    rc=$?
    t1=$(now_ms)
    # The session's processes end just after the client: once sshd has reaped them, time counts
    # their CPU. Then sshd is stopped by its PID.
    lab_wait_for 10 sshd_idle || say "  [$tag] warning: sshd's session still runs 10 s after the client" \
        "exited; the sshd side's CPU misses it"
    kill -TERM "$SSHD_PID" 2>/dev/null
    lab_wait_pid "$SSHD_TPID" 5 >/dev/null
    if lab_alive "$SSHD_PID"; then
        kill -KILL "$SSHD_PID" 2>/dev/null
        lab_wait_pid "$SSHD_TPID" 3 >/dev/null
    fi
    SSHD_PID=""
    [ "$rc" = 0 ] || die "$tag: $key exited $rc: $(head -c 300 "$OUTDIR/logs/$tag-client.log")"
    if [ -n "$folder" ]; then
        diff -rq "$folder" "$out/$(basename "$folder")" >/dev/null 2>&1 || die "$tag: rsync's copy of $folder differs"
        rm -rf -- "$out"
        local name
        name=$(basename "$folder")
        R[$run.open.$name.rsync]=$((t1 - t0))
        say "  [$tag] rsync -r over ssh -c aes128-gcm@openssh.com: $((t1 - t0)) ms" \
            "($(files_per_s "$(find "$folder" -type f | wc -l)" $((t1 - t0))) files/s), copy identical;" \
            "CPU client $(cpu_secs "$ctime") s, sshd side $(cpu_secs "$stime") s"
        return
    fi
    [ -f "$out/$(basename "$PAYLOAD")" ] || die "$tag: no $(basename "$PAYLOAD") on hb after $key"
    got_sha=$(sha256sum "$out/$(basename "$PAYLOAD")" | cut -d' ' -f1)
    [ "$got_sha" = "$PAYLOAD_SHA" ] || die "$tag: $key's copy has sha256 $got_sha, sent $PAYLOAD_SHA"
    rm -rf -- "$out"
    R[$run.$phase.$key]=$((t1 - t0))
    R[$run.$phase.$key.cpu_s]=$(cpu_secs "$ctime")
    R[$run.$phase.$key.cpu_r]=$(cpu_secs "$stime")
    local label="scp (SFTP protocol)"
    [ "$key" = rsync ] && label="rsync --whole-file"
    say "  [$tag] $label over ssh -c aes128-gcm@openssh.com: $((t1 - t0)) ms ($(mbps $((t1 - t0))) MB/s," \
        "$(ratio "${R[$run.$phase.socat_b]:-0}" $((t1 - t0))) of socat -b 262144), sha256 checked;" \
        "CPU client ${R[$run.$phase.$key.cpu_s]} s, sshd side ${R[$run.$phase.$key.cpu_r]} s"
}

# ---------------------------------------------------------------------------------------------
# iperf3: client on ha → 203.0.113.2:15201 (forwarded by rb) → server on hb, memory to memory

# iperf_run RUN PHASE
iperf_run() {
    local run=$1 phase=$2 tag="$1-$2-iperf3" json="$OUTDIR/logs/$1-$2-iperf3.json" rc
    lab_spawn hb "$OUTDIR/logs/$tag-server.log" "${NICE[@]}" iperf3 -s -1 -p "$IPERF_PORT"
    local spid=$LAB_LAST_PID
    lab_wait_for 10 lab_listening hb "$IPERF_PORT" || die "$tag: iperf3 does not listen on hb:$IPERF_PORT"
    timeout $((IPERF_SECS + 30)) ip netns exec "$(lab_ns ha)" "${NICE[@]}" iperf3 -c "$BOB_PUBLIC" -p "$IPERF_PORT" \
        -t "$IPERF_SECS" -J >"$json" 2>"$OUTDIR/logs/$tag-client.err"
    rc=$?
    lab_wait_pid "$spid" 15 >/dev/null || lab_stop "$spid" 3
    [ "$rc" = 0 ] || die "$tag: iperf3 client exited $rc ($(head -c 300 "$OUTDIR/logs/$tag-client.err"))"
    local line
    line=$(python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["end"]
print("%.0f %d" % (e["sum_received"]["bits_per_second"] / 8e6, e["sum_sent"].get("retransmits", -1)))' "$json") ||
        die "$tag: cannot read $json"
    R[$run.$phase.iperf]=${line% *}
    R[$run.$phase.iperf_retr]=${line#* }
    say "  [$tag] iperf3 -t $IPERF_SECS: ${R[$run.$phase.iperf]} MB/s received, ${R[$run.$phase.iperf_retr]} retransmits"
}

# ---------------------------------------------------------------------------------------------
# the rounds

PHASES=(open)
[ "$RATE" != none ] && PHASES+=(tbf)
for phase in "${PHASES[@]}"; do
    if [ "$phase" = tbf ]; then
        lab_link_rate ra "$RATE" && lab_link_rate rb "$RATE" || die "cannot put tbf $RATE on the WAN links"
        say "  tbf rate $RATE burst 256k latency 50ms on both WAN links (ra↔core, rb↔core), both directions"
    fi
    for ((run = 1; run <= RUNS; run++)); do
        R[$run.$phase.load]=$(loadavg)
        pd_run "$run" "$phase"
        if [ "${BENCH_SKIP_SOCAT:-0}" != 1 ]; then
            socat_run "$run" "$phase" socat
            socat_run "$run" "$phase" socat_b -b 262144
        fi
        if [ -z "$SSH_SKIP" ]; then
            ssh_run "$run" "$phase" scp
            ssh_run "$run" "$phase" rsync
        fi
        iperf_run "$run" "$phase"
        if [ "$phase" = open ]; then
            pd_run "$run" "$phase" relay
            [ "${BENCH_SKIP_SOCAT:-0}" != 1 ] && forwarder_run "$run" "$phase"
            if [ "${BENCH_SKIP_SMALL:-0}" != 1 ]; then
                for set in "${SMALL_SETS[@]}"; do
                    name=${set%%:*}
                    pd_run "$run" "$phase" direct "$SHM_WORK/$name" "$name"
                    tar_run "$run" "$name" "$SHM_WORK/$name"
                    [ -z "$SSH_SKIP" ] && ssh_run "$run" "$phase" rsync "$SHM_WORK/$name"
                done
            fi
        fi
    done
done
lab_alive "$SERVER_PID" || die "the server died during the benchmark"

# ---------------------------------------------------------------------------------------------
# summary

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# median_pct — the median of per-round percentages (one number a line, "-" lines skipped): the
# median rows show the rounds' own ratios, not a ratio of medians taken from different rounds.
median_pct() { grep -v '^-*$' | sed 's/ %$//' | median | sed '/^-$/!s/$/ %/'; }
say ""
say "## $SIZE_MIB MiB, tmpfs → tmpfs, prc × prc, direct tcp-punch path; commit $COMMIT; load at end $(loadavg)"
say ""
say "| link | run | PunchDrop (TLS+XXH3) | socat 8 KiB | socat -b 262144 | iperf3 | PD / socat | PD / socat -b | PD / iperf3 | RSS sender / receiver | CPU s sender / receiver | load |"
say "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for phase in "${PHASES[@]}"; do
    link="veth, unlimited"
    [ "$phase" = tbf ] && link="tbf $RATE"
    pd_list="" so_list="" sb_list="" ip_list="" r_so="" r_sb="" r_ip=""
    for ((run = 1; run <= RUNS; run++)); do
        k=$run.$phase
        pd=${R[$k.pd_ms]} so=${R[$k.socat]:-0} sb=${R[$k.socat_b]:-0} ip=${R[$k.iperf]}
        pd_list+="$(mbps "$pd")"$'\n'
        [ "$so" -gt 0 ] && so_list+="$(mbps "$so")"$'\n'
        [ "$sb" -gt 0 ] && sb_list+="$(mbps "$sb")"$'\n'
        ip_list+="$ip"$'\n'
        p_so=$(pct "$so" "$pd") p_sb=$(pct "$sb" "$pd") p_ip=$(pct "$(mbps "$pd")" "$ip")
        r_so+="$p_so"$'\n' r_sb+="$p_sb"$'\n' r_ip+="$p_ip"$'\n'
        say "| $link | $run | $(mbps "$pd") MB/s (${pd} ms) | $(mbps "$so") MB/s | $(mbps "$sb") MB/s | $ip MB/s" \
            "| $p_so | $p_sb | $p_ip" \
            "| $((R[$k.rss_s] / 1024)) / $((R[$k.rss_r] / 1024)) MiB | ${R[$k.cpu_s]} / ${R[$k.cpu_r]} | ${R[$k.load]} |"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
            "$COMMIT" "$phase" "$run" "$SIZE_MIB" \
            "$pd" "$so" "$sb" "$ip" "${R[$k.rss_s]}" "${R[$k.rss_r]}" "${R[$k.cpu_s]}" "${R[$k.cpu_r]}" \
            "${R[$k.load]}" "${R[$k.scp]:--}" "${R[$k.rsync]:--}" "${R[$k.scp.cpu_s]:--}" \
            "${R[$k.scp.cpu_r]:--}" "${R[$k.rsync.cpu_s]:--}" "${R[$k.rsync.cpu_r]:--}" >>"$OUTDIR/results.tsv"
    done
    if [ "$RUNS" -gt 1 ]; then
        m_pd=$(printf '%s' "$pd_list" | median)
        m_ip=$(printf '%s' "$ip_list" | median)
        m_so=$(printf '%s' "$so_list" | median)
        m_sb=$(printf '%s' "$sb_list" | median)
        say "| $link | median | $m_pd MB/s | $m_so MB/s | $m_sb MB/s | $m_ip MB/s | $(printf '%s' "$r_so" | median_pct)" \
            "| $(printf '%s' "$r_sb" | median_pct) | $(printf '%s' "$r_ip" | median_pct) | | | |"
    fi
done
GIB=$(awk -v m="$SIZE_MIB" 'BEGIN { print m / 1024 }')
per_gib() { awk -v c="$1" -v g="$GIB" 'BEGIN { if (c != "" && g > 0) printf "%.2f", c / g; else print "-" }'; }
say ""
say "### Relay (--relay-only) against a socat forwarder (-b 262144) in the server's namespace, unlimited links"
say ""
say "| run | PunchDrop relay | socat via forwarder | PD / forwarder | CPU s/GiB sender / receiver | CPU s/GiB server / forwarder | CPU s/GiB socat client / listener | load |"
say "| --- | --- | --- | --- | --- | --- | --- | --- |"
rl_list="" fw_list="" r_fw=""
for ((run = 1; run <= RUNS; run++)); do
    k=$run.open.relay
    [ -n "${R[$k.pd_ms]:-}" ] || continue
    fw=${R[$run.open.forwarder]:-0}
    rl_list+="$(mbps "${R[$k.pd_ms]}")"$'\n'
    [ "$fw" -gt 0 ] && fw_list+="$(mbps "$fw")"$'\n'
    p_fw=$(pct "$fw" "${R[$k.pd_ms]}")
    r_fw+="$p_fw"$'\n'
    say "| $run | $(mbps "${R[$k.pd_ms]}") MB/s | $(mbps "$fw") MB/s | $p_fw |" \
        "$(per_gib "${R[$k.cpu_s]}") / $(per_gib "${R[$k.cpu_r]}") |" \
        "$(per_gib "${R[$k.cpu_srv]}") / $(per_gib "${R[$run.open.forwarder.cpu_f]:-}") |" \
        "$(per_gib "${R[$run.open.forwarder.cpu_s]:-}") / $(per_gib "${R[$run.open.forwarder.cpu_r]:-}") | ${R[$run.open.load]} |"
done
if [ "$RUNS" -gt 1 ]; then
    m_rl=$(printf '%s' "$rl_list" | median)
    m_fw=$(printf '%s' "$fw_list" | median)
    say "| median | $m_rl MB/s | $m_fw MB/s | $(printf '%s' "$r_fw" | median_pct) | | | | |"
fi
say ""
if [ -n "$SSH_SKIP" ]; then
    say "### scp and rsync over ssh: skipped ($SSH_SKIP)"
else
    say "### scp and rsync over ssh (-c aes128-gcm@openssh.com, no compression) on socat's path, against socat -b 262144 of the same round"
    say ""
    say "Time: client start (key exchange, authentication) → client exit. CPU (user + system): client = scp or rsync with" \
        "the ssh it runs; sshd side = the round's private sshd with every process of its session (sshd -D under /usr/bin/time -v)."
    say ""
    say "| link | run | scp | rsync --whole-file | socat -b 262144 | scp / socat -b | rsync / socat -b | CPU s scp client / sshd side | CPU s rsync client / sshd side | load |"
    say "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for phase in "${PHASES[@]}"; do
        link="veth, unlimited"
        [ "$phase" = tbf ] && link="tbf $RATE"
        sc_list="" rs_list="" sb_list=""
        for ((run = 1; run <= RUNS; run++)); do
            k=$run.$phase
            sc=${R[$k.scp]:-0} rs=${R[$k.rsync]:-0} sb=${R[$k.socat_b]:-0}
            [ "$sc" -gt 0 ] && sc_list+="$(mbps "$sc")"$'\n'
            [ "$rs" -gt 0 ] && rs_list+="$(mbps "$rs")"$'\n'
            [ "$sb" -gt 0 ] && sb_list+="$(mbps "$sb")"$'\n'
            say "| $link | $run | $(mbps "$sc") MB/s (${sc} ms) | $(mbps "$rs") MB/s (${rs} ms) | $(mbps "$sb") MB/s" \
                "| $(ratio "$sb" "$sc") | $(ratio "$sb" "$rs")" \
                "| ${R[$k.scp.cpu_s]:--} / ${R[$k.scp.cpu_r]:--} | ${R[$k.rsync.cpu_s]:--} / ${R[$k.rsync.cpu_r]:--} | ${R[$k.load]} |"
        done
        if [ "$RUNS" -gt 1 ]; then
            m_sc=$(printf '%s' "$sc_list" | median)
            m_rs=$(printf '%s' "$rs_list" | median)
            m_sb=$(printf '%s' "$sb_list" | median)
            say "| $link | median | $m_sc MB/s | $m_rs MB/s | $m_sb MB/s | $(ratio "$m_sc" "$m_sb") | $(ratio "$m_rs" "$m_sb") | | | |"
        fi
    done
fi
if [ "${BENCH_SKIP_SMALL:-0}" != 1 ]; then
    say ""
    say "### Small files, direct, unlimited links: files per second (PunchDrop: send → every file verified; tar | socat | tar: start → extracted)"
    say ""
    say "| run | set | PunchDrop | tar \\| socat \\| tar | rsync -r over ssh | PD / tar | PD / rsync |"
    say "| --- | --- | --- | --- | --- | --- | --- |"
    for ((run = 1; run <= RUNS; run++)); do
        for set in "${SMALL_SETS[@]}"; do
            IFS=: read -r name count size <<<"$set"
            pdm=${R[$run.open.$name.pd_ms]:-0} tm=${R[$run.open.$name.tar]:-0} rm_=${R[$run.open.$name.rsync]:-0}
            say "| $run | $count × $((size / 1024)) KiB | $(files_per_s "$count" "$pdm") files/s | $(files_per_s "$count" "$tm") files/s" \
                "| $(files_per_s "$count" "$rm_") files/s | $(ratio "$tm" "$pdm") | $(ratio "$rm_" "$pdm") |"
        done
    done
fi
say ""
say "CPU per GiB per side (user + system), direct, unlimited: floor $FLOOR s (AES-128-GCM + XXH3-128)."
for ((run = 1; run <= RUNS; run++)); do
    k=$run.open
    say "  run $run: sender $(per_gib "${R[$k.cpu_s]}") s/GiB, receiver $(per_gib "${R[$k.cpu_r]}") s/GiB;" \
        "socat -b 262144 on the same path: client $(per_gib "${R[$k.socat_b.cpu_s]:-}") s/GiB, listener $(per_gib "${R[$k.socat_b.cpu_r]:-}") s/GiB"
done
say ""
say "Goals (issue 14): direct ≥ 60 % of socat -b 262144; relay ≥ 80 % of the socat forwarder;"
tbf_goal=""
[ "$RATE" != none ] && tbf_goal="; ≥ 110 MB/s on the tbf $RATE link"
say "CPU ≤ 1.2 s per GiB per side; small files ≥ tar | socat | tar in files/s and ahead of rsync over ssh$tbf_goal."
goal() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { if (v == "" || v == "-") print "n/a"; else if ((dir == "ge" && v + 0 >= t) || (dir == "gt" && v + 0 > t) || (dir == "le" && v + 0 <= t)) print "met"; else print "NOT met" }'; }
for phase in "${PHASES[@]}"; do
    for ((run = 1; run <= RUNS; run++)); do
        k=$run.$phase
        v=$(mbps "${R[$k.pd_ms]}")
        if [ "$phase" = open ]; then
            r=$(ratio "${R[$k.socat_b]:-0}" "${R[$k.pd_ms]}")
            say "  run $run direct: $v MB/s = $r of socat -b 262144 → $(goal "$r" 0.60 ge)"
            if [ -n "${R[$k.relay.pd_ms]:-}" ]; then
                r=$(ratio "${R[$k.forwarder]:-0}" "${R[$k.relay.pd_ms]}")
                say "  run $run relay: $(mbps "${R[$k.relay.pd_ms]}") MB/s = $r of the forwarder → $(goal "$r" 0.80 ge)"
            fi
            for side in s r; do
                c=$(per_gib "${R[$k.cpu_$side]}")
                say "  run $run CPU $([ $side = s ] && echo sender || echo receiver): $c s/GiB → $(goal "$c" 1.2 le)"
            done
            if [ "${BENCH_SKIP_SMALL:-0}" != 1 ]; then
                for set in "${SMALL_SETS[@]}"; do
                    name=${set%%:*}
                    r=$(ratio "${R[$k.$name.tar]:-0}" "${R[$k.$name.pd_ms]:-0}")
                    say "  run $run $name: $r of tar | socat | tar's files/s → $(goal "$r" 1.0 ge)"
                    if [ -n "${R[$k.$name.rsync]:-}" ]; then
                        r=$(ratio "${R[$k.$name.rsync]}" "${R[$k.$name.pd_ms]:-0}")
                        say "  run $run $name: $r of rsync over ssh's files/s → $(goal "$r" 1.0 gt)"
                    fi
                done
            fi
        elif [ "$phase" = tbf ]; then
            say "  run $run tbf $RATE: $v MB/s (iperf3 ${R[$k.iperf]} MB/s) → $(goal "$v" 110 ge)"
        fi
    done
done
say "results: $OUTDIR/summary.txt, $OUTDIR/results.tsv, logs in $OUTDIR/logs"
exit 0
