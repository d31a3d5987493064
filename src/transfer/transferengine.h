// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/contactstore.h"
#include "transfer/incominglimiter.h"
#include "transfer/incomingtransfer.h"
#include "transfer/recipientresolver.h"
#include "transfer/transferresult.h"
#include "transfer/transfersnapshot.h"

#include "core/configdir.h"
#include "net/client/controlclient.h"
#include "net/client/landiscovery.h"
#include "net/client/natprober.h"
#include "net/client/peerconnector.h"
#include "net/client/portmapper.h"
#include "net/security/deviceidentity.h"
#include "net/wire/nattype.h"
#include "net/wire/peerinfo.h"
#include "net/wire/peerresolver.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <memory>
#include <optional>

namespace PunchDrop {

class DeferredTlsServer;
class OfferDecider;
class TransferJob;
class Wakeup;

struct EngineConfig
{
    QString serverHost; //!< empty: no server (LAN only)
    quint16 serverPort = 8877;
    //! The cluster's other servers, tried in turn (ControlClientConfig::moreServers).
    QList<HostPort> moreServers;
    bool lan = false; //!< announce and discover on the LAN, accept LAN transfers
    QString displayName;
    //! What this device says it is to peers (ThisDevice::describe()); unknown: nothing is said.
    DeviceDescription device {};
    QString downloadDir;
    ConnectTimings timings;
    ControlClientConfig control; //!< host/port/name are filled in from the fields above
    LanDiscoveryConfig lanConfig;
    TransferTimeouts transferTimeouts;
    //! The file digest this device offers peers (TransferJob::setPreferredDigest): XXH3-128,
    //! or SHA-256 when the user wants a SHA-256 of every file (`--sha256`).
    FileDigest::Algorithm digest = FileDigest::Algorithm::Xxh3_128;
    bool probeNat = true;
    //! Ask the gateway to forward the punch port (UPnP-IGD / NAT-PMP); --no-port-map, the
    //! app's setting, PUNCHDROP_NO_PORT_MAP=1 in the environment (which wins). The mapping is
    //! offered to peers as a candidate that needs no punch.
    bool portMapping = true;
    PortMapperConfig portMap;
    //! A port-restricted NAT never answers the change-port request, so every unanswered request
    //! costs rto * (2^attempts - 1): 1.4 s here instead of the RFC-ish 4.5 s, which a user
    //! waiting for `send` would feel on every run.
    NatProbeConfig natProbe {std::chrono::milliseconds(200), 3};
    bool useContacts = true; //!< pin and remember peers in the config dir's contact store
    bool autoAcceptTrusted = true; //!< honour contacts' "always accept" flag
    /*!
     * Incoming sessions at once, in total and per sending device (IncomingLimiter). Each may
     * hold an offer of up to 4 MiB / 100 000 items before anyone said yes; one more is refused
     * at once with ERROR "busy" (TransferError::Busy).
     */
    int maxIncomingSessions = 8;
    int maxIncomingPerPeer = 2;
    /*!
     * A relayed session keeps trying for a direct path and moves to it (the "move"
     * capability) without starting over; `--no-upgrade` turns it off (and this side then
     * does not follow a peer that moves).
     */
    bool upgrade = true;
};

//! How one transfer's path was made (the CLI's `path` event).
struct PathReport
{
    PathKind path
        = PathKind::Unknown; //!< the event's kind and method (pathKindName, pathMethodName)
    QString reason;
    qint64 timeMs = 0;
    int rttMs = 0;
    DeviceId peer;
    QString peerName;
    PortMapProtocol mapper = PortMapProtocol::None; //!< path DirectPortMap: how it was mapped
    //! The path the session left for this one (a relayed session that went direct), or
    //! Unknown for the first path (the CLI's "upgraded_from").
    PathKind upgradedFrom = PathKind::Unknown;
    //! The path the session lost for this one (a direct path that died, replaced by the
    //! relay), or Unknown (the CLI's "downgraded_from").
    PathKind downgradedFrom = PathKind::Unknown;
    //! The path's connection is IPv6 (to the peer; to the server when relayed), not IPv4.
    bool ipv6 = false;
};

/*!
 * The client core that the CLI and the desktop app drive: the control connection to the
 * rendezvous server, NAT probing, LAN discovery, connection set-up (LAN → punch → relay) and the
 * transfer jobs. Every transfer is a TransferSnapshot that changes over time and ends in exactly
 * one transferFinished(). Decisions about incoming offers go through an OfferDecider.
 */
class TransferEngine : public QObject
{
    Q_OBJECT
public:
    TransferEngine(const DeviceIdentity &identity, const ConfigDir &configDir, EngineConfig config,
        QObject *parent = nullptr);
    ~TransferEngine() override;

    //! Connects to the server and/or starts LAN discovery. False with \a error.
    bool start(QString *error);
    void stop();

