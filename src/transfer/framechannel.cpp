// SPDX-License-Identifier: GPL-3.0-or-later
#include "framechannel.h"

#include <QDeadlineTimer>
#include <QSslSocket>

namespace PunchDrop {

using namespace Transfer;

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
    connect(socket, &QSslSocket::encryptedBytesWritten, &m_wakeup, &Wakeup::wake);
    connect(socket, &QAbstractSocket::disconnected, &m_wakeup, &Wakeup::wake);
    connect(socket, &QAbstractSocket::errorOccurred, this,
        [this, socket](QAbstractSocket::SocketError error) {
            // A TLS record that fails authentication (tampering in transit) leaves the socket
            // "connected" but useless: fail now, and reset the connection so the peer learns too.
            // A connection the session already left (moved away from) may end as it likes.
            const bool inUse = socket == m_socket || socket == m_out || socket == m_next;
            if (inUse && m_failure.isEmpty() && error != QAbstractSocket::RemoteHostClosedError) {
                m_failure = socket->errorString();
                socket->abort();
            }
            m_wakeup.wake();
        });
    connect(socket, &QObject::destroyed, &m_wakeup, &Wakeup::wake);
}

bool FrameChannel::isOpen() const
{
    const auto open
        = [](const QSslSocket *s) { return s && s->state() == QAbstractSocket::ConnectedState; };
    return m_failure.isEmpty() && open(m_socket) && open(m_out);
}

qint64 FrameChannel::pendingWrite() const
{
    // Only where new frames go: nothing new is queued on a connection the session left (its
    // queue was bounded by this when it was left, and closes after it drained).
    return m_out ? m_out->bytesToWrite() + m_out->encryptedBytesToWrite() : 0;
}

void FrameChannel::moveTo(std::unique_ptr<QSslSocket> next)
{
    if (!next || !m_out)
        return;
    QSslSocket *socket = next.get();
    m_owned.push_back(std::move(next));
    watch(socket);
    m_out->write(encodeMessage(Move {})); // our last frame on the old connection
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
        // Reads ask for what the frame still needs, not just for what is buffered: when the
        // socket's decrypted buffer cannot satisfy a read, QSslSocket goes back to decrypting
        // what waits in the TCP socket. A read of exactly what is buffered would not, and a
        // buffer that had hit its cap would then stay empty until some other event.
        if (!m_socket || !m_socket->isOpen() || m_peerMovedFirst)
            return {Status::Timeout, {}, {}};
        const qint64 want = m_reader.wanted(m_socket->bytesAvailable());
        const qint64 got = m_socket->read(m_reader.space(want), want);
        if (got <= 0)
            return {Status::Timeout, {}, {}};
        const FrameReader::Step step = m_reader.commit(got);
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
        if (!isOpen() && (!m_socket || m_socket->bytesAvailable() == 0)) {
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
    if (m_out)
        m_out->write(encodeMessage(message));
}

void FrameChannel::sendData(const QByteArray &bytes)
{
    if (!m_out)
        return;
    m_out->write(dataFrameHeader(bytes.size()));
    // QIODevice keeps a reference to a chunk this big instead of copying it into its buffer.
    m_out->write(bytes);
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
