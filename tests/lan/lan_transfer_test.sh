#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A file transfer over the LAN with no server anywhere, through the real `punchdrop` binary:
#
#   alice 10.198.1.11 ─┬─ bridge (own namespace)
#   bob   10.198.1.12 ─┘
#
# bob runs `punchdrop receive --lan --yes --once --json`, alice `punchdrop peers --lan` (bob must
# be listed) and `punchdrop send --lan --to bob FILE`; the file must arrive byte-identical and the
# sender's path event must say kind "direct", method "lan".
#
# With "ipv6-only" as second argument the two hosts have no IPv4 at all, only the IPv6 link-local
# addresses the kernel gives every interface: they must find each other by the announcements to
# ff02:: and the transfer must go to bob's link-local address with eth0 as its scope (the path
# event's "family" is "ipv6").
#
# Usage: lan_transfer_test.sh PUNCHDROP [ipv6-only]   (root; unique namespace prefix, removed on
# exit; only 10.x addresses and link-local IPv6; the root namespace's interfaces are never touched)
set -u

BIN=${1:?usage: $0 path/to/punchdrop [ipv6-only]}
MODE=${2:-ipv4}
# shellcheck source=tests/lan/lan_lib.sh
. "$(dirname "$0")/lan_lib.sh"
lan_require "the LAN transfer test" ip timeout sha256sum xxh128sum

PFX="pdlt$$-"
SW=${PFX}sw A=${PFX}a B=${PFX}b
WORK=$(mktemp -d /tmp/pdlt.XXXXXX)
RPID=""

cleanup() {
    [ -n "$RPID" ] && kill -9 "$RPID" 2> /dev/null
    wait 2> /dev/null
    for ns in $SW $A $B; do ip netns del "$ns" 2> /dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/*.jsonl "$WORK"/*.err; do
        [ -s "$f" ] && { echo "--- $(basename "$f")" >&2; tail -40 "$f" >&2; }
    done
    exit 1
}

for ns in $SW $A $B; do
    ip netns add "$ns" || fail "cannot create namespace $ns"
    ip -n "$ns" link set lo up
    # Link-local addresses usable at once (no duplicate address detection), no SLAAC.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.disable_ipv6=0 >/dev/null
done
ip -n "$SW" link add br0 type bridge
ip -n "$SW" link set br0 type bridge mcast_snooping 0
ip -n "$SW" link set br0 up
i=0
for pair in "$A 10.198.1.11" "$B 10.198.1.12"; do
    set -- $pair
    i=$((i + 1))
    ip -n "$SW" link add "p$i" type veth peer name eth0 netns "$1" || fail "veth for $1"
    ip -n "$SW" link set "p$i" master br0 up
    [ "$MODE" = ipv6-only ] || ip -n "$1" addr add "$2/24" dev eth0
    ip -n "$1" link set eth0 up
    # Multicast needs a route out of eth0 (there is no default route in this lab).
    [ "$MODE" = ipv6-only ] || ip -n "$1" route add 224.0.0.0/4 dev eth0
done
if [ "$MODE" = ipv6-only ]; then
    for ns in $A $B; do
        lladdr() { ip -n "$ns" -6 addr show dev eth0 scope link | grep -c 'inet6 fe80'; }
        for _ in $(seq 50); do [ "$(lladdr)" -ge 1 ] && break; sleep 0.1; done
        [ "$(lladdr)" -ge 1 ] || fail "$ns has no IPv6 link-local address"
        [ -z "$(ip -n "$ns" -4 addr show dev eth0)" ] || fail "$ns has IPv4 in ipv6-only mode"
    done
fi

mkdir -p "$WORK/dl"
head -c 3145729 /dev/urandom > "$WORK/payload.bin"   # 3 MiB + 1
mkdir -p "$WORK/folder/sub" "$WORK/folder/empty"
echo "nested" > "$WORK/folder/sub/nested.txt"

ip netns exec "$B" timeout 60 "$BIN" receive --lan --yes --once --json --dir "$WORK/dl" \
    --name bob --config-dir "$WORK/conf-bob" > "$WORK/receiver.jsonl" 2> "$WORK/receiver.err" &
RPID=$!

# alice lists peers on the LAN; bob must be there within a few seconds.
found=""
for _ in 1 2 3 4 5; do
    ip netns exec "$A" timeout 20 "$BIN" peers --lan --json --name alice \
        --config-dir "$WORK/conf-alice" > "$WORK/peers.jsonl" 2> "$WORK/peers.err"
    grep -q '"name":"bob"' "$WORK/peers.jsonl" && { found=1; break; }
done
[ -n "$found" ] || fail "alice's 'peers --lan' never listed bob"
grep -q '"source":"lan"' "$WORK/peers.jsonl" || fail "bob is not listed as a LAN peer"
echo "peers --lan: alice sees bob"

T0=$(date +%s%N)
ip netns exec "$A" timeout 60 "$BIN" send --lan --to bob --json --name alice \
    --config-dir "$WORK/conf-alice" "$WORK/payload.bin" "$WORK/folder" \
    > "$WORK/sender.jsonl" 2> "$WORK/sender.err"
src=$?
T1=$(date +%s%N)
[ "$src" = 0 ] || fail "the sender exited with $src"
wait "$RPID"; rrc=$?
RPID=""
[ "$rrc" = 0 ] || fail "the receiver exited with $rrc"

grep '"event":"path"' "$WORK/sender.jsonl" | grep -q '"method":"lan"' || fail "the path is not 'lan'"
grep '"event":"path"' "$WORK/sender.jsonl" | grep -q '"kind":"direct"' || fail "the path is not direct"
family=ipv4
[ "$MODE" = ipv6-only ] && family=ipv6
grep '"event":"path"' "$WORK/sender.jsonl" | grep -q "\"family\":\"$family\"" ||
    fail "the path's family is not $family: $(grep '"event":"path"' "$WORK/sender.jsonl")"
want=$(sha256sum < "$WORK/payload.bin" | cut -d' ' -f1)
got=$(sha256sum < "$WORK/dl/payload.bin" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "payload.bin differs after the transfer"
# Both peers offer XXH3-128: the sender's file event reports the payload's XXH3-128.
want_xxh=$(xxh128sum < "$WORK/payload.bin" | cut -d' ' -f1)
grep '"event":"file"' "$WORK/sender.jsonl" | grep '"digest":"xxh3-128"' | grep -q "\"hash\":\"$want_xxh\"" ||
    fail "the sender's file event lacks the payload's XXH3-128 ($want_xxh)"
cmp -s "$WORK/folder/sub/nested.txt" "$WORK/dl/folder/sub/nested.txt" || fail "the folder tree did not arrive"
[ -d "$WORK/dl/folder/empty" ] || fail "the empty folder did not arrive"
echo "send --lan: 3 MiB + 1 and a folder tree arrived intact over the LAN ($family) in $(( (T1 - T0) / 1000000 )) ms"
echo "PASS: LAN transfer without a server ($MODE)"
