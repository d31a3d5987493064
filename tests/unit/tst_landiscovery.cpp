// SPDX-License-Identifier: GPL-3.0-or-later
// LanDiscovery on the loopback interface: two instances in one process share a private UDP port
// (multicast on "lo" with loopback on), plus hand-made datagrams sent straight to 127.0.0.1.

#include "net/client/landiscovery.h"
#include "net/security/deviceidentity.h"
#include "net/security/lanannouncementcrypto.h"
#include "support/testhelpers.h"
#include "transfer/contactstore.h"
#include "transfer/transferengine.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QNetworkInterface>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <memory>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

DeviceIdentity newIdentity()
{
    QString error;
    auto id = DeviceIdentity::generateEphemeral(&error);
    if (!id)
        qFatal("cannot create an identity: %s", qPrintable(error));
    return *id;
}

//! The loopback interface's name: "lo" on Linux, "lo0" on macOS, "loopback_0" on Windows.
QString loopbackName()
{
    const QList<QNetworkInterface> all = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &iface : all) {
        if (iface.flags().testFlag(QNetworkInterface::IsLoopBack)
            && iface.flags().testFlag(QNetworkInterface::IsUp))
            return iface.name();
    }
    return QStringLiteral("lo");
}

LanDiscoveryConfig loopbackConfig(quint16 port)
{
    LanDiscoveryConfig config;
    config.port = port;
    config.interfaces = {loopbackName()};
    config.broadcastFallback = false; // loopback has no broadcast address; multicast does the work
    config.ipv6 = false; // the IPv6 group cannot be joined on "lo" everywhere
    return config;
}

QByteArray signedDatagram(const DeviceIdentity &identity, LanAnnouncement::Type type,
    quint64 sequence, const QString &name, quint16 transferPort = 9000)
{
    LanAnnouncement::Fields f;
    f.type = type;
    f.sequence = sequence;
    f.displayName = name;
    f.transferPort = transferPort;
    f.certificateDer = identity.certificate().toDer();
    return LanAnnouncementCrypto::encode(f, identity);
}

//! A sequence \a offset ms after this process started: fresh (a sequence is the sender's wall
//! clock), and ordered the way a test needs.
quint64 fresh(qint64 offset)
{
    static const qint64 base = QDateTime::currentMSecsSinceEpoch();
    return quint64(base + offset);
}

} // namespace

class TestLanDiscovery : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void twoInstancesSeeEachOther();
    void goodbyeRemovesAtOnce();
    void expiryRemovesSilentPeer();
    void nameChangeIsAnUpdate();
    void forgedIsIgnored_data();
    void forgedIsIgnored();
    void replayCannotResurrect();
    void staleRecordingIsDropped_data();
    void staleRecordingIsDropped();
    void lateCopyAddsNoEndpoint();
    void promptCopyAddsItsPath();
    void rateLimitPerSource();
    void selfIsIgnored();
    void bindFailureIsAnError();
    void stopFromASignalHandler();
    void contactKeepsTheKindItAnnounced();

private:
    //! Starts \a discovery; on the first call with port 0 the OS picks the shared port.
    bool start(LanDiscovery &discovery);
    //! Sends \a datagram to the first instance's port on 127.0.0.1 from \a socket.
    void sendRaw(QUdpSocket &socket, const QByteArray &datagram);

    std::unique_ptr<DeviceIdentity> m_idA;
    std::unique_ptr<DeviceIdentity> m_idB;
    std::unique_ptr<LanDiscovery> m_a;
    std::unique_ptr<LanDiscovery> m_b;
};

void TestLanDiscovery::init()
{
    m_idA = std::make_unique<DeviceIdentity>(newIdentity());
    m_idB = std::make_unique<DeviceIdentity>(newIdentity());
    m_a = std::make_unique<LanDiscovery>(*m_idA, loopbackConfig(0));
    m_a->setDisplayName(QStringLiteral("alice"));
    m_a->setTransferPort(40001);
    QString error;
    QVERIFY2(m_a->start(&error), qPrintable(error));
    QVERIFY(m_a->localPort() != 0);
}

