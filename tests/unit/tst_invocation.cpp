// SPDX-License-Identifier: GPL-3.0-or-later
// Command-line parsing (pure) and the real binary's --version / --help / usage errors.

#include "cli/invocation.h"
#include "core/version.h"
#include "support/testhelpers.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace PunchDrop::Cli;

class TestInvocation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void hostPort_data();
    void hostPort();
    void serverOptions();
    void sendOptions();
    void serverList();
    void punchTimeout_data();
    void punchTimeout();
    void portGuessing_data();
    void portGuessing();
    void noPortMap_data();
    void noPortMap();
    void peersQuery();
    void guiFiles();
    void binaryVersion();
    void binaryHelp();
    void binaryUsageError();
};

Q_DECLARE_METATYPE(PunchDrop::Cli::ParseResult::Kind)
Q_DECLARE_METATYPE(PunchDrop::Cli::Mode)

void TestInvocation::parse_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<ParseResult::Kind>("kind");
    QTest::addColumn<Mode>("mode");
    using K = ParseResult::Kind;
    auto row = [](const char *name, const QString &line, K kind, Mode mode) {
        QStringList args {QStringLiteral("punchdrop")};
        if (!line.isEmpty())
            args << line.split(QLatin1Char(' '));
        QTest::newRow(name) << args << kind << mode;
    };
    row("no arguments opens the GUI", {}, K::Run, Mode::Gui);
    row("gui minimized", QStringLiteral("--minimized"), K::Run, Mode::Gui);
    row("help", QStringLiteral("--help"), K::Help, Mode::Gui);
    row("version", QStringLiteral("--version"), K::Version, Mode::Gui);
    row("server", QStringLiteral("--server"), K::Run, Mode::Server);
    row("server help", QStringLiteral("--server --help"), K::Help, Mode::Server);
    row("server listen", QStringLiteral("--server --listen 127.0.0.1:9000"), K::Run, Mode::Server);
    row("server bad listen", QStringLiteral("--server --listen nohost:x"), K::Error, Mode::Server);
    row("server bad port", QStringLiteral("--server --listen 1.2.3.4:70000"), K::Error,
        Mode::Server);
    row("server relay-rate-total not a number", QStringLiteral("--server --relay-rate-total 5M"),
        K::Error, Mode::Server);
    row("server relay-rate-total negative", QStringLiteral("--server --relay-rate-total -1"),
        K::Error, Mode::Server);
    row("send", QStringLiteral("send --server h --to bob a.txt"), K::Run, Mode::Send);
    row("send help", QStringLiteral("send --help"), K::Help, Mode::Send);
    row("send without --to", QStringLiteral("send --server h a.txt"), K::Error, Mode::Send);
    row("send without path", QStringLiteral("send --server h --to bob"), K::Error, Mode::Send);
    row("send without server", QStringLiteral("send --to bob a"), K::Error, Mode::Send);
    row("send lan", QStringLiteral("send --lan --to bob a"), K::Run, Mode::Send);
    row("send lan and server", QStringLiteral("send --lan --server h --to bob a"), K::Error,
        Mode::Send);
    row("send relay-only and no-relay",
        QStringLiteral("send --server h --to b --relay-only --no-relay a"), K::Error, Mode::Send);
    row("receive", QStringLiteral("receive --server h:1 --yes --once --dir /tmp"), K::Run,
        Mode::Receive);
    row("receive stray argument", QStringLiteral("receive --server h extra"), K::Error,
        Mode::Receive);
    row("peers", QStringLiteral("peers --server h --json"), K::Run, Mode::Peers);
    row("peers with a query", QStringLiteral("peers --server h carol"), K::Run, Mode::Peers);
    row("peers with two queries", QStringLiteral("peers --server h carol dave"), K::Error,
        Mode::Peers);
    row("unknown command", QStringLiteral("frobnicate"), K::Error, Mode::Gui);
    row("unknown option", QStringLiteral("--frobnicate"), K::Error, Mode::Gui);
    row("timeout not a number", QStringLiteral("peers --server h --timeout x"), K::Error,
        Mode::Peers);
}

