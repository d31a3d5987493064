// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/wakeup.h"
#include "transfer/chunkpool.h"
#include "transfer/framereader.h"
#include "transfer/transferprotocol.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QObject>
#include <QPointer>

#include <qcorotask.h>

#include <chrono>
#include <memory>

class QSslSocket;

namespace PunchDrop {

/*!
 * The transfer protocol's framing on a secured socket: reads frames, writes frames, and waits
 * (bounded) for input or for the write queue to drain. The socket's read buffer is capped, so a
 * fast sender stalls in TCP instead of in our memory.
 *
 * Reading is FrameReader's (the pure incremental part): the socket is read straight into the
 * reader's buffers, the 5-byte head first (checked before any payload byte is taken), then the
 * payload (decodeMessage turns it into the message). A 256 KiB DATA chunk is thus copied once on
 * its way from the TLS socket to the file writer: no staging buffer, no memmove per frame, never
 * more than one frame's worth taken from the socket.
 */
class FrameChannel : public QObject
{
    Q_OBJECT
public:
    //! Decrypted bytes the socket may hold before TCP pushes back (Qt caps the encrypted side
    //! at the same size). Not more: QSslSocket copies everything pending through a temporary
    //! buffer of that size, and at 2 MiB glibc maps and faults it in afresh each time (measured:
    //! ~90 000 page faults per 512 MiB, a third more system time).
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
    //! KEEPALIVE frames are consumed and counted, never returned.
    Incoming tryRead();
    /*!
     * Waits for the next message: at most \a idle of silence, where every frame received
     * (KEEPALIVE included) starts the \a idle period again, and never past \a overall.
     * KEEPALIVE frames are consumed here and never returned.
     */
    QCoro::Task<Incoming> read(std::chrono::milliseconds idle,
        QDeadlineTimer overall = QDeadlineTimer(QDeadlineTimer::Forever));

    //! Frames received so far, KEEPALIVE included (a change means the peer is alive).
    quint64 framesReceived() const { return m_framesReceived; }
    //! KEEPALIVE frames received so far (consumed by tryRead()/read()).
    quint64 keepalivesReceived() const { return m_keepalivesReceived; }

    void send(const Transfer::Message &message);
    //! Writes one DATA frame. The socket keeps a reference to \a bytes until it encrypted them.
    void sendData(const QByteArray &bytes);

    /*!
     * The buffers DATA chunks travel in: received chunks are taken from it, and whoever is done
     * with one (the disk writer, the sender after sendData()) hands it back. Shared, so a worker
     * job can hold it past the channel's lifetime.
     */
    const std::shared_ptr<ChunkPool> &chunks() const { return m_reader.chunks(); }
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
    void fail(const QString &error);

    QPointer<QSslSocket> m_socket;
    FrameReader m_reader;
    bool m_interrupted = false;
    bool m_malformed = false;
    QString m_failure; //!< a socket error that ended the connection
    QString m_malformedError;
    quint64 m_framesReceived = 0;
    quint64 m_keepalivesReceived = 0;
};

} // namespace PunchDrop
