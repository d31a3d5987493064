// SPDX-License-Identifier: GPL-3.0-or-later
// PeerConnector end to end on loopback: a real in-process rendezvous server, two control clients,
// the server's go, the hole punch (direct) or the relay, and mutual TLS on the chosen path.

#include "net/controlclient.h"
#include "net/deviceidentity.h"
#include "net/peerconnector.h"
#include "net/rendezvousserver.h"

#include <QSignalSpy>
#include <QSslSocket>
#include <QTest>

#include <qcorotask.h>

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
    void relayOnly();
    void unknownPeer();

private:
    Results connectPair(ConnectMode mode);
    static bool exchange(QSslSocket &a, QSslSocket &b);

    std::optional<DeviceIdentity> m_serverId, m_alice, m_bob;
    std::unique_ptr<RendezvousServer> m_server;
    std::unique_ptr<ControlClient> m_clientA, m_clientB;
};

void TestPeerConnector::init()
{
    QString error;
    m_serverId = DeviceIdentity::generateEphemeral(&error);
    m_alice = DeviceIdentity::generateEphemeral(&error);
    m_bob = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(m_serverId && m_alice && m_bob);
    RendezvousServerConfig config;
    config.address = QHostAddress::LocalHost;
    config.port = 0;
    m_server = std::make_unique<RendezvousServer>(*m_serverId, config);
    QVERIFY2(m_server->listen(&error), qPrintable(error));

    auto clientConfig = [&](const QString &name) {
        ControlClientConfig c;
        c.host = QStringLiteral("127.0.0.1");
        c.port = m_server->serverPort();
        c.displayName = name;
        return c;
    };
    m_clientA = std::make_unique<ControlClient>(*m_alice, clientConfig(QStringLiteral("alice")));
    m_clientB = std::make_unique<ControlClient>(*m_bob, clientConfig(QStringLiteral("bob")));
    m_clientA->start();
    m_clientB->start();
    QVERIFY(QCoro::waitFor(m_clientA->waitRegistered(5s)));
    QVERIFY(QCoro::waitFor(m_clientB->waitRegistered(5s)));
    QTRY_VERIFY_WITH_TIMEOUT(m_clientA->peers().size() == 1, 5000);
}

void TestPeerConnector::cleanup()
{
    m_clientA.reset();
    m_clientB.reset();
    m_server.reset();
}

Results TestPeerConnector::connectPair(ConnectMode mode)
{
    ConnectTimings timings;
    timings.punch.deadline = 3000ms;
    PeerConnector connectorA(*m_alice, m_clientA.get(), timings);
    PeerConnector connectorB(*m_bob, m_clientB.get(), timings);
    Results results;
    connect(m_clientB.get(), &ControlClient::goReceived, this, [&](const GoMessage &go) {
        QCoro::connect(connectorB.answer(go), this, [&](PeerConnection &&c) {
            results.responder = std::move(c);
            results.responderDone = true;
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
    QElapsedTimer t;
    t.start();
    while ((gotB.size() < one.size() || gotA.size() < two.size()) && t.elapsed() < 10000) {
        QTest::qWait(10);
        gotB += b.readAll();
        gotA += a.readAll();
    }
    return gotB == one && gotA == two;
}

void TestPeerConnector::direct()
{
    Results r = connectPair(ConnectMode::Auto);
    QVERIFY(r.responderDone);
    QVERIFY2(r.initiator.ok(), qPrintable(r.initiator.error));
    QVERIFY2(r.responder.ok(), qPrintable(r.responder.error));
    QCOMPARE(r.initiator.path, PathKind::DirectPunch);
    QCOMPARE(r.responder.path, PathKind::DirectPunch);
    QCOMPARE(r.initiator.method, QStringLiteral("tcp-punch"));
    QCOMPARE(r.initiator.peer, m_bob->id());
    QCOMPARE(r.responder.peer, m_alice->id());
    QCOMPARE(r.responder.peerName, QStringLiteral("alice"));
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
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
    QVERIFY(r.initiator.socket->isEncrypted());
    QCOMPARE(DeviceId::fromCertificate(r.initiator.socket->peerCertificate()), m_bob->id());
    QVERIFY(exchange(*r.initiator.socket, *r.responder.socket));
    QTRY_VERIFY_WITH_TIMEOUT(outcomes.size() >= 1, 5000);
    QCOMPARE(outcomes.first().at(1).toString(), QStringLiteral("relay"));
}

void TestPeerConnector::unknownPeer()
{
    ConnectTimings timings;
    PeerConnector connector(*m_alice, m_clientA.get(), timings);
    QString error;
    const auto stranger = DeviceIdentity::generateEphemeral(&error);
    const PeerConnection c = QCoro::waitFor(connector.connectTo(stranger->id(), ConnectMode::Auto));
    QVERIFY(!c.ok());
    QVERIFY(!c.errorCode.isEmpty());
    QVERIFY(!c.error.isEmpty());
}

QTEST_GUILESS_MAIN(TestPeerConnector)
#include "tst_peerconnector.moc"
