// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12 (earlier open item): the sender builds its offer — a walk of every folder it sends —
// before it connects. Once connected, the receiver waits at most TransferTimeouts::hello (30 s)
// for HELLO and OFFER; a walk of a big tree inside that wait made large sends fail for no reason.
// Observable order: a send of a path that does not exist fails with "does not exist"
// (ReadFailed) before any connection attempt, not with the connection error the attempt would
// give first (here: no server, no LAN, so the peer is unreachable).

#include "support/testhelpers.h"

#include "core/configdir.h"
#include "transfer/transferengine.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace PunchDrop;

class TestOfferBeforeConnect : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void unreadableSourceFailsBeforeConnecting();
};

void TestOfferBeforeConnect::unreadableSourceFailsBeforeConnecting()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    EngineConfig config; // no server, no LAN: every connection attempt fails at once
    config.displayName = QStringLiteral("alice");
    config.downloadDir = tmp.filePath(QStringLiteral("dl"));
    config.useContacts = false;
    TransferEngine engine(
        Test::ephemeralIdentity(), ConfigDir(tmp.filePath(QStringLiteral("conf"))), config);
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    std::optional<TransferResult> result;
    quint64 finishedId = 0;
    connect(
        &engine, &TransferEngine::transferFinished, this, [&](quint64 id, const TransferResult &r) {
            finishedId = id;
            result = r;
        });
    QSignalSpy paths(&engine, &TransferEngine::pathEstablished);

    const QString missing = tmp.filePath(QStringLiteral("no such folder"));
    const DeviceId somebody = Test::ephemeralIdentity().id();
    const quint64 id = engine.send(somebody, {missing});
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 10000);
    QCOMPARE(finishedId, id);
    QCOMPARE(result->error, TransferError::ReadFailed);
    QVERIFY2(
        result->message.contains(QStringLiteral("does not exist")), qPrintable(result->message));
    QCOMPARE(paths.size(), 0); // no connection was made
    QCOMPARE(engine.snapshot(id).state, TransferSnapshot::State::Failed);
}

QTEST_GUILESS_MAIN(TestOfferBeforeConnect)
#include "tst_offerbeforeconnect.moc"
