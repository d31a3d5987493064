// SPDX-License-Identifier: GPL-3.0-or-later
// Quitting while a transfer waits on its worker thread (issue 12, the ASan pass): real engines
// on a real in-process rendezvous server over loopback. The receiver's engine is deleted while
// its incoming job hashes a held resume prefix of 32 GiB on the worker; the worker's answer then
// arrives for a job and an engine that are gone. Nothing may touch them (the test's ASan build
// reports any use after free), the deletion must not wait for the hash, the sender must end,
// and the part file must stay for a later resume.

#include "support/enginedevice.h"
#include "support/heldpart.h"
#include "support/testhelpers.h"
#include "support/testserver.h"
#include "transfer/filesink.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace PunchDrop;
using namespace std::chrono_literals;
using Test::EngineDevice;

namespace {
//! Bytes this process read through read(2) so far (Linux: rchar of /proc/self/io); -1 elsewhere.
qint64 bytesRead()
{
    QFile io(QStringLiteral("/proc/self/io"));
    if (!io.open(QIODevice::ReadOnly))
        return -1;
    const auto m = QRegularExpression(QStringLiteral("rchar:\\s+(\\d+)"))
                       .match(QString::fromLatin1(io.readAll()));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}
} // namespace

class TestEngineShutdown : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void receiverQuitsWhileHashingAResumePrefix();
};

void TestEngineShutdown::receiverQuitsWhileHashingAResumePrefix()
{
    if (bytesRead() < 0)
        PUNCHDROP_SKIP_UNLESS_CI("needs /proc/self/io to see the hashing under way");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    Test::TestServer server;
    QString error;
    QVERIFY2(server.start(Test::loopbackServerConfig(), &error), qPrintable(error));
    EngineDevice alice(tmp.path(), QStringLiteral("alice"), server->serverPort());
    auto bob
        = std::make_unique<EngineDevice>(tmp.path(), QStringLiteral("bob"), server->serverPort());

    constexpr qint64 kSize = (qint64(32) << 30) + 5;
    const QString source = tmp.filePath(QStringLiteral("src/huge.img"));
    if (!Test::leaveHeldPart(source, bob->downloadDir, alice.identity.id(), kSize, kSize - 5))
        PUNCHDROP_SKIP_UNLESS_CI("the temporary directory does not support sparse files");
    const QStringList parts
        = Test::partFilesOf(QDir(bob->downloadDir).filePath(QStringLiteral("huge.img")));
    QCOMPARE(parts.size(), 1);

    QVERIFY(alice.start());
    QVERIFY(bob->start());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const PeerInfo &p : alice.engine->peers())
                if (p.id == bob->identity.id())
                    return p.online;
            return false;
        }(),
        10000);
    const qint64 readBefore = bytesRead();
    alice.engine->send(bob->identity.id(), {source});

    // Bob accepted, got the HEADER and hashes the held 32 GiB on his worker: reads climb.
    QTRY_VERIFY_WITH_TIMEOUT(bytesRead() - readBefore > 256 * 1024 * 1024, 30000);
    QCOMPARE(bob->decider.calls, 1);

    QElapsedTimer clock;
    clock.start();
    bob->finished.reset();
    bob->engine.reset(); // quit: the job goes with the engine, its worker still hashing
    const qint64 quitMs = clock.elapsed();
    qInfo("the receiver's engine was deleted %lld ms after the quit", quitMs);
    QVERIFY2(quitMs < 5000, qPrintable(QStringLiteral("%1 ms").arg(quitMs)));

    // The worker's answer (posted while the engine was deleted) resumes the receiver's flow in
    // the event loop; only then does its socket close and the sender end.
    QTRY_COMPARE_WITH_TIMEOUT(alice.finished->count(), 1, 30000);
    QVERIFY(!alice.firstResult().ok());
    QVERIFY(!QFileInfo::exists(QDir(bob->downloadDir).filePath(QStringLiteral("huge.img"))));
    QCOMPARE(Test::partFilesOf(QDir(bob->downloadDir).filePath(QStringLiteral("huge.img"))), parts);
    QVERIFY(QFileInfo(parts.constFirst()).size() >= kSize - 5);
    QVERIFY(QFileInfo::exists(FileSink::metaPathFor(parts.constFirst())));
}

QTEST_GUILESS_MAIN(TestEngineShutdown)
#include "tst_engineshutdown.moc"
