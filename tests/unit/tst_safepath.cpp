// SPDX-License-Identifier: GPL-3.0-or-later
// Offered paths against the receiver's disk: refused, sanitised, never outside the download
// folder, never through a symlink, never overwriting.

#include "support/folderlink.h"

#include "transfer/safepath.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

class TestSafePath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hostile_data();
    void hostile();
    void fastPathAgreesWithTheFullCheck();
    void resolveRefusesSymlinkedFolders();
    void resolveRefusesAFileAsFolder();
    void resolveCreatesParents();
    void resolverAgreesWithResolve();
    void uniqueTargetNeverOverwrites_data();
    void uniqueTargetNeverOverwrites();
    void danglingSymlinkCountsAsExisting();
};

void TestSafePath::hostile_data()
{
    QTest::addColumn<QString>("offered");
    QTest::addColumn<QString>("expected"); // empty: refused
    const QString refused;
    QTest::newRow("plain file") << QStringLiteral("a.txt") << QStringLiteral("a.txt");
    QTest::newRow("nested unicode")
        << QStringLiteral("Fotos 📷/Ärger.jpg") << QStringLiteral("Fotos 📷/Ärger.jpg");
    QTest::newRow("absolute unix") << QStringLiteral("/etc/passwd") << refused;
    QTest::newRow("absolute windows backslash")
        << QStringLiteral("\\Windows\\system.ini") << refused;
    QTest::newRow("UNC path") << QStringLiteral("\\\\server\\share\\x") << refused;
    QTest::newRow("drive letter") << QStringLiteral("C:\\boot.ini") << refused;
    QTest::newRow("drive letter relative") << QStringLiteral("c:evil.txt") << refused;
    QTest::newRow("dot dot") << QStringLiteral("..") << refused;
    QTest::newRow("dot dot prefix") << QStringLiteral("../../.ssh/authorized_keys") << refused;
    QTest::newRow("dot dot in the middle") << QStringLiteral("a/../../b") << refused;
    QTest::newRow("single dot component") << QStringLiteral("./a") << refused;
    QTest::newRow("empty") << QString() << refused;
    QTest::newRow("empty component") << QStringLiteral("a//b") << refused;
    QTest::newRow("trailing slash") << QStringLiteral("a/") << refused;
    QTest::newRow("backslash traversal is one harmless name")
        << QStringLiteral("..\\..\\evil.exe") << QStringLiteral(".._.._evil.exe");
    QTest::newRow("CON") << QStringLiteral("CON") << QStringLiteral("_CON");
    QTest::newRow("nul lowercase with extension")
        << QStringLiteral("dir/nul.txt") << QStringLiteral("dir/_nul.txt");
    QTest::newRow("COM1 with double extension")
        << QStringLiteral("COM1.tar.gz") << QStringLiteral("_COM1.tar.gz");
    QTest::newRow("LPT9") << QStringLiteral("LPT9") << QStringLiteral("_LPT9");
    QTest::newRow("AUX with trailing space before dot")
        << QStringLiteral("AUX .txt") << QStringLiteral("_AUX .txt");
    QTest::newRow("console is not reserved")
        << QStringLiteral("console.log") << QStringLiteral("console.log");
    QTest::newRow("CONIN$ and conout$")
        << QStringLiteral("CONIN$/conout$.txt") << QStringLiteral("_CONIN$/_conout$.txt");
    QTest::newRow("COM with a superscript digit")
        << QString::fromUtf16(u"com\u00b9.txt") << QString::fromUtf16(u"_com\u00b9.txt");
    QTest::newRow("prn, Lpt0 and Nul.")
        << QStringLiteral("prn/Lpt0/x.Nul") << QStringLiteral("_prn/_Lpt0/x.Nul");
    QTest::newRow("names near the reserved ones are kept") << QStringLiteral(
        "COM10/LPT/CONS/AUX1/NULL.txt/c0m1") << QStringLiteral("COM10/LPT/CONS/AUX1/NULL.txt/c0m1");
    QTest::newRow("a reserved name after a dot is not the device")
        << QStringLiteral("x.CON") << QStringLiteral("x.CON");
    QTest::newRow("control characters")
        << QStringLiteral("a\x01\x1f\x7f.txt") << QStringLiteral("a___.txt");
    QTest::newRow("newline in name") << QStringLiteral("evil\nname") << QStringLiteral("evil_name");
    QTest::newRow("NUL character")
        << QString(QStringLiteral("a") + QChar(0) + QStringLiteral("b")) << QStringLiteral("a_b");
    QTest::newRow("windows-invalid characters")
        << QStringLiteral("a<b>c:d\"e|f?g*h") << QStringLiteral("a_b_c_d_e_f_g_h");
    QTest::newRow("trailing dots and spaces")
        << QStringLiteral("name. . .") << QStringLiteral("name");
    QTest::newRow("trailing dot on a folder")
        << QStringLiteral("dir./f") << QStringLiteral("dir/f");
    QTest::newRow("only dots") << QStringLiteral("...") << refused;
    QTest::newRow("only spaces") << QStringLiteral("   ") << refused;
    QTest::newRow("component of 255 bytes")
        << QString(255, QLatin1Char('a')) << QString(255, QLatin1Char('a'));
    QTest::newRow("component of 256 bytes") << QString(256, QLatin1Char('a')) << refused;
    QTest::newRow("component of 86 three-byte chars (258 bytes)")
        << QString(86, QChar(0x20ac)) << refused;
    QTest::newRow("path over 4096 bytes")
        << QString(QString(200, QLatin1Char('a')) + QLatin1Char('/')).repeated(21) << refused;
    QTest::newRow("deeper than 64 levels")
        << QStringLiteral("a/").repeated(65) + QStringLiteral("f") << refused;
    QTest::newRow("part-file suffix") << QStringLiteral("x.pdpart") << QStringLiteral("x.pdpart_");
    QTest::newRow("meta suffix") << QStringLiteral("x.PDPART.meta")
                                 << QStringLiteral("x.PDPART.meta_");
    QTest::newRow("hidden file is fine") << QStringLiteral(".bashrc") << QStringLiteral(".bashrc");
}

