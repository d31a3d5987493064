// SPDX-License-Identifier: GPL-3.0-or-later
// FrameChannel on a real loopback socket: frames cut at every kind of boundary, a head that is
// malformed is refused as soon as its bytes are in, and a read never takes bytes of the next
// frame from the socket (the socket's buffer cap is our backpressure).
//
// The sockets are secured (SecureChannel::handshake), and the test writes each piece as one
// record of the stream: a record is opened whole, so the test still decides exactly where the
// reader's input ends.

#include "net/security/securestream.h"
#include "support/transfersocketpair.h"
#include "transfer/framechannel.h"
#include "transfer/transferprotocol.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QPointer>
#include <QTest>
#include <QTimer>
#include <QtEndian>

#include <qcorotask.h>

using namespace PunchDrop;
using namespace PunchDrop::Transfer;
using namespace std::chrono_literals;

namespace {

QByteArray pattern(qsizetype size, int seed)
{
    QByteArray out(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        out[i] = char((i * 131 + seed * 7 + (i >> 9)) & 0xff);
    return out;
}

QByteArray head(quint32 length, quint8 type)
{
    QByteArray out(4, '\0');
    qToBigEndian(length, out.data());
    out.append(char(type));
    return out;
}

//! What a record adds to its plaintext: the length field and the tag.
constexpr qint64 kRecordOverhead = RecordCipher::kLengthSize + RecordCipher::kTagSize;

//! Seals \a bytes as one record on \a socket's stream.
bool sendRecord(QAbstractSocket *socket, const QByteArray &bytes)
{
    SecureStream *stream = SecureStream::of(socket);
    return stream && stream->write(bytes);
}

//! Writes \a bytes as one record on \a from and waits (bounded) until \a to holds all of it.
bool deliver(QAbstractSocket *from, QAbstractSocket *to, const QByteArray &bytes)
{
    const qint64 expected = to->bytesAvailable() + bytes.size() + kRecordOverhead;
    if (!sendRecord(from, bytes))
        return false;
    QDeadlineTimer deadline(5000);
    while (to->bytesAvailable() < expected) {
        if (deadline.hasExpired())
            return false;
        if (from->bytesToWrite() > 0)
            from->waitForBytesWritten(10);
        to->waitForReadyRead(10);
    }
    return true;
}

} // namespace

class TestFrameChannel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void framesCutAnywhere_data();
    void framesCutAnywhere();
    void malformedHeadIsRefusedAtOnce_data();
    void malformedHeadIsRefusedAtOnce();
    void readTakesOneFrameOnly();
    void filesFrameIsTakenAsDecrypted();
    void readWaitsAndTimesOut();
    void keepaliveRestartsTheIdleWaitNotTheOverallBound();
    void moveSwitchesEachDirectionAtItsMove();
    void moveFromAPeerThatMayNotIsMalformed();
};

void TestFrameChannel::framesCutAnywhere_data()
{
    QTest::addColumn<qsizetype>("piece");
    QTest::addColumn<qsizetype>("bigChunk");
    // 1-byte pieces walk every boundary (head, payload, between frames) with a small DATA;
    // the others carry a full 256 KiB DATA chunk.
    QTest::newRow("1-byte pieces") << qsizetype(1) << qsizetype(700);
    QTest::newRow("5-byte pieces (head size)") << qsizetype(5) << qsizetype(kMaxChunkSize);
    QTest::newRow("4099-byte pieces") << qsizetype(4099) << qsizetype(kMaxChunkSize);
    QTest::newRow("all at once") << qsizetype(0) << qsizetype(kMaxChunkSize);
}

