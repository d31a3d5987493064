// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/logthrottle.h"
#include "core/ratelimiter.h"
#include "net/security/deviceidentity.h"
#include "net/server/presenceindex.h"
#include "net/server/relayhub.h"
#include "net/server/remotepresence.h"
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
#include <functional>
#include <memory>

class QJsonObject;
class QTcpServer;
class QSocketNotifier;

namespace PunchDrop {

class ServerCluster;

//! Every limit and timing constant of the server, so tests can shrink them.
struct RendezvousServerConfig
{
    QHostAddress address = QHostAddress::Any;
    quint16 port = 8877;
    int maxClients = 10000; //!< control connections, including ones still handshaking
    //! Control connections from one address prefix (/24, /64: AddressPrefix). Generous: whole
    //! carrier-grade NATs share one address.
    int maxConnectionsPerAddress = 256;
    //! Connections before hello (sniffing, TLS handshake; each holds ~48 KiB until then): all
    //! together, and from one address prefix. More are closed at once.
    int maxHandshakes = 512;
    int maxHandshakesPerPrefix = 64;
    PresenceLimits presence; //!< watch list bounds
    ServerClient::Timeouts timeouts; //!< handshake deadline (also for sniffing), idle timeout
    std::chrono::milliseconds keepaliveInterval {15000}; //!< advertised to clients in welcome
    std::chrono::milliseconds rttProbeTimeout {1000}; //!< wait this long for pongs before go
    //! Added to the larger one-way delay. It does not make the two starts meet (each peer counts
    //! start_in_ms from its own go's arrival, so the margin delays both alike); it is each peer's
    //! budget for getting from the go to its first SYN, which the client absorbs by counting
    //! from the arrival (Control::Go::receivedAt). Every ms of it delays every direct path.
    std::chrono::milliseconds startMargin {10};
    int maxPendingIntroductions = 4; //!< per client; more → connect-error "busy"
    //! `lookup` requests per client and second (also the burst); more → lookup-result "busy".
    int lookupsPerSecond = 10;
    //! `lookup` requests per address prefix and second, all its connections together (also the
    //! burst): up to 256 connections from one network must not multiply the rate at which the
    //! registry can be enumerated by ID prefix.
    int lookupsPerAddressPerSecond = 20;
    //! Presence changes per client and second (also the burst): NAT-type broadcasts to its
    //! visible peers and `watch` updates. More are delayed and coalesced, never dropped, so a
    //! flapping client cannot flood its watchers.
    int presenceChangesPerSecond = 2;
    RelayHubConfig relay;
    /*!
     * The server's IPv6 address where clients registered over IPv4 claim theirs (Welcome::claimAt,
     * on this server's port). Null: listening on a wildcard or IPv6 address, the first permanent
     * global IPv6 address of this host's interfaces (claimAddressOf()); otherwise none. When
     * \a address is a specific IPv4 address, the server listens on this one too (same port):
     * both families, for claims and for clients with only IPv6.
     */
    QHostAddress claimAddress {};
    bool claims = true; //!< false: no address claims are offered (IPv4 only, as before)
};

/*!
 * The rendezvous server (`punchdrop --server`). One TCP port serves two protocols, told apart by
 * the first byte a new connection sends: 0x16 (a TLS handshake record) → a control connection
 * (ServerClient, see ControlProtocol for the messages); 'P' → a relay join or an address claim
 * (RelayHub, RelayJoin). Anything
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
 * Presence is scoped by consent (PresenceIndex): A sees B ⇔ (B ∈ A.watch ∧ A ∈ B.watch) ∨ A and
 * B have the same observed IP address (one home router: like a LAN). `peers` after welcome,
 * peer-joined, peer-left and NAT changes go only to visible peers; a `watch` update sends
 * peer-joined / peer-left to both sides of every pair whose visibility changed. A join costs
 * O(watch list + same address), not O(online). `lookup` finds anyone registered (PeerResolver's
 * rules, through indexes), rate limited per client and per address prefix, and tells a stranger
 * (someone the target does not watch, on another address) only ID and name, not the NAT type;
 * `connect` needs no visibility, knowing the ID is enough — but a stranger's `go` carries no
 * private addresses or NAT type of the target, and the target is handed only candidates the
 * server can vouch for (see finishIntroduction()).
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
    //! Where clients registered over IPv4 claim their IPv6 address, null when nowhere.
    QHostAddress claimAddress() const { return m_claimAddress; }
    /*!
     * The address RendezvousServerConfig::claimAddress stands for when the server listens on
     * \a listening: itself when set; for a wildcard, the first permanent global IPv6 address
     * of this host's interfaces (not link-local, loopback, ULA-scoped site-local or
     * IPv4-mapped); for a specific IPv6 address, that address; otherwise none.
     */
    static QHostAddress claimAddressOf(
        const RendezvousServerConfig &config, const QHostAddress &listening);
    DeviceId id() const { return m_identity.id(); }
    int registeredCount() const { return int(m_presence.size()); }
    //! Connections that have not sent hello yet (sniffing or in the TLS handshake).
    int handshakeCount() const { return m_handshakeCount; }
    const PresenceIndex &presence() const { return m_presence; }
    int connectionCount() const { return m_connectionCount; }
    RelayHub *relayHub() const { return m_relay; }

