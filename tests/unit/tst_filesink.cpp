// SPDX-License-Identifier: GPL-3.0-or-later
// FileSink resume safety: a part file that shrank or vanished between the resume check (HEADER)
// and the start of writing (SENDFROM) must not be padded with zeros that the stream hash
// cannot see. Happens when one offer carries two items with the same name.

#include "transfer/filesink.h"
#include "transfer/sha256.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

class TestFileSink : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void resumeRefusesAPartThatShrank();
    void resumeOfAnIntactPartVerifies();

private:
    static QByteArray content();
    static PartMeta meta();
    static void leavePart(const QString &target, const QByteArray &prefix);
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

// An earlier interrupted attempt: part + metadata on disk.
void TestFileSink::leavePart(const QString &target, const QByteArray &prefix)
{
    FileSink first(target, FileSink::defaultFactory());
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

    FileSink sink(target, FileSink::defaultFactory());
    const FileSink::Held held = sink.inspect(meta());
    QCOMPARE(held.offset, qint64(1024 * 1024));
    // Meanwhile another item of the same name finished and took the part file away.
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

    FileSink sink(target, FileSink::defaultFactory());
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

QTEST_GUILESS_MAIN(TestFileSink)
#include "tst_filesink.moc"
