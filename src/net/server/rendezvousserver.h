// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/ratelimiter.h"
#include "net/security/deviceidentity.h"
#include "net/server/relayhub.h"
#include "net/server/serverclient.h"
#include "net/wire/controlmessage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>

#include <chrono>
#include <memory>

class QTcpServer;
class QSocketNotifier;

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
    //! `lookup` requests per client and second (also the burst); more → lookup-result "busy".
    //! Each lookup by prefix or name scans every registered client.
    int lookupsPerSecond = 10;
    //! `lookup` requests per source address and second, all its connections together (also the
    //! burst): up to 256 connections from one address must not multiply the rate at which the
    //! registry can be enumerated by ID prefix.
    int lookupsPerAddressPerSecond = 20;
    //! Presence changes per client and second (also the burst): NAT-type broadcasts to its
    //! visible peers and `watch` updates. More are delayed and coalesced, never dropped, so a
    //! flapping client cannot flood its watchers.
    int presenceChangesPerSecond = 2;
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
 * Presence is scoped: A sees B ⇔ B ∈ A.watch ∨ A ∈ B.watch ∨ A and B have the same observed IP
 * address (one home router: like a LAN). `peers` after welcome, peer-joined, peer-left and NAT
 * changes go only to visible peers; a `watch` update sends peer-joined / peer-left to both sides
 * of every pair whose visibility changed. Indexes by address and by watched ID make a join cost
 * O(visible), not O(online). `lookup` finds anyone registered (PeerResolver's rules), rate
 * limited per client; `connect` needs no visibility, knowing the ID is enough.
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

    // presence (scoped), see the class comment
    struct Budget;
    Budget &budgetOf(const ServerClient *client);
    void index(ServerClient *client);
    void unindex(ServerClient *client);
    void indexWatch(ServerClient *client);
    void unindexWatch(ServerClient *client);
    //! Every registered client that sees \a client (the relation is symmetric), without it.
    QSet<ServerClient *> visibleTo(const ServerClient *client) const;
    static void sendTo(const QSet<ServerClient *> &clients, const ControlMessage &message);
    static Control::PeerEntry entryOf(const ServerClient *client);
    void handleWatch(ServerClient *client, const QList<DeviceId> &ids);
    void applyWatch(ServerClient *client, const QSet<DeviceId> &ids);
    void handleNat(ServerClient *client, const QString &natType);
    void handleLookup(ServerClient *client, const Control::Lookup &request);
    void flushPresence();
    void forget(const ServerClient *client);

    DeviceIdentity m_identity;
    ControlLinkContext m_tls; //!< one SSL_CTX for every control connection
    RendezvousServerConfig m_config;
    RateLimiter m_lookupsPerAddress;
    QTcpServer *m_listener = nullptr;
    RelayHub *m_relay = nullptr;
    QList<Pending *> m_pending;
    QHash<QHostAddress, int> m_perAddress;
    int m_connectionCount = 0;
    QHash<DeviceId, ServerClient *> m_registry;
    //! Registered clients by observed address (same address → visible to each other).
    QHash<QHostAddress, QList<ServerClient *>> m_byAddress;
    //! Device ID → the registered clients that watch it (online or not).
    QHash<DeviceId, QSet<ServerClient *>> m_watchers;
    //! Rate budgets of the clients that used one (lookup, watch, nat); most clients never do.
    QHash<const ServerClient *, Budget *> m_budgets;
    QSet<ServerClient *> m_natDirty; //!< NAT changes not broadcast yet (over budget)
    QHash<ServerClient *, QSet<DeviceId>> m_pendingWatch; //!< watch updates over budget
    QTimer m_presenceFlush;
    QList<Introduction *> m_introductions;
    QHash<QByteArray, SessionRecord> m_sessions; //!< for outcome log lines
    QElapsedTimer m_clock;
    qint64 m_lastRefusalLogMs = -1;
    int m_suppressedRefusals = 0;
};

} // namespace PunchDrop
