// SPDX-License-Identifier: GPL-3.0-or-later
// The rendezvous server against hostile clients on raw sockets: slowloris variants, garbage,
// oversized and malformed frames, protocol violations, connection limits. After each test a
// well-behaved ControlClient (the bystander) must still be registered and served.

#include "net/client/controlclient.h"
#include "net/security/controllink.h"
#include "net/server/rendezvousserver.h"
#include "net/wire/controlprotocol.h"
#include "net/wire/relayjoin.h"
#include "support/rawcontrolclient.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

#include <memory>

using namespace PunchDrop;
using namespace PunchDrop::Control;
using namespace std::chrono_literals;

namespace {
constexpr int kHandshakeMs = 500;
constexpr int kIdleMs = 800;

RendezvousServerConfig testConfig()
{
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.timeouts.handshake = std::chrono::milliseconds(kHandshakeMs);
    config.timeouts.idle = std::chrono::milliseconds(kIdleMs);
    config.keepaliveInterval = 200ms;
    config.rttProbeTimeout = 300ms;
    return config;
}

bool waitTcpClosed(QTcpSocket &socket, int timeoutMs = 5000)
{
    return QTest::qWaitFor(
        [&] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
}
} // namespace

class TestRendezvousServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void listenFailsOnPortInUse();
    void silentConnectionIsDropped();
    void halfTlsHelloIsDropped();
    void tlsWithoutHelloIsDropped();
    void garbageBytesAreDropped();
    void halfFrameThenSilenceIsDropped();
    void idleRegisteredClientIsDropped();
    void keepaliveKeepsClientOnline();
    void oversizedFrameIsAnsweredAndClosed();
    void malformedBodyIsAnsweredAndClosed();
    void protocolViolations_data();
    void protocolViolations();
    void clientCertificateIsRequired();
    void oldTlsClientIsRefused();
    void halfRecordThenSilenceIsDropped();
    void tamperedRecordClosesTheConnection();
    void deviceIdComesFromCertificate();
    void clientLimit();
    void perAddressLimit();
    void perAddressLimitCoversThePrefix();
    void handshakesAreCappedPerPrefix();
    void outcomeIsAccepted();
    void portMappingIsVouched_data();
    void portMappingIsVouched();
    void addressClaims();
    void busyAndSilentResponder();
    void binaryServesAndStopsOnSigterm();
    void binaryFailsOnPortInUse();

private:
    bool startServer(const RendezvousServerConfig &config, bool withBystander);

    DeviceIdentity m_bystanderIdentity = Test::ephemeralIdentity();
    Test::TestServer m_server;
    std::unique_ptr<ControlClient> m_bystander;
    quint16 m_port = 0;
};

bool TestRendezvousServer::startServer(const RendezvousServerConfig &config, bool withBystander)
{
    m_bystander.reset();
    if (!m_server.start(config))
        return false;
    m_port = m_server.port();
    if (!withBystander)
        return true;
    ControlClientConfig clientConfig = m_server.clientConfig(QStringLiteral("bystander"));
    clientConfig.keepaliveInterval = 200ms;
    clientConfig.reconnectMin = 5000ms; // a reconnect would hide a dropped bystander
    m_bystander = std::make_unique<ControlClient>(m_bystanderIdentity, clientConfig);
    m_bystander->start();
    return QCoro::waitFor(m_bystander->waitRegistered(5s));
}

void TestRendezvousServer::init()
{
    QVERIFY(startServer(testConfig(), true));
}

void TestRendezvousServer::cleanup()
{
    if (m_bystander) {
        // Other clients keep working: still registered, and the server still introduces.
        QVERIFY(m_bystander->isRegistered());
        QSignalSpy lost(m_bystander.get(), &ControlClient::connectionLost);
        const ConnectReply reply = QCoro::waitFor(
            m_bystander->requestConnect(Test::ephemeralIdentity().id(), ConnectMode::Auto, 5s));
        QCOMPARE(reply.errorCode, ConnectFailure::Offline);
        QCOMPARE(lost.count(), 0);
    }
    m_bystander.reset();
    m_server.stop();
}

void TestRendezvousServer::listenFailsOnPortInUse()
{
    RendezvousServerConfig config = testConfig();
    config.port = m_port;
    RendezvousServer second(m_server.identity(), config);
    QString error;
    QVERIFY(!second.listen(&error));
    QVERIFY2(error.contains(QString::number(m_port)), qPrintable(error));
}

