// SPDX-License-Identifier: GPL-3.0-or-later
// FileSource::readWhole(): how a small file (FILES frames) is read in one go: its bytes and
// digest, and a clear error, never a hang or a short read passed on, when the file changed
// since the offer was built (other size, gone, or something else in its place).

#include "support/testhelpers.h"

#include "transfer/filesource.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

using namespace PunchDrop;

class TestFileSource : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readWholeReadsAndHashes_data();
    void readWholeReadsAndHashes();
    void readWholeRefusesAChangedFile();
#ifdef Q_OS_UNIX
    void readWholeDoesNotWaitOnAFifo(); // no FIFOs in the file system elsewhere
#endif
};

void TestFileSource::readWholeReadsAndHashes_data()
{
    QTest::addColumn<int>("size");
    QTest::newRow("empty") << 0;
    QTest::newRow("4 KiB") << 4096;
    QTest::newRow("256 KiB") << 256 * 1024;
}

void TestFileSource::readWholeReadsAndHashes()
{
    QFETCH(int, size);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("f.bin"));
    const QByteArray content = Test::randomBytes(size, 5);
    QVERIFY(Test::writeFile(path, content));
    using A = FileDigest::Algorithm;
    FileSource source(path, A::Xxh3_128);
    QByteArray data;
    QVERIFY2(source.readWhole(size, &data), qPrintable(source.error()));
    QCOMPARE(data, content);
    QCOMPARE(source.position(), qint64(size));
    QCOMPARE(source.finalHash(), FileDigest::of(A::Xxh3_128, content));
}

void TestFileSource::readWholeRefusesAChangedFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("f.bin"));
    QVERIFY(Test::writeFile(path, QByteArray(4096, 'x')));
    QByteArray data;
    FileSource grown(path);
    QVERIFY(!grown.readWhole(4000, &data)); // offered with 4000 bytes
    QVERIFY2(grown.error().contains(QStringLiteral("changed size")), qPrintable(grown.error()));
    QVERIFY(data.isEmpty());
    FileSource gone(dir.filePath(QStringLiteral("missing.bin")));
    QVERIFY(!gone.readWhole(4096, &data));
    QVERIFY2(gone.error().startsWith(QStringLiteral("cannot read")), qPrintable(gone.error()));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("now-a-folder")));
    FileSource folder(dir.filePath(QStringLiteral("now-a-folder")));
    QVERIFY(!folder.readWhole(4096, &data));
    QVERIFY(data.isEmpty());
}

#ifdef Q_OS_UNIX
void TestFileSource::readWholeDoesNotWaitOnAFifo()
{
    // A FIFO put where the offered file was: reading it must fail at once, not wait for a
    // writer that never comes.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("f.bin"));
    QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    FileSource source(path);
    QByteArray data;
    QVERIFY(!source.readWhole(4096, &data));
    QVERIFY2(
        source.error().contains(QStringLiteral("no longer a file")), qPrintable(source.error()));
}
#endif

QTEST_GUILESS_MAIN(TestFileSource)
#include "tst_filesource.moc"
