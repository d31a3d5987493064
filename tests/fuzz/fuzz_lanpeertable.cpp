// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the receive path of LAN discovery (src/net/client/lanpeertable.cpp): rate
// limits, parse, certificate cache, freshness, sequence and replay memory, the per-device state
// and its expiry, driven by a script of operations taken from the input:
//   0 raw datagram (any bytes) from a source       1 a genuine announce/goodbye by device k
//   2 replay of an earlier datagram from a source   3 the clock moves on (monotonic and wall)
//   4 the wall clock alone jumps                   5 sweep (expiry)
//   6 an earlier datagram with one bit flipped
// Signatures use a cheap keyed hash instead of ECDSA (LanPeerTable::Crypto), so the fuzzer
// explores states rather than elliptic curves; the ECDSA path is tst_lanannouncement's and
// tst_landiscovery's. Properties checked after every operation:
//  - only the genuine devices are ever listed, never our own; every bound holds (devices,
//    remembered devices, paths per device);
//  - a datagram outside the freshness window, a replay later than the copy window, a flipped
//    bit, or raw bytes change nothing about the listed devices (L3: a replayed announcement
//    never makes the replayer's address an endpoint).

#include "net/client/lanpeertable.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <array>
#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

namespace {

constexpr int kDevices = 3; // device 0 is ourselves
constexpr qint64 kWallStart = 1'700'000'000'000; // ms since the epoch

QByteArray certificateOf(int device)
{
    return QByteArray("CERT-") + char('0' + device);
}

QByteArray signatureOf(int device, QByteArrayView signedBytes)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArray(QByteArray("secret of device ") + char('0' + device)));
    hash.addData(signedBytes);
    return hash.result().left(16);
}

//! Our fake key: the device number behind a pointer that nobody dereferences.
std::array<int, kDevices> g_deviceNumbers {0, 1, 2};

LanPeerTable::Crypto fakeCrypto()
{
    LanPeerTable::Crypto crypto;
    crypto.decodeCertificate = [](QByteArrayView der) {
        LanAnnouncementCrypto::PublicKey key;
        for (int d = 0; d < kDevices; ++d) {
            if (der == certificateOf(d)) {
                // Aliasing constructor, empty owner: a non-null handle that owns nothing.
                key.key = std::shared_ptr<evp_pkey_st>(std::shared_ptr<evp_pkey_st>(),
                    reinterpret_cast<evp_pkey_st *>(&g_deviceNumbers[d]));
                key.id = DeviceId::fromPublicKeyDer(der.toByteArray());
            }
        }
        return key;
    };
    crypto.verify = [](const LanAnnouncement::ParseResult &parsed,
                        const LanAnnouncementCrypto::PublicKey &key) {
        const int device = *reinterpret_cast<const int *>(key.key.get());
        return parsed.signature == signatureOf(device, parsed.signedBytes)
            ? LanAnnouncement::Verdict::Ok
            : LanAnnouncement::Verdict::BadSignature;
    };
    return crypto;
}

struct Sent
{
    QByteArray datagram;
    qint64 acceptedAtMs = -1; //!< monotonic time it was accepted (-1: not accepted)
};

class Reader
{
public:
    Reader(const uint8_t *data, size_t size)
        : m_data(data)
        , m_size(size)
    { }
    bool atEnd() const { return m_at >= m_size; }
    quint8 byte() { return m_at < m_size ? m_data[m_at++] : 0; }
    quint16 word() { return quint16(byte() << 8 | byte()); }
    QByteArray bytes(size_t n)
    {
        n = std::min(n, m_size - std::min(m_at, m_size));
        QByteArray out(reinterpret_cast<const char *>(m_data + m_at), qsizetype(n));
        m_at += n;
        return out;
    }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_at = 0;
};

QHostAddress sourceFrom(quint8 b)
{
    return QHostAddress(quint32(0x0a000000u | (b % 8)));
}