void TestRendezvousServer::silentConnectionIsDropped()
{
    QTcpSocket silent;
    QElapsedTimer clock;
    clock.start();
    silent.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(
        QTest::qWaitFor([&] { return silent.state() == QAbstractSocket::ConnectedState; }, 5000));
    QVERIFY(waitTcpClosed(silent));
    QVERIFY2(clock.elapsed() >= kHandshakeMs - 100, qPrintable(QString::number(clock.elapsed())));
}

void TestRendezvousServer::halfTlsHelloIsDropped()
{
    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(QTest::qWaitFor([&] { return slow.state() == QAbstractSocket::ConnectedState; }, 5000));
    // The start of a TLS ClientHello record announcing 512 bytes, then nothing.
    slow.write(QByteArray::fromHex("160301020001000001fc0303"));
    QElapsedTimer clock;
    clock.start();
    QVERIFY(waitTcpClosed(slow));
    QVERIFY2(clock.elapsed() >= kHandshakeMs - 150, qPrintable(QString::number(clock.elapsed())));
}

void TestRendezvousServer::tlsWithoutHelloIsDropped()
{
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.waitEncrypted());
    QVERIFY(client.waitClosed());
}

void TestRendezvousServer::garbageBytesAreDropped()
{
    QTcpSocket http;
    http.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(QTest::qWaitFor([&] { return http.state() == QAbstractSocket::ConnectedState; }, 5000));
    http.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    QElapsedTimer clock;
    clock.start();
    QVERIFY(waitTcpClosed(http));
    QVERIFY2(clock.elapsed() < kHandshakeMs, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_server->connectionCount(), 1); // only the bystander
}

void TestRendezvousServer::halfFrameThenSilenceIsDropped()
{
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    client.sendPlain(QByteArray::fromHex("000000"));
    const auto error = client.nextError(5000);
    QVERIFY(error);
    QCOMPARE(error->code, ServerError::Idle);
    QVERIFY(client.waitClosed());
}

void TestRendezvousServer::idleRegisteredClientIsDropped()
{
    QSignalSpy left(m_server.get(), &RendezvousServer::clientLeft);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    QElapsedTimer clock;
    clock.start();
    QVERIFY(client.waitClosed());
    QVERIFY2(clock.elapsed() >= kIdleMs - 200, qPrintable(QString::number(clock.elapsed())));
    QTRY_COMPARE_WITH_TIMEOUT(left.count(), 1, 5000);
}

void TestRendezvousServer::keepaliveKeepsClientOnline()
{
    // The bystander pings every 200 ms; across three idle periods it stays registered.
    QSignalSpy lost(m_bystander.get(), &ControlClient::connectionLost);
    QVERIFY(!lost.wait(3 * kIdleMs));
    QVERIFY(m_bystander->isRegistered());
}

void TestRendezvousServer::oversizedFrameIsAnsweredAndClosed()
{
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    client.sendPlain(QByteArray::fromHex("00010001") + QByteArray(1000, 'x'));
    const auto error = client.nextError();
    QVERIFY(error);
    QCOMPARE(error->code, ServerError::Protocol);
    QVERIFY2(error->message.contains(QStringLiteral("exceeds")), qPrintable(error->message));
    QVERIFY(client.waitClosed());
}

void TestRendezvousServer::malformedBodyIsAnsweredAndClosed()
{
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.waitEncrypted());
    client.sendPlain(QByteArray::fromHex("00000004ffffffff")); // before hello, even
    const auto error = client.nextError();
    QVERIFY(error);
    QCOMPARE(error->code, ServerError::Protocol);
    QVERIFY(client.waitClosed());
}

void TestRendezvousServer::protocolViolations_data()
{
    QTest::addColumn<ControlMessage>("first");
    QTest::addColumn<ControlMessage>("second");
    QTest::addColumn<QString>("code");
    const ControlMessage hello = Hello {ControlProtocol::kVersion, QStringLiteral("x"), {}, {}, {}};
    QTest::newRow("ping before hello")
        << ControlMessage(Ping {1}) << ControlMessage(Ping {2}) << QStringLiteral("protocol");
    QTest::newRow("unsupported version")
        << ControlMessage(Hello {ControlProtocol::kVersion + 1, QStringLiteral("x"), {}, {}, {}})
        << hello << QStringLiteral("version");
    QTest::newRow("hello twice") << hello << hello << QStringLiteral("protocol");
    QTest::newRow("client sends a server message")
        << hello
        << ControlMessage(Welcome {1, Test::ephemeralIdentity().id(), {QHostAddress::LocalHost, 1},
               true, Test::ephemeralIdentity().id(), 1})
        << QStringLiteral("protocol");
    QTest::newRow("client sends go")
        << hello
        << ControlMessage(Go {1, QByteArray(16, 's'), true, Test::ephemeralIdentity().id(), {},
               {QHostAddress::LocalHost, 1}, {}, {}, true, {}, 0, 0, {}, PortMapProtocol::None, {}})
        << QStringLiteral("protocol");
}