void TestLanDiscovery::cleanup()
{
    m_b.reset();
    m_a.reset();
}

bool TestLanDiscovery::start(LanDiscovery &discovery)
{
    QString error;
    if (!discovery.start(&error)) {
        qWarning("start failed: %s", qPrintable(error));
        return false;
    }
    return true;
}

void TestLanDiscovery::sendRaw(QUdpSocket &socket, const QByteArray &datagram)
{
    QCOMPARE(socket.writeDatagram(datagram, QHostAddress::LocalHost, m_a->localPort()),
        qint64(datagram.size()));
}

void TestLanDiscovery::twoInstancesSeeEachOther()
{
    QSignalSpy appearedAtA(m_a.get(), &LanDiscovery::peerAppeared);
    QElapsedTimer timer;
    timer.start();
    LanDiscoveryConfig config = loopbackConfig(m_a->localPort());
    m_b = std::make_unique<LanDiscovery>(*m_idB, config);
    QSignalSpy appearedAtB(m_b.get(), &LanDiscovery::peerAppeared);
    m_b->setDisplayName(QStringLiteral("bob"));
    m_b->setTransferPort(40002);
    m_b->setDevice({DeviceKind::Laptop, DeviceOs::Windows});
    QVERIFY(start(*m_b));

    QVERIFY(appearedAtA.count() > 0 || appearedAtA.wait(2000));
    // A announces again within one interval; B sees it then.
    QVERIFY(appearedAtB.count() > 0 || appearedAtB.wait(2000));
    qInfo("both instances saw each other after %lld ms", qlonglong(timer.elapsed()));

    const QList<PeerInfo> atA = m_a->peers();
    QCOMPARE(atA.size(), 1);
    QCOMPARE(atA.first().id, m_idB->id());
    QCOMPARE(atA.first().name, QStringLiteral("bob"));
    QCOMPARE(atA.first().source, PeerInfo::Source::Lan);
    QVERIFY(atA.first().online);
    QCOMPARE(atA.first().endpoints, QList<Endpoint>({Endpoint {QHostAddress::LocalHost, 40002}}));
    // What B says it is travels in the announcement's extensions; A said nothing.
    QCOMPARE(atA.first().kind, DeviceKind::Laptop);
    QCOMPARE(atA.first().os, DeviceOs::Windows);

    const QList<PeerInfo> atB = m_b->peers();
    QCOMPARE(atB.size(), 1);
    QCOMPARE(atB.first().id, m_idA->id());
    QCOMPARE(atB.first().name, QStringLiteral("alice"));
    QCOMPARE(atB.first().endpoints, QList<Endpoint>({Endpoint {QHostAddress::LocalHost, 40001}}));
    QCOMPARE(atB.first().kind, DeviceKind::Unknown);
    QCOMPARE(atB.first().os, DeviceOs::Unknown);

    QCOMPARE(m_a->counters().malformed, 0u);
    QCOMPARE(m_a->counters().badSignature, 0u);
    QVERIFY(m_a->counters().accepted >= 1);
}

void TestLanDiscovery::goodbyeRemovesAtOnce()
{
    m_b = std::make_unique<LanDiscovery>(*m_idB, loopbackConfig(m_a->localPort()));
    QVERIFY(start(*m_b));
    QTRY_COMPARE_WITH_TIMEOUT(m_a->peers().size(), 1, 2000);

    QSignalSpy left(m_a.get(), &LanDiscovery::peerLeft);
    QSignalSpy leftAtB(m_b.get(), &LanDiscovery::peerLeft);
    QElapsedTimer timer;
    timer.start();
    m_b->stop();
    // stop() reports B's own list as gone; A hears the goodbye.
    QVERIFY(left.wait(1000));
    const qint64 ms = timer.elapsed();
    qInfo("goodbye removed the peer after %lld ms", qlonglong(ms));
    // Well under the expiry (5 s) and the announce interval: it was the goodbye, not a timeout.
    QVERIFY(ms < 900);
    QCOMPARE(left.first().first().value<DeviceId>(), m_idB->id());
    QVERIFY(m_a->peers().isEmpty());
    QVERIFY(!m_b->isRunning());
}

