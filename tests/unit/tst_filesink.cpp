// SPDX-License-Identifier: GPL-3.0-or-later
// FileSink: one writer per file (issue 12, H2) and resume safety. Each download writes its own
// part file, created exclusively and keyed by sender and file; nobody else's transfer, no
// symlink and no vanished file can make the bytes renamed into place differ from the bytes
// hashed. A part file that shrank between the resume check (HEADER) and the start of writing
// (SENDFROM) is never padded with zeros that the stream hash cannot see.

#include "support/faildevice.h"
#include "support/testhelpers.h"

#include "core/ownedfile.h"
#include "transfer/filesink.h"
#include "transfer/sha256.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <future>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

using namespace PunchDrop;

class TestFileSink : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void resumeRefusesAPartThatShrank();
    void resumeOfAnIntactPartVerifies();
    void twoWritersOfOneNameGetTwoPartFiles();
    void partPathKeyedBySenderAndFile_data();
    void partPathKeyedBySenderAndFile();
    void wholeFilesSealedSyncedPlaced();
    void unnamedWholeFilesAppearOnlyWhenPlaced_data();
    void unnamedWholeFilesAppearOnlyWhenPlaced();
#ifdef Q_OS_LINUX
    void symlinkedFolderIsFollowedOnlyWhenAsked();
#endif
    void resumeOnlyFromTheSameSenderAndFile();
    void partInUseIsNeitherResumedNorTouched();
    void symlinkAtThePartPathIsRefused_data();
    void symlinkAtThePartPathIsRefused();
    void vanishedPartFileIsAnError_data();
    void vanishedPartFileIsAnError();
    void finalNameNeverOverwrites();
    void cancelStopsPrefixHashing();

private:
    static QByteArray content();
    static PartMeta meta();
    static PartMeta otherSender();
    static void leavePart(const QString &target, const QByteArray &prefix);
    static QByteArray sha(const QByteArray &data);
};

QByteArray TestFileSink::content()
{
    QByteArray data(2 * 1024 * 1024, '\0');
    for (int i = 0; i < data.size(); ++i)
        data[i] = char((i * 7) ^ (i >> 9));
    return data;
}

PartMeta TestFileSink::meta()
{
    PartMeta m;
    m.sender = DeviceId::fromDigest(QByteArray(32, '\x11'));
    m.path = QStringLiteral("report.bin");
    m.size = content().size();
    m.mtimeMs = 1700000000000;
    return m;
}

PartMeta TestFileSink::otherSender()
{
    PartMeta m = meta();
    m.sender = DeviceId::fromDigest(QByteArray(32, '\x22'));
    return m;
}

QByteArray TestFileSink::sha(const QByteArray &data)
{
    Sha256 h;
    h.addData(data);
    return h.result();
}

// An earlier interrupted attempt: part + metadata on disk.
void TestFileSink::leavePart(const QString &target, const QByteArray &prefix)
{
    FileSink first(target);
    QVERIFY(first.begin(0, meta()));
    QVERIFY(first.write(prefix));
    first.suspend();
}

void TestFileSink::resumeRefusesAPartThatShrank()
{
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QByteArray data = content();
    leavePart(target, data.left(1024 * 1024));

    FileSink sink(target);
    const FileSink::Held held = sink.inspect(meta());
    QCOMPARE(held.offset, qint64(1024 * 1024));
#ifdef Q_OS_WIN
    // Windows: since inspect() the part is held open without FILE_SHARE_DELETE or
    // FILE_SHARE_WRITE (OwnedFile), so nobody outside PunchDrop can delete or shrink it: the
    // resume goes on from the held bytes.
    QVERIFY(!QFile::remove(sink.partPath()));
    QFile shrinker(sink.partPath());
    QVERIFY(!shrinker.open(QIODevice::ReadWrite));
    QVERIFY2(sink.begin(held.offset, meta()), qPrintable(sink.error()));
    QVERIFY(sink.write(data.mid(int(held.offset))));
    QCOMPARE(sink.finish(sha(data), false, {}).error, TransferError::None);
    QCOMPARE(Test::readFile(target), data);
    return;
#endif
    // Meanwhile someone outside PunchDrop deleted the part file.
    QVERIFY(QFile::remove(sink.partPath()));
    QVERIFY(!sink.begin(held.offset, meta()));
    QVERIFY2(sink.error().contains(QStringLiteral("send again")), qPrintable(sink.error()));
    QVERIFY(!QFile::exists(target));
    // No zero-filled part was created at the resume point either.
    QVERIFY(QFile(sink.partPath()).size() < held.offset);
}

