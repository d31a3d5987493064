// SPDX-License-Identifier: GPL-3.0-or-later
// ControlClient against the real in-process RendezvousServer on loopback: registration,
// presence, introductions (go / connect-error), NAT type updates, reconnects.

#include "net/client/controlclient.h"
#include "net/server/rendezvousserver.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include "net/security/serverpins.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

#include <memory>
#include <vector>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {
RendezvousServerConfig fastServerConfig(quint16 port = 0)
{
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.port = port;
    config.timeouts.handshake = 2000ms;
    config.timeouts.idle = 10000ms;
    config.keepaliveInterval = 1000ms;
    config.rttProbeTimeout = 500ms;
    config.startMargin = 40ms;
    config.maxConnectionsPerAddress = 1000; // every test client comes from 127.0.0.1
    return config;
}
} // namespace

class TestControlClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void registersAndSeesPresence();
    void connectGivesBothPeersConsistentGo();
    void connectModes();
    void connectErrors();
    void natTypeReachesOthers();
    void reregistersAfterServerRestart();
    void failsOverToTheNextServer();
    void firstServerDownRegistersWithTheNext();
    void newestRegistrationWins();
    void largePresenceListArrivesInBatches();
    void serverIsPinnedOnFirstUse();
    void damagedPinFileFailsClosed();
    void requestsOutliveTheClient();

private:
    std::unique_ptr<ControlClient> makeClient(const DeviceIdentity &identity, const QString &name);
    bool startServer(const RendezvousServerConfig &config);

    Test::TestServer m_server;
    quint16 m_port = 0;
};

bool TestControlClient::startServer(const RendezvousServerConfig &config)
{
    if (!m_server.start(config))
        return false;
    m_port = m_server.port();
    return true;
}

void TestControlClient::init()
{
    QVERIFY(startServer(fastServerConfig()));
}

void TestControlClient::cleanup()
{
    m_server.stop();
}

std::unique_ptr<ControlClient> TestControlClient::makeClient(
    const DeviceIdentity &identity, const QString &name)
{
    ControlClientConfig config = m_server.clientConfig(name);
    config.connectTimeout = 3000ms;
    config.keepaliveInterval = 500ms;
    config.reconnectMin = 50ms;
    config.reconnectMax = 200ms;
    return std::make_unique<ControlClient>(identity, config);
}