void TestLanDiscovery::expiryRemovesSilentPeer()
{
    LanDiscoveryConfig config = loopbackConfig(0);
    config.expiry = 600ms;
    LanDiscovery short_(*m_idA, config);
    QVERIFY(start(short_));
    QSignalSpy appeared(&short_, &LanDiscovery::peerAppeared);
    QSignalSpy left(&short_, &LanDiscovery::peerLeft);

    // One announcement, then silence (a peer that was killed): no goodbye ever comes.
    QUdpSocket raw;
    const QByteArray datagram = signedDatagram(
        *m_idB, LanAnnouncement::Type::Announce, fresh(100), QStringLiteral("silent"));
    QCOMPARE(raw.writeDatagram(datagram, QHostAddress::LocalHost, short_.localPort()),
        qint64(datagram.size()));
    QVERIFY(appeared.wait(1000));
    QElapsedTimer timer;
    timer.start();
    QVERIFY(left.wait(2000));
    const qint64 ms = timer.elapsed();
    qInfo("a silent peer expired after %lld ms (expiry 600 ms)", qlonglong(ms));
    QVERIFY(ms >= 500);
    QVERIFY(short_.peers().isEmpty());
}

void TestLanDiscovery::nameChangeIsAnUpdate()
{
    m_b = std::make_unique<LanDiscovery>(*m_idB, loopbackConfig(m_a->localPort()));
    m_b->setDisplayName(QStringLiteral("bob"));
    QVERIFY(start(*m_b));
    QTRY_COMPARE_WITH_TIMEOUT(m_a->peers().size(), 1, 2000);
    QSignalSpy updated(m_a.get(), &LanDiscovery::peerUpdated);
    m_b->setDisplayName(QStringLiteral("robert"));
    QVERIFY(updated.wait(1000));
    QCOMPARE(updated.last().first().value<PeerInfo>().name, QStringLiteral("robert"));
    QCOMPARE(m_a->peer(m_idB->id()).name, QStringLiteral("robert"));
    m_b->setTransferPort(40123);
    QTRY_COMPARE_WITH_TIMEOUT(m_a->peer(m_idB->id()).endpoints.value(0).port, quint16(40123), 1000);
}

void TestLanDiscovery::forgedIsIgnored_data()
{
    QTest::addColumn<QByteArray>("datagram");
    QTest::addColumn<QString>("counter");

    // Identities are made per test in init(); the rows need fixed ones.
    static const DeviceIdentity victim = newIdentity();
    static const DeviceIdentity mallory = newIdentity();
    const QByteArray genuine = signedDatagram(
        victim, LanAnnouncement::Type::Announce, fresh(500), QStringLiteral("victim"));
    const auto parsed = LanAnnouncement::parse(genuine);

    QByteArray tampered = genuine;
    const qsizetype nameAt = LanAnnouncement::kHeaderSize + victim.certificate().toDer().size() + 1;
    tampered.replace(nameAt, 6, "EVILEE");
    QTest::newRow("tampered name") << tampered << QStringLiteral("badSignature");
    QTest::newRow("victim's certificate, another key")
        << LanAnnouncement::assemble(parsed.signedBytes, mallory.sign(parsed.signedBytes))
        << QStringLiteral("badSignature");
    QTest::newRow("garbage") << QByteArray("\x00\x01garbage", 9) << QStringLiteral("malformed");
    QTest::newRow("truncated") << genuine.left(genuine.size() / 2) << QStringLiteral("malformed");
    QTest::newRow("oversized") << QByteArray(4000, 'P') << QStringLiteral("malformed");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("malformed");
}

