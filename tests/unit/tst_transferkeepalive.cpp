// SPDX-License-Identifier: GPL-3.0-or-later
// Transfer-level KEEPALIVE over real sockets: a relayed offer answered after the relay's idle
// timeout, a resume whose prefix takes longer to hash than the idle timeout, the capability
// negotiation (a peer that does not announce it never gets one), and an OFFER too large for one
// frame refused up front by the sender.

#include "support/scripteddecider.h"
#include "support/testhelpers.h"
#include "support/testserver.h"
#include "support/transfersocketpair.h"

#include "net/client/relayclient.h"
#include "net/security/securechannel.h"
#include "net/server/relayhub.h"
#include "net/server/rendezvousserver.h"
#include "transfer/builtoffer.h"
#include "transfer/filesink.h"
#include "transfer/incomingtransfer.h"
#include "transfer/offerdecider.h"
#include "transfer/outgoingtransfer.h"
#include "transfer/transferprotocol.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <qcorotask.h>

#include <chrono>
#include <functional>
#include <memory>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {
//! A fresh initiator for each token: these tests are not about the per-device slot share.
RelayOwner anyOwner()
{
    static quint32 seed = 1;
    return {DeviceId::fromDigest(Test::randomBytes(32, seed++)),
        QHostAddress(QStringLiteral("192.0.2.0"))};
}

struct Outcome
{
    TransferResult sent;
    TransferResult received;
    quint64 receiverSentKeepalives = 0;
    quint64 senderGotKeepalives = 0;
    quint64 senderSentKeepalives = 0;
    quint64 receiverGotKeepalives = 0;
    bool receiverSawCapability = false;
};

QString describe(const Outcome &o)
{
    return QStringLiteral("sent: %1 %2 / received: %3 %4")
        .arg(transferErrorName(o.sent.error), o.sent.message, transferErrorName(o.received.error),
            o.received.message);
}

//! Runs \a sender and \a receiver to their ends, with separate timeouts per side.
Outcome runJobs(OutgoingTransfer &sender, IncomingTransfer &receiver,
    const TransferTimeouts &senderTimeouts, const TransferTimeouts &receiverTimeouts)
{
    sender.setTimeouts(senderTimeouts);
    receiver.setTimeouts(receiverTimeouts);
    auto sent = sender.run();
    auto received = receiver.run();
    Outcome out;
    out.sent = QCoro::waitFor(sent);
    out.received = QCoro::waitFor(received);
    out.receiverSentKeepalives = receiver.keepalivesSent();
    out.senderGotKeepalives = sender.keepalivesReceived();
    out.senderSentKeepalives = sender.keepalivesSent();
    out.receiverGotKeepalives = receiver.keepalivesReceived();
    out.receiverSawCapability = receiver.peerAcceptsKeepalive();
    return out;
}

/*!
 * Runs a sender on \a client and a receiver on \a server (both already secured), with
 * separate timeouts per side.
 */
Outcome runTransfer(QSslSocket *client, const DeviceIdentity &clientIdentity, QSslSocket *server,
    const DeviceIdentity &serverIdentity, DeviceId senderId, const QStringList &paths,
    const ReceiveOptions &options, const TransferTimeouts &senderTimeouts,
    const TransferTimeouts &receiverTimeouts)
{
    OutgoingTransfer sender(client, clientIdentity, paths);
    IncomingTransfer receiver(
        server, serverIdentity, std::move(senderId), QStringLiteral("sender-box"), options);
    return runJobs(sender, receiver, senderTimeouts, receiverTimeouts);
}

TransferTimeouts timeouts(std::chrono::milliseconds idle, std::chrono::milliseconds keepalive)
{
    TransferTimeouts t;
    t.hello = 10s;
    t.decision = 30s;
    t.idle = idle;
    t.keepalive = keepalive;
    return t;
}

QCoro::Task<std::pair<RelayJoinResult, RelayJoinResult>> joinBoth(
    quint16 port, QByteArray token, std::chrono::milliseconds timeout)
{
    auto first = RelayClient::join(QStringLiteral("127.0.0.1"), port, token, timeout);
    auto second = RelayClient::join(QStringLiteral("127.0.0.1"), port, token, timeout);
    std::pair<RelayJoinResult, RelayJoinResult> out;
    out.first = co_await std::move(first);
    out.second = co_await std::move(second);
    co_return out;
}

} // namespace