void TestSafePath::hostile()
{
    QFETCH(QString, offered);
    QFETCH(QString, expected);
    const SafePath::Sanitized s = SafePath::sanitize(offered);
    // The fast path for clean paths answers exactly as the full check.
    const SafePath::Sanitized full = SafePath::sanitizeFully(offered);
    QCOMPARE(s.relativePath, full.relativePath);
    QCOMPARE(s.error, full.error);
    if (expected.isEmpty()) {
        QVERIFY2(!s.ok(), qPrintable(QStringLiteral("accepted as ") + s.relativePath));
        QVERIFY(s.error.startsWith(QStringLiteral("unsafe path")));
    } else {
        QVERIFY2(s.ok(), qPrintable(s.error));
        QCOMPARE(s.relativePath, expected);
    }
    if (!s.ok())
        return;
    // Whatever is accepted lands inside the folder.
    QTemporaryDir tmp;
    QString error;
    const QString resolved = SafePath::resolve(tmp.path(), s.relativePath, true, &error);
    QVERIFY2(!resolved.isEmpty(), qPrintable(error));
    QVERIFY(resolved.startsWith(tmp.path() + QLatin1Char('/')));
    QVERIFY(!QDir(tmp.path()).relativeFilePath(resolved).startsWith(QStringLiteral("../")));
}

void TestSafePath::fastPathAgreesWithTheFullCheck()
{
    // Random paths from the characters every rule turns on, at every length around the limits:
    // sanitize() (which returns a clean path as it is) and sanitizeFully() must agree.
    const QList<QString> pieces {QStringLiteral("a"), QStringLiteral("/"), QStringLiteral("."),
        QStringLiteral(" "), QStringLiteral(":"), QStringLiteral("\\"), QStringLiteral("*"),
        QStringLiteral("CON"), QStringLiteral("com1"), QStringLiteral("lpt\u00b2"),
        QStringLiteral(".pdpart"), QStringLiteral(".PDPART.meta"), QStringLiteral("\u00e9"),
        QStringLiteral("\u20ac"), QStringLiteral("\U0001F600"), QString(QChar(0xd800)),
        QStringLiteral("\x01"), QStringLiteral("\u0085"), QString(127, QLatin1Char('b')),
        QString(84, QChar(0x20ac)), QStringLiteral("x/"), QStringLiteral("..")};
    QRandomGenerator rng(20261207);
    int clean = 0;
    for (int round = 0; round < 20000; ++round) {
        QString offered;
        const int count = int(rng.bounded(1, 12));
        for (int k = 0; k < count; ++k)
            offered += pieces.at(int(rng.bounded(pieces.size())));
        if (round % 1000 == 0) // deep paths, around kMaxDepth
            offered = QStringList(int(rng.bounded(60, 70)), QStringLiteral("d")).join(u'/');
        const SafePath::Sanitized fast = SafePath::sanitize(offered);
        const SafePath::Sanitized full = SafePath::sanitizeFully(offered);
        QVERIFY2(fast.relativePath == full.relativePath && fast.error == full.error,
            qPrintable(offered.toHtmlEscaped()));
        clean += fast.ok() && fast.relativePath == offered;
    }
    QVERIFY(clean > 100); // the fast path was taken, not only the full check
}

