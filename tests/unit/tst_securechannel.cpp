// SPDX-License-Identifier: GPL-3.0-or-later
// SecureChannel: mutual TLS 1.3 on loopback sockets, pinned by DeviceId; a tampering proxy.

#include "support/transfersocketpair.h"

#include "net/security/securechannel.h"
#include "net/security/securestream.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSslCipher>
#include <QTest>

#include <qcorotask.h>

using namespace PunchDrop;
using namespace std::chrono_literals;

class TestSecureChannel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mutualAuthentication();
    void wrongPeerIsRefused();
    void dataFlowsEncrypted();
    void plainPeerTimesOut();
    void closedPeerFailsFast();
    void notConnectedIsAnError();
};

void TestSecureChannel::mutualAuthentication()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(pair.clientResult().peer, pair.serverIdentity().id());
    QCOMPARE(pair.serverResult().peer, pair.clientIdentity().id());
    SecureStream *client = SecureStream::of(pair.client());
    SecureStream *server = SecureStream::of(pair.server());
    QVERIFY(client && client->isEstablished());
    QVERIFY(server && server->isEstablished());
    // Qt's TLS never started: the socket is plain, the stream carries the bytes.
    QVERIFY(!pair.client()->isEncrypted());
    QCOMPARE(client->localId(), pair.clientIdentity().id());
    // AES-128-GCM on a CPU with AES instructions (this machine: AES-NI), else ChaCha20-Poly1305
    // (DeviceIdentity::tls13Ciphersuites); OpenSSL's own default would be AES-256-GCM.
    const QString cipher = client->cipherName();
    QVERIFY2(cipher == QLatin1String("TLS_AES_128_GCM_SHA256")
            || cipher == QLatin1String("TLS_CHACHA20_POLY1305_SHA256"),
        qPrintable(cipher));
    QCOMPARE(server->cipherName(), cipher);
}

void TestSecureChannel::wrongPeerIsRefused()
{
    Test::TransferSocketPair pair;
    const DeviceId someoneElse = DeviceId::fromDigest(QByteArray(32, '\x05'));
    const QString error = pair.secure(someoneElse);
    QVERIFY(!error.isEmpty());
    QVERIFY(!pair.clientResult().ok());
    QVERIFY2(pair.clientResult().error.contains(
                 QStringLiteral("reached device %1, expected %2")
                     .arg(pair.serverIdentity().id().toString(), someoneElse.toString())),
        qPrintable(pair.clientResult().error));
    QCOMPARE(pair.client()->state(), QAbstractSocket::UnconnectedState);
    // Typed: the device reached, for the "unexpected peer" error.
    QVERIFY(pair.clientResult().unexpectedPeer);
    QCOMPARE(pair.clientResult().peer, pair.serverIdentity().id());
}

void TestSecureChannel::dataFlowsEncrypted()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(SecureStream::of(pair.client())->write("ping"));
    // What crosses the wire (Qt buffers it, nobody reads yet): a record (length, ciphertext,
    // tag), never the plaintext.
    QTRY_COMPARE_WITH_TIMEOUT(pair.server()->bytesAvailable(), qint64(4 + 4 + 16), 5000);
    const QByteArray seen = pair.server()->peek(64);
    QCOMPARE(seen.size(), 4 + 4 + 16);
    QVERIFY(!seen.contains("ping"));
    SecureStream *server = SecureStream::of(pair.server());
    QCOMPARE(server->bytesAvailable(), qint64(4));
    char text[8] = {};
    QCOMPARE(server->read(text, sizeof text), qint64(4));
    QCOMPARE(QByteArray(text), QByteArray("ping"));
}

void TestSecureChannel::plainPeerTimesOut()
{
    Test::TransferSocketPair pair;
    QString error = pair.connect();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // The server never starts TLS: the client's handshake ends at its deadline.
    auto task = SecureChannel::handshake(
        *pair.client(), pair.clientIdentity(), SecureChannel::Role::Client, std::nullopt, 300ms);
    const SecureChannel::Result r = QCoro::waitFor(task);
    QVERIFY(!r.ok());
    QVERIFY2(r.error.contains(QStringLiteral("timed out")), qPrintable(r.error));
}

void TestSecureChannel::closedPeerFailsFast()
{
    Test::TransferSocketPair pair;
    QString error = pair.connect();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    pair.server()->write("garbage that is not TLS\r\n\r\n");
    pair.server()->disconnectFromHost();
    QElapsedTimer t;
    t.start();
    auto task = SecureChannel::handshake(
        *pair.client(), pair.clientIdentity(), SecureChannel::Role::Client, std::nullopt, 10s);
    const SecureChannel::Result r = QCoro::waitFor(task);
    QVERIFY(!r.ok());
    QVERIFY2(t.elapsed() < 5000, qPrintable(r.error));
}

void TestSecureChannel::notConnectedIsAnError()
{
    QString error;
    const std::optional<DeviceIdentity> me = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(me);
    QSslSocket socket;
    auto task
        = SecureChannel::handshake(socket, *me, SecureChannel::Role::Server, std::nullopt, 1s);
    const SecureChannel::Result r = QCoro::waitFor(task);
    QVERIFY(!r.ok());
    QVERIFY(r.error.contains(QStringLiteral("not connected")));
}

QTEST_GUILESS_MAIN(TestSecureChannel)
#include "tst_securechannel.moc"
