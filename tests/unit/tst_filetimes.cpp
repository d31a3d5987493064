// SPDX-License-Identifier: GPL-3.0-or-later
// FileTimes::setModified: folders and files get the time (on Windows through a
// FILE_FLAG_BACKUP_SEMANTICS handle, where mingw's std::filesystem refuses folders); a time the
// arithmetic cannot hold (it may come from a peer's offer) is refused and changes nothing.

#include "support/testhelpers.h"

#include "core/filetimes.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace PunchDrop;

class TestFileTimes : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void setsTheTime_data();
    void setsTheTime();
    void outOfRangeIsRefused_data();
    void outOfRangeIsRefused();
    void missingPathIsAnError();
};

void TestFileTimes::setsTheTime_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<qint64>("msecs");
    QTest::newRow("empty folder") << QStringLiteral("empty") << qint64(1000000000000);
    QTest::newRow("folder with a file") << QStringLiteral("full") << qint64(1546300800000);
    QTest::newRow("file") << QStringLiteral("full/a.txt") << qint64(1234567890500);
    QTest::newRow("milliseconds kept") << QStringLiteral("empty") << qint64(1500000000123);
}

void TestFileTimes::setsTheTime()
{
    QFETCH(QString, path);
    QFETCH(qint64, msecs);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("empty")));
    QVERIFY(Test::writeFile(dir.filePath(QStringLiteral("full/a.txt")), "a"));
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
    QString error;
    QVERIFY2(FileTimes::setModified(dir.filePath(path), time, &error), qPrintable(error));
    QCOMPARE(QFileInfo(dir.filePath(path)).lastModified().toUTC(), time);
}

void TestFileTimes::outOfRangeIsRefused_data()
{
    QTest::addColumn<QDateTime>("time");
    QTest::newRow("invalid") << QDateTime();
    QTest::newRow("before 1970") << QDateTime::fromMSecsSinceEpoch(-1, Qt::UTC);
    QTest::newRow("year 2400") << QDateTime::fromMSecsSinceEpoch(13569465600000, Qt::UTC);
    QTest::newRow("largest offer time")
        << QDateTime::fromMSecsSinceEpoch(std::numeric_limits<qint64>::max() / 2, Qt::UTC);
}

void TestFileTimes::outOfRangeIsRefused()
{
    QFETCH(QDateTime, time);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(QStringLiteral("f"));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("f")));
    const QDateTime before = QDateTime::fromMSecsSinceEpoch(1600000000000, Qt::UTC);
    QString error;
    QVERIFY2(FileTimes::setModified(folder, before, &error), qPrintable(error));
    QVERIFY(!FileTimes::setModified(folder, time, &error));
    QVERIFY2(error.contains(QStringLiteral("outside")), qPrintable(error));
    QCOMPARE(QFileInfo(folder).lastModified().toUTC(), before);
}

void TestFileTimes::missingPathIsAnError()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    QVERIFY(!FileTimes::setModified(dir.filePath(QStringLiteral("nothing")),
        QDateTime::fromMSecsSinceEpoch(1600000000000, Qt::UTC), &error));
    QVERIFY(!error.isEmpty());
}

QTEST_GUILESS_MAIN(TestFileTimes)
#include "tst_filetimes.moc"