void TestFileSink::resumeOfAnIntactPartVerifies()
{
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QByteArray data = content();
    leavePart(target, data.left(1024 * 1024));

    FileSink sink(target);
    const FileSink::Held held = sink.inspect(meta());
    QVERIFY(sink.begin(held.offset, meta()));
    QVERIFY(sink.write(data.mid(int(held.offset))));
    Sha256 whole;
    whole.addData(data);
    const FileSink::Finished done
        = sink.finish(whole.result(), false, QDateTime::currentDateTimeUtc());
    QCOMPARE(done.error, TransferError::None);
    QFile got(done.finalPath);
    QVERIFY(got.open(QIODevice::ReadOnly));
    QCOMPARE(got.readAll(), data);
}

void TestFileSink::twoWritersOfOneNameGetTwoPartFiles()
{
    // The H2 probe in miniature: two senders' report.bin, written interleaved into one folder.
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QByteArray first = Test::randomBytes(3 * 1024 * 1024 + 5, 1);
    const QByteArray second = Test::randomBytes(3 * 1024 * 1024 + 5, 2);
    PartMeta a = meta();
    a.size = first.size();
    PartMeta b = otherSender();
    b.size = second.size();
    FileSink sinkA(target);
    FileSink sinkB(target);
    QVERIFY2(sinkA.begin(0, a), qPrintable(sinkA.error()));
    QVERIFY2(sinkB.begin(0, b), qPrintable(sinkB.error()));
    QVERIFY(sinkA.partPath() != sinkB.partPath());
    constexpr int kChunk = 256 * 1024;
    for (int at = 0; at < first.size(); at += kChunk) {
        QVERIFY(sinkA.write(first.mid(at, kChunk)));
        QVERIFY(sinkB.write(second.mid(at, kChunk)));
    }
    const FileSink::Finished doneB = sinkB.finish(sha(second), false, {});
    const FileSink::Finished doneA = sinkA.finish(sha(first), false, {});
    QCOMPARE(doneB.error, TransferError::None);
    QCOMPARE(doneA.error, TransferError::None);
    QCOMPARE(doneB.finalPath, target);
    QCOMPARE(doneA.finalPath, dir.filePath(QStringLiteral("report (1).bin")));
    QCOMPARE(Test::readFile(doneA.finalPath), first);
    QCOMPARE(Test::readFile(doneB.finalPath), second);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2); // no part or meta left
}

void TestFileSink::partPathKeyedBySenderAndFile_data()
{
    QTest::addColumn<FileSink::PartKind>("kind");
    QTest::newRow("resumable (SHA-256 of the metadata)") << FileSink::PartKind::Resumable;
    QTest::newRow("whole small file (XXH3-128 of the fields)") << FileSink::PartKind::Whole;
}

void TestFileSink::partPathKeyedBySenderAndFile()
{
    QFETCH(FileSink::PartKind, kind);
    const auto part = [kind](const QString &target, const PartMeta &m, int candidate = 0) {
        return FileSink::partPathFor(target, m, candidate, kind);
    };
    const QString target = QStringLiteral("/downloads/report.bin");
    const QString base = part(target, meta());
    QVERIFY(base.startsWith(QStringLiteral("/downloads/report.bin.")));
    QVERIFY(base.endsWith(QStringLiteral(".pdpart")));
    QCOMPARE(part(target, meta()), base); // stable: a resume (or a retry) finds it
    QVERIFY(part(target, otherSender()) != base);
    PartMeta changed = meta();
    changed.size += 1;
    QVERIFY(part(target, changed) != base);
    changed = meta();
    changed.mtimeMs += 1;
    QVERIFY(part(target, changed) != base);
    changed = meta();
    changed.path = QStringLiteral("other/report.bin");
    QVERIFY(part(target, changed) != base);
    QVERIFY(part(target, meta(), 1) != base);
    // The two kinds never share a part file.
    QVERIFY(FileSink::partPathFor(target, meta(), 0, FileSink::PartKind::Resumable)
        != FileSink::partPathFor(target, meta(), 0, FileSink::PartKind::Whole));
    // A name of 255 bytes still gives part and metadata names that fit one file name.
    const QString longName = QString(250, QChar(u'é')).left(127) + QStringLiteral(".b");
    const QString longPart = part(QStringLiteral("/d/") + longName, meta(), 3);
    QVERIFY(QFileInfo(FileSink::metaPathFor(longPart)).fileName().toUtf8().size() <= 255);
    QVERIFY(longPart.endsWith(QStringLiteral("-3.pdpart")));
}

