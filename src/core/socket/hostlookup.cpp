// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/socket/hostlookup.h"

#include <QHostInfo>

#include <qcorosignal.h>

namespace PunchDrop {

QCoro::Task<QHostAddress> lookupHost(QString host, std::chrono::milliseconds timeout)
{
    const QHostAddress literal(host);
    if (!literal.isNull())
        co_return literal;
    auto *relay = new Detail::HostLookupRelay;
    QHostInfo::lookupHost(
        host, relay, [relay](const QHostInfo &info) { Q_EMIT relay->finished(info); });
    const auto info = co_await qCoro(relay, &Detail::HostLookupRelay::finished, timeout);
    relay->deleteLater(); // a late answer then goes nowhere
    if (!info)
        co_return QHostAddress();
    QHostAddress fallback;
    for (const QHostAddress &address : info->addresses()) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol)
            co_return address;
        if (fallback.isNull())
            fallback = address;
    }
    co_return fallback;
}

} // namespace PunchDrop
