// SPDX-License-Identifier: GPL-3.0-or-later
// Who `send --to QUERY` means (issue 12, H1), with real engines on a real in-process rendezvous
// server over loopback (every device comes from 127.0.0.1, so all see each other, like devices
// behind one router): a contact's name means the pinned contact even when a namesake is online
// or the contact is offline; a name beats a ground ID prefix; `id:` marks a prefix; a namesake
// reached by prefix is refused; a first contact is reported as such by the real binary.

#include "net/server/rendezvousserver.h"
#include "support/enginedevice.h"
#include "support/testhelpers.h"
#include "support/testserver.h"
#include "transfer/contactstore.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

using namespace PunchDrop;
using namespace std::chrono_literals;
using Test::EngineDevice;

namespace {
//! The JSON events of one CLI run with \a event as their "event".
QList<QJsonObject> events(const QByteArray &out, const QString &event)
{
    QList<QJsonObject> found;
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(u"event").toString() == event)
            found << o;
    }
    return found;
}

QString dashed(const QString &text)
{
    QString out;
    for (qsizetype i = 0; i < text.size(); ++i)
        out += (i > 0 && i % 3 == 0 ? QStringLiteral("-") : QString()) + text.at(i);
    return out;
}
} // namespace

class TestRecipient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void namesakeOfAContactIsNeverChosen();
    void nameBeatsAGroundIdPrefix();
    void cliReportsFirstContactAndRefusesNamesakes();

private:
    EngineDevice *device(const QString &name);
    bool startAll();
    //! alice's findPeer(), awaited.
    PeerResolver::Result find(const QString &query);
    struct CliRun
    {
        int exitCode = -1;
        QByteArray out;
    };
    CliRun cliSend(const QString &configDir, const QString &to);

    std::unique_ptr<QTemporaryDir> m_tmp;
    Test::TestServer m_server;
    std::vector<std::unique_ptr<EngineDevice>> m_devices;
    QString m_file;
};

void TestRecipient::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.maxConnectionsPerAddress = 1000;
    QString error;
    QVERIFY2(m_server.start(config, &error), qPrintable(error));
    m_file = m_tmp->filePath(QStringLiteral("send/note.txt"));
    QVERIFY(Test::writeFile(m_file, "for the one I meant"));
}

void TestRecipient::cleanup()
{
    m_devices.clear();
    m_server.stop();
    m_tmp.reset();
}

EngineDevice *TestRecipient::device(const QString &name)
{
    m_devices.push_back(std::make_unique<EngineDevice>(m_tmp->path(), name, m_server.port()));
    return m_devices.back().get();
}

bool TestRecipient::startAll()
{
    for (const auto &d : m_devices)
        if (!d->start())
            return false;
    // The first device (alice) sees every other one online.
    return QTest::qWaitFor(
        [&] {
            int online = 0;
            for (const PeerInfo &p : m_devices.front()->engine->peers())
                online += p.online ? 1 : 0;
            return online == int(m_devices.size()) - 1;
        },
        10000);
}

PeerResolver::Result TestRecipient::find(const QString &query)
{
    return QCoro::waitFor(m_devices.front()->engine->findPeer(query));
}

void TestRecipient::namesakeOfAContactIsNeverChosen()
{
    EngineDevice *alice = device(QStringLiteral("alice"));
    EngineDevice *bob = device(QStringLiteral("bob"));
    EngineDevice *mallory = device(QStringLiteral("mallory"));
    mallory->config.displayName = QStringLiteral("Bob"); // calls itself by the contact's name
    QVERIFY(alice->pin(bob->identity.id(), QStringLiteral("bob")));
    QVERIFY(startAll());

    for (const QString &query : {QStringLiteral("bob"), QStringLiteral(" BOB ")}) {
        const PeerResolver::Result r = find(query);
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.id, bob->identity.id());
        QVERIFY(r.candidates.constFirst().online);
    }
    // Reached through an ID prefix, the namesake is refused, and the error names both keys.
    const PeerResolver::Result byPrefix
        = find(QStringLiteral("id:") + mallory->identity.id().toString().left(6));
    QCOMPARE(byPrefix.code, PeerResolver::Code::Refused);
    QVERIFY2(
        byPrefix.error.contains(mallory->identity.id().toString()), qPrintable(byPrefix.error));
    QVERIFY2(byPrefix.error.contains(bob->identity.id().toString()), qPrintable(byPrefix.error));
    // Its exact full ID always works: a first contact, which the store will not let take the
    // name (tst_contactstore).
    QCOMPARE(find(mallory->identity.id().toString()).id, mallory->identity.id());

    // Bob goes offline: "bob" still means bob (offline), never the namesake.
    bob->engine.reset();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const PeerInfo &p : alice->engine->peers())
                if (p.id == bob->identity.id())
                    return !p.online;
            return false;
        }(),
        10000);
    const PeerResolver::Result offline = find(QStringLiteral("bob"));
    QVERIFY2(offline.ok(), qPrintable(offline.error));
    QCOMPARE(offline.id, bob->identity.id());
    QVERIFY(!offline.candidates.constFirst().online);
}

