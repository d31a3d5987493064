// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/controllinkcontext.h"
#include "net/security/deviceidentity.h"
#include "net/wire/controlmessage.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"
#include "net/wire/hostport.h"
#include "net/wire/peerinfo.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <qcorotask.h>

#include <chrono>
#include <optional>

class QTcpSocket;

namespace PunchDrop {

class ControlLink;
class Wakeup;

struct ControlClientConfig
{
    QString host;
    quint16 port = 8877;
    /*!
     * The cluster's other servers (`--server A,B,...`): when the current one cannot be reached,
     * refuses us or goes away, the next attempt goes to the next one, at once; only a whole
     * round of failures waits the backoff. Each server is pinned on its own.
     */
    QList<HostPort> moreServers;
    QString displayName;
    //! Empty: the non-loopback IPv4 addresses of this machine with the control port P.
    QList<Endpoint> privateEndpoints;
    std::chrono::milliseconds connectTimeout {5000}; //!< TCP + TLS + welcome
    std::chrono::milliseconds requestTimeout {5000};
    std::chrono::milliseconds keepaliveInterval {15000};
    std::chrono::milliseconds reconnectMin {500};
    std::chrono::milliseconds reconnectMax {30000};
    //! Where servers are pinned on first use (ServerPins). Empty: the server is not checked.
    QString serverPinsFile;
    //! What this device says it is in hello (describeThisDevice()); unknown: nothing is sent.
    DeviceDescription device {};
};

//! The server's introduction to a peer (`go`), as the punching engine consumes it: the wire
//! struct itself (requestId is 0 for the responder).
using GoMessage = Control::Go;

//! The answer to requestConnect(): a go, or why not (the server's connect-error code, or Timeout,
//! NotRegistered, ConnectionLost) and a message.
struct ConnectReply
{
    std::optional<GoMessage> go;
    ConnectFailure errorCode = ConnectFailure::None;
    QString errorMessage;
};

/*!
 * The answer to lookup(): Ok (peers holds the one match), Ambiguous (peers holds the candidates,
 * at most ControlProtocol::kMaxLookupPeers), NotFound, Busy (the server's rate limit), BadQuery,
 * or a local failure: Timeout, NotRegistered, ConnectionLost.
 */
struct LookupReply
{
    QList<PeerInfo> peers; //!< source Server, online
    LookupStatus code = LookupStatus::Unknown;
    QString message;
    bool ok() const { return code == LookupStatus::Ok; }
};

/*!
 * The client's control connection to the rendezvous server: a ControlLink (TLS 1.3 handshake with
 * the device certificate, from which the server derives our DeviceId; then the lean record
 * layer), registration, presence, introductions, keepalive.
 *
 * The socket is bound natively to a local port P with SO_REUSEADDR/SO_REUSEPORT before
 * connecting, so the punching engine can listen and dial from the same P (the server reports
 * P's public mapping as the observed endpoint). P stays the same across reconnects whenever the
 * bind succeeds. On any loss the client reconnects by itself with exponential backoff and
 * jitter until stop(). The server's certificate is not checked against a CA (it is
 * self-signed); its DeviceId is available as serverId() and, with a serverPinsFile, pinned on
 * first use per host:port: a server that later presents another key is refused (lastError()
 * says what to do) and the client keeps retrying in case the real one comes back.
 *
 * The object must outlive the coroutines it returns (waitRegistered(), requestConnect()).
 */
class ControlClient : public QObject
{
    Q_OBJECT
public:
    ControlClient(
        const DeviceIdentity &identity, ControlClientConfig config, QObject *parent = nullptr);
    ~ControlClient() override;

    //! Connects and registers; on loss reconnects with exponential backoff (+jitter) until stop().
    void start();
    void stop();

    bool isRegistered() const { return m_registered; }
    QCoro::Task<bool> waitRegistered(std::chrono::milliseconds timeout);

    //! P: the local port of the control socket (0 before the first connection attempt).
    quint16 localPort() const { return m_localPort; }
    Endpoint observedEndpoint() const { return m_observed; }
    DeviceId serverId() const { return m_serverId; }
    bool serverRelayAvailable() const { return m_relayAvailable; }
    //! The server passes path upgrades on (welcome.upgrades): a relayed session may ask it
    //! for a direct path.
    bool serverUpgrades() const { return m_serverUpgrades; }
    //! Online peers, excluding this device.
    QList<PeerInfo> peers() const;

