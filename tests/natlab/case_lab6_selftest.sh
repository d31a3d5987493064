#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Proves that the lab's IPv6 (lab_enable_ipv6 / LAB_IPV6=1) behaves as lab.sh claims, without
# PunchDrop: home routers route a global /64 each, with no NAT66, behind a stateful firewall
# (outbound and replies pass, new inbound is dropped), and a TCP simultaneous open between two
# such homes gets through both firewalls. socat echo servers report the source they observe;
# simopen6.py does the simultaneous open; a few lines of python send an ICMPv6 echo.
#
# Usage: case_lab6_selftest.sh       (root; exit 77 = skipped on a developer machine without root)
#        NATLAB_SIMOPEN_RUNS=N        synchronised simultaneous-open runs (default 5)

# shellcheck disable=SC2119,SC2016 # lab_add_server's NAME is optional; $VARS for socat/bash -c
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
. "$HERE/lab.sh"
lab_require socat python3
RUNS=${NATLAB_SIMOPEN_RUNS:-5}

FAILS=0
CHECKS=0
check() { # check NAME EXPECTED ACTUAL
    CHECKS=$((CHECKS + 1))
    if [ "$2" = "$3" ]; then
        printf '  ok    %-58s %s\n' "$1" "$3"
    else
        printf '  FAIL  %-58s expected %s, got %s\n' "$1" "$2" "$3"
        FAILS=$((FAILS + 1))
    fi
}

T0=$(date +%s%N)
LAB_IPV6=1
lab_init
lab_add_server
lab_add_router ra prc                 # 2001:db8:ff::1, LAN 2001:db8:1::/64
lab_add_router rb prc                 # 2001:db8:ff::2, LAN 2001:db8:2::/64
lab_add_router re prc rst             # its firewall answers new inbound TCP with a RST
lab_add_router rn prc nov6            # an IPv4-only ISP
lab_add_cgn cgn prc                   # IPv4 carrier-grade NAT, IPv6 routed plainly ...
lab_add_router rg prc via cgn         # ... to a home router behind it
lab_add_router rh prc loss 50         # 5 % loss each way on its WAN link, both families
lab_add_host ha ra                    # dual stack: 10.0.1.2 and 2001:db8:1::2
lab_add_host ha2 ra                   # ha's LAN neighbour
lab_add_host hv ra v6only             # 2001:db8:1::4 only
lab_add_host h4 ra v4only             # 10.0.1.5 only
for pair in hb:rb he:re hn:rn hg:rg hh:rh; do
    lab_add_host "${pair%%:*}" "${pair##*:}"
done
echo "lab built in $((($(date +%s%N) - T0) / 1000000)) ms (prefix $LAB_PREFIX)"

echo "== addresses"
for n in srv core ra ha ha2 hv h4 hb he hg rg cgn hn rn hh; do
    printf '  %-4s v4 %-15s v6 %s\n' "$n" "$(lab_ip "$n" 2>/dev/null || echo -)" \
        "$(lab_ip6 "$n" 2>/dev/null || echo -)"
done
check "lab_ip6 ha / hv / hg / srv" "2001:db8:1::2 2001:db8:1::4 2001:db8:5::2 2001:db8:fe::10" \
    "$(lab_ip6 ha) $(lab_ip6 hv) $(lab_ip6 hg) $(lab_ip6 srv)"
check "lab_ip6 ra / rg (behind the CGN) / cgn" "2001:db8:ff::1 2001:db8:100::2 2001:db8:ff::100" \
    "$(lab_ip6 ra) $(lab_ip6 rg) $(lab_ip6 cgn)"
check "no IPv6 on h4 (v4only), rn (nov6), hn (behind it)" "none none none" \
    "$(for n in h4 rn hn; do lab_ip6 "$n" >/dev/null 2>&1 && echo has || echo none; done | xargs)"
tentative=""
for n in core srv ra rb re cgn rg rh ha ha2 hv hb he hg hh; do
    t=$(lab_exec "$n" ip -6 -o addr show tentative 2>&1; lab_exec "$n" ip -6 -o addr show dadfailed 2>&1)
    [ -z "$t" ] || tentative+=" $n"
