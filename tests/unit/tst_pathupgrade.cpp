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
#include "transfer/transferjob.h"

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
    void lostDirectPathFallsBackToTheRelay_data();
    void lostDirectPathFallsBackToTheRelay();

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

void TestPathUpgrade::lostDirectPathFallsBackToTheRelay_data()
{
    QTest::addColumn<bool>("senderCuts");
    QTest::addColumn<bool>("receiverRejoins");
    QTest::newRow("the sender's connection dies") << true << true;
    QTest::newRow("the receiver's connection dies") << false << true;
    QTest::newRow("the receiver has --no-upgrade") << true << false;
}

// A direct transfer whose connection dies mid-file (part 2c): the sender asks the server for
// the relay for the same session, both sides exchange REJOIN on it, and the transfer goes on
// from what the receiver holds: the small file already verified is not sent again, the big
// one continues at its offset, the files after it follow; every file arrives once, verified.
void TestPathUpgrade::lostDirectPathFallsBackToTheRelay()
{
    QFETCH(bool, senderCuts);
    QFETCH(bool, receiverRejoins);
    QString error;
    const auto alice = DeviceIdentity::generateEphemeral(&error);
    const auto bob = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(alice && bob);
    Test::TestServer server;
    QVERIFY(server.start(Test::loopbackServerConfig(), &error));

    const QString base = m_tmp.filePath(QStringLiteral("fallback-%1-%2")
                                            .arg(senderCuts ? u"sender"_qs : u"receiver"_qs)
                                            .arg(receiverRejoins ? u"rejoins"_qs : u"stays"_qs));
    QVERIFY(QDir().mkpath(base + u"/send"_qs));
    auto make = [&](const QString &name, qint64 size, quint32 seed) {
        QByteArray bytes(size, Qt::Uninitialized);
        for (qsizetype i = 0; i < bytes.size(); ++i)
            bytes[i] = char(((i + seed) * 2654435761u) >> 13);
        QFile f(base + u"/send/"_qs + name);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != size)
            return QByteArray();
        return bytes;
    };
    // 128 MiB: on loopback the direct path needs a few hundred ms, so the cut at the
    // receiver's first progress report (100 ms after the data began) lands mid-file.
    const QList<std::pair<QString, QByteArray>> files {
        {u"a-first.txt"_qs, make(u"a-first.txt"_qs, 10000, 1)},
        {u"b-big.bin"_qs, make(u"b-big.bin"_qs, 128 * 1024 * 1024, 2)},
        {u"c-after.txt"_qs, make(u"c-after.txt"_qs, 20000, 3)},
        {u"d-last.bin"_qs, make(u"d-last.bin"_qs, 3 * 1024 * 1024, 4)},
    };
    QStringList paths;
    qint64 total = 0;
    for (const auto &[name, bytes] : files) {
        QVERIFY(!bytes.isEmpty());
        paths << base + u"/send/"_qs + name;
        total += bytes.size();
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
        c.transferTimeouts.rejoin = 10s;
        c.timings.upgradeFirst = 60s; // no path upgrade back to direct within the test
        return c;
    };
    EngineConfig receiverConfig = config(u"bob"_qs);
    receiverConfig.upgrade = receiverRejoins;
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

    // The cut: at the receiver's first report of file bytes, one side's connection is aborted.
    bool cut = false;
    qint64 cutAt = 0;
    connect(&receiver, &TransferEngine::transferUpdated, this, [&](const TransferSnapshot &s) {
        if (cut || s.state != TransferSnapshot::State::Transferring || s.bytesDone <= 20000)
            return;
        TransferEngine &side = senderCuts ? sender : receiver;
        const auto *job = side.findChild<TransferJob *>();
        if (!job || !job->channel().connection())
            return;
        cut = true;
        cutAt = s.bytesDone;
        job->channel().connection()->abort();
    });
    sender.send(bob->id(), paths, ConnectMode::Auto);
    QTRY_VERIFY_WITH_TIMEOUT(!sentSpy.isEmpty() && !receivedSpy.isEmpty(), 60000);
    QVERIFY(cut);
    const auto sent = sentSpy.first().at(1).value<TransferResult>();
    const auto received = receivedSpy.first().at(1).value<TransferResult>();
    const auto first = senderPaths.first().at(1).value<PathReport>();
    QCOMPARE(first.path, PathKind::DirectPunch);
    if (!receiverRejoins) {
        // Without "rejoin" on both sides a lost connection ends the session, as before.
        QCOMPARE(sent.error, TransferError::Network);
        QCOMPARE(senderPaths.size(), 1);
        return;
    }
    QVERIFY2(sent.allVerified(), qPrintable(sent.message));
    QVERIFY2(received.allVerified(), qPrintable(received.message));
    QCOMPARE(received.files.size(), files.size());
    for (const auto &[name, bytes] : files) {
        QFile got(receiverConfig.downloadDir + u"/"_qs + name);
        QVERIFY2(got.open(QIODevice::ReadOnly), qPrintable(name));
        QVERIFY2(got.readAll() == bytes, qPrintable(name));
        // Nothing arrived twice under another name.
        QVERIFY(!QFile::exists(receiverConfig.downloadDir + u"/"_qs + name + u" (1)"_qs));
    }
    // A second path event on both sides: direct → relay.
    QCOMPARE(senderPaths.size(), 2);
    const auto fell = senderPaths.at(1).at(1).value<PathReport>();
    QCOMPARE(fell.downgradedFrom, PathKind::DirectPunch);
    QCOMPARE(fell.path, PathKind::Relayed);
    QTRY_COMPARE_WITH_TIMEOUT(receiverPaths.size(), 2, 5000);
    QCOMPARE(receiverPaths.at(1).at(1).value<PathReport>().downgradedFrom, PathKind::DirectPunch);
    // The receiver's bytes: each once, over one path or the other. The sender may have written
    // more to the dead connection than arrived (in flight, sent again over the relay).
    QCOMPARE(received.relayBytes + received.directBytes, total);
    QVERIFY(received.directBytes >= cutAt - 20000);
    QVERIFY(received.relayBytes > 0);
    QVERIFY(sent.relayBytes + sent.directBytes >= total);
    qInfo("cut at %lld; received direct %lld, relayed %lld; sent direct %lld, relayed %lld", cutAt,
        received.directBytes, received.relayBytes, sent.directBytes, sent.relayBytes);
}

QTEST_GUILESS_MAIN(TestPathUpgrade)
#include "tst_pathupgrade.moc"
