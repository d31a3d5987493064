// SPDX-License-Identifier: GPL-3.0-or-later
// RelaySession on real loopback sockets, without the hub: both ways byte for byte (bytes the
// relay's sockets had buffered before the session included), the per-session and global rate
// caps, a receiver that stops reading (the sender stalls, the session's queue stays bounded),
// half-close, reset and idle endings. Data-driven over the two ways of moving bytes: the copy
// path everywhere, splice(2) on Linux (where the test also checks that the session switched),
// and the descriptor path's recv()/send() fallback.

#include "net/server/relaybandwidth.h"
#include "net/server/relaysession.h"
#include "support/rawsocket.h"
#include "support/testhelpers.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! One connection: the peer's end and the relay's end.
struct Link
{
    std::unique_ptr<QTcpSocket> peer;
    QTcpSocket *relay = nullptr; //!< owned by the session once it exists
};

bool makeLink(QTcpServer &server, Link &link)
{
    link.peer = std::make_unique<QTcpSocket>();
    link.peer->connectToHost(QHostAddress::LocalHost, server.serverPort());
    if (!link.peer->waitForConnected(5000))
        return false;
    if (!server.hasPendingConnections() && !server.waitForNewConnection(5000))
        return false;
    link.relay = server.nextPendingConnection();
    if (!link.relay)
        return false;
    link.relay->setParent(nullptr);
    return true;
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
    //! Bytes the kernel took.
    qint64 sent() const { return m_offset - m_socket->bytesToWrite(); }

private:
    QTcpSocket *m_socket;
    QByteArray m_data;
    qsizetype m_offset = 0;
};

//! Keeps everything \a socket receives (compared byte for byte at the end).
class Receiver : public QObject
{
public:
    explicit Receiver(QTcpSocket *socket, bool reading = true)
        : m_socket(socket)
    {
        connect(socket, &QIODevice::readyRead, this, &Receiver::drain);
        if (reading)
            resume();
        else
            m_paused = true;
    }
    void resume()
    {
        m_paused = false;
        drain();
    }
    void drain()
    {
        if (m_paused)
            return;
        data += m_socket->readAll();
    }
    QByteArray data;

private:
    QTcpSocket *m_socket;
    bool m_paused = false;
};

} // namespace

class TestRelaySession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void bothWaysByteForByte_data() { modes(); }
    void bothWaysByteForByte();
    void rateCapHolds_data() { modes(); }
    void rateCapHolds();
    void globalCapHolds_data() { modes(); }
    void globalCapHolds();
    void stalledReceiverStallsSender_data() { modes(); }
    void stalledReceiverStallsSender();
    void lastBytesOfABurstGoOut_data() { modes(); }
    void lastBytesOfABurstGoOut();
    void halfCloseFinishes_data() { modes(); }
    void halfCloseFinishes();
    void resetFinishes_data() { modes(); }
    void resetFinishes();
    void idleSessionFinishes_data() { modes(); }
    void idleSessionFinishes();

private:
    void modes();
    //! Two links and a session over them (\a limits.splice from the data row).
    bool start(RelaySessionLimits limits, RelayBandwidth *shared = nullptr);
    //! On Linux with splice on: the session switched to splice(2).
    bool switched();

    QTcpServer m_server;
    Link m_a;
    Link m_b;
    QPointer<RelaySession> m_session;
    std::unique_ptr<QSignalSpy> m_finished;
    qint64 m_ab = -1; //!< the counters when finished() came
    qint64 m_ba = -1;
};

void TestRelaySession::modes()
{
    QTest::addColumn<bool>("splice");
    QTest::addColumn<bool>("syscalls");
    QTest::newRow("copy") << false << true;
    QTest::newRow("splice") << true << true;
    // The descriptor path without splice(2): what a socket that cannot splice falls back to.
    QTest::newRow("descriptor recv/send") << true << false;
}

void TestRelaySession::init()
{
    QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
    QVERIFY(makeLink(m_server, m_a));
    QVERIFY(makeLink(m_server, m_b));
    m_ab = m_ba = -1;
}

