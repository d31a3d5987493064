// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/hostport.h"

#include <QHostAddress>

namespace PunchDrop {

namespace {
std::optional<quint16> portNumber(const QString &text)
{
    if (text.isEmpty() || text.size() > 5)
        return std::nullopt;
    for (const QChar c : text)
        if (c < u'0' || c > u'9')
            return std::nullopt;
    const uint v = text.toUInt();
    if (v == 0 || v > 65535)
        return std::nullopt;
    return quint16(v);
}
} // namespace

QString HostPort::toString() const
{
    const QString h
        = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return h + QLatin1Char(':') + QString::number(port);
}

std::optional<HostPort> parseHostPort(const QString &text, quint16 defaultPort)
{
    HostPort hp;
    hp.port = defaultPort;
    std::optional<QString> portText;
    const qsizetype colons = text.count(QLatin1Char(':'));
    if (text.startsWith(QLatin1Char('['))) { // [v6] or [v6]:port
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0)
            return std::nullopt;
        hp.host = text.mid(1, close - 1);
        const QString rest = text.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':')))
                return std::nullopt;
            portText = rest.mid(1);
        }
    } else if (colons == 1) { // host:port
        hp.host = text.section(QLatin1Char(':'), 0, 0);
        portText = text.section(QLatin1Char(':'), 1);
    } else if (colons > 1) { // a bare IPv6 address
        if (QHostAddress(text).isNull())
            return std::nullopt;
        hp.host = text;
    } else {
        hp.host = text;
    }
    if (hp.host.isEmpty() || hp.host.contains(QLatin1Char(' ')))
        return std::nullopt;
    if (portText) {
        const auto port = portNumber(*portText);
        if (!port)
            return std::nullopt;
        hp.port = *port;
    }
    return hp;
}

std::optional<QList<HostPort>> parseHostPortList(const QString &text, quint16 defaultPort)
{
    QList<HostPort> servers;
    const QStringList parts = text.split(QLatin1Char(','));
    if (parts.size() > kMaxServers)
        return std::nullopt;
    for (const QString &part : parts) {
        const auto hp = parseHostPort(part.trimmed(), defaultPort);
        if (!hp)
            return std::nullopt;
        if (!servers.contains(*hp))
            servers.append(*hp);
    }
    return servers;
}

} // namespace PunchDrop
