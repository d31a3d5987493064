// SPDX-License-Identifier: GPL-3.0-or-later
// BuiltOffer::build on a real folder tree: items in sorted order with folder-relative paths,
// sizes, the executable bit, the modification time in UTC, empty folders, symlinks (a file's
// content sent, a folder inside never followed, a folder the user named followed), things that
// are neither file nor folder skipped, and the errors for a missing or unreadable path.

#include "support/testhelpers.h"

#include "transfer/builtoffer.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace PunchDrop;

class TestBuiltOffer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void folderTree();
    void timesAreUtcMilliseconds();
#ifdef Q_OS_UNIX // symlinks and fifos: Windows needs developer mode or administrator rights
    void symlinks();
#endif
    void namedFileAndErrors();

private:
    QTemporaryDir m_tmp;
};

namespace {

QStringList paths(const BuiltOffer &built)
{
    QStringList out;
    for (const OfferItem &item : built.offer.items)
        out.append(item.relativePath + (item.isDirectory ? QStringLiteral("/") : QString()));
    return out;
}

const OfferItem *find(const BuiltOffer &built, const QString &path)
{
    for (const OfferItem &item : built.offer.items) {
        if (item.relativePath == path)
            return &item;
    }
    return nullptr;
}

} // namespace

void TestBuiltOffer::folderTree()
{
    const QString root = m_tmp.filePath(QStringLiteral("tree/Fotos ☕"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/b.txt"), "bee"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/a/z.bin"), Test::randomBytes(5000, 1)));
    QVERIFY(Test::writeFile(root + QStringLiteral("/a/.hidden"), "h"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/run.sh"), "#!/bin/sh\n"));
    QVERIFY(QFile::setPermissions(
        root + QStringLiteral("/run.sh"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    QVERIFY(QDir().mkpath(root + QStringLiteral("/empty")));
    // Names found in the walk that are not ASCII (decoded, not taken byte for byte).
    QVERIFY(Test::writeFile(root + QStringLiteral("/a/é ☕.txt"), "e"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/ü/x"), "x"));
    const BuiltOffer built = BuiltOffer::build({root + QLatin1Char('/')});
    QVERIFY2(built.error.isEmpty(), qPrintable(built.error));
    QCOMPARE(paths(built),
        (QStringList {QStringLiteral("Fotos ☕/"), QStringLiteral("Fotos ☕/a/"),
            QStringLiteral("Fotos ☕/a/.hidden"), QStringLiteral("Fotos ☕/a/z.bin"),
            QStringLiteral("Fotos ☕/a/é ☕.txt"), QStringLiteral("Fotos ☕/b.txt"),
            QStringLiteral("Fotos ☕/empty/"), QStringLiteral("Fotos ☕/run.sh"),
            QStringLiteral("Fotos ☕/ü/"), QStringLiteral("Fotos ☕/ü/x")}));
    QCOMPARE(built.offer.fileCount, 6);
    QCOMPARE(built.offer.totalBytes, qint64(3 + 5000 + 1 + 10 + 1 + 1));
    QVERIFY(QFileInfo::exists(
        built.sources.at(paths(built).indexOf(QStringLiteral("Fotos ☕/a/é ☕.txt")))));
    QCOMPARE(find(built, QStringLiteral("Fotos ☕/a/z.bin"))->size, qint64(5000));
    QCOMPARE(find(built, QStringLiteral("Fotos ☕/empty"))->size, qint64(0));
#ifndef Q_OS_WIN
    QVERIFY(find(built, QStringLiteral("Fotos ☕/run.sh"))->executable);
#endif
    QVERIFY(!find(built, QStringLiteral("Fotos ☕/b.txt"))->executable);
    // Sources: the absolute path of each item, in the same order.
    QCOMPARE(built.sources.size(), built.offer.items.size());
    for (qsizetype i = 0; i < built.sources.size(); ++i) {
        QVERIFY2(QFileInfo(built.sources.at(i)).isAbsolute(), qPrintable(built.sources.at(i)));
        QVERIFY(built.sources.at(i).endsWith(
            built.offer.items.at(i).relativePath.mid(QStringLiteral("Fotos ☕").size())));
    }
}

void TestBuiltOffer::timesAreUtcMilliseconds()
{
    const QString file = m_tmp.filePath(QStringLiteral("times/old.txt"));
    QVERIFY(Test::writeFile(file, "old"));
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(1500000000123, Qt::UTC);
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(when, QFileDevice::FileModificationTime));
    }
    const BuiltOffer built = BuiltOffer::build({m_tmp.filePath(QStringLiteral("times"))});
    QVERIFY2(built.error.isEmpty(), qPrintable(built.error));
    const OfferItem *item = find(built, QStringLiteral("times/old.txt"));
    QVERIFY(item);
    QCOMPARE(item->modified.toMSecsSinceEpoch(), when.toMSecsSinceEpoch());
    QCOMPARE(item->modified.timeSpec(), Qt::UTC);
}

#ifdef Q_OS_UNIX
void TestBuiltOffer::symlinks()
{
    const QString outside = m_tmp.filePath(QStringLiteral("outside"));
    QVERIFY(Test::writeFile(outside + QStringLiteral("/secret.txt"), "not offered"));
    QVERIFY(Test::writeFile(outside + QStringLiteral("/target.txt"), "content"));
    const QString root = m_tmp.filePath(QStringLiteral("links/send"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/plain.txt"), "p"));
    QVERIFY(
        QFile::link(outside + QStringLiteral("/target.txt"), root + QStringLiteral("/file-link")));
    QVERIFY(QFile::link(outside, root + QStringLiteral("/folder-link")));
    QVERIFY(QFile::link(root + QStringLiteral("/gone"), root + QStringLiteral("/dangling")));
    QVERIFY(::mkfifo(QFile::encodeName(root + QStringLiteral("/fifo")).constData(), 0600) == 0);
    const BuiltOffer built = BuiltOffer::build({root});
    QVERIFY2(built.error.isEmpty(), qPrintable(built.error));
    // The symlinked file is sent as its content; the symlinked folder, the dangling link and
    // the fifo are not offered.
    QCOMPARE(paths(built),
        (QStringList {QStringLiteral("send/"), QStringLiteral("send/file-link"),
            QStringLiteral("send/plain.txt")}));
    QCOMPARE(find(built, QStringLiteral("send/file-link"))->size, qint64(7));
    // A symlinked folder the user names is what they mean: it is walked.
    const BuiltOffer named = BuiltOffer::build({root + QStringLiteral("/folder-link")});
    QVERIFY2(named.error.isEmpty(), qPrintable(named.error));
    QCOMPARE(paths(named),
        (QStringList {QStringLiteral("folder-link/"), QStringLiteral("folder-link/secret.txt"),
            QStringLiteral("folder-link/target.txt")}));
}
#endif

void TestBuiltOffer::namedFileAndErrors()
{
    const QString file = m_tmp.filePath(QStringLiteral("single/report.pdf"));
    QVERIFY(Test::writeFile(file, Test::randomBytes(1234, 2)));
    const BuiltOffer one = BuiltOffer::build({file});
    QVERIFY2(one.error.isEmpty(), qPrintable(one.error));
    QCOMPARE(paths(one), QStringList {QStringLiteral("report.pdf")});
    QCOMPARE(one.sources, QStringList {QFileInfo(file).absoluteFilePath()});
    QCOMPARE(one.offer.totalBytes, qint64(1234));

    const BuiltOffer missing = BuiltOffer::build({m_tmp.filePath(QStringLiteral("nope"))});
    QVERIFY(missing.error.contains(QStringLiteral("does not exist")));
#ifdef Q_OS_UNIX
    const QString fifo = m_tmp.filePath(QStringLiteral("single/pipe"));
    QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
    const BuiltOffer special = BuiltOffer::build({fifo});
    QVERIFY2(special.error.contains(QStringLiteral("neither a file nor a folder")),
        qPrintable(special.error));
    if (::geteuid() != 0) { // root reads every file whatever its mode
        const QString locked = m_tmp.filePath(QStringLiteral("locked/x.txt"));
        QVERIFY(Test::writeFile(locked, "x"));
        QVERIFY(QFile::setPermissions(locked, QFile::WriteOwner));
        const BuiltOffer unreadable = BuiltOffer::build({m_tmp.filePath(QStringLiteral("locked"))});
        QVERIFY2(unreadable.error.contains(QStringLiteral("is not readable")),
            qPrintable(unreadable.error));
    }
#endif
}

QTEST_GUILESS_MAIN(TestBuiltOffer)
#include "tst_builtoffer.moc"
