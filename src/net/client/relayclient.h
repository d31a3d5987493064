// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QTcpSocket>

#include <qcorotask.h>

#include <chrono>
#include <memory>

namespace PunchDrop {

struct RelayJoinResult
{
    std::unique_ptr<QTcpSocket> socket; //!< null on failure
    QString error;
};

/*!
 * The client side of a relay join (see RelayHub for the wire format): a fresh TCP connection to
 * the server's port, the join with the session's token, then one byte from the server: 0x01 once
 * the peer has joined too (the socket is then a plain pipe to the peer, ready for the peers'
 * end-to-end TLS), 0x00 when the server refuses.
 */
class RelayClient
{
public:
    static QCoro::Task<RelayJoinResult> join(
        QString host, quint16 port, QByteArray token, std::chrono::milliseconds timeout);
    //! The 21 bytes a join consists of.
    static QByteArray joinBytes(const QByteArray &token);
};

} // namespace PunchDrop
