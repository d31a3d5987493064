// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QStringList>

#include <chrono>

namespace PunchDrop {

/*!
 * Settings of LAN discovery. The defaults are the protocol's (docs/protocol/lan.md); tests shorten
 * the intervals and pick a private port.
 */
struct LanDiscoveryConfig
{
    //! UDP discovery port. 0: the OS picks one (tests; see LanDiscovery::localPort()).
    quint16 port = 8879;
    //! IPv4 multicast group, in the administratively scoped 239.255.0.0/16 ("site-local").
    QHostAddress groupV4 {QStringLiteral("239.255.77.77")};
    //! IPv6 link-local multicast group (joined on each interface that has IPv6).
    QHostAddress groupV6 {QStringLiteral("ff02::7764")};
    //! Also send to each interface's IPv4 broadcast address (networks that filter multicast).
    bool broadcastFallback = true;
    //! Use IPv6 as well, where the host has it.
    bool ipv6 = true;
    //! Announce this device. False: listen only (e.g. a one-shot `peers --lan` next to a running
    //! app with the same identity).
    bool announce = true;
    //! Restrict discovery to these interface names (e.g. {"lo"} in tests). Empty: every
    //! interface that is up and can multicast or broadcast, except loopback.
    QStringList interfaces;
    std::chrono::milliseconds announceInterval {1000}; //!< so a peer appears within ~2 s
    std::chrono::milliseconds expiry {5000}; //!< gone after this without announcements
    int maxPacketsPerSourcePerSecond = 20; //!< excess dropped and counted
    //! Signature checks per second over all sources: bounds the CPU a flood from many (spoofed)
    //! addresses can take. Excess is dropped and counted as rateLimited.
    int maxVerificationsPerSecond = 200;
    //! How far an announcement's timestamp (its sequence) may be from our wall clock, either
    //! way: an older recording replayed is dropped (docs/protocol/lan.md, "Freshness").
    std::chrono::milliseconds freshness {120'000};
    //! How long after an announcement was accepted a byte-identical copy still adds the path it
    //! came by (multicast and broadcast, IPv4 and IPv6 copies arrive within milliseconds); 0:
    //! copies never add a path.
    std::chrono::milliseconds copyWindow {500};
};

} // namespace PunchDrop
