#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/natlab/lab.sh — real NAT routers in Linux network namespaces, built with nftables.
#
# Source it from a case script:
#
#     . "$(dirname "$0")/lab.sh"
#     lab_init                        # root check, stale sweep, "internet" core, cleanup trap
#     lab_add_server                  # 198.51.100.10 and .11
#     lab_add_router ra prc           # WAN 203.0.113.1, LAN 10.0.1.0/24, port-restricted cone
#     lab_add_router rb sym rst       # symmetric, answers unsolicited SYNs with RST
#     lab_add_host ha ra              # 10.0.1.2 behind ra
#     lab_spawn srv "$LAB_DIR/srv.log" some-server --flag   # background, killed by lab_cleanup
#     lab_exec ha some-client         # foreground
#
# Or run it directly:  lab.sh down PREFIX   (tear down a lab kept with NATLAB_KEEP=1)
#                      lab.sh list          (namespaces of labs on this machine)
#                      lab.sh sweep         (remove labs whose creating process is dead)
#
# Topology (docs/nat-traversal.md has the picture):
#   srv   eth0 198.51.100.10/24 + .11           default via 198.51.100.1
#   core  v-srv 198.51.100.1/24, bridge br0 203.0.113.254/24 ("internet", routing only)
#   router NAME: wan 203.0.113.N (or 10.64.K.M behind a CGN), bridge lan 10.0.N.1/24
#   host NAME:   eth0 10.0.N.M/24 in the router's lan bridge, default via 10.0.N.1
#   cgn NAME:    wan 203.0.113.(100+K), bridge isp 10.64.K.1/24; routers attach with "via NAME"
#
# IPv6 (opt-in; without it every namespace has IPv6 disabled, exactly as before): set LAB_IPV6=1
# before lab_init, or call lab_enable_ipv6 right after lab_init (before any other node). Then:
#   srv   eth0 2001:db8:fe::10/64 + ::11           default via 2001:db8:fe::1
#   core  v-srv 2001:db8:fe::1/64, br0 2001:db8:ff::fe/64; routes each home /64 to its router
#   router N: wan 2001:db8:ff::N/64 (behind CGN K: 2001:db8:(100+K)::M), bridge lan
#             2001:db8:N::1/64. No NAT66: an nftables "table ip6 lab6" stateful firewall (forward
#             policy drop: established/related in, new lan→wan out, new inbound from wan dropped
#             except ICMPv6 echo; with "rst" new inbound TCP gets a RST, other protocols ICMPv6
#             port unreachable). Option "nov6": an IPv4-only ISP, no IPv6 on the router or behind it.
#   host  NAME:  eth0 2001:db8:N::M/64 (M = the same number as in 10.0.N.M), default via
#             2001:db8:N::1. "lab_add_host NAME ROUTER v4only|v6only" drops one family.
#   cgn K: wan 2001:db8:ff::(100+K)/64, bridge isp 2001:db8:(100+K)::1/64; plain IPv6 routing (no
#             NAT, no firewall): only IPv4 is carrier-grade NATed. "nov6" makes it IPv4-only.
# Every IPv6 address is added "nodad", with accept_dad/accept_ra/autoconf 0 in each namespace, so
# addresses (link-local ones too) are usable at once; lab_ip6 NODE prints a node's global address.
#
# Safety rules: every namespace is named "${LAB_PREFIX}NAME" with LAB_PREFIX=pdnl<PID>-; nothing
# is attached to the root namespace; only 198.51.100.0/24, 203.0.113.0/24, 10.x and (IPv6)
# 2001:db8::/32 are used.
# Every process started through lab_spawn is killed by PID before its namespace is deleted.
#
# Environment: NATLAB_KEEP=1 keeps namespaces and processes after the script ends (prints how to
#              enter and tear down); CI=true turns "cannot run here" into a failure, not a skip.

# shellcheck disable=SC2119,SC2120 # optional arguments
LAB_SERVER_IP=198.51.100.10
LAB_SERVER_IP2=198.51.100.11
LAB_CORE_SRV_IP=198.51.100.1
LAB_CORE_WAN_IP=203.0.113.254
LAB_SERVER_IP6=2001:db8:fe::10      # IPv6 (lab_enable_ipv6 / LAB_IPV6=1) only
LAB_SERVER_IP6_2=2001:db8:fe::11
LAB_CORE_SRV_IP6=2001:db8:fe::1
LAB_CORE_WAN_IP6=2001:db8:ff::fe
LAB_SKIP=77
LAB_NS_TAG=pdnl            # namespace name tag; stale sweep only touches ^pdnl<digits>-

LAB_PREFIX=""
LAB_DIR=""
LAB_NAMESPACES=()
LAB_PIDS=()
LAB_LAST_PID=""
LAB_ROUTER_COUNT=0
LAB_CGN_COUNT=0
LAB_CLEANED=0
declare -A LAB_IP=()       # node -> its address (host: LAN IP, router/cgn: WAN IP, srv: .10)
declare -A LAB_PUBLIC=()   # router/cgn -> public (outside) address
declare -A LAB_LANNET=()   # router -> "10.0.N"; cgn -> "10.64.K"
declare -A LAB_HOSTS=()    # router/cgn -> number of hosts/routers attached inside
declare -A LAB_ROLE=()     # node -> server|router|cgn|host
declare -A LAB_UPLINK=()   # router/host -> node it hangs off (core, a cgn, a router)
LAB_V6=0                   # 1 after lab_enable_ipv6
declare -A LAB_IP6=()      # node -> its global IPv6 address (absent: the node has no IPv6)
declare -A LAB_LANNET6=()  # router -> "2001:db8:N" (its LAN /64); cgn -> "2001:db8:(100+K)"
declare -A LAB_V6NETS=()   # router/cgn -> IPv6 addresses/prefixes its WAN link carries (loss rules)

# ---------------------------------------------------------------------------------------------
# messages and environment checks

lab_log() { printf 'natlab: %s\n' "$*" >&2; }

