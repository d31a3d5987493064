// SPDX-License-Identifier: GPL-3.0-or-later
// RelayBandwidth, the relay's global rate budget, without sockets: no reader takes bytes past a
// waiting one, turns are bounded by the quantum and go round-robin, the sum stays under the
// rate, and forgotten or destroyed readers are never woken. (With real relay sessions:
// tst_relay's totalRateCapIsSharedBetweenSessions.)

#include "net/server/relaybandwidth.h"

#include <QElapsedTimer>
#include <QTest>

#include <memory>
#include <vector>

using namespace PunchDrop;

namespace {

//! Wants \a chunk bytes at a time, for ever; counts what it was granted.
class GreedyReader : public QObject
{
public:
    GreedyReader(RelayBandwidth &budget, qint64 chunk)
        : m_budget(budget)
        , m_chunk(chunk)
    { }
    void pump()
    {
        ++wakes;
        qint64 got;
        while ((got = m_budget.acquire(this, m_chunk, [this] { pump(); })) > 0) {
            granted += got;
            ++turnGrants;
        }
    }
    RelayBandwidth &m_budget;
    qint64 m_chunk;
    qint64 granted = 0;
    int wakes = 0;
    int turnGrants = 0;
};

} // namespace

class TestRelayBandwidth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aloneTakesTheSavedUpBurst();
    void nobodyJumpsTheQueue();
    void turnsAreBoundedByTheQuantum();
    void sharedFairlyAndCapped();
    void forgottenReaderIsNotWoken();
};

void TestRelayBandwidth::aloneTakesTheSavedUpBurst()
{
    constexpr qint64 kRate = 10 * 1024 * 1024;
    RelayBandwidth budget(kRate);
    QObject reader;
    int wakes = 0;
    qint64 total = 0;
    qint64 got;
    while ((got = budget.acquire(&reader, 64 * 1024, [&] { ++wakes; })) > 0)
        total += got;
    // The bucket starts full: a tenth of a second's worth, and not (much) more.
    QVERIFY2(
        total >= kRate / 10 && total <= kRate / 10 + 64 * 1024, qPrintable(QString::number(total)));
    QCOMPARE(budget.waiting(), 1);
    QCOMPARE(budget.acquire(&reader, 0, [] {}), 0); // asking for nothing does not queue
    QCOMPARE(budget.acquire(&reader, 1024, [&] { ++wakes; }), 0);
    QCOMPARE(budget.waiting(), 1); // asking again keeps its place, no second entry
    QTRY_COMPARE_WITH_TIMEOUT(wakes, 1, 5000);
}

void TestRelayBandwidth::nobodyJumpsTheQueue()
{
    RelayBandwidth budget(1024 * 1024);
    QObject first;
    QObject second;
    while (budget.acquire(&first, 1 << 20, [] {}) > 0) { }
    QCOMPARE(budget.waiting(), 1);
    // Tokens trickle back at once, but a newcomer queues behind the waiting reader anyway.
    QCOMPARE(budget.acquire(&second, 1024, [] {}), 0);
    QCOMPARE(budget.waiting(), 2);
}

void TestRelayBandwidth::turnsAreBoundedByTheQuantum()
{
    RelayBandwidth budget(64 * 1024 * 1024); // fast: the quantum is 10 ms of it (671 088 bytes)
    GreedyReader a(budget, 16 * 1024);
    GreedyReader b(budget, 16 * 1024);
    a.pump(); // drains the saved-up bucket alone
    b.pump(); // must wait behind a
    QCOMPARE(budget.waiting(), 2);
    const qint64 aBefore = a.granted;
    QTRY_VERIFY_WITH_TIMEOUT(a.wakes >= 3 && b.wakes >= 3, 5000);
    // Each turn hands out at most one quantum (plus the last partial chunk).
    const qint64 perTurn = budget.quantum() + 16 * 1024;
    QVERIFY((a.granted - aBefore) <= qint64(a.wakes - 1) * perTurn);
    QVERIFY(b.granted <= qint64(b.wakes - 1) * perTurn);
    QVERIFY(b.granted > 0);
}

void TestRelayBandwidth::sharedFairlyAndCapped()
{
    constexpr qint64 kRate = 4 * 1024 * 1024;
    RelayBandwidth budget(kRate);
    std::vector<std::unique_ptr<GreedyReader>> readers;
    for (qint64 chunk : {qint64(64 * 1024), qint64(4 * 1024), qint64(32 * 1024)})
        readers.push_back(std::make_unique<GreedyReader>(budget, chunk));
    QElapsedTimer clock;
    clock.start();
    for (auto &r : readers)
        r->pump();
    const auto granted = [&readers] {
        qint64 sum = 0;
        for (auto &r : readers)
            sum += r->granted;
        return sum;
    };
    // Until ~0.8 s worth of the rate went out (the bounds below hold at any moment).
    QVERIFY(QTest::qWaitFor([&] { return granted() >= kRate * 8 / 10; }, 10000));
    const qint64 elapsedMs = clock.elapsed();
    const qint64 total = granted();
    QString numbers;
    for (auto &r : readers)
        numbers += QString::number(r->granted) + QLatin1Char(' ');
    numbers += QStringLiteral("in %1 ms").arg(elapsedMs);
    qInfo().noquote() << "granted" << numbers;
    // Never more than the rate plus the initial burst ...
    QVERIFY2(total <= kRate * elapsedMs / 1000 + kRate / 10 + 64 * 1024, qPrintable(numbers));
    // ... most of it used (generous: timers on a busy machine are late) ...
    QVERIFY2(total >= kRate * elapsedMs / 1000 / 3, qPrintable(numbers));
    // ... and split fairly, whatever chunk size each reader asks for.
    for (auto &r : readers)
        QVERIFY2(r->granted >= total / 6, qPrintable(numbers));
}

void TestRelayBandwidth::forgottenReaderIsNotWoken()
{
    RelayBandwidth budget(1024 * 1024);
    QObject hog;
    while (budget.acquire(&hog, 1 << 20, [] {}) > 0) { }
    int forgottenWakes = 0;
    int deadWakes = 0;
    int liveWakes = 0;
    QObject forgotten;
    auto dead = std::make_unique<QObject>();
    QObject live;
    QCOMPARE(budget.acquire(&forgotten, 1024, [&] { ++forgottenWakes; }), 0);
    QCOMPARE(budget.acquire(dead.get(), 1024, [&] { ++deadWakes; }), 0);
    QCOMPARE(budget.acquire(&live, 1024, [&] { ++liveWakes; }), 0);
    budget.forget(&hog);
    budget.forget(&forgotten);
    dead.reset();
    QTRY_COMPARE_WITH_TIMEOUT(liveWakes, 1, 5000);
    QCOMPARE(forgottenWakes, 0);
    QCOMPARE(deadWakes, 0);
    QCOMPARE(budget.waiting(), 0);
}

QTEST_GUILESS_MAIN(TestRelayBandwidth)
#include "tst_relaybandwidth.moc"