void TestFileSink::wholeFilesSealedSyncedPlaced()
{
    // The FILES path: writeWhole() each, seal() each, one syncAll(), place() each. A mismatch
    // leaves nothing; a name taken gets "(1)"; an earlier attempt's part file is taken over.
    QTemporaryDir dir;
    using A = FileDigest::Algorithm;
    const QByteArray a = Test::randomBytes(4096, 1);
    const QByteArray b("taken");
    const QByteArray c("corrupt?");
    QVERIFY(Test::writeFile(dir.filePath(QStringLiteral("b.txt")), "already here"));
    PartMeta metaA = meta();
    metaA.path = QStringLiteral("a.bin");
    const QString leftover = FileSink::partPathFor(
        dir.filePath(QStringLiteral("a.bin")), metaA, 0, FileSink::PartKind::Whole);
    QVERIFY(Test::writeFile(leftover, QByteArray(10000, 'x'))); // a crash's leftover
    FileSink sinkA(dir.filePath(QStringLiteral("a.bin")), {}, A::Xxh3_128);
    FileSink sinkB(dir.filePath(QStringLiteral("b.txt")), {}, A::Xxh3_128);
    FileSink sinkC(dir.filePath(QStringLiteral("c.txt")), {}, A::Xxh3_128);
    QVERIFY(sinkA.writeWhole(metaA, a));
    QCOMPARE(sinkA.partPath(), leftover);
    QVERIFY(sinkB.writeWhole(meta(), b));
    QVERIFY(sinkC.writeWhole(meta(), c));
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(1600000000000, Qt::UTC);
    FileSink::Finished finA, finB, finC;
    QVERIFY(sinkA.seal(FileDigest::of(A::Xxh3_128, a), false, when, &finA));
    QVERIFY(sinkB.seal(FileDigest::of(A::Xxh3_128, b), false, {}, &finB));
    QVERIFY(!sinkC.seal(FileDigest::of(A::Xxh3_128, QByteArray("corrupt!")), false, {}, &finC));
    QCOMPARE(finC.error, TransferError::Integrity);
    FileSink::syncAll({&sinkA, &sinkB});
    finA = sinkA.place(finA);
    finB = sinkB.place(finB);
    QCOMPARE(finA.error, TransferError::None);
    QCOMPARE(finB.error, TransferError::None);
    QCOMPARE(finA.finalPath, dir.filePath(QStringLiteral("a.bin")));
    QCOMPARE(finB.finalPath, dir.filePath(QStringLiteral("b (1).txt")));
    QCOMPARE(Test::readFile(finA.finalPath), a); // the leftover's extra bytes are gone
    QCOMPARE(Test::readFile(finB.finalPath), b);
    QCOMPARE(Test::readFile(dir.filePath(QStringLiteral("b.txt"))), QByteArray("already here"));
    QCOMPARE(
        QFileInfo(finA.finalPath).lastModified().toMSecsSinceEpoch(), when.toMSecsSinceEpoch());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files),
        (QStringList {
            QStringLiteral("a.bin"), QStringLiteral("b (1).txt"), QStringLiteral("b.txt")}));
}