void TestRendezvousServer::protocolViolations()
{
    QFETCH(ControlMessage, first);
    QFETCH(ControlMessage, second);
    QFETCH(QString, code);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.waitEncrypted());
    client.send(first);
    client.send(second);
    const auto error = client.nextError();
    QVERIFY(error);
    QCOMPARE(serverErrorName(error->code), code);
    QVERIFY(client.waitClosed());
}

void TestRendezvousServer::clientCertificateIsRequired()
{
    // Refused in the TLS handshake (certificate_required alert): the client never gets to send.
    Test::RawControlClient anonymous(m_port);
    QVERIFY(anonymous.waitClosed());
    QCOMPARE(anonymous.link->error(), ControlLink::Error::Handshake);
    QVERIFY2(anonymous.link->errorString().contains(u"certificate required"),
        qPrintable(anonymous.link->errorString()));
    QCOMPARE(m_server->registeredCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 1, 5000);
}

void TestRendezvousServer::oldTlsClientIsRefused()
{
    // The control connection of earlier versions: TLS records (QSslSocket), no ALPN.
    QSslSocket old;
    QSslConfiguration tls = Test::ephemeralIdentity().tlsConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    old.setSslConfiguration(tls);
    QSignalSpy errors(&old, &QAbstractSocket::errorOccurred);
    old.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 5000);
    QVERIFY(!old.isEncrypted());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 1, 5000);
}

void TestRendezvousServer::halfRecordThenSilenceIsDropped()
{
    // Inside the link: a record header announcing 200 bytes, 10 of them, then silence. The idle
    // timeout applies; the server's own records still reach us.
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    client.sendRaw(QByteArray::fromHex("000000c8") + QByteArray(10, 'x'));
    const auto error = client.nextError(5000);
    QVERIFY(error);
    QCOMPARE(error->code, ServerError::Idle);
    QVERIFY(client.waitClosed());
}

void TestRendezvousServer::tamperedRecordClosesTheConnection()
{
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    QSignalSpy left(m_server.get(), &RendezvousServer::clientLeft);
    // A well-formed length with bytes that were never sealed with the link's key.
    client.sendRaw(QByteArray::fromHex("00000020") + QByteArray(32, 'x'));
    QVERIFY(client.waitClosed());
    QTRY_COMPARE_WITH_TIMEOUT(left.count(), 1, 5000);
}

void TestRendezvousServer::deviceIdComesFromCertificate()
{
    const DeviceIdentity identity = Test::ephemeralIdentity();
    Test::RawControlClient client(m_port, identity);
    QVERIFY(client.waitEncrypted());
    client.send(Hello {ControlProtocol::kVersion, QStringLiteral("me"), {}, {}, {}});
    const auto welcome = client.next();
    QVERIFY(welcome);
    const Welcome w = std::get<Welcome>(*welcome);
    QCOMPARE(w.yourId, identity.id());
    QCOMPARE(w.serverId, m_server.identity().id());
    QCOMPARE(w.observed, (Endpoint {QHostAddress::LocalHost, client.localPort()}));
    QVERIFY(w.relayAvailable);
    QCOMPARE(w.version, ControlProtocol::kVersion);
    // Presence: the bystander, then the server's RTT probe.
    const auto peers = client.next();
    QVERIFY(peers);
    QCOMPARE(std::get<Peers>(*peers).peers.size(), 1);
    QCOMPARE(std::get<Peers>(*peers).peers.first().name, QStringLiteral("bystander"));
    const auto ping = client.next();
    QVERIFY(ping && std::holds_alternative<Ping>(*ping));
}

