// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/landiscovery.h"

#include "core/logging.h"

#include <QDateTime>
#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QUdpSocket>

#include <algorithm>

namespace PunchDrop {

namespace {

//! How long the highest sequence of a device that left is remembered (replay protection).
constexpr qint64 kReplayMemoryMs = 10 * 60 * 1000;
//! Bound on remembered devices (peers plus departed ones).
constexpr int kMaxRememberedDevices = 1024;
//! Bound on the cache of decoded certificates.
constexpr int kMaxCachedCertificates = 256;

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
    , m_rateLimiter(m_config.maxPacketsPerSourcePerSecond)
    , m_verificationLimiter(m_config.maxVerificationsPerSecond, 1)
{
    m_clock.start();
    m_sequenceBase = QDateTime::currentMSecsSinceEpoch();
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
    const QString clean = LanAnnouncement::cleanName(name);
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
    const QList<DeviceId> ids = m_peers.keys();
    m_peers.clear();
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
    QList<PeerInfo> out;
    out.reserve(m_peers.size());
    for (const PeerState &state : m_peers)
        out.append(state.info);
    std::sort(out.begin(), out.end(), [](const PeerInfo &a, const PeerInfo &b) {
        return a.name != b.name ? a.name < b.name : a.id < b.id;
    });
    return out;
}

PeerInfo LanDiscovery::peer(const DeviceId &id) const
{
    const auto it = m_peers.constFind(id);
    return it == m_peers.cend() ? PeerInfo() : it->info;
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
    // Wall clock at construction, advanced by a monotonic clock: a step of the system clock
    // while running cannot make the sequence go back.
    const quint64 now = quint64(m_sequenceBase + m_clock.elapsed());
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
        ++m_counters.received;
        handleDatagram(datagram.data(), datagram.senderAddress());
    }
}

void LanDiscovery::handleDatagram(const QByteArray &datagram, const QHostAddress &source)
{
    const qint64 now = nowMs();
    if (!m_rateLimiter.allow(source, now)) {
        ++m_counters.rateLimited;
        return;
    }
    const LanAnnouncement::ParseResult parsed = LanAnnouncement::parse(datagram);
    if (parsed.status != LanAnnouncement::Status::Ok) {
        ++m_counters.malformed;
        qCDebug(lcLan) << "malformed datagram from" << source << ":" << parsed.error;
        return;
    }
    const LanAnnouncement::Fields &fields = parsed.fields;
    if (fields.certificateDer == m_certificateDer) {
        ++m_counters.selfIgnored;
        return;
    }

    // Decoding a certificate costs more than checking a signature: decode each one once.
    auto cached = m_certificates.constFind(fields.certificateDer);
    if (cached == m_certificates.cend()) {
        // Decoding draws on the same global budget as signature checks (see below).
        if (!m_verificationLimiter.allow(QHostAddress(), now)) {
            ++m_counters.rateLimited;
            return;
        }
        const LanAnnouncementCrypto::PublicKey key
            = LanAnnouncementCrypto::decodeCertificate(fields.certificateDer);
        if (key.isNull()) {
            ++m_counters.malformed;
            qCDebug(lcLan) << "unreadable certificate from" << source;
            return;
        }
        if (m_certificates.size() >= kMaxCachedCertificates)
            m_certificates.clear();
        cached = m_certificates.insert(fields.certificateDer, key);
    }
    const LanAnnouncementCrypto::PublicKey key = cached.value();
    const DeviceId id = key.id;
    if (id == m_identity.id()) {
        ++m_counters.selfIgnored;
        return;
    }

    const auto seen = m_seen.constFind(id);
    if (seen != m_seen.cend()) {
        if (fields.sequence == seen->sequence && datagram == seen->lastDatagram) {
            // Already verified: the same announcement by another path (multicast and broadcast,
            // IPv4 and IPv6, two interfaces). Only the path is new.
            ++m_counters.duplicates;
            if (fields.type == LanAnnouncement::Type::Announce && m_peers.contains(id))
                applyAnnouncement(id, fields, source, now);
            return;
        }
        if (fields.sequence <= seen->sequence) {
            ++m_counters.stale;
            qCDebug(lcLan) << "stale or replayed announcement of" << id.shortString() << "from"
                           << source;
            return;
        }
    }

    // A global budget on top of the per-source one: a flood from many (spoofed) addresses cannot
    // take more than a bounded share of a core for cryptography.
    if (!m_verificationLimiter.allow(QHostAddress(), now)) {
        ++m_counters.rateLimited;
        return;
    }
    const LanAnnouncementCrypto::Verified verified = LanAnnouncementCrypto::verify(parsed, key);
    if (verified.verdict != LanAnnouncement::Verdict::Ok) {
        ++m_counters.badSignature;
        qCDebug(lcLan) << "forged announcement for" << id.shortString() << "from" << source << ":"
                       << verified.error;
        return;
    }
    ++m_counters.accepted;

    if (!m_seen.contains(id) && m_seen.size() >= kMaxRememberedDevices) {
        // Forget the departed device heard from longest ago.
        auto oldest = m_seen.end();
        for (auto it = m_seen.begin(); it != m_seen.end(); ++it) {
            if (!m_peers.contains(it.key())
                && (oldest == m_seen.end() || it->lastMs < oldest->lastMs))
                oldest = it;
        }
        if (oldest != m_seen.end())
            m_seen.erase(oldest);
    }
    m_seen.insert(id, SeenState {fields.sequence, datagram, now});

    if (fields.type == LanAnnouncement::Type::Goodbye) {
        qCDebug(lcLan) << "goodbye from" << id.shortString() << fields.displayName;
        removePeer(id);
    } else {
        applyAnnouncement(id, fields, source, now);
    }
}

void LanDiscovery::applyAnnouncement(const DeviceId &id, const LanAnnouncement::Fields &fields,
    const QHostAddress &source, qint64 now)
{
    auto it = m_peers.find(id);
    const bool isNew = it == m_peers.end();
    if (isNew) {
        PeerState state;
        state.info.id = id;
        state.info.source = PeerInfo::Source::Lan;
        state.info.online = true;
        it = m_peers.insert(id, state);
    }
    PeerState &state = it.value();
    const PeerInfo before = state.info;
    state.info.name = fields.displayName;
    state.lastAnnounceMs = now;
    auto path = std::find_if(state.paths.begin(), state.paths.end(),
        [&source](const EndpointSeen &p) { return p.endpoint.address == source; });
    if (path == state.paths.end())
        state.paths.append(EndpointSeen {Endpoint {source, fields.transferPort}, now});
    else
        path->lastMs = now;
    for (EndpointSeen &p : state.paths)
        p.endpoint.port = fields.transferPort;
    rebuildEndpoints(state);

    if (isNew) {
        qCInfo(lcLan) << "found" << id.shortString() << state.info.name << "at" << source;
        // Answer a newcomer at once instead of at our next tick: it sees us within a round trip.
        // Bounded to a few per interval, so a crowd of newcomers cannot turn this into a storm.
        if (m_config.announce && !m_replyTimer.isActive()) {
            const qint64 wait = m_lastAnnounceMs + m_config.announceInterval.count() / 5 - now;
            if (wait <= 0)
                announceNow();
            else
                m_replyTimer.start(std::chrono::milliseconds(wait));
        }
        const PeerInfo info = state.info; // announceNow() leaves m_peers alone, but be explicit
        Q_EMIT peerAppeared(info);
    } else if (before.name != state.info.name || before.endpoints != state.info.endpoints) {
        const PeerInfo info = state.info; // a receiver may stop() us
        Q_EMIT peerUpdated(info);
    }
}

void LanDiscovery::rebuildEndpoints(PeerState &state)
{
    QList<Endpoint> endpoints;
    for (const EndpointSeen &p : std::as_const(state.paths))
        endpoints.append(p.endpoint);
    std::stable_sort(endpoints.begin(), endpoints.end(), [](const Endpoint &a, const Endpoint &b) {
        return a.address.protocol() == QAbstractSocket::IPv4Protocol
            && b.address.protocol() != QAbstractSocket::IPv4Protocol;
    });
    state.info.endpoints = endpoints;
}

void LanDiscovery::removePeer(const DeviceId &id)
{
    if (m_peers.remove(id)) {
        qCInfo(lcLan) << "lost" << id.shortString();
        Q_EMIT peerLeft(id);
    }
}

void LanDiscovery::sweep()
{
    const qint64 now = nowMs();
    const qint64 expiry = m_config.expiry.count();
    QList<DeviceId> gone;
    QList<PeerInfo> updated;
    for (auto it = m_peers.begin(); it != m_peers.end(); ++it) {
        PeerState &state = it.value();
        if (now - state.lastAnnounceMs > expiry) {
            gone.append(it.key());
            continue;
        }
        const qsizetype before = state.paths.size();
        state.paths.removeIf(
            [now, expiry](const EndpointSeen &p) { return now - p.lastMs > expiry; });
        if (state.paths.size() != before) {
            rebuildEndpoints(state);
            updated.append(state.info);
        }
    }
    m_seen.removeIf([this, now](const QHash<DeviceId, SeenState>::iterator &it) {
        return now - it->lastMs > kReplayMemoryMs && !m_peers.contains(it.key());
    });
    // Signals last: a receiver may call back into this object.
    for (const DeviceId &id : std::as_const(gone))
        removePeer(id);
    for (const PeerInfo &info : std::as_const(updated)) {
        if (m_peers.contains(info.id))
            Q_EMIT peerUpdated(info);
    }
}

} // namespace PunchDrop