void TestFileSink::unnamedWholeFilesAppearOnlyWhenPlaced_data()
{
    QTest::addColumn<bool>("viaProc");
    QTest::newRow("linkat(AT_EMPTY_PATH)") << false;
    QTest::newRow("linkat(/proc/self/fd)") << true; // kernels before 6.10, no capability
}

void TestFileSink::unnamedWholeFilesAppearOnlyWhenPlaced()
{
    // The FILES path with the target's folder held open: on Linux the files have no name (no
    // part file either) until place() links them in, without replacing anything; a mismatch
    // or a failed write leaves nothing, and a file beside them named like resume metadata
    // ("c.txt.meta") is not touched. Elsewhere there is no such folder and part files are used.
    QFETCH(bool, viaProc);
    QTemporaryDir dir;
    const std::shared_ptr<OwnedFolder> folder = OwnedFolder::open(dir.path());
#ifndef Q_OS_LINUX
    QVERIFY(!folder);
    Q_UNUSED(viaProc);
#else
    QVERIFY(folder);
    OwnedFile::linkThroughProcForTesting(viaProc);
    const auto restore = qScopeGuard([] { OwnedFile::linkThroughProcForTesting(false); });
    using A = FileDigest::Algorithm;
    const QByteArray a = Test::randomBytes(4096, 7);
    const QByteArray b("second copy");
    const QByteArray c("corrupt?");
    QVERIFY(Test::writeFile(dir.filePath(QStringLiteral("b.txt")), "already here"));
    QVERIFY(Test::writeFile(dir.filePath(QStringLiteral("c.txt.meta")), "mine"));
    const QStringList before = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
    FileSink sinkA(dir.filePath(QStringLiteral("a.sh")), {}, A::Xxh3_128);
    FileSink sinkB(dir.filePath(QStringLiteral("b.txt")), {}, A::Xxh3_128);
    FileSink sinkC(dir.filePath(QStringLiteral("c.txt")), {}, A::Xxh3_128);
    QVERIFY(sinkA.writeWhole(meta(), a, folder));
    QVERIFY(sinkB.writeWhole(meta(), b, folder));
    QVERIFY(sinkC.writeWhole(meta(), c, folder));
    QCOMPARE(sinkA.partPath(), dir.filePath(QStringLiteral("a.sh"))); // no part name
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(1600000000123, Qt::UTC);
    FileSink::Finished finA, finB, finC;
    QVERIFY(sinkA.seal(FileDigest::of(A::Xxh3_128, a), true, when, &finA));
    QVERIFY(sinkB.seal(FileDigest::of(A::Xxh3_128, b), false, {}, &finB));
    QVERIFY(!sinkC.seal(FileDigest::of(A::Xxh3_128, QByteArray("corrupt!")), false, {}, &finC));
    QCOMPARE(finC.error, TransferError::Integrity);
    FileSink::syncAll({&sinkA, &sinkB});
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), before); // nothing yet
    finA = sinkA.place(finA);
    finB = sinkB.place(finB);
    QCOMPARE(finA.error, TransferError::None);
    QCOMPARE(finB.error, TransferError::None);
    QCOMPARE(finA.finalPath, dir.filePath(QStringLiteral("a.sh")));
    QCOMPARE(finB.finalPath, dir.filePath(QStringLiteral("b (1).txt")));
    QCOMPARE(Test::readFile(finA.finalPath), a);
    QCOMPARE(Test::readFile(finB.finalPath), b);
    QCOMPARE(Test::readFile(dir.filePath(QStringLiteral("b.txt"))), QByteArray("already here"));
    QCOMPARE(Test::readFile(dir.filePath(QStringLiteral("c.txt.meta"))), QByteArray("mine"));
    const QFileInfo placedA(finA.finalPath);
    QCOMPARE(placedA.lastModified().toMSecsSinceEpoch(), when.toMSecsSinceEpoch());
    QVERIFY(placedA.isExecutable());
    QVERIFY(!QFileInfo(finB.finalPath).isExecutable());
    struct stat st
    {
    };
    QCOMPARE(::stat(QFile::encodeName(finA.finalPath).constData(), &st), 0);
    QCOMPARE(st.st_nlink, nlink_t(1)); // linked once, no part name left beside it
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
        (QStringList {QStringLiteral("a.sh"), QStringLiteral("b (1).txt"), QStringLiteral("b.txt"),
            QStringLiteral("c.txt.meta")}));

    // A write that fails (the disk is full) leaves nothing behind either.
    FileSink failing(
        dir.filePath(QStringLiteral("d.bin")),
        [](QIODevice *part, qint64, QString *) -> std::unique_ptr<QIODevice> {
            return std::make_unique<Test::FailDevice>(part, 100);
        },
        A::Xxh3_128);
    QVERIFY(!failing.writeWhole(meta(), a, folder));
    QVERIFY(failing.errorCode() == TransferError::WriteFailed
        || failing.errorCode() == TransferError::DiskFull);
    FileSink::Finished finD;
    QVERIFY(!failing.seal(FileDigest::of(A::Xxh3_128, a), false, {}, &finD));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 4);
