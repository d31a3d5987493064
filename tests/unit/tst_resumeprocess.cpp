// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 4, end to end with real processes: `punchdrop --server`, `punchdrop receive` and
// `punchdrop send` run as three separate processes on loopback, each with its own config folder.
// The sender is SIGKILLed mid-transfer; the receiver keeps the part file and no file under the
// final name; sending again resumes (fewer bytes cross the wire) and the file arrives
// byte-identical.
//
// Determinism: the server's relay is throttled (--relay-rate) and the sender forced through it
// (--relay-only), so the transfer cannot finish before the kill: 64 MiB at 8 MiB/s take ≥ 7.9 s,
// the kill comes once the receiver reports 8 MiB (≈ 1 s in). Should the transfer nevertheless
// finish first, the test fails and says so.

#include "support/testhelpers.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace PunchDrop;

namespace {

constexpr qint64 kFileSize = 64 * 1024 * 1024 + 12345; // not a multiple of any chunk size
constexpr qint64 kRelayRate = 8 * 1024 * 1024; // bytes/s through the relay, per session
constexpr qint64 kKillAfter = 8 * 1024 * 1024; // the receiver has this much when the sender dies

//! One `punchdrop` child process; collects its --json events (stdout) and its log (stderr).
class Child
{
public:
    explicit Child(QString name)
        : m_name(std::move(name))
    {
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
    }
    ~Child()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    void start(const QStringList &arguments)
    {
        m_arguments = arguments;
        m_process.start(Test::punchdropBinary(), arguments);
    }

    //! Reads what arrived so far; returns every complete JSON line parsed.
    void poll()
    {
        m_log += m_process.readAllStandardError();
        m_pending += m_process.readAllStandardOutput();
        qsizetype newline;
        while ((newline = m_pending.indexOf('\n')) >= 0) {
            const QByteArray line = m_pending.left(newline);
            m_pending.remove(0, newline + 1);
            m_lines += line + '\n';
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            if (!event.isEmpty())
                m_events.append(event);
        }
    }

    //! The last event named \a name, or an empty object.
    QJsonObject last(const QString &name)
    {
        poll();
        for (auto it = m_events.crbegin(); it != m_events.crend(); ++it)
            if (it->value(u"event").toString() == name)
                return *it;
        return {};
    }
    bool has(const QString &name) { return !last(name).isEmpty(); }
    int count(const QString &name)
    {
        poll();
        int n = 0;
        for (const QJsonObject &e : std::as_const(m_events))
            n += e.value(u"event").toString() == name;
        return n;
    }
    //! Highest "bytes" of a progress event so far.
    qint64 progress()
    {
        poll();
        qint64 most = 0;
        for (const QJsonObject &e : std::as_const(m_events))
            if (e.value(u"event").toString() == u"progress")
                most = std::max(most, qint64(e.value(u"bytes").toDouble()));
        return most;
    }
    void clearEvents()
    {
        poll();
        m_events.clear();
    }

    bool running() const { return m_process.state() != QProcess::NotRunning; }
    QProcess &process() { return m_process; }

    //! Everything printed, for failure messages.
    QByteArray dump()
    {
        poll();
        return QByteArray("--- ") + m_name.toUtf8() + " " + m_arguments.join(u' ').toUtf8()
            + "\nstdout:\n" + m_lines.right(4000) + "stderr:\n" + m_log.right(4000) + '\n';
    }

private:
    QString m_name;
    QStringList m_arguments;
    QProcess m_process;
    QByteArray m_pending;
    QByteArray m_lines;
    QByteArray m_log;
    QList<QJsonObject> m_events;
};

QByteArray sha256Of(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

bool writeRandomFile(const QString &path, qint64 size)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    QRandomGenerator generator(20261121);
    QByteArray block(1024 * 1024, Qt::Uninitialized);
    qint64 left = size;
    while (left > 0) {
        generator.fillRange(reinterpret_cast<quint32 *>(block.data()), block.size() / 4);
        const qint64 n = std::min<qint64>(left, block.size());
        if (file.write(block.constData(), n) != n)
            return false;
        left -= n;
    }
    return true;
}

} // namespace

class TestResumeProcess : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void killedSenderResumes();
};

