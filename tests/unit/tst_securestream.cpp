// SPDX-License-Identifier: GPL-3.0-or-later
// SecureStream, the transfer's data link, on real loopback sockets: records of the negotiated
// suite's AEAD round trip (split above 512 KiB), and what a hostile byte stream gets: a length
// out of range, a replayed or reordered record, a truncated record at the close, an older peer
// that runs Qt's TLS stream without ALPN (both roles). A record that trickles in wakes the
// reader once it is whole (Linux), and the peer's close still wakes it before that.

#include "net/security/securechannel.h"
#include "net/security/securestream.h"
#include "support/transfersocketpair.h"

#include <QDeadlineTimer>
#include <QSignalSpy>
#include <QTest>
#include <QtEndian>

#include <qcorotask.h>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

constexpr qint64 kOverhead = RecordCipher::kLengthSize + RecordCipher::kTagSize;

QByteArray pattern(qsizetype size, int seed)
{
    QByteArray out(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        out[i] = char((i * 7 + seed * 13 + (i >> 11)) & 0xff);
    return out;
}

//! Reads \a size plaintext bytes from \a stream (bounded wait); what arrived on failure.
QByteArray readExactly(SecureStream &stream, qsizetype size)
{
    QByteArray out;
    QDeadlineTimer deadline(10000);
    while (out.size() < size && !deadline.hasExpired() && !stream.hasFailed()) {
        const qint64 n = stream.bytesAvailable();
        if (n > 0) {
            const qsizetype at = out.size();
            out.resize(at + qMin<qsizetype>(qsizetype(n), size - at));
            stream.read(out.data() + at, out.size() - at);
        } else {
            QTest::qWait(2);
        }
    }
    return out;
}

//! Waits until \a socket has \a size raw bytes buffered.
bool waitBuffered(QAbstractSocket *socket, qint64 size)
{
    return QTest::qWaitFor([&] { return socket->bytesAvailable() >= size; }, 5000);
}

} // namespace

class TestSecureStream : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTripInRecords();
    void bodyIsHandedOverWhole();
    void lengthOutOfRangeFailsAtOnce();
    void replayedRecordFails();
    void truncatedRecordIsNotDelivered();
    void aRecordInPiecesWakesTheReaderOnce();
    void olderServerIsNamed();
    void olderClientIsRefused();
};

void TestSecureStream::roundTripInRecords()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    SecureStream *client = SecureStream::of(pair.client());
    SecureStream *server = SecureStream::of(pair.server());
    QVERIFY(client && server);

    // A DATA-sized record (head + 256 KiB), sealed from two pieces: one record on the wire.
    const QByteArray head("HEAD!");
    const QByteArray chunk = pattern(256 * 1024, 1);
    QVERIFY(client->write(head, chunk));
    QVERIFY(waitBuffered(pair.server(), head.size() + chunk.size() + kOverhead));
    QCOMPARE(pair.server()->bytesAvailable(), head.size() + chunk.size() + kOverhead);
    QCOMPARE(readExactly(*server, head.size() + chunk.size()), head + chunk);

    // Longer than a record may be: split into records, delivered in order.
    const QByteArray big = pattern(SecureStream::kMaxPlaintext + 1000, 2);
    QVERIFY(client->write(big));
    QCOMPARE(readExactly(*server, big.size()), big);
    // And the other way.
    QVERIFY(server->write("pong"));
    QCOMPARE(readExactly(*client, 4), QByteArray("pong"));
    QVERIFY(!client->hasFailed() && !server->hasFailed());
    // Nagle off on both ends (read back from the kernel): every write is a whole record, and a
    // small one must not wait ~40 ms for the peer's delayed ACK.
    QCOMPARE(pair.client()->socketOption(QAbstractSocket::LowDelayOption).toInt(), 1);
    QCOMPARE(pair.server()->socketOption(QAbstractSocket::LowDelayOption).toInt(), 1);
}