lab_is_ci() {
    case "${CI:-}" in true | TRUE | True | 1 | yes) return 0 ;; esac
    return 1
}

# lab_unavailable MESSAGE — this machine cannot run the lab: a failure under CI, a skip elsewhere.
lab_unavailable() {
    if lab_is_ci; then
        lab_log "FAIL: $* — CI must run the NAT lab as root with iproute2 (ip netns), nftables and socat"
        exit 1
    fi
    lab_log "SKIP: $* (the NAT lab needs root, ip netns and nft; set CI=true to make this a failure)"
    exit "$LAB_SKIP"
}

# lab_require [EXTRA_COMMAND...] — root and the tools the lab needs.
lab_require() {
    if [ "$(id -u)" -ne 0 ]; then
        lab_unavailable "not running as root"
    fi
    local c
    for c in ip nft timeout ss sha256sum xxh128sum "$@"; do
        command -v "$c" >/dev/null 2>&1 || lab_unavailable "command '$c' not found"
    done
    ip netns list >/dev/null 2>&1 || lab_unavailable "'ip netns' does not work here"
}

lab_ns() { printf '%s%s' "$LAB_PREFIX" "$1"; }

_lab_check_name() {
    [[ "$1" =~ ^[a-z][a-z0-9]{0,9}$ ]] || { lab_log "bad node name '$1' (a-z0-9, ≤10 chars)"; return 1; }
    [ -z "${LAB_ROLE[$1]:-}" ] || { lab_log "node '$1' exists already"; return 1; }
}

