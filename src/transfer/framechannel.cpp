// SPDX-License-Identifier: GPL-3.0-or-later
#include "framechannel.h"

#include "net/security/securestream.h"

#include <QDeadlineTimer>
#include <QSslSocket>

namespace PunchDrop {

using namespace Transfer;

namespace {

//! The file bytes a FILES frame carries (counted like DATA).
qint64 contentOf(const FileBatch &batch)
{
    qint64 bytes = 0;
    for (const InlineFile &file : batch.files)
        bytes += file.bytes.size();
    return bytes;
}

} // namespace

FrameChannel::FrameChannel(QSslSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_out(socket)
    , m_reader(std::make_shared<ChunkPool>(kMaxChunkSize))
{
    watch(socket);
}

FrameChannel::~FrameChannel() = default;

void FrameChannel::watch(QSslSocket *socket)
{
    socket->setReadBufferSize(kSocketReadBuffer);
    connect(socket, &QIODevice::readyRead, &m_wakeup, &Wakeup::wake);
    connect(socket, &QIODevice::bytesWritten, &m_wakeup, &Wakeup::wake);
    connect(socket, &QAbstractSocket::disconnected, &m_wakeup, &Wakeup::wake);
    const auto failed = [this, socket](const QString &error) {
        // A connection the session already left (moved away from) may end as it likes.
        const bool inUse = socket == m_socket || socket == m_out || socket == m_next;
        if (inUse && m_failure.isEmpty())
            m_failure = error;
        m_wakeup.wake();
    };
    connect(socket, &QAbstractSocket::errorOccurred, this,
        [failed, socket](QAbstractSocket::SocketError error) {
            // A blocking waitFor…() that ran out (tests) is not the connection's failure.
            if (error != QAbstractSocket::RemoteHostClosedError
                && error != QAbstractSocket::SocketTimeoutError)
                failed(socket->errorString());
        });
    // A record that fails authentication (tampering in transit): the stream resets the
    // connection, so the peer learns too.
    if (SecureStream *stream = SecureStream::of(socket)) {
        connect(stream, &SecureStream::failed, this, failed);
        // A peer seals each frame as one record: a DATA chunk or a FILES frame is decrypted
        // into a pool buffer and handed over whole (tryRead()), the 5-byte head stays in the
        // record. A FILES frame's files are slices of that buffer (decodeBatch()).
        const std::weak_ptr<ChunkPool> pool = m_reader.chunks();
        stream->setBodyBuffers(
            kLengthFieldSize + 1,
            [pool](qsizetype size) {
                const std::shared_ptr<ChunkPool> chunks = pool.lock();
                return chunks ? chunks->take(size) : QByteArray(size, Qt::Uninitialized);
            },
            [pool](QByteArray &&buffer) {
                if (const std::shared_ptr<ChunkPool> chunks = pool.lock())
                    chunks->give(std::move(buffer));
            });
    } else
        m_failure = QStringLiteral("the connection is not secured");
    connect(socket, &QObject::destroyed, &m_wakeup, &Wakeup::wake);
}

SecureStream *FrameChannel::streamOf(const QSslSocket *socket)
{
    return SecureStream::of(socket);
}

bool FrameChannel::isOpen() const
{
    const auto open = [](const QSslSocket *s) {
        const SecureStream *stream = streamOf(s);
        return stream && stream->isOpen();
    };
    return m_failure.isEmpty() && open(m_socket) && open(m_out);
}

qint64 FrameChannel::pendingWrite() const
{
    // Only where new frames go: nothing new is queued on a connection the session left (its
    // queue was bounded by this when it was left, and closes after it drained).
    return m_out ? m_out->bytesToWrite() : 0;
}

qint64 FrameChannel::readable() const
{
    SecureStream *stream = streamOf(m_socket);
    return stream ? stream->bytesAvailable() : 0;
}

void FrameChannel::write(QSslSocket *socket, QByteArrayView head, QByteArrayView body)
{
    if (SecureStream *stream = streamOf(socket))
        stream->write(head, body);
}

void FrameChannel::moveTo(std::unique_ptr<QSslSocket> next)
{
    if (!next || !m_out)
        return;
    QSslSocket *socket = next.get();
    m_owned.push_back(std::move(next));
    watch(socket);
    write(m_out, encodeMessage(Move {})); // our last frame on the old connection
    m_out = socket;
    m_dataSent.append(0);
    m_next = socket;
    if (m_peerMovedFirst) {
        m_peerMovedFirst = false;
        peerMoved();
    }
    m_wakeup.wake();
}

void FrameChannel::rejoin(std::unique_ptr<QSslSocket> next)
{
    if (!next)
        return;
    QSslSocket *socket = next.get();
    for (QSslSocket *lost : {m_socket.data(), m_out.data(), m_next.data(), m_old.data()}) {
        if (lost && lost != socket)
            lost->abort(); // dead or half dead: nothing more is read from or written to it
    }
    m_owned.push_back(std::move(next));
    watch(socket);
    m_reader = FrameReader(m_reader.chunks()); // a frame cut off by the loss is dropped
    m_socket = socket;
    m_out = socket;
    m_next = nullptr;
    m_old = nullptr;
    m_peerMovedFirst = false;
    m_failure.clear();
    m_dataSent.append(0);
    m_dataReceived.append(0);
    m_readIndex = int(m_dataReceived.size()) - 1;
    m_wakeup.wake();
}

void FrameChannel::breakConnection(const QString &why)
{
    if (m_failure.isEmpty())
        m_failure = why;
    m_wakeup.wake();
}

void FrameChannel::peerMoved()
{
    m_old = m_socket;
    m_socket = m_next;
    m_next = nullptr;
    m_dataReceived.append(0);
    ++m_readIndex;
    retireOld();
}

void FrameChannel::retireOld()
{
    // Both directions left it: nothing more will be read from it, and what we queued on it
    // (our MOVE, the last frames before it) leaves before the close.
    if (m_old && m_old != m_socket && m_old != m_out)
        m_old->disconnectFromHost();
}

void FrameChannel::fail(const QString &error)
{
    m_malformed = true;
    m_malformedError = error;
}

FrameChannel::Incoming FrameChannel::tryRead()
{
    for (;;) {
        if (m_malformed)
            return {Status::Malformed, {}, m_malformedError};
        SecureStream *stream = streamOf(m_socket);
        if (!stream || m_peerMovedFirst)
            return {Status::Timeout, {}, {}};
        const qint64 available = stream->bytesAvailable();
        if (available <= 0)
            return {Status::Timeout, {}, {}};
        FrameReader::Step step = FrameReader::Step::NeedMore;
        QByteArray chunk;
        if (const qint64 whole = m_reader.wholePayload(); whole > 0)
            chunk = stream->takeBody(whole);
        if (!chunk.isNull()) {
            step = m_reader.adopt(std::move(chunk)); // decrypted where it stays: no copy
        } else {
            const qint64 want = m_reader.wanted(available);
            const qint64 got = stream->read(m_reader.space(want), want);
            if (got <= 0)
                return {Status::Timeout, {}, {}};
            step = m_reader.commit(got);
        }
        if (step == FrameReader::Step::Malformed) {
            fail(m_reader.error());
            continue;
        }
        if (step == FrameReader::Step::NeedMore)
            continue;
        MessageDecode decoded = decodeMessage(m_reader.takeFrame());
        if (!decoded.ok) {
            fail(decoded.error);
            continue;
        }
        ++m_framesReceived;
        if (std::holds_alternative<KeepAlive>(decoded.message)) {
            ++m_keepalivesReceived;
            continue; // its only effect: the peer is alive (read() restarts its idle period)
        }
        if (std::holds_alternative<Move>(decoded.message)) {
            if (!m_moveAllowed) {
                fail(QStringLiteral("unexpected MOVE"));
                continue;
            }
            if (m_next)
                peerMoved(); // the rest comes on the new connection
            else
                m_peerMovedFirst = true; // reads wait for moveTo()
            continue;
        }
        if (const auto *data = std::get_if<Data>(&decoded.message))
            m_dataReceived[m_readIndex] += data->bytes.size();
        else if (const auto *batch = std::get_if<FileBatch>(&decoded.message))
            m_dataReceived[m_readIndex] += contentOf(*batch);
        return {Status::Message, std::move(decoded.message), {}};
    }
}

QCoro::Task<FrameChannel::Incoming> FrameChannel::read(
    std::chrono::milliseconds idle, QDeadlineTimer overall)
{
    QPointer<FrameChannel> self(this);
    QDeadlineTimer deadline(idle);
    quint64 seen = m_framesReceived;
    for (;;) {
        if (m_interrupted)
            co_return Incoming {Status::Interrupted, {}, QStringLiteral("interrupted")};
        Incoming in = tryRead();
        if (in.status != Status::Timeout)
            co_return in;
        if (m_framesReceived != seen) { // a KEEPALIVE: the peer is busy, not gone
            seen = m_framesReceived;
            deadline.setRemainingTime(idle);
        }
        if (!m_failure.isEmpty())
            co_return Incoming {Status::Closed, {}, m_failure};
        if (!isOpen() && readable() == 0) {
            co_return Incoming {Status::Closed, {},
                m_socket && m_socket->error() != QAbstractSocket::UnknownSocketError
                    ? m_socket->errorString()
                    : QStringLiteral("the connection was closed")};
        }
        const QDeadlineTimer next = std::min(deadline, overall);
        const qint64 left = next.remainingTime();
        if (left == 0)
            co_return Incoming {Status::Timeout, {}, QStringLiteral("the peer went silent")};
        co_await m_wakeup.wait(std::chrono::milliseconds(left));
        if (!self)
            co_return Incoming {Status::Interrupted, {}, QStringLiteral("interrupted")};
    }
}

void FrameChannel::send(const Message &message)
{
    if (!m_out)
        return;
    if (const auto *batch = std::get_if<FileBatch>(&message)) {
        // One record sealed from the files' own bytes: no frame buffer they are copied into.
        const FramePieces frame = batchFramePieces(*batch);
        if (SecureStream *stream = streamOf(m_out))
            stream->write(frame.pieces);
        m_dataSent.last() += contentOf(*batch); // file bytes, like DATA
        return;
    }
    write(m_out, encodeMessage(message));
}

void FrameChannel::sendAll(const QList<Message> &messages)
{
    QByteArray frames;
    for (const Message &message : messages)
        frames += encodeMessage(message);
    if (!frames.isEmpty())
        write(m_out, frames);
}

void FrameChannel::sendData(const QByteArray &bytes)
{
    if (!m_out)
        return;
    // One record: the head and the chunk are sealed from where they are into the socket.
    write(m_out, dataFrameHeader(bytes.size()), bytes);
    m_dataSent.last() += bytes.size();
}

QCoro::Task<bool> FrameChannel::drain(qint64 threshold, std::chrono::milliseconds timeout)
{
    QPointer<FrameChannel> self(this);
    const QDeadlineTimer deadline(timeout);
    for (;;) {
        if (m_interrupted || !isOpen())
            co_return false;
        if (pendingWrite() < threshold)
            co_return true;
        const qint64 left = deadline.remainingTime();
        if (left == 0)
            co_return false;
        co_await m_wakeup.wait(std::chrono::milliseconds(left));
        if (!self)
            co_return false;
    }
}

QCoro::Task<bool> FrameChannel::waitForActivity(std::chrono::milliseconds timeout)
{
    co_return co_await m_wakeup.wait(timeout);
}

void FrameChannel::interrupt()
{
    m_interrupted = true;
    m_wakeup.wake();
}

} // namespace PunchDrop