void TestSafePath::resolveRefusesSymlinkedFolders()
{
    QTemporaryDir tmp;
    const QString download = tmp.filePath(QStringLiteral("dl"));
    const QString outside = tmp.filePath(QStringLiteral("outside"));
    QVERIFY(QDir().mkpath(download) && QDir().mkpath(outside));
    // A symlink (POSIX) or a junction (Windows: any user can make one) leading out.
    QString error;
    QVERIFY2(
        Test::linkFolder(outside, download + QStringLiteral("/docs"), &error), qPrintable(error));
    QVERIFY(SafePath::resolve(download, QStringLiteral("docs/x.txt"), true, &error).isEmpty());
    QVERIFY(error.contains(QStringLiteral("symlink")));
    // A symlink as the final name is returned (the writer steps around it via uniqueTarget).
    const QString last = SafePath::resolve(download, QStringLiteral("docs"), false, &error);
    QCOMPARE(last, download + QStringLiteral("/docs"));
    QCOMPARE(SafePath::uniqueTarget(last), download + QStringLiteral("/docs (1)"));
    QVERIFY(!QFileInfo::exists(outside + QStringLiteral("/x.txt")));
}

void TestSafePath::resolveRefusesAFileAsFolder()
{
    QTemporaryDir tmp;
    QFile f(tmp.filePath(QStringLiteral("plain")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    QString error;
    QVERIFY(SafePath::resolve(tmp.path(), QStringLiteral("plain/x"), true, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("not a folder")), qPrintable(error));
}

void TestSafePath::resolveCreatesParents()
{
    QTemporaryDir tmp;
    QString error;
    const QString p = SafePath::resolve(tmp.path(), QStringLiteral("a/b/c.txt"), true, &error);
    QCOMPARE(p, tmp.path() + QStringLiteral("/a/b/c.txt"));
    QVERIFY(QFileInfo(tmp.path() + QStringLiteral("/a/b")).isDir());
    QVERIFY(!QFileInfo::exists(p));
}

void TestSafePath::resolverAgreesWithResolve()
{
    // The resolver's shortcuts (the last folder, then every folder met) give what resolve()
    // gives: files in a row in one folder, another folder, back to the first, the top level.
    QTemporaryDir tmp;
    SafePath::Resolver resolver(tmp.path());
    const QStringList sequence {QStringLiteral("a/x"), QStringLiteral("a/y"),
        QStringLiteral("b/c/z"), QStringLiteral("a/w"), QStringLiteral("top.txt"),
        QStringLiteral("b/c/v"), QStringLiteral("b/u"), QStringLiteral("ä/é ☕"),
        QStringLiteral("top2")};
    for (const QString &relative : sequence) {
        QString error;
        const QString viaResolver = resolver.resolve(relative, &error);
        QVERIFY2(!viaResolver.isEmpty(), qPrintable(error));
        QCOMPARE(viaResolver, SafePath::resolve(tmp.path(), relative, true, &error));
        QVERIFY(QFileInfo(viaResolver).dir().exists()); // its folder was made
    }
}

void TestSafePath::uniqueTargetNeverOverwrites_data()
{
    QTest::addColumn<QStringList>("existing");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("free") << QStringList {} << QStringLiteral("a.txt") << QStringLiteral("a.txt");
    QTest::newRow("taken") << QStringList {QStringLiteral("a.txt")} << QStringLiteral("a.txt")
                           << QStringLiteral("a (1).txt");
    QTest::newRow("taken twice") << QStringList {QStringLiteral("a.txt"),
        QStringLiteral("a (1).txt")}
                                 << QStringLiteral("a.txt") << QStringLiteral("a (2).txt");
    QTest::newRow("double extension")
        << QStringList {QStringLiteral("x.tar.gz")} << QStringLiteral("x.tar.gz")
        << QStringLiteral("x (1).tar.gz");
    QTest::newRow("dot file") << QStringList {QStringLiteral(".bashrc")}
                              << QStringLiteral(".bashrc") << QStringLiteral(".bashrc (1)");
    QTest::newRow("no extension") << QStringList {QStringLiteral("README")}
                                  << QStringLiteral("README") << QStringLiteral("README (1)");
}

void TestSafePath::uniqueTargetNeverOverwrites()
{
    QFETCH(QStringList, existing);
    QFETCH(QString, name);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    for (const QString &e : existing) {
        QFile f(tmp.filePath(e));
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QCOMPARE(SafePath::uniqueTarget(tmp.filePath(name)), tmp.filePath(expected));
}

void TestSafePath::danglingSymlinkCountsAsExisting()
{
    QTemporaryDir tmp;
    QVERIFY(QFile::link(
        tmp.filePath(QStringLiteral("nowhere")), tmp.filePath(QStringLiteral("a.txt"))));
    QVERIFY(SafePath::existsNoFollow(tmp.filePath(QStringLiteral("a.txt"))));
    QCOMPARE(SafePath::uniqueTarget(tmp.filePath(QStringLiteral("a.txt"))),
        tmp.filePath(QStringLiteral("a (1).txt")));
}

QTEST_GUILESS_MAIN(TestSafePath)
#include "tst_safepath.moc"