# _lab_sysctl NODE KEY=VALUE... — keys that do not exist in this kernel are ignored.
_lab_sysctl() {
    local node=$1 kv present=()
    shift
    for kv in "$@"; do
        [ -e "/proc/sys/$(printf '%s' "${kv%%=*}" | tr . /)" ] && present+=("$kv")
    done
    [ ${#present[@]} -eq 0 ] || ip netns exec "$(lab_ns "$node")" sysctl -qw "${present[@]}" >/dev/null
}

# _lab_ip NODE ARGS... — iproute2 in NODE's namespace (ip -n: cheaper than ip netns exec)
_lab_ip() {
    local node=$1
    shift
    ip -n "$(lab_ns "$node")" "$@"
}

# _lab_new_ns NODE ROLE [v6] — creates the namespace with lo up and lab-safe sysctls; IPv6 stays
# disabled unless "v6" is given.
_lab_new_ns() {
    local node=$1 ns
    ns=$(lab_ns "$node")
    ip netns add "$ns" || { lab_log "cannot create namespace $ns"; return 1; }
    LAB_NAMESPACES+=("$ns")
    LAB_ROLE[$node]=$2
    ip -n "$ns" link set lo up
    # br_netfilter is on in every new namespace: bridged frames would pass the ip hooks.
    _lab_sysctl "$node" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
        net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
        net.bridge.bridge-nf-call-arptables=0 net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1
    if [ "${3:-}" = v6 ]; then
        _lab_v6_sysctls "$node"
    fi
}

# _lab_v6_sysctls NODE [IFACE...] — turns IPv6 on in NODE with no surprises: no DAD (a tentative
# link-local address cannot source the neighbour solicitations a router sends for forwarded
# packets, and "nodad" on an address does not cover the link-local one), no router
# advertisements, no SLAAC. "default" covers interfaces created later, IFACE... existing ones
# (the "all" value of disable_ipv6 is copied to every interface, that of accept_dad is not).
_lab_v6_sysctls() {
    local node=$1 key dev kv=() devkv=()
    shift
    for key in accept_dad=0 dad_transmits=0 accept_ra=0 autoconf=0 router_solicitations=0; do
        kv+=("net.ipv6.conf.all.$key" "net.ipv6.conf.default.$key")
        for dev in "$@"; do devkv+=("net.ipv6.conf.$dev.$key"); done
    done
    _lab_sysctl "$node" "${kv[@]}"
    # per-interface keys exist only inside NODE (_lab_sysctl checks keys in the root namespace)
    if [ ${#devkv[@]} -gt 0 ]; then
        lab_exec "$node" sysctl -qw "${devkv[@]}" >/dev/null || return 1
    fi
    _lab_sysctl "$node" net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
}

# _lab_router_sysctls NODE [v6] — forwarding (IPv6 forwarding too with "v6"), no redirects.
_lab_router_sysctls() {
    _lab_sysctl "$1" net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
        net.ipv4.conf.default.send_redirects=0
    if [ "${2:-}" = v6 ]; then
        _lab_sysctl "$1" net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1
    fi
}

# _lab_port_nov6 NODE IFACE — a bridge port needs no IPv6 of its own (no link-local address, no
# fe80::/64 route next to the bridge's); the bridge forwards IPv6 frames all the same.
_lab_port_nov6() {
    [ "$LAB_V6" = 1 ] || return 0
    lab_exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" >/dev/null 2>&1
    return 0
}

# _lab_addr6 NODE ADDR/LEN DEV — an IPv6 address, usable at once (no DAD).
_lab_addr6() {
    _lab_ip "$1" -6 addr add "$2" dev "$3" nodad
}

# ---------------------------------------------------------------------------------------------
# building the lab

# lab_init — checks, sweeps stale labs, creates the work dir, the core namespace and the trap.
lab_init() {
    lab_require
    lab_sweep_stale
    LAB_PREFIX="${LAB_NS_TAG}$$-"
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/natlab.$$.XXXXXX") || { lab_log "mktemp failed"; exit 1; }
    trap lab_cleanup EXIT
    trap 'lab_log "interrupted"; exit 130' INT
    trap 'lab_log "terminated"; exit 143' TERM
    if ! _lab_new_ns core core; then
        lab_unavailable "cannot create network namespaces"
    fi
    _lab_router_sysctls core
    _lab_ip core link add br0 type bridge
    _lab_ip core addr add "$LAB_CORE_WAN_IP/24" dev br0
    _lab_ip core link set br0 up
    LAB_IP[core]=$LAB_CORE_WAN_IP
    if [ "${LAB_IPV6:-0}" = 1 ]; then
        lab_enable_ipv6 || exit 1
    fi
}

# lab_enable_ipv6 — IPv6 for the lab being built (see the header): call it right after lab_init,
# before any other node (or set LAB_IPV6=1 before lab_init). Nodes added afterwards get IPv6
# unless told otherwise (router/CGN option nov6, host option v4only).
lab_enable_ipv6() {
    [ -n "$LAB_PREFIX" ] || { lab_log "lab_enable_ipv6: call lab_init first"; return 1; }
    [ "$LAB_V6" = 1 ] && return 0
    [ ${#LAB_NAMESPACES[@]} -eq 1 ] ||
        { lab_log "lab_enable_ipv6 must come right after lab_init, before any node is added"; return 1; }
    _lab_v6_sysctls core br0 || { lab_log "cannot enable IPv6 in core"; return 1; }
    _lab_sysctl core net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1
    # no MLD snooping: neighbour discovery multicast is flooded, whatever MLD reports were seen
    _lab_ip core link set br0 type bridge mcast_snooping 0
    _lab_addr6 core "$LAB_CORE_WAN_IP6/64" br0 || { lab_log "cannot add $LAB_CORE_WAN_IP6 in core"; return 1; }
    LAB_IP6[core]=$LAB_CORE_WAN_IP6
    LAB_V6=1
}

# lab_add_server [NAME] — the "public" server namespace: 198.51.100.10 and .11 (default NAME srv).
lab_add_server() {
    local node=${1:-srv} v6=""
    _lab_check_name "$node" || return 1
    [ "$LAB_V6" = 1 ] && v6=v6
    _lab_new_ns "$node" server "$v6" || return 1
    ip link add eth0 netns "$(lab_ns "$node")" type veth peer name "v-$node" netns "$(lab_ns core)" || return 1
    _lab_ip core addr add "$LAB_CORE_SRV_IP/24" dev "v-$node"
    _lab_ip core link set "v-$node" up
    _lab_ip "$node" addr add "$LAB_SERVER_IP/24" dev eth0
    _lab_ip "$node" addr add "$LAB_SERVER_IP2/24" dev eth0
    _lab_ip "$node" link set eth0 up
    _lab_ip "$node" route add default via "$LAB_CORE_SRV_IP"
    LAB_IP[$node]=$LAB_SERVER_IP
    LAB_PUBLIC[$node]=$LAB_SERVER_IP
    if [ -n "$v6" ]; then
        _lab_addr6 core "$LAB_CORE_SRV_IP6/64" "v-$node"
        _lab_addr6 "$node" "$LAB_SERVER_IP6/64" eth0
        _lab_addr6 "$node" "$LAB_SERVER_IP6_2/64" eth0
        _lab_ip "$node" -6 route add default via "$LAB_CORE_SRV_IP6" dev eth0 ||
            { lab_log "cannot add the IPv6 default route in $node"; return 1; }
        LAB_IP6[$node]=$LAB_SERVER_IP6
    fi
}

# _lab_nat_rules NODE TYPE INSIDE_IF PUBLIC_IP HAIRPIN(0|1) RST(0|1) — the nftables NAT of
# nat-lab-facts.md §2.2 in NODE's namespace. The outside interface is always "wan".
_lab_nat_rules() {
    local node=$1 type=$2 in=$3 pub=$4 hairpin=$5 rst=$6
    local masq="masquerade" record="" inbound="" hp_in="" hp_out="" drop='iifname "wan" drop'
    case "$type" in
        prc) ;;
        sym) masq="masquerade fully-random" ;;
        symr) masq="masquerade random" ;;
        # symmetric, ports counted up: every new TCP or UDP flow gets the next public port
        # (one counter for both, as many consumer NATs do: 20000, 20001, … 24095, then over
        # again), other protocols are masqueraded. Through a map: numgen's value is in host
        # byte order, and a port straight from it would count up in steps of 256.
        seq)
            local seqmap
            seqmap=$(seq 0 4095 | awk '{ printf "%s%d : %d", (NR > 1 ? ", " : ""), $1, 20000 + $1 }')
            masq="meta l4proto { tcp, udp } snat to $pub : numgen inc mod 4096 map { $seqmap }
        oifname \"wan\" masquerade"
            ;;
        full) inbound='iifname "wan" dnat to meta l4proto . th dport map @pm' ;;
        arc)
            record='meta l4proto { tcp, udp } oifname "wan" update @am { meta l4proto . ip daddr . th sport : ip saddr }'
            inbound='iifname "wan" dnat to meta l4proto . ip saddr . th dport map @am'
            ;;
        *) lab_log "unknown NAT type '$type' (full, arc, prc, sym, symr, seq)"; return 1 ;;
    esac
    if [ "$hairpin" = 1 ]; then
        hp_in="iifname \"$in\" ip daddr $pub dnat to meta l4proto . th dport map @pm"
        hp_out="iifname \"$in\" oifname \"$in\" ct status dnat snat to $pub"
    fi
    [ "$rst" = 1 ] && drop="# no wan drop rule: the router's own stack answers (TCP RST, ICMP)"
    local file="$LAB_DIR/nft-$node.nft"
    cat >"$file" <<NFT
table ip lab {
    map pm { type inet_proto . inet_service : ipv4_addr; flags dynamic,timeout; timeout 300s; }
    map am { type inet_proto . ipv4_addr . inet_service : ipv4_addr; flags dynamic,timeout; timeout 300s; }
    chain c_pre {
        type nat hook prerouting priority dstnat; policy accept;
        $inbound
        $hp_in
    }
    chain c_post {
        type nat hook postrouting priority srcnat; policy accept;
        $record
        meta l4proto { tcp, udp } oifname "wan" update @pm { meta l4proto . th sport : ip saddr }
        $hp_out
        oifname "wan" $masq
    }
    chain c_fwd {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "$in" accept
        ct status dnat accept
    }
    chain c_in {
        type filter hook input priority filter; policy accept;
        iifname "wan" ct state established,related accept
        iifname "wan" icmp type echo-request accept
        $drop
    }
}
NFT
    lab_exec "$node" nft -f "$file" || { lab_log "nft rejected $file"; return 1; }
}

