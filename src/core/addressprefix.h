// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>

namespace PunchDrop {

/*!
 * The key of every per-address limit on the server (control connections, handshakes, lookups,
 * STUN, relay): the network an address belongs to, not the address. One host easily holds a
 * whole IPv4 /24 of a provider's or an IPv6 /64 (every IPv6 host gets one), so keying on the exact
 * address multiplies a limit by 256 or 2⁶⁴. IPv4 (and IPv4-mapped IPv6) → its /24; IPv6 → its
 * /64. Everything else (null, scoped oddities) maps to itself.
 *
 * Not for the LAN: there each device is one address and must keep its own bucket.
 */
struct AddressPrefix
{
    static constexpr int kIPv4Bits = 24;
    static constexpr int kIPv6Bits = 64;

    //! The network address of \a address's prefix (e.g. 203.0.113.7 → 203.0.113.0).
    static QHostAddress of(const QHostAddress &address);
};

} // namespace PunchDrop