    /*!
     * Joins a cluster of servers that share a Redis (`--redis`, see ServerCluster): devices
     * registered here are published; `lookup` and `connect` reach devices registered with the
     * other servers; the relay of a session may be any server's, the least loaded. Not owned:
     * \a cluster outlives the server. Without it (the default) nothing of this exists.
     */
    void setCluster(ServerCluster *cluster);

Q_SIGNALS:
    void clientRegistered(const PunchDrop::DeviceId &id);
    void clientLeft(const PunchDrop::DeviceId &id);
    void outcomeReported(const QByteArray &sessionId, PunchDrop::OutcomeKind kind);

private:
    struct Pending;
    struct Introduction;
    struct RemoteProbe; //!< at the target's server: another server's connect, waiting for a pong
    struct SessionRecord
    {
        QString initiator;
        QString responder;
        QString initiatorNat;
        QString responderNat;
        qint64 createdMs = 0;
        //! The session's relay token when this server relays it: released when a participant
        //! reports a direct path, so an unused token does not hold a relay slot for 120 s.
        QByteArray relayToken {};
        //! Upgrade connects for this session whose go's asked for port guessing so far.
        int guessedUpgrades = 0;
    };
    //! A relay token for one session, and where to join it.
    struct RelayGrant
    {
        QByteArray token; //!< empty: no relay (refusal says why)
        QString server; //!< the cluster instance that relays; empty: this server
        QString relay; //!< "host:port" of that server; empty: this server
        QString refusal;
    };
    using GrantFn = std::function<void(const RelayGrant &)>;

    void onIncoming(qintptr fd);
    void onSniff(Pending *pending);
    void dropPending(Pending *pending, bool closeFd);
    void releaseSlot(const QHostAddress &address);
    QString admissionRefusal(const QHostAddress &prefix) const;
    void endHandshake(const QHostAddress &prefix);
    void startControl(
        qintptr fd, const QHostAddress &address, std::chrono::milliseconds handshakeLeft);
    void startRelay(qintptr fd);

    void onHello(ServerClient *client);
    void onMessage(ServerClient *client, const ControlMessage &message);
    void onClosed(ServerClient *client, const QString &reason);
    void onPong(ServerClient *client, quint64 nonce, int rttMs);

    void handleConnect(ServerClient *client, const Control::Connect &request);
    void handleOutcome(ServerClient *client, const Control::Outcome &outcome);
    //! The first bytes of a session ID in hex, for log lines.
    static QString sessionTag(const QByteArray &sessionId);
    void finishIntroduction(Introduction *intro);
    void dropIntroductions();
    void recordSession(const QByteArray &sessionId, SessionRecord record);
    /*!
     * Whether a go may give the peers parts in port guessing. Always for a new session; for a
     * connect that looks for a direct path for running session \a upgrade, only its first
     * kMaxGuessedUpgrades times (a relayed 40 GB transfer tries every 30 s for hours, and each
     * guessing try costs hundreds of SYNs a side), and not for a session this server did not
     * introduce.
     */
    bool guessingAllowed(const QByteArray &upgrade);
    static constexpr int kMaxGuessedUpgrades = 3;
    static QByteArray randomBytes(int size);
    //! A relay token for a session in \a mode (none for direct-only), charged to \a owner: from
    //! the least loaded relay of the cluster, or this server's. \a done may run at once.
    void grantRelay(ConnectMode mode, const QString &label, const RelayOwner &owner, GrantFn done);
    void grantLocalRelay(const QString &label, const RelayOwner &owner, const GrantFn &done);
    void logGo(const QString &label, const Control::Go &goA, const Control::Go &goB,
        const RelayGrant &grant) const;
    int introductionsOf(const ServerClient *client) const;

    // the cluster (rendezvousservercluster.cpp); each is a no-op without one
    bool clusterUp() const;
    void clusterPublish(const ServerClient *client);
    void clusterWithdraw(const ServerClient *client);
    //! A connect to a device not registered here. True: handled (answered now or later).
    bool clusterConnect(ServerClient *client, const Control::Connect &request);
    //! A lookup answered with the cluster's devices too. True: handled (answered later).
    bool clusterLookup(ServerClient *client, const Control::Lookup &request);
    //! \a remoteNatShown: devices on other servers whose NAT type the asker may learn.
    void answerLookup(ServerClient *client, const Control::Lookup &request,
        const PeerResolver::Result &r, const QSet<DeviceId> &remoteNatShown = {});
    void onClusterMessage(const QJsonObject &message);
    void onClusterIntro(const QJsonObject &message);
    void answerClusterIntro(RemoteProbe *probe);
    void onClusterGo(const QJsonObject &message);
    void onClusterRelayToken(const QJsonObject &message);
    void onClusterReplaced(const QJsonObject &message);
    void dropClusterState();
    // presence across servers: the same rules, the other side's half decided by its server
    void clusterRegistered(ServerClient *client, const QList<DeviceId> &watchIds);
    void clusterWatchChanged(ServerClient *client, const QList<DeviceId> &watchIds);
    //! Tells the servers of the devices \a client may see who it is now (NAT type included);
    //! each answers with those of its devices that see it.
    void clusterSync(ServerClient *client);
    void applyPresenceAnswer(
        ServerClient *client, const QString &server, const QJsonObject &answer);
    void onClusterPresence(const QJsonObject &message);
    void onClusterPresenceGone(const QJsonObject &message);
    //! \a client is going: the other servers' devices that saw it hear it left.
    void clusterForget(const ServerClient *client);
    void onClusterUp(bool up);
    //! Devices of servers that died (their records expired) leave our clients' views.
    void sweepRemotePresence();
    void dropRemotePresence(const QString &server);

