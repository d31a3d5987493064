// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace PunchDrop {

//! The server's default port: TCP for control and relay, UDP for STUN.
constexpr quint16 kDefaultServerPort = 8877;

//! A server address as a person types it: "host", "host:port", "[v6]" or "[v6]:port".
struct HostPort
{
    QString host;
    quint16 port = kDefaultServerPort;
    //! "host:port", IPv6 hosts in brackets.
    QString toString() const;
    friend bool operator==(const HostPort &, const HostPort &) = default;
};

//! The most servers one client is given (`--server A,B,...`, the app's settings).
constexpr qsizetype kMaxServers = 8;

/*!
 * Parses \a text (already trimmed of nothing: surrounding spaces are refused like inner ones).
 * Without a port, \a defaultPort. nullopt when the host is empty, contains a space, an IPv6
 * address lacks its brackets where a port follows, or the port is not 1–65535. One parser for
 * the command line (`--server`, `--listen`) and the desktop app's settings, so both accept the
 * same addresses.
 */
std::optional<HostPort> parseHostPort(
    const QString &text, quint16 defaultPort = kDefaultServerPort);

/*!
 * Several servers of one cluster, comma-separated ("a.example, b.example:9000"): each entry as
 * parseHostPort() after trimming the spaces around it. nullopt when an entry is empty or
 * invalid, or there are more than kMaxServers; a repeated entry is dropped (the first one
 * stays, order is kept).
 */
std::optional<QList<HostPort>> parseHostPortList(
    const QString &text, quint16 defaultPort = kDefaultServerPort);

} // namespace PunchDrop
