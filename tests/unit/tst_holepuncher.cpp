// SPDX-License-Identifier: GPL-3.0-or-later
// HolePuncher on loopback: two punchers dial each other from their control ports with listeners
// on the same ports; the result is one mutually authenticated, selected TLS connection. Real NAT
// behaviour (simultaneous open through cone NATs, symmetric NATs) is proven in tests/natlab.

#include "core/socket/reusablesocket.h"
#include "net/client/holepuncher.h"
#include "net/security/deviceidentity.h"
#include "net/security/securestream.h"

#include <QSslSocket>
#include <QTcpServer>
#include <QTest>

#include <qcorotask.h>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {
// A free port that stays free: bind natively (reuse options) to learn one, then release it.
quint16 freePort()
{
    QString error;
    QTcpServer probe;
    if (!ReusableSocket::listen(probe, QHostAddress::AnyIPv4, 0, &error))
        return 0;
    return probe.serverPort();
}

PunchTimings fastTimings()
{
    PunchTimings t;
    t.attemptTimeout = 500ms;
    t.retryDelay = 20ms;
    t.deadline = 3000ms;
    t.handshakeTimeout = 2000ms;
    t.selectGrace = 1000ms;
    return t;
}

struct Pair
{
    PunchResult a;
    PunchResult b;
};

Pair punchPair(const DeviceIdentity &a, const DeviceIdentity &b, const DeviceId &aExpects,
    const DeviceId &bExpects, PunchTimings timings, bool bPresent = true)
{
    const quint16 portA = freePort();
    const quint16 portB = freePort();
    PunchPlan planA {aExpects, true, portA, {Endpoint {QHostAddress::LocalHost, portB}}, 0ms};
    PunchPlan planB {bExpects, false, portB, {Endpoint {QHostAddress::LocalHost, portA}}, 0ms};
    HolePuncher punchA(a, planA, timings);
    HolePuncher punchB(b, planB, timings);
    Pair pair;
    QCoro::waitFor([&]() -> QCoro::Task<> {
        auto taskA = punchA.run();
        if (bPresent) {
            auto taskB = punchB.run();
            pair.b = co_await taskB;
        }
        pair.a = co_await taskA;
    }());
    return pair;
}

//! Runs two punchers with these plans to their ends (port-guessing tests).
Pair runBoth(const DeviceIdentity &a, const PunchPlan &planA, const DeviceIdentity &b,
    const PunchPlan &planB)
{
    HolePuncher punchA(a, planA, fastTimings());
    HolePuncher punchB(b, planB, fastTimings());
    Pair pair;
    QCoro::waitFor([&]() -> QCoro::Task<> {
        auto taskA = punchA.run();
        auto taskB = punchB.run();
        pair.b = co_await taskB;
        pair.a = co_await taskA;
    }());
    return pair;
}
} // namespace

class TestHolePuncher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void connectsAndAuthenticates();
    void wrongPeerIsRefused();
    void absentPeerFailsAtDeadline();
    void probeFindsTheOpenPortAmongGuesses();
    void spreadSelectsOneOfManyConnections();

private:
    std::optional<DeviceIdentity> m_alice;
    std::optional<DeviceIdentity> m_bob;
    std::optional<DeviceIdentity> m_mallory;
};

void TestHolePuncher::initTestCase()
{
    QString error;
    m_alice = DeviceIdentity::generateEphemeral(&error);
    m_bob = DeviceIdentity::generateEphemeral(&error);
    m_mallory = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(m_alice && m_bob && m_mallory);
}

