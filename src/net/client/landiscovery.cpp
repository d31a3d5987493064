// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/landiscovery.h"

#include "core/logging.h"
#include "net/wire/displaytext.h"

#include <QDateTime>
#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QPointer>
#include <QUdpSocket>

#include <algorithm>

namespace PunchDrop {

namespace {

QList<QNetworkInterface> selectedInterfaces(const QStringList &names)
{
    QList<QNetworkInterface> out;
    const QList<QNetworkInterface> all = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &iface : all) {
        const auto flags = iface.flags();
        if (!flags.testFlag(QNetworkInterface::IsUp))
            continue;
        if (!names.isEmpty()) {
            if (names.contains(iface.name()))
                out.append(iface);
            continue;
        }
        if (flags.testFlag(QNetworkInterface::IsLoopBack)
            || !flags.testFlag(QNetworkInterface::IsRunning))
            continue;
        if (!flags.testFlag(QNetworkInterface::CanMulticast)
            && !flags.testFlag(QNetworkInterface::CanBroadcast))
            continue;
        out.append(iface);
    }
    return out;
}

bool hasAddress(const QNetworkInterface &iface, QAbstractSocket::NetworkLayerProtocol protocol)
{
    const QList<QNetworkAddressEntry> entries = iface.addressEntries();
    return std::any_of(entries.begin(), entries.end(),
        [protocol](const QNetworkAddressEntry &e) { return e.ip().protocol() == protocol; });
}

//! Closes \a socket now and deletes it later: stop() may run inside the socket's own readyRead
//! (a receiver of peerAppeared stops discovery), and Qt still uses the socket after that signal.
void retire(std::unique_ptr<QUdpSocket> &socket)
{
    if (!socket)
        return;
    socket->disconnect();
    socket->close();
    socket.release()->deleteLater();
}

} // namespace

LanDiscovery::LanDiscovery(
    const DeviceIdentity &identity, LanDiscoveryConfig config, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_config(std::move(config))
    , m_certificateDer(identity.certificate().toDer())
    , m_table(identity.id(), m_certificateDer, m_config)
{
    m_clock.start();
    m_announceTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_announceTimer, &QTimer::timeout, this, &LanDiscovery::announceNow);
    connect(&m_sweepTimer, &QTimer::timeout, this, &LanDiscovery::sweep);
    m_replyTimer.setSingleShot(true);
    connect(&m_replyTimer, &QTimer::timeout, this, &LanDiscovery::announceNow);
}

LanDiscovery::~LanDiscovery()
{
    if (m_running && m_config.announce)
        send(LanAnnouncement::Type::Goodbye);
    shutdown();
}

void LanDiscovery::setDisplayName(const QString &name)
{
    const QString clean = DisplayText::cleanName(name, LanAnnouncement::kMaxNameBytes);
    if (clean == m_displayName)
        return;
    m_displayName = clean;
    announceNow();
}

void LanDiscovery::setTransferPort(quint16 port)
{
    if (port == m_transferPort)
        return;
    m_transferPort = port;
    announceNow();
}

quint16 LanDiscovery::localPort() const
{
    return m_socketV4 ? m_socketV4->localPort() : 0;
}

bool LanDiscovery::start(QString *error)
{
    if (m_running)
        return true;
    constexpr auto mode = QUdpSocket::ShareAddress | QUdpSocket::ReuseAddressHint;
    m_socketV4 = std::make_unique<QUdpSocket>();
    // Port 0: the OS picks one on the first start; a restart keeps it.
    const quint16 port = m_config.port != 0 ? m_config.port : m_boundPort;
    if (!m_socketV4->bind(QHostAddress::AnyIPv4, port, mode)) {
        if (error)
            *error = QStringLiteral("cannot bind the LAN discovery port %1/udp: %2")
                         .arg(port)
                         .arg(m_socketV4->errorString());
        m_socketV4.reset();
        return false;
    }
    // TTL 1: announcements never leave the link. Loopback on: other instances on this host see us.
    m_socketV4->setSocketOption(QAbstractSocket::MulticastTtlOption, 1);
    m_socketV4->setSocketOption(QAbstractSocket::MulticastLoopbackOption, 1);
    m_boundPort = m_socketV4->localPort();
    QUdpSocket *v4 = m_socketV4.get();
    connect(v4, &QUdpSocket::readyRead, this, [this, v4] { readPending(v4); });

    if (m_config.ipv6) {
        m_socketV6 = std::make_unique<QUdpSocket>();
        if (m_socketV6->bind(QHostAddress::AnyIPv6, m_socketV4->localPort(), mode)) {
            m_socketV6->setSocketOption(QAbstractSocket::MulticastTtlOption, 1);
            m_socketV6->setSocketOption(QAbstractSocket::MulticastLoopbackOption, 1);
            QUdpSocket *v6 = m_socketV6.get();
            connect(v6, &QUdpSocket::readyRead, this, [this, v6] { readPending(v6); });
        } else {
            qCInfo(lcLan) << "IPv6 LAN discovery unavailable:" << m_socketV6->errorString();
            m_socketV6.reset();
        }
    }

    m_running = true;
    qCInfo(lcLan).nospace() << "LAN discovery on port " << localPort() << "/udp as "
                            << m_identity.id().shortString();
    refreshInterfaces();
    if (m_config.announce) {
        send(LanAnnouncement::Type::Announce);
        m_announceTimer.start(m_config.announceInterval);
    }
    const auto sweepInterval = std::clamp<qint64>(m_config.expiry.count() / 10, 20, 1000);
    m_sweepTimer.start(std::chrono::milliseconds(sweepInterval));
    return true;
}

