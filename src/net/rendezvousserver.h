// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controlmessage.h"
#include "deviceidentity.h"
#include "relayhub.h"
#include "serverclient.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>

#include <chrono>
#include <memory>

class QTcpServer;
class QSocketNotifier;
class QTimer;

namespace PunchDrop {

//! Every limit and timing constant of the server, so tests can shrink them.
struct RendezvousServerConfig
{
    QHostAddress address = QHostAddress::Any;
    quint16 port = 8877;
    int maxClients = 10000; //!< control connections, including ones still handshaking
    //! Control connections from one IP address. Generous: whole carrier-grade NATs share one.
    int maxConnectionsPerAddress = 256;
    ServerClient::Timeouts timeouts; //!< handshake deadline (also for sniffing), idle timeout
    std::chrono::milliseconds keepaliveInterval {15000}; //!< advertised to clients in welcome
    std::chrono::milliseconds rttProbeTimeout {1000}; //!< wait this long for pongs before go
    //! Added to the larger one-way delay so both peers can still be told in time.
    std::chrono::milliseconds startMargin {40};
    int maxPendingIntroductions = 4; //!< per client; more → connect-error "busy"
    RelayHubConfig relay;
};

/*!
 * The rendezvous server (`punchdrop --server`). One TCP port serves two protocols, told apart by
 * the first byte a new connection sends: 0x16 (a TLS handshake record) → a control connection
 * (ServerClient, see ControlProtocol for the messages); 'P' → a relay join (RelayHub). Anything
 * else, or nothing within the handshake deadline, closes the connection.
 *
 * The first byte is peeked natively (recv MSG_PEEK on the accepted descriptor, watched by a
 * QSocketNotifier) before any Qt socket object exists, so the chosen socket class still sees the
 * whole stream.
 *
 * Registration: the DeviceId comes from the TLS client certificate, never from the client's
 * words. A second registration of the same device wins; the older connection receives
 * `error` "replaced" and is closed.
 *
 * Introductions: on `connect` the server pings both peers (bounded by rttProbeTimeout; the last
 * known RTT otherwise), picks D = max(rttA, rttB) / 2 + startMargin and tells each peer
 * start_in_ms = D − itsRtt / 2, so both start punching at about the same instant.
 */
class RendezvousServer : public QObject
{
    Q_OBJECT
public:
    RendezvousServer(const DeviceIdentity &identity, const RendezvousServerConfig &config,
        QObject *parent = nullptr);
    ~RendezvousServer() override;

    //! Starts listening. False with \a error (e.g. the port is in use).
    bool listen(QString *error);
    //! Stops listening and closes every connection and relay session.
    void close();

    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    DeviceId id() const { return m_identity.id(); }
    int registeredCount() const { return int(m_registry.size()); }
    int connectionCount() const { return m_connectionCount; }
    RelayHub *relayHub() const { return m_relay; }

Q_SIGNALS:
    void clientRegistered(const PunchDrop::DeviceId &id);
    void clientLeft(const PunchDrop::DeviceId &id);
    void outcomeReported(const QByteArray &sessionId, const QString &kind);

private:
    struct Pending;
    struct Introduction;
    struct SessionRecord
    {
        QString initiator;
        QString responder;
        QString initiatorNat;
        QString responderNat;
        qint64 createdMs = 0;
    };

    void onIncoming(qintptr fd);
    void onSniff(Pending *pending);
    void dropPending(Pending *pending, bool closeFd);
    void releaseSlot(const QHostAddress &address);
    void startControl(
        qintptr fd, const QHostAddress &address, std::chrono::milliseconds handshakeLeft);
    void startRelay(qintptr fd);

    void onHello(ServerClient *client);
    void onMessage(ServerClient *client, const ControlMessage &message);
    void onClosed(ServerClient *client, const QString &reason);
    void onPong(ServerClient *client, quint64 nonce, int rttMs);

    void handleConnect(ServerClient *client, const Control::Connect &request);
    void finishIntroduction(Introduction *intro);
    void broadcast(const ControlMessage &message, const ServerClient *except);

    DeviceIdentity m_identity;
    QSslConfiguration m_tls;
    RendezvousServerConfig m_config;
    QTcpServer *m_listener = nullptr;
    RelayHub *m_relay = nullptr;
    QList<Pending *> m_pending;
    QHash<QHostAddress, int> m_perAddress;
    int m_connectionCount = 0;
    QHash<DeviceId, ServerClient *> m_registry;
    QList<Introduction *> m_introductions;
    QHash<QByteArray, SessionRecord> m_sessions; //!< for outcome log lines
    QElapsedTimer m_clock;
    qint64 m_lastRefusalLogMs = -1;
    int m_suppressedRefusals = 0;
};

} // namespace PunchDrop
