// SPDX-License-Identifier: GPL-3.0-or-later
// The per-source token bucket that guards LAN discovery.

#include "core/addressprefix.h"
#include "core/ratelimiter.h"

#include <QTest>

using namespace PunchDrop;

class TestRateLimiter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void burstThenRefill_data();
    void burstThenRefill();
    void sourcesAreIndependent();
    void tableIsBounded();
    void addressPrefix_data();
    void addressPrefix();
};

void TestRateLimiter::burstThenRefill_data()
{
    QTest::addColumn<int>("rate");
    QTest::addColumn<qint64>("pauseMs");
    QTest::addColumn<int>("allowedAfterPause");
    QTest::newRow("no pause") << 20 << qint64(0) << 0;
    QTest::newRow("half a second refills half") << 20 << qint64(500) << 10;
    QTest::newRow("a long pause refills only to the burst") << 20 << qint64(60'000) << 20;
    QTest::newRow("rate 1") << 1 << qint64(999) << 0;
    QTest::newRow("rate 1, a second later") << 1 << qint64(1000) << 1;
}

void TestRateLimiter::burstThenRefill()
{
    QFETCH(int, rate);
    QFETCH(qint64, pauseMs);
    QFETCH(int, allowedAfterPause);
    RateLimiter limiter(rate);
    const QHostAddress source(QStringLiteral("10.0.0.1"));
    int allowed = 0;
    for (int i = 0; i < rate * 3; ++i)
        allowed += limiter.allow(source, 1000) ? 1 : 0;
    QCOMPARE(allowed, rate); // the burst is the rate
    allowed = 0;
    for (int i = 0; i < rate * 3; ++i)
        allowed += limiter.allow(source, 1000 + pauseMs) ? 1 : 0;
    QCOMPARE(allowed, allowedAfterPause);
}

void TestRateLimiter::sourcesAreIndependent()
{
    RateLimiter limiter(2);
    const QHostAddress a(QStringLiteral("10.0.0.1"));
    const QHostAddress b(QStringLiteral("fe80::1"));
    QVERIFY(limiter.allow(a, 0));
    QVERIFY(limiter.allow(a, 0));
    QVERIFY(!limiter.allow(a, 0));
    QVERIFY(limiter.allow(b, 0));
    QVERIFY(limiter.allow(b, 0));
    QVERIFY(!limiter.allow(b, 0));
    QCOMPARE(limiter.trackedSources(), 2);
}

void TestRateLimiter::tableIsBounded()
{
    RateLimiter limiter(5, 3);
    for (int i = 1; i <= 3; ++i)
        QVERIFY(limiter.allow(QHostAddress(QStringLiteral("10.0.0.%1").arg(i)), 0));
    // Every slot is busy (its bucket is not full): a fourth source is refused, not tracked.
    QVERIFY(!limiter.allow(QHostAddress(QStringLiteral("10.0.0.4")), 0));
    QCOMPARE(limiter.trackedSources(), 3);
    // Once the others have been idle long enough to refill, they are forgotten to make room.
    QVERIFY(limiter.allow(QHostAddress(QStringLiteral("10.0.0.4")), 10'000));
    QCOMPARE(limiter.trackedSources(), 1);
}

void TestRateLimiter::addressPrefix_data()
{
    // The key of the server's per-address limits: /24 and /64.
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("prefix");
    QTest::newRow("v4") << QStringLiteral("203.0.113.77") << QStringLiteral("203.0.113.0");
    QTest::newRow("loopback") << QStringLiteral("127.0.0.3") << QStringLiteral("127.0.0.0");
    QTest::newRow("v4-mapped") << QStringLiteral("::ffff:198.51.100.9")
                               << QStringLiteral("198.51.100.0");
    QTest::newRow("v6") << QStringLiteral("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
                        << QStringLiteral("2001:db8:1:2::");
    QTest::newRow("v6 loopback") << QStringLiteral("::1") << QStringLiteral("::");
}

void TestRateLimiter::addressPrefix()
{
    QFETCH(QString, address);
    QFETCH(QString, prefix);
    QCOMPARE(AddressPrefix::of(QHostAddress(address)), QHostAddress(prefix));
    // Two hosts of one network share a bucket when the caller keys on the prefix.
    RateLimiter limiter(1);
    QVERIFY(limiter.allow(AddressPrefix::of(QHostAddress(address)), 0));
    QVERIFY(!limiter.allow(AddressPrefix::of(QHostAddress(prefix)), 0));
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
