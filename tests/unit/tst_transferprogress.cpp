// SPDX-License-Identifier: GPL-3.0-or-later
// TransferJob's throttled progress (issue 18, "progress that is not true"): a job whose first
// report comes long after it started (the person took their time to accept) reports at once,
// not only after as long again; a report held back by the throttle arrives when the interval
// ends instead of being lost; a job that ends reports its last count before its result, so a
// sender cancelled after a burst says what it sent, not 0.

#include "transfer/transferjob.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTest>

#include <qcorotask.h>

#include <functional>

using namespace PunchDrop;

namespace {

constexpr qint64 MiB = 1024 * 1024;

//! A job whose protocol is a script of progress reports, ending Cancelled.
class ScriptedJob : public TransferJob
{
public:
    explicit ScriptedJob(QSslSocket *socket)
        : TransferJob(socket, nullptr)
    { }

    std::function<void(ScriptedJob &)> script;
    void report(qint64 done, bool force = false) { reportProgress(done, 100 * MiB, force); }

protected:
    QCoro::Task<TransferResult> runSteps() override
    {
        if (script)
            script(*this);
        co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    }
    QCoro::Task<bool> closeSession(const TransferResult &) override { co_return true; }
};

qint64 lastDone(const QSignalSpy &spy)
{
    return spy.isEmpty() ? -1 : spy.constLast().at(0).toLongLong();
}

//! Lets \a ms milliseconds of \a clock pass (the event loop runs meanwhile).
bool letPass(const QElapsedTimer &clock, qint64 ms)
{
    return QTest::qWaitFor([&] { return clock.elapsed() >= ms; }, int(ms) + 5000);
}

} // namespace

class TestTransferProgress : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstReportsAfterALongWaitAreNotHeldBack()
    {
        QSslSocket socket;
        QElapsedTimer clock;
        clock.start();
        ScriptedJob job(&socket);
        QSignalSpy progress(&job, &TransferJob::progress);
        // The offer waited 600 ms for an answer, then the data starts.
        QVERIFY(letPass(clock, 600));
        job.report(0, true);
        QCOMPARE(lastDone(progress), 0);
        clock.restart();
        QVERIFY(letPass(clock, TransferJob::kProgressIntervalMs + 20));
        // One interval later a report goes out at once (it was held for the 600 ms of waiting).
        job.report(8 * MiB);
        QCOMPARE(lastDone(progress), 8 * MiB);
    }

    void aThrottledReportArrivesWhenTheIntervalEnds()
    {
        QSslSocket socket;
        ScriptedJob job(&socket);
        QSignalSpy progress(&job, &TransferJob::progress);
        job.report(0, true);
        // A burst within one interval, then nothing moves (the receiver stopped reading).
        job.report(20 * MiB);
        job.report(48 * MiB);
        QCOMPARE(lastDone(progress), 0);
        QVERIFY(progress.wait(2000));
        QCOMPARE(lastDone(progress), 48 * MiB);
        QCOMPARE(progress.size(), 2);
        // The rate counts from the first report.
        QVERIFY(progress.constLast().at(2).toDouble() > 0);
    }

    void theLastCountComesBeforeTheResult()
    {
        QSslSocket socket;
        ScriptedJob job(&socket);
        QStringList events;
        QObject::connect(&job, &TransferJob::progress, &job,
            [&](qint64 done, qint64, double) { events << u"progress %1"_qs.arg(done / MiB); });
        QObject::connect(&job, &TransferJob::finished, &job,
            [&](const TransferResult &r) { events << u"finished %1"_qs.arg(int(r.error)); });
        job.script = [](ScriptedJob &j) {
            j.report(0, true);
            j.report(30 * MiB);
            j.report(48 * MiB); // held back by the throttle, then the user cancels
        };
        QSignalSpy finished(&job, &TransferJob::finished);
        auto running = job.run();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        QCOMPARE(events,
            QStringList({u"progress 0"_qs, u"progress 48"_qs,
                u"finished %1"_qs.arg(int(TransferError::Cancelled))}));
    }
};

QTEST_GUILESS_MAIN(TestTransferProgress)
#include "tst_transferprogress.moc"