void TestRendezvousServer::clientLimit()
{
    RendezvousServerConfig config = testConfig();
    config.maxClients = 2;
    config.timeouts.handshake = 5000ms;
    QVERIFY(startServer(config, false));
    QTcpSocket one, two, three;
    for (QTcpSocket *s : {&one, &two}) {
        s->connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(
            QTest::qWaitFor([&] { return s->state() == QAbstractSocket::ConnectedState; }, 5000));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 2, 5000);
    three.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(waitTcpClosed(three, 2000)); // long before the 5 s handshake deadline
    QCOMPARE(one.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(two.state(), QAbstractSocket::ConnectedState);

    // A freed slot is usable again, by a real client.
    one.abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 1, 5000);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
}

void TestRendezvousServer::perAddressLimit()
{
    RendezvousServerConfig config = testConfig();
    config.maxConnectionsPerAddress = 2;
    config.timeouts.handshake = 5000ms;
    QVERIFY(startServer(config, false));
    QTcpSocket one, two, three;
    for (QTcpSocket *s : {&one, &two}) {
        s->connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(
            QTest::qWaitFor([&] { return s->state() == QAbstractSocket::ConnectedState; }, 5000));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 2, 5000);
    three.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(waitTcpClosed(three, 2000));
    QCOMPARE(one.state(), QAbstractSocket::ConnectedState);
    two.abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 1, 5000);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
}

namespace {
//! A TCP connection from \a source that sends nothing; returns once it is connected, or closed
//! already (a refused one may close before the client has seen it connected: under Wine it
//! does, and waiting for "connected" then cost 5 s, past the other connections' deadline).
std::unique_ptr<QTcpSocket> silentFrom(const char *source, quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    if (!socket->bind(QHostAddress(QString::fromLatin1(source)), 0))
        qWarning("cannot bind %s", source);
    socket->connectToHost(QHostAddress::LocalHost, port);
    static_cast<void>(QTest::qWaitFor(
        [&] {
            return socket->state() == QAbstractSocket::ConnectedState
                || socket->state() == QAbstractSocket::UnconnectedState;
        },
        5000));
    return socket;
}
} // namespace

void TestRendezvousServer::perAddressLimitCoversThePrefix()
{
    // Before: 127.0.0.1, .2 and .3 each had 256 connections; one host easily holds a /24 (and
    // every IPv6 host a /64).
    RendezvousServerConfig config = testConfig();
    config.maxConnectionsPerAddress = 2;
    config.timeouts.handshake = 5000ms;
    QVERIFY(startServer(config, false));
    auto one = silentFrom("127.0.0.1", m_port);
    auto two = silentFrom("127.0.0.2", m_port);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 2, 5000);
    auto three = silentFrom("127.0.0.3", m_port);
    QVERIFY(waitTcpClosed(*three, 2000)); // same /24: refused
    auto elsewhere = silentFrom("127.0.1.1", m_port); // another /24
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 3, 5000);
    QCOMPARE(elsewhere->state(), QAbstractSocket::ConnectedState);
    QCOMPARE(one->state(), QAbstractSocket::ConnectedState);
}

void TestRendezvousServer::handshakesAreCappedPerPrefix()
{
    // Each connection before hello holds a TLS handshake (~48 KiB): few at once per network,
    // and few overall, however many connections are allowed.
    RendezvousServerConfig config = testConfig();
    config.maxHandshakesPerPrefix = 2;
    config.maxHandshakes = 3;
    config.timeouts.handshake = 5000ms;
    QVERIFY(startServer(config, false));
    auto one = silentFrom("127.0.0.1", m_port);
    auto two = silentFrom("127.0.0.2", m_port);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->handshakeCount(), 2, 5000);
    auto three = silentFrom("127.0.0.3", m_port);
    QVERIFY(waitTcpClosed(*three, 2000)); // long before the 5 s deadline
    auto other = silentFrom("127.0.1.1", m_port);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->handshakeCount(), 3, 5000);
    auto fourth = silentFrom("127.0.2.1", m_port);
    QVERIFY(waitTcpClosed(*fourth, 2000)); // the overall cap
    // A finished handshake frees its place: a real client from the first network registers.
    one->abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->handshakeCount(), 2, 5000);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->handshakeCount(), 2, 5000);
}

namespace {
//! The raw client's go after a connect, answering the server's RTT pings meanwhile.
std::optional<Go> awaitGo(Test::RawControlClient &client)
{
    for (;;) {
        const auto message = client.next();
        if (!message)
            return std::nullopt;
        if (const auto *ping = std::get_if<Ping>(&*message))
            client.send(Pong {ping->nonce});
        else if (const auto *go = std::get_if<Go>(&*message))
            return *go;
    }
}
} // namespace