void TestSecureStream::bodyIsHandedOverWhole()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    SecureStream *client = SecureStream::of(pair.client());
    SecureStream *server = SecureStream::of(pair.server());
    int taken = 0;
    QList<qsizetype> given;
    server->setBodyBuffers(
        5,
        [&taken](qsizetype size) {
            ++taken;
            return QByteArray(size, Qt::Uninitialized);
        },
        [&given](QByteArray &&buffer) { given.append(buffer.size()); });

    // One frame per record: the head is read, the body taken whole (no copy).
    const QByteArray chunk = pattern(256 * 1024, 4);
    QVERIFY(client->write("HEAD!", chunk));
    QCOMPARE(readExactly(*server, 5), QByteArray("HEAD!"));
    QCOMPARE(taken, 1);
    QVERIFY(server->takeBody(chunk.size() - 1).isNull()); // not the size the reader expects
    const QByteArray body = server->takeBody(chunk.size());
    QCOMPARE(body, chunk);
    QCOMPARE(server->bytesAvailable(), qint64(0));

    // A reader that copies instead: bytes across the head/body border, then the buffer goes
    // back to its owner.
    QVERIFY(client->write("head!", pattern(1000, 5)));
    QCOMPARE(readExactly(*server, 7), QByteArray("head!") + pattern(1000, 5).left(2));
    QVERIFY(server->takeBody(998).isNull()); // partly read: only read() serves it now
    QCOMPARE(readExactly(*server, 998), pattern(1000, 5).mid(2));
    QCOMPARE(given, QList<qsizetype> {1000});
    // Records no longer than the head stay in place.
    QVERIFY(client->write("abc"));
    QCOMPARE(readExactly(*server, 3), QByteArray("abc"));
    QCOMPARE(taken, 2);
    QVERIFY(!server->hasFailed());
}

void TestSecureStream::lengthOutOfRangeFailsAtOnce()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    SecureStream *server = SecureStream::of(pair.server());
    QSignalSpy failed(server, &SecureStream::failed);
    // Only the 4 length bytes: 1 MiB, over the 512 KiB limit. Refused before any more arrive.
    QByteArray length(4, '\0');
    qToBigEndian(quint32(1024 * 1024), length.data());
    pair.client()->write(length);
    QVERIFY(waitBuffered(pair.server(), 4));
    QCOMPARE(server->bytesAvailable(), qint64(0));
    QVERIFY(server->hasFailed());
    QCOMPARE(failed.size(), 1);
    QVERIFY2(server->errorString().contains(QStringLiteral("out of range")),
        qPrintable(server->errorString()));
    // The connection is reset: the peer learns too.
    QTRY_COMPARE_WITH_TIMEOUT(pair.client()->state(), QAbstractSocket::UnconnectedState, 5000);
}