void TestLanDiscovery::forgedIsIgnored()
{
    QFETCH(QByteArray, datagram);
    QFETCH(QString, counter);
    const auto count = [this, &counter] {
        const LanDiscovery::Counters c = m_a->counters();
        return counter == QLatin1String("badSignature") ? c.badSignature : c.malformed;
    };
    const quint64 before = count();
    const quint64 receivedBefore = m_a->counters().received;
    QSignalSpy appeared(m_a.get(), &LanDiscovery::peerAppeared);
    QUdpSocket raw;
    sendRaw(raw, datagram);
    QTRY_COMPARE_WITH_TIMEOUT(count(), before + 1, 2000);
    QVERIFY(m_a->counters().received > receivedBefore);
    QCOMPARE(m_a->counters().accepted, 0u);
    QCOMPARE(appeared.count(), 0);
    QVERIFY(m_a->peers().isEmpty());
}

void TestLanDiscovery::replayCannotResurrect()
{
    QSignalSpy appeared(m_a.get(), &LanDiscovery::peerAppeared);
    QSignalSpy left(m_a.get(), &LanDiscovery::peerLeft);
    QUdpSocket raw;
    const QByteArray announce = signedDatagram(
        *m_idB, LanAnnouncement::Type::Announce, fresh(1000), QStringLiteral("bob"));
    sendRaw(raw, announce);
    QVERIFY(appeared.wait(1000));
    sendRaw(raw,
        signedDatagram(*m_idB, LanAnnouncement::Type::Goodbye, fresh(1001), QStringLiteral("bob")));
    QVERIFY(left.wait(1000));

    // The old announcement again: genuine signature, but older than the goodbye.
    const quint64 staleBefore = m_a->counters().stale;
    sendRaw(raw, announce);
    QTRY_COMPARE_WITH_TIMEOUT(m_a->counters().stale, staleBefore + 1, 1000);
    QVERIFY(m_a->peers().isEmpty());
    QCOMPARE(appeared.count(), 1);

    // The device itself comes back with a newer sequence: seen again.
    sendRaw(raw,
        signedDatagram(
            *m_idB, LanAnnouncement::Type::Announce, fresh(1002), QStringLiteral("bob")));
    QVERIFY(appeared.wait(1000));
    QCOMPARE(m_a->peers().size(), 1);
}

void TestLanDiscovery::staleRecordingIsDropped_data()
{
    QTest::addColumn<qint64>("offsetMs"); // from our wall clock
    QTest::newRow("recorded 10 minutes ago") << qint64(-10 * 60 * 1000);
    QTest::newRow("recorded yesterday") << qint64(-24 * 3600 * 1000);
    QTest::newRow("dated 10 minutes ahead") << qint64(10 * 60 * 1000);
}

void TestLanDiscovery::staleRecordingIsDropped()
{
    // A genuine announcement of a device this receiver never heard (or forgot), replayed long
    // after it was sent: without freshness it listed the device at the replayer's address.
    QFETCH(qint64, offsetMs);
    QSignalSpy appeared(m_a.get(), &LanDiscovery::peerAppeared);
    QUdpSocket raw;
    const quint64 sequence = quint64(QDateTime::currentMSecsSinceEpoch() + offsetMs);
    sendRaw(raw,
        signedDatagram(*m_idB, LanAnnouncement::Type::Announce, sequence, QStringLiteral("bob")));
    QTRY_COMPARE_WITH_TIMEOUT(m_a->counters().notFresh, 1u, 2000);
    QCOMPARE(m_a->counters().accepted, 0u);
    QCOMPARE(appeared.count(), 0);
    QVERIFY(m_a->peers().isEmpty());
    // The same device, fresh: listed.
    sendRaw(raw,
        signedDatagram(*m_idB, LanAnnouncement::Type::Announce, fresh(0), QStringLiteral("bob")));
    QVERIFY(appeared.wait(2000));
}