void TestHolePuncher::connectsAndAuthenticates()
{
    Pair pair = punchPair(*m_alice, *m_bob, m_bob->id(), m_alice->id(), fastTimings());
    QVERIFY2(pair.a.ok(), qPrintable(pair.a.failure));
    QVERIFY2(pair.b.ok(), qPrintable(pair.b.failure));
    QVERIFY(SecureStream::of(pair.a.socket.get()) && SecureStream::of(pair.b.socket.get()));
    QVERIFY(SecureStream::of(pair.a.socket.get())->isEstablished());
    QVERIFY(SecureStream::of(pair.b.socket.get())->isEstablished());
    QCOMPARE(SecureStream::of(pair.a.socket.get())->peerId(), m_bob->id());
    QCOMPARE(SecureStream::of(pair.b.socket.get())->peerId(), m_alice->id());

    // The two selected sockets are the two ends of ONE connection: bytes flow both ways.
    pair.a.socket->write("ping from alice");
    pair.b.socket->write("pong from bob");
    QTRY_VERIFY_WITH_TIMEOUT(pair.b.socket->bytesAvailable() >= 15, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(pair.a.socket->bytesAvailable() >= 13, 5000);
    QCOMPARE(pair.b.socket->readAll(), QByteArray("ping from alice"));
    QCOMPARE(pair.a.socket->readAll(), QByteArray("pong from bob"));
}

void TestHolePuncher::wrongPeerIsRefused()
{
    // Alice expects Mallory, but Bob answers: no connection may be selected.
    PunchTimings t = fastTimings();
    t.deadline = 1500ms;
    t.selectGrace = 300ms;
    Pair pair = punchPair(*m_alice, *m_bob, m_mallory->id(), m_alice->id(), t);
    QVERIFY(!pair.a.ok());
    QVERIFY(!pair.b.ok());
    QVERIFY2(pair.a.failure.contains(QStringLiteral("authentication")), qPrintable(pair.a.failure));
}

void TestHolePuncher::absentPeerFailsAtDeadline()
{
    PunchTimings t = fastTimings();
    t.deadline = 800ms;
    Pair pair = punchPair(*m_alice, *m_bob, m_bob->id(), m_alice->id(), t, /*bPresent=*/false);
    QVERIFY(!pair.a.ok());
    QVERIFY(pair.a.attempts >= 2); // refused attempts were retried with fresh sockets
    QVERIFY(pair.a.refused >= 1);
    QVERIFY2(pair.a.failure.contains(QStringLiteral("no direct path")), qPrintable(pair.a.failure));
}

void TestHolePuncher::probeFindsTheOpenPortAmongGuesses()
{
    // Port guessing, the probe side: alice guesses 64 ports of bob's address, one of which is
    // his punch port (on loopback his listener takes the guess; behind NATs a spread socket
    // does, tests/natlab case "birthday"). She has no ordinary candidate at all.
    const quint16 portB = freePort();
    QVERIFY(portB > 1100 && portB < 65000);
    // Alice's own punch port outside the guessed range: a guess at it would connect her to
    // herself (TCP simultaneous open on loopback), a TLS handshake with its own hello.
    quint16 portA = 0;
    for (int i = 0; i < 50 && (portA == 0 || (portA >= portB - 20 && portA <= portB + 43)); ++i)
        portA = freePort();
    QVERIFY(portA && (portA < portB - 20 || portA > portB + 43));
    PunchPlan planA {m_bob->id(), true, portA, {}, 0ms};
    planA.guess = PortGuess::Probe;
    planA.guessTarget = {QHostAddress::LocalHost, 0};
    planA.guessBudget = 64;
    planA.guessFirstPort = quint16(portB - 20);
    planA.guessLastPort = quint16(portB + 43);
    PunchPlan planB {m_alice->id(), false, portB, {}, 0ms};
    Pair pair = runBoth(*m_alice, planA, *m_bob, planB);
    QVERIFY2(pair.a.ok(), qPrintable(pair.a.failure));
    QVERIFY2(pair.b.ok(), qPrintable(pair.b.failure));
    QVERIFY(pair.a.viaGuess);
    QCOMPARE(pair.a.remote.port, portB);
    QCOMPARE(pair.a.socket->localPort(), portA); // every guess leaves from the punch port
    QCOMPARE(pair.a.attempts, 0);
    QVERIFY2(
        pair.a.guesses >= 1 && pair.a.guesses <= 64, qPrintable(QString::number(pair.a.guesses)));
    QVERIFY(pair.b.viaAccept);
    pair.a.socket->write("guessed");
    QTRY_VERIFY_WITH_TIMEOUT(pair.b.socket->bytesAvailable() >= 7, 5000);
    QCOMPARE(pair.b.socket->readAll(), QByteArray("guessed"));
}

void TestHolePuncher::spreadSelectsOneOfManyConnections()
{
    // Port guessing, the spread side: alice dials bob's punch port from 24 fresh ports. On
    // loopback every one of them connects (through his listener) and is authenticated; exactly
    // one is selected on both sides, the rest are closed.
    const quint16 portA = freePort();
    const quint16 portB = freePort();
    PunchPlan planA {m_bob->id(), true, portA, {}, 0ms};
    planA.guess = PortGuess::Spread;
    planA.guessTarget = {QHostAddress::LocalHost, portB};
    planA.guessBudget = 24;
    PunchPlan planB {m_alice->id(), false, portB, {}, 0ms};
    Pair pair = runBoth(*m_alice, planA, *m_bob, planB);
    QVERIFY2(pair.a.ok(), qPrintable(pair.a.failure));
    QVERIFY2(pair.b.ok(), qPrintable(pair.b.failure));
    QVERIFY(pair.a.viaGuess);
    QVERIFY(pair.a.socket->localPort() != portA); // a fresh port, not the punch port
    QCOMPARE(pair.b.socket->peerPort(), pair.a.socket->localPort()); // the same connection
    QCOMPARE(pair.a.remote, (Endpoint {QHostAddress::LocalHost, portB}));
    pair.b.socket->write("selected");
    QTRY_VERIFY_WITH_TIMEOUT(pair.a.socket->bytesAvailable() >= 8, 5000);
    QCOMPARE(pair.a.socket->readAll(), QByteArray("selected"));
}

QTEST_GUILESS_MAIN(TestHolePuncher)
#include "tst_holepuncher.moc"