void TestFrameChannel::framesCutAnywhere()
{
    QFETCH(qsizetype, piece);
    QFETCH(qsizetype, bigChunk);
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    FrameChannel reader(pair.server());

    OfferItem item;
    item.relativePath = QStringLiteral("a/ß.bin");
    item.size = bigChunk + 1;
    const QByteArray big = pattern(bigChunk, 1);
    const QList<Message> sent {
        Hello {kProtocolVersion, {QStringLiteral("resume")}, QStringLiteral("peer"), {}},
        Offer {{item}, item.size, 1, {}},
        Data {big},
        Data {QByteArray("z")},
        FileEnd {0, QByteArray(32, '\x5a')},
        SessionEnd {},
    };
    QByteArray stream;
    for (const Message &m : sent)
        stream.append(encodeMessage(m));
    if (piece == 0)
        piece = stream.size();

    QList<Message> got;
    for (qsizetype at = 0; at < stream.size(); at += piece) {
        // The reader took everything before (it never stops inside what it was given), so
        // exactly this piece is what it finds now: frames end wherever the pieces cut them.
        QCOMPARE(pair.server()->bytesAvailable(), qint64(0));
        const QByteArray part = stream.mid(at, piece);
        QVERIFY(deliver(pair.client(), pair.server(), part));
        for (;;) {
            FrameChannel::Incoming in = reader.tryRead();
            QVERIFY2(in.status != FrameChannel::Status::Malformed, qPrintable(in.error));
            if (in.status != FrameChannel::Status::Message)
                break;
            got.append(std::move(in.message));
        }
    }
    QCOMPARE(got.size(), sent.size());
    for (qsizetype i = 0; i < sent.size(); ++i) {
        QCOMPARE(frameTypeOf(got.at(i)), frameTypeOf(sent.at(i)));
        QCOMPARE(encodeMessage(got.at(i)), encodeMessage(sent.at(i)));
    }
    QCOMPARE(std::get<Data>(got.at(2)).bytes, big);
}

void TestFrameChannel::malformedHeadIsRefusedAtOnce_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");
    // Only the head is ever written: the channel must decide without the payload.
    QTest::newRow("zero length") << QByteArray(4, '\0') << QStringLiteral("zero-length");
    QTest::newRow("length over 16 MiB, 4 bytes")
        << head(quint32(kMaxFrameLength + 1), 0x05).left(4) << QStringLiteral("exceeds");
    QTest::newRow("unknown type") << head(10, 0x7f) << QStringLiteral("unknown frame type");
    QTest::newRow("empty DATA") << head(1, 0x09) << QStringLiteral("DATA frame");
    QTest::newRow("DATA over the chunk size")
        << head(quint32(kMaxChunkSize + 2), 0x09) << QStringLiteral("DATA frame");
}

void TestFrameChannel::malformedHeadIsRefusedAtOnce()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    Test::TransferSocketPair pair;
    const QString connectError = pair.secure();
    QVERIFY2(connectError.isEmpty(), qPrintable(connectError));
    FrameChannel reader(pair.server());
    QVERIFY(deliver(pair.client(), pair.server(), bytes));
    const FrameChannel::Incoming in = reader.tryRead();
    QCOMPARE(in.status, FrameChannel::Status::Malformed);
    QVERIFY2(in.error.contains(error), qPrintable(in.error));
    // It stays malformed: nothing after a broken head can be trusted.
    QVERIFY(sendRecord(pair.client(), encodeMessage(SessionEnd {})));
    pair.client()->flush();
    QCOMPARE(QCoro::waitFor(reader.read(1s)).status, FrameChannel::Status::Malformed);
}

void TestFrameChannel::filesFrameIsTakenAsDecrypted()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    FrameChannel reader(pair.server());
    const auto read = [&reader] {
        FrameChannel::Incoming in = reader.tryRead();
        return in.status == FrameChannel::Status::Message ? std::move(in.message) : Message {};
    };
    // A frame of its own record, as a peer sends them: a control frame's body is copied out of
    // its buffer, which goes back to the pool.
    QVERIFY(deliver(pair.client(), pair.server(),
        encodeMessage(Hello {kProtocolVersion, {}, QStringLiteral("a peer's name"), {}})));
    QVERIFY(std::holds_alternative<Hello>(read()));
    const int pooled = reader.chunks()->freeBuffers();
    QVERIFY(pooled >= 1);

    const QByteArray digest(16, '\x5a');
    const FileBatch sent {{{0, digest, pattern(4096, 5)}, {1, digest, pattern(70000, 6)},
        {2, digest, QByteArray("z")}}};
    QVERIFY(deliver(pair.client(), pair.server(), encodeMessage(sent)));
    const Message got = read();
    const auto *batch = std::get_if<FileBatch>(&got);
    QVERIFY(batch);
    QVERIFY(*batch == sent);
    // The FILES frame is the buffer it was decrypted into (taken from the pool, not given
    // back), and its files are pieces of it: no copy of their bytes on the way.
    QCOMPARE(reader.chunks()->freeBuffers(), pooled - 1);
    QByteArray first = batch->files.at(0).bytes;
    QByteArray last = batch->files.at(2).bytes;
    QVERIFY(first.data_ptr().d_ptr() != nullptr);
    QCOMPARE(first.data_ptr().d_ptr(), last.data_ptr().d_ptr());

    // The pool's buffers go on carrying DATA; the files keep theirs.
    const QByteArray chunk = pattern(kMaxChunkSize, 7);
    QVERIFY(deliver(pair.client(), pair.server(), encodeMessage(Data {chunk})));
    const Message data = read();
    QVERIFY(std::holds_alternative<Data>(data));
    QCOMPARE(std::get<Data>(data).bytes, chunk);
    QVERIFY(*batch == sent);
}

