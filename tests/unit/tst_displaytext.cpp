// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12, M8: one sanitiser for names and file names chosen by others (DisplayText), applied
// where names enter (the control protocol's hello and peer lists; the transfer HELLO and the
// LAN announcement have their own tests) and where text leaves for a terminal (EventPrinter).

#include "cli/eventprinter.h"
#include "net/wire/controlprotocol.h"
#include "net/wire/displaytext.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cstdio>

using namespace PunchDrop;

namespace {

//! Everything \a print wrote to a temporary FILE: the error stream, or the output in JSON mode.
template<typename Print> QByteArray capturedBytes(Print print, bool json)
{
    FILE *out = std::tmpfile();
    FILE *err = std::tmpfile();
    {
        Cli::EventPrinter printer(json, out, err);
        print(printer);
    }
    FILE *read = json ? out : err;
    std::rewind(read);
    QByteArray bytes;
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, read)) > 0)
        bytes.append(buffer, qsizetype(n));
    std::fclose(out);
    std::fclose(err);
    return bytes;
}

template<typename Print> QString captured(Print print)
{
    return QString::fromUtf8(capturedBytes(print, false));
}

} // namespace

class TestDisplayText : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void clean_data();
    void clean();
    void cleanNameIsIdempotent();
    void forTerminalKeepsOurLineBreaks();
    void controlProtocolNamesAreCleanedOnDecoding();
    void terminalNeverSeesEscapes();
    void offerSummaryNamesFolders();
    void jsonFileEventIsWhatQJsonDocumentWrites_data();
    void jsonFileEventIsWhatQJsonDocumentWrites();
};

void TestDisplayText::clean_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain text, every script") << QStringLiteral("Ærø 日本 ☕ 🖥 bob")
                                              << QStringLiteral("Ærø 日本 ☕ 🖥 bob");
    QTest::newRow("CSI colour escape")
        << QStringLiteral("\x1b[31mred\x1b[0m") << QStringLiteral("[31mred[0m");
    QTest::newRow("OSC title escape with BEL")
        << QStringLiteral("\x1b]0;pwned\x07x") << QStringLiteral("]0;pwnedx");
    QTest::newRow("C1 CSI") << QStringLiteral("a\u009b2Jb") << QStringLiteral("a2Jb");
    QTest::newRow("forged log line") << QStringLiteral("bob\r\n2026-01-01 INFO admin logged in")
                                     << QStringLiteral("bob2026-01-01 INFO admin logged in");
    QTest::newRow("bidi override (txt.exe shown as exe.txt)")
        << QStringLiteral("report\u202Etxt.exe") << QStringLiteral("reporttxt.exe");
    QTest::newRow("bidi isolates, marks, ALM")
        << QStringLiteral("\u2066a\u2069\u200Eb\u200Fc\u061C") << QStringLiteral("abc");
    QTest::newRow("line and paragraph separators, BOM")
        << QStringLiteral("a\u2028b\u2029c\uFEFF") << QStringLiteral("abc");
    QTest::newRow("noncharacters and U+FFFD")
        << QStringLiteral("a\uFFFEb\uFDD0c\uFFFD") << QStringLiteral("abc");
    QTest::newRow("markup stays literal (the widget must show it as plain text)")
        << QStringLiteral("<b>x</b>") << QStringLiteral("<b>x</b>");
}

void TestDisplayText::clean()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(DisplayText::clean(input), expected);
}

void TestDisplayText::cleanNameIsIdempotent()
{
    const QString once = DisplayText::cleanName(
        QString(QStringLiteral("  a\tb \x1b[1m c\u202E\n") + QString(80, u'x')));
    QCOMPARE(DisplayText::cleanName(once), once);
    QVERIFY(once.toUtf8().size() <= DisplayText::kMaxNameBytes);
    QVERIFY(once.startsWith(QStringLiteral("ab [1m c")));
}

void TestDisplayText::forTerminalKeepsOurLineBreaks()
{
    QCOMPARE(DisplayText::forTerminal(QStringLiteral("one\ntwo\x1b[2J\r")),
        QStringLiteral("one\ntwo[2J"));
}