# _lab_fw6_rules NODE RST(0|1) — the IPv6 side of a home router: no NAT66, a stateful firewall
# as in RFC 6092 (and nat-lab-facts.md, "IPv6 through stateful firewalls"). A TCP simultaneous
# open passes: the peer's SYN arriving after our own SYN went out is the reply direction of our
# conntrack entry (SYN_SENT -> SYN_SENT2), "established" to nftables, not "new" or "invalid".
# The router's own input keeps neighbour discovery (it is never "established": conntrack does not
# track ND, so an input drop that came before the ICMPv6 rule would cut the router off its WAN).
_lab_fw6_rules() {
    local node=$1 rst=$2 reject='iifname "wan" counter drop' drop='iifname "wan" drop'
    if [ "$rst" = 1 ]; then
        reject='iifname "wan" meta l4proto tcp counter reject with tcp reset
        iifname "wan" counter reject with icmpv6 type port-unreachable'
        drop="# no wan drop rule: the router's own stack answers (TCP RST, ICMPv6)"
    fi
    local file="$LAB_DIR/nft6-$node.nft"
    cat >"$file" <<NFT
table ip6 lab6 {
    chain c_fwd6 {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        ct state invalid counter drop
        iifname "lan" oifname "wan" accept
        iifname "wan" icmpv6 type echo-request accept
        $reject
    }
    chain c_in6 {
        type filter hook input priority filter; policy accept;
        iifname "wan" ct state established,related accept
        iifname "wan" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, echo-request, packet-too-big, destination-unreachable, time-exceeded, parameter-problem } accept
        $drop
    }
}
NFT
    lab_exec "$node" nft -f "$file" || { lab_log "nft rejected $file"; return 1; }
}

# _lab_parse_nat_opts OPTS... — sets hairpin, rst, loss, via, ct_timeout, nov6 (locals of the
# caller).
_lab_parse_nat_opts() {
    while [ $# -gt 0 ]; do
        case "$1" in
            hairpin) hairpin=1 ;;
            rst) rst=1 ;;
            loss) loss=${2:?loss needs PERMILLE}; shift ;;
            via) via=${2:?via needs a CGN name}; shift ;;
            timeout) ct_timeout=${2:?timeout needs SECONDS}; shift ;;
            nov6) nov6=1 ;;
            *) lab_log "unknown router option '$1' (hairpin, rst, loss PERMILLE, via CGN, timeout SECONDS, nov6)"; return 1 ;;
        esac
        shift
    done
}

# _lab_uplink NODE PARENT — a veth "wan" from NODE into PARENT's bridge; prints nothing.
_lab_uplink() {
    local node=$1 parent=$2 bridge peer
    if [ "$parent" = core ]; then bridge=br0; peer="v-$node"; else bridge=isp; peer="r-$node"; fi
    ip link add wan netns "$(lab_ns "$node")" type veth peer name "$peer" netns "$(lab_ns "$parent")" || return 1
    _lab_port_nov6 "$parent" "$peer"
    _lab_ip "$parent" link set "$peer" master "$bridge"
    _lab_ip "$parent" link set "$peer" up
    _lab_ip "$node" link set wan up
    LAB_UPLINK[$node]=$parent
}