void LanDiscovery::stop()
{
    if (!m_running)
        return;
    if (m_config.announce)
        send(LanAnnouncement::Type::Goodbye);
    shutdown();
    const QList<DeviceId> ids = m_table.clear();
    for (const DeviceId &id : ids)
        Q_EMIT peerLeft(id);
}

void LanDiscovery::shutdown()
{
    m_running = false;
    m_announceTimer.stop();
    m_sweepTimer.stop();
    m_replyTimer.stop();
    retire(m_socketV4);
    retire(m_socketV6);
    m_joinedV4.clear();
    m_joinedV6.clear();
}

QList<PeerInfo> LanDiscovery::peers() const
{
    return m_table.peers();
}

PeerInfo LanDiscovery::peer(const DeviceId &id) const
{
    return m_table.peer(id);
}

void LanDiscovery::announceNow()
{
    if (!m_running || !m_config.announce)
        return;
    refreshInterfaces();
    send(LanAnnouncement::Type::Announce);
}

quint64 LanDiscovery::nextSequence()
{
    // The wall clock now (receivers check it is fresh), strictly increasing. A clock stepped back
    // by more than the freshness window starts over from the clock: receivers would otherwise
    // drop everything as too far in the future until the clock caught up.
    const auto now = quint64(std::max<qint64>(QDateTime::currentMSecsSinceEpoch(), 0));
    if (now + quint64(m_config.freshness.count()) < m_lastSequence)
        m_lastSequence = now;
    else
        m_lastSequence = std::max(m_lastSequence + 1, now);
    return m_lastSequence;
}

void LanDiscovery::refreshInterfaces()
{
    const QList<QNetworkInterface> interfaces = selectedInterfaces(m_config.interfaces);
    QStringList present;
    for (const QNetworkInterface &iface : interfaces) {
        present.append(iface.name());
        if (m_socketV4 && !m_joinedV4.contains(iface.name())
            && hasAddress(iface, QAbstractSocket::IPv4Protocol)) {
            if (m_socketV4->joinMulticastGroup(m_config.groupV4, iface))
                m_joinedV4.append(iface.name());
            else
                qCDebug(lcLan) << "cannot join" << m_config.groupV4 << "on" << iface.name() << ":"
                               << m_socketV4->errorString();
        }
        if (m_socketV6 && !m_joinedV6.contains(iface.name())
            && hasAddress(iface, QAbstractSocket::IPv6Protocol)) {
            if (m_socketV6->joinMulticastGroup(m_config.groupV6, iface))
                m_joinedV6.append(iface.name());
            else
                qCDebug(lcLan) << "cannot join" << m_config.groupV6 << "on" << iface.name() << ":"
                               << m_socketV6->errorString();
        }
    }
    // Interfaces that went away lose their membership in the kernel: join again if they return.
    m_joinedV4.removeIf([&present](const QString &name) { return !present.contains(name); });
    m_joinedV6.removeIf([&present](const QString &name) { return !present.contains(name); });
}