#endif
}

#ifdef Q_OS_LINUX
void TestFileSink::symlinkedFolderIsFollowedOnlyWhenAsked()
{
    // The download folder the user chose may be a symlink (~/Downloads → /data/Downloads):
    // storeBatch() opens it following the link. A folder below it that is a symlink is never
    // opened (it would be one swapped in after SafePath checked it).
    QTemporaryDir dir;
    const QString real = dir.filePath(QStringLiteral("real"));
    const QString link = dir.filePath(QStringLiteral("link"));
    QVERIFY(QDir().mkdir(real));
    QVERIFY(QFile::link(real, link));
    QVERIFY(!OwnedFolder::open(link));
    const std::shared_ptr<OwnedFolder> folder = OwnedFolder::open(link, true);
    QVERIFY(folder);
    using A = FileDigest::Algorithm;
    const QByteArray data("through the link");
    FileSink sink(link + QStringLiteral("/a.txt"), {}, A::Xxh3_128);
    QVERIFY(sink.writeWhole(meta(), data, folder));
    QVERIFY(QDir(real).isEmpty(QDir::Files | QDir::Hidden)); // unnamed, not a part file
    FileSink::Finished fin;
    QVERIFY(sink.seal(FileDigest::of(A::Xxh3_128, data), false, {}, &fin));
    FileSink::syncAll({&sink});
    fin = sink.place(fin);
    QCOMPARE(fin.error, TransferError::None);
    QCOMPARE(fin.finalPath, link + QStringLiteral("/a.txt"));
    QCOMPARE(Test::readFile(real + QStringLiteral("/a.txt")), data);
}
#endif

void TestFileSink::resumeOnlyFromTheSameSenderAndFile()
{
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QByteArray data = content();
    leavePart(target, data.left(1024 * 1024));
    const QString held = FileSink::partPathFor(target, meta());
    {
        FileSink stranger(target);
        QCOMPARE(stranger.inspect(otherSender()).offset, qint64(0));
        PartMeta newer = meta();
        newer.mtimeMs += 1000;
        FileSink sameNameNewerFile(target);
        QCOMPARE(sameNameNewerFile.inspect(newer).offset, qint64(0));
        // The stranger writes its own part file; the held one is not touched.
        QVERIFY(stranger.begin(0, otherSender()));
        QVERIFY(stranger.partPath() != held);
        QVERIFY(stranger.write(QByteArray(4096, 'x')));
        stranger.suspend();
    }
    QCOMPARE(Test::readFile(held), data.left(1024 * 1024));
    FileSink same(target);
    QCOMPARE(same.inspect(meta()).offset, qint64(1024 * 1024));
    QCOMPARE(same.partPath(), held);
}

