// SPDX-License-Identifier: GPL-3.0-or-later
// One running client per config directory: a second process with the same identity is refused
// before it reaches the server, and a lock left by a killed process is taken over.
#include "core/configdir.h"
#include "core/instancelock.h"
#include "net/server/rendezvousserver.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

class TestInstanceLock : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void secondLockInProcessFails();
    void secondProcessIsRefusedAndDeadOwnerIsTakenOver();
};

void TestInstanceLock::secondLockInProcessFails()
{
    QTemporaryDir root;
    const ConfigDir dir(root.filePath(QStringLiteral("config")));
    QString error;
    auto first = InstanceLock::acquire(dir, &error);
    QVERIFY2(first, qPrintable(error));
    QVERIFY(QFile::exists(dir.filePath(InstanceLock::fileName())));

    error.clear();
    QVERIFY(!InstanceLock::acquire(dir, &error));
    QVERIFY2(error.contains(u"already running") && error.contains(dir.path())
            && error.contains(QString::number(QCoreApplication::applicationPid())),
        qPrintable(error));

    first.reset(); // released: the next one gets it
    QVERIFY2(InstanceLock::acquire(dir, &error), qPrintable(error));

    // Another directory is another device: independent.
    const ConfigDir other(root.filePath(QStringLiteral("other")));
    auto a = InstanceLock::acquire(dir, &error);
    auto b = InstanceLock::acquire(other, &error);
    QVERIFY(a && b);
}

void TestInstanceLock::secondProcessIsRefusedAndDeadOwnerIsTakenOver()
{
    QVERIFY(!Test::punchdropBinary().isEmpty());
    QString error;
    Test::TestServer server;
    QVERIFY2(server.start(Test::loopbackServerConfig(), &error), qPrintable(error));
    const QString serverArg = server.address();

    QTemporaryDir root;
    const QString configDir = root.filePath(QStringLiteral("config"));
    QProcess first;
    first.setProcessChannelMode(QProcess::SeparateChannels);
    first.start(Test::punchdropBinary(),
        {QStringLiteral("receive"), QStringLiteral("--server"), serverArg,
            QStringLiteral("--config-dir"), configDir, QStringLiteral("--dir"),
            root.filePath(QStringLiteral("in")), QStringLiteral("--json")});
    QByteArray out;
    QVERIFY(QTest::qWaitFor(
        [&] {
            out += first.readAllStandardOutput();
            return out.contains("\"registered\"") || first.state() == QProcess::NotRunning;
        },
        20000));
    QVERIFY2(first.state() == QProcess::Running, out.constData());
    QTRY_COMPARE_WITH_TIMEOUT(server->registeredCount(), 1, 5000);

    int joins = 0;
    connect(server.get(), &RendezvousServer::clientRegistered, this, [&joins] { ++joins; });
    const Test::ProcessResult second = Test::runPunchdrop(
        {QStringLiteral("peers"), QStringLiteral("--server"), serverArg,
            QStringLiteral("--config-dir"), configDir, QStringLiteral("--json")},
        20000);
    QVERIFY(second.finished);
    QCOMPARE(second.exitCode, 1);
    QVERIFY2(second.out.contains("\"already-running\"") && second.out.contains("already running"),
        second.out.constData());
    // It never reached the server, so the first one was not replaced.
    QCOMPARE(joins, 0);
    QCOMPARE(server->registeredCount(), 1);
    QCOMPARE(first.state(), QProcess::Running);

    first.kill(); // SIGKILL: no chance to remove its lock file
    QVERIFY(first.waitForFinished(10000));
    QVERIFY(QFile::exists(ConfigDir(configDir).filePath(InstanceLock::fileName())));
    auto taken = InstanceLock::acquire(ConfigDir(configDir), &error);
    QVERIFY2(taken, qPrintable(error));
}

QTEST_GUILESS_MAIN(TestInstanceLock)
#include "tst_instancelock.moc"
