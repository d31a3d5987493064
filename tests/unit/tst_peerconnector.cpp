// SPDX-License-Identifier: GPL-3.0-or-later
// PeerConnector end to end on loopback: a real in-process rendezvous server, two control clients,
// the server's go, the hole punch (direct) or the relay, and mutual TLS on the chosen path.

#include "net/client/controlclient.h"
#include "net/client/peerconnector.h"
#include "net/client/relayclient.h"
#include "net/security/deferredtlsserver.h"
#include "net/security/deviceidentity.h"
#include "net/security/securechannel.h"
#include "net/security/securestream.h"
#include "net/server/relayhub.h"
#include "net/server/rendezvousserver.h"
#include "net/wire/relayjoin.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

#include <qcorotask.h>

#include <cmath>
#include <functional>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {
struct Results
{
    PeerConnection initiator;
    PeerConnection responder;
    bool responderDone = false;
};
} // namespace

class TestPeerConnector : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void direct();
    void startCountsFromTheGosArrival();
    void relayOnly();
    void relayKeepsBytesAfterPairing();
    void unknownPeer();
    void lanPeerWithAnotherKeyIsUnexpected();
    void punchHopeless_data();
    void punchHopeless();
    void guessOddsFollowTheModel();
    void sequentialProbesCoverEveryBlock();
    void portGuessingJoinsHopelessNats_data();
    void portGuessingJoinsHopelessNats();
    void portMappingBeatsHopelessNats_data();
    void portMappingBeatsHopelessNats();
    void ipv6BeatsIpv4_data();
    void ipv6BeatsIpv4();

private:
    //! \a setup runs on the two connectors (alice's, bob's) before the connect.
    Results connectPair(ConnectMode mode, std::chrono::milliseconds responderDelay = {},
        ConnectTimings timings = defaultTimings(),
        const std::function<void(PeerConnector &, PeerConnector &)> &setup = {},
        const std::optional<ConnectTimings> &responderTimings = std::nullopt);
    static ConnectTimings defaultTimings()
    {
        ConnectTimings timings;
        timings.punch.deadline = 3000ms;
        return timings;
    }
    static bool exchange(QSslSocket &a, QSslSocket &b);
    //! Restarts the server with \a config and registers alice and bob again, bob at \a bobHost.
    void restart(const RendezvousServerConfig &config, const QString &bobHost);

    std::optional<DeviceIdentity> m_alice, m_bob;
    Test::TestServer m_server;
    std::unique_ptr<ControlClient> m_clientA, m_clientB;
};

void TestPeerConnector::init()
{
    QString error;
    m_alice = DeviceIdentity::generateEphemeral(&error);
    m_bob = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(m_alice && m_bob);
    QVERIFY2(m_server.start(Test::loopbackServerConfig(), &error), qPrintable(error));
    m_clientA
        = std::make_unique<ControlClient>(*m_alice, m_server.clientConfig(QStringLiteral("alice")));
    m_clientB
        = std::make_unique<ControlClient>(*m_bob, m_server.clientConfig(QStringLiteral("bob")));
    m_clientA->start();
    m_clientB->start();
    QVERIFY(QCoro::waitFor(m_clientA->waitRegistered(5s)));
    QVERIFY(QCoro::waitFor(m_clientB->waitRegistered(5s)));
    QTRY_VERIFY_WITH_TIMEOUT(m_clientA->peers().size() == 1, 5000);
}

void TestPeerConnector::restart(const RendezvousServerConfig &config, const QString &bobHost)
{
    m_clientA.reset();
    m_clientB.reset();
    m_server.stop();
    QString error;
    QVERIFY2(m_server.start(config, &error), qPrintable(error));
    m_clientA
        = std::make_unique<ControlClient>(*m_alice, m_server.clientConfig(QStringLiteral("alice")));
    ControlClientConfig bob = m_server.clientConfig(QStringLiteral("bob"));
    bob.host = bobHost;
    m_clientB = std::make_unique<ControlClient>(*m_bob, bob);
    m_clientA->start();
    m_clientB->start();
    QVERIFY(QCoro::waitFor(m_clientA->waitRegistered(5s)));
    QVERIFY(QCoro::waitFor(m_clientB->waitRegistered(5s)));
    // Presence shows only peers behind one public address, and ::1 is not 127.0.0.1; a
    // connect by ID does not need it.
    if (QHostAddress(bobHost).protocol() == QAbstractSocket::IPv4Protocol)
        QTRY_VERIFY_WITH_TIMEOUT(m_clientA->peers().size() == 1, 5000);
}