void TestResumeProcess::killedSenderResumes()
{
#ifdef Q_OS_WIN
    QSKIP(
        "the self-pipe signal handling of --server and this test's process handling are Unix-only");
#endif
    QVERIFY2(!Test::punchdropBinary().isEmpty(), "PUNCHDROP_BINARY is not set");
    QTemporaryDir work;
    QVERIFY(work.isValid());
    const QString source = work.filePath(QStringLiteral("payload.bin"));
    QVERIFY(writeRandomFile(source, kFileSize));
    const QByteArray sourceHash = sha256Of(source);
    const QString downloads = work.filePath(QStringLiteral("dl"));
    QVERIFY(QDir().mkpath(downloads));
    const QString target = downloads + QStringLiteral("/payload.bin");

    quint16 port = 0;
    {
        QTcpServer probe; // a free port for the server (closed again before it starts)
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    const QString server = QStringLiteral("127.0.0.1:%1").arg(port);

    Child relay(QStringLiteral("server"));
    relay.start({QStringLiteral("--server"), QStringLiteral("--listen"), server,
        QStringLiteral("--relay-rate"), QString::number(kRelayRate), QStringLiteral("--config-dir"),
        work.filePath(QStringLiteral("conf-server"))});
    QByteArray serverLog;
    QVERIFY(QTest::qWaitFor(
        [&] {
            serverLog += relay.process().readAllStandardError();
            return serverLog.contains(QByteArray("listening on " + server.toUtf8()))
                || !relay.running();
        },
        15000));
    QVERIFY2(relay.running(), serverLog.constData());

    Child receiver(QStringLiteral("receiver"));
    receiver.start({QStringLiteral("receive"), QStringLiteral("--server"), server,
        QStringLiteral("--name"), QStringLiteral("bob"), QStringLiteral("--yes"),
        QStringLiteral("--json"), QStringLiteral("--dir"), downloads,
        QStringLiteral("--config-dir"), work.filePath(QStringLiteral("conf-bob"))});
    QVERIFY2(QTest::qWaitFor(
                 [&] { return receiver.has(QStringLiteral("registered")) || !receiver.running(); },
                 20000),
        receiver.dump().constData());
    QVERIFY2(receiver.running(), receiver.dump().constData());

    const QStringList sendArguments {QStringLiteral("send"), QStringLiteral("--server"), server,
        QStringLiteral("--name"), QStringLiteral("alice"), QStringLiteral("--to"),
        QStringLiteral("bob"), QStringLiteral("--relay-only"), QStringLiteral("--json"),
        QStringLiteral("--timeout"), QStringLiteral("60"), QStringLiteral("--config-dir"),
        work.filePath(QStringLiteral("conf-alice")),
        // SHA-256 asked for by the sender alone: the receiver (offering XXH3) follows, the
        // resume prefix and the END digest are SHA-256, and both report it.
        QStringLiteral("--sha256"), source};

    // First attempt: killed once the receiver holds kKillAfter bytes.
    {
        Child sender(QStringLiteral("sender (first)"));
        sender.start(sendArguments);
        const bool reached = QTest::qWaitFor(
            [&] { return receiver.progress() >= kKillAfter || !sender.running(); }, 40000);
        const QByteArray why = QByteArray(sender.dump() + receiver.dump());
        QVERIFY2(reached,
            QByteArray("the receiver never got " + QByteArray::number(kKillAfter)
                + " bytes within 40 s\n" + why)
                .constData());
        QVERIFY2(sender.running(),
            QByteArray("the sender ended before it could be killed (the transfer must still be "
                       "running at the kill; is the relay throttled?)\n"
                + why)
                .constData());
        QVERIFY2(sender.has(QStringLiteral("path")), why.constData());
        QCOMPARE(
            sender.last(QStringLiteral("path")).value(u"kind").toString(), QStringLiteral("relay"));
        QVERIFY2(sender.progress() > 0, why.constData()); // the sender reported bytes too
        QVERIFY2(!sender.has(QStringLiteral("done")), why.constData());
        sender.process().kill(); // SIGKILL: no goodbye of any kind
        QVERIFY(sender.process().waitForFinished(10000));
        QCOMPARE(sender.process().exitStatus(), QProcess::CrashExit);
        QVERIFY2(!receiver.has(QStringLiteral("done")),
            QByteArray("the transfer finished before the kill: the test proves nothing\n" + why)
                .constData());
    }

    // The receiver notices the dead peer, reports the transfer failed and keeps the part.
    QVERIFY2(QTest::qWaitFor([&] { return receiver.has(QStringLiteral("error")); }, 30000),
        receiver.dump().constData());
    QVERIFY2(receiver.running(), receiver.dump().constData());
    QVERIFY2(!QFileInfo::exists(target), "a file appeared under the final name after the kill");
    const QStringList parts = Test::partFilesOf(target);
    QVERIFY2(parts.size() == 1, receiver.dump().constData());
    const QString part = parts.first();
    const qint64 partSize = QFileInfo(part).size();
    QVERIFY2(partSize > 0 && partSize < kFileSize,
        qPrintable(QStringLiteral("part file holds %1 bytes").arg(partSize)));
    qInfo("after the kill: %lld of %lld bytes in the part file", partSize, kFileSize);
    receiver.clearEvents();

    // Second attempt: resumes where the part file ends and completes.
    Child sender(QStringLiteral("sender (second)"));
    sender.start(sendArguments);
    if (!QTest::qWaitFor([&] { return !sender.running(); }, 60000)) {
        // In full: a failure message is cut at about 1 KB.
        qInfo().noquote() << sender.dump() << receiver.dump() << serverLog << relay.dump();
        QFAIL("the resuming sender did not finish within 60 s");
    }
    const QByteArray why = QByteArray(sender.dump() + receiver.dump());
    QCOMPARE(sender.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(sender.process().exitCode() == 0, why.constData());

    const QJsonObject sentFile = sender.last(QStringLiteral("file"));
    const QJsonObject sentDone = sender.last(QStringLiteral("done"));
    QVERIFY2(!sentFile.isEmpty() && !sentDone.isEmpty(), why.constData());
    const qint64 resumedFrom = qint64(sentFile.value(u"resumed_from").toDouble());
    const qint64 transferred = qint64(sentDone.value(u"transferred").toDouble());
    qInfo("second attempt: resumed from %lld, %lld of %lld bytes sent", resumedFrom, transferred,
        kFileSize);
    // The resume point is where the part file ends. It may be past what was measured above: the
    // receiver's disk writes of the first attempt can still land after it reported the failure.
    QVERIFY2(resumedFrom >= partSize && resumedFrom < kFileSize, why.constData());
    QCOMPARE(qint64(sentDone.value(u"bytes").toDouble()), kFileSize);
    QCOMPARE(transferred, kFileSize - resumedFrom); // fewer bytes the second time
    QCOMPARE(sentFile.value(u"digest").toString(), QStringLiteral("sha256"));
    QCOMPARE(sentFile.value(u"sha256").toString().toUtf8(), sourceHash);
    QCOMPARE(sentFile.value(u"hash").toString().toUtf8(), sourceHash);

    // The receiver saw the same resume and verified the whole file.
    QVERIFY2(QTest::qWaitFor([&] { return receiver.has(QStringLiteral("done")); }, 20000),
        receiver.dump().constData());
    const QJsonObject gotFile = receiver.last(QStringLiteral("file"));
    QCOMPARE(qint64(gotFile.value(u"resumed_from").toDouble()), resumedFrom);
    QCOMPARE(gotFile.value(u"sha256").toString().toUtf8(), sourceHash);
    QCOMPARE(qint64(receiver.last(QStringLiteral("done")).value(u"transferred").toDouble()),
        transferred);

    // Byte-identical, and the part file is gone.
    QCOMPARE(QFileInfo(target).size(), kFileSize);
    QCOMPARE(sha256Of(target), sourceHash);
    QVERIFY(!QFileInfo::exists(part));
    QVERIFY(!QFileInfo::exists(part + QStringLiteral(".meta")));

    receiver.process().terminate();
    QVERIFY(receiver.process().waitForFinished(10000));
    relay.process().terminate();
    QVERIFY(relay.process().waitForFinished(10000));
    QCOMPARE(relay.process().exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestResumeProcess)
#include "tst_resumeprocess.moc"