void TestRendezvousServer::outcomeIsAccepted()
{
    QSignalSpy outcome(m_server.get(), &RendezvousServer::outcomeReported);
    QSignalSpy bystanderGo(m_bystander.get(), &ControlClient::goReceived);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    client.send(Connect {9, m_bystanderIdentity.id(), ConnectMode::Auto});
    const std::optional<Go> go = awaitGo(client);
    QVERIFY(go);
    QCOMPARE(go->requestId, 9u);
    QVERIFY(go->initiator);
    QCOMPARE(go->peer, m_bystanderIdentity.id());
    QCOMPARE(go->peerPublic, m_bystander->observedEndpoint());
    QTRY_COMPARE_WITH_TIMEOUT(bystanderGo.count(), 1, 5000);
    QCOMPARE(bystanderGo.first().first().value<GoMessage>().sessionId, go->sessionId);

    client.send(Outcome {go->sessionId, OutcomeKind::Direct, PathKind::DirectPunch, 120, {}});
    QVERIFY(outcome.wait(5000));
    QCOMPARE(outcome.first().at(0).toByteArray(), go->sessionId);
    QCOMPARE(outcome.first().at(1).value<OutcomeKind>(), OutcomeKind::Direct);
    // An outcome for a session the server never made is logged and ignored, not fatal.
    client.send(Outcome {QByteArray(16, 'z'), OutcomeKind::Failed, PathKind::Relayed, 1, {}});
    client.send(Ping {77});
    const auto pong = client.next();
    QVERIFY(pong && std::holds_alternative<Pong>(*pong));
    QCOMPARE(std::get<Pong>(*pong).nonce, 77u);
    QCOMPARE(outcome.count(), 1);
}

void TestRendezvousServer::portMappingIsVouched_data()
{
    QTest::addColumn<QString>("reported"); // the raw client's `mapped` endpoint ("" = none)
    QTest::addColumn<bool>("withdrawn"); // followed by `mapped` without an endpoint
    QTest::addColumn<bool>("handedOn");
    QTest::newRow("on its public address") << QStringLiteral("127.0.0.1:4242") << false << true;
    QTest::newRow("on another address: a third party")
        << QStringLiteral("192.0.2.7:4242") << false << false;
    QTest::newRow("withdrawn") << QStringLiteral("127.0.0.1:4242") << true << false;
    QTest::newRow("never reported") << QString() << false << false;
}

void TestRendezvousServer::portMappingIsVouched()
{
    QFETCH(QString, reported);
    QFETCH(bool, withdrawn);
    QFETCH(bool, handedOn);
    // The bystander reports its mapping through ControlClient (sent at once while registered).
    const Endpoint bystanderMapped {QHostAddress::LocalHost, 5555};
    m_bystander->setPortMapping(bystanderMapped, PortMapProtocol::NatPmp);
    QSignalSpy bystanderGo(m_bystander.get(), &ControlClient::goReceived);
    Test::RawControlClient client(m_port, Test::ephemeralIdentity());
    QVERIFY(client.registerWith());
    if (!reported.isEmpty())
        client.send(Mapped {*ControlProtocol::parseEndpoint(reported), PortMapProtocol::Upnp});
    if (withdrawn)
        client.send(Mapped {});
    client.send(Connect {3, m_bystanderIdentity.id(), ConnectMode::Auto});
    const std::optional<Go> go = awaitGo(client);
    QVERIFY(go);
    QCOMPARE(go->peerMapped, bystanderMapped);
    QCOMPARE(go->peerMapper, PortMapProtocol::NatPmp);
    QTRY_COMPARE_WITH_TIMEOUT(bystanderGo.count(), 1, 5000);
    const GoMessage theirs = bystanderGo.first().first().value<GoMessage>();
    if (handedOn) {
        QCOMPARE(theirs.peerMapped, *ControlProtocol::parseEndpoint(reported));
        QCOMPARE(theirs.peerMapper, PortMapProtocol::Upnp);
    } else {
        QVERIFY(!theirs.peerMapped.isValid());
        QCOMPARE(theirs.peerMapper, PortMapProtocol::None);
    }
    m_bystander->setPortMapping({}, PortMapProtocol::None);
}