void TestLanDiscovery::lateCopyAddsNoEndpoint()
{
    // Copies by another path count only within the copy window; 0: never. A neighbour re-sending
    // the device's latest announcement from its own address (127.0.0.2 here) is not an endpoint.
    LanDiscoveryConfig config = loopbackConfig(0);
    config.announce = false;
    config.copyWindow = 0ms;
    LanDiscovery listener(*m_idA, config);
    QVERIFY(start(listener));
    QSignalSpy appeared(&listener, &LanDiscovery::peerAppeared);
    const QByteArray genuine
        = signedDatagram(*m_idB, LanAnnouncement::Type::Announce, fresh(0), QStringLiteral("bob"));
    QUdpSocket device;
    QVERIFY(device.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(device.writeDatagram(genuine, QHostAddress::LocalHost, listener.localPort()),
        qint64(genuine.size()));
    QVERIFY(appeared.wait(2000));
    QUdpSocket replayer;
    QVERIFY(replayer.bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
    QCOMPARE(replayer.writeDatagram(genuine, QHostAddress::LocalHost, listener.localPort()),
        qint64(genuine.size()));
    QTRY_COMPARE_WITH_TIMEOUT(listener.counters().duplicates, 1u, 2000);
    const QList<Endpoint> endpoints = listener.peer(m_idB->id()).endpoints;
    QCOMPARE(endpoints.size(), 1);
    QCOMPARE(endpoints.first().address, QHostAddress(QHostAddress::LocalHost));
}

void TestLanDiscovery::promptCopyAddsItsPath()
{
    // The legitimate case: the same announcement by a second path within the window.
    LanDiscoveryConfig config = loopbackConfig(0);
    config.announce = false;
    config.copyWindow = 60s; // generous: the test machine may be slow
    LanDiscovery listener(*m_idA, config);
    QVERIFY(start(listener));
    QSignalSpy appeared(&listener, &LanDiscovery::peerAppeared);
    QSignalSpy updated(&listener, &LanDiscovery::peerUpdated);
    const QByteArray genuine
        = signedDatagram(*m_idB, LanAnnouncement::Type::Announce, fresh(0), QStringLiteral("bob"));
    QUdpSocket first;
    QVERIFY(first.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(first.writeDatagram(genuine, QHostAddress::LocalHost, listener.localPort()),
        qint64(genuine.size()));
    QVERIFY(appeared.wait(2000));
    QUdpSocket second;
    QVERIFY(second.bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
    QCOMPARE(second.writeDatagram(genuine, QHostAddress::LocalHost, listener.localPort()),
        qint64(genuine.size()));
    QVERIFY(updated.wait(2000));
    QCOMPARE(listener.peer(m_idB->id()).endpoints.size(), 2);
}

void TestLanDiscovery::rateLimitPerSource()
{
    // A listen-only instance, so that only the flood arrives (no looped-back announcements).
    LanDiscoveryConfig config = loopbackConfig(0);
    config.announce = false;
    LanDiscovery listener(*m_idB, config);
    QVERIFY(start(listener));
    QUdpSocket raw;
    constexpr int kBurst = 60;
    for (int i = 0; i < kBurst; ++i)
        QCOMPARE(
            raw.writeDatagram(QByteArray("flood"), QHostAddress::LocalHost, listener.localPort()),
            qint64(5));
    QTRY_COMPARE_WITH_TIMEOUT(listener.counters().received, quint64(kBurst), 2000);
    const LanDiscovery::Counters c = listener.counters();
    // 20 per second pass (a little more if the burst spans time), the rest is dropped unparsed.
    QVERIFY2(c.rateLimited >= kBurst - 25, qPrintable(QString::number(c.rateLimited)));
    QCOMPARE(c.malformed + c.rateLimited, quint64(kBurst));
    QCOMPARE(c.selfIgnored, 0u);
}

void TestLanDiscovery::selfIsIgnored()
{
    // Multicast loopback brings our own announcement back (the one sent at start()).
    QTRY_VERIFY_WITH_TIMEOUT(m_a->counters().selfIgnored >= 1, 2000);
    QVERIFY(m_a->peers().isEmpty());
    QCOMPARE(m_a->counters().accepted, 0u);
}

void TestLanDiscovery::bindFailureIsAnError()
{
    // Something holds the port without sharing it.
    QUdpSocket holder;
    QVERIFY(holder.bind(QHostAddress::AnyIPv4, 0, QUdpSocket::DontShareAddress));
    LanDiscovery blocked(*m_idB, loopbackConfig(holder.localPort()));
    QString error;
    QVERIFY(!blocked.start(&error));
    QVERIFY2(error.contains(QString::number(holder.localPort())), qPrintable(error));
    QVERIFY(!blocked.isRunning());
}

void TestLanDiscovery::stopFromASignalHandler()
{
    // A receiver that stops discovery while the datagram that found the peer is being handled
    // (inside the socket's readyRead): no crash, and the service can start again.
    QSignalSpy stoppedLeft(m_a.get(), &LanDiscovery::peerLeft);
    connect(m_a.get(), &LanDiscovery::peerAppeared, this, [this] { m_a->stop(); });
    m_b = std::make_unique<LanDiscovery>(*m_idB, loopbackConfig(m_a->localPort()));
    QVERIFY(start(*m_b));
    QVERIFY(stoppedLeft.wait(2000));
    QVERIFY(!m_a->isRunning());
    QVERIFY(m_a->peers().isEmpty());
    disconnect(m_a.get(), nullptr, this, nullptr);
    QSignalSpy appeared(m_a.get(), &LanDiscovery::peerAppeared);
    QVERIFY(start(*m_a));
    QVERIFY(appeared.wait(2000));
}

QTEST_GUILESS_MAIN(TestLanDiscovery)
void TestLanDiscovery::contactKeepsTheKindItAnnounced()
{
    // An engine with no server: a pinned contact announces itself on the LAN as a Mac laptop.
    // The engine lists it so, and its offline card keeps the picture after it has gone.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const ConfigDir configDir(tmp.filePath(QStringLiteral("conf")));
    QString error;
    QVERIFY2(configDir.ensureExists(&error), qPrintable(error));
    {
        ContactStore store(configDir.filePath(ContactStore::defaultFileName()));
        QVERIFY(store.load(&error) && store.remember(m_idB->id(), QStringLiteral("bob"), &error));
    }
    EngineConfig config;
    config.lan = true;
    config.lanConfig = loopbackConfig(0);
    config.probeNat = false;
    config.displayName = QStringLiteral("carol");
    config.downloadDir = tmp.filePath(QStringLiteral("dl"));
    TransferEngine engine(Test::ephemeralIdentity(), configDir, config);
    QVERIFY2(engine.start(&error), qPrintable(error));
    QVERIFY(engine.lanDiscovery());

    m_b = std::make_unique<LanDiscovery>(
        *m_idB, loopbackConfig(engine.lanDiscovery()->localPort()));
    m_b->setDisplayName(QStringLiteral("bob"));
    m_b->setDevice({DeviceKind::Laptop, DeviceOs::Macos});
    QVERIFY(start(*m_b));
    const auto bobAtEngine = [&engine, this] {
        for (const PeerInfo &p : engine.peers())
            if (p.id == m_idB->id())
                return p;
        return PeerInfo {};
    };
    QTRY_VERIFY_WITH_TIMEOUT(bobAtEngine().source == PeerInfo::Source::Lan, 3000);
    QCOMPARE(bobAtEngine().kind, DeviceKind::Laptop);
    QCOMPARE(bobAtEngine().os, DeviceOs::Macos);
    QVERIFY(bobAtEngine().pinned);
    QCOMPARE(engine.contacts().find(m_idB->id())->device,
        (DeviceDescription {DeviceKind::Laptop, DeviceOs::Macos}));

    m_b->stop(); // goodbye: now the saved contact, with what it last said
    QTRY_VERIFY_WITH_TIMEOUT(bobAtEngine().source == PeerInfo::Source::Saved, 3000);
    QVERIFY(!bobAtEngine().online);
    QCOMPARE(bobAtEngine().kind, DeviceKind::Laptop);
    QCOMPARE(bobAtEngine().os, DeviceOs::Macos);
    // And on disk, for the next start.
    ContactStore reread(configDir.filePath(ContactStore::defaultFileName()));
    QVERIFY(reread.load(&error));
    QCOMPARE(reread.find(m_idB->id())->device.kind, DeviceKind::Laptop);
    engine.stop();
}

#include "tst_landiscovery.moc"
