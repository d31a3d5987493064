// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/addressprefix.h"

namespace PunchDrop {

QHostAddress AddressPrefix::of(const QHostAddress &address)
{
    const auto v4Prefix
        = [](quint32 v4) { return QHostAddress(v4 & ~((quint32(1) << (32 - kIPv4Bits)) - 1)); };
    if (address.protocol() == QAbstractSocket::IPv4Protocol)
        return v4Prefix(address.toIPv4Address());
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address;
    Q_IPV6ADDR bytes = address.toIPv6Address();
    // IPv4-mapped (::ffff:a.b.c.d): the IPv4 network, so both spellings share one key.
    bool mapped = bytes[10] == 0xff && bytes[11] == 0xff;
    for (int i = 0; i < 10 && mapped; ++i)
        mapped = bytes[i] == 0;
    if (mapped)
        return v4Prefix(quint32(bytes[12]) << 24 | quint32(bytes[13]) << 16
            | quint32(bytes[14]) << 8 | quint32(bytes[15]));
    for (int i = kIPv6Bits / 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes); // without the scope id: one /64 is one key
}

} // namespace PunchDrop