void TestPeerConnector::cleanup()
{
    m_clientA.reset();
    m_clientB.reset();
    m_server.stop();
}

Results TestPeerConnector::connectPair(ConnectMode mode, std::chrono::milliseconds responderDelay,
    ConnectTimings timings, const std::function<void(PeerConnector &, PeerConnector &)> &setup,
    const std::optional<ConnectTimings> &responderTimings)
{
    PeerConnector connectorA(*m_alice, m_clientA.get(), timings);
    PeerConnector connectorB(*m_bob, m_clientB.get(), responderTimings.value_or(timings));
    if (setup)
        setup(connectorA, connectorB);
    Results results;
    connect(m_clientB.get(), &ControlClient::goReceived, this, [&](const GoMessage &go) {
        QTimer::singleShot(responderDelay, this, [&, go] {
            QCoro::connect(connectorB.answer(go), this, [&](PeerConnection &&c) {
                results.responder = std::move(c);
                results.responderDone = true;
            });
        });
    });
    results.initiator = QCoro::waitFor(connectorA.connectTo(m_bob->id(), mode));
    static_cast<void>(QTest::qWaitFor([&] { return results.responderDone; }, 15000));
    disconnect(m_clientB.get(), &ControlClient::goReceived, this, nullptr);
    return results;
}

bool TestPeerConnector::exchange(QSslSocket &a, QSslSocket &b)
{
    const QByteArray one(100000, 'a');
    const QByteArray two(50000, 'b');
    a.write(one);
    b.write(two);
    QByteArray gotA, gotB;
    const auto bothArrived = [&] {
        gotB += b.readAll();
        gotA += a.readAll();
        return gotB.size() >= one.size() && gotA.size() >= two.size();
    };
    return QTest::qWaitFor(bothArrived, 10000) && gotB == one && gotA == two;
}

void TestPeerConnector::direct()
{
    Results r = connectPair(ConnectMode::Auto);
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.initiator.path, PathKind::DirectPunch);
    QCOMPARE(r.responder.path, PathKind::DirectPunch);
    QCOMPARE(r.initiator.peer, m_bob->id());
    QCOMPARE(r.responder.peer, m_alice->id());
    QCOMPARE(r.responder.peerName, QStringLiteral("alice"));
    // A server that offers no IPv6 address claim (listening on 127.0.0.1 only): IPv4.
    QVERIFY(!m_clientA->claimedEndpoint().isValid());
    QCOMPARE(r.initiator.socket->peerAddress().protocol(), QAbstractSocket::IPv4Protocol);
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
}

void TestPeerConnector::startCountsFromTheGosArrival()
{
    // Both peers are to start 2 s after their go arrives; bob's engine gets to it only 1.5 s
    // after the arrival. Counted from the arrival, bob still starts with alice (≈ 2 s); counted
    // from when it got there, it would start 1.5 s late (≈ 3.5 s).
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.startMargin = 2000ms;
    restart(config, QStringLiteral("127.0.0.1"));
    QElapsedTimer clock;
    clock.start();
    Results r = connectPair(ConnectMode::Auto, 1500ms);
    const qint64 took = clock.elapsed();
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.responder.path, PathKind::DirectPunch);
    QVERIFY2(took >= 1900 && took < 3000, qPrintable(QString::number(took)));
}

void TestPeerConnector::relayOnly()
{
    QSignalSpy outcomes(m_server.get(), &RendezvousServer::outcomeReported);
    Results r = connectPair(ConnectMode::RelayOnly);
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.initiator.path, PathKind::Relayed);
    QCOMPARE(r.responder.path, PathKind::Relayed);
    QCOMPARE(r.initiator.reason, QStringLiteral("relay requested"));
    QVERIFY(SecureStream::of(r.initiator.socket.get()));
    QVERIFY(SecureStream::of(r.initiator.socket.get())->isEstablished());
    QCOMPARE(SecureStream::of(r.initiator.socket.get())->peerId(), m_bob->id());
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
    QTRY_VERIFY_WITH_TIMEOUT(outcomes.size() >= 1, 5000);
    QCOMPARE(outcomes.first().at(1).value<OutcomeKind>(), OutcomeKind::Relayed);
}