void TestFrameChannel::readTakesOneFrameOnly()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    FrameChannel reader(pair.server());
    const QByteArray first = encodeMessage(Data {pattern(1000, 2)});
    const QByteArray second = encodeMessage(Data {pattern(3000, 3)});
    QVERIFY(deliver(pair.client(), pair.server(), first));
    QVERIFY(deliver(pair.client(), pair.server(), second));
    const FrameChannel::Incoming in = reader.tryRead();
    QCOMPARE(in.status, FrameChannel::Status::Message);
    QCOMPARE(std::get<Data>(in.message).bytes, pattern(1000, 2));
    // The second record is still in the socket, where its buffer cap can push back on TCP.
    QCOMPARE(pair.server()->bytesAvailable(), second.size() + kRecordOverhead);
    const FrameChannel::Incoming next = reader.tryRead();
    QCOMPARE(next.status, FrameChannel::Status::Message);
    QCOMPARE(std::get<Data>(next.message).bytes, pattern(3000, 3));
    QCOMPARE(reader.tryRead().status, FrameChannel::Status::Timeout);
}

void TestFrameChannel::readWaitsAndTimesOut()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    FrameChannel reader(pair.server());
    // Half a frame, then silence: a bounded wait that ends in Timeout, keeping what came.
    const QByteArray frame = encodeMessage(Data {pattern(5000, 4)});
    QVERIFY(deliver(pair.client(), pair.server(), frame.left(2000)));
    const FrameChannel::Incoming half = QCoro::waitFor(reader.read(200ms));
    QVERIFY2(half.status == FrameChannel::Status::Timeout, qPrintable(half.error));
    // The rest arrives later (from the event loop, while the reader waits).
    QTimer::singleShot(50ms, pair.client(), [&pair, &frame] {
        sendRecord(pair.client(), frame.mid(2000));
        pair.client()->flush();
    });
    const FrameChannel::Incoming in = QCoro::waitFor(reader.read(5s));
    QCOMPARE(in.status, FrameChannel::Status::Message);
    QCOMPARE(std::get<Data>(in.message).bytes, pattern(5000, 4));
    pair.client()->disconnectFromHost();
    QCOMPARE(QCoro::waitFor(reader.read(5s)).status, FrameChannel::Status::Closed);
}

void TestFrameChannel::keepaliveRestartsTheIdleWaitNotTheOverallBound()
{
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    FrameChannel reader(pair.server());
    // A busy peer: KEEPALIVE every 50 ms, the real answer only after ~1 s.
    QTimer keepalives;
    QObject::connect(&keepalives, &QTimer::timeout, pair.client(),
        [&pair] { sendRecord(pair.client(), encodeMessage(KeepAlive {})); });
    keepalives.start(50ms);
    QTimer::singleShot(1000ms, pair.client(),
        [&pair] { sendRecord(pair.client(), encodeMessage(SessionEnd {})); });
    QElapsedTimer clock;
    clock.start();
    // 300 ms of idle allowed, 1 s until the answer: only the keepalives bridge the gap.
    const FrameChannel::Incoming in = QCoro::waitFor(reader.read(300ms));
    QVERIFY2(in.status == FrameChannel::Status::Message, qPrintable(in.error));
    QVERIFY(std::holds_alternative<SessionEnd>(in.message)); // KEEPALIVE is never returned
    QVERIFY(clock.elapsed() >= 900);
    QVERIFY2(
        reader.keepalivesReceived() >= 5, qPrintable(QString::number(reader.keepalivesReceived())));
    QCOMPARE(reader.framesReceived(), reader.keepalivesReceived() + 1);

    // Keepalives go on, but the overall bound (the sender's decision deadline) still holds.
    clock.restart();
    const FrameChannel::Incoming bounded
        = QCoro::waitFor(reader.read(300ms, QDeadlineTimer(700ms)));
    QCOMPARE(bounded.status, FrameChannel::Status::Timeout);
    QVERIFY2(clock.elapsed() >= 600 && clock.elapsed() < 5000,
        qPrintable(QString::number(clock.elapsed())));

    // And without them the idle wait ends after its 300 ms.
    keepalives.stop();
    clock.restart();
    QCOMPARE(QCoro::waitFor(reader.read(300ms)).status, FrameChannel::Status::Timeout);
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
}

