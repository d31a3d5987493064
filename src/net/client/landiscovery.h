// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/ratelimiter.h"
#include "net/security/deviceidentity.h"
#include "net/security/lanannouncementcrypto.h"
#include "net/wire/peerinfo.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <memory>

class QUdpSocket;

namespace PunchDrop {

/*!
 * Settings of LAN discovery. The defaults are the protocol's (docs/protocol/lan.md); tests shorten
 * the intervals and pick a private port.
 */
struct LanDiscoveryConfig
{
    //! UDP discovery port. 0: the OS picks one (tests; see LanDiscovery::localPort()).
    quint16 port = 8879;
    //! IPv4 multicast group, in the administratively scoped 239.255.0.0/16 ("site-local").
    QHostAddress groupV4 {QStringLiteral("239.255.77.77")};
    //! IPv6 link-local multicast group (joined on each interface that has IPv6).
    QHostAddress groupV6 {QStringLiteral("ff02::7764")};
    //! Also send to each interface's IPv4 broadcast address (networks that filter multicast).
    bool broadcastFallback = true;
    //! Use IPv6 as well, where the host has it.
    bool ipv6 = true;
    //! Announce this device. False: listen only (e.g. a one-shot `peers --lan` next to a running
    //! app with the same identity).
    bool announce = true;
    //! Restrict discovery to these interface names (e.g. {"lo"} in tests). Empty: every
    //! interface that is up and can multicast or broadcast, except loopback.
    QStringList interfaces;
    std::chrono::milliseconds announceInterval {1000}; //!< so a peer appears within ~2 s
    std::chrono::milliseconds expiry {5000}; //!< gone after this without announcements
    int maxPacketsPerSourcePerSecond = 20; //!< excess dropped and counted
    //! Signature checks per second over all sources: bounds the CPU a flood from many (spoofed)
    //! addresses can take. Excess is dropped and counted as rateLimited.
    int maxVerificationsPerSecond = 200;
};

/*!
 * Serverless discovery of PunchDrop devices on the local network.
 *
 * Announces this device (signed LanAnnouncement datagrams) to the IPv4 multicast group, the IPv6
 * link-local group and the IPv4 broadcast addresses of every selected interface, now and every
 * announceInterval, and lists the devices that do the same. Multicast TTL / hop limit is 1:
 * routers never forward the announcements, so only the local link is discovered.
 *
 * Every received datagram is rate-limited per source address, parsed, checked against the
 * highest sequence seen for its device (replays are dropped) and verified with the certificate
 * it carries; the device ID is derived from that certificate, so nobody can announce an ID
 * without its private key. Our own announcements (multicast loopback) are ignored. Nothing a
 * neighbour sends can crash the service; every dropped datagram is counted (counters()).
 *
 * A peer's endpoints are the source addresses its announcements arrived from (one per path:
 * IPv4, IPv6, several interfaces), each with the announced transfer port (0 when the peer does
 * not accept LAN transfers), IPv4 first. An endpoint not refreshed within the expiry is dropped.
 */
class LanDiscovery : public QObject
{
    Q_OBJECT
public:
    LanDiscovery(
        const DeviceIdentity &identity, LanDiscoveryConfig config, QObject *parent = nullptr);
    //! Sends a goodbye if still running, but emits no signals.
    ~LanDiscovery() override;

    void setDisplayName(const QString &name);
    //! The TCP port this device accepts LAN transfers on (announced). Re-announces when running.
    void setTransferPort(quint16 port);

    //! Binds, joins the groups, announces now and periodically. False with \a error on failure.
    bool start(QString *error);
    //! Sends a goodbye, then stops; every listed peer is reported as left.
    void stop();
    bool isRunning() const { return m_running; }
    //! The bound UDP port (useful with LanDiscoveryConfig::port == 0, which keeps the port the OS
    //! picked on the first start for later restarts). 0 when stopped.
    quint16 localPort() const;

    //! The devices currently seen (Source::Lan, online).
    QList<PeerInfo> peers() const;
    //! One device, or a null id in the result when it is not seen.
    PeerInfo peer(const DeviceId &id) const;

    struct Counters
    {
        quint64 received = 0; //!< datagrams read from the sockets
        quint64 accepted = 0; //!< verified, new announcements and goodbyes
        quint64 malformed = 0; //!< failed to parse, or an unreadable certificate
        quint64 badSignature = 0; //!< signature does not verify with the embedded certificate
        quint64 rateLimited = 0; //!< dropped by the per-source rate limit
        quint64 selfIgnored = 0; //!< our own announcements, looped back
        quint64 stale = 0; //!< sequence not newer than the last accepted (replays)
        quint64 duplicates = 0; //!< the last accepted datagram again, by another path
    };
    Counters counters() const { return m_counters; }

    //! Sends an announcement now (also done on a timer). No-op when not running.
    void announceNow();

Q_SIGNALS:
    void peerAppeared(const PunchDrop::PeerInfo &peer);
    void peerUpdated(const PunchDrop::PeerInfo &peer);
    void peerLeft(const PunchDrop::DeviceId &id);

private:
    struct EndpointSeen
    {
        Endpoint endpoint;
        qint64 lastMs = 0;
    };
    struct PeerState
    {
        PeerInfo info;
        QList<EndpointSeen> paths;
        qint64 lastAnnounceMs = 0;
    };
    struct SeenState
    {
        quint64 sequence = 0;
        QByteArray lastDatagram;
        qint64 lastMs = 0;
    };

    void readPending(QUdpSocket *socket);
    void handleDatagram(const QByteArray &datagram, const QHostAddress &source);
    void applyAnnouncement(const DeviceId &id, const LanAnnouncement::Fields &fields,
        const QHostAddress &source, qint64 now);
    void removePeer(const DeviceId &id);
    void sweep();
    void refreshInterfaces();
    void send(LanAnnouncement::Type type);
    quint64 nextSequence();
    qint64 nowMs() const { return m_clock.elapsed(); }
    static void rebuildEndpoints(PeerState &state);
    void shutdown();

    DeviceIdentity m_identity;
    LanDiscoveryConfig m_config;
    QByteArray m_certificateDer;
    QString m_displayName;
    quint16 m_transferPort = 0;
    bool m_running = false;
    quint16 m_boundPort = 0;

    std::unique_ptr<QUdpSocket> m_socketV4;
    std::unique_ptr<QUdpSocket> m_socketV6;
    QStringList m_joinedV4; //!< interface names
    QStringList m_joinedV6;
    QTimer m_announceTimer;
    QTimer m_sweepTimer;
    QTimer m_replyTimer; //!< an early announcement for a newcomer
    QElapsedTimer m_clock;
    qint64 m_sequenceBase = 0;
    quint64 m_lastSequence = 0;
    qint64 m_lastAnnounceMs = -1'000'000;

    RateLimiter m_rateLimiter;
    RateLimiter m_verificationLimiter; //!< one bucket for everybody
    QHash<DeviceId, PeerState> m_peers;
    QHash<DeviceId, SeenState> m_seen;
    QHash<QByteArray, LanAnnouncementCrypto::PublicKey> m_certificates;
    Counters m_counters;
};

} // namespace PunchDrop
