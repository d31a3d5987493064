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
//  - what may change the listed devices is judged from what the harness knows (the devices'
//    keys, the clocks, what the table accepted when), never from the table's state: a datagram
//    not signed by a genuine other device (raw bytes, a flipped bit), one outside the freshness
//    window, or a copy of an accepted one later than the copy window while the table must still
//    remember that device's sequence, changes nothing (L3: a late copy never makes the
//    replayer's address an endpoint). A genuine datagram the table never took (it was early,
//    rate-limited or lost) may be taken from anybody while it is fresh: a receiver cannot tell
//    its late delivery from a replay (docs/protocol/lan.md, "What the signature does not
//    protect"). Raw bytes are judged the same way: libFuzzer's memcmp hooks can hand it a
//    genuine datagram or the fake keyed hash, which a real ECDSA signature would not allow.

#include "net/client/lanpeertable.h"

#include <QCryptographicHash>
#include <QHash>
#include <QtEndian>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>

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

class Reader
{
public:
    Reader(const uint8_t *data, size_t size)
        : m_data(data)
        , m_size(size)
    { }
    bool atEnd() const { return m_at >= m_size; }
    quint8 byte() { return m_at < m_size ? m_data[m_at++] : 0; }
    quint16 word()
    {
        // Two statements: the operands of | are unsequenced, so byte() << 8 | byte() may read
        // the two bytes in either order depending on the compiler.
        const quint16 high = byte();
        return quint16(high << 8 | byte());
    }
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

//! The device whose certificate \a der is, or -1.
int deviceOf(QByteArrayView der)
{
    for (int d = 0; d < kDevices; ++d) {
        if (der == certificateOf(d))
            return d;
    }
    return -1;
}

const std::array<DeviceId, kDevices> &deviceIds()
{
    static const std::array<DeviceId, kDevices> ids {DeviceId::fromPublicKeyDer(certificateOf(0)),
        DeviceId::fromPublicKeyDer(certificateOf(1)), DeviceId::fromPublicKeyDer(certificateOf(2))};
    return ids;
}

//! What the harness knows besides the table: the clocks and when the table accepted which bytes.
struct World
{
    LanDiscoveryConfig config; //!< the protocol's defaults: 5 s expiry, 2 min freshness, …
    qint64 now = 0;
    qint64 wall = kWallStart;
    QHash<QByteArray, qint64> acceptedAt; //!< datagram → monotonic time it was last accepted
    QList<QByteArray> sent; //!< the genuine datagrams sent so far, for replays and bit flips
    QList<PeerInfo> listing; //!< table.peers() after the last datagram or sweep

    bool isFresh(quint64 sequence) const
    {
        return sequence <= quint64(std::numeric_limits<qint64>::max())
            && qAbs(qint64(sequence) - wall) <= config.freshness.count();
    }

    //! Whether the table may change its listing on \a datagram (see the top of the file).
    bool mayChange(const QByteArray &datagram) const
    {
        const auto parsed = LanAnnouncement::parse(datagram);
        if (parsed.status != LanAnnouncement::Status::Ok)
            return false;
        const int device = deviceOf(parsed.fields.certificateDer);
        if (device <= 0 || parsed.signature != signatureOf(device, parsed.signedBytes))
            return false; // ourselves, a stranger, or forged
        if (!isFresh(parsed.fields.sequence))
            return false;
        const auto accepted = acceptedAt.constFind(datagram);
        if (accepted == acceptedAt.cend())
            return true;
        // A copy of an accepted datagram: another path within the copy window; later it adds
        // nothing while the table must remember the device (forgetting it after
        // kReplayMemoryMs, and then taking a fresh datagram again, is the design).
        const qint64 elapsed = now - *accepted;
        return elapsed < config.copyWindow.count() || elapsed > LanPeerTable::kReplayMemoryMs;
    }
};

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

void checkInvariants(const LanPeerTable &table, const QList<PeerInfo> &peers)
{
    if (peers.size() > LanPeerTable::kMaxRememberedDevices
        || table.rememberedDevices() > LanPeerTable::kMaxRememberedDevices)
        std::abort();
    for (const PeerInfo &p : peers) {
        bool genuineDevice = false;
        for (int d = 1; d < kDevices; ++d)
            genuineDevice = genuineDevice || p.id == deviceIds()[d];
        if (!genuineDevice || p.endpoints.isEmpty()
            || p.endpoints.size() > LanPeerTable::kMaxPathsPerDevice)
            std::abort();
    }
}

//! One operation of the script; after a datagram or a sweep, the checks (a clock that moved
//! changes nothing by itself).
void step(Reader &in, LanPeerTable &table, World &world)
{
    const quint8 op = in.byte() % 7;
    QByteArray datagram;
    bool mustNotChange = false;
    if (op == 0) {
        datagram = in.bytes(in.word() % 1400);
        mustNotChange = !world.mayChange(datagram);
    } else if (op == 1) {
        const int device = in.byte() % kDevices;
        datagram = genuine(in, device, world.wall);
        world.sent.append(datagram);
        mustNotChange = !world.mayChange(datagram);
    } else if ((op == 2 || op == 6) && !world.sent.isEmpty()) {
        datagram = world.sent.at(in.byte() % world.sent.size());
        if (op == 6 && !datagram.isEmpty()) {
            // One flipped bit: never signed by anybody, so it changes nothing.
            const quint16 bit = quint16(in.word() % (datagram.size() * 8));
            datagram[bit / 8] = char(datagram[bit / 8] ^ (1 << (bit % 8)));
            mustNotChange = true;
        } else {
            mustNotChange = !world.mayChange(datagram);
        }
    } else if (op == 3) {
        const qint64 step = in.word();
        world.now += step;
        world.wall += step;
        return;
    } else if (op == 4) {
        world.wall += qint64(qint16(in.word())) * 1000;
        return;
    } else if (op == 5) {
        (void)table.sweep(world.now);
        world.listing = table.peers();
        checkInvariants(table, world.listing);
        return;
    } else {
        return; // a replay or a flip before anything was sent
    }
    const quint64 acceptedBefore = table.counters().accepted;
    const auto change = table.receive(datagram, sourceFrom(in.byte()), world.now, world.wall);
    if (table.counters().accepted > acceptedBefore)
        world.acceptedAt.insert(datagram, world.now);
    const QList<PeerInfo> after = table.peers();
    if (mustNotChange && (change || !sameListing(after, world.listing)))
        std::abort();
    checkInvariants(table, after);
    world.listing = after;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const LanPeerTable::Crypto crypto = fakeCrypto();
    World world;
    LanPeerTable table(deviceIds()[0], certificateOf(0), world.config, crypto);
    Reader in(data, size);
    for (int n = 0; n < 256 && !in.atEnd(); ++n)
        step(in, table, world);
    return 0;
}