void TestRendezvousServer::addressClaims()
{
    // A server on 127.0.0.1 that also listens on ::1: clients registered over IPv4 are offered
    // a claim of their IPv6 address there.
    RendezvousServerConfig config = testConfig();
    config.claimAddress = QHostAddress::LocalHostIPv6;
    Test::TestServer server;
    QString error;
    QVERIFY2(server.start(config, &error), qPrintable(error));
    const quint16 port = server.port();
    Test::RawControlClient a(port, Test::ephemeralIdentity(), {}, QStringLiteral("a"));
    QVERIFY(a.registerWith());
    const std::optional<Welcome> welcome = a.first<Welcome>();
    QVERIFY(welcome);
    QCOMPARE(welcome->claimAt, Endpoint({QHostAddress::LocalHostIPv6, port}));
    QCOMPARE(welcome->claimToken.size(), ControlProtocol::kClaimTokenSize);

    // The answer byte to a claim of \a token sent to \a to, or < 0 when none came.
    const auto claim = [&](const QHostAddress &to, const QByteArray &token, quint16 *from) {
        QTcpSocket s;
        s.connectToHost(to, port);
        if (!s.waitForConnected(5000))
            return -2;
        *from = s.localPort();
        s.write(RelayJoin::encodeClaim(token));
        static_cast<void>(QTest::qWaitFor(
            [&] {
                return s.bytesAvailable() > 0 || s.state() == QAbstractSocket::UnconnectedState;
            },
            5000));
        const QByteArray answer = s.read(1);
        return answer.isEmpty() ? -1 : int(quint8(answer.at(0)));
    };
    quint16 from = 0;
    QByteArray wrong = welcome->claimToken;
    wrong[0] = char(wrong.at(0) ^ 1);
    QCOMPARE(claim(QHostAddress::LocalHostIPv6, wrong, &from), int(RelayJoin::kRefused));
    // Over IPv4 it would only repeat what the server already sees.
    QCOMPARE(claim(QHostAddress::LocalHost, welcome->claimToken, &from), int(RelayJoin::kRefused));
    QCOMPARE(
        claim(QHostAddress::LocalHostIPv6, welcome->claimToken, &from), int(RelayJoin::kPaired));
    const quint16 claimedPort = from;

    // Whoever is introduced to a gets the claimed endpoint in its go; a's go about b has none.
    Test::RawControlClient b(port, Test::ephemeralIdentity(), {}, QStringLiteral("b"));
    QVERIFY(b.registerWith());
    b.send(Connect {1, a.id(), ConnectMode::Auto});
    const std::optional<Go> go = awaitGo(b);
    QVERIFY(go);
    QCOMPARE(go->peerAlso, Endpoint({QHostAddress::LocalHostIPv6, claimedPort}));
    QCOMPARE(go->peerPublic.address, QHostAddress(QHostAddress::LocalHost));
    const std::optional<Go> aboutB = awaitGo(a);
    QVERIFY(aboutB);
    QVERIFY(!aboutB->peerAlso.isValid());
    // The token dies with the registration.
    auto c = std::make_unique<Test::RawControlClient>(port, Test::ephemeralIdentity());
    QVERIFY(c->registerWith());
    const QByteArray token = c->first<Welcome>()->claimToken;
    QVERIFY(token != welcome->claimToken);
    const int online = server->registeredCount();
    c.reset();
    QTRY_COMPARE_WITH_TIMEOUT(server->registeredCount(), online - 1, 5000);
    QCOMPARE(claim(QHostAddress::LocalHostIPv6, token, &from), int(RelayJoin::kRefused));
}