void TestRelaySession::cleanup()
{
    m_finished.reset();
    delete m_session;
    delete m_a.relay; // only if no session took it
    delete m_b.relay;
    m_a = {};
    m_b = {};
    m_server.close();
}

bool TestRelaySession::start(RelaySessionLimits limits, RelayBandwidth *shared)
{
    QFETCH(bool, splice);
    QFETCH(bool, syscalls);
    limits.splice = splice;
    limits.spliceSyscalls = syscalls;
    m_session
        = new RelaySession(m_a.relay, m_b.relay, limits, QStringLiteral("test"), nullptr, shared);
    m_a.relay = nullptr;
    m_b.relay = nullptr;
    m_finished = std::make_unique<QSignalSpy>(m_session.data(), &RelaySession::finished);
    connect(m_session, &RelaySession::finished, this, [this] {
        m_ab = m_session->bytesAtoB();
        m_ba = m_session->bytesBtoA();
    });
    return m_finished->isValid();
}

bool TestRelaySession::switched()
{
    QFETCH(bool, splice);
#ifdef Q_OS_LINUX
    if (splice)
        return QTest::qWaitFor([this] { return m_session && m_session->isSpliced(); }, 5000);
#else
    Q_UNUSED(splice); // splice(2) is Linux only: every row copies
#endif
    return m_session && !m_session->isSpliced();
}

void TestRelaySession::bothWaysByteForByte()
{
    // Bytes already buffered in the relay's sockets when the session starts (the hub's "paired"
    // byte queued for writing, early bytes of a peer read by Qt) come first, in order.
    m_b.relay->write("P");
    // More than a pipe holds (64 KiB): it goes in over several rounds.
    const QByteArray early = Test::randomBytes(200 * 1024, 7);
    m_a.peer->write(early);
    QTRY_COMPARE_WITH_TIMEOUT(m_a.relay->bytesAvailable(), early.size(), 5000);
    QVERIFY(start({}));

    constexpr qsizetype kSize = 24 * 1024 * 1024;
    const QByteArray rest = Test::randomBytes(kSize, 1);
    const QByteArray toB = early + rest;
    const QByteArray toA = Test::randomBytes(kSize + 3, 2);
    Receiver atA(m_a.peer.get());
    Receiver atB(m_b.peer.get());
    QVERIFY(switched());
    Sender fromA(m_a.peer.get(), rest);
    Sender fromB(m_b.peer.get(), toA);
    QTRY_VERIFY_WITH_TIMEOUT(
        atB.data.size() >= toB.size() + 1 && atA.data.size() >= toA.size(), 60000);
    QCOMPARE(atB.data.size(), toB.size() + 1);
    QVERIFY(atB.data.startsWith('P'));
    QVERIFY(atB.data.mid(1) == toB); // not QCOMPARE: 24 MiB in a failure message
    QVERIFY(atA.data == toA);
    QCOMPARE(m_session->bytesAtoB(), toB.size());
    QCOMPARE(m_session->bytesBtoA(), toA.size());
    QCOMPARE(m_session->bytesQueued(), 0);
    QCOMPARE(m_finished->count(), 0);
}

void TestRelaySession::rateCapHolds()
{
    constexpr qint64 kRate = 1024 * 1024;
    RelaySessionLimits limits;
    limits.rateBytesPerSecond = kRate;
    QVERIFY(start(limits));
    QVERIFY(switched());
    constexpr qint64 kTarget = 768 * 1024;
    const QByteArray data = Test::randomBytes(4 * 1024 * 1024, 3);
    Receiver atB(m_b.peer.get());
    QElapsedTimer clock;
    clock.start();
    Sender fromA(m_a.peer.get(), data);
    QTRY_VERIFY_WITH_TIMEOUT(atB.data.size() >= kTarget, 20000);
    const qint64 elapsed = clock.elapsed();
    // Unthrottled this takes milliseconds; at 1 MiB/s with a 0.1 s burst ≥ ~650 ms.
    QVERIFY2(elapsed >= 450,
        qPrintable(QStringLiteral("%1 bytes in %2 ms").arg(atB.data.size()).arg(elapsed)));
    QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed)));
    QVERIFY(data.startsWith(atB.data));
}

