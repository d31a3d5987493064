// SPDX-License-Identifier: GPL-3.0-or-later
// What the server sees of a relayed transfer. A recording proxy sits in front of a real
// rendezvous server (control connections and relay joins both go through it), two real
// TransferEngines send a file through the relay: the recorded bytes must not contain a marker
// string from the file. With the proxy flipping one byte of the relayed stream, the transfer must
// fail and no file may appear under its final name.

#include "support/scripteddecider.h"
#include "support/testserver.h"

#include "core/configdir.h"
#include "net/security/deviceidentity.h"
#include "net/server/rendezvousserver.h"
#include "transfer/offerdecider.h"
#include "transfer/transferengine.h"
#include "transfer/transferjob.h"

#include <QDir>
#include <QFile>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! Forwards every connection to the server and records all bytes, both ways.
class RecordingProxy : public QObject
{
public:
    RecordingProxy(quint16 serverPort, qint64 flipRelayByteAt)
        : m_serverPort(serverPort)
        , m_flipAt(flipRelayByteAt)
    {
        m_listener.listen(QHostAddress::LocalHost, 0);
        connect(&m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_listener.nextPendingConnection())
                pipe(client);
        });
    }
    quint16 port() const { return m_listener.serverPort(); }
    QByteArray recorded;
    int flipped = 0;

private:
    void pipe(QTcpSocket *client)
    {
        auto *server = new QTcpSocket(client);
        server->connectToHost(QHostAddress::LocalHost, m_serverPort);
        auto forwarded = std::make_shared<qint64>(0);
        auto isRelay = std::make_shared<std::optional<bool>>();
        connect(client, &QTcpSocket::readyRead, server, [this, client, server, forwarded, isRelay] {
            QByteArray data = client->readAll();
            if (!isRelay->has_value() && !data.isEmpty())
                *isRelay = data.startsWith("PDRL"); // a relay join, not a TLS control connection
            // One byte, on the first relayed connection that carries that far: the connection
            // that replaces it (a rejoin) is left alone.
            if (**isRelay && flipped == 0 && m_flipAt >= 0 && *forwarded <= m_flipAt
                && m_flipAt < *forwarded + data.size()) {
                data[m_flipAt - *forwarded] = char(data[m_flipAt - *forwarded] ^ 0x01);
                ++flipped;
            }
            *forwarded += data.size();
            recorded += data;
            server->write(data);
        });
        connect(server, &QTcpSocket::readyRead, client, [this, client, server] {
            const QByteArray data = server->readAll();
            recorded += data;
            client->write(data);
        });
        connect(client, &QTcpSocket::disconnected, server, &QTcpSocket::disconnectFromHost);
        connect(server, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
    }

    QTcpServer m_listener;
    quint16 m_serverPort;
    qint64 m_flipAt;
};

const QByteArray kMarker("PUNCHDROP-PLAINTEXT-MARKER-7f3a9c");

} // namespace

class TestRelayPrivacy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relaySeesOnlyCiphertext();
    void flippedByteAtTheRelayLeavesNoFile();
    void flippedByteAtTheRelayCostsOnlyTheConnection();

private:
    struct Outcome
    {
        TransferResult sent;
        TransferResult received;
        QString downloadDir;
        QByteArray recorded;
        int flipped = 0;
    };
    //! \a rejoin: the engines carry a session over a new connection (the default); false:
    //! --no-upgrade, a lost connection ends the session.
    Outcome relayTransfer(const QByteArray &content, qint64 flipAt, bool rejoin = true);
    QTemporaryDir m_tmp;
};