done
check "no tentative or dadfailed IPv6 address (nodad)" "none" "${tentative:-none}"

# Echo servers: each prints the peer address and port it sees. IPv6 on [srv]:7001 (nothing else
# listens there, so lab_listening has to see an IPv6 socket), IPv4 on 198.51.100.10:7002.
lab_spawn srv "$LAB_DIR/echo6.log" \
    socat "TCP6-LISTEN:7001,bind=[$LAB_SERVER_IP6],fork,reuseaddr" SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'
lab_spawn srv "$LAB_DIR/echo4.log" \
    socat "TCP4-LISTEN:7002,bind=$LAB_SERVER_IP,fork,reuseaddr" SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT'
if ! { lab_wait_for 10 lab_listening srv 7001 && lab_wait_for 10 lab_listening srv 7002; }; then
    echo "echo servers did not start"
    cat "$LAB_DIR"/echo*.log
    exit 1
fi
check "lab_listening sees the IPv6-only listener" "[$LAB_SERVER_IP6]:7001" \
    "$(lab_exec srv ss -Htln 'sport = :7001' | awk '{ print $4 }')"

# canon6 [ADDR] PORT — socat prints IPv6 peers in full ("[2001:0db8:...]"); the short form
canon6() {
    [ $# -eq 2 ] || { echo "$*"; return; }
    printf '%s %s' "$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1].strip("[]")))' "$1" 2>/dev/null || echo "$1")" "$2"
}
# observed6 HOST SRCPORT — "ADDR PORT" as the server saw a TCP connection to [srv]:7001.
observed6() {
    # shellcheck disable=SC2046 # two words on purpose
    canon6 $(lab_exec "$1" socat -T3 -u "TCP6:[$LAB_SERVER_IP6]:7001,sourceport=$2,reuseaddr,connect-timeout=3" - 2>&1 | head -n 1)
}
# dial NODE SOCAT_ADDRESS — accepted / refused / dropped (timeout) / unreachable (no route) /
# no-source-address (no address of that family) / other(...)
dial() {
    local out
    out=$(lab_exec "$1" socat -T3 -u "$2,connect-timeout=1.5" - 2>&1)
    case "$out" in
        *accepted*) echo accepted ;;
        *refused*) echo refused ;;
        *"timed out"*) echo dropped ;;
        *unreachable*) echo unreachable ;;
        *"Cannot assign requested address"*) echo no-source-address ;;
        *) echo "other($out)" ;;
    esac
}
# icmp6_echo NODE DST — "reply" when an ICMPv6 echo reply from DST comes back within 1.5 s
icmp6_echo() {
    lab_exec "$1" python3 - "$2" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x4c41, 1) + b"natlab", (sys.argv[1], 0))  # kernel sums
end = time.time() + 1.5
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        data, src = s.recvfrom(1500)
    except socket.timeout:
        break
    if data[0] == 129 and data[4:6] == b"\x4c\x41" and src[0] == sys.argv[1]:
        print("reply")
        sys.exit(0)
print("none")
PY
}

echo "== 1. host -> server over IPv6: the server sees the host's own global address (no NAT66)"
for h in ha hb hg hv; do
    seen=$(observed6 "$h" 40001)
    check "$h (behind ${LAB_UPLINK[$h]}) -> [srv]:7001 seen as" "$(lab_ip6 "$h") 40001" "$seen"
done
seen=$(lab_exec ha socat -T3 -u "TCP4:$LAB_SERVER_IP:7002,sourceport=40001,reuseaddr,connect-timeout=3" - 2>&1 | head -n 1)
check "ha over IPv4 still NATed (ra's public address)" "$(lab_public_ip ha) 40001" "$seen"

echo "== 2./3. new inbound IPv6 is dropped by the home firewall (hosts listen on [::]:40001)"
for h in ha hb he hg; do
    lab_spawn "$h" "$LAB_DIR/listen-$h.log" socat TCP6-LISTEN:40001,fork,reuseaddr SYSTEM:'echo accepted'
