// SPDX-License-Identifier: GPL-3.0-or-later
// The project's own socket and timer awaitables (they replace QCoro's compiled ones, so QCoro is
// header-only): waitReadable() and sleepFor() on real loopback sockets; and the worker hand-off
// (startOffThread), which wakes the owner's thread only for a result someone awaits.

#include "core/coro/offthread.h"
#include "core/coro/sleep.h"
#include "core/coro/socketwait.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSemaphore>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <qcorotask.h>

#include <memory>

using namespace PunchDrop;
using namespace std::chrono_literals;

class TestSocketWait : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void readableWhenBytesArrive();
    void readableAtOnceWhenBytesWait();
    void notReadableAfterTheTimeout();
    void notReadableAtOnceWhenThePeerCloses();
    void notReadableWhenTheSocketIsDeleted();
    void sleepForWaitsItsDuration();
    void offThreadWakesOnlyWhenAwaited();

private:
    QTcpServer m_server;
    std::unique_ptr<QTcpSocket> m_client;
    QTcpSocket *m_accepted = nullptr;
};

void TestSocketWait::init()
{
    QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
    m_client = std::make_unique<QTcpSocket>();
    m_client->connectToHost(QHostAddress::LocalHost, m_server.serverPort());
    QVERIFY(m_client->waitForConnected(5000));
    QVERIFY(m_server.waitForNewConnection(5000));
    m_accepted = m_server.nextPendingConnection();
    QVERIFY(m_accepted);
}

void TestSocketWait::cleanup()
{
    m_client.reset();
    m_server.close();
}

void TestSocketWait::readableWhenBytesArrive()
{
    QTimer::singleShot(50ms, m_accepted, [this] { m_accepted->write("x"); });
    QElapsedTimer clock;
    clock.start();
    const bool readable = QCoro::waitFor(waitReadable(m_client.get(), 10s));
    QVERIFY(readable);
    QVERIFY(clock.elapsed() < 5000);
    QCOMPARE(m_client->read(1), QByteArray("x"));
}

void TestSocketWait::readableAtOnceWhenBytesWait()
{
    m_accepted->write("y");
    QTRY_VERIFY_WITH_TIMEOUT(m_client->bytesAvailable() > 0, 5000);
    QVERIFY(QCoro::waitFor(waitReadable(m_client.get(), 0ms)));
}

void TestSocketWait::notReadableAfterTheTimeout()
{
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!QCoro::waitFor(waitReadable(m_client.get(), 200ms)));
    QVERIFY2(clock.elapsed() >= 150, qPrintable(QString::number(clock.elapsed())));
}

void TestSocketWait::notReadableAtOnceWhenThePeerCloses()
{
    QTimer::singleShot(50ms, m_accepted, [this] { m_accepted->close(); });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!QCoro::waitFor(waitReadable(m_client.get(), 30s)));
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
}

void TestSocketWait::notReadableWhenTheSocketIsDeleted()
{
    QTimer::singleShot(50ms, this, [this] { m_client.reset(); });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!QCoro::waitFor(waitReadable(m_client.get(), 30s)));
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
}

void TestSocketWait::sleepForWaitsItsDuration()
{
    QElapsedTimer clock;
    clock.start();
    QCoro::waitFor(sleepFor(150ms));
    // A coarse timer may fire up to 5 % early.
    QVERIFY2(clock.elapsed() >= 140, qPrintable(QString::number(clock.elapsed())));
}

namespace {

//! Counts the queued calls that reach a Wakeup in this thread (the worker's hand-off).
class WakeupCounter : public QObject
{
public:
    WakeupCounter() { QCoreApplication::instance()->installEventFilter(this); }
    ~WakeupCounter() override { QCoreApplication::instance()->removeEventFilter(this); }
    int count = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::MetaCall && qobject_cast<Wakeup *>(watched))
            ++count;
        return false;
    }
};

} // namespace

void TestSocketWait::offThreadWakesOnlyWhenAwaited()
{
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    WakeupCounter wakeups;

    // Done before anyone asks: nothing is posted to this thread; the result is there at once.
    OffThread<int> later = startOffThread(&pool, [] { return 42; });
    QVERIFY(pool.waitForDone(5000));
    QVERIFY(later.isReady());
    QCoreApplication::processEvents();
    QCOMPARE(wakeups.count, 0);
    auto taking = later.result();
    QVERIFY(taking.isReady()); // no event-loop turn needed
    QCOMPARE(QCoro::waitFor(taking), 42);
    QCOMPARE(wakeups.count, 0);

    // Awaited before it is done: the worker wakes this thread.
    auto gate = std::make_shared<QSemaphore>();
    OffThread<int> awaited = startOffThread(&pool, [gate] {
        gate->acquire();
        return 7;
    });
    QVERIFY(!awaited.isReady());
    auto waiting = awaited.result();
    QVERIFY(!waiting.isReady());
    gate->release();
    QCOMPARE(QCoro::waitFor(waiting), 7);
    const int oneWake = wakeups.count; // the worker's call, and the resume Wakeup queues
    QVERIFY(oneWake >= 1);

    // runOffThread awaits from the start: the same wake, though nobody has asked for the result
    // yet.
    auto eagerGate = std::make_shared<QSemaphore>();
    auto eager = runOffThread(&pool, [eagerGate] {
        eagerGate->acquire();
        return 5;
    });
    eagerGate->release();
    QVERIFY(pool.waitForDone(5000));
    QTRY_COMPARE_WITH_TIMEOUT(wakeups.count, 2 * oneWake, 5000);
    QVERIFY(eager.isReady());
    QCOMPARE(QCoro::waitFor(eager), 5);
}

QTEST_GUILESS_MAIN(TestSocketWait)
#include "tst_socketwait.moc"
