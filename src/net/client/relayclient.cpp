// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/relayclient.h"

#include "core/coro/socketwait.h"
#include "core/logging.h"
#include "net/wire/relayjoin.h"

#include <QSslSocket>

namespace PunchDrop {

QByteArray RelayClient::joinBytes(const QByteArray &token)
{
    return RelayJoin::encode(token);
}

QCoro::Task<RelayJoinResult> RelayClient::join(
    QString host, quint16 port, QByteArray token, std::chrono::milliseconds timeout)
{
    RelayJoinResult result;
    if (token.size() != RelayJoin::kTokenSize) {
        result.error = QStringLiteral("no relay token for this session");
        co_return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&deadline] {
        return std::max(std::chrono::milliseconds(1),
            std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
    };
    // A QSslSocket that has not started encryption: the peers run their end-to-end TLS over the
    // relayed stream on this very object. Its read buffer is capped at ONE byte until the pairing
    // byte is consumed: the peer's TLS ClientHello may follow it in the same segment, and bytes
    // that reading the pairing byte pulled into QSslSocket's own buffer are never fed to the TLS
    // engine later (seen in the NAT lab: a handshake timeout when the ClientHello won the race).
    std::unique_ptr<QTcpSocket> socket = std::make_unique<QSslSocket>();
    socket->connectToHost(host, port);
    socket->setReadBufferSize(1); // after connectToHost: that creates the inner plain socket
    const ConnectOutcome connected = co_await waitConnected(socket.get(), left());
    if (connected != ConnectOutcome::Connected) {
        result.error = connected == ConnectOutcome::TimedOut
            ? QStringLiteral("relay %1:%2 did not answer in time").arg(host).arg(port)
            : QStringLiteral("cannot reach relay %1:%2: %3")
                  .arg(host)
                  .arg(port)
                  .arg(socket->errorString());
        co_return result;
    }
    socket->write(joinBytes(token));
    while (socket->bytesAvailable() < 1) {
        if (std::chrono::steady_clock::now() >= deadline) {
            result.error = QStringLiteral("the peer did not join the relay in time");
            co_return result;
        }
        if (socket->state() != QAbstractSocket::ConnectedState) {
            result.error = QStringLiteral("the relay closed the connection");
            co_return result;
        }
        co_await waitReadable(socket.get(), left());
    }
    char answer = 0;
    socket->getChar(&answer);
    if (answer != RelayJoin::kPaired) {
        result.error = QStringLiteral("the relay refused the session (unknown or expired token, "
                                      "relay disabled or full)");
        co_return result;
    }
    qCDebug(lcRelay) << "relay paired via" << host << port;
    socket->setReadBufferSize(0); // unlimited again; TLS reads from the kernel from here on
    result.socket = std::move(socket);
    co_return result;
}

} // namespace PunchDrop
