// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>

namespace PunchDrop {

/*!
 * Where a server cluster's Redis is, as Redis clients usually take it:
 *
 *     redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]     plain TCP
 *     rediss://...                                   TLS (the system's CAs, or --redis-ca)
 *
 * The port defaults to 6379, the database to 0. The password may also come from the
 * environment (REDISCLI_AUTH, as redis-cli reads it), so it need not appear in `ps`.
 */
struct RedisUrl
{
    QString host;
    quint16 port = 6379;
    int database = 0;
    QString user; //!< empty: the default user (AUTH with the password only)
    QString password; //!< empty: no AUTH
    bool tls = false;

    //! "redis://host:port/db" without the credentials, for log lines.
    QString toDisplayString() const;
    friend bool operator==(const RedisUrl &, const RedisUrl &) = default;
};

//! Parses \a text; nullopt with \a error set when it is not a redis:// or rediss:// URL with a
//! host, a port 1–65535 and a database 0–1023. Percent-escapes in user and password are decoded.
std::optional<RedisUrl> parseRedisUrl(const QString &text, QString *error);

} // namespace PunchDrop
