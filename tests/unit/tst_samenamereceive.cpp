// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12, H2: two senders send a file of the same name into one receiver's folder at the same
// time, over real loopback TLS. Before the fix both wrote `report.bin.pdpart` (truncated on open,
// no exclusivity) and both reported "verified" while one file held the other's bytes. Now each
// transfer owns its own part file: both files arrive intact, each byte-identical to its own
// source, one as `report.bin` and one as `report (1).bin`, and each reported hash is the hash of
// the file that carries it.

#include "support/scripteddecider.h"
#include "support/testhelpers.h"
#include "support/transfersocketpair.h"

#include "transfer/incomingtransfer.h"
#include "transfer/offerdecider.h"
#include "transfer/outgoingtransfer.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <qcorotask.h>

#include <chrono>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! The digest both sides report: XXH3-128, which both offer by default.
QString digestHex(const QByteArray &data)
{
    return QString::fromLatin1(FileDigest::of(FileDigest::Algorithm::Xxh3_128, data).toHex());
}

} // namespace

class TestSameNameReceive : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void twoSendersOfOneName();
};

void TestSameNameReceive::twoSendersOfOneName()
{
    constexpr qint64 kSize = 24 * 1024 * 1024 + 777; // ~100 chunks each: they interleave
    QTemporaryDir work;
    QVERIFY(work.isValid());
    const QString downloads = work.filePath(QStringLiteral("dl"));
    const QByteArray dataA = Test::randomBytes(kSize, 0xA);
    const QByteArray dataB = Test::randomBytes(kSize, 0xB);
    const QString sourceA = work.filePath(QStringLiteral("alice/report.bin"));
    const QString sourceB = work.filePath(QStringLiteral("carol/report.bin"));
    QVERIFY(Test::writeFile(sourceA, dataA));
    QVERIFY(Test::writeFile(sourceB, dataB));

    // One receiving device, two sending devices, two connections.
    const DeviceIdentity receiverIdentity = Test::ephemeralIdentity();
    Test::TransferSocketPair pairA;
    Test::TransferSocketPair pairB;
    pairA.setIdentities(Test::ephemeralIdentity(), receiverIdentity);
    pairB.setIdentities(Test::ephemeralIdentity(), receiverIdentity);
    QString error = pairA.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = pairB.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));

    Test::ScriptedDecider decider;
    ReceiveOptions options;
    options.downloadDir = downloads;
    options.decider = &decider;
    OutgoingTransfer senderA(pairA.client(), pairA.clientIdentity(), {sourceA});
    OutgoingTransfer senderB(pairB.client(), pairB.clientIdentity(), {sourceB});
    IncomingTransfer receiverA(pairA.server(), receiverIdentity, pairA.serverResult().peer,
        QStringLiteral("alice"), options);
    IncomingTransfer receiverB(pairB.server(), receiverIdentity, pairB.serverResult().peer,
        QStringLiteral("carol"), options);
    const TransferTimeouts timeouts {10s, 10s, 30s};
    for (TransferJob *job :
        {static_cast<TransferJob *>(&senderA), static_cast<TransferJob *>(&senderB),
            static_cast<TransferJob *>(&receiverA), static_cast<TransferJob *>(&receiverB)})
        job->setTimeouts(timeouts);

    // Proof that both were receiving at once: at some point each had part of its file, not all.
    // Looked at whenever either connection has bytes to read (progress signals come at most
    // every 100 ms, and a Release build moves both files in less than that on a quiet machine).
    bool overlapped = false;
    const auto look = [&] {
        const qint64 doneA = receiverA.channel().dataReceived(0);
        const qint64 doneB = receiverB.channel().dataReceived(0);
        overlapped = overlapped || (doneA > 0 && doneA < kSize && doneB > 0 && doneB < kSize);
    };
    connect(pairA.server(), &QIODevice::readyRead, this, look);
    connect(pairB.server(), &QIODevice::readyRead, this, look);
    // And every few ms: the receivers read straight from the kernel, so on a loaded machine a
    // readyRead may come only at the start and the end of each file's bytes.
    QTimer poll;
    connect(&poll, &QTimer::timeout, this, look);
    poll.start(2);

    auto sentA = senderA.run();
    auto sentB = senderB.run();
    auto gotA = receiverA.run();
    auto gotB = receiverB.run();
    const TransferResult rA = QCoro::waitFor(gotA);
    const TransferResult rB = QCoro::waitFor(gotB);
    const TransferResult sA = QCoro::waitFor(sentA);
    const TransferResult sB = QCoro::waitFor(sentB);
    QVERIFY2(overlapped, "the two transfers did not run at the same time: the test proves nothing");
    QVERIFY2(sA.allVerified() && rA.allVerified(), qPrintable(sA.message + rA.message));
    QVERIFY2(sB.allVerified() && rB.allVerified(), qPrintable(sB.message + rB.message));

    const QString landedA = rA.files.first().localPath;
    const QString landedB = rB.files.first().localPath;
    const QStringList expectedNames {
        QStringLiteral("report (1).bin"), QStringLiteral("report.bin")};
    QStringList names {QFileInfo(landedA).fileName(), QFileInfo(landedB).fileName()};
    names.sort();
    QCOMPARE(names, expectedNames);
    // Each file holds its own sender's bytes, and the hash each side reported is that file's.
    QCOMPARE(Test::readFile(landedA), dataA);
    QCOMPARE(Test::readFile(landedB), dataB);
    QCOMPARE(rA.files.first().digest, digestHex(dataA));
    QCOMPARE(rB.files.first().digest, digestHex(dataB));
    QCOMPARE(sA.files.first().digest, digestHex(dataA));
    QCOMPARE(sB.files.first().digest, digestHex(dataB));
    // Nothing else: no part file or metadata left behind.
    QStringList left = QDir(downloads).entryList(QDir::Files | QDir::Hidden);
    left.sort();
    QCOMPARE(left, expectedNames);
}

QTEST_GUILESS_MAIN(TestSameNameReceive)
#include "tst_samenamereceive.moc"