void TestRelaySession::globalCapHolds()
{
    constexpr qint64 kRate = 1024 * 1024;
    RelayBandwidth shared(kRate);
    QVERIFY(start({}, &shared));
    QVERIFY(switched());
    const QByteArray data = Test::randomBytes(4 * 1024 * 1024, 4);
    Receiver atB(m_b.peer.get());
    Sender fromA(m_a.peer.get(), data);
    QTRY_VERIFY_WITH_TIMEOUT(atB.data.size() >= 128 * 1024, 10000); // the saved-up burst spent
    const qint64 start = atB.data.size();
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(atB.data.size() - start >= kRate, 20000);
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 700, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed)));
    QVERIFY(data.startsWith(atB.data));
    delete m_session; // before the shared budget it draws from
}

void TestRelaySession::stalledReceiverStallsSender()
{
    RelaySessionLimits limits;
    QVERIFY(start(limits));
    QVERIFY(switched());
    // B's peer reads nothing: Qt stops at 64 KiB, then the kernel buffers fill up.
    m_b.peer->setReadBufferSize(64 * 1024);
    Receiver atB(m_b.peer.get(), false);
    constexpr qsizetype kSize = 96 * 1024 * 1024;
    const QByteArray data = Test::randomBytes(kSize, 5);
    Sender fromA(m_a.peer.get(), data);
    // Wait until A cannot send more: no progress for 500 ms.
    qint64 last = -1;
    QElapsedTimer still;
    still.start();
    QElapsedTimer total;
    total.start();
    while (still.elapsed() < 500 && total.elapsed() < 30000) {
        QTest::qWait(50);
        if (fromA.sent() != last) {
            last = fromA.sent();
            still.restart();
        }
    }
    const QString numbers = QStringLiteral("sender stalled at %1 bytes, session queue %2 bytes")
                                .arg(fromA.sent())
                                .arg(m_session->bytesQueued());
    qInfo().noquote() << numbers;
    QVERIFY2(still.elapsed() >= 500, qPrintable(numbers));
    // Stalled well before the end (what is in flight sits in kernel socket buffers), and the
    // session holds no more than its high-water mark.
    QVERIFY2(fromA.sent() < kSize / 2, qPrintable(numbers));
    QVERIFY2(m_session->bytesQueued() <= limits.highWater + limits.chunkSize, qPrintable(numbers));
    QCOMPARE(m_finished->count(), 0);
    // Reading again lets everything through, in order.
    m_b.peer->setReadBufferSize(0);
    atB.resume();
    QTRY_VERIFY_WITH_TIMEOUT(atB.data.size() >= kSize, 60000);
    QVERIFY(atB.data == data);
}

void TestRelaySession::lastBytesOfABurstGoOut()
{
    // A burst of whole chunks that one pump turn reads to its very end (16 chunks: its rounds),
    // with nothing after it: the end of a stream, e.g. a sender's last frame before it waits
    // for the answer. The last chunk read must not wait in the pipe for input that never comes
    // (it did: a relayed transfer hung at its END frame, tst_resumeprocess).
    RelaySessionLimits limits;
    limits.chunkSize = 1024;
    limits.spliceChunk = 1024;
    QVERIFY(start(limits));
    QVERIFY(switched());
    Receiver atB(m_b.peer.get());
    Receiver atA(m_a.peer.get());
    QByteArray toB;
    QByteArray toA;
    int seed = 10;
    for (const qsizetype chunks : {16, 32, 16, 1}) {
        const QByteArray burst = Test::randomBytes(chunks * limits.chunkSize, ++seed);
        const QByteArray answer = Test::randomBytes(chunks * limits.chunkSize, ++seed);
        toB += burst;
        toA += answer;
        m_a.peer->write(burst); // one send(): it arrives whole before the relay reads
        m_b.peer->write(answer);
        QTRY_VERIFY2_WITH_TIMEOUT(atB.data.size() == toB.size() && atA.data.size() == toA.size(),
            qPrintable(QStringLiteral("after a burst of %1 chunks: %2 of %3 bytes to B, %4 of %5 "
                                      "to A")
                           .arg(chunks)
                           .arg(atB.data.size())
                           .arg(toB.size())
                           .arg(atA.data.size())
                           .arg(toA.size())),
            5000);
    }
    QVERIFY(atB.data == toB);
    QVERIFY(atA.data == toA);
    QCOMPARE(m_session->bytesQueued(), 0);
    QCOMPARE(m_finished->count(), 0);
}