    // presence (scoped), see the class comment
    struct Budget;
    Budget &budgetOf(const ServerClient *client);
    //! Every member of m_presence is a ServerClient: the index only knows the interface.
    static ServerClient *clientOf(PresenceMember *member)
    {
        return static_cast<ServerClient *>(member);
    }
    void sendPeers(ServerClient *client, const QSet<PresenceMember *> &visible);
    static void sendTo(const QSet<PresenceMember *> &clients, const ControlMessage &message);
    static Control::PeerEntry entryOf(const PresenceMember *client);
    void handleWatch(ServerClient *client, const QList<DeviceId> &ids);
    void applyWatch(ServerClient *client, const QList<DeviceId> &ids);
    void reportWatchLimit(ServerClient *client, const PresenceIndex::WatchChange &change);
    //! What \a peer's `go` tells the receiver about it (public, vouched private endpoints, NAT
    //! type when \a peer allows the receiver, port mapping).
    Control::Go goAbout(const ServerClient *peer, const DeviceId &receiverId,
        const QHostAddress &receiverAddress) const;
    void handleNat(ServerClient *client, const QString &natType);
    //! Keeps a reported port mapping only when it is on the client's own public address: a
    //! client must not send peers' SYNs to a third party's address.
    void handleMapped(ServerClient *client, const Control::Mapped &mapped);
    void handleLookup(ServerClient *client, const Control::Lookup &request);
    //! An address claim (RelayHub::ClaimHandler): \a from becomes the also-endpoint of the
    //! client that holds \a token, when it is an IPv6 endpoint.
    bool onClaim(const QByteArray &token, const Endpoint &from);
    void flushPresence();
    void forget(const ServerClient *client);

    DeviceIdentity m_identity;
    ControlLinkContext m_tls; //!< one SSL_CTX for every control connection
    RendezvousServerConfig m_config;
    RateLimiter m_lookupsPerAddress;
    QTcpServer *m_listener = nullptr;
    RelayHub *m_relay = nullptr;
    QList<Pending *> m_pending;
    QHash<QHostAddress, int> m_perAddress; //!< connections by address prefix
    int m_connectionCount = 0;
    QHash<QHostAddress, int> m_handshakesPerPrefix; //!< connections before hello by prefix
    int m_handshakeCount = 0;
    QHash<const ServerClient *, QHostAddress> m_handshaking; //!< control clients before hello
    PresenceIndex m_presence;
    //! Rate budgets of the clients that used one (lookup, watch, nat); most clients never do.
    QHash<const ServerClient *, Budget *> m_budgets;
    QSet<ServerClient *> m_natDirty; //!< NAT changes not broadcast yet (over budget)
    QHash<ServerClient *, QList<DeviceId>> m_pendingWatch; //!< watch updates over budget
    QTimer m_presenceFlush;
    QList<Introduction *> m_introductions;
    QPointer<ServerCluster> m_cluster;
    //! Connects to devices on other servers, in flight, per initiator (maxPendingIntroductions).
    QHash<const ServerClient *, int> m_remoteConnects;
    //! At the target's server: another server's connect, waiting for our client's pong.
    QList<RemoteProbe *> m_remoteProbes;
    //! At the target's server: sessions whose `go` the initiator's server will send, by ID.
    QHash<QByteArray, QPair<QPointer<ServerClient>, qint64>> m_awaitedGos;
    //! Which of our clients see which devices of other servers (and the reverse).
    RemotePresence m_remote;
    //! The watch lists as IDs (the index keeps digests), for the other servers: cluster only.
    QHash<const ServerClient *, QList<DeviceId>> m_watchIds;
    QTimer m_clusterSweep;
    QHash<QByteArray, SessionRecord> m_sessions; //!< for outcome log lines
    QElapsedTimer m_clock;
    LogThrottle m_refusalLog; //!< refused connections
    LogThrottle m_mappingLog; //!< `mapped` changes and claims off the public address
    //! Where clients claim their IPv6 address (Welcome::claimAt), null when nowhere.
    QHostAddress m_claimAddress;
    //! The second listener, on m_claimAddress, when the first one's address is IPv4 only.
    QTcpServer *m_listener6 = nullptr;
    QHash<QByteArray, QPointer<ServerClient>> m_claimTokens; //!< Welcome::claimToken → client
    LogThrottle m_dropLog; //!< connections that sent nothing useful before the deadline
};

} // namespace PunchDrop