# lab_add_router NAME TYPE [hairpin] [rst] [loss PERMILLE] [via CGN] [timeout SECONDS] [nov6]
#   TYPE: full (EIM + endpoint-independent filtering), arc (EIM + address-dependent filtering),
#   prc (EIM + address-and-port-dependent filtering), sym (masquerade fully-random: APDM),
#   symr (masquerade random), seq (symmetric with sequential ports: snat to the next port of
#   one counter for TCP and UDP, 20000-24095). hairpin: LAN → own public IP loops back. rst: no wan drop rule, so
#   unsolicited SYNs get a RST. loss: PERMILLE random loss each way on its WAN link (in core).
#   via CGN: the WAN hangs off that CGN's isp bridge instead of the internet.
#   timeout: the router forgets idle mappings (TCP established, UDP) after SECONDS.
#   IPv6 (lab_enable_ipv6): TYPE and hairpin concern IPv4 only; rst, loss and timeout apply to
#   IPv6 too (rst: new inbound TCP through the firewall gets a RST). nov6: no IPv6 (v4-only ISP).
lab_add_router() {
    local node=$1 type=$2 hairpin=0 rst=0 loss="" via="" ct_timeout="" nov6=0
    shift 2 || { lab_log "usage: lab_add_router NAME TYPE [options]"; return 1; }
    _lab_check_name "$node" || return 1
    _lab_parse_nat_opts "$@" || return 1
    LAB_ROUTER_COUNT=$((LAB_ROUTER_COUNT + 1))
    local n=$LAB_ROUTER_COUNT wan gw parent=core
    [ "$n" -le 99 ] || { lab_log "too many routers"; return 1; }
    if [ -n "$via" ]; then
        [ "${LAB_ROLE[$via]:-}" = cgn ] || { lab_log "'$via' is not a CGN"; return 1; }
        parent=$via
        LAB_HOSTS[$via]=$((LAB_HOSTS[$via] + 1))
        wan="${LAB_LANNET[$via]}.$((LAB_HOSTS[$via] + 1))"
        gw="${LAB_LANNET[$via]}.1"
    else
        wan="203.0.113.$n"
        gw=$LAB_CORE_WAN_IP
    fi
    # IPv6: on unless the lab has none, the router is "nov6", or its CGN has no IPv6
    local v6="" wan6="" gw6=""
    if [ "$LAB_V6" = 1 ] && [ "$nov6" = 0 ]; then
        if [ -z "$via" ]; then
            v6=v6 wan6="2001:db8:ff::$n" gw6=$LAB_CORE_WAN_IP6
        elif [ -n "${LAB_LANNET6[$via]:-}" ]; then
            v6=v6 wan6="${LAB_LANNET6[$via]}::${wan##*.}" gw6="${LAB_LANNET6[$via]}::1"
        fi
    fi
    _lab_new_ns "$node" router "$v6" || return 1
    _lab_router_sysctls "$node" "$v6"
    _lab_uplink "$node" "$parent" || return 1
    _lab_ip "$node" addr add "$wan/24" dev wan
    _lab_ip "$node" route add default via "$gw"
    _lab_ip "$node" link add lan type bridge
    _lab_ip "$node" addr add "10.0.$n.1/24" dev lan
    _lab_ip "$node" link set lan up
    LAB_IP[$node]=$wan
    LAB_PUBLIC[$node]=$wan
    LAB_LANNET[$node]="10.0.$n"
    LAB_HOSTS[$node]=0
    _lab_nat_rules "$node" "$type" lan "$wan" "$hairpin" "$rst" || return 1
    if [ -n "$v6" ]; then
        local lan6="2001:db8:$n"
        _lab_ip "$node" link set lan type bridge mcast_snooping 0
        if ! { _lab_addr6 "$node" "$wan6/64" wan && _lab_addr6 "$node" "$lan6::1/64" lan &&
            _lab_ip "$node" -6 route add default via "$gw6" dev wan; }; then
            lab_log "cannot set up IPv6 in $node"
            return 1
        fi
        # the ISP side routes the home /64 to the router
        if [ -n "$via" ]; then
            if ! { _lab_ip "$via" -6 route add "$lan6::/64" via "$wan6" dev isp &&
                _lab_ip core -6 route add "$lan6::/64" via "${LAB_IP6[$via]}" dev br0; }; then
                lab_log "cannot route $lan6::/64 to $node"
                return 1
            fi
            _lab_v6net_add "$via" "$lan6::/64" || return 1
        else
            _lab_ip core -6 route add "$lan6::/64" via "$wan6" dev br0 ||
                { lab_log "cannot route $lan6::/64 to $node"; return 1; }
        fi
        LAB_IP6[$node]=$wan6
        LAB_LANNET6[$node]=$lan6
        LAB_V6NETS[$node]="$wan6, $lan6::/64"
        _lab_fw6_rules "$node" "$rst" || return 1
    fi
    if [ -n "$loss" ]; then
        lab_link_loss "$node" "$loss" || return 1
    fi
    if [ -n "$ct_timeout" ]; then
        lab_nat_timeout "$node" "$ct_timeout" || return 1
    fi
}

# lab_add_cgn NAME TYPE [hairpin] [rst] [loss PERMILLE] [timeout SECONDS] [nov6] — a carrier-grade
# NAT on the internet with an inside bridge "isp" (10.64.K.0/24); routers join it with
# "lab_add_router R TYPE via NAME". With IPv6 on, it routes 2001:db8:(100+K)::/64 and the home
# /64s behind it plainly (no NAT, no filter: each home router has its own firewall); nov6: an
# IPv4-only ISP, the routers behind it get no IPv6 either.
lab_add_cgn() {
    local node=$1 type=$2 hairpin=0 rst=0 loss="" via="" ct_timeout="" nov6=0
    shift 2 || { lab_log "usage: lab_add_cgn NAME TYPE [options]"; return 1; }
    _lab_check_name "$node" || return 1
    _lab_parse_nat_opts "$@" || return 1
    [ -z "$via" ] || { lab_log "a CGN cannot sit behind another CGN here"; return 1; }
    local k=$LAB_CGN_COUNT wan="203.0.113.$((100 + LAB_CGN_COUNT))" v6=""
    LAB_CGN_COUNT=$((LAB_CGN_COUNT + 1))
    [ "$LAB_V6" = 1 ] && [ "$nov6" = 0 ] && v6=v6
    _lab_new_ns "$node" cgn "$v6" || return 1
    _lab_router_sysctls "$node" "$v6"
    _lab_uplink "$node" core || return 1
    _lab_ip "$node" addr add "$wan/24" dev wan
    _lab_ip "$node" route add default via "$LAB_CORE_WAN_IP"
    _lab_ip "$node" link add isp type bridge
    _lab_ip "$node" addr add "10.64.$k.1/24" dev isp
    _lab_ip "$node" link set isp up
    LAB_IP[$node]=$wan
    LAB_PUBLIC[$node]=$wan
    LAB_LANNET[$node]="10.64.$k"
    LAB_HOSTS[$node]=0
    _lab_nat_rules "$node" "$type" isp "$wan" "$hairpin" "$rst" || return 1
    if [ -n "$v6" ]; then
        # IPv6 is routed, neither NATed nor filtered: the ISP's inside net 2001:db8:(100+K)::/64
        local wan6="2001:db8:ff::$((100 + k))" isp6="2001:db8:$((100 + k))"
        _lab_ip "$node" link set isp type bridge mcast_snooping 0
        if ! { _lab_addr6 "$node" "$wan6/64" wan && _lab_addr6 "$node" "$isp6::1/64" isp &&
            _lab_ip "$node" -6 route add default via "$LAB_CORE_WAN_IP6" dev wan &&
            _lab_ip core -6 route add "$isp6::/64" via "$wan6" dev br0; }; then
            lab_log "cannot set up IPv6 in $node"
            return 1
        fi
        LAB_IP6[$node]=$wan6
        LAB_LANNET6[$node]=$isp6
        LAB_V6NETS[$node]="$wan6, $isp6::/64"
    fi
    if [ -n "$loss" ]; then
        lab_link_loss "$node" "$loss" || return 1
    fi
    if [ -n "$ct_timeout" ]; then
        lab_nat_timeout "$node" "$ct_timeout" || return 1
    fi
}