void TestControlClient::registersAndSeesPresence()
{
    const DeviceIdentity alice = Test::ephemeralIdentity();
    const DeviceIdentity bob = Test::ephemeralIdentity();
    auto a = makeClient(alice, QStringLiteral("alice"));
    auto b = makeClient(bob, QStringLiteral("bob"));
    QSignalSpy aRegistered(a.get(), &ControlClient::registered);
    a->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    QVERIFY(a->isRegistered());
    QCOMPARE(aRegistered.count(), 1);
    QCOMPARE(a->serverId(), m_server.identity().id());
    QVERIFY(a->localPort() != 0);
    // Loopback has no NAT: the server sees our own local port.
    QCOMPARE(a->observedEndpoint(), (Endpoint {QHostAddress::LocalHost, a->localPort()}));
    QVERIFY(a->peers().isEmpty());

    b->start();
    QVERIFY(QCoro::waitFor(b->waitRegistered(5s)));
    QTRY_COMPARE_WITH_TIMEOUT(a->peers().size(), 1, 5000);
    QCOMPARE(a->peers().first().id, bob.id());
    QCOMPARE(a->peers().first().name, QStringLiteral("bob"));
    QVERIFY(a->peers().first().online);
    QCOMPARE(b->peers().size(), 1);
    QCOMPARE(b->peers().first().id, alice.id());
    QCOMPARE(m_server->registeredCount(), 2);

    QSignalSpy bLost(b.get(), &ControlClient::connectionLost);
    b->stop();
    QCOMPARE(bLost.count(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(a->peers().isEmpty(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->registeredCount(), 1, 5000);
    QVERIFY(!b->isRegistered());
}

void TestControlClient::connectGivesBothPeersConsistentGo()
{
    const DeviceIdentity alice = Test::ephemeralIdentity();
    const DeviceIdentity bob = Test::ephemeralIdentity();
    auto a = makeClient(alice, QStringLiteral("alice"));
    auto b = makeClient(bob, QStringLiteral("bob"));
    a->start();
    b->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    QVERIFY(QCoro::waitFor(b->waitRegistered(5s)));
    QSignalSpy bGo(b.get(), &ControlClient::goReceived);

    const auto asked = std::chrono::steady_clock::now();
    const ConnectReply reply = QCoro::waitFor(a->requestConnect(bob.id(), ConnectMode::Auto, 5s));
    QVERIFY2(reply.go.has_value(),
        qPrintable(connectFailureName(reply.errorCode) + QLatin1Char(' ') + reply.errorMessage));
    QTRY_COMPARE_WITH_TIMEOUT(bGo.count(), 1, 5000);
    const GoMessage ga = *reply.go;
    const GoMessage gb = bGo.first().first().value<GoMessage>();

    QCOMPARE(ga.sessionId.size(), 16);
    QCOMPARE(ga.sessionId, gb.sessionId);
    QVERIFY(ga.initiator);
    QVERIFY(!gb.initiator);
    QCOMPARE(ga.peer, bob.id());
    QCOMPARE(gb.peer, alice.id());
    QCOMPARE(ga.peerName, QStringLiteral("bob"));
    QCOMPARE(gb.peerName, QStringLiteral("alice"));
    QCOMPARE(ga.peerPublic, b->observedEndpoint());
    QCOMPARE(gb.peerPublic, a->observedEndpoint());
    QCOMPARE(ga.peerPublic.port, b->localPort());
    QVERIFY(ga.punch);
    QVERIFY(gb.punch);
    QCOMPARE(ga.relayToken.size(), 16);
    QCOMPARE(ga.relayToken, gb.relayToken);
    // Private endpoints were auto-detected from the interfaces, with P as the port.
    for (const Endpoint &e : std::as_const(ga.peerPrivate))
        QCOMPARE(e.port, b->localPort());
    // D = max(rtt)/2 + 40 ms margin; each start_in_ms = D - rtt/2: within [0, D], and the two
    // starts (send time + rtt/2 + start_in_ms) coincide.
    QVERIFY(ga.rttMs >= 0 && gb.rttMs >= 0);
    const int d = std::max(ga.rttMs, gb.rttMs) / 2 + 40;
    QCOMPARE(ga.startInMs, d - ga.rttMs / 2);
    QCOMPARE(gb.startInMs, d - gb.rttMs / 2);
    QVERIFY(ga.startInMs >= 40 - 1 && ga.startInMs <= d);
    // Both are stamped on arrival (not on the wire): start_in_ms counts from there.
    QVERIFY(ga.receivedAt && gb.receivedAt);
    QVERIFY(*ga.receivedAt >= asked && *ga.receivedAt <= std::chrono::steady_clock::now());
    QVERIFY(*gb.receivedAt >= asked && *gb.receivedAt <= std::chrono::steady_clock::now());
}

void TestControlClient::connectModes()
{
    const DeviceIdentity alice = Test::ephemeralIdentity();
    const DeviceIdentity bob = Test::ephemeralIdentity();
    auto a = makeClient(alice, QStringLiteral("alice"));
    auto b = makeClient(bob, QStringLiteral("bob"));
    a->start();
    b->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    QVERIFY(QCoro::waitFor(b->waitRegistered(5s)));

    ConnectReply reply = QCoro::waitFor(a->requestConnect(bob.id(), ConnectMode::RelayOnly, 5s));
    QVERIFY(reply.go);
    QVERIFY(!reply.go->punch);
    QCOMPARE(reply.go->relayToken.size(), 16);

    reply = QCoro::waitFor(a->requestConnect(bob.id(), ConnectMode::DirectOnly, 5s));
    QVERIFY(reply.go);
    QVERIFY(reply.go->punch);
    QVERIFY(reply.go->relayToken.isEmpty());

    reply = QCoro::waitFor(a->requestConnect(bob.id(), ConnectMode::Unknown, 5s));
    QVERIFY(!reply.go);
    QCOMPARE(reply.errorCode, ConnectFailure::BadMode);
}

void TestControlClient::connectErrors()
{
    const DeviceIdentity alice = Test::ephemeralIdentity();
    auto a = makeClient(alice, QStringLiteral("alice"));

    ConnectReply reply
        = QCoro::waitFor(a->requestConnect(Test::ephemeralIdentity().id(), ConnectMode::Auto, 1s));
    QCOMPARE(reply.errorCode, ConnectFailure::NotRegistered);

    a->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    reply
        = QCoro::waitFor(a->requestConnect(Test::ephemeralIdentity().id(), ConnectMode::Auto, 5s));
    QVERIFY(!reply.go);
    QCOMPARE(reply.errorCode, ConnectFailure::Offline);
    QVERIFY(!reply.errorMessage.isEmpty());

    reply = QCoro::waitFor(a->requestConnect(alice.id(), ConnectMode::Auto, 5s));
    QCOMPARE(reply.errorCode, ConnectFailure::Self);

    // A peer that was online and left is offline too.
    const DeviceIdentity bob = Test::ephemeralIdentity();
    auto b = makeClient(bob, QStringLiteral("bob"));
    b->start();
    QVERIFY(QCoro::waitFor(b->waitRegistered(5s)));
    QTRY_COMPARE_WITH_TIMEOUT(a->peers().size(), 1, 5000);
    b->stop();
    QTRY_VERIFY_WITH_TIMEOUT(a->peers().isEmpty(), 5000);
    reply = QCoro::waitFor(a->requestConnect(bob.id(), ConnectMode::Auto, 5s));
    QCOMPARE(reply.errorCode, ConnectFailure::Offline);

    // A server without relay refuses relay-only.
    cleanup();
    RendezvousServerConfig config = fastServerConfig();
    config.relay.enabled = false;
    QVERIFY(startServer(config));
    auto c = makeClient(Test::ephemeralIdentity(), QStringLiteral("carol"));
    auto d = makeClient(bob, QStringLiteral("bob"));
    c->start();
    d->start();
    QVERIFY(QCoro::waitFor(c->waitRegistered(5s)));
    QVERIFY(QCoro::waitFor(d->waitRegistered(5s)));
    QVERIFY(!c->serverRelayAvailable());
    reply = QCoro::waitFor(c->requestConnect(bob.id(), ConnectMode::RelayOnly, 5s));
    QCOMPARE(reply.errorCode, ConnectFailure::RelayDisabled);
    reply = QCoro::waitFor(c->requestConnect(bob.id(), ConnectMode::Auto, 5s));
    QVERIFY(reply.go);
    QVERIFY(reply.go->relayToken.isEmpty());
}

void TestControlClient::natTypeReachesOthers()
{
    const DeviceIdentity alice = Test::ephemeralIdentity();
    auto a = makeClient(alice, QStringLiteral("alice"));
    a->setNatType(QStringLiteral("cone, port-restricted")); // before registering: goes in hello
    auto b = makeClient(Test::ephemeralIdentity(), QStringLiteral("bob"));
    a->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    b->start();
    QVERIFY(QCoro::waitFor(b->waitRegistered(5s)));
    QTRY_COMPARE_WITH_TIMEOUT(b->peers().size(), 1, 5000);
    QCOMPARE(b->peers().first().natType, QStringLiteral("cone, port-restricted"));

    QSignalSpy changed(b.get(), &ControlClient::peersChanged);
    a->setNatType(QStringLiteral("symmetric")); // after registering: a `nat` message
    QVERIFY(changed.wait(5000));
    QCOMPARE(b->peers().first().natType, QStringLiteral("symmetric"));
}

void TestControlClient::reregistersAfterServerRestart()
{
    auto a = makeClient(Test::ephemeralIdentity(), QStringLiteral("alice"));
    a->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    const quint16 port = a->localPort();

    QSignalSpy lost(a.get(), &ControlClient::connectionLost);
    QSignalSpy registered(a.get(), &ControlClient::registered);
    const quint16 serverPort = m_port;
    m_server.stop();
    QTRY_VERIFY_WITH_TIMEOUT(lost.count() >= 1, 5000);
    QVERIFY(!a->isRegistered());

    QVERIFY(startServer(fastServerConfig(serverPort)));
    QVERIFY(registered.wait(10000));
    QVERIFY(a->isRegistered());
    QCOMPARE(m_server->registeredCount(), 1);
    QCOMPARE(a->localPort(), port); // P survives the reconnect
}

void TestControlClient::failsOverToTheNextServer()
{
    // Two servers of one cluster: registered with the first; it goes away; the client is
    // registered with the second at once (no backoff), from the same port P.
    Test::TestServer second;
    QVERIFY(second.start(fastServerConfig()));
    ControlClientConfig config = m_server.clientConfig(QStringLiteral("alice"));
    config.moreServers = {HostPort {QStringLiteral("127.0.0.1"), second.port()}};
    config.reconnectMin = 200ms;
    config.reconnectMax = 30000ms; // a backoff round would take far longer than the wait below
    ControlClient a(Test::ephemeralIdentity(), config);
    a.start();
    QVERIFY(QCoro::waitFor(a.waitRegistered(5s)));
    QCOMPARE(a.serverPort(), m_port);
    QCOMPARE(second->registeredCount(), 0);
    const quint16 localPort = a.localPort();

    QSignalSpy registered(&a, &ControlClient::registered);
    QElapsedTimer clock;
    clock.start();
    m_server.stop();
    QVERIFY(registered.wait(5000));
    QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(a.serverPort(), second.port());
    QCOMPARE(a.currentServer().toString(), u"127.0.0.1:%1"_qs.arg(second.port()));
    QCOMPARE(second->registeredCount(), 1);
    QCOMPARE(a.localPort(), localPort);

    // The second goes away too; the first is back: the round wraps around to it.
    QVERIFY(startServer(fastServerConfig(m_port)));
    second.stop();
    QVERIFY(registered.wait(10000));
    QCOMPARE(a.serverPort(), m_port);
    QCOMPARE(m_server->registeredCount(), 1);
}

void TestControlClient::firstServerDownRegistersWithTheNext()
{
    quint16 deadPort = 0;
    {
        Test::TestServer gone; // a port nobody listens on any more
        QVERIFY(gone.start(fastServerConfig()));
        deadPort = gone.port();
    }
    ControlClientConfig config = m_server.clientConfig(QStringLiteral("bob"));
    config.port = deadPort;
    config.moreServers = {HostPort {QStringLiteral("127.0.0.1"), m_port}};
    config.reconnectMin = 200ms;
    config.reconnectMax = 30000ms;
    ControlClient b(Test::ephemeralIdentity(), config);
    b.start();
    QVERIFY(QCoro::waitFor(b.waitRegistered(3s)));
    QCOMPARE(b.serverPort(), m_port);
    QCOMPARE(m_server->registeredCount(), 1);
}

void TestControlClient::newestRegistrationWins()
{
    const DeviceIdentity alice = Test::ephemeralIdentity();
    auto first = makeClient(alice, QStringLiteral("alice (old)"));
    first->start();
    QVERIFY(QCoro::waitFor(first->waitRegistered(5s)));
    QSignalSpy firstLost(first.get(), &ControlClient::connectionLost);

    auto second = makeClient(alice, QStringLiteral("alice (new)"));
    second->start();
    QVERIFY(QCoro::waitFor(second->waitRegistered(5s)));
    QTRY_VERIFY_WITH_TIMEOUT(firstLost.count() >= 1, 5000);
    QVERIFY2(firstLost.first().first().toString().contains(QStringLiteral("replaced")),
        qPrintable(firstLost.first().first().toString()));
    QVERIFY(!first->isRegistered());
    QVERIFY(second->isRegistered());
    QCOMPARE(m_server->registeredCount(), 1);

    // The replaced client does not start a tug of war: it stays off.
    auto observer = makeClient(Test::ephemeralIdentity(), QStringLiteral("observer"));
    observer->start();
    QVERIFY(QCoro::waitFor(observer->waitRegistered(5s)));
    QTRY_COMPARE_WITH_TIMEOUT(observer->peers().size(), 1, 5000);
    QCOMPARE(observer->peers().first().name, QStringLiteral("alice (new)"));
    QSignalSpy firstRegistered(first.get(), &ControlClient::registered);
    QVERIFY(!firstRegistered.wait(500)); // longer than the reconnect backoff (50-200 ms)
    QVERIFY(second->isRegistered());
    QVERIFY(!first->isRegistered());
}

void TestControlClient::largePresenceListArrivesInBatches()
{
    // More peers than one `peers` frame holds (100): the list comes in several frames.
    constexpr int kPeers = 110;
    std::vector<std::unique_ptr<ControlClient>> crowd;
    for (int i = 0; i < kPeers; ++i) {
        crowd.push_back(makeClient(Test::ephemeralIdentity(), QStringLiteral("peer %1").arg(i)));
        crowd.back()->start();
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->registeredCount(), kPeers, 30000);
    auto latecomer = makeClient(Test::ephemeralIdentity(), QStringLiteral("latecomer"));
    QSignalSpy changed(latecomer.get(), &ControlClient::peersChanged);
    latecomer->start();
    QVERIFY(QCoro::waitFor(latecomer->waitRegistered(5s)));
    QTRY_COMPARE_WITH_TIMEOUT(latecomer->peers().size(), kPeers, 5000);
    QVERIFY(changed.count() >= 2); // at least two batches
    QSet<QString> names;
    for (const PeerInfo &p : latecomer->peers())
        names.insert(p.name);
    QCOMPARE(names.size(), kPeers);
}

void TestControlClient::serverIsPinnedOnFirstUse()
{
    QTemporaryDir dir;
    const QString pinsFile = dir.filePath(QStringLiteral("servers.json"));
    const quint16 serverPort = m_port;
    ControlClientConfig config = m_server.clientConfig(QStringLiteral("alice"));
    config.connectTimeout = 3000ms;
    config.reconnectMin = 50ms;
    config.reconnectMax = 200ms;
    config.serverPinsFile = pinsFile;
    ControlClient client(Test::ephemeralIdentity(), config);

    // First contact: registered, and the server's id is written down for 127.0.0.1:port.
    client.start();
    QVERIFY(QCoro::waitFor(client.waitRegistered(5s)));
    const QString key = ServerPins::keyFor(config.host, serverPort);
    QCOMPARE(ServerPins(pinsFile).pinned(key, nullptr), m_server.identity().id());

    // The same server again (restarted): accepted.
    QSignalSpy lost(&client, &ControlClient::connectionLost);
    QSignalSpy registered(&client, &ControlClient::registered);
    m_server.stop();
    QTRY_VERIFY_WITH_TIMEOUT(lost.count() >= 1, 5000);
    QVERIFY(startServer(fastServerConfig(serverPort)));
    QVERIFY(registered.wait(10000));

    // Another key on the same address: refused before hello, with a reason that says what to do.
    m_server.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!client.isRegistered(), 5000);
    registered.clear();
    m_server.setIdentity(Test::ephemeralIdentity());
    QVERIFY(startServer(fastServerConfig(serverPort)));
    QTRY_VERIFY_WITH_TIMEOUT(
        client.lastError().contains(QStringLiteral("different identity")), 10000);
    QVERIFY2(client.lastError().contains(pinsFile), qPrintable(client.lastError()));
    QCOMPARE(registered.count(), 0);
    QCOMPARE(m_server->registeredCount(), 0);
    QVERIFY(!client.isRegistered());

    // The person trusts the reinstalled server: forgetting the pin lets the client back in.
    QString error;
    QVERIFY2(ServerPins(pinsFile).forget(key, &error), qPrintable(error));
    QVERIFY(registered.wait(10000));
    QCOMPARE(ServerPins(pinsFile).pinned(key, nullptr), m_server.identity().id());
}

void TestControlClient::damagedPinFileFailsClosed()
{
    // A pin file cut by two bytes (a crash, a full disk): before, it read as "no pins", so the
    // server at hand (possibly an impostor) was pinned and every other pin was erased.
    QTemporaryDir dir;
    const QString pinsFile = dir.filePath(QStringLiteral("servers.json"));
    const QString otherKey = ServerPins::keyFor(QStringLiteral("other.example"), 8877);
    const DeviceId otherServer = Test::ephemeralIdentity().id();
    QString error;
    QVERIFY2(ServerPins(pinsFile).pin(otherKey, otherServer, &error), qPrintable(error));
    QFile file(pinsFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray cut = file.readAll().chopped(2);
    file.close();
    QVERIFY(Test::writeFile(pinsFile, cut));

    ControlClientConfig config = m_server.clientConfig(QStringLiteral("alice"));
    config.connectTimeout = 3000ms;
    config.reconnectMin = 50ms;
    config.reconnectMax = 200ms;
    config.serverPinsFile = pinsFile;
    ControlClient client(Test::ephemeralIdentity(), config);
    QSignalSpy registered(&client, &ControlClient::registered);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(client.lastError().contains(QStringLiteral("damaged")), 10000);
    QVERIFY2(client.lastError().contains(pinsFile), qPrintable(client.lastError()));
    QVERIFY2(client.lastError().contains(QStringLiteral("move it away")),
        qPrintable(client.lastError()));
    QCOMPARE(registered.count(), 0);
    QCOMPARE(m_server->registeredCount(), 0);
    client.stop();
    // Nothing was written over: the damaged bytes are still there for the person to repair.
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), cut);
    file.close();
    QVERIFY(!ServerPins(pinsFile).pinned(otherKey, &error));
    QVERIFY(!ServerPins(pinsFile).pin(otherKey, otherServer, &error));
    QVERIFY(!ServerPins(pinsFile).forget(otherKey, &error));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), cut);
}

void TestControlClient::requestsOutliveTheClient()
{
    // The desktop app replaces its engine (and this client) when the server changes in Settings,
    // whatever lookups or connects are in flight: they must end, not touch the dead client.
    auto a = makeClient(Test::ephemeralIdentity(), QStringLiteral("alice"));
    a->start();
    QVERIFY(QCoro::waitFor(a->waitRegistered(5s)));
    auto lookup = a->lookup(QStringLiteral("nobody-by-this-name"), 3s);
    auto connect = a->requestConnect(Test::ephemeralIdentity().id(), ConnectMode::Auto, 3s);
    a.reset();
    const LookupReply looked = QCoro::waitFor(std::move(lookup));
    QVERIFY2(looked.code == LookupStatus::ConnectionLost || looked.code == LookupStatus::Timeout,
        qPrintable(lookupStatusName(looked.code)));
    const ConnectReply connected = QCoro::waitFor(std::move(connect));
    QVERIFY(!connected.go);
    QVERIFY2(connected.errorCode == ConnectFailure::ConnectionLost
            || connected.errorCode == ConnectFailure::Timeout,
        qPrintable(connectFailureName(connected.errorCode)));
}

QTEST_GUILESS_MAIN(TestControlClient)
#include "tst_controlclient.moc"