void TestFrameChannel::moveSwitchesEachDirectionAtItsMove()
{
    // Two connections between the same two channels: "old" (a relay, say) and "new" (a direct
    // path). Each side moves when it likes; every frame arrives once, in order.
    Test::TransferSocketPair oldPair;
    Test::TransferSocketPair newPair;
    QString error = oldPair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = newPair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QPointer<QSslSocket> oldA = oldPair.client();
    QPointer<QSslSocket> oldB = oldPair.server();
    QPointer<QSslSocket> newA = newPair.client();
    FrameChannel a(oldPair.client());
    FrameChannel b(oldPair.server());
    a.allowMove();
    b.allowMove();

    a.sendData(pattern(1000, 1));
    a.sendData(pattern(2000, 2));
    a.moveTo(newPair.takeClient()); // A's next frames go on the new connection
    QVERIFY(a.isMoving());
    a.sendData(pattern(3000, 3));
    a.send(SessionEnd {});

    const auto next = [](FrameChannel &channel, std::chrono::milliseconds idle = 5s) {
        return QCoro::waitFor(channel.read(idle));
    };
    for (int seed : {1, 2}) {
        const FrameChannel::Incoming in = next(b);
        QVERIFY2(in.status == FrameChannel::Status::Message, qPrintable(in.error));
        QCOMPARE(std::get<Data>(in.message).bytes.size(), qsizetype(seed * 1000));
    }
    // A's MOVE arrived, B has no new connection yet: its reads wait (never the old one's end).
    QCOMPARE(next(b, 200ms).status, FrameChannel::Status::Timeout);
    // B still writes on the old connection, and A reads it there (B has not moved).
    b.send(Start {7});
    FrameChannel::Incoming in = next(a);
    QVERIFY2(in.status == FrameChannel::Status::Message, qPrintable(in.error));
    QCOMPARE(std::get<Start>(in.message).index, 7);

    b.moveTo(newPair.takeServer());
    in = next(b);
    QVERIFY2(in.status == FrameChannel::Status::Message, qPrintable(in.error));
    QCOMPARE(std::get<Data>(in.message).bytes, pattern(3000, 3));
    in = next(b);
    QVERIFY(std::holds_alternative<SessionEnd>(in.message));
    QVERIFY(!b.isMoving()); // both directions of B are on the new connection
    b.send(Start {8});
    in = next(a);
    QVERIFY2(in.status == FrameChannel::Status::Message, qPrintable(in.error));
    QCOMPARE(std::get<Start>(in.message).index, 8);
    QVERIFY(!a.isMoving());

    // The DATA bytes per connection, as each side counts them.
    QCOMPARE(a.connectionCount(), 2);
    QCOMPARE(a.dataSent(0), 3000);
    QCOMPARE(a.dataSent(1), 3000);
    QCOMPARE(b.dataReceived(0), 3000);
    QCOMPARE(b.dataReceived(1), 3000);
    // Both left the old connection, which closes; the new one carries on.
    QTRY_VERIFY_WITH_TIMEOUT(!oldA || oldA->state() == QAbstractSocket::UnconnectedState, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!oldB || oldB->state() == QAbstractSocket::UnconnectedState, 5000);
    QVERIFY(a.isOpen());
    QVERIFY(b.isOpen());
    QVERIFY(newA && newA->state() == QAbstractSocket::ConnectedState);
}

void TestFrameChannel::moveFromAPeerThatMayNotIsMalformed()
{
    // A side that did not announce "move" takes MOVE for what it is: a protocol error.
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    FrameChannel reader(pair.server());
    QVERIFY(sendRecord(pair.client(), encodeMessage(Move {})));
    QCOMPARE(QCoro::waitFor(reader.read(5s)).status, FrameChannel::Status::Malformed);
}

QTEST_GUILESS_MAIN(TestFrameChannel)
#include "tst_framechannel.moc"
