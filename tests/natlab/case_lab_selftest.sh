#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Proves that the lab's NATs behave as lab.sh claims, without PunchDrop: socat echo servers in the
# server namespace report the source endpoint they observe; socat clients behind each NAT type
# connect to two server ports from one source port (mapping), the server namespace dials back to
# the mappings (filtering), plus hairpin, double NAT (CGN) and the numgen loss rules.
#
# Usage: case_lab_selftest.sh        (root; exit 77 = skipped on a developer machine without root)

# shellcheck disable=SC2119 # lab_add_server's NAME is optional
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
. "$HERE/lab.sh"
lab_require socat

FAILS=0
CHECKS=0
check() { # check NAME EXPECTED ACTUAL
    CHECKS=$((CHECKS + 1))
    if [ "$2" = "$3" ]; then
        printf '  ok    %-52s %s\n' "$1" "$3"
    else
        printf '  FAIL  %-52s expected %s, got %s\n' "$1" "$2" "$3"
        FAILS=$((FAILS + 1))
    fi
}

T0=$(date +%s%N)
lab_init
lab_add_server
lab_add_router ra prc                 # port-restricted cone, silent drop
lab_add_router rb sym                 # symmetric (fully random ports)
lab_add_router rc full                # full cone
lab_add_router rd arc                 # address-restricted cone
lab_add_router re prc rst             # port-restricted, answers unsolicited SYNs with RST
lab_add_router rf prc hairpin         # port-restricted with hairpin
lab_add_cgn cgn prc                   # carrier-grade NAT ...
lab_add_router rg prc via cgn         # ... with a home router behind it
lab_add_router rh prc loss 50         # 5 % loss each way on its WAN link
for pair in ha:ra ha2:ra hb:rb hc:rc hd:rd he:re hf:rf hf2:rf hg:rg hh:rh; do
    lab_add_host "${pair%%:*}" "${pair##*:}"
done
echo "lab built in $((($(date +%s%N) - T0) / 1000000)) ms (prefix $LAB_PREFIX)"

# Echo servers: each prints the peer address and port it sees.
for port in 7001 7002; do
    lab_spawn srv "$LAB_DIR/echo-$port.log" \
        socat "TCP4-LISTEN:$port,fork,reuseaddr" SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'
done
lab_wait_for 10 lab_listening srv 7001 && lab_wait_for 10 lab_listening srv 7002 ||
    { echo "echo servers did not start"; cat "$LAB_DIR"/echo-*.log; exit 1; }

# observed HOST SRCPORT DSTPORT — "IP PORT" as the server saw the connection.
observed() {
    lab_exec "$1" socat -T3 -u "TCP4:$LAB_SERVER_IP:$3,sourceport=$2,reuseaddr,connect-timeout=3" - 2>&1 |
        head -n 1
}

echo "== mapping: one source port (40001) to server ports 7001 and 7002"
declare -A FIRST=()
for h in ha hb hc hd he hf hg; do
    a=$(observed "$h" 40001 7001)
    b=$(observed "$h" 40001 7002)
    FIRST[$h]=$a
    echo "  $h ($(lab_ip "$h") behind ${LAB_UPLINK[$h]}): :7001 saw '$a', :7002 saw '$b'"
    pub=$(lab_public_ip "$h")
    if [ "$h" = hb ]; then
        check "sym: public IP" "$pub" "${a%% *}"
        check "sym: new port per destination (APDM)" different \
            "$([ -n "$a" ] && [ "$a" != "$b" ] && echo different || echo same)"
    else
        check "${LAB_UPLINK[$h]}: same mapping for both destinations (EIM)" "$pub 40001|$pub 40001" "$a|$b"
    fi
done

# probe FROM_IP FROM_PORT TO_IP TO_PORT — dials from the server namespace; prints accepted /
# refused / dropped (timeout) / other.
probe() {
    local out
    out=$(lab_exec srv socat -T3 -u \
        "TCP4:$3:$4,bind=$1:$2,reuseaddr,connect-timeout=1.5" - 2>&1)
    case "$out" in
        *accepted*) echo accepted ;;
        *"refused"*) echo refused ;;
        *"timed out"*) echo dropped ;;
        *) echo "other($out)" ;;
    esac
}