class TestTransferKeepalive : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void relayedOfferAnsweredAfterTheRelayIdleTimeout_data();
    void relayedOfferAnsweredAfterTheRelayIdleTimeout();
    void slowResumeInspection_data();
    void slowResumeInspection();
    void keepaliveOnlyToAPeerThatAnnouncedIt_data();
    void keepaliveOnlyToAPeerThatAnnouncedIt();
    void offerTooLargeForOneFrameIsRefusedUpFront();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_src;
    QString m_dst;
};

void TestTransferKeepalive::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_src = m_tmp->filePath(QStringLiteral("src"));
    m_dst = m_tmp->filePath(QStringLiteral("dst"));
    QVERIFY(QDir().mkpath(m_src));
}

void TestTransferKeepalive::relayedOfferAnsweredAfterTheRelayIdleTimeout_data()
{
    QTest::addColumn<int>("keepaliveMs");
    QTest::addColumn<bool>("succeeds");
    QTest::newRow("keepalives every 200 ms: the relay stays open") << 200 << true;
    // The control: the same session without keepalives is cut by the relay after 1 s of
    // silence while the person decides (the bug this feature fixes).
    QTest::newRow("no keepalives: the relay closes the silent session") << 0 << false;
}

void TestTransferKeepalive::relayedOfferAnsweredAfterTheRelayIdleTimeout()
{
    QFETCH(int, keepaliveMs);
    QFETCH(bool, succeeds);

    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.relay.limits.idleTimeout = 1000ms;
    Test::TestServer rendezvous;
    QString error;
    QVERIFY2(rendezvous.start(config, &error), qPrintable(error));
    const QByteArray token
        = rendezvous->relayHub()->createToken(QStringLiteral("keepalive"), anyOwner());
    auto [a, b] = QCoro::waitFor(joinBoth(rendezvous.port(), token, 5s));
    QVERIFY2(a.socket, qPrintable(a.error));
    QVERIFY2(b.socket, qPrintable(b.error));
    std::unique_ptr<QSslSocket> client(qobject_cast<QSslSocket *>(a.socket.release()));
    std::unique_ptr<QSslSocket> server(qobject_cast<QSslSocket *>(b.socket.release()));
    QVERIFY(client && server);

    const DeviceIdentity senderIdentity = Test::ephemeralIdentity();
    const DeviceIdentity receiverIdentity = Test::ephemeralIdentity();
    auto clientTask = SecureChannel::handshake(
        *client, senderIdentity, SecureChannel::Role::Client, receiverIdentity.id(), 10s);
    auto serverTask = SecureChannel::handshake(
        *server, receiverIdentity, SecureChannel::Role::Server, std::nullopt, 10s);
    const SecureChannel::Result clientSecured = QCoro::waitFor(clientTask);
    const SecureChannel::Result serverSecured = QCoro::waitFor(serverTask);
    QVERIFY2(clientSecured.ok(), qPrintable(clientSecured.error));
    QVERIFY2(serverSecured.ok(), qPrintable(serverSecured.error));

    const QByteArray data = Test::randomBytes(300 * 1024 + 7, 7);
    const QString path = m_src + QStringLiteral("/relayed.bin");
    QVERIFY(Test::writeFile(path, data));
    Test::ScriptedDecider decider(OfferDecision::Accept, 3000ms); // three relay idle timeouts
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const TransferTimeouts t = timeouts(10s, std::chrono::milliseconds(keepaliveMs));
    const Outcome o = runTransfer(client.get(), senderIdentity, server.get(), receiverIdentity,
        serverSecured.peer, {path}, options, t, t);
    QCOMPARE(decider.calls, 1);
    if (succeeds) {
        QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
        QCOMPARE(Test::readFile(m_dst + QStringLiteral("/relayed.bin")), data);
        QVERIFY(o.receiverSawCapability);
        // ~3 s of deciding at 200 ms: about 15 (bounds loose for a loaded machine).
        QVERIFY2(
            o.receiverSentKeepalives >= 5, qPrintable(QString::number(o.receiverSentKeepalives)));
        QCOMPARE(o.senderGotKeepalives, o.receiverSentKeepalives);
    } else {
        QVERIFY2(!o.sent.ok() && !o.received.ok(), qPrintable(describe(o)));
        QCOMPARE(o.receiverSentKeepalives, quint64(0));
        QVERIFY(!QFile::exists(m_dst + QStringLiteral("/relayed.bin")));
    }
}