    //! Sends `nat` now, or with the next registration.
    void setNatType(const QString &natType);
    /*!
     * The endpoint our gateway forwards to P (PortMapper's result), or an invalid one when
     * there is none any more: sent as `mapped` now and after every registration, so the server
     * hands it to peers as a candidate that needs no punch.
     */
    void setPortMapping(const Endpoint &external, PortMapProtocol protocol);
    /*!
     * Whether our gateway is still being asked for that mapping (PortMapper::State::Mapping):
     * a connect request made now would reach the peer without it. Going false emits
     * portMappingSettled(), after the mapping (if any) went to the server.
     */
    void setPortMappingPending(bool pending);
    bool isPortMappingPending() const { return m_mappingPending; }
    /*!
     * Our IPv6 endpoint as the server saw it in our address claim (Welcome::claimAt): the
     * server hands it to peers as Go::peerAlso. Invalid before the claim succeeded, when the
     * server offered none, or when this host has no IPv6 route to it.
     */
    Endpoint claimedEndpoint() const { return m_claimed; }
    //! Our IPv6 endpoint as the server knows it: the claimed one, or the observed one when we
    //! registered over IPv6; invalid when we have none (peers cannot reach us over IPv6).
    Endpoint ipv6Endpoint() const
    {
        return m_claimed.isValid() || !m_observed.isIPv6() ? m_claimed : m_observed;
    }
    //! An address claim is in flight: a connect request made now would reach the peer without
    //! our IPv6 endpoint. Going false emits claimSettled().
    bool isClaimPending() const { return m_claim != nullptr; }
    Endpoint portMapping() const { return m_mapped; }
    PortMapProtocol portMapProtocol() const { return m_mapper; }
    /*!
     * The devices whose presence we want (our contacts): sent in every hello and, when it
     * changes while registered, as `watch`. The server shows us only peers we watch, peers that
     * watch us and peers behind our public address. Duplicates are dropped; at most
     * ControlProtocol::kMaxWatch IDs are kept.
     */
    void setWatchList(const QList<DeviceId> &ids);
    QList<DeviceId> watchList() const { return m_watch; }
    /*!
     * Asks the server to find \a query among ALL registered devices (exact ID, unique ID prefix,
     * unique name; PeerResolver's rules). Bounded by \a timeout (config requestTimeout when 0).
     */
    QCoro::Task<LookupReply> lookup(
        const QString &query, std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
    //! \a upgrade: the session whose relayed path this connect is to replace (Connect::upgrade).
    QCoro::Task<ConnectReply> requestConnect(const DeviceId &target, ConnectMode mode,
        std::chrono::milliseconds timeout, const QByteArray &upgrade = {});
    //! Tells the server how session \a sessionId ended up (for its log): \a kind over \a path.
    void reportOutcome(const QByteArray &sessionId, OutcomeKind kind, PathKind path, qint64 timeMs,
        const QString &reason = {});

    //! The server in use (or being tried): the first one, or one of moreServers after a failover.
    QString serverHost() const { return currentServer().host; }
    quint16 serverPort() const { return currentServer().port; }
    HostPort currentServer() const;
    /*!
     * currentServer() as dialled: a host name that stands for several addresses (several servers
     * of a cluster sharing one identity) is replaced by the address in use, so that relay joins
     * and STUN reach the server this client is registered with. A name is resolved at the start
     * of each round; a lost or refused address moves on to the name's next address, then to the
     * next server of the list.
     */
    HostPort dialledServer() const;
    //! The last reason the connection was lost or refused (empty while all is well).
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void registered();
    //! A registered connection is gone, or the first attempt after start() or after a loss
    //! failed (later failures of the same outage are not repeated); it reconnects by itself.
    void connectionLost(const QString &reason);
    void portMappingSettled();
    void claimSettled();
    void peersChanged();
    //! The server introduced us to a peer who asked for us (responder side).
    void goReceived(const PunchDrop::GoMessage &go);
    //! Internal: the answer to one connect request arrived (or the request failed).
    void connectReplyReceived(quint32 requestId, const PunchDrop::ConnectReply &reply);

private:
    void attempt();
    void onConnected();
    void onHandshakeDone(const DeviceId &server);
    void onPlaintext(const QByteArray &plaintext);
    //! Dispatches one frame from the server to its handler below.
    void handle(const ControlMessage &message);
    void on(const Control::Welcome &welcome);
    void on(const Control::Peers &peers);
    void on(const Control::PeerJoined &joined);
    void on(const Control::PeerLeft &left);
    void on(const Control::Go &go);
    void on(const Control::WatchLimited &limited);
    void on(const Control::LookupResult &result);
    void on(const Control::ConnectError &refusal);
    void on(const Control::Ping &ping);
    void on(const Control::Pong &pong);
    void on(const Control::Error &error);
    //! What a client never gets from the server (hello, connect, ...) or does not know.
    template<typename Ignored> void on(const Ignored &) { }
    void lose(const QString &reason);
    //! \a soon: another server of the round is next, tried after reconnectMin (no backoff).
    void scheduleReconnect(bool soon = false);
    void send(const ControlMessage &message);
    QList<Endpoint> currentPrivateEndpoints() const;
    //! (Re)creates m_socket bound to P in \a family; false (after lose()) when it cannot.
    bool prepareSocket(QAbstractSocket::NetworkLayerProtocol family);
    //! Connects m_socket (recreated for \a address's family when needed) to the server.
    void dial(const QHostAddress &address, quint16 port);
    //! Claims our IPv6 address at \a at with \a token (RelayJoin::encodeClaim), from P.
    void claimAddress(const Endpoint &at, const QByteArray &token);
    //! Ends the claim in flight; \a claimed: the endpoint the server took.
    void finishClaim(const Endpoint &claimed);

    DeviceIdentity m_identity;
    ControlClientConfig m_config;
    ControlLinkContext m_tls; //!< built once; shared by every reconnect
    QTcpSocket *m_socket = nullptr; //!< while connecting; then the link owns it
    ControlLink *m_link = nullptr; //!< once TCP is up
    QByteArray m_buffer;
    bool m_running = false;
    bool m_registered = false;
    bool m_peersComplete = true;
    bool m_reportedDown = false;
    int m_failures = 0;
    qsizetype m_serverIndex = 0; //!< 0: host/port, i: moreServers[i - 1]
    qsizetype m_roundStart = 0; //!< the server this outage began with (a round ends there)
    HostPort m_resolvedFor; //!< the list entry whose host name m_addresses holds
    QList<QHostAddress> m_addresses; //!< its IPv4 addresses, in the resolver's order
    qsizetype m_addressIndex = 0; //!< the one in use
    quint64 m_attempt = 0; //!< a lookup answering for an older attempt is ignored
    quint16 m_localPort = 0;
    Endpoint m_observed;
    DeviceId m_serverId;
    bool m_relayAvailable = false;
    bool m_serverUpgrades = false;
    QString m_natType;
    Endpoint m_mapped; //!< our port mapping, sent after every welcome
    PortMapProtocol m_mapper = PortMapProtocol::None;
    bool m_mappingPending = false;
    QTcpSocket *m_claim = nullptr; //!< the address claim in flight
    Endpoint m_claimed;
    QString m_lastError;
    QHash<DeviceId, PeerInfo> m_peers;
    QSet<quint32> m_pendingRequests;
    QHash<quint32, ConnectReply> m_replies; //!< arrived, not yet taken by requestConnect()
    QHash<quint32, Wakeup *> m_replyWaiters; //!< requestConnect() coroutines waiting
    QList<DeviceId> m_watch;
    QHash<quint32, LookupReply> m_lookupReplies; //!< arrived, not yet taken by lookup()
    QHash<quint32, Wakeup *> m_lookupWaiters; //!< lookup() coroutines waiting
    quint32 m_nextRequestId = 0;
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    QTimer m_keepaliveTimer;
    QTimer m_deadTimer;
    QHash<quint64, qint64> m_pings;
    QElapsedTimer m_clock;
};

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::GoMessage)
Q_DECLARE_METATYPE(PunchDrop::ConnectReply)