QByteArray genuine(Reader &in, int device, qint64 wall)
{
    LanAnnouncement::Fields f;
    f.type = in.byte() % 4 == 0 ? LanAnnouncement::Type::Goodbye : LanAnnouncement::Type::Announce;
    f.transferPort = in.word();
    // Around our wall clock, fresh or not: −256 s … +256 s in 8 ms steps.
    f.sequence = quint64(wall + (qint64(qint16(in.word())) * 8));
    f.certificateDer = certificateOf(device);
    f.displayName = QString::fromLatin1(in.bytes(in.byte() % 6)).toLower();
    const QByteArray body = LanAnnouncement::encodeUnsigned(f);
    return body.isEmpty() ? QByteArray()
                          : LanAnnouncement::assemble(body, signatureOf(device, body));
}

bool sameListing(const QList<PeerInfo> &a, const QList<PeerInfo> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].id != b[i].id || a[i].name != b[i].name || a[i].endpoints != b[i].endpoints)
            return false;
    }
    return true;
}

void checkInvariants(const LanPeerTable &table)
{
    const QList<PeerInfo> peers = table.peers();
    if (peers.size() > LanPeerTable::kMaxRememberedDevices
        || table.rememberedDevices() > LanPeerTable::kMaxRememberedDevices)
        std::abort();
    for (const PeerInfo &p : peers) {
        bool genuineDevice = false;
        for (int d = 1; d < kDevices; ++d)
            genuineDevice = genuineDevice || p.id == DeviceId::fromPublicKeyDer(certificateOf(d));
        if (!genuineDevice || p.endpoints.isEmpty()
            || p.endpoints.size() > LanPeerTable::kMaxPathsPerDevice)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const LanPeerTable::Crypto crypto = fakeCrypto();
    LanDiscoveryConfig config; // the protocol's defaults: 5 s expiry, 2 min freshness, …
    LanPeerTable table(
        DeviceId::fromPublicKeyDer(certificateOf(0)), certificateOf(0), config, crypto);
    Reader in(data, size);
    qint64 now = 0;
    qint64 wall = kWallStart;
    QList<Sent> sent;
    for (int step = 0; step < 256 && !in.atEnd(); ++step) {
        const QList<PeerInfo> before = table.peers();
        const quint8 op = in.byte() % 7;
        bool mustNotChange = false;
        std::optional<LanPeerTable::Change> change;
        if (op == 0) {
            const QByteArray raw = in.bytes(in.word() % 1400);
            change = table.receive(raw, sourceFrom(in.byte()), now, wall);
            mustNotChange = true; // no valid keyed hash can come out of the fuzzer
        } else if (op == 1) {
            const int device = in.byte() % kDevices;
            const QByteArray datagram = genuine(in, device, wall);
            const auto parsed = LanAnnouncement::parse(datagram);
            const bool fresh = parsed.status == LanAnnouncement::Status::Ok
                && qAbs(qint64(parsed.fields.sequence) - wall) <= config.freshness.count();
            const quint64 acceptedBefore = table.counters().accepted;
            change = table.receive(datagram, sourceFrom(in.byte()), now, wall);
            mustNotChange = !fresh || device == 0;
            sent.append({datagram, table.counters().accepted > acceptedBefore ? now : qint64(-1)});
        } else if ((op == 2 || op == 6) && !sent.isEmpty()) {
            const Sent &old = sent.at(in.byte() % sent.size());
            QByteArray datagram = old.datagram;
            if (op == 6 && !datagram.isEmpty()) {
                const quint16 bit = quint16(in.word() % (datagram.size() * 8));
                datagram[bit / 8] = char(datagram[bit / 8] ^ (1 << (bit % 8)));
                mustNotChange = true;
            } else {
                // A replay: at most a prompt copy of an accepted datagram may add its path.
                mustNotChange
                    = old.acceptedAtMs < 0 || now - old.acceptedAtMs >= config.copyWindow.count();
            }
            change = table.receive(datagram, sourceFrom(in.byte()), now, wall);
        } else if (op == 3) {
            const qint64 step = in.word();
            now += step;
            wall += step;
        } else if (op == 4) {
            wall += qint64(qint16(in.word())) * 1000;
        } else if (op == 5) {
            (void)table.sweep(now);
        }
        if (mustNotChange && (change || !sameListing(table.peers(), before)))
            std::abort();
        checkInvariants(table);
    }
    return 0;
}