void TestRelaySession::halfCloseFinishes()
{
    QVERIFY(start({}));
    QVERIFY(switched());
    const QByteArray data = Test::randomBytes(3 * 1024 * 1024 + 7, 6);
    Receiver atB(m_b.peer.get());
    QSignalSpy bClosed(m_b.peer.get(), &QAbstractSocket::disconnected);
    QSignalSpy aClosed(m_a.peer.get(), &QAbstractSocket::disconnected);
    Sender fromA(m_a.peer.get(), data);
    QTRY_VERIFY_WITH_TIMEOUT(fromA.sent() == data.size(), 20000);
    // A is done sending (FIN) but could still read: the session ends, the tail still arrives.
    QVERIFY(Test::RawSocket::shutdownWrite(m_a.peer->socketDescriptor()));
    QTRY_COMPARE_WITH_TIMEOUT(m_finished->count(), 1, 10000);
    QCOMPARE(m_finished->first().at(0).toString(), QStringLiteral("first peer closed"));
    QTRY_VERIFY_WITH_TIMEOUT(bClosed.count() == 1, 10000);
    QVERIFY(atB.data == data);
    QCOMPARE(m_ab, data.size());
    QCOMPARE(m_ba, 0);
    QTRY_VERIFY_WITH_TIMEOUT(aClosed.count() == 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session.isNull(), 10000); // deletes itself
    QCOMPARE(m_finished->count(), 1);
}

void TestRelaySession::resetFinishes()
{
    QVERIFY(start({}));
    QVERIFY(switched());
    m_a.peer->write("x");
    Receiver atB(m_b.peer.get());
    QTRY_COMPARE_WITH_TIMEOUT(atB.data, QByteArray("x"), 5000);
    QSignalSpy bClosed(m_b.peer.get(), &QAbstractSocket::disconnected);
    // A reset (linger 0) from A's peer.
#ifdef Q_OS_UNIX
    struct linger hard = {1, 0};
    ::setsockopt(int(m_a.peer->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
#endif
    m_a.peer->abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_finished->count(), 1, 10000);
    const QString reason = m_finished->first().at(0).toString();
    QVERIFY2(reason.startsWith(QStringLiteral("first peer")), qPrintable(reason));
    QTRY_VERIFY_WITH_TIMEOUT(bClosed.count() == 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session.isNull(), 10000);
    QCOMPARE(m_finished->count(), 1);
}

void TestRelaySession::idleSessionFinishes()
{
    RelaySessionLimits limits;
    limits.idleTimeout = 300ms;
    QVERIFY(start(limits));
    QVERIFY(switched());
    QSignalSpy aClosed(m_a.peer.get(), &QAbstractSocket::disconnected);
    QSignalSpy bClosed(m_b.peer.get(), &QAbstractSocket::disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(m_finished->count(), 1, 5000);
    QVERIFY2(m_finished->first().at(0).toString().contains(QStringLiteral("idle")),
        qPrintable(m_finished->first().at(0).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(aClosed.count() == 1 && bClosed.count() == 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_session.isNull(), 10000);
}

QTEST_GUILESS_MAIN(TestRelaySession)
#include "tst_relaysession.moc"
