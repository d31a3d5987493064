// SPDX-License-Identifier: GPL-3.0-or-later
// The project's own socket and timer awaitables (they replace QCoro's compiled ones, so QCoro is
// header-only): waitReadable() and sleepFor() on real loopback sockets.

#include "core/coro/sleep.h"
#include "core/coro/socketwait.h"

#include <QElapsedTimer>
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

QTEST_GUILESS_MAIN(TestSocketWait)
#include "tst_socketwait.moc"
