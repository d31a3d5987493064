// SPDX-License-Identifier: GPL-3.0-or-later
#include "transfersocketpair.h"

#include <QTest>

#include <qcorotask.h>

namespace PunchDrop::Test {

void SslTestServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    if (socket->setSocketDescriptor(descriptor))
        addPendingConnection(socket);
    else
        delete socket;
}

TransferSocketPair::TransferSocketPair() = default;

TransferSocketPair::~TransferSocketPair()
{
    if (m_client)
        m_client->abort();
    if (m_server)
        m_server->abort();
}

std::unique_ptr<QSslSocket> TransferSocketPair::dial(quint16 port, QString *error)
{
    auto socket = std::make_unique<QSslSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor(
            [&] {
                return socket->state() == QAbstractSocket::ConnectedState
                    || socket->state() == QAbstractSocket::UnconnectedState;
            },
            5000)
        || socket->state() != QAbstractSocket::ConnectedState) {
        *error = QStringLiteral("cannot connect to 127.0.0.1:%1: %2")
                     .arg(port)
                     .arg(socket->errorString());
        return nullptr;
    }
    return socket;
}

QString TransferSocketPair::connect()
{
    QString error;
    if (!m_clientIdentity)
        m_clientIdentity = DeviceIdentity::generateEphemeral(&error);
    if (!m_clientIdentity)
        return QStringLiteral("client identity: ") + error;
    if (!m_serverIdentity)
        m_serverIdentity = DeviceIdentity::generateEphemeral(&error);
    if (!m_serverIdentity)
        return QStringLiteral("server identity: ") + error;
    if (!m_listener.listen(QHostAddress::LocalHost, 0))
        return QStringLiteral("listen: ") + m_listener.errorString();
    const quint16 port = m_through ? m_through(m_listener.serverPort()) : m_listener.serverPort();
    m_client = dial(port, &error);
    if (!m_client)
        return error;
    if (!QTest::qWaitFor([this] { return m_listener.hasPendingConnections(); }, 5000))
        return QStringLiteral("the listener saw no connection");
    m_server.reset(qobject_cast<QSslSocket *>(m_listener.nextPendingConnection()));
    if (!m_server)
        return QStringLiteral("accepted socket is not a QSslSocket");
    m_server->setParent(nullptr);
    m_listener.close();
    return {};
}

QString TransferSocketPair::secure(std::optional<DeviceId> expectedByClient)
{
    if (!m_client) {
        const QString error = connect();
        if (!error.isEmpty())
            return error;
    }
    const DeviceId expected = expectedByClient ? *expectedByClient : m_serverIdentity->id();
    auto clientTask = SecureChannel::handshake(*m_client, *m_clientIdentity,
        SecureChannel::Role::Client, expected, std::chrono::milliseconds(10000));
    auto serverTask = SecureChannel::handshake(*m_server, *m_serverIdentity,
        SecureChannel::Role::Server, std::nullopt, std::chrono::milliseconds(10000));
    m_clientResult = QCoro::waitFor(clientTask);
    m_serverResult = QCoro::waitFor(serverTask);
    if (m_clientResult.ok() && m_serverResult.ok())
        return {};
    return QStringLiteral("client: %1 / server: %2")
        .arg(m_clientResult.ok() ? QStringLiteral("ok") : m_clientResult.error,
            m_serverResult.ok() ? QStringLiteral("ok") : m_serverResult.error);
}

} // namespace PunchDrop::Test
