// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/redisurl.h"

#include <QUrl>

namespace PunchDrop {

QString RedisUrl::toDisplayString() const
{
    const QString shownHost
        = host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(host) : host;
    return QStringLiteral("%1://%2:%3/%4")
        .arg(tls ? QStringLiteral("rediss") : QStringLiteral("redis"), shownHost)
        .arg(port)
        .arg(database);
}

std::optional<RedisUrl> parseRedisUrl(const QString &text, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    RedisUrl out;
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("redis") && scheme != QLatin1String("rediss"))) {
        *error = QStringLiteral("%1 is not a redis:// or rediss:// URL").arg(text);
        return std::nullopt;
    }
    out.tls = scheme == QLatin1String("rediss");
    out.host = url.host();
    if (out.host.isEmpty()) {
        *error = QStringLiteral("%1 names no host").arg(text);
        return std::nullopt;
    }
    const int port = url.port(6379);
    if (port < 1 || port > 65535) {
        *error = QStringLiteral("%1 has no valid port").arg(text);
        return std::nullopt;
    }
    out.port = quint16(port);
    const QString path = url.path();
    if (!path.isEmpty() && path != QLatin1String("/")) {
        bool ok = false;
        const int db = path.mid(1).toInt(&ok);
        if (!ok || db < 0 || db > 1023 || !path.startsWith(QLatin1Char('/'))) {
            *error = QStringLiteral("%1: the database must be a number 0-1023").arg(text);
            return std::nullopt;
        }
        out.database = db;
    }
    if (url.hasQuery() || url.hasFragment()) {
        *error = QStringLiteral("%1: options after ? or # are not supported").arg(text);
        return std::nullopt;
    }
    out.user = url.userName(QUrl::FullyDecoded);
    out.password = url.password(QUrl::FullyDecoded);
    return out;
}

} // namespace PunchDrop