void TestPeerConnector::relayKeepsBytesAfterPairing()
{
    // A relay that pairs us and forwards the peer's TLS ClientHello in the same segment as the
    // pairing byte. Our TLS server must still see that ClientHello and answer it (regression:
    // reading the pairing byte pulled the ClientHello into QSslSocket's own buffer, where TLS
    // never looks, and the handshake timed out in the NAT lab).
    QTcpServer capture; // records a real ClientHello
    QVERIFY(capture.listen(QHostAddress::LocalHost, 0));
    QSslSocket tlsClient;
    tlsClient.setSslConfiguration(m_alice->tlsConfiguration());
    tlsClient.connectToHostEncrypted(QStringLiteral("127.0.0.1"), capture.serverPort());
    QVERIFY(capture.waitForNewConnection(5000));
    QTcpSocket *captured = capture.nextPendingConnection();
    QByteArray clientHello;
    QTRY_VERIFY_WITH_TIMEOUT((clientHello += captured->readAll()).size() >= 5
            && clientHello.size() >= 5 + ((quint8(clientHello[3]) << 8) | quint8(clientHello[4])),
        5000);
    QCOMPARE(clientHello.at(0), char(0x16)); // a TLS handshake record

    QTcpServer fakeRelay;
    QVERIFY(fakeRelay.listen(QHostAddress::LocalHost, 0));
    const QByteArray token(16, '\x5a');
    QPointer<QTcpSocket> relaySide;
    connect(&fakeRelay, &QTcpServer::newConnection, this, [&] {
        relaySide = fakeRelay.nextPendingConnection();
        connect(relaySide, &QTcpSocket::readyRead, relaySide, [&] {
            if (relaySide->property("paired").toBool()
                || relaySide->bytesAvailable() < RelayClient::joinBytes(token).size())
                return;
            relaySide->readAll();
            relaySide->setProperty("paired", true);
            relaySide->write(QByteArray(1, char(RelayJoin::kPaired)) + clientHello);
        });
    });
    RelayJoinResult joined = QCoro::waitFor(
        RelayClient::join(QStringLiteral("127.0.0.1"), fakeRelay.serverPort(), token, 5s));
    QVERIFY2(joined.socket, qPrintable(joined.error));
    auto *ssl = qobject_cast<QSslSocket *>(joined.socket.get());
    QVERIFY(ssl);
    QVERIFY(relaySide);
    relaySide->readAll();
    ssl->setSslConfiguration(m_bob->tlsConfiguration());
    ssl->startServerEncryption();
    // The answer to the ClientHello (ServerHello …) reaches the relay.
    QTRY_VERIFY_WITH_TIMEOUT(relaySide->bytesAvailable() > 0, 5000);
    QCOMPARE(relaySide->peek(1).at(0), char(0x16));
}

void TestPeerConnector::unknownPeer()
{
    ConnectTimings timings;
    PeerConnector connector(*m_alice, m_clientA.get(), timings);
    QString error;
    const auto stranger = DeviceIdentity::generateEphemeral(&error);
    const PeerConnection c = QCoro::waitFor(connector.connectTo(stranger->id(), ConnectMode::Auto));
    QVERIFY(!c.ok());
    QVERIFY(c.errorCode != ConnectFailure::None);
    QVERIFY(!c.error.isEmpty());
}

void TestPeerConnector::lanPeerWithAnotherKeyIsUnexpected()
{
    // Bob listens where a (replayed) LAN announcement of someone else points.
    DeferredTlsServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    std::unique_ptr<QSslSocket> accepted;
    connect(&listener, &QTcpServer::newConnection, this, [&] {
        accepted.reset(qobject_cast<QSslSocket *>(listener.nextPendingConnection()));
        if (accepted)
            static_cast<void>(SecureChannel::handshake(
                *accepted, *m_bob, SecureChannel::Role::Server, std::nullopt, 5s));
    });
    const DeviceId meant = Test::ephemeralIdentity().id();
    PeerConnector connector(*m_alice, m_clientA.get(), ConnectTimings {});
    const PeerConnection c = QCoro::waitFor(
        connector.connectLan({QHostAddress::LocalHost, listener.serverPort()}, meant));
    QVERIFY(!c.ok());
    QCOMPARE(c.errorCode, ConnectFailure::UnexpectedPeer);
    QCOMPARE(c.answered, m_bob->id());
    QCOMPARE(c.peer, meant);
}