done
for h in ha hb he hg; do
    lab_wait_for 10 lab_listening "$h" 40001 || echo "  listener in $h did not start"
done
check "control: ha2 -> [ha]:40001 on the same LAN" accepted "$(dial ha2 "TCP6:[$(lab_ip6 ha)]:40001")"
check "srv -> [ha]:40001 (server to host)" dropped "$(dial srv "TCP6:[$(lab_ip6 ha)]:40001")"
check "srv -> [hg]:40001 (behind rg behind the CGN)" dropped "$(dial srv "TCP6:[$(lab_ip6 hg)]:40001")"
check "ha -> [hb]:40001 (host to host, other home)" dropped "$(dial ha "TCP6:[$(lab_ip6 hb)]:40001")"
check "srv -> [he]:40001 (re: firewall with rst)" refused "$(dial srv "TCP6:[$(lab_ip6 he)]:40001")"
check "srv -> [ha] ICMPv6 echo (allowed inbound, RFC 4890)" reply "$(icmp6_echo srv "$(lab_ip6 ha)")"
check "srv -> [ra] ICMPv6 echo (router's own WAN)" reply "$(icmp6_echo srv "$(lab_ip6 ra)")"
drops=$(lab_exec ra nft list chain ip6 lab6 c_fwd6 | awk '/iifname "wan" counter/ { print $5 }')
check "ra's firewall counted the dropped inbound SYNs" yes "$([ "${drops:-0}" -gt 0 ] && echo yes || echo "no (${drops:-0})")"

echo "== 4. TCP simultaneous open ha <-> hb through both firewalls (no listener; simopen6.py)"
# simopen A B PORT_A PORT_B SKEW_B — both dial at a shared start time (B SKEW_B seconds later);
# sets SIM to "ok" when both sides exchanged 256 KiB each way intact. Runs in this shell (not in
# $(...)), so the PIDs stay known to lab_cleanup.
SIM=""
simopen() {
    local a=$1 b=$2 pa=$3 pb=$4 skew=$5 start start_b pid_a pid_b rc_a rc_b
    start=$(python3 -c 'import time; print(f"{time.time() + 0.5:.3f}")')
    start_b=$(python3 -c 'import sys; print(f"{float(sys.argv[1]) + float(sys.argv[2]):.3f}")' "$start" "$skew")
    lab_spawn "$a" "$LAB_DIR/simopen-$a-$pa.log" python3 "$HERE/simopen6.py" \
        --bind "$(lab_ip6 "$a")" "$pa" --peer "$(lab_ip6 "$b")" "$pb" --name "$a" --peer-name "$b" \
        --start "$start" --attempt 1 --deadline 8
    pid_a=$LAB_LAST_PID
    lab_spawn "$b" "$LAB_DIR/simopen-$b-$pb.log" python3 "$HERE/simopen6.py" \
        --bind "$(lab_ip6 "$b")" "$pb" --peer "$(lab_ip6 "$a")" "$pa" --name "$b" --peer-name "$a" \
        --start "$start_b" --attempt 1 --deadline 8
    pid_b=$LAB_LAST_PID
    lab_wait_pid "$pid_a" 20
    rc_a=$?
    lab_wait_pid "$pid_b" 20
    rc_b=$?
    lab_stop "$pid_a" 1
    lab_stop "$pid_b" 1
    sed 's/^/      /' "$LAB_DIR/simopen-$a-$pa.log" "$LAB_DIR/simopen-$b-$pb.log"
    if [ "$rc_a" = 0 ] && [ "$rc_b" = 0 ]; then SIM=ok; else SIM="FAIL($rc_a/$rc_b)"; fi
}
ok_runs=0
for ((i = 1; i <= RUNS; i++)); do
    echo "    run $i:"
    simopen ha hb $((41000 + i)) $((42000 + i)) 0
    [ "$SIM" = ok ] && ok_runs=$((ok_runs + 1))