void TestTransferKeepalive::slowResumeInspection_data()
{
    QTest::addColumn<int>("keepaliveMs");
    QTest::addColumn<bool>("succeeds");
    QTest::newRow("keepalives every 100 ms: resumes") << 100 << true;
    // The control: hashing the held prefix outlasts the sender's idle timeout.
    QTest::newRow("no keepalives: the sender times out") << 0 << false;
}

void TestTransferKeepalive::slowResumeInspection()
{
    QFETCH(int, keepaliveMs);
    QFETCH(bool, succeeds);

    const qint64 size = 6 * 1024 * 1024 + 321;
    const qint64 held = 4 * 1024 * 1024 + 5; // five 1 MiB hash blocks on the receiver
    const QByteArray data = Test::randomBytes(size, 99);
    const QString path = m_src + QStringLiteral("/big.bin");
    QVERIFY(Test::writeFile(path, data));

    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const DeviceId senderId = pair.serverResult().peer;

    // What an interrupted earlier attempt leaves: the part file and its metadata.
    const QString target = m_dst + QStringLiteral("/big.bin");
    PartMeta partMeta;
    partMeta.sender = senderId;
    partMeta.path = QStringLiteral("big.bin");
    partMeta.size = size;
    partMeta.mtimeMs = QFileInfo(path).lastModified().toUTC().toMSecsSinceEpoch();
    const QString part = FileSink::partPathFor(target, partMeta);
    QVERIFY(Test::writeFile(part, data.left(held)));
    const QJsonObject meta {
        {QStringLiteral("sender"), senderId.toString()},
        {QStringLiteral("path"), partMeta.path},
        {QStringLiteral("size"), QString::number(size)},
        {QStringLiteral("mtime"), QString::number(partMeta.mtimeMs)},
    };
    QVERIFY(Test::writeFile(
        FileSink::metaPathFor(part), QJsonDocument(meta).toJson(QJsonDocument::Compact)));

    Test::ScriptedDecider decider(OfferDecision::Accept, 0ms);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    // A slow disk: each 1 MiB block of the prefix takes 250 ms to hash, ~1.25 s in all,
    // against an idle timeout of 600 ms on both sides. The sleep is the slowness under test, on
    // the hashing worker thread; the test itself waits for the transfer's end, not for time.
    auto blocks = std::make_shared<QAtomicInt>(0);
    options.inspectProgress = [blocks](qint64) {
        blocks->fetchAndAddRelaxed(1);
        QThread::msleep(250);
    };
    const TransferTimeouts t = timeouts(600ms, std::chrono::milliseconds(keepaliveMs));
    const Outcome o = runTransfer(pair.client(), pair.clientIdentity(), pair.server(),
        pair.serverIdentity(), senderId, {path}, options, t, t);
    QCOMPARE(blocks->loadRelaxed(), 5);
    if (succeeds) {
        QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
        QCOMPARE(Test::readFile(target), data);
        QCOMPARE(o.sent.files.first().resumedFrom, held);
        QCOMPARE(o.received.files.first().resumedFrom, held);
        QCOMPARE(o.sent.bytesTransferred, size - held);
        QVERIFY2(
            o.receiverSentKeepalives >= 3, qPrintable(QString::number(o.receiverSentKeepalives)));
        QCOMPARE(o.senderGotKeepalives, o.receiverSentKeepalives);
    } else {
        QVERIFY2(!o.sent.ok(), qPrintable(describe(o)));
        QCOMPARE(o.sent.error, TransferError::Timeout);
        QVERIFY(!QFile::exists(target));
    }
}

void TestTransferKeepalive::keepaliveOnlyToAPeerThatAnnouncedIt_data()
{
    QTest::addColumn<bool>("senderAnnounces");
    QTest::newRow("sender announces keepalive: it gets them") << true;
    QTest::newRow("sender does not announce keepalive: it gets none") << false;
}