TestRelayPrivacy::Outcome TestRelayPrivacy::relayTransfer(
    const QByteArray &content, qint64 flipAt, bool rejoin)
{
    Outcome outcome;
    QString error;
    const auto alice = DeviceIdentity::generateEphemeral(&error);
    const auto bob = DeviceIdentity::generateEphemeral(&error);
    if (!alice || !bob)
        return outcome;
    Test::TestServer server;
    if (!server.start())
        return outcome;
    RecordingProxy proxy(server.port(), flipAt);

    const QString base
        = m_tmp.filePath(QString::number(flipAt) + (rejoin ? u"-rejoin"_qs : u"-once"_qs));
    QDir().mkpath(base + QStringLiteral("/send"));
    const QString file = base + QStringLiteral("/send/secret.bin");
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        return outcome;
    f.write(content);
    f.close();

    auto config = [&](const QString &name) {
        EngineConfig c;
        c.serverHost = QStringLiteral("127.0.0.1");
        c.serverPort = proxy.port();
        c.displayName = name;
        c.downloadDir = base + QStringLiteral("/dl-") + name;
        c.probeNat = false; // no STUN behind the proxy
        c.useContacts = false;
        c.transferTimeouts.idle = 10s;
        c.upgrade = rejoin;
        return c;
    };
    TransferEngine sender(
        *alice, ConfigDir(base + QStringLiteral("/conf-alice")), config(QStringLiteral("alice")));
    TransferEngine receiver(
        *bob, ConfigDir(base + QStringLiteral("/conf-bob")), config(QStringLiteral("bob")));
    Test::ScriptedDecider accept;
    receiver.setOfferDecider(&accept);
    QSignalSpy sentSpy(&sender, &TransferEngine::transferFinished);
    QSignalSpy receivedSpy(&receiver, &TransferEngine::transferFinished);
    if (!sender.start(&error) || !receiver.start(&error))
        return outcome;
    if (!QTest::qWaitFor(
            [&] {
                return sender.controlClient()->isRegistered()
                    && receiver.controlClient()->isRegistered()
                    && !sender.controlClient()->peers().isEmpty();
            },
            10000))
        return outcome;
    sender.send(bob->id(), {file}, ConnectMode::RelayOnly);
    static_cast<void>(
        QTest::qWaitFor([&] { return !sentSpy.isEmpty() && !receivedSpy.isEmpty(); }, 30000));
    // The engines close their connections gracefully after the result (up to 3 s each, for
    // the last frames): their jobs go once that is done. Engines destroyed before would leave
    // those closing coroutines suspended (LeakSanitizer).
    static_cast<void>(QTest::qWaitFor(
        [&] { return !sender.findChild<TransferJob *>() && !receiver.findChild<TransferJob *>(); },
        10000));
    if (!sentSpy.isEmpty())
        outcome.sent = sentSpy.first().at(1).value<TransferResult>();
    if (!receivedSpy.isEmpty())
        outcome.received = receivedSpy.first().at(1).value<TransferResult>();
    outcome.downloadDir = config(QStringLiteral("bob")).downloadDir;
    outcome.recorded = proxy.recorded;
    outcome.flipped = proxy.flipped;
    return outcome;
}

void TestRelayPrivacy::relaySeesOnlyCiphertext()
{
    QByteArray content;
    while (content.size() < 2 * 1024 * 1024)
        content += kMarker + QByteArray::number(content.size()) + '\n';
    const Outcome o = relayTransfer(content, -1);
    QVERIFY2(o.sent.allVerified(), qPrintable(o.sent.message));
    QVERIFY2(o.received.allVerified(), qPrintable(o.received.message));
    QFile got(o.downloadDir + QStringLiteral("/secret.bin"));
    QVERIFY(got.open(QIODevice::ReadOnly));
    QCOMPARE(got.readAll(), content);
    // Everything went through the proxy in front of the server: more than the file itself …
    QVERIFY(o.recorded.size() > content.size());
    // … and none of it in the clear.
    QVERIFY(!o.recorded.contains(kMarker));
    QVERIFY(!o.recorded.contains("PUNCHDROP-PLAINTEXT"));
}

void TestRelayPrivacy::flippedByteAtTheRelayLeavesNoFile()
{
    // Without "rejoin" (--no-upgrade) the session ends with the tampered connection.
    QByteArray content(1024 * 1024, '\0');
    for (int i = 0; i < content.size(); ++i)
        content[i] = char((i * 131) ^ (i >> 7));
    const Outcome o = relayTransfer(content, 300 * 1024, false);
    QCOMPARE(o.flipped, 1);
    QVERIFY(!o.sent.allVerified());
    QVERIFY(!o.received.allVerified());
    QVERIFY(!o.received.ok());
    QVERIFY(!QFile::exists(o.downloadDir + QStringLiteral("/secret.bin")));
}

void TestRelayPrivacy::flippedByteAtTheRelayCostsOnlyTheConnection()
{
    // With "rejoin" (the default) the record that fails authentication ends the connection, not
    // the session: the sender asks for a new relay connection and the transfer goes on from
    // what the receiver holds, every byte of which TLS authenticated. The file arrives intact
    // and verified; the tampered bytes are never written.
    QByteArray content(1024 * 1024, '\0');
    for (int i = 0; i < content.size(); ++i)
        content[i] = char((i * 131) ^ (i >> 7));
    const Outcome o = relayTransfer(content, 300 * 1024, true);
    QCOMPARE(o.flipped, 1);
    QVERIFY2(o.sent.allVerified(), qPrintable(o.sent.message));
    QVERIFY2(o.received.allVerified(), qPrintable(o.received.message));
    QFile got(o.downloadDir + QStringLiteral("/secret.bin"));
    QVERIFY(got.open(QIODevice::ReadOnly));
    QCOMPARE(got.readAll(), content);
    QVERIFY(o.received.relayBytes == content.size());
}

QTEST_GUILESS_MAIN(TestRelayPrivacy)
#include "tst_relayprivacy.moc"
