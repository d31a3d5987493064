// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/ratelimiter.h"
#include "net/client/landiscoveryconfig.h"
#include "net/security/lanannouncementcrypto.h"
#include "net/wire/peerinfo.h"

#include <QHash>
#include <QHostAddress>
#include <QList>

#include <functional>
#include <optional>

namespace PunchDrop {

/*!
 * The receiving half of LAN discovery as a pure state machine: datagrams and times in, changes to
 * the list of devices out. No sockets, no timers, no signals (LanDiscovery does the I/O and emits
 * the changes), so the whole receive path — rate limits, parse, certificate, sequence and
 * freshness, signature, per-device state — is unit-testable and fuzzed
 * (tests/fuzz/fuzz_lanpeertable.cpp). docs/protocol/lan.md, "Receiving", has the order of checks.
 */
class LanPeerTable
{
public:
    struct Counters
    {
        quint64 received = 0; //!< datagrams read from the sockets (counted by LanDiscovery)
        quint64 accepted = 0; //!< verified, new announcements and goodbyes
        quint64 malformed = 0; //!< failed to parse, or an unreadable certificate
        quint64 badSignature = 0; //!< signature does not verify with the embedded certificate
        quint64 rateLimited = 0; //!< dropped by the per-source rate limit
        quint64 selfIgnored = 0; //!< our own announcements, looped back
        quint64 stale = 0; //!< sequence not newer than the last accepted (replays)
        quint64 duplicates = 0; //!< the last accepted datagram again, by another path
        quint64 notFresh = 0; //!< timestamp outside the freshness window (old recordings)
    };

    struct Change
    {
        enum class Kind { Appeared, Updated, Left };
        Kind kind = Kind::Updated;
        PeerInfo info; //!< Left: only the id is set
    };

    //! Bounds of the remembered state (every one is a cap on memory a neighbour can make us use).
    static constexpr qint64 kReplayMemoryMs = 10 * 60 * 1000; //!< departed devices' sequences
    static constexpr int kMaxRememberedDevices = 1024;
    static constexpr int kMaxCachedCertificates = 256;
    static constexpr int kMaxPathsPerDevice = 16;

    //! The certificate decoding and signature check; LanAnnouncementCrypto's unless replaced
    //! (the fuzzer uses a cheap keyed hash so that it explores the states, not ECDSA).
    struct Crypto
    {
        std::function<LanAnnouncementCrypto::PublicKey(QByteArrayView der)> decodeCertificate;
        std::function<LanAnnouncement::Verdict(
            const LanAnnouncement::ParseResult &, const LanAnnouncementCrypto::PublicKey &)>
            verify;
    };

    LanPeerTable(const DeviceId &self, const QByteArray &selfCertificateDer,
        const LanDiscoveryConfig &config, Crypto crypto = {});

    /*!
     * One datagram from \a source; \a nowMs is a monotonic clock, \a wallMs the wall clock (ms
     * since the Unix epoch) the announcement's timestamp is checked against. At most one change.
     */
    std::optional<Change> receive(
        const QByteArray &datagram, const QHostAddress &source, qint64 nowMs, qint64 wallMs);
    //! Drops devices and paths not heard within the expiry, and old replay memory.
    QList<Change> sweep(qint64 nowMs);
    //! Forgets every listed device (stop()); the replay memory is kept. Their ids.
    QList<DeviceId> clear();

    QList<PeerInfo> peers() const; //!< sorted by name, then id
    PeerInfo peer(const DeviceId &id) const; //!< a null id when not listed
    Counters &counters() { return m_counters; }
    const Counters &counters() const { return m_counters; }
    //! Devices whose last sequence is remembered (listed or departed); ≤ kMaxRememberedDevices.
    qsizetype rememberedDevices() const { return m_seen.size(); }

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
        qint64 lastMs = 0; //!< when it was accepted (a copy counts only within copyWindow)
    };

    //! The decoded key of \a certificateDer, from the cache or decoded now (budgeted).
    std::optional<LanAnnouncementCrypto::PublicKey> keyFor(
        const QByteArray &certificateDer, qint64 nowMs);
    bool isFresh(quint64 sequence, qint64 wallMs) const;
    void remember(const DeviceId &id, quint64 sequence, const QByteArray &datagram, qint64 nowMs);
    std::optional<Change> apply(const DeviceId &id, const LanAnnouncement::Fields &fields,
        const QHostAddress &source, qint64 nowMs);
    static void rebuildEndpoints(PeerState &state);

    DeviceId m_self;
    QByteArray m_selfCertificateDer;
    LanDiscoveryConfig m_config;
    Crypto m_crypto;
    RateLimiter m_rateLimiter;
    RateLimiter m_verificationLimiter; //!< one bucket for everybody
    QHash<DeviceId, PeerState> m_peers;
    QHash<DeviceId, SeenState> m_seen;
    QHash<QByteArray, LanAnnouncementCrypto::PublicKey> m_certificates;
    Counters m_counters;
};

} // namespace PunchDrop