done
check "synchronised simultaneous opens ha <-> hb" "$RUNS/$RUNS" "$ok_runs/$RUNS"
echo "    ra's conntrack entry of the last run:"
lab_exec ra conntrack -L -f ipv6 -p tcp --orig-port-src $((41000 + RUNS)) 2>/dev/null | sed 's/^/      /'
echo "    hb starts 1.5 s late:"
simopen ha hb 41100 42100 1.5
check "hb 1.5 s late (ha's SYNs dropped by rb meanwhile)" ok "$SIM"
echo "    hg (behind rg behind the CGN) <-> hb:"
simopen hg hb 41200 42200 0
check "hg (behind rg behind the CGN) <-> hb" ok "$SIM"
invalid=$(for r in ra rb rg; do lab_exec "$r" nft list chain ip6 lab6 c_fwd6 |
    awk '/ct state invalid counter/ { print $6 }'; done | xargs)
check "no packet was ct state invalid on ra, rb, rg" "0 0 0" "$invalid"

echo "== 5. single-stack hosts and an IPv4-only ISP"
check "hv (v6only) has no IPv4 address and no IPv4 route" "none" \
    "$(out=$(lab_exec hv ip -4 -o addr show scope global; lab_exec hv ip -4 route); echo "${out:-none}")"
check "hv (v6only) -> 198.51.100.10:7002" unreachable "$(dial hv "TCP4:$LAB_SERVER_IP:7002")"
check "h4 (v4only) has no global IPv6 address" "none" \
    "$(out=$(lab_exec h4 ip -6 -o addr show scope global 2>&1); echo "${out:-none}")"
check "h4 (v4only) -> [srv]:7001" no-source-address "$(dial h4 "TCP6:[$LAB_SERVER_IP6]:7001")"
# (source port 40002: ha's 40001 -> srv:7002 still holds ra's public port 40001 in TIME_WAIT)
seen=$(lab_exec h4 socat -T3 -u "TCP4:$LAB_SERVER_IP:7002,sourceport=40002,reuseaddr,connect-timeout=3" - 2>&1 | head -n 1)
check "h4 (v4only) over IPv4" "$(lab_public_ip h4) 40002" "$seen"
check "hn (behind rn, nov6) has no global IPv6 address" "none" \
    "$(out=$(lab_exec hn ip -6 -o addr show scope global 2>&1); echo "${out:-none}")"
check "hn (behind rn, nov6) -> [srv]:7001" no-source-address "$(dial hn "TCP6:[$LAB_SERVER_IP6]:7001")"
seen=$(lab_exec hn socat -T3 -u "TCP4:$LAB_SERVER_IP:7002,sourceport=40001,reuseaddr,connect-timeout=3" - 2>&1 | head -n 1)
check "hn (behind rn, nov6) over IPv4" "$(lab_public_ip hn) 40001" "$seen"

echo "== 6. loss over IPv6: 2000 UDP datagrams from hh (rh: loss 50 per mille each way) to the server"
printf '%s\n' 'table ip6 count {
    chain pre {
        type filter hook prerouting priority -300; policy accept;
        udp dport 9999 counter drop
    }
}' | lab_exec srv nft -f -
lab_exec hh bash -c 'exec 3>"/dev/udp/$1/9999" || exit 1
    for ((i = 1; i <= 2000; i++)); do
        printf x >&3 2>/dev/null
        (( i % 50 == 0 )) && sleep 0.01
    done; exit 0' blast "$LAB_SERVER_IP6"
got=$(lab_exec srv nft list table ip6 count | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
got=${got:-0}
permille=$(((2000 - got) * 1000 / 2000))
echo "  received $got of 2000 (${permille} per mille lost); loss rules dropped $(lab_loss_drops rh) packets"
check "IPv6 loss within 25..80 per mille" yes \
    "$([ "$permille" -ge 25 ] && [ "$permille" -le 80 ] && echo yes || echo "no ($permille)")"

echo "self-test (IPv6): $((CHECKS - FAILS))/$CHECKS checks ok in $((($(date +%s%N) - T0) / 1000000)) ms"
if [ "$FAILS" -gt 0 ]; then
    echo "----- lab state"
    lab_dump_state
    exit 1
fi
exit 0
