// SPDX-License-Identifier: GPL-3.0-or-later
#include "framechannel.h"

#include <QDeadlineTimer>
#include <QSslSocket>

namespace PunchDrop {

using namespace Transfer;

FrameChannel::FrameChannel(QSslSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
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

FrameChannel::Incoming FrameChannel::tryRead()
{
    if (m_malformed)
        return {Status::Malformed, {}, m_malformedError};
    for (;;) {
        const FrameParse frame = parseFrame(m_buffer);
        if (frame.status == ParseStatus::Malformed) {
            m_malformed = true;
            m_malformedError = frame.error;
            return {Status::Malformed, {}, frame.error};
        }
        if (frame.status == ParseStatus::Ok) {
            m_buffer.remove(0, frame.consumed);
            MessageDecode decoded = decodeMessage(frame.frame);
            if (!decoded.ok) {
                m_malformed = true;
                m_malformedError = decoded.error;
                return {Status::Malformed, {}, decoded.error};
            }
            return {Status::Message, std::move(decoded.message), {}};
        }
        // Incomplete: pull more from the socket, but never more than one frame's worth.
        if (!m_socket || m_socket->bytesAvailable() <= 0)
            return {Status::Timeout, {}, {}};
        const qint64 room = kMaxFrameLength + kLengthFieldSize - m_buffer.size();
        if (room <= 0)
            return {Status::Timeout, {}, {}}; // cannot happen: parseFrame bounds LENGTH
        m_buffer.append(m_socket->read(qMin(room, qint64(4 * kMaxChunkSize))));
    }
}

QCoro::Task<FrameChannel::Incoming> FrameChannel::read(std::chrono::milliseconds timeout)
{
    QPointer<FrameChannel> self(this);
    const QDeadlineTimer deadline(timeout);
    for (;;) {
        if (m_interrupted)
            co_return Incoming {Status::Interrupted, {}, QStringLiteral("interrupted")};
        Incoming in = tryRead();
        if (in.status != Status::Timeout)
            co_return in;
        if (!m_failure.isEmpty())
            co_return Incoming {Status::Closed, {}, m_failure};
        if (!isOpen() && (!m_socket || m_socket->bytesAvailable() == 0)) {
            co_return Incoming {Status::Closed, {},
                m_socket && m_socket->error() != QAbstractSocket::UnknownSocketError
                    ? m_socket->errorString()
                    : QStringLiteral("the connection was closed")};
        }
        const qint64 left = deadline.remainingTime();
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