void TestRendezvousServer::busyAndSilentResponder()
{
    // The responder never answers the server's pings: the introduction waits for the RTT probe
    // timeout (300 ms here) and then counts the responder's RTT as that timeout.
    const DeviceIdentity responderIdentity = Test::ephemeralIdentity();
    Test::RawControlClient responder(m_port, responderIdentity, {}, QStringLiteral("silent"));
    QVERIFY(responder.registerWith());
    Test::RawControlClient initiator(
        m_port, Test::ephemeralIdentity(), {}, QStringLiteral("eager"));
    QVERIFY(initiator.registerWith());
    for (quint32 req = 1; req <= 5; ++req)
        initiator.send(Connect {req, responderIdentity.id(), ConnectMode::Auto});

    const int margin = int(testConfig().startMargin.count());
    QList<Go> gos;
    std::optional<ConnectError> busy;
    QElapsedTimer clock;
    clock.start();
    while ((gos.size() < 4 || !busy) && clock.elapsed() < 10000) {
        const auto message = initiator.next(10000 - int(clock.elapsed()));
        QVERIFY(message);
        if (const auto *ping = std::get_if<Ping>(&*message))
            initiator.send(Pong {ping->nonce});
        else if (const auto *go = std::get_if<Go>(&*message))
            gos.append(*go);
        else if (const auto *error = std::get_if<ConnectError>(&*message))
            busy = *error;
    }
    QVERIFY(busy);
    QCOMPARE(busy->requestId, 5u); // more than 4 in flight
    QCOMPARE(busy->code, ConnectFailure::Busy);
    QCOMPARE(gos.size(), 4);
    QVERIFY(clock.elapsed() >= 250); // waited for the probe
    for (const Go &go : std::as_const(gos)) {
        QVERIFY(go.requestId >= 1 && go.requestId <= 4);
        // D = max(rtt)/2 + margin = 300/2 + the default margin; the initiator's own RTT was
        // measured.
        QVERIFY2(go.rttMs >= 0 && go.rttMs < 300, qPrintable(QString::number(go.rttMs)));
        QCOMPARE(go.startInMs, 150 + margin - go.rttMs / 2);
    }
    // The silent responder got its four introductions too, each timed for its assumed 300 ms RTT.
    int responderGos = 0;
    while (responderGos < 4) {
        const auto message = responder.next();
        QVERIFY(message);
        if (const auto *go = std::get_if<Go>(&*message)) {
            ++responderGos;
            QVERIFY(!go->initiator);
            QCOMPARE(go->requestId, 0u);
            QCOMPARE(go->rttMs, 300);
            QCOMPARE(go->startInMs, 150 + margin - 150);
        }
    }
}

void TestRendezvousServer::binaryServesAndStopsOnSigterm()
{
#ifdef Q_OS_WIN
    QSKIP("SIGTERM is Unix-only");
#endif
    QVERIFY(!Test::punchdropBinary().isEmpty());
    quint16 port = 0;
    {
        QTcpServer probe; // a free port for the child (closed again before it starts)
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    QTemporaryDir config;
    QProcess server;
    server.setProcessChannelMode(QProcess::SeparateChannels);
    server.start(Test::punchdropBinary(),
        {QStringLiteral("--server"), QStringLiteral("--listen"),
            QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--config-dir"),
            config.path()});
    QByteArray log;
    QVERIFY(QTest::qWaitFor(
        [&] {
            log += server.readAllStandardError();
            return log.contains(QByteArray("listening on 127.0.0.1:" + QByteArray::number(port)))
                || server.state() == QProcess::NotRunning;
        },
        10000));
    QVERIFY2(server.state() == QProcess::Running, log.constData());
    QVERIFY2(log.contains("server id "), log.constData());

    ControlClientConfig clientConfig;
    clientConfig.host = QStringLiteral("127.0.0.1");
    clientConfig.port = port;
    clientConfig.displayName = QStringLiteral("e2e");
    ControlClient client(Test::ephemeralIdentity(), clientConfig);
    client.start();
    QVERIFY(QCoro::waitFor(client.waitRegistered(5s)));
    QVERIFY(QTest::qWaitFor(
        [&] {
            log += server.readAllStandardError();
            return log.contains("registered ");
        },
        5000));

    server.terminate(); // SIGTERM
    // Not waitForFinished(): the bystander must keep its keepalives going meanwhile.
    QVERIFY(QTest::qWaitFor([&] { return server.state() == QProcess::NotRunning; }, 10000));
    log += server.readAllStandardError();
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
    QVERIFY2(log.contains("shutting down"), log.constData());
}

void TestRendezvousServer::binaryFailsOnPortInUse()
{
    QTemporaryDir config;
    const Test::ProcessResult r
        = Test::runPunchdrop({QStringLiteral("--server"), QStringLiteral("--listen"),
                                 QStringLiteral("127.0.0.1:%1").arg(m_port),
                                 QStringLiteral("--config-dir"), config.path()},
            10000);
    QVERIFY(r.finished);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QByteArray("cannot listen on 127.0.0.1:" + QByteArray::number(m_port))),
        r.err.constData());
}

QTEST_GUILESS_MAIN(TestRendezvousServer)
#include "tst_rendezvousserver.moc"