void LanDiscovery::send(LanAnnouncement::Type type)
{
    if (!m_socketV4)
        return;
    LanAnnouncement::Fields fields;
    fields.type = type;
    fields.transferPort = m_transferPort;
    fields.sequence = nextSequence();
    fields.certificateDer = m_certificateDer;
    fields.displayName = m_displayName;
    fields.device = m_device;
    m_lastAnnounceMs = nowMs();
    const QByteArray datagram = LanAnnouncementCrypto::encode(fields, m_identity);
    if (datagram.isEmpty()) {
        qCWarning(lcLan) << "cannot sign the LAN announcement";
        return;
    }
    const quint16 port = localPort();
    int sent = 0;
    const auto write = [&sent](QUdpSocket &socket, const QHostAddress &to, quint16 toPort,
                           const QByteArray &data) {
        if (socket.writeDatagram(data, to, toPort) == data.size())
            ++sent;
        else
            qCDebug(lcLan) << "cannot send to" << to << ":" << socket.errorString();
    };
    const QList<QNetworkInterface> interfaces = selectedInterfaces(m_config.interfaces);
    for (const QNetworkInterface &iface : interfaces) {
        if (m_joinedV4.contains(iface.name())) {
            m_socketV4->setMulticastInterface(iface);
            write(*m_socketV4, m_config.groupV4, port, datagram);
        }
        if (m_config.broadcastFallback) {
            const QList<QNetworkAddressEntry> entries = iface.addressEntries();
            for (const QNetworkAddressEntry &entry : entries) {
                if (entry.ip().protocol() == QAbstractSocket::IPv4Protocol
                    && !entry.broadcast().isNull())
                    write(*m_socketV4, entry.broadcast(), port, datagram);
            }
        }
        if (m_socketV6 && m_joinedV6.contains(iface.name())) {
            m_socketV6->setMulticastInterface(iface);
            QHostAddress group = m_config.groupV6;
            group.setScopeId(iface.name());
            write(*m_socketV6, group, port, datagram);
        }
    }
    qCDebug(lcLan).nospace() << (type == LanAnnouncement::Type::Goodbye ? "goodbye" : "announce")
                             << " seq " << fields.sequence << ", " << datagram.size() << " bytes, "
                             << sent << " destinations";
}

void LanDiscovery::readPending(QUdpSocket *socket)
{
    while (m_running && socket->hasPendingDatagrams()) {
        // One byte more than allowed, so an oversized datagram is recognised (and dropped).
        const QNetworkDatagram datagram
            = socket->receiveDatagram(LanAnnouncement::kMaxDatagramSize + 1);
        if (!datagram.isValid())
            break;
        ++m_table.counters().received;
        handleDatagram(datagram.data(), datagram.senderAddress());
    }
}

void LanDiscovery::handleDatagram(const QByteArray &datagram, const QHostAddress &source)
{
    const std::optional<LanPeerTable::Change> change
        = m_table.receive(datagram, source, nowMs(), QDateTime::currentMSecsSinceEpoch());
    if (!change)
        return;
    if (change->kind == LanPeerTable::Change::Kind::Appeared) {
        qCInfo(lcLan) << "found" << change->info.id.shortString() << change->info.name << "at"
                      << source;
        // Answer a newcomer at once instead of at our next tick: it sees us within a round trip.
        // Bounded to a few per interval, so a crowd of newcomers cannot turn this into a storm.
        if (m_config.announce && !m_replyTimer.isActive()) {
            const qint64 wait = m_lastAnnounceMs + m_config.announceInterval.count() / 5 - nowMs();
            if (wait <= 0)
                announceNow();
            else
                m_replyTimer.start(std::chrono::milliseconds(wait));
        }
    }
    report(*change);
}

void LanDiscovery::report(const LanPeerTable::Change &change)
{
    switch (change.kind) {
    case LanPeerTable::Change::Kind::Appeared:
        Q_EMIT peerAppeared(change.info);
        break;
    case LanPeerTable::Change::Kind::Updated:
        Q_EMIT peerUpdated(change.info);
        break;
    case LanPeerTable::Change::Kind::Left:
        qCInfo(lcLan) << "lost" << change.info.id.shortString();
        Q_EMIT peerLeft(change.info.id);
        break;
    }
}

void LanDiscovery::sweep()
{
    const QList<LanPeerTable::Change> changes = m_table.sweep(nowMs());
    // A receiver may call back into this object (even stop() it): report what is still true.
    QPointer<LanDiscovery> self(this);
    for (const LanPeerTable::Change &change : changes) {
        if (!self)
            return;
        if (change.kind == LanPeerTable::Change::Kind::Left
            || !m_table.peer(change.info.id).id.isNull())
            report(change);
    }
}

} // namespace PunchDrop