# lab_nat_timeout NODE SECONDS — NODE's conntrack forgets idle TCP connections (established) and
# UDP flows after SECONDS, like a home router with short NAT timers (per namespace).
lab_nat_timeout() {
    local node=$1 secs=$2
    [[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] || { lab_log "bad timeout '$secs'"; return 1; }
    lab_exec "$node" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established="$secs" \
        net.netfilter.nf_conntrack_udp_timeout="$secs" \
        net.netfilter.nf_conntrack_udp_timeout_stream="$secs" >/dev/null ||
        { lab_log "cannot set conntrack timeouts in $node"; return 1; }
}

# lab_add_host NAME ROUTER [v4only|v6only] — a host in ROUTER's LAN (10.0.N.2, .3, ...), default
# route via it. With IPv6 on (and a router that has it) the host is dual-stack: also
# 2001:db8:N::M/64 (M as in 10.0.N.M), default via 2001:db8:N::1. v4only: no IPv6 at all (not even
# link-local); v6only: no IPv4 address and no IPv4 route (lab_ip fails for it, lab_ip6 works).
lab_add_host() {
    local node=$1 router=$2 only=${3:-}
    _lab_check_name "$node" || return 1
    [ "${LAB_ROLE[$router]:-}" = router ] || { lab_log "'$router' is not a router"; return 1; }
    case "$only" in
        "" | v4only) ;;
        v6only) [ -n "${LAB_LANNET6[$router]:-}" ] ||
            { lab_log "host '$node' is v6only, but '$router' has no IPv6 (lab_enable_ipv6? nov6?)"; return 1; } ;;
        *) lab_log "unknown host option '$only' (v4only, v6only)"; return 1 ;;
    esac
    LAB_HOSTS[$router]=$((LAB_HOSTS[$router] + 1))
    local m=$((LAB_HOSTS[$router] + 1)) v6=""
    local ip="${LAB_LANNET[$router]}.$m"
    [ -n "${LAB_LANNET6[$router]:-}" ] && [ "$only" != v4only ] && v6=v6
    _lab_new_ns "$node" host "$v6" || return 1
    ip link add eth0 netns "$(lab_ns "$node")" type veth peer name "h-$node" netns "$(lab_ns "$router")" || return 1
    _lab_port_nov6 "$router" "h-$node"
    _lab_ip "$router" link set "h-$node" master lan
    _lab_ip "$router" link set "h-$node" up
    if [ "$only" != v6only ]; then
        _lab_ip "$node" addr add "$ip/24" dev eth0
    fi
    _lab_ip "$node" link set eth0 up
    if [ "$only" != v6only ]; then
        _lab_ip "$node" route add default via "${LAB_LANNET[$router]}.1"
        LAB_IP[$node]=$ip
    fi
    if [ -n "$v6" ]; then
        local ip6="${LAB_LANNET6[$router]}::$m"
        if ! { _lab_addr6 "$node" "$ip6/64" eth0 &&
            _lab_ip "$node" -6 route add default via "${LAB_LANNET6[$router]}::1" dev eth0; }; then
            lab_log "cannot set up IPv6 in $node"
            return 1
        fi
        LAB_IP6[$node]=$ip6
    fi
    LAB_UPLINK[$node]=$router
}

# lab_port_forward ROUTER PORT HOST [tcp|udp] — a static port forward on ROUTER (a router or CGN):
# PROTO packets from its WAN to its public address, port PORT, go to HOST (a node in its LAN), same
# port. Inserted first in the NAT's prerouting chain, so it also wins over a full/arc cone's map;
# the forward chain of every NAT type already accepts "ct status dnat". Used by benchmarks that
# run a baseline (socat, iperf3) between two hosts behind NATs over the same links and routers.
lab_port_forward() {
    local node=$1 port=$2 host=$3 proto=${4:-tcp}
    case "${LAB_ROLE[$node]:-}" in
        router | cgn) ;;
        *) lab_log "'$node' is not a router or CGN"; return 1 ;;
    esac
    [ "${LAB_UPLINK[$host]:-}" = "$node" ] || { lab_log "'$host' is not inside '$node'"; return 1; }
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || { lab_log "bad port '$port'"; return 1; }
    case "$proto" in tcp | udp) ;; *) lab_log "bad protocol '$proto' (tcp, udp)"; return 1 ;; esac
    lab_exec "$node" nft insert rule ip lab c_pre iifname '"wan"' "$proto" dport "$port" \
        dnat to "$(lab_ip "$host")" || { lab_log "cannot add the port forward on $node"; return 1; }
}

# lab_link_loss NODE PERMILLE — random loss on NODE's WAN link, each direction, counted. Uses nft
# numgen in core in both the bridge family (router↔router, bridged) and the ip family (routed to
# the server); netem does not exist in this kernel. NODE must hang off the internet directly.
# With IPv6, also IPv6 packets from/to NODE's WAN address and the /64s behind it (set nets6, in the
# bridge family and in an ip6 table: IPv6 between homes is routed by core, not bridged).
lab_link_loss() {
    local node=$1 permille=$2 ip
    [ "${LAB_UPLINK[$node]:-}" = core ] || { lab_log "loss only on links into the internet"; return 1; }
    [[ "$permille" =~ ^[0-9]+$ ]] && [ "$permille" -le 1000 ] || { lab_log "bad PERMILLE '$permille'"; return 1; }
    ip=${LAB_PUBLIC[$node]}
    local file="$LAB_DIR/nft-loss-$node.nft" set6="" rules6=""
    if [ -n "${LAB_V6NETS[$node]:-}" ]; then
        set6="set nets6 { type ipv6_addr; flags interval; elements = { ${LAB_V6NETS[$node]} }; }"
        rules6="ip6 saddr @nets6 numgen random mod 1000 < $permille counter drop
        ip6 daddr @nets6 numgen random mod 1000 < $permille counter drop"
    fi
    cat >"$file" <<NFT
table bridge loss_$node {
    $set6
    chain f {
        type filter hook forward priority 0; policy accept;
        ip saddr $ip numgen random mod 1000 < $permille counter drop
        ip daddr $ip numgen random mod 1000 < $permille counter drop
        $rules6
    }
}
table ip loss_$node {
    chain f {
        type filter hook forward priority -10; policy accept;
        ip saddr $ip numgen random mod 1000 < $permille counter drop
        ip daddr $ip numgen random mod 1000 < $permille counter drop
    }
}
NFT
    if [ -n "$set6" ]; then
        cat >>"$file" <<NFT
table ip6 loss_$node {
    $set6
    chain f {
        type filter hook forward priority -10; policy accept;
        $rules6
    }
}
NFT
    fi
    lab_exec core nft -f "$file" || { lab_log "nft rejected $file"; return 1; }
}