void TestRecipient::nameBeatsAGroundIdPrefix()
{
    EngineDevice *alice = device(QStringLiteral("alice"));
    EngineDevice *grinder = device(QStringLiteral("grinder"));
    // A contact whose 4-letter name is the start of the grinder's ID: as if the grinder had
    // ground its key to start with the contact's name.
    const QString name = grinder->identity.id().toString().left(4).toLower();
    EngineDevice *contact = device(name);
    QVERIFY(alice->pin(contact->identity.id(), name));
    QVERIFY(startAll());

    PeerResolver::Result r = find(name);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.id, contact->identity.id());
    r = find(name.toUpper());
    QCOMPARE(r.id, contact->identity.id());
    // Marked, the same letters are an ID prefix.
    r = find(QStringLiteral("id:") + name);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.id, grinder->identity.id());
    r = find(QStringLiteral("ID:") + dashed(grinder->identity.id().toString().left(9).toLower()));
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.id, grinder->identity.id());
    // A bare marker is no query at all (locally and on the server).
    QCOMPARE(find(QStringLiteral("id:")).code, PeerResolver::Code::EmptyQuery);
}

TestRecipient::CliRun TestRecipient::cliSend(const QString &configDir, const QString &to)
{
    QProcess process;
    process.start(Test::punchdropBinary(),
        {QStringLiteral("send"), QStringLiteral("--server"), m_server.address(),
            QStringLiteral("--config-dir"), configDir, QStringLiteral("--name"),
            QStringLiteral("cli"), QStringLiteral("--to"), to, QStringLiteral("--json"),
            QStringLiteral("--timeout"), QStringLiteral("40"), m_file});
    CliRun run;
    if (!process.waitForStarted(10000))
        return run;
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 45000)) {
        process.kill();
        process.waitForFinished(5000);
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    return run;
}

void TestRecipient::cliReportsFirstContactAndRefusesNamesakes()
{
    EngineDevice *carol = device(QStringLiteral("carol"));
    EngineDevice *bob = device(QStringLiteral("bob"));
    EngineDevice *mallory = device(QStringLiteral("mallory"));
    mallory->config.displayName = QStringLiteral("bob");
    QVERIFY(startAll());
    const QString cliDir = m_tmp->filePath(QStringLiteral("conf-cli"));
    QVERIFY(QDir().mkpath(cliDir));
    ContactStore cliContacts(cliDir + u'/' + ContactStore::defaultFileName());
    QString error;
    QVERIFY(cliContacts.remember(bob->identity.id(), QStringLiteral("bob"), &error));

    // Carol is not a contact: a first contact, said so with the code to compare.
    CliRun run = cliSend(cliDir, QStringLiteral("carol"));
    QVERIFY2(run.exitCode == 0, run.out.constData());
    QList<QJsonObject> recipient = events(run.out, QStringLiteral("recipient"));
    QCOMPARE(recipient.size(), 1);
    QCOMPARE(recipient.first().value(u"device_id").toString(), carol->identity.id().toString());
    QVERIFY(recipient.first().value(u"first_contact").toBool());
    // The code to compare is the session's (both sides derive it once the receiver revealed its
    // part), not a property of the pair: it comes as its own event while the sender waits.
    const QList<QJsonObject> codes = events(run.out, QStringLiteral("verification_code"));
    QCOMPARE(codes.size(), 1);
    QVERIFY(!codes.first().value(u"code").toString().isEmpty());
    QCOMPARE(carol->decider.calls, 1);

    // The verified transfer pinned her: the second time she is a contact.
    run = cliSend(cliDir, QStringLiteral("carol"));
    QVERIFY2(run.exitCode == 0, run.out.constData());
    recipient = events(run.out, QStringLiteral("recipient"));
    QCOMPARE(recipient.size(), 1);
    QVERIFY(!recipient.first().value(u"first_contact").toBool());
    QVERIFY(!recipient.first().contains(u"verification_code"));

    // Mallory calls itself bob; reached by an ID prefix it is refused, and gets nothing.
    run = cliSend(cliDir, QStringLiteral("id:") + mallory->identity.id().toString().left(8));
    QVERIFY2(run.exitCode == 1, run.out.constData());
    const QList<QJsonObject> errors = events(run.out, QStringLiteral("error"));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().value(u"code").toString(), QStringLiteral("namesake"));
    QVERIFY(errors.first().value(u"message").toString().contains(bob->identity.id().toString()));
    QCOMPARE(mallory->decider.calls, 0);
    // "bob" means bob.
    run = cliSend(cliDir, QStringLiteral("bob"));
    QVERIFY2(run.exitCode == 0, run.out.constData());
    QCOMPARE(bob->decider.calls, 1);
    QCOMPARE(mallory->decider.calls, 0);
}

QTEST_GUILESS_MAIN(TestRecipient)
#include "tst_recipient.moc"
