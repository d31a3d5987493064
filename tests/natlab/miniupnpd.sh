# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# A real miniupnpd (Debian's miniupnpd-nftables) inside a lab router: UPnP-IGD and/or NAT-PMP
# (+PCP) for the router's LAN. Source after lab.sh; used by case_punch.sh's port-mapping cases.
#
#   lab_stun_echo                      a STUN responder on $LAB_SERVER_IP:3478 (srv namespace)
#   lab_miniupnpd ROUTER upnp|natpmp|pcp|both [igd1]   start miniupnpd in ROUTER (needs
#                                      lab_stun_echo); pcp: NAT-PMP's version-0 requests are
#                                      refused by an nft rule (ICMP port unreachable), so only PCP
#                                      answers; igd1: it describes itself as IGD v1
#                                      (force_igd_desc_v1: WANIPConnection:1, so clients use
#                                      AddPortMapping, not v2's AddAnyPortMapping)
#   lab_miniupnpd_stop ROUTER          stop it again (by PID; the mappings stay in nft until
#                                      the next start flushes them)
#   lab_miniupnpd_http_port ROUTER     the TCP port of its UPnP HTTP server (a new one each start)
#
# What it takes (docs/nat-traversal.md §4.2, nat-lab-facts "Port mapping"):
#  - Debian's nft_init.sh cannot run (it needs a file the package lacks), so the miniupnpd
#    table and chains are created here: DNAT in prerouting at dstnat - 2, before the lab NAT's.
#  - The lab's "public" addresses are RFC 5737 documentation ranges, which miniupnpd treats as
#    reserved: it learns its external address by STUN (ext_perform_stun) and wants four answers
#    that keep its source port. So the router's own traffic is exempt from its masquerade (a
#    fully-random NAT would change the port) and the STUN responder answers the change requests
#    from the same address (stunecho.py).

LAB_MINIUPNPD_STUN_PORT=3478
declare -A LAB_MINIUPNPD_PID=()

lab_stun_echo() {
    lab_require python3 || return 1
    lab_spawn srv "$LAB_DIR/stunecho.log" python3 "$(dirname "${BASH_SOURCE[0]}")/stunecho.py" \
        "$LAB_SERVER_IP" "$LAB_MINIUPNPD_STUN_PORT"
    # miniupnpd asks once at start: the responder must listen first (python starts slowly)
    local i
    for ((i = 0; i < 100; i++)); do
        lab_exec srv ss -Hlun "sport = :$LAB_MINIUPNPD_STUN_PORT" | grep -q . && return 0
        lab_alive "$LAB_LAST_PID" || break
        sleep 0.1
    done
    lab_log "the STUN responder does not listen on $LAB_SERVER_IP:$LAB_MINIUPNPD_STUN_PORT"
    return 1
}

_lab_miniupnpd_tables() {
    local node=$1
    lab_exec "$node" nft delete table inet miniupnpd 2>/dev/null
    lab_exec "$node" nft -f - <<'NFT'
table inet miniupnpd {
    chain forward {
        type filter hook forward priority filter - 1; policy accept;
        jump miniupnpd
    }
    chain miniupnpd {
    }
    chain prerouting {
        type nat hook prerouting priority dstnat - 2; policy accept;
        jump prerouting_miniupnpd
    }
    chain postrouting {
        type nat hook postrouting priority srcnat - 2; policy accept;
        jump postrouting_miniupnpd
    }
    chain prerouting_miniupnpd {
    }
    chain postrouting_miniupnpd {
    }
}
NFT
}

lab_miniupnpd() {
    local node=$1 mode=$2 upnp=yes natpmp=yes igd1=no
    [ "${3:-}" = igd1 ] && igd1=yes
    case "$mode" in
        upnp) natpmp=no ;;
        natpmp | pcp) upnp=no ;;
        both) ;;
        *) lab_log "lab_miniupnpd: mode '$mode' (upnp, natpmp, pcp, both)"; return 1 ;;
    esac
    lab_require miniupnpd || return 1
    [ "${LAB_ROLE[$node]:-}" = router ] || { lab_log "'$node' is not a router"; return 1; }
    local wan=${LAB_IP[$node]} conf="$LAB_DIR/miniupnpd-$node.conf"
    # the router's own packets keep their source port (miniupnpd's STUN test checks it)
    if ! lab_exec "$node" nft list chain ip lab c_post | grep -q "ip saddr $wan accept"; then
        lab_exec "$node" nft insert rule ip lab c_post oifname '"wan"' ip saddr "$wan" accept ||
            return 1
    fi
    _lab_miniupnpd_tables "$node" || { lab_log "cannot create miniupnpd's nft tables in $node"; return 1; }
    lab_exec "$node" nft delete table inet lab_pcp_only 2>/dev/null
    if [ "$mode" = pcp ]; then
        # A PCP-only gateway (most PCP servers, e.g. on carrier-grade NATs): miniupnpd speaks
        # both on UDP 5351, so the first byte of the payload (the version: 0 NAT-PMP, 2 PCP)
        # decides; a refused NAT-PMP request gets the ICMP error a gateway without it sends.
        lab_exec "$node" nft -f - <<NFT || { lab_log "cannot refuse NAT-PMP in $node"; return 1; }
table inet lab_pcp_only {
    chain input {
        type filter hook input priority -10; policy accept;
        iifname "lan" udp dport 5351 @th,64,8 0 reject
    }
}
NFT
    fi
    cat >"$conf" <<CONF
ext_ifname=wan
listening_ip=lan
http_port=0
enable_upnp=$upnp
enable_natpmp=$natpmp
force_igd_desc_v1=$igd1
secure_mode=yes
system_uptime=yes
ext_perform_stun=yes
ext_stun_host=$LAB_SERVER_IP
ext_stun_port=$LAB_MINIUPNPD_STUN_PORT
upnp_table_name=miniupnpd
upnp_nat_table_name=miniupnpd
upnp_forward_chain=miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
uuid=3d3cec3a-8cf0-11e0-98ee-0012$(printf '%08x' "$RANDOM$RANDOM" | tail -c 8)
min_lifetime=60
max_lifetime=86400
allow 1024-65535 ${LAB_LANNET[$node]}.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
    lab_spawn "$node" "$LAB_DIR/miniupnpd-$node.log" miniupnpd -d -f "$conf" \
        -P "$LAB_DIR/miniupnpd-$node.pid"
    LAB_MINIUPNPD_PID[$node]=$LAB_LAST_PID
    # ready when it listens: NAT-PMP on UDP 5351, or its HTTP port for UPnP. It first waits up
    # to 3 s for its STUN answers (ext_perform_stun), longer on a loaded machine: 15 s here.
    local i
    for ((i = 0; i < 150; i++)); do
        lab_alive "$LAB_LAST_PID" || { lab_log "miniupnpd in $node exited"; return 1; }
        if [ "$natpmp" = yes ]; then
            lab_exec "$node" ss -Hlun 'sport = :5351' | grep -q . && return 0
        else
            lab_exec "$node" ss -Hltnp | grep -q miniupnpd && return 0
        fi
        sleep 0.1
    done
    lab_log "miniupnpd in $node does not listen after 15 s"
    return 1
}

lab_miniupnpd_stop() {
    local pid=${LAB_MINIUPNPD_PID[$1]:-}
    [ -n "$pid" ] || return 0
    lab_stop "$pid" 5
    unset "LAB_MINIUPNPD_PID[$1]"
}

lab_miniupnpd_http_port() {
    lab_exec "$1" ss -Hltnp | grep miniupnpd | awk '{ print $4 }' | sed 's/.*://' | head -n 1
}