void TestTransferKeepalive::keepaliveOnlyToAPeerThatAnnouncedIt()
{
    QFETCH(bool, senderAnnounces);
    const QByteArray data = Test::randomBytes(1000, 3);
    const QString path = m_src + QStringLiteral("/small.txt");
    QVERIFY(Test::writeFile(path, data));

    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept, 600ms);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    // The receiver would send every 50 ms; whether it may depends on the sender's HELLO only.
    // (A sender with keepalive 0 stands for an older peer: it does not list the capability,
    // and an older peer would call a 0x0F frame malformed.)
    const Outcome o = runTransfer(pair.client(), pair.clientIdentity(), pair.server(),
        pair.serverIdentity(), pair.serverResult().peer, {path}, options,
        timeouts(10s, senderAnnounces ? 50ms : 0ms), timeouts(10s, 50ms));
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/small.txt")), data);
    QCOMPARE(o.receiverSawCapability, senderAnnounces);
    if (senderAnnounces) {
        QVERIFY2(o.senderGotKeepalives >= 3, qPrintable(QString::number(o.senderGotKeepalives)));
    } else {
        QCOMPARE(o.receiverSentKeepalives, quint64(0));
        QCOMPARE(o.senderGotKeepalives, quint64(0));
    }
    // The sender waited on nothing local (no resume prefix to hash): it sent none.
    QCOMPARE(o.senderSentKeepalives, quint64(0));
    QCOMPARE(o.receiverGotKeepalives, quint64(0));
}

void TestTransferKeepalive::offerTooLargeForOneFrameIsRefusedUpFront()
{
    // Paths of ~3.5 KB make the 16 MiB OFFER limit reachable with a few thousand files
    // (with short paths it takes ~250 000): 14 nested folders of 250-character names.
    QString deep = m_src + QStringLiteral("/r");
    for (int level = 0; level < 14; ++level)
        deep += QLatin1Char('/') + QString(250, QLatin1Char('a' + level));
    QVERIFY(QDir().mkpath(deep));
    constexpr int kFiles = 4900;
    for (int i = 0; i < kFiles; ++i) {
        QFile f(deep + QStringLiteral("/f%1").arg(i));
        QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(f.errorString()));
    }
    const int items = kFiles + 15; // the files, "r" and its 14 folders

    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept, 0ms);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const TransferTimeouts t = timeouts(10s, 15s);
    // Built before the session, as TransferEngine does: the receiver's HELLO wait must not
    // depend on how long walking 4 900 files takes (over 10 s in an ASan build).
    BuiltOffer built = BuiltOffer::build({m_src + QStringLiteral("/r")});
    QVERIFY(built.tooLarge);
    OutgoingTransfer sender(pair.client(), pair.clientIdentity(), std::move(built));
    IncomingTransfer receiver(pair.server(), pair.serverIdentity(), pair.serverResult().peer,
        QStringLiteral("sender-box"), options);
    const Outcome o = runJobs(sender, receiver, t, t);
    QCOMPARE(o.sent.error, TransferError::Protocol);
    QVERIFY2(o.sent.message.contains(QStringLiteral("too many files to send at once")),
        qPrintable(o.sent.message));
    QVERIFY2(o.sent.message.contains(QStringLiteral("%1 items (%2 files)").arg(items).arg(kFiles)),
        qPrintable(o.sent.message));
    QVERIFY2(o.sent.message.contains(QString::number(Transfer::kMaxFrameLength)),
        qPrintable(o.sent.message));
    QVERIFY2(!o.sent.message.contains(QStringLiteral("malformed")), qPrintable(o.sent.message));
    // The receiver learns why from the sender's ERROR, and was never asked.
    QCOMPARE(o.received.error, TransferError::Protocol);
    QVERIFY2(o.received.message.contains(QStringLiteral("too many files to send at once")),
        qPrintable(o.received.message));
    QCOMPARE(decider.calls, 0);
    QVERIFY(!QDir(m_dst).exists() || QDir(m_dst).isEmpty());
}

QTEST_GUILESS_MAIN(TestTransferKeepalive)
#include "tst_transferkeepalive.moc"
