// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/deviceidentity.h"
#include "net/security/securechannel.h"

#include <QSslSocket>
#include <QTcpServer>

#include <functional>
#include <memory>
#include <optional>

namespace PunchDrop::Test {

//! A loopback listener whose accepted connections are (still plain) QSslSockets.
class SslTestServer : public QTcpServer
{
    Q_OBJECT
protected:
    void incomingConnection(qintptr descriptor) override;
};

/*!
 * Two connected loopback QSslSockets (client = the dialling side) and two ephemeral device
 * identities. connect() makes the TCP connection; secure() runs SecureChannel::handshake on both
 * ends at once. Everything bounded; failures are reported as text for QVERIFY2.
 */
class TransferSocketPair
{
public:
    TransferSocketPair();
    ~TransferSocketPair();

    //! Uses these identities instead of fresh ones (a second connection of the same peers).
    void setIdentities(const DeviceIdentity &client, const DeviceIdentity &server)
    {
        m_clientIdentity = client;
        m_serverIdentity = server;
    }

    //! The client dials the port this returns for the listener's port (e.g. a proxy in between).
    void setDialThrough(std::function<quint16(quint16 listenerPort)> through)
    {
        m_through = std::move(through);
    }

    //! Generates missing identities and connects on loopback. Empty string on success.
    QString connect();
    //! connect() + handshake with the client expecting \a expectedByClient (default: the
    //! server's real id). Empty string on success, else both sides' errors.
    QString secure(std::optional<DeviceId> expectedByClient = std::nullopt);

    QSslSocket *client() const { return m_client.get(); }
    QSslSocket *server() const { return m_server.get(); }
    //! Hands a socket over (a FrameChannel that moves to it owns it then).
    std::unique_ptr<QSslSocket> takeClient() { return std::move(m_client); }
    std::unique_ptr<QSslSocket> takeServer() { return std::move(m_server); }
    const DeviceIdentity &clientIdentity() const { return *m_clientIdentity; }
    const DeviceIdentity &serverIdentity() const { return *m_serverIdentity; }
    SecureChannel::Result clientResult() const { return m_clientResult; }
    SecureChannel::Result serverResult() const { return m_serverResult; }

    //! Connects \a client to \a port on loopback and accepts on \a server (helper for proxies).
    static std::unique_ptr<QSslSocket> dial(quint16 port, QString *error);

private:
    std::optional<DeviceIdentity> m_clientIdentity;
    std::optional<DeviceIdentity> m_serverIdentity;
    SslTestServer m_listener;
    std::unique_ptr<QSslSocket> m_client;
    std::unique_ptr<QSslSocket> m_server;
    SecureChannel::Result m_clientResult;
    SecureChannel::Result m_serverResult;
    std::function<quint16(quint16)> m_through;
};

} // namespace PunchDrop::Test