void TestPeerConnector::punchHopeless_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("hopeless");
    QTest::addColumn<PortGuess>("guessA"); //!< a's part in port guessing (b's is the other)
    const QString sym = QStringLiteral("symmetric");
    const QString prc = QStringLiteral("cone (port-restricted)");
    const QString rc = QStringLiteral("cone (restricted)");
    const QString full = QStringLiteral("cone (full)");
    const QString open = QStringLiteral("open");
    QTest::newRow("sym x sym") << sym << sym << true << PortGuess::None;
    QTest::newRow("sym x port-restricted") << sym << prc << true << PortGuess::Spread;
    QTest::newRow("port-restricted x sym") << prc << sym << true << PortGuess::Probe;
    QTest::newRow("sym x restricted cone (listener)") << sym << rc << false << PortGuess::None;
    QTest::newRow("full cone x sym (listener)") << full << sym << false << PortGuess::None;
    QTest::newRow("sym x open") << sym << open << false << PortGuess::None;
    QTest::newRow("prc x prc") << prc << prc << false << PortGuess::None;
    QTest::newRow("sym x unknown") << sym << QString() << false << PortGuess::None;
    QTest::newRow("unknown x unknown") << QString() << QString() << false << PortGuess::None;
    const QString seq = QStringLiteral("symmetric (sequential)");
    QTest::newRow("sequential sym x port-restricted")
        << seq << prc << true << PortGuess::SpreadSequential;
    QTest::newRow("port-restricted x sequential sym")
        << prc << seq << true << PortGuess::ProbeSequential;
    QTest::newRow("sequential sym x sym") << seq << sym << true << PortGuess::None;
    QTest::newRow("sequential sym x full cone (listener)")
        << seq << full << false << PortGuess::None;
}

void TestPeerConnector::punchHopeless()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, hopeless);
    const NatType natA = NatType::fromString(a); // the texts peers send
    const NatType natB = NatType::fromString(b);
    QCOMPARE(PeerConnector::punchHopeless(natA, natB), hopeless);
    QCOMPARE(PeerConnector::punchHopeless(natB, natA), hopeless);
    // Port guessing is for the hopeless pairs with one fixed side only, and the parts differ.
    QFETCH(PortGuess, guessA);
    QCOMPARE(portGuessFor(natA, natB), guessA);
    const PortGuess guessB = guessA == PortGuess::Spread ? PortGuess::Probe
        : guessA == PortGuess::Probe                     ? PortGuess::Spread
        : guessA == PortGuess::SpreadSequential          ? PortGuess::ProbeSequential
        : guessA == PortGuess::ProbeSequential           ? PortGuess::SpreadSequential
                                                         : PortGuess::None;
    // The part travels in the go as text.
    QCOMPARE(portGuessFromName(portGuessName(guessA)), guessA);
    QCOMPARE(portGuessFor(natB, natA), guessB);
    if (guessA != PortGuess::None)
        QVERIFY(hopeless);
}

void TestPeerConnector::sequentialProbesCoverEveryBlock()
{
    // A sequential NAT hands the spread's 64 connections a block of 64 consecutive ports
    // somewhere above the last port seen; 64 probes spaced 32 apart hold two ports of every
    // such block that starts within 64 * 32 ports of it.
    constexpr int n = kSequentialGuessBudget;
    const QList<quint16> probes = sequentialProbes(40000, n, kGuessFirstPort, kGuessLastPort);
    QCOMPARE(probes.size(), n);
    QCOMPARE(probes.first(), quint16(40001)); // the nearest first
    QCOMPARE(probes.at(1), quint16(40001 + n / 2));
    for (int drift = 0; drift + n <= n * n / 2; ++drift) {
        const int from = 40001 + drift; // the block is [from, from + n)
        int inside = 0;
        for (quint16 p : probes)
            inside += int(p) >= from && int(p) < from + n ? 1 : 0;
        QVERIFY2(
            inside >= 2, qPrintable(QStringLiteral("drift %1: %2 probes").arg(drift).arg(inside)));
    }
    // Near the top of the range the guesses wrap to its bottom, as the NAT's counter does.
    const QList<quint16> wrapped = sequentialProbes(65530, n, kGuessFirstPort, kGuessLastPort);
    QCOMPARE(wrapped.size(), n);
    QCOMPARE(wrapped.first(), quint16(65531));
    QCOMPARE(wrapped.at(1),
        quint16(kGuessFirstPort
            + (65530 + 1 + n / 2 - kGuessFirstPort) % (kGuessLastPort - kGuessFirstPort + 1)));
    for (quint16 p : wrapped)
        QVERIFY(p >= kGuessFirstPort && p <= kGuessLastPort);
    QVERIFY(sequentialProbes(40000, 0, kGuessFirstPort, kGuessLastPort).isEmpty());
}

