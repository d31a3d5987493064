// SPDX-License-Identifier: GPL-3.0-or-later
// The relay on the rendezvous server's TCP port: pairing by token, splicing (8 MiB each way,
// checksummed), refusals, the per-session and global rate caps, the session limit and the join
// timeouts.

#include "net/client/relayclient.h"
#include "net/server/relayhub.h"
#include "net/server/rendezvousserver.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>

#include <qcorotask.h>

#include <memory>
#include <vector>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {
//! A fresh initiator for each token: these tests are not about the per-device slot share.
RelayOwner anyOwner()
{
    static quint32 seed = 1;
    return {DeviceId::fromDigest(Test::randomBytes(32, seed++)),
        QHostAddress(QStringLiteral("192.0.2.0"))};
}

struct Pair
{
    RelayJoinResult a;
    RelayJoinResult b;
};

QCoro::Task<Pair> joinBoth(
    quint16 port, QByteArray tokenA, QByteArray tokenB, std::chrono::milliseconds timeout)
{
    auto first = RelayClient::join(QStringLiteral("127.0.0.1"), port, tokenA, timeout);
    auto second = RelayClient::join(QStringLiteral("127.0.0.1"), port, tokenB, timeout);
    Pair pair;
    pair.a = co_await std::move(first);
    pair.b = co_await std::move(second);
    co_return pair;
}

QByteArray randomData(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator generator(42 + quint32(size));
    generator.fillRange(reinterpret_cast<quint32 *>(data.data()), size / 4);
    return data;
}

//! Streams \a data out of \a socket with bounded buffering.
class Sender : public QObject
{
public:
    Sender(QTcpSocket *socket, QByteArray data)
        : m_socket(socket)
        , m_data(std::move(data))
    {
        connect(socket, &QIODevice::bytesWritten, this, &Sender::feed);
        feed();
    }
    void feed()
    {
        while (m_offset < m_data.size() && m_socket->bytesToWrite() < 256 * 1024) {
            const qsizetype n = std::min<qsizetype>(64 * 1024, m_data.size() - m_offset);
            m_socket->write(m_data.constData() + m_offset, n);
            m_offset += n;
        }
    }

private:
    QTcpSocket *m_socket;
    QByteArray m_data;
    qsizetype m_offset = 0;
};

//! Hashes everything \a socket receives.
class Receiver : public QObject
{
public:
    explicit Receiver(QTcpSocket *socket)
        : m_socket(socket)
        , m_hash(QCryptographicHash::Sha256)
    {
        connect(socket, &QIODevice::readyRead, this, &Receiver::drain);
        drain();
    }
    void drain()
    {
        const QByteArray chunk = m_socket->readAll();
        m_hash.addData(chunk);
        received += chunk.size();
    }
    QByteArray digest() { return m_hash.result(); }
    qint64 received = 0;

private:
    QTcpSocket *m_socket;
    QCryptographicHash m_hash;
};
} // namespace

class TestRelay : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void splicesBothWays();
    void wrongTokenIsRefused();
    void refusedWhenRelayDisabled();
    void badMagicAndSlowJoinAreDropped();
    void tokenPairsOnlyOnce();
    void halfJoinTimesOut();
    void sessionLimit();
    void slotsAreSharedPerIdentityAndPrefix();
    void rateCapLimitsThroughput();
    void totalRateCapIsSharedBetweenSessions();
    void endOfSessionIsReported();
    void joinsInProgressAreBounded();
    void joinsInProgressArePerPrefix();
    void idleSessionIsClosed();

private:
    bool startServer(const RelayHubConfig &relay);

    Test::TestServer m_server;
    quint16 m_port = 0;
};

bool TestRelay::startServer(const RelayHubConfig &relay)
{
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.timeouts.handshake = 500ms;
    config.relay = relay;
    if (!m_server.start(config))
        return false;
    m_port = m_server.port();
    return true;
}

void TestRelay::init()
{
    RelayHubConfig relay;
    relay.handshakeTimeout = 500ms;
    relay.joinTimeout = 3000ms;
    QVERIFY(startServer(relay));
}

void TestRelay::cleanup()
{
    m_server.stop();
}