    void setOfferDecider(OfferDecider *decider) { m_decider = decider; }
    void setDisplayName(const QString &name);
    void setDownloadDir(const QString &dir) { m_config.downloadDir = dir; }
    const EngineConfig &config() const { return m_config; }

    DeviceId selfId() const { return m_identity.id(); }
    ControlClient *controlClient() const { return m_control; }
    //! The port mapping of the punch port; null without a server or with portMapping off.
    const PortMapper *portMapper() const { return m_portMapper; }
    LanDiscovery *lanDiscovery() const { return m_lan; }
    ContactStore &contacts() { return m_contacts; }
    //! This device's NAT type once UDP discovery ran (it may say Unknown), nullopt before.
    std::optional<NatType> natType() const { return m_natType; }

    //! Online peers from the server and the LAN (LAN entries first), then saved contacts
    //! that are offline; PeerInfo::pinned marks the contacts.
    QList<PeerInfo> peers() const;
    /*!
     * Finds a device by what a user typed, among the contacts and the peers this device sees
     * (contacts online, same network, LAN), with RecipientResolver's rules: a contact's name
     * means its pinned ID, online or not; `id:` marks an ID prefix; a namesake of a contact is
     * refused. No network traffic.
     */
    PeerResolver::Result resolvePeer(const QString &query) const;
    /*!
     * resolvePeer(), and when nothing matches locally and the server is connected, a `lookup`
     * among everyone registered with the server, whose answer is vetted (RecipientResolver::vet).
     * A match that is not seen online (an offline contact) is looked up by its exact ID. A peer
     * found on the server joins peers() (source Server, online) and the watch list for the rest
     * of this run, so its presence is followed. Codes: Found (candidates.first().online says
     * whether it is online), NotFound, Ambiguous (candidates filled), EmptyQuery, Refused (a
     * namesake of a contact), Busy (the server's lookup rate limit), ServerError (timeout,
     * connection lost).
     */
    QCoro::Task<PeerResolver::Result> findPeer(const QString &query);

    //! Starts sending \a paths to \a peer; returns the transfer id.
    quint64 send(
        const DeviceId &peer, const QStringList &paths, ConnectMode mode = ConnectMode::Auto);
    //! Sends an outgoing transfer again (the receiver resumes what it already has).
    bool retry(quint64 id);
    void cancel(quint64 id);
    TransferSnapshot snapshot(quint64 id) const { return m_transfers.value(id).snapshot; }
    //! The TCP port LAN peers connect to (0 without LAN).
    quint16 lanTransferPort() const;
    //! Incoming sessions running now (tests and diagnostics).
    int incomingSessions() const { return m_incoming.active(); }
    bool hasActiveTransfers() const;

Q_SIGNALS:
    void registered();
    void connectionLost(const QString &reason);
    void natTypeChanged(const PunchDrop::NatType &natType);
    //! portMapper()'s state changed (mapped, withdrawn, or why not).
    void portMappingChanged();
    void peersChanged();
    void transferUpdated(const PunchDrop::TransferSnapshot &snapshot);
    void pathEstablished(quint64 id, const PunchDrop::PathReport &path);
    void offerReceived(quint64 id, const PunchDrop::IncomingOffer &offer);
    void fileFinished(quint64 id, const PunchDrop::FileResult &file);
    void transferFinished(quint64 id, const PunchDrop::TransferResult &result);

private:
    struct Entry
    {
        TransferSnapshot snapshot;
        QStringList paths;
        ConnectMode mode = ConnectMode::Auto;
        QPointer<TransferJob> job;
        QByteArray sessionId {}; //!< the go's session, when the path came from the server
        QList<PathKind> pathHistory {}; //!< the path of each connection the session used
        bool upgrading = false; //!< a direct path for it is being punched (the answering side)
        //! The server showed the peer online during the session: its absence later means it
        //! left (a receiver then stops waiting for a new connection from it).
        bool peerSeenOnline = false;
        bool cancelRequested = false;
        int attempt
            = 0; //!< bumped by every (re)start; an older flow that wakes up sees it and stops
    };

