// SPDX-License-Identifier: GPL-3.0-or-later
// Identity is the address (issue 12, C1): a rendezvous server that answers connect(bob) with
// another device must not redirect a file. A scripted lying server (Test::LyingRendezvous: the
// real control protocol and the real relay hub) introduces mallory, a real online device, in
// place of bob; the sender must end with TransferError::UnexpectedPeer and mallory must get
// nothing, not even an offer. Real TransferEngines over loopback; the last case runs the real
// `punchdrop send` against the same liar.

#include "support/enginedevice.h"
#include "support/lyingrendezvous.h"
#include "support/testhelpers.h"
#include "transfer/contactstore.h"

#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace std::chrono_literals;

using Test::EngineDevice;

class TestLyingServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void redirectIsRefused_data();
    void redirectIsRefused();
    void cliSendFailsWithUnexpectedPeer();

private:
    bool startDevices();

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<Test::LyingRendezvous> m_server;
    std::unique_ptr<EngineDevice> m_alice, m_bob, m_mallory;
    QString m_file;
};

void TestLyingServer::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_server = std::make_unique<Test::LyingRendezvous>(Test::ephemeralIdentity());
    QString error;
    QVERIFY2(m_server->listen(&error), qPrintable(error));
    m_file = m_tmp->filePath(QStringLiteral("send/for-bob.bin"));
    QVERIFY(Test::writeFile(m_file, Test::randomBytes(200 * 1024, 12)));
}

void TestLyingServer::cleanup()
{
    m_alice.reset();
    m_bob.reset();
    m_mallory.reset();
    m_server.reset();
    m_tmp.reset();
}

bool TestLyingServer::startDevices()
{
    const quint16 port = m_server->port();
    m_alice = std::make_unique<EngineDevice>(m_tmp->path(), QStringLiteral("alice"), port);
    m_bob = std::make_unique<EngineDevice>(m_tmp->path(), QStringLiteral("bob"), port);
    m_mallory = std::make_unique<EngineDevice>(m_tmp->path(), QStringLiteral("mallory"), port);
    // Alice has exchanged files with bob before: he is a pinned contact.
    if (!m_alice->pin(m_bob->identity.id(), QStringLiteral("bob")))
        return false;
    if (!m_alice->start() || !m_bob->start() || !m_mallory->start())
        return false;
    return QTest::qWaitFor(
        [&] {
            return m_server->isRegistered(m_alice->identity.id())
                && m_server->isRegistered(m_bob->identity.id())
                && m_server->isRegistered(m_mallory->identity.id());
        },
        10000);
}

void TestLyingServer::redirectIsRefused_data()
{
    QTest::addColumn<bool>("lie");
    QTest::addColumn<bool>("nameReached");
    QTest::addColumn<bool>("punch");
    QTest::addColumn<bool>("relay");
    // The harness itself: an honest answer delivers the file to bob.
    QTest::newRow("honest server") << false << false << true << true;
    // go(peer=mallory): the sender would punch to mallory and pin mallory's key.
    QTest::newRow("go names mallory") << true << true << true << true;
    // go(peer=bob) with mallory's endpoints: the punched TLS key is mallory's.
    QTest::newRow("go names bob, punch reaches mallory") << true << false << true << false;
    // go(peer=bob) with a relay token shared with mallory: the relayed TLS key is mallory's.
    QTest::newRow("go names bob, relay pairs with mallory") << true << false << false << true;
}

void TestLyingServer::redirectIsRefused()
{
    QFETCH(bool, lie);
    QFETCH(bool, nameReached);
    QFETCH(bool, punch);
    QFETCH(bool, relay);
    QVERIFY(startDevices());
    if (lie)
        m_server->lie(m_bob->identity.id(), {m_mallory->identity.id(), nameReached, punch, relay});

    m_alice->engine->send(m_bob->identity.id(), {m_file});
    QTRY_VERIFY_WITH_TIMEOUT(!m_alice->finished->isEmpty(), 30000);
    const TransferResult sent = m_alice->firstResult();
    if (!lie) {
        QVERIFY2(sent.allVerified(), qPrintable(sent.message));
        QTRY_VERIFY_WITH_TIMEOUT(!m_bob->finished->isEmpty(), 10000);
        QVERIFY(m_bob->firstResult().allVerified());
        QCOMPARE(m_bob->received(), QStringList {QStringLiteral("for-bob.bin")});
        QCOMPARE(m_mallory->decider.calls, 0);
        return;
    }
    QCOMPARE(sent.error, TransferError::UnexpectedPeer);
    // The text names both devices and says who may be lying.
    QVERIFY2(sent.message.contains(m_bob->identity.id().toString()), qPrintable(sent.message));
    QVERIFY2(sent.message.contains(m_mallory->identity.id().toString()), qPrintable(sent.message));
    QVERIFY2(
        sent.message.contains(QStringLiteral("server may be lying")), qPrintable(sent.message));
    // Mallory was introduced and tried its side of the session; it must end without an offer.
    QTRY_VERIFY_WITH_TIMEOUT(!m_mallory->finished->isEmpty(), 30000);
    QVERIFY(!m_mallory->firstResult().ok());
    QCOMPARE(m_mallory->decider.calls, 0);
    QVERIFY2(m_mallory->received().isEmpty(), qPrintable(m_mallory->received().join(u' ')));
    // Bob was never involved, and alice's contacts still pin bob alone.
    QCOMPARE(m_bob->finished->count(), 0);
    QCOMPARE(m_alice->engine->contacts().contacts().size(), 1);
    QCOMPARE(m_alice->engine->contacts().contacts().first().id, m_bob->identity.id());
}

void TestLyingServer::cliSendFailsWithUnexpectedPeer()
{
    QVERIFY(startDevices());
    m_server->lie(m_bob->identity.id(), {m_mallory->identity.id(), true, true, true});
    // The real binary as the sender (its own config dir), with bob pinned there too.
    const QString senderDir = m_tmp->filePath(QStringLiteral("conf-cli"));
    QVERIFY(QDir().mkpath(senderDir));
    QString error;
    ContactStore pinned(senderDir + u'/' + ContactStore::defaultFileName());
    QVERIFY2(
        pinned.remember(m_bob->identity.id(), QStringLiteral("bob"), &error), qPrintable(error));
    QProcess process;
    process.start(Test::punchdropBinary(),
        {QStringLiteral("send"), QStringLiteral("--server"),
            QStringLiteral("127.0.0.1:%1").arg(m_server->port()), QStringLiteral("--config-dir"),
            senderDir, QStringLiteral("--name"), QStringLiteral("cli-alice"),
            QStringLiteral("--to"), m_bob->identity.id().toString(), QStringLiteral("--json"),
            QStringLiteral("--timeout"), QStringLiteral("40"), m_file});
    QVERIFY(process.waitForStarted(10000));
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 45000)) {
        process.kill();
        process.waitForFinished(5000);
        QFAIL("punchdrop send did not end");
    }
    const QByteArray out = process.readAllStandardOutput();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() != 0, out.constData());
    QVERIFY2(out.contains("\"code\":\"unexpected peer\""), out.constData());
    QVERIFY2(out.contains("server may be lying"), out.constData());
    QVERIFY2(!out.contains("\"event\":\"path\""), out.constData());
    QTRY_VERIFY_WITH_TIMEOUT(!m_mallory->finished->isEmpty(), 30000);
    QCOMPARE(m_mallory->decider.calls, 0);
    QVERIFY(m_mallory->received().isEmpty());
}

QTEST_GUILESS_MAIN(TestLyingServer)
#include "tst_lyingserver.moc"