# _lab_v6net_add NODE PREFIX — PREFIX (a home /64 behind CGN NODE) is carried by NODE's WAN link:
# NODE's IPv6 loss rules (if any, now or later) cover it.
_lab_v6net_add() {
    local fam
    LAB_V6NETS[$1]="${LAB_V6NETS[$1]:+${LAB_V6NETS[$1]}, }$2"
    for fam in bridge ip6; do
        if lab_exec core nft list set "$fam" "loss_$1" nets6 >/dev/null 2>&1; then
            lab_exec core nft add element "$fam" "loss_$1" nets6 "{ $2 }" ||
                { lab_log "cannot add $2 to the loss rules of $1"; return 1; }
        fi
    done
}

# lab_link_rate NODE RATE [BURST] [LATENCY] — limits NODE's WAN link to RATE (tc syntax: 1gbit,
# 100mbit) in each direction with tbf: egress of NODE's "wan" and of its peer end in the parent's
# bridge. netem does not exist in this kernel; tbf does. BURST default 256k, LATENCY 50ms.
lab_link_rate() {
    local node=$1 rate=$2 burst=${3:-256k} latency=${4:-50ms} parent peer
    parent=${LAB_UPLINK[$node]:-}
    case "${LAB_ROLE[$node]:-}" in router | cgn) ;; *) lab_log "'$node' is not a router or CGN"; return 1 ;; esac
    if [ "$parent" = core ]; then peer="v-$node"; else peer="r-$node"; fi
    lab_exec "$node" tc qdisc replace dev wan root tbf rate "$rate" burst "$burst" latency "$latency" &&
        lab_exec "$parent" tc qdisc replace dev "$peer" root tbf rate "$rate" burst "$burst" latency "$latency" ||
        { lab_log "tc/tbf rejected rate '$rate' on $node's WAN link"; return 1; }
}

# lab_loss_drops NODE — packets dropped so far by NODE's loss rules (both families, both ways).
lab_loss_drops() {
    lab_exec core nft list ruleset 2>/dev/null |
        awk -v t="loss_$1" '$1 == "table" { cur = $3 } cur == t && /counter packets/ {
            for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}

# ---------------------------------------------------------------------------------------------
# running things

# lab_ip NODE — NODE's address (hosts: LAN IP; routers/CGNs: WAN IP; srv: 198.51.100.10).
lab_ip() {
    if [ -z "${LAB_IP[$1]:-}" ] && [ -n "${LAB_ROLE[$1]:-}" ]; then
        lab_log "'$1' has no IPv4 address (v6only)"
        return 1
    fi
    printf '%s' "${LAB_IP[$1]:?unknown node $1}"
}

# lab_ip6 NODE — NODE's global IPv6 address (hosts: 2001:db8:N::M, the address peers see, as
# there is no NAT66; routers/CGNs: their WAN address; srv: 2001:db8:fe::10; core: 2001:db8:ff::fe).
# Fails (status 1) for a node without IPv6: the lab has none, v4only host, nov6 router or CGN.
lab_ip6() {
    [ -n "${LAB_ROLE[$1]:-}" ] || { lab_log "unknown node '$1'"; return 1; }
    [ -n "${LAB_IP6[$1]:-}" ] || { lab_log "'$1' has no IPv6 address"; return 1; }
    printf '%s' "${LAB_IP6[$1]}"
}

# lab_public_ip NODE — the public address a host's traffic leaves the last NAT with.
lab_public_ip() {
    local n=$1
    while [ -n "${LAB_UPLINK[$n]:-}" ] && [ "${LAB_UPLINK[$n]}" != core ]; do n=${LAB_UPLINK[$n]}; done
    printf '%s' "${LAB_PUBLIC[$n]:-${LAB_IP[$n]}}"
}

# lab_exec NODE CMD... — runs CMD in NODE's namespace (foreground).
lab_exec() {
    local node=$1
    shift
    ip netns exec "$(lab_ns "$node")" "$@"
}

# lab_spawn [-e ERRFILE] NODE LOGFILE CMD... — starts CMD in the background in NODE's namespace,
# stdout to LOGFILE and stderr to ERRFILE (default: LOGFILE as well), stdin from /dev/null.
# Sets LAB_LAST_PID (the process itself: ip netns exec execs it); lab_cleanup kills it.
# Call it directly, never as $(lab_spawn ...) or with & (the PID would be lost).
lab_spawn() {
    local err=""
    if [ "$1" = -e ]; then err=$2; shift 2; fi
    local node=$1 log=$2
    shift 2
    if [ -z "$err" ] || [ "$err" = "$log" ]; then
        ip netns exec "$(lab_ns "$node")" "$@" </dev/null >"$log" 2>&1 &
    else
        ip netns exec "$(lab_ns "$node")" "$@" </dev/null >"$log" 2>"$err" &
    fi
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_alive PID — true while PID runs (a zombie counts as gone).
lab_alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] && [ -n "$state" ]
}

# lab_wait_pid PID SECONDS — waits until PID (a child of this shell) exits, at most SECONDS;
# returns its exit status, or 124 on timeout (the process keeps running).
lab_wait_pid() {
    local pid=$1 tries=$(($2 * 10))
    while lab_alive "$pid"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 124
        sleep 0.1
    done
    wait "$pid" 2>/dev/null
}

