// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/lanpeertable.h"

#include "core/logging.h"

#include <algorithm>
#include <limits>

namespace PunchDrop {

LanPeerTable::LanPeerTable(const DeviceId &self, const QByteArray &selfCertificateDer,
    const LanDiscoveryConfig &config, Crypto crypto)
    : m_self(self)
    , m_selfCertificateDer(selfCertificateDer)
    , m_config(config)
    , m_crypto(std::move(crypto))
    , m_rateLimiter(config.maxPacketsPerSourcePerSecond)
    , m_verificationLimiter(config.maxVerificationsPerSecond, 1)
{
    if (!m_crypto.decodeCertificate)
        m_crypto.decodeCertificate
            = [](QByteArrayView der) { return LanAnnouncementCrypto::decodeCertificate(der); };
    if (!m_crypto.verify)
        m_crypto.verify = [](const LanAnnouncement::ParseResult &parsed,
                              const LanAnnouncementCrypto::PublicKey &key) {
            return LanAnnouncementCrypto::verify(parsed, key).verdict;
        };
}

std::optional<LanAnnouncementCrypto::PublicKey> LanPeerTable::keyFor(
    const QByteArray &certificateDer, qint64 nowMs)
{
    // Decoding a certificate costs more than checking a signature: decode each one once.
    const auto cached = m_certificates.constFind(certificateDer);
    if (cached != m_certificates.cend())
        return cached.value();
    // Decoding draws on the same global budget as signature checks.
    if (!m_verificationLimiter.allow(QHostAddress(), nowMs)) {
        ++m_counters.rateLimited;
        return std::nullopt;
    }
    const LanAnnouncementCrypto::PublicKey key = m_crypto.decodeCertificate(certificateDer);
    if (key.isNull()) {
        ++m_counters.malformed;
        return std::nullopt;
    }
    if (m_certificates.size() >= kMaxCachedCertificates)
        m_certificates.clear();
    m_certificates.insert(certificateDer, key);
    return key;
}

bool LanPeerTable::isFresh(quint64 sequence, qint64 wallMs) const
{
    // The sequence is the sender's wall clock when it sent (version 2); a recording replayed
    // later than the window, or a sender whose clock is that far off, is not taken.
    const qint64 window = m_config.freshness.count();
    return sequence <= quint64(std::numeric_limits<qint64>::max())
        && qAbs(qint64(sequence) - wallMs) <= window;
}

std::optional<LanPeerTable::Change> LanPeerTable::receive(
    const QByteArray &datagram, const QHostAddress &source, qint64 nowMs, qint64 wallMs)
{
    if (!m_rateLimiter.allow(source, nowMs)) {
        ++m_counters.rateLimited;
        return std::nullopt;
    }
    const LanAnnouncement::ParseResult parsed = LanAnnouncement::parse(datagram);
    if (parsed.status != LanAnnouncement::Status::Ok) {
        ++m_counters.malformed;
        qCDebug(lcLan) << "malformed datagram from" << source << ":" << parsed.error;
        return std::nullopt;
    }
    const LanAnnouncement::Fields &fields = parsed.fields;
    if (fields.certificateDer == m_selfCertificateDer) {
        ++m_counters.selfIgnored;
        return std::nullopt;
    }
    const std::optional<LanAnnouncementCrypto::PublicKey> key
        = keyFor(fields.certificateDer, nowMs);
    if (!key)
        return std::nullopt;
    const DeviceId id = key->id;
    if (id == m_self) {
        ++m_counters.selfIgnored;
        return std::nullopt;
    }
    if (!isFresh(fields.sequence, wallMs)) {
        ++m_counters.notFresh;
        qCDebug(lcLan) << "announcement of" << id.shortString() << "from" << source << "is"
                       << (qint64(fields.sequence) - wallMs) << "ms off our clock: dropped";
        return std::nullopt;
    }
    const auto seen = m_seen.constFind(id);
    if (seen != m_seen.cend()) {
        if (fields.sequence == seen->sequence && datagram == seen->lastDatagram) {
            // Already verified: the same announcement by another path (multicast and broadcast,
            // IPv4 and IPv6, two interfaces), which arrives within milliseconds. Later, it is
            // somebody replaying it from elsewhere: its source is not taken as an endpoint.
            ++m_counters.duplicates;
            if (fields.type == LanAnnouncement::Type::Announce && m_peers.contains(id)
                && nowMs - seen->lastMs < m_config.copyWindow.count())
                return apply(id, fields, source, nowMs);
            return std::nullopt;
        }
        if (fields.sequence <= seen->sequence) {
            ++m_counters.stale;
            qCDebug(lcLan) << "stale or replayed announcement of" << id.shortString() << "from"
                           << source;
            return std::nullopt;
        }
    }
    // A global budget on top of the per-source one: a flood from many (spoofed) addresses cannot
    // take more than a bounded share of a core for cryptography.
    if (!m_verificationLimiter.allow(QHostAddress(), nowMs)) {
        ++m_counters.rateLimited;
        return std::nullopt;
    }
    if (m_crypto.verify(parsed, *key) != LanAnnouncement::Verdict::Ok) {
        ++m_counters.badSignature;
        qCDebug(lcLan) << "forged announcement for" << id.shortString() << "from" << source;
        return std::nullopt;
    }
    ++m_counters.accepted;
    remember(id, fields.sequence, datagram, nowMs);
    if (fields.type == LanAnnouncement::Type::Goodbye) {
        if (!m_peers.remove(id))
            return std::nullopt;
        Change left;
        left.kind = Change::Kind::Left;
        left.info.id = id;
        return left;
    }
    return apply(id, fields, source, nowMs);
}

void LanPeerTable::remember(
    const DeviceId &id, quint64 sequence, const QByteArray &datagram, qint64 nowMs)
{
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
    m_seen.insert(id, SeenState {sequence, datagram, nowMs});
}

std::optional<LanPeerTable::Change> LanPeerTable::apply(const DeviceId &id,
    const LanAnnouncement::Fields &fields, const QHostAddress &source, qint64 nowMs)
{
    auto it = m_peers.find(id);
    const bool isNew = it == m_peers.end();
    if (isNew) {
        if (m_peers.size() >= kMaxRememberedDevices)
            return std::nullopt; // a full table: the expiry makes room
        PeerState state;
        state.info.id = id;
        state.info.source = PeerInfo::Source::Lan;
        state.info.online = true;
        it = m_peers.insert(id, state);
    }
    PeerState &state = it.value();
    const PeerInfo before = state.info;
    state.info.name = fields.displayName;
    state.info.kind = fields.device.kind;
    state.info.os = fields.device.os;
    state.lastAnnounceMs = nowMs;
    auto path = std::find_if(state.paths.begin(), state.paths.end(),
        [&source](const EndpointSeen &p) { return p.endpoint.address == source; });
    if (path != state.paths.end())
        path->lastMs = nowMs;
    else if (state.paths.size() < kMaxPathsPerDevice)
        state.paths.append(EndpointSeen {Endpoint {source, fields.transferPort}, nowMs});
    for (EndpointSeen &p : state.paths)
        p.endpoint.port = fields.transferPort;
    rebuildEndpoints(state);
    if (isNew)
        return Change {Change::Kind::Appeared, state.info};
    if (before.name != state.info.name || before.endpoints != state.info.endpoints
        || before.kind != state.info.kind || before.os != state.info.os)
        return Change {Change::Kind::Updated, state.info};
    return std::nullopt;
}

void LanPeerTable::rebuildEndpoints(PeerState &state)
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

QList<LanPeerTable::Change> LanPeerTable::sweep(qint64 nowMs)
{
    const qint64 expiry = m_config.expiry.count();
    QList<Change> changes;
    for (auto it = m_peers.begin(); it != m_peers.end();) {
        PeerState &state = it.value();
        if (nowMs - state.lastAnnounceMs > expiry) {
            Change left;
            left.kind = Change::Kind::Left;
            left.info.id = it.key();
            changes.append(left);
            it = m_peers.erase(it);
            continue;
        }
        const qsizetype before = state.paths.size();
        state.paths.removeIf(
            [nowMs, expiry](const EndpointSeen &p) { return nowMs - p.lastMs > expiry; });
        if (state.paths.size() != before) {
            rebuildEndpoints(state);
            changes.append(Change {Change::Kind::Updated, state.info});
        }
        ++it;
    }
    m_seen.removeIf([this, nowMs](const QHash<DeviceId, SeenState>::iterator &it) {
        return nowMs - it->lastMs > kReplayMemoryMs && !m_peers.contains(it.key());
    });
    return changes;
}

QList<DeviceId> LanPeerTable::clear()
{
    const QList<DeviceId> ids = m_peers.keys();
    m_peers.clear();
    return ids;
}

QList<PeerInfo> LanPeerTable::peers() const
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

PeerInfo LanPeerTable::peer(const DeviceId &id) const
{
    const auto it = m_peers.constFind(id);
    return it == m_peers.cend() ? PeerInfo() : it->info;
}

} // namespace PunchDrop
