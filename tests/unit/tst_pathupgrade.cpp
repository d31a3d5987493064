// SPDX-License-Identifier: GPL-3.0-or-later
// A relayed transfer moves to a direct path while it runs (issue 16, part 2). Two real
// TransferEngines and a real rendezvous server on loopback: the first punch is made to fail (a
// 1 ms deadline), so the session starts on the relay, whose rate cap keeps it running; the
// sender's engine then asks for a direct path for that session, both peers punch (with the
// ordinary deadline), and the session moves onto it with MOVE. The file arrives once, verified;
// most of it went direct; both sides report the new path. With --no-upgrade on the receiver
// (it does not announce "move") the session stays relayed to the end.
// The NAT-lab case "upgrade" shows the same across real NATs with a firewall rule lifted.

#include "support/scripteddecider.h"
#include "support/testserver.h"

#include "core/configdir.h"
#include "net/security/deviceidentity.h"
#include "net/server/rendezvousserver.h"
#include "transfer/transferengine.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace std::chrono_literals;

class TestPathUpgrade : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relayedTransferMovesToADirectPath_data();
    void relayedTransferMovesToADirectPath();

private:
    QTemporaryDir m_tmp;
};

void TestPathUpgrade::relayedTransferMovesToADirectPath_data()
{
    QTest::addColumn<bool>("receiverMoves");
    QTest::newRow("both move") << true;
    QTest::newRow("the receiver has --no-upgrade") << false;
}

void TestPathUpgrade::relayedTransferMovesToADirectPath()
{
    QFETCH(bool, receiverMoves);
    QString error;
    const auto alice = DeviceIdentity::generateEphemeral(&error);
    const auto bob = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(alice && bob);
    // 4 MiB/s through the relay: a 32 MiB file would take 8 s there. The move comes after
    // about 0.5 s, but what the sender had already handed to TCP by then still goes the
    // relay's way (on loopback the socket buffers hold several MiB): that is "in flight".
    constexpr qint64 kRate = 4 * 1024 * 1024;
    RendezvousServerConfig serverConfig = Test::loopbackServerConfig();
    serverConfig.relay.limits.rateBytesPerSecond = kRate;
    Test::TestServer server;
    QVERIFY(server.start(serverConfig, &error));

    const QString base = m_tmp.filePath(receiverMoves ? u"moves"_qs : u"stays"_qs);
    QVERIFY(QDir().mkpath(base + u"/send"_qs));
    const QString file = base + u"/send/big.bin"_qs;
    QByteArray content(32 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < content.size(); ++i)
        content[i] = char((i * 2654435761u) >> 13);
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(content), content.size());
    }
    auto config = [&](const QString &name) {
        EngineConfig c;
        c.serverHost = QStringLiteral("127.0.0.1");
        c.serverPort = server.port();
        c.displayName = name;
        c.downloadDir = base + u"/dl-"_qs + name;
        c.probeNat = false;
        c.portMapping = false;
        c.useContacts = false;
        c.transferTimeouts.idle = 15s;
        c.timings.punch.deadline = 1ms; // the first punch fails: the session starts relayed
        c.timings.punch.selectGrace = 200ms;
        c.timings.upgradeFirst = 300ms;
        c.timings.upgradePunchDeadline = 3000ms;
        return c;
    };
    EngineConfig receiverConfig = config(u"bob"_qs);
    receiverConfig.upgrade = receiverMoves;
    TransferEngine sender(*alice, ConfigDir(base + u"/conf-alice"_qs), config(u"alice"_qs));
    TransferEngine receiver(*bob, ConfigDir(base + u"/conf-bob"_qs), receiverConfig);
    Test::ScriptedDecider accept;
    receiver.setOfferDecider(&accept);
    QSignalSpy sentSpy(&sender, &TransferEngine::transferFinished);
    QSignalSpy receivedSpy(&receiver, &TransferEngine::transferFinished);
    QSignalSpy senderPaths(&sender, &TransferEngine::pathEstablished);
    QSignalSpy receiverPaths(&receiver, &TransferEngine::pathEstablished);
    QVERIFY2(sender.start(&error), qPrintable(error));
    QVERIFY2(receiver.start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(
        sender.controlClient()->isRegistered() && receiver.controlClient()->isRegistered(), 10000);

    sender.send(bob->id(), {file}, ConnectMode::Auto);
    QTRY_VERIFY_WITH_TIMEOUT(!sentSpy.isEmpty() && !receivedSpy.isEmpty(), 30000);
    const auto sent = sentSpy.first().at(1).value<TransferResult>();
    const auto received = receivedSpy.first().at(1).value<TransferResult>();
    QVERIFY2(sent.allVerified(), qPrintable(sent.message));
    QVERIFY2(received.allVerified(), qPrintable(received.message));
    QFile got(receiverConfig.downloadDir + u"/big.bin"_qs);
    QVERIFY(got.open(QIODevice::ReadOnly));
    QVERIFY(got.readAll() == content);

    // Every file byte went exactly once, over one path or the other.
    QCOMPARE(sent.relayBytes + sent.directBytes, content.size());
    QCOMPARE(received.relayBytes + received.directBytes, content.size());
    QCOMPARE(sent.relayBytes, received.relayBytes);
    qInfo("relayed %lld, direct %lld of %lld bytes", sent.relayBytes, sent.directBytes,
        qint64(content.size()));
    const auto first = senderPaths.first().at(1).value<PathReport>();
    QCOMPARE(first.path, PathKind::Relayed);
    if (!receiverMoves) {
        QCOMPARE(senderPaths.size(), 1);
        QCOMPARE(sent.directBytes, 0);
        return;
    }
    // A second path event on both sides: Relayed → direct.
    QCOMPARE(senderPaths.size(), 2);
    const auto moved = senderPaths.at(1).at(1).value<PathReport>();
    QCOMPARE(moved.upgradedFrom, PathKind::Relayed);
    QCOMPARE(moved.path, PathKind::DirectPunch);
    QTRY_COMPARE_WITH_TIMEOUT(receiverPaths.size(), 2, 5000);
    QCOMPARE(receiverPaths.at(1).at(1).value<PathReport>().upgradedFrom, PathKind::Relayed);
    // The relay carried well under half: what went before the move and what was in flight.
    QVERIFY2(sent.relayBytes < content.size() / 2,
        qPrintable(
            QStringLiteral("relayed %1 of %2 bytes").arg(sent.relayBytes).arg(content.size())));
    QVERIFY(sent.directBytes > 0);
}

QTEST_GUILESS_MAIN(TestPathUpgrade)
#include "tst_pathupgrade.moc"