void TestInvocation::parse()
{
    QFETCH(QStringList, args);
    QFETCH(ParseResult::Kind, kind);
    QFETCH(Mode, mode);
    const ParseResult r = parseCommandLine(args);
    QCOMPARE(r.kind, kind);
    if (kind == ParseResult::Kind::Error)
        QVERIFY(!r.text.isEmpty());
    else
        QCOMPARE(r.invocation.mode, mode);
}

void TestInvocation::hostPort_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::newRow("host") << QStringLiteral("example.org") << true << QStringLiteral("example.org")
                          << 8877;
    QTest::newRow("host:port") << QStringLiteral("example.org:99") << true
                               << QStringLiteral("example.org") << 99;
    QTest::newRow("ipv4:port") << QStringLiteral("10.0.0.1:1") << true << QStringLiteral("10.0.0.1")
                               << 1;
    QTest::newRow("[v6]:port") << QStringLiteral("[::1]:443") << true << QStringLiteral("::1")
                               << 443;
    QTest::newRow("bare v6") << QStringLiteral("fe80::1") << true << QStringLiteral("fe80::1")
                             << 8877;
    QTest::newRow("port zero") << QStringLiteral("h:0") << false << QString() << 0;
    QTest::newRow("port too big") << QStringLiteral("h:65536") << false << QString() << 0;
    QTest::newRow("empty host") << QStringLiteral(":80") << false << QString() << 0;
    QTest::newRow("empty port") << QStringLiteral("h:") << false << QString() << 0;
    QTest::newRow("unclosed bracket") << QStringLiteral("[::1:80") << false << QString() << 0;
    QTest::newRow("garbage v6") << QStringLiteral("a:b:c") << false << QString() << 0;
}

void TestInvocation::hostPort()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(QString, host);
    QFETCH(int, port);
    const auto hp = parseHostPort(text);
    QCOMPARE(hp.has_value(), valid);
    if (hp) {
        QCOMPARE(hp->host, host);
        QCOMPARE(int(hp->port), port);
    }
}

void TestInvocation::serverOptions()
{
    const ParseResult r = parseCommandLine(QStringLiteral(
        "punchdrop --server --listen 127.0.0.1:9100 --alt-port 9200 --no-relay --relay-rate 1000 "
        "--relay-rate-total 5000 --max-relay-sessions 3 --max-clients 7 --verbose --config-dir "
        "/tmp/x")
                                               .split(QLatin1Char(' ')));
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    const Invocation &i = r.invocation;
    QCOMPARE(i.listenAddress, QHostAddress(QStringLiteral("127.0.0.1")));
    QCOMPARE(i.listenPort, quint16(9100));
    QCOMPARE(i.altPort.value_or(0), quint16(9200));
    QVERIFY(i.serverNoRelay);
    QCOMPARE(i.relayRate, qint64(1000));
    QCOMPARE(i.relayRateTotal, qint64(5000));
    QCOMPARE(i.maxRelaySessions, 3);
    QCOMPARE(i.maxClients, 7);
    QVERIFY(i.verbose);
    QCOMPARE(i.configDir, QStringLiteral("/tmp/x"));
}

void TestInvocation::sendOptions()
{
    const ParseResult r = parseCommandLine(QStringLiteral(
        "punchdrop send --server 10.1.2.3:5000 --to BOB --json --relay-only --timeout 9 a b/c")
                                               .split(QLatin1Char(' ')));
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    const Invocation &i = r.invocation;
    QCOMPARE(i.server->host, QStringLiteral("10.1.2.3"));
    QCOMPARE(i.server->port, quint16(5000));
    QCOMPARE(i.to, QStringLiteral("BOB"));
    QVERIFY(i.json);
    QVERIFY(i.relayOnly);
    QCOMPARE(i.timeoutSecs, 9);
    QCOMPARE(i.paths, (QStringList {QStringLiteral("a"), QStringLiteral("b/c")}));
    QCOMPARE(i.punchTimeoutMs, 0); // PunchTimings' default
    QVERIFY(i.moreServers.isEmpty());
}