void TestRelay::splicesBothWays()
{
    const QByteArray token = m_server->relayHub()->createToken(QStringLiteral("test"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY2(pair.a.socket, qPrintable(pair.a.error));
    QVERIFY2(pair.b.socket, qPrintable(pair.b.error));
    QCOMPARE(m_server->relayHub()->activeSessions(), 1);

    constexpr qsizetype kSize = 8 * 1024 * 1024;
    const QByteArray toB = randomData(kSize);
    const QByteArray toA = randomData(kSize + 4);
    Receiver atA(pair.a.socket.get());
    Receiver atB(pair.b.socket.get());
    Sender fromA(pair.a.socket.get(), toB);
    Sender fromB(pair.b.socket.get(), toA);
    QTRY_VERIFY_WITH_TIMEOUT(atB.received == toB.size() && atA.received == toA.size(), 60000);
    QCOMPARE(atB.digest(), QCryptographicHash::hash(toB, QCryptographicHash::Sha256));
    QCOMPARE(atA.digest(), QCryptographicHash::hash(toA, QCryptographicHash::Sha256));
}

void TestRelay::wrongTokenIsRefused()
{
    const QByteArray wrong(16, 'w');
    const RelayJoinResult r
        = QCoro::waitFor(RelayClient::join(QStringLiteral("127.0.0.1"), m_port, wrong, 5s));
    QVERIFY(!r.socket);
    QVERIFY2(r.error.contains(QStringLiteral("refused")), qPrintable(r.error));

    // The same on the wire: exactly one 0x00, then the server closes.
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(raw.waitForConnected(5000));
    raw.write(RelayClient::joinBytes(wrong));
    QTRY_VERIFY_WITH_TIMEOUT(
        raw.state() == QAbstractSocket::UnconnectedState || raw.bytesAvailable() > 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(raw.readAll(), QByteArray(1, '\0'));
}

void TestRelay::refusedWhenRelayDisabled()
{
    cleanup();
    RelayHubConfig relay;
    relay.enabled = false;
    QVERIFY(startServer(relay));
    const QByteArray token = m_server->relayHub()->createToken(QStringLiteral("test"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY(!pair.a.socket);
    QVERIFY(!pair.b.socket);
    QCOMPARE(m_server->relayHub()->activeSessions(), 0);
}

void TestRelay::badMagicAndSlowJoinAreDropped()
{
    QTcpSocket bad;
    bad.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(bad.waitForConnected(5000));
    bad.write("PXRL\x01" + QByteArray(16, 't'));
    QTRY_COMPARE_WITH_TIMEOUT(bad.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(bad.readAll(), QByteArray(1, '\0'));

    // Half a join, then silence: dropped after the 500 ms handshake timeout.
    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(slow.waitForConnected(5000));
    slow.write("PDR");
    QElapsedTimer clock;
    clock.start();
    QTRY_COMPARE_WITH_TIMEOUT(slow.state(), QAbstractSocket::UnconnectedState, 5000);
    QVERIFY(clock.elapsed() >= 300);
}

void TestRelay::tokenPairsOnlyOnce()
{
    const QByteArray token = m_server->relayHub()->createToken(QStringLiteral("test"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY(pair.a.socket && pair.b.socket);
    const RelayJoinResult third
        = QCoro::waitFor(RelayClient::join(QStringLiteral("127.0.0.1"), m_port, token, 5s));
    QVERIFY(!third.socket);
}

void TestRelay::halfJoinTimesOut()
{
    cleanup();
    RelayHubConfig relay;
    relay.joinTimeout = 300ms;
    QVERIFY(startServer(relay));
    const QByteArray token = m_server->relayHub()->createToken(QStringLiteral("test"), anyOwner());
    QElapsedTimer clock;
    clock.start();
    const RelayJoinResult r
        = QCoro::waitFor(RelayClient::join(QStringLiteral("127.0.0.1"), m_port, token, 10s));
    QVERIFY(!r.socket);
    QVERIFY2(clock.elapsed() >= 250 && clock.elapsed() < 5000,
        qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_server->relayHub()->waitingJoins(), 0);
}

void TestRelay::sessionLimit()
{
    cleanup();
    RelayHubConfig relay;
    relay.maxSessions = 1;
    QVERIFY(startServer(relay));
    RelayHub *hub = m_server->relayHub();
    const QByteArray first = hub->createToken(QStringLiteral("one"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, first, first, 5s));
    QVERIFY(pair.a.socket && pair.b.socket);
    QCOMPARE(hub->activeSessions(), 1);

    const QByteArray second = hub->createToken(QStringLiteral("two"), anyOwner());
    const RelayJoinResult r
        = QCoro::waitFor(RelayClient::join(QStringLiteral("127.0.0.1"), m_port, second, 5s));
    QVERIFY(!r.socket);

    // Once the first session ends, a new one fits again.
    pair.a.socket->disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(hub->activeSessions(), 0, 5000);
    const QByteArray third = hub->createToken(QStringLiteral("three"), anyOwner());
    Pair again = QCoro::waitFor(joinBoth(m_port, third, third, 5s));
    QVERIFY2(again.a.socket && again.b.socket, qPrintable(again.a.error + again.b.error));
}

void TestRelay::slotsAreSharedPerIdentityAndPrefix()
{
    // Before: two throwaway identities took every relay slot in 0.1 s and a legitimate relayed
    // send failed. Now each initiator holds at most its share, and its network too.
    cleanup();
    RelayHubConfig relay;
    relay.maxSessions = 8;
    relay.maxSlotsPerIdentity = 2;
    relay.maxSlotsPerPrefix = 3;
    QVERIFY(startServer(relay));
    RelayHub *hub = m_server->relayHub();
    const QHostAddress attackerNet(QStringLiteral("198.51.100.0"));
    QList<QByteArray> tokens;
    int refused = 0;
    for (int identity = 0; identity < 4; ++identity) {
        const RelayOwner owner {
            DeviceId::fromDigest(Test::randomBytes(32, 100 + quint32(identity))), attackerNet};
        for (int i = 0; i < 8; ++i) {
            QString why;
            const QByteArray token = hub->createToken(QStringLiteral("flood"), owner, &why);
            if (token.isEmpty()) {
                QVERIFY(!why.isEmpty());
                ++refused;
            } else {
                tokens.append(token);
            }
        }
        QVERIFY(hub->slotsOf(owner.id) <= relay.maxSlotsPerIdentity);
    }
    QCOMPARE(tokens.size(), relay.maxSlotsPerPrefix);
    QCOMPARE(refused, 4 * 8 - relay.maxSlotsPerPrefix);
    std::vector<Pair> flood;
    for (const QByteArray &token : std::as_const(tokens)) {
        flood.push_back(QCoro::waitFor(joinBoth(m_port, token, token, 5s)));
        QVERIFY(flood.back().a.socket && flood.back().b.socket);
    }
    QCOMPARE(hub->activeSessions(), relay.maxSlotsPerPrefix);

    // Someone else still gets a slot.
    const RelayOwner legit {DeviceId::fromDigest(Test::randomBytes(32, 7)),
        QHostAddress(QStringLiteral("203.0.113.0"))};
    const QByteArray token = hub->createToken(QStringLiteral("legit"), legit);
    QVERIFY(!token.isEmpty());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY2(pair.a.socket && pair.b.socket, qPrintable(pair.a.error + pair.b.error));

    // A slot comes back when its session ends.
    const RelayOwner first {DeviceId::fromDigest(Test::randomBytes(32, 100)), attackerNet};
    QCOMPARE(hub->slotsOf(first.id), relay.maxSlotsPerIdentity);
    flood.front().a.socket->disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(hub->slotsOf(first.id), relay.maxSlotsPerIdentity - 1, 5000);
    QVERIFY(!hub->createToken(QStringLiteral("again"), first).isEmpty());
}

void TestRelay::rateCapLimitsThroughput()
{
    cleanup();
    constexpr qint64 kRate = 1024 * 1024; // 1 MiB/s
    RelayHubConfig relay;
    relay.limits.rateBytesPerSecond = kRate;
    QVERIFY(startServer(relay));
    const QByteArray token
        = m_server->relayHub()->createToken(QStringLiteral("capped"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY(pair.a.socket && pair.b.socket);

    constexpr qint64 kTarget = 768 * 1024;
    Receiver atB(pair.b.socket.get());
    QElapsedTimer clock;
    clock.start();
    Sender fromA(pair.a.socket.get(), randomData(4 * 1024 * 1024));
    QTRY_VERIFY_WITH_TIMEOUT(atB.received >= kTarget, 20000);
    const qint64 elapsed = clock.elapsed();
    // Unthrottled, loopback moves 768 KiB in a few milliseconds. At 1 MiB/s with a 100 ms burst
    // it takes ≥ ~650 ms; allow generous slack for scheduling.
    QVERIFY2(elapsed >= 450,
        qPrintable(QStringLiteral("%1 bytes in %2 ms").arg(atB.received).arg(elapsed)));
    // And the cap still lets data through at a useful pace.
    QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed)));
}

void TestRelay::totalRateCapIsSharedBetweenSessions()
{
    cleanup();
    constexpr qint64 kTotal = 2 * 1024 * 1024; // 2 MiB/s for all sessions together
    RelayHubConfig relay;
    relay.totalRateBytesPerSecond = kTotal; // and no per-session cap
    QVERIFY(startServer(relay));
    RelayHub *hub = m_server->relayHub();
    QVERIFY(hub->bandwidth());

    const QByteArray token1 = hub->createToken(QStringLiteral("one"), anyOwner());
    const QByteArray token2 = hub->createToken(QStringLiteral("two"), anyOwner());
    Pair one = QCoro::waitFor(joinBoth(m_port, token1, token1, 5s));
    Pair two = QCoro::waitFor(joinBoth(m_port, token2, token2, 5s));
    QVERIFY2(one.a.socket && one.b.socket, qPrintable(one.a.error + one.b.error));
    QVERIFY2(two.a.socket && two.b.socket, qPrintable(two.a.error + two.b.error));
    QCOMPARE(hub->activeSessions(), 2);

    // Both sessions push as fast as loopback allows (megabytes per millisecond unthrottled).
    constexpr qsizetype kSize = 16 * 1024 * 1024;
    const QByteArray data1 = randomData(kSize);
    const QByteArray data2 = randomData(kSize + 4);
    Receiver at1(one.b.socket.get());
    Receiver at2(two.b.socket.get());
    Sender from1(one.a.socket.get(), data1);
    Sender from2(two.a.socket.get(), data2);

    // Warm-up: both flowing, the saved-up burst spent. Then measure over a window of 1.5 s worth
    // of the cap.
    QTRY_VERIFY_WITH_TIMEOUT(at1.received > 0 && at2.received > 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(at1.received + at2.received >= kTotal / 2, 10000);
    const qint64 start1 = at1.received;
    const qint64 start2 = at2.received;
    QElapsedTimer clock;
    clock.start();
    constexpr qint64 kWindow = 3 * kTotal / 2;
    QTRY_VERIFY_WITH_TIMEOUT(at1.received + at2.received - start1 - start2 >= kWindow, 30000);
    const qint64 elapsed = clock.elapsed();
    const qint64 got1 = at1.received - start1;
    const qint64 got2 = at2.received - start2;
    const QString numbers = QStringLiteral("%1 + %2 bytes in %3 ms (cap %4 B/s)")
                                .arg(got1)
                                .arg(got2)
                                .arg(elapsed)
                                .arg(kTotal);
    qInfo().noquote() << numbers;
    // The cap holds for the sum: 1.5 s of it cannot pass in much less than 1.5 s (one saved-up
    // burst of 0.1 s plus scheduling slack allowed) ...
    QVERIFY2(elapsed >= 1000, qPrintable(numbers));
    // ... and the sum still moves at a useful pace.
    QVERIFY2(elapsed < 15000, qPrintable(numbers));
    // Neither session starves: each gets a fair part of the window (an even split is 50 %).
    QVERIFY2(got1 >= kWindow / 5 && got2 >= kWindow / 5, qPrintable(numbers));
    // Nothing piles up at the server: at most one waiting reader per direction.
    QVERIFY(hub->bandwidth()->waiting() <= 4);
}

void TestRelay::endOfSessionIsReported()
{
    RelayHub *hub = m_server->relayHub();
    QSignalSpy finished(hub, &RelayHub::sessionFinished);
    const QByteArray token = hub->createToken(QStringLiteral("short"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY(pair.a.socket && pair.b.socket);
    pair.a.socket->write("hello");
    Receiver atB(pair.b.socket.get());
    QTRY_COMPARE_WITH_TIMEOUT(atB.received, 5, 5000);
    pair.a.socket->disconnectFromHost();
    QVERIFY(finished.wait(5000));
    // The counts are per direction of the hub's pairing (first joiner → second). The two joins
    // race, so which of A and B the hub took first is not fixed (under Wine B usually wins).
    const qint64 firstToSecond = finished.first().at(0).toLongLong();
    const qint64 secondToFirst = finished.first().at(1).toLongLong();
    QCOMPARE(std::max(firstToSecond, secondToFirst), 5);
    QCOMPARE(std::min(firstToSecond, secondToFirst), 0);
    // The other side is closed too.
    QTRY_COMPARE_WITH_TIMEOUT(pair.b.socket->state(), QAbstractSocket::UnconnectedState, 5000);
}

void TestRelay::joinsInProgressAreBounded()
{
    cleanup();
    RelayHubConfig relay;
    relay.maxSessions = 1;
    relay.handshakeTimeout = 10000ms; // the idle joins below must not time out during the test
    relay.maxJoiningPerPrefix = 1000; // all from 127.0.0.1: the global bound is under test
    QVERIFY(startServer(relay));
    RelayHub *hub = m_server->relayHub();
    const int limit = hub->maxJoining();
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < limit; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, m_port);
        idle.back()->write("P"); // looks like a join, then nothing
    }
    QTRY_COMPARE_WITH_TIMEOUT(hub->joinsInProgress(), limit, 10000);
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, m_port);
    extra.write("P");
    QTRY_COMPARE_WITH_TIMEOUT(extra.state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(extra.readAll(), QByteArray(1, '\0'));
    QCOMPARE(hub->joinsInProgress(), limit);

    // When they go away, the slots are free again.
    idle.clear();
    QTRY_COMPARE_WITH_TIMEOUT(hub->joinsInProgress(), 0, 5000);
    const QByteArray token = hub->createToken(QStringLiteral("after"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY(pair.a.socket && pair.b.socket);
}

void TestRelay::joinsInProgressArePerPrefix()
{
    // One network (/24) cannot hold every place for unfinished joins.
    cleanup();
    RelayHubConfig relay;
    relay.handshakeTimeout = 10000ms;
    relay.maxJoiningPerPrefix = 2;
    QVERIFY(startServer(relay));
    RelayHub *hub = m_server->relayHub();
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (const char *source : {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.1.1"}) {
        idle.push_back(std::make_unique<QTcpSocket>());
        QVERIFY(idle.back()->bind(QHostAddress(QString::fromLatin1(source)), 0));
        idle.back()->connectToHost(QHostAddress::LocalHost, m_port);
        idle.back()->write("P"); // looks like a join, then nothing
    }
    // The third of 127.0.0.0/24 is refused at once; 127.0.1.1 is another network.
    QTRY_COMPARE_WITH_TIMEOUT(idle.at(2)->state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(idle.at(2)->readAll(), QByteArray(1, '\0'));
    QTRY_COMPARE_WITH_TIMEOUT(hub->joinsInProgress(), 3, 5000);
    QCOMPARE(idle.at(3)->state(), QAbstractSocket::ConnectedState);
}

void TestRelay::idleSessionIsClosed()
{
    cleanup();
    RelayHubConfig relay;
    relay.limits.idleTimeout = 400ms;
    QVERIFY(startServer(relay));
    RelayHub *hub = m_server->relayHub();
    QSignalSpy finished(hub, &RelayHub::sessionFinished);
    const QByteArray token = hub->createToken(QStringLiteral("idle"), anyOwner());
    Pair pair = QCoro::waitFor(joinBoth(m_port, token, token, 5s));
    QVERIFY(pair.a.socket && pair.b.socket);
    // Traffic keeps it open past the idle timeout ...
    Receiver atB(pair.b.socket.get());
    for (int i = 1; i <= 6; ++i) {
        pair.a.socket->write("x");
        QTRY_COMPARE_WITH_TIMEOUT(atB.received, qint64(i), 5000);
        QVERIFY(!finished.wait(100));
    }
    // ... silence closes it.
    QElapsedTimer clock;
    clock.start();
    QVERIFY(finished.wait(5000));
    QVERIFY2(finished.first().at(2).toString().contains(QStringLiteral("idle")),
        qPrintable(finished.first().at(2).toString()));
    QVERIFY(clock.elapsed() >= 200);
    QTRY_COMPARE_WITH_TIMEOUT(pair.a.socket->state(), QAbstractSocket::UnconnectedState, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(pair.b.socket->state(), QAbstractSocket::UnconnectedState, 5000);
}

QTEST_GUILESS_MAIN(TestRelay)
#include "tst_relay.moc"
