// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QString>

namespace PunchDrop {

//! An IP address and port, as seen by someone (the server's observed view, a LAN announcement).
struct Endpoint
{
    QHostAddress address;
    quint16 port = 0;

    bool isValid() const { return !address.isNull() && port != 0; }
    //! An IPv6 endpoint (one that needs an IPv6 socket: IPv4-mapped addresses count too).
    bool isIPv6() const { return address.protocol() == QAbstractSocket::IPv6Protocol; }
    QString toString() const
    {
        const QString a = address.toString();
        return (address.protocol() == QAbstractSocket::IPv6Protocol
                       ? QLatin1Char('[') + a + QLatin1Char(']')
                       : a)
            + QLatin1Char(':') + QString::number(port);
    }
    friend bool operator==(const Endpoint &a, const Endpoint &b)
    {
        return a.address == b.address && a.port == b.port;
    }
};

} // namespace PunchDrop
