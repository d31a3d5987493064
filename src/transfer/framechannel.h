// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transferprotocol.h"
#include "net/wakeup.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <qcorotask.h>

#include <chrono>

class QSslSocket;

namespace PunchDrop {

/*!
 * The transfer protocol's framing on a secured socket: buffers what arrives, cuts frames with the
 * pure parser, writes frames, and waits (bounded) for input or for the write queue to drain.
 * The socket's read buffer is capped, so a fast sender stalls in TCP instead of in our memory.
 */
class FrameChannel : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kSocketReadBuffer = 1024 * 1024;

    explicit FrameChannel(QSslSocket *socket, QObject *parent = nullptr);

    enum class Status { Message, Timeout, Closed, Malformed, Interrupted };
    struct Incoming
    {
        Status status = Status::Timeout;
        Transfer::Message message;
        QString error;
    };

    //! The next complete message if one is buffered (never waits): status Message or Timeout.
    Incoming tryRead();
    //! Waits at most \a timeout for the next message.
    QCoro::Task<Incoming> read(std::chrono::milliseconds timeout);

    void send(const Transfer::Message &message);
    //! Writes one DATA frame.
    void sendData(const QByteArray &bytes);
    //! Waits until fewer than \a threshold bytes wait to be written. False on timeout/close.
    QCoro::Task<bool> drain(qint64 threshold, std::chrono::milliseconds timeout);
    //! Waits until everything is written (best effort, bounded). False on timeout/close.
    QCoro::Task<bool> flush(std::chrono::milliseconds timeout) { return drain(1, timeout); }

    //! Waits at most \a timeout for anything (input, written bytes, close, interrupt).
    //! False on timeout.
    QCoro::Task<bool> waitForActivity(std::chrono::milliseconds timeout);

    //! Ends any wait at once (cancel); later waits return Interrupted too.
    void interrupt();
    bool isInterrupted() const { return m_interrupted; }
    bool isOpen() const;
    qint64 pendingWrite() const;

private:
    Wakeup m_wakeup; //!< socket signals and interrupt() wake the one waiting coroutine
    QPointer<QSslSocket> m_socket;
    QByteArray m_buffer;
    bool m_interrupted = false;
    bool m_malformed = false;
    QString m_failure; //!< a socket error that ended the connection
    QString m_malformedError;
};

} // namespace PunchDrop
