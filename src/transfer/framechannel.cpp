// SPDX-License-Identifier: GPL-3.0-or-later
#include "framechannel.h"

#include <QDeadlineTimer>
#include <QSslSocket>

namespace PunchDrop {

using namespace Transfer;

FrameChannel::FrameChannel(QSslSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_reader(std::make_shared<ChunkPool>(kMaxChunkSize))
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
    for (;;) {
        if (m_malformed)
            return {Status::Malformed, {}, m_malformedError};
        // Reads ask for what the frame still needs, not just for what is buffered: when the
        // socket's decrypted buffer cannot satisfy a read, QSslSocket goes back to decrypting
        // what waits in the TCP socket. A read of exactly what is buffered would not, and a
        // buffer that had hit its cap would then stay empty until some other event.
        if (!m_socket || !m_socket->isOpen())
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