void TestPeerConnector::guessOddsFollowTheModel()
{
    // 1 - C(R - n, m) / C(R, m), against values worked out by hand (and ≈ 1 - exp(-n·m/R)).
    constexpr int kRange = kGuessLastPort - kGuessFirstPort + 1; // 64,512
    QCOMPARE(guessOdds(1, 1, 100), 0.01);
    QCOMPARE(guessOdds(0, 500, kRange), 0.0);
    QCOMPARE(guessOdds(60, 50, 100), 1.0); // more guesses than closed ports
    QVERIFY(qAbs(guessOdds(256, 256, kRange) - 0.6394) < 0.001);
    QVERIFY(qAbs(guessOdds(kDefaultGuessBudget, kDefaultGuessBudget, kRange) - 0.9834) < 0.001);
    QVERIFY(qAbs(guessOdds(512, 512, kRange) - (1 - std::exp(-512.0 * 512 / kRange))) < 0.01);
}

void TestPeerConnector::portMappingBeatsHopelessNats_data()
{
    QTest::addColumn<bool>("forwards"); // bob's mapping reaches his punch port, or nothing
    QTest::addColumn<PathKind>("path");
    QTest::newRow("a mapping that forwards: direct") << true << PathKind::DirectPortMap;
    QTest::newRow("a lying gateway: one attempt, then the relay") << false << PathKind::Relayed;
}

void TestPeerConnector::portMappingBeatsHopelessNats()
{
    QFETCH(bool, forwards);
    QFETCH(PathKind, path);
    // port-restricted alice × symmetric bob: no punch can work, so without a mapping both go to
    // the relay at once. Bob's gateway "maps" a port on his public address (loopback here).
    const NatType prc = NatType::fromString(u"cone (port-restricted)");
    const NatType sym = NatType::fromString(u"symmetric");
    m_clientA->setNatType(prc.toString());
    m_clientB->setNatType(sym.toString());
    quint16 mappedPort = m_clientB->localPort();
    if (!forwards) {
        QTcpServer closed; // a port nobody listens on: every SYN is refused
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        mappedPort = closed.serverPort();
    }
    m_clientB->setPortMapping({QHostAddress::LocalHost, mappedPort}, PortMapProtocol::Upnp);
    // A long punch deadline: a dead mapping must cost mappedDeadline (2 s), never this.
    ConnectTimings timings = defaultTimings();
    timings.punch.deadline = 8000ms;
    timings.guessBudget = 0; // on loopback the spread socket would get in on its own
    Results r
        = connectPair(ConnectMode::Auto, {}, timings, [&](PeerConnector &a, PeerConnector &b) {
              a.setOwnNatType(prc);
              b.setOwnNatType(sym);
          });
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.initiator.path, path);
    QCOMPARE(r.responder.path, path);
    if (forwards) {
        QCOMPARE(r.initiator.mapper, PortMapProtocol::Upnp); // dialled bob's mapping
        QCOMPARE(r.responder.mapper, PortMapProtocol::Upnp); // came in through his own
    } else {
        // The mapping's 2 s, then the relay's join and TLS (slow on a loaded machine): far
        // below the 8 s the punch deadline would cost.
        const auto bound = timings.punch.mappedDeadline + 3000ms;
        QVERIFY2(r.initiator.timeMs < bound.count(),
            qPrintable(QStringLiteral("relayed after %1 ms").arg(r.initiator.timeMs)));
    }
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
}

void TestPeerConnector::ipv6BeatsIpv4_data()
{
    QTest::addColumn<QString>("bobHost"); // how bob reaches the server
    QTest::addColumn<bool>("hopeless"); // symmetric × symmetric NATs in IPv4
    QTest::newRow("both claimed their IPv6 address") << QStringLiteral("127.0.0.1") << false;
    QTest::newRow("IPv4 hopeless, IPv6 open") << QStringLiteral("127.0.0.1") << true;
    QTest::newRow("bob has only IPv6") << QStringLiteral("::1") << false;
}