void TestFileSink::partInUseIsNeitherResumedNorTouched()
{
    // The same sender sends the same file twice at once: the second transfer must neither
    // resume from nor write into the part file the first one holds.
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QByteArray data = content();
    leavePart(target, data.left(1024 * 1024));
    FileSink first(target);
    const FileSink::Held held = first.inspect(meta());
    QCOMPARE(held.offset, qint64(1024 * 1024));

    FileSink second(target);
    QCOMPARE(second.inspect(meta()).offset, qint64(0));
    QVERIFY2(second.begin(0, meta()), qPrintable(second.error()));
    QCOMPARE(second.partPath(), FileSink::partPathFor(target, meta(), 1));
    QVERIFY(second.write(data));
    // The held part kept its size and bytes. QFileInfo opens no handle: on Windows the holder's
    // DELETE access keeps out every opener that does not share delete, QFile included.
    QCOMPARE(QFileInfo(first.partPath()).size(), qint64(1024 * 1024));
#ifndef Q_OS_WIN
    QCOMPARE(Test::readFile(first.partPath()), data.left(1024 * 1024));
#endif

    QVERIFY(first.begin(held.offset, meta()));
    QVERIFY(first.write(data.mid(int(held.offset))));
    const FileSink::Finished a = first.finish(sha(data), false, {});
    const FileSink::Finished b = second.finish(sha(data), false, {});
    QCOMPARE(a.error, TransferError::None);
    QCOMPARE(b.error, TransferError::None);
    QCOMPARE(Test::readFile(a.finalPath), data);
    QCOMPARE(Test::readFile(b.finalPath), data);
    QVERIFY(a.finalPath != b.finalPath);
}

void TestFileSink::symlinkAtThePartPathIsRefused_data()
{
    QTest::addColumn<bool>("dangling");
    QTest::addColumn<bool>("inspectFirst");
    QTest::newRow("symlink to a file, fresh start") << false << false;
    QTest::newRow("symlink to a file, after a resume check") << false << true;
    QTest::newRow("dangling symlink, fresh start") << true << false;
    QTest::newRow("dangling symlink, after a resume check") << true << true;
}

void TestFileSink::symlinkAtThePartPathIsRefused()
{
#ifdef Q_OS_WIN
    QSKIP("creating symlinks needs privileges on Windows");
#endif
    QFETCH(bool, dangling);
    QFETCH(bool, inspectFirst);
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QString victim = dir.filePath(QStringLiteral("victim.txt"));
    if (!dangling)
        QVERIFY(Test::writeFile(victim, "precious"));
    const QString part = FileSink::partPathFor(target, meta());
    QVERIFY(QFile::link(victim, part));
    // A symlink where the metadata goes is replaced, never written through.
    const QString metaVictim = dir.filePath(QStringLiteral("meta-victim.txt"));
    QVERIFY(Test::writeFile(metaVictim, "also precious"));
    QVERIFY(
        QFile::link(metaVictim, FileSink::metaPathFor(FileSink::partPathFor(target, meta(), 1))));

    FileSink sink(target);
    if (inspectFirst)
        QCOMPARE(sink.inspect(meta()).offset, qint64(0));
    QVERIFY(!sink.begin(0, meta()));
    QCOMPARE(sink.errorCode(), TransferError::UnsafePath);
    QCOMPARE(sink.finish(sha(content()), false, {}).error, TransferError::UnsafePath);
    QVERIFY(QFileInfo(part).isSymLink());
    QCOMPARE(QFileInfo::exists(victim), !dangling);
    if (!dangling)
        QCOMPARE(Test::readFile(victim), QByteArray("precious"));
    QVERIFY(!QFileInfo::exists(target));
    QCOMPARE(Test::readFile(metaVictim), QByteArray("also precious"));
}

void TestFileSink::vanishedPartFileIsAnError_data()
{
    QTest::addColumn<bool>("replaced");
    QTest::newRow("deleted") << false;
    QTest::newRow("replaced by another file") << true;
}