void TestDisplayText::controlProtocolNamesAreCleanedOnDecoding()
{
    // What a client tells the server (hello) and what the server tells clients (go, peers):
    // the forged log line of the review never gets past the decoder.
    const QString evil = QStringLiteral("eve\n2026-12-05 INFO registered \"admin\"\x1b[8m");
    const QString clean = QStringLiteral("eve2026-12-05 INFO registered \"admin\"[8m");
    const auto hello
        = ControlProtocol::parse(ControlProtocol::encode(Control::Hello {1, evil, {}, {}, {}}));
    QCOMPARE(hello.status, ControlProtocol::Status::Ok);
    QCOMPARE(std::get<Control::Hello>(hello.message).name, clean);

    Control::Peers peers;
    peers.peers.append({DeviceId::fromDigest(QByteArray(32, '\x01')), evil, {}});
    const auto listed = ControlProtocol::parse(ControlProtocol::encode(peers));
    QCOMPARE(listed.status, ControlProtocol::Status::Ok);
    QCOMPARE(std::get<Control::Peers>(listed.message).peers.first().name, clean);
}

void TestDisplayText::terminalNeverSeesEscapes()
{
    const QString printed = captured([](Cli::EventPrinter &p) {
        p.offer(
            QStringLiteral("\x1b]0;owned\x07mallory"), 1, 0, 10, QStringLiteral("123 456"), true);
        p.error(QStringLiteral("x"), QStringLiteral("the peer reported: \x1b[2Jgone"));
    });
    QVERIFY2(!printed.contains(QChar(0x1b)) && !printed.contains(QChar(0x07)), qPrintable(printed));
    QVERIFY2(
        printed.contains(QStringLiteral("]0;ownedmallory offers 1 file(s)")), qPrintable(printed));
    QVERIFY2(printed.contains(QStringLiteral("verification code 123 456")), qPrintable(printed));
    QCOMPARE(printed.count(u'\n'), 2); // one line each, nothing forged
}

void TestDisplayText::offerSummaryNamesFolders()
{
    // Issue 12, L6: folders were missing from the offer summary.
    const QString printed = captured([](Cli::EventPrinter &p) {
        p.offer(QStringLiteral("bob"), 3, 2, 2048, QStringLiteral("123 456"), false);
    });
    QVERIFY2(printed.contains(QStringLiteral("bob offers 3 file(s) in 2 folder(s), 2.0 KiB")),
        qPrintable(printed));
}

QTEST_GUILESS_MAIN(TestDisplayText)
void TestDisplayText::jsonFileEventIsWhatQJsonDocumentWrites_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("digest");
    QTest::newRow("plain") << QStringLiteral("set/d00/f00.bin") << QStringLiteral("xxh3-128");
    QTest::newRow("sha256 (two hash keys)") << QStringLiteral("a.txt") << QStringLiteral("sha256");
    QTest::newRow("quotes, backslash")
        << QStringLiteral("say \"hi\"\\x") << QStringLiteral("xxh3-128");
    QTest::newRow("control characters")
        << QString::fromUtf16(u"a\b\f\n\r\t\x01\x1f\x7f z") << QStringLiteral("xxh3-128");
    QTest::newRow("non-ASCII") << QString::fromUtf16(u"Grüße/日本語/😀.txt")
                               << QStringLiteral("xxh3-128");
    QTest::newRow("lone surrogates")
        << QString::fromUtf16(u"x\xd800y\xdc00") << QStringLiteral("xxh3-128");
}

void TestDisplayText::jsonFileEventIsWhatQJsonDocumentWrites()
{
    // EventPrinter::file() writes its line by hand (10,000 small files print 10,000): the bytes
    // must be those of the QJsonObject it replaced, and the line must parse back to the values.
    QFETCH(QString, name);
    QFETCH(QString, digest);
    const QString hash = QStringLiteral("604d18e51b351bfa112bfba0cd8b4ef3");
    const QByteArray printed
        = capturedBytes([&](Cli::EventPrinter &p) { p.file(name, 4096, digest, hash, 17); }, true);
    QJsonObject expected {{QStringLiteral("event"), QStringLiteral("file")},
        {QStringLiteral("name"), name}, {QStringLiteral("size"), 4096},
        {QStringLiteral("digest"), digest}, {QStringLiteral("hash"), hash},
        {QStringLiteral("resumed_from"), 17}};
    if (digest == QLatin1String("sha256"))
        expected.insert(QStringLiteral("sha256"), hash);
    QCOMPARE(printed, QJsonDocument(expected).toJson(QJsonDocument::Compact) + '\n');
    QJsonParseError error;
    const QJsonObject parsed = QJsonDocument::fromJson(printed, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    if (!name.contains(QChar(0xd800)))
        QCOMPARE(parsed.value(u"name").toString(), name);
    QCOMPARE(parsed.value(u"size").toInteger(), 4096);
}

#include "tst_displaytext.moc"