void TestSecureStream::replayedRecordFails()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    SecureStream *client = SecureStream::of(pair.client());
    SecureStream *server = SecureStream::of(pair.server());
    QVERIFY(client->write("first"));
    QVERIFY(waitBuffered(pair.server(), 5 + kOverhead));
    const QByteArray record = pair.server()->peek(5 + kOverhead);
    QCOMPARE(readExactly(*server, 5), QByteArray("first"));
    // The same record again: its nonce (the counter) is spent, so it does not authenticate.
    pair.client()->write(record);
    QVERIFY(waitBuffered(pair.server(), record.size()));
    QCOMPARE(server->bytesAvailable(), qint64(0));
    QVERIFY(server->hasFailed());
    QVERIFY2(server->errorString().contains(QStringLiteral("failed authentication")),
        qPrintable(server->errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(pair.client()->state(), QAbstractSocket::UnconnectedState, 5000);
}

void TestSecureStream::truncatedRecordIsNotDelivered()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    SecureStream *server = SecureStream::of(pair.server());
    // Half a record, then the sender closes: nothing of it is released (it is not authentic).
    QByteArray sealed;
    RecordCipher forger(RecordCipher::Key {}, 0);
    QVERIFY(forger.seal(pattern(1000, 3), sealed).ok());
    pair.client()->write(sealed.left(600));
    pair.client()->disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(pair.server()->state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(server->bytesAvailable(), qint64(0));
    QVERIFY(!server->isOpen());
}

void TestSecureStream::aRecordInPiecesWakesTheReaderOnce()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    SecureStream *client = SecureStream::of(pair.client());
    SecureStream *server = SecureStream::of(pair.server());

    // A real record, taken off the server's socket before its stream saw it, is fed back in
    // pieces by the client's raw socket (the stream's counter has not moved: it authenticates).
    const QByteArray payload = pattern(200 * 1024, 6);
    const qsizetype size = payload.size() + kOverhead;
    QVERIFY(client->write(payload));
    QVERIFY(waitBuffered(pair.server(), size));
    const QByteArray record = pair.server()->read(size);
    QCOMPARE(record.size(), size);

    constexpr qsizetype kFirst = 1000;
    pair.client()->write(record.left(kFirst));
    QVERIFY(waitBuffered(pair.server(), kFirst));
    QCOMPARE(server->bytesAvailable(), qint64(0)); // consumed, the record not whole yet
    QSignalSpy wakeups(pair.server(), &QIODevice::readyRead);
    constexpr int kPieces = 8;
    const qsizetype step = (size - kFirst + kPieces - 1) / kPieces;
    for (qsizetype at = kFirst; at < size; at += step) {
        pair.client()->write(record.mid(at, step));
        pair.client()->flush();
        QTest::qWait(15); // each piece arrives on its own, and the server's loop turns
    }
    QTRY_VERIFY_WITH_TIMEOUT(wakeups.count() >= 1, 5000);
    QTest::qWait(50);
#ifdef Q_OS_LINUX
    // SO_RCVLOWAT: the kernel reported the socket readable when the rest was in, not per piece.
    QCOMPARE(wakeups.count(), 1);
#else
    QVERIFY(wakeups.count() >= 1);
#endif
    QCOMPARE(readExactly(*server, payload.size()), payload);

    // Half of the next record, then the peer closes: the close wakes the reader, though the
    // mark asks for the rest of the record.
    QVERIFY(client->write(payload));
    QVERIFY(waitBuffered(pair.server(), size));
    const QByteArray next = pair.server()->read(size);
    pair.client()->write(next.left(size / 2));
    QVERIFY(waitBuffered(pair.server(), size / 2));
    QCOMPARE(server->bytesAvailable(), qint64(0));
    pair.client()->disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(pair.server()->state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(server->bytesAvailable(), qint64(0));
    QVERIFY(!server->isOpen());
}

void TestSecureStream::olderServerIsNamed()
{
    // An older PunchDrop answers with Qt's TLS (no ALPN): the handshake completes on its side,
    // ours refuses to go on and says why.
    Test::TransferSocketPair pair;
    QString error = pair.connect();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    pair.server()->setSslConfiguration(pair.serverIdentity().tlsConfiguration());
    pair.server()->startServerEncryption();
    const SecureChannel::Result r = QCoro::waitFor(SecureChannel::handshake(
        *pair.client(), pair.clientIdentity(), SecureChannel::Role::Client, std::nullopt, 5s));
    QVERIFY(!r.ok());
    QVERIFY2(r.error.contains(QStringLiteral("older PunchDrop")), qPrintable(r.error));
    QVERIFY(!SecureStream::of(pair.client()));
    QCOMPARE(pair.client()->state(), QAbstractSocket::UnconnectedState);
}

void TestSecureStream::olderClientIsRefused()
{
    Test::TransferSocketPair pair;
    QString error = pair.connect();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    pair.client()->setSslConfiguration(pair.clientIdentity().tlsConfiguration());
    pair.client()->startClientEncryption();
    const SecureChannel::Result r = QCoro::waitFor(SecureChannel::handshake(
        *pair.server(), pair.serverIdentity(), SecureChannel::Role::Server, std::nullopt, 5s));
    QVERIFY(!r.ok());
    QVERIFY2(r.error.contains(QStringLiteral("does not offer ALPN")), qPrintable(r.error));
    // The old client hears a TLS alert, not silence.
    QTRY_VERIFY_WITH_TIMEOUT(!pair.client()->isEncrypted()
            && pair.client()->state() == QAbstractSocket::UnconnectedState,
        5000);
}

QTEST_GUILESS_MAIN(TestSecureStream)
#include "tst_securestream.moc"