void TestFileSink::vanishedPartFileIsAnError()
{
    QFETCH(bool, replaced);
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    const QByteArray data = content();
    FileSink sink(target);
    QVERIFY(sink.begin(0, meta()));
    QVERIFY(sink.write(data));
#ifdef Q_OS_WIN
    // Windows: the open part can neither vanish (no FILE_SHARE_DELETE) nor be replaced or
    // written by anyone else (no FILE_SHARE_WRITE): the download completes with its own bytes.
    if (replaced)
        QVERIFY(!Test::writeFile(sink.partPath(), "someone else's bytes"));
    else
        QVERIFY(!QFile::remove(sink.partPath()));
    const FileSink::Finished kept = sink.finish(sha(data), false, {});
    QCOMPARE(kept.error, TransferError::None);
    QCOMPARE(kept.finalPath, target);
    QCOMPARE(Test::readFile(target), data);
    return;
#endif
    QVERIFY(QFile::remove(sink.partPath()));
    if (replaced)
        QVERIFY(Test::writeFile(sink.partPath(), "someone else's bytes"));
    const FileSink::Finished done = sink.finish(sha(data), false, {});
    QCOMPARE(done.error, TransferError::WriteFailed);
    QVERIFY2(done.message.contains(QStringLiteral("vanished")), qPrintable(done.message));
    QVERIFY(done.finalPath.isEmpty());
    QVERIFY(!QFileInfo::exists(target)); // nothing re-created, nothing renamed into place
    QCOMPARE(QFileInfo::exists(sink.partPath()), replaced);
    if (replaced)
        QCOMPARE(Test::readFile(sink.partPath()), QByteArray("someone else's bytes"));
}

void TestFileSink::finalNameNeverOverwrites()
{
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("report.bin"));
    QVERIFY(Test::writeFile(target, "an earlier download"));
#ifndef Q_OS_WIN
    QVERIFY(QFile::link(
        dir.filePath(QStringLiteral("nowhere")), dir.filePath(QStringLiteral("report (1).bin"))));
#endif
    const QByteArray data = content();
    FileSink sink(target);
    QVERIFY(sink.begin(0, meta()));
    QVERIFY(sink.write(data));
    const FileSink::Finished done = sink.finish(sha(data), true, {});
    QCOMPARE(done.error, TransferError::None);
#ifndef Q_OS_WIN
    QCOMPARE(done.finalPath, dir.filePath(QStringLiteral("report (2).bin")));
    QVERIFY(QFileInfo(done.finalPath).permissions() & QFileDevice::ExeOwner);
#endif
    QCOMPARE(Test::readFile(done.finalPath), data);
    QCOMPARE(Test::readFile(target), QByteArray("an earlier download"));
}

void TestFileSink::cancelStopsPrefixHashing()
{
    // A resume of a huge file hashes its whole held prefix first (minutes for 40 GB). A cancel
    // (quit, or the user's cancel) must stop that between two blocks, not after the last one.
    constexpr qint64 kHeld = qint64(32) << 30; // sparse: no disk blocks, reads return zeros
    QTemporaryDir dir;
    const QString target = dir.filePath(QStringLiteral("huge.img"));
    PartMeta m = meta();
    m.size = kHeld + 1;
    {
        FileSink first(target);
        QVERIFY(first.begin(0, m));
        QVERIFY(first.write(QByteArray(1, '\0')));
        first.suspend();
    }
    const QString part = FileSink::partPathFor(target, m);
    {
        QFile f(part);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(kHeld));
    }
#ifdef Q_OS_UNIX
    struct stat st
    {
    };
    QCOMPARE(::stat(QFile::encodeName(part).constData(), &st), 0);
    if (qint64(st.st_blocks) * 512 > 64 * 1024 * 1024)
        PUNCHDROP_SKIP_UNLESS_CI("the temporary directory does not support sparse files");
#endif
    FileSink sink(target);
    std::atomic_bool cancel {false};
    std::atomic<qint64> hashed {0};
    auto inspecting = std::async(std::launch::async, [&] {
        return sink.inspect(
            m, [&](qint64 done) { hashed = done; }, &cancel);
    });
    QTRY_VERIFY_WITH_TIMEOUT(hashed.load() > 0, 10000);
    QElapsedTimer clock;
    clock.start();
    cancel = true;
    const bool stopped = inspecting.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    const FileSink::Held held = inspecting.get();
    qInfo("hashing stopped %lld ms after the cancel, at %lld of %lld bytes", clock.elapsed(),
        hashed.load(), kHeld);
    QVERIFY2(stopped, "the prefix hashing went on after the cancel");
    QVERIFY(hashed.load() < kHeld);
    QCOMPARE(held.offset, qint64(0));
}

QTEST_GUILESS_MAIN(TestFileSink)
#include "tst_filesink.moc"