    QCoro::Task<> runOutgoing(quint64 id);
    /*!
     * The path of outgoing transfer \a id (started as \a attempt): the LAN when the peer is
     * there, else the server's punch or relay, pinned to the peer's key. nullopt when the flow
     * should stop (cancelled, retried, the engine gone) or failed; a failure is reported.
     */
    QCoro::Task<std::optional<PeerConnection>> connectOutgoing(quint64 id, int attempt);
    QCoro::Task<> runIncoming(quint64 id, GoMessage go, IncomingLimiter::Slot slot);
    /*!
     * While outgoing transfer \a id (its \a attempt) runs relayed: tries for a direct path to
     * \a peer for session \a sessionId now and then (ConnectTimings::upgradeFirst, doubling
     * pauses) and moves the transfer onto the first one (TransferJob::moveTo).
     */
    QCoro::Task<> upgradeLoop(quint64 id, int attempt, DeviceId peer, QByteArray sessionId);
    /*!
     * The answering side of a go that names a running session: a direct path for a relayed
     * one (an upgrade, TransferJob::moveTo), or a relay connection for one whose connection
     * was lost (a fallback, TransferJob::rejoin).
     */
    QCoro::Task<> answerUpgrade(GoMessage go);
    /*!
     * Outgoing transfer \a id lost its connection mid-transfer (TransferJob::connectionLost):
     * asks the server for a relay connection to the peer for the same session and carries
     * the transfer on over it (TransferJob::rejoin), or tells the job why not.
     */
    QCoro::Task<> fallBack(quint64 id);
    /*!
     * Transfer \a id moved onto \a c (from \a from; \a upgrade: a relayed session that went
     * direct, else a lost path replaced): its snapshot and a second path event.
     */
    void reportPathChange(quint64 id, const PeerConnection &c, PathKind from, bool upgrade);
    /*!
     * A receiver whose session lost its connection waits for the sender's new one; when the
     * server shows the sender gone (it was seen online during the session and is no longer),
     * the wait ends at once instead of at TransferTimeouts::rejoin. \a online: who the server
     * shows online now (onlineOnServer(); onServerPeersChanged() passes the set it has).
     */
    void checkRejoinWaits(const QSet<DeviceId> &online);
    //! The devices the server shows online now.
    QSet<DeviceId> onlineOnServer() const;
    //! A direct path that dies silently fails in ConnectTimings::deadPathTimeout (a transfer
    //! then falls back to the relay) instead of after the kernel's long resends.
    void guardDirectPath(const PeerConnection &c) const;
    //! Answers \a go only to tell the peer that this device is busy (no entry, no prompt).
    QCoro::Task<> refuseIncoming(GoMessage go);
    QCoro::Task<> refuseBusy(std::unique_ptr<QSslSocket> socket);
    QCoro::Task<> runIncomingLan(QSslSocket *socket);
    QCoro::Task<> receiveOn(
        quint64 id, std::unique_ptr<QSslSocket> socket, DeviceId sender, QString senderName);
    QCoro::Task<> probeNatType();
    void onIncomingLan();
    quint64 addEntry(TransferSnapshot::Direction direction);
    //! Applies \a change and announces it; a finished transfer is left alone.
    void update(quint64 id, const std::function<void(TransferSnapshot &)> &change);
    //! Whether the flow started as \a attempt of transfer \a id should stop (cancelled, retried,
    //! finished, or the engine is going away).
    bool superseded(quint64 id, int attempt) const;
    void finish(quint64 id, const TransferResult &result);
    void failEarly(quint64 id, TransferError error, const QString &message);
    //! Ends transfer \a id with UnexpectedPeer: \a c reached c.answered instead of c.peer.
    void failUnexpectedPeer(quint64 id, const PeerConnection &c, bool lan);
    void reportPath(quint64 id, const PeerConnection &connection);
    void attachJob(quint64 id, TransferJob *job);
    QString peerName(const DeviceId &id) const;
    RecipientResolver recipients() const;
    //! The server's watch list: the contacts plus the peers findPeer() found in this run.
    void updateWatchList();
    void onServerPeersChanged();
    //! Contacts the server shows online now get their "last seen" time (ContactStore::markOnline);
    //! contacts online on the server or the LAN, what they say they are (noteDevice).
    void noteContactsOnline();
    //! A LAN device appeared or changed: if it is a contact, what it says it is.
    void noteLanDevice(const PunchDrop::PeerInfo &peer);

    DeviceIdentity m_identity;
    ConfigDir m_configDir;
    EngineConfig m_config;
    ControlClient *m_control = nullptr;
    LanDiscovery *m_lan = nullptr;
    DeferredTlsServer *m_lanListener = nullptr;
    PeerConnector *m_connector = nullptr;
    PortMapper *m_portMapper = nullptr;
    ContactStore m_contacts;
    OfferDecider *m_decider = nullptr;
    std::optional<NatType> m_natType;
    bool m_natProbeRunning = false;
    QHash<quint64, Entry> m_transfers;
    IncomingLimiter m_incoming;
    int m_refusing = 0; //!< busy answers under way (bounded like the sessions themselves)
    //! The pause of each running upgradeLoop (by transfer): finish() and stop() end it early.
    QHash<quint64, Wakeup *> m_upgradePauses;
    bool m_stopped = false; //!< stop() ran: upgrade loops end
    //! Peers findPeer() found on the server; confirmed once presence lists them, dropped when
    //! presence no longer does (they left).
    struct FoundPeer
    {
        PeerInfo info;
        bool confirmed = false;
    };
    QHash<DeviceId, FoundPeer> m_found;
    QSet<DeviceId> m_extraWatch; //!< found by lookup: watched for the rest of this run
};

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::PathReport)