void TestInvocation::serverList()
{
    // several servers of one cluster: the first is server, the others follow in order
    const ParseResult r = parseCommandLine(
        {u"punchdrop"_qs, u"receive"_qs, u"--server"_qs, u"a.example, b.example:9000,[::1]:7"_qs});
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    QCOMPARE(r.invocation.server->toString(), u"a.example:8877"_qs);
    QCOMPARE(r.invocation.moreServers.size(), 2);
    QCOMPARE(r.invocation.moreServers[0].toString(), u"b.example:9000"_qs);
    QCOMPARE(r.invocation.moreServers[1].toString(), u"[::1]:7"_qs);

    const auto list = parseHostPortList(u"a,b,a:8877"_qs); // a repeat is dropped
    QVERIFY(list);
    QCOMPARE(list->size(), 2);
    QVERIFY(!parseHostPortList(u"a,,b"_qs));
    QVERIFY(!parseHostPortList(u"a,"_qs));
    QVERIFY(!parseHostPortList(u"a,b:0"_qs));
    QVERIFY(parseHostPortList(u"1,2,3,4,5,6,7,8"_qs));
    QVERIFY(!parseHostPortList(u"1,2,3,4,5,6,7,8,9"_qs)); // kMaxServers
    const ParseResult bad
        = parseCommandLine({u"punchdrop"_qs, u"receive"_qs, u"--server"_qs, u"a,,b"_qs});
    QCOMPARE(bad.kind, ParseResult::Kind::Error);
    QVERIFY2(bad.text.contains(u"comma-separated"_qs), qPrintable(bad.text));
}

void TestInvocation::punchTimeout_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("ms"); // -1: a usage error
    QTest::newRow("send seconds") << QStringLiteral("send --server h --to b --punch-timeout 8 a")
                                  << 8000;
    QTest::newRow("receive fraction")
        << QStringLiteral("receive --server h --punch-timeout 1.5") << 1500;
    QTest::newRow("lowest") << QStringLiteral("receive --server h --punch-timeout 0.5") << 500;
    QTest::newRow("highest") << QStringLiteral("receive --server h --punch-timeout 60") << 60000;
    QTest::newRow("too short") << QStringLiteral("receive --server h --punch-timeout 0.1") << -1;
    QTest::newRow("too long") << QStringLiteral("send --server h --to b --punch-timeout 61 a")
                              << -1;
    QTest::newRow("not a number") << QStringLiteral("receive --server h --punch-timeout soon")
                                  << -1;
    QTest::newRow("not for peers") << QStringLiteral("peers --server h --punch-timeout 2") << -1;
}

void TestInvocation::punchTimeout()
{
    QFETCH(QString, line);
    QFETCH(int, ms);
    const ParseResult r
        = parseCommandLine(QString(QStringLiteral("punchdrop ") + line).split(QLatin1Char(' ')));
    if (ms < 0) {
        QVERIFY2(r.kind != ParseResult::Kind::Run, qPrintable(r.text));
        return;
    }
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    QCOMPARE(r.invocation.punchTimeoutMs, ms);
}

void TestInvocation::portGuessing_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("budget"); // what Invocation holds; -1: a usage error
    QTest::addColumn<bool>("off");
    QTest::newRow("default") << QStringLiteral("receive --server h") << 0 << false;
    QTest::newRow("off") << QStringLiteral("send --server h --to b --no-birthday a") << 0 << true;
    QTest::newRow("budget") << QStringLiteral("receive --server h --punch-budget 1024") << 1024
                            << false;
    QTest::newRow("lowest") << QStringLiteral("receive --server h --punch-budget 16") << 16
                            << false;
    QTest::newRow("too few") << QStringLiteral("receive --server h --punch-budget 15") << -1
                             << false;
    QTest::newRow("too many") << QStringLiteral("send --server h --to b --punch-budget 2049 a")
                              << -1 << false;
    QTest::newRow("both") << QStringLiteral("receive --server h --no-birthday --punch-budget 64")
                          << -1 << false;
    QTest::newRow("not for peers")
        << QStringLiteral("peers --server h --no-birthday") << -1 << false;
}

void TestInvocation::portGuessing()
{
    QFETCH(QString, line);
    QFETCH(int, budget);
    QFETCH(bool, off);
    const ParseResult r
        = parseCommandLine(QString(QStringLiteral("punchdrop ") + line).split(QLatin1Char(' ')));
    if (budget < 0) {
        QVERIFY2(r.kind != ParseResult::Kind::Run, qPrintable(r.text));
        return;
    }
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    QCOMPARE(r.invocation.punchBudget, budget);
    QCOMPARE(r.invocation.noBirthday, off);
}

