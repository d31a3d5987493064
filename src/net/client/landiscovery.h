// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/client/landiscoveryconfig.h"
#include "net/client/lanpeertable.h"
#include "net/security/deviceidentity.h"
#include "net/wire/peerinfo.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <memory>

class QUdpSocket;

namespace PunchDrop {

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
    //! What this device says it is (kind and OS, for other devices' contact cards). Announced
    //! from the next announcement on.
    void setDevice(const DeviceDescription &device) { m_device = device; }
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

    using Counters = LanPeerTable::Counters;
    Counters counters() const { return m_table.counters(); }

    //! Sends an announcement now (also done on a timer). No-op when not running.
    void announceNow();

Q_SIGNALS:
    void peerAppeared(const PunchDrop::PeerInfo &peer);
    void peerUpdated(const PunchDrop::PeerInfo &peer);
    void peerLeft(const PunchDrop::DeviceId &id);

private:
    void readPending(QUdpSocket *socket);
    void handleDatagram(const QByteArray &datagram, const QHostAddress &source);
    void report(const LanPeerTable::Change &change);
    void sweep();
    void refreshInterfaces();
    void send(LanAnnouncement::Type type);
    quint64 nextSequence();
    qint64 nowMs() const { return m_clock.elapsed(); }
    void shutdown();

    DeviceIdentity m_identity;
    LanDiscoveryConfig m_config;
    QByteArray m_certificateDer;
    QString m_displayName;
    DeviceDescription m_device;
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
    quint64 m_lastSequence = 0;
    qint64 m_lastAnnounceMs = -1'000'000;

    LanPeerTable m_table; //!< the receive path: checks and per-device state
};

} // namespace PunchDrop