echo "== filtering: unsolicited TCP from the server namespace to each mapping (host listens on 40001)"
for h in ha hc hd he; do
    lab_spawn "$h" "$LAB_DIR/listen-$h.log" \
        socat TCP4-LISTEN:40001,fork,reuseaddr SYSTEM:'echo accepted'
done
for h in ha hc hd he; do
    lab_wait_for 10 lab_listening "$h" 40001 || echo "  listener in $h did not start"
done
for h in ha hc hd he; do
    pub=$(lab_public_ip "$h")
    same_ip=$(probe "$LAB_SERVER_IP" 7100 "$pub" 40001)
    other_ip=$(probe "$LAB_SERVER_IP2" 7100 "$pub" 40001)
    case "${LAB_UPLINK[$h]}" in
        ra) check "prc: same IP, other port" dropped "$same_ip"
            check "prc: other IP" dropped "$other_ip" ;;
        rc) check "full: same IP, other port" accepted "$same_ip"
            check "full: other IP" accepted "$other_ip" ;;
        rd) check "arc: same IP, other port" accepted "$same_ip"
            check "arc: other IP" dropped "$other_ip" ;;
        re) check "prc+rst: same IP, other port" refused "$same_ip"
            check "prc+rst: other IP" refused "$other_ip" ;;
    esac
done

echo "== hairpin: a LAN neighbour dials the router's public IP:40001 (the mapping of the first host)"
lab_spawn hf "$LAB_DIR/listen-hf.log" socat TCP4-LISTEN:40001,fork,reuseaddr SYSTEM:'echo accepted'
lab_wait_for 10 lab_listening hf 40001 || echo "  listener in hf did not start"
hairpin() { # hairpin FROM_HOST ROUTER
    local out
    out=$(lab_exec "$1" socat -T3 -u "TCP4:$(lab_public_ip "$2"):40001,connect-timeout=1.5" - 2>&1)
    case "$out" in *accepted*) echo accepted ;; *refused*) echo refused ;; *"timed out"*) echo dropped ;;
        *) echo "other($out)" ;; esac
}
check "hairpin on (rf): hf2 -> public:40001 reaches hf" accepted "$(hairpin hf2 rf)"
check "hairpin off (ra): ha2 -> public:40001 is refused" refused "$(hairpin ha2 ra)"

echo "== double NAT: hg behind rg (prc) behind cgn (prc)"
check "cgn: observed address is the CGN's, port kept" "$(lab_ip cgn) 40001" "${FIRST[hg]}"

echo "== loss: 2000 UDP datagrams each from hh (rh: loss 50 per mille each way) to the server and to ra"
count_table='table ip count {
    chain pre {
        type filter hook prerouting priority -300; policy accept;
        udp dport 9999 counter drop
    }
}'
printf '%s\n' "$count_table" | lab_exec srv nft -f -
printf '%s\n' "$count_table" | lab_exec ra nft -f -
blast() { # blast HOST DST_IP — 2000 one-byte datagrams, paced so no queue overflows
    lab_exec "$1" bash -c 'exec 3>"/dev/udp/$1/9999" || exit 1
        for ((i = 1; i <= 2000; i++)); do
            printf x >&3 2>/dev/null
            (( i % 50 == 0 )) && sleep 0.01
        done; exit 0' blast "$2"
}
received() { lab_exec "$1" nft list table ip count | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
blast hh "$LAB_SERVER_IP"
blast hh "$(lab_ip ra)"
for target in srv ra; do
    got=$(received "$target")
    got=${got:-0}
    lost=$((2000 - got))
    permille=$((lost * 1000 / 2000))
    family=$([ "$target" = srv ] && echo "routed, ip family" || echo "bridged, bridge family")
    echo "  to $target ($family): received $got of 2000, lost $lost (${permille} per mille)"
    check "loss to $target within 25..80 per mille" yes \
        "$([ "$permille" -ge 25 ] && [ "$permille" -le 80 ] && echo yes || echo "no ($permille)")"
done
echo "  loss rule counters for rh: $(lab_loss_drops rh) packets dropped"
check "loss rules counted the drops" yes "$([ "$(lab_loss_drops rh)" -gt 0 ] && echo yes || echo no)"

echo "self-test: $((CHECKS - FAILS))/$CHECKS checks ok in $((($(date +%s%N) - T0) / 1000000)) ms"
if [ "$FAILS" -gt 0 ]; then
    echo "----- lab state"
    lab_dump_state
    exit 1
fi
exit 0