void TestPeerConnector::ipv6BeatsIpv4()
{
    QFETCH(QString, bobHost);
    QFETCH(bool, hopeless);
    // The server listens on 127.0.0.1 and on ::1 (same port); clients registered over IPv4
    // claim their IPv6 address at [::1] from their control port.
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.claimAddress = QHostAddress::LocalHostIPv6;
    restart(config, bobHost);
    QTRY_VERIFY_WITH_TIMEOUT(m_clientA->claimedEndpoint().isValid(), 5000);
    QCOMPARE(m_clientA->claimedEndpoint(),
        Endpoint({QHostAddress::LocalHostIPv6, m_clientA->localPort()}));
    if (bobHost == u"::1") {
        QVERIFY(m_clientB->observedEndpoint().isIPv6()); // registered over IPv6: no claim
        QVERIFY(!m_clientB->claimedEndpoint().isValid());
    } else {
        QTRY_VERIFY_WITH_TIMEOUT(m_clientB->claimedEndpoint().isValid(), 5000);
    }
    ConnectTimings timings = defaultTimings();
    timings.punch.deadline = 8000ms; // a hopeless pair must not get there: the IPv6 try is 2 s
    timings.guessBudget = 0;
    const NatType sym = NatType::fromString(u"symmetric");
    if (hopeless) {
        m_clientA->setNatType(sym.toString());
        m_clientB->setNatType(sym.toString());
    }
    Results r
        = connectPair(ConnectMode::Auto, {}, timings, [&](PeerConnector &a, PeerConnector &b) {
              if (hopeless) {
                  a.setOwnNatType(sym);
                  b.setOwnNatType(sym);
              }
          });
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.initiator.path, PathKind::DirectPunch);
    QCOMPARE(r.responder.path, PathKind::DirectPunch);
    // Happy eyeballs: both families work on loopback, and IPv6 is dialled 250 ms earlier.
    QCOMPARE(r.initiator.socket->peerAddress(), QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(r.responder.socket->peerAddress(), QHostAddress(QHostAddress::LocalHostIPv6));
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
}

void TestPeerConnector::portGuessingJoinsHopelessNats_data()
{
    QTest::addColumn<int>("budgetA");
    QTest::addColumn<int>("budgetB");
    QTest::addColumn<PathKind>("path");
    QTest::newRow("both guess: direct") << 64 << 64 << PathKind::DirectGuess;
    QTest::newRow("--no-birthday on both: the relay") << 0 << 0 << PathKind::Relayed;
}

void TestPeerConnector::portGuessingJoinsHopelessNats()
{
    QFETCH(int, budgetA);
    QFETCH(int, budgetB);
    QFETCH(PathKind, path);
    // port-restricted alice × symmetric bob, no port mapping: the server hands out the parts
    // (alice probes, bob spreads). On loopback bob's spread sockets reach alice's listener
    // directly (behind real NATs they meet her guesses: tests/natlab case "birthday").
    const NatType prc = NatType::fromString(u"cone (port-restricted)");
    const NatType sym = NatType::fromString(u"symmetric");
    m_clientA->setNatType(prc.toString());
    m_clientB->setNatType(sym.toString());
    // A round trip on each link: the server has read both NAT types before the connect.
    for (ControlClient *client : {m_clientA.get(), m_clientB.get()})
        QCoro::waitFor(client->lookup(m_alice->id().toString(), 5000ms));
    ConnectTimings timingsA = defaultTimings();
    timingsA.guessBudget = budgetA;
    ConnectTimings timingsB = defaultTimings();
    timingsB.guessBudget = budgetB;
    Results r = connectPair(
        ConnectMode::Auto, {}, timingsA,
        [&](PeerConnector &a, PeerConnector &b) {
            a.setOwnNatType(prc);
            b.setOwnNatType(sym);
        },
        timingsB);
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.initiator.path, path);
    QCOMPARE(r.responder.path, path);
    QCOMPARE(pathMethodName(r.initiator.path),
        path == PathKind::DirectGuess ? QStringLiteral("birthday") : QStringLiteral("relay"));
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
}

QTEST_GUILESS_MAIN(TestPeerConnector)
#include "tst_peerconnector.moc"