void TestInvocation::noPortMap_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("off"); // 1: --no-port-map taken, 0: port mapping on, -1: usage error
    QTest::newRow("send") << QStringLiteral("send --server h --to b --no-port-map a") << 1;
    QTest::newRow("receive") << QStringLiteral("receive --server h --no-port-map") << 1;
    QTest::newRow("app") << QStringLiteral("--no-port-map") << 1;
    QTest::newRow("on by default") << QStringLiteral("receive --server h") << 0;
    QTest::newRow("not for peers") << QStringLiteral("peers --server h --no-port-map") << -1;
    QTest::newRow("not for the server") << QStringLiteral("--server --no-port-map") << -1;
}

void TestInvocation::noPortMap()
{
    QFETCH(QString, line);
    QFETCH(int, off);
    const ParseResult r
        = parseCommandLine(QString(QStringLiteral("punchdrop ") + line).split(QLatin1Char(' ')));
    if (off < 0) {
        QVERIFY2(r.kind == ParseResult::Kind::Error, qPrintable(r.text));
        return;
    }
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    QCOMPARE(r.invocation.noPortMap, off == 1);
}

void TestInvocation::guiFiles()
{
    // `punchdrop FILE…` opens the app with the files (absolute), a missing one is an error, and
    // a word that is no file stays an unknown command.
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("a.txt"));
    const QString b = dir.filePath(QStringLiteral("folder"));
    QVERIFY(Test::writeFile(a, "a"));
    QVERIFY(QDir().mkpath(b));
    ParseResult r
        = parseCommandLine({QStringLiteral("punchdrop"), a, QStringLiteral("--minimized"), b});
    QCOMPARE(r.kind, ParseResult::Kind::Run);
    QCOMPARE(r.invocation.mode, Mode::Gui);
    QCOMPARE(r.invocation.paths, (QStringList {a, b}));
    QVERIFY(r.invocation.minimized);
    r = parseCommandLine({QStringLiteral("punchdrop"), a, dir.filePath(QStringLiteral("gone"))});
    QCOMPARE(r.kind, ParseResult::Kind::Error);
    QVERIFY2(r.text.contains(QStringLiteral("gone")), qPrintable(r.text));
    r = parseCommandLine({QStringLiteral("punchdrop"), QStringLiteral("frobnicate")});
    QCOMPARE(r.kind, ParseResult::Kind::Error);
    QVERIFY2(r.text.contains(QStringLiteral("unknown command")), qPrintable(r.text));
}

void TestInvocation::peersQuery()
{
    auto parse = [](const char *line) {
        return parseCommandLine(QString::fromLatin1(line).split(QLatin1Char(' ')));
    };
    const ParseResult withQuery = parse("punchdrop peers --server h --json MFRG");
    QCOMPARE(withQuery.kind, ParseResult::Kind::Run);
    QCOMPARE(withQuery.invocation.query, QStringLiteral("MFRG"));
    QVERIFY(withQuery.invocation.json);
    const ParseResult without = parse("punchdrop peers --server h");
    QCOMPARE(without.kind, ParseResult::Kind::Run);
    QVERIFY(without.invocation.query.isEmpty());
    const ParseResult help = parse("punchdrop peers --help");
    QVERIFY2(help.text.contains(QStringLiteral("QUERY")), qPrintable(help.text));
}

void TestInvocation::binaryVersion()
{
    const auto r = Test::runPunchdrop({QStringLiteral("--version")});
    QVERIFY(r.finished);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QByteArray("punchdrop ") + PunchDrop::version().toUtf8());
}

void TestInvocation::binaryHelp()
{
    const auto r = Test::runPunchdrop({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("--server"));
    QVERIFY(r.out.contains("send --to PEER"));
    const auto s = Test::runPunchdrop({QStringLiteral("send"), QStringLiteral("--help")});
    QCOMPARE(s.exitCode, 0);
    QVERIFY(s.out.contains("--relay-only"));
}

void TestInvocation::binaryUsageError()
{
    const auto r = Test::runPunchdrop({QStringLiteral("--no-such-option")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.out.isEmpty());
    const QList<QByteArray> lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY(lines.first().startsWith("punchdrop: "));
}

QTEST_GUILESS_MAIN(TestInvocation)
#include "tst_invocation.moc"