# lab_wait_for SECONDS CMD... — polls CMD every 0.1 s until it succeeds; 1 on timeout.
lab_wait_for() {
    local tries=$(($1 * 10))
    shift
    until "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# lab_listening NODE PORT [tcp|udp] — true when something in NODE listens on PORT (IPv4 or IPv6).
lab_listening() {
    local flag=-Htln
    [ "${3:-tcp}" = udp ] && flag=-Hun
    [ -n "$(lab_exec "$1" ss "$flag" "sport = :$2" 2>/dev/null)" ]
}

# lab_stop PID [SECONDS] — SIGTERM, bounded wait (default 5 s), then SIGKILL.
lab_stop() {
    local pid=$1
    lab_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    if ! lab_wait_pid "$pid" "${2:-5}" >/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        lab_wait_pid "$pid" 2 >/dev/null
    fi
    return 0
}

# lab_dump_state — routing, NAT rules and conntrack of every namespace (for failure reports).
lab_dump_state() {
    local ns
    for ns in "${LAB_NAMESPACES[@]}"; do
        echo "----- $ns: addresses"
        ip -n "$ns" -br addr 2>&1 | grep -v '^lo '
        if ip netns exec "$ns" nft list tables 2>/dev/null | grep -q .; then
            echo "----- $ns: conntrack"
            ip netns exec "$ns" conntrack -L 2>/dev/null | grep -v ' dst=224\.' | head -n 40
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# cleanup

# _lab_kill_ns_procs NS — SIGKILL whatever still runs inside namespace NS (by PID).
_lab_kill_ns_procs() {
    local pid
    for pid in $(ip netns pids "$1" 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null
    done
}

_lab_delete_ns() {
    local ns=$1 tries=20
    _lab_kill_ns_procs "$ns"
    while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ "$tries" -gt 0 ]; do
        sleep 0.05
        tries=$((tries - 1))
    done
    ip netns del "$ns" 2>/dev/null
}

_lab_keep_marker() { printf '%s/natlab-kept-%s' "${TMPDIR:-/tmp}" "$1"; }

# lab_cleanup — kills our processes by PID, deletes our namespaces (reverse order), removes the
# work dir. With NATLAB_KEEP=1 it leaves everything up and prints how to get in and out.
lab_cleanup() {
    local rc=$? i pid
    [ "$LAB_CLEANED" = 1 ] && return "$rc"
    LAB_CLEANED=1
    trap - INT TERM
    if [ "${NATLAB_KEEP:-0}" = 1 ] && [ -n "$LAB_PREFIX" ]; then
        printf '%s\n' "$LAB_DIR" >"$(_lab_keep_marker "$LAB_PREFIX")"
        lab_log "NATLAB_KEEP=1: lab ${LAB_PREFIX}* left up, logs in $LAB_DIR"
        lab_log "  namespaces: ${LAB_NAMESPACES[*]}"
        lab_log "  enter one:  ip netns exec ${LAB_PREFIX}NODE bash"
        lab_log "  tear down:  $(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.sh down ${LAB_PREFIX}"
        return "$rc"
    fi
    for pid in "${LAB_PIDS[@]}"; do
        lab_alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${LAB_PIDS[@]}"; do
        if ! lab_wait_pid "$pid" 3 >/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            lab_wait_pid "$pid" 2 >/dev/null
        fi
    done
    for ((i = ${#LAB_NAMESPACES[@]} - 1; i >= 0; i--)); do
        _lab_delete_ns "${LAB_NAMESPACES[i]}"
    done
    if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
        rm -rf -- "$LAB_DIR"
    fi
    return "$rc"
}

# lab_sweep_stale — deletes ${LAB_NS_TAG}<PID>-* namespaces and natlab.<PID>.* work dirs whose
# PID is dead (crashed runs), unless kept on purpose with NATLAB_KEEP=1.
lab_sweep_stale() {
    local ns pid prefix
    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
        [[ "$ns" =~ ^${LAB_NS_TAG}([0-9]+)- ]] || continue
        pid=${BASH_REMATCH[1]}
        prefix="${LAB_NS_TAG}${pid}-"
        kill -0 "$pid" 2>/dev/null && continue
        [ -e "$(_lab_keep_marker "$prefix")" ] && continue
        lab_log "removing stale namespace $ns (its creator $pid is gone)"
        _lab_delete_ns "$ns"
    done
    local dir kept
    kept=$(cat "${TMPDIR:-/tmp}"/natlab-kept-* 2>/dev/null)
    for dir in "${TMPDIR:-/tmp}"/natlab.[0-9]*.*; do
        [[ -d "$dir" && "$dir" =~ /natlab\.([0-9]+)\.[^/]*$ ]] || continue
        kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && continue
        grep -qxF "$dir" <<<"$kept" && continue
        rm -rf -- "$dir"
    done
}

# lab_down PREFIX — tears down a lab kept with NATLAB_KEEP=1 (kills what runs inside first) and
# removes its work dir.
lab_down() {
    local prefix=$1 ns
    [[ "$prefix" =~ ^${LAB_NS_TAG}[0-9]+-$ ]] || { lab_log "usage: lab.sh down ${LAB_NS_TAG}<PID>-"; return 2; }
    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
        case "$ns" in "$prefix"*) _lab_delete_ns "$ns" && lab_log "deleted $ns" ;; esac
    done
    local marker dir
    marker=$(_lab_keep_marker "$prefix")
    if [ -f "$marker" ]; then
        dir=$(head -n 1 "$marker")
        case "$dir" in "${TMPDIR:-/tmp}"/natlab.[0-9]*) rm -rf -- "$dir" && lab_log "removed $dir" ;; esac
        rm -f "$marker"
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        down) lab_down "${2:-}"; exit $? ;;
        sweep) lab_sweep_stale; exit 0 ;;
        list) ip netns list | awk -v t="^${LAB_NS_TAG}[0-9]+-" '$1 ~ t { print $1 }'; exit 0 ;;
        *) echo "usage: lab.sh down PREFIX | sweep | list   (or source it from a case script)" >&2; exit 2 ;;
    esac
fi
