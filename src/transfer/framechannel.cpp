// SPDX-License-Identifier: GPL-3.0-or-later
#include "framechannel.h"

#include <QDeadlineTimer>
#include <QSslSocket>
#include <QtEndian>

namespace PunchDrop {

using namespace Transfer;

FrameChannel::FrameChannel(QSslSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_chunks(std::make_shared<ChunkPool>(kMaxChunkSize))
{
    socket->setReadBufferSize(kSocketReadBuffer);
    connect(socket, &QIODevice::readyRead, &m_wakeup, &Wakeup::wake);
    connect(socket, &QIODevice::bytesWritten, &m_wakeup, &Wakeup::wake);
    connect(socket, &QSslSocket::encryptedBytesWritten, &m_wakeup, &Wakeup::wake);
    connect(socket, &QAbstractSocket::disconnected, &m_wakeup, &Wakeup::wake);
    connect(
        socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
            // A TLS record that fails authentication (tampering in transit) leaves the socket
            // "connected" but useless: fail now, and reset the connection so the peer learns too.
            if (m_socket && m_failure.isEmpty()
                && error != QAbstractSocket::RemoteHostClosedError) {
                m_failure = m_socket->errorString();
                m_socket->abort();
            }
            m_wakeup.wake();
        });
    connect(socket, &QObject::destroyed, &m_wakeup, &Wakeup::wake);
}

bool FrameChannel::isOpen() const
{
    return m_socket && m_failure.isEmpty() && m_socket->state() == QAbstractSocket::ConnectedState;
}

qint64 FrameChannel::pendingWrite() const
{
    return m_socket ? m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite() : 0;
}

void FrameChannel::fail(const QString &error)
{
    m_malformed = true;
    m_malformedError = error;
}

FrameChannel::Incoming FrameChannel::tryRead()
{
    constexpr qsizetype kHeadSize = kLengthFieldSize + 1;
    for (;;) {
        if (m_malformed)
            return {Status::Malformed, {}, m_malformedError};
        // Reads ask for what the frame still needs, not just for what is buffered: when the
        // socket's decrypted buffer cannot satisfy a read, QSslSocket goes back to decrypting
        // what waits in the TCP socket. A read of exactly what is buffered would not, and a
        // buffer that had hit its cap would then stay empty until some other event.
        if (!m_socket || !m_socket->isOpen())
            return {Status::Timeout, {}, {}};
        if (!m_inPayload) {
            // The head, byte-exact: never read past the frame's start into its payload here.
            const QByteArray more = m_socket->read(kHeadSize - m_head.size());
            if (more.isEmpty())
                return {Status::Timeout, {}, {}};
            m_head.append(more);
            const FrameParse head = parseFrame(m_head);
            if (head.status == ParseStatus::Malformed) {
                fail(head.error);
                continue;
            }
            if (m_head.size() < kHeadSize)
                continue;
            m_type = FrameType(quint8(m_head.at(kLengthFieldSize)));
            m_payloadSize = qint64(qFromBigEndian<quint32>(m_head.constData())) - 1;
            m_inPayload = true;
            m_filled = 0;
            m_payload.clear();
            // DATA is at most kMaxChunkSize (checked by parseFrame): take it in one piece. Other
            // frames grow as their bytes arrive, so a LENGTH alone never allocates 16 MiB.
            if (m_type == FrameType::Data)
                m_payload = m_chunks->take(m_payloadSize);
        }
        if (m_filled < m_payloadSize) {
            const qint64 need = m_payloadSize - m_filled;
            const qint64 want = m_type == FrameType::Data
                ? need
                : qMin(need, qMax<qint64>(m_socket->bytesAvailable(), 0) + 4096);
            if (m_payload.size() < m_filled + want)
                m_payload.resize(m_filled + want);
            const qint64 got = m_socket->read(m_payload.data() + m_filled, want);
            if (got <= 0)
                return {Status::Timeout, {}, {}};
            m_filled += got;
            continue;
        }
        Frame frame;
        frame.type = m_type;
        m_payload.truncate(m_filled);
        frame.payload = std::move(m_payload);
        m_payload = QByteArray();
        m_head.clear();
        m_inPayload = false;
        m_filled = 0;
        MessageDecode decoded = decodeMessage(frame);
        if (!decoded.ok) {
            fail(decoded.error);
            continue;
        }
        ++m_framesReceived;
        if (std::holds_alternative<KeepAlive>(decoded.message)) {
            ++m_keepalivesReceived;
            continue; // its only effect: the peer is alive (read() restarts its idle period)
        }
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
    if (m_socket)
        m_socket->write(encodeMessage(message));
}

void FrameChannel::sendData(const QByteArray &bytes)
{
    if (!m_socket)
        return;
    m_socket->write(dataFrameHeader(bytes.size()));
    // QIODevice keeps a reference to a chunk this big instead of copying it into its buffer.
    m_socket->write(bytes);
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
