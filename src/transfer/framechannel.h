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
#include <vector>

class QSslSocket;

namespace PunchDrop {

class SecureStream;

/*!
 * The transfer protocol's framing on a secured socket (SecureChannel::handshake attached its
 * SecureStream): reads frames, writes frames, and waits (bounded) for input or for the write
 * queue to drain. The socket's read buffer is capped, so a fast sender stalls in TCP instead of
 * in our memory.
 *
 * Reading is FrameReader's (the pure incremental part): the stream's opened record is read
 * straight into the reader's buffers, the 5-byte head first (checked before any payload byte is
 * taken), then the payload (decodeMessage turns it into the message): no staging buffer, no
 * memmove per frame. Writing seals each frame as one record (a DATA frame: its head and the chunk
 * in place, no joined copy).
 */
class FrameChannel : public QObject
{
    Q_OBJECT
public:
    //! Bytes the socket may hold before TCP pushes back: two whole records (the stream opens
    //! one at a time, never more than the frame it serves).
    static constexpr qint64 kSocketReadBuffer = 1024 * 1024;

    explicit FrameChannel(QSslSocket *socket, QObject *parent = nullptr);
    ~FrameChannel() override;

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

    //! Decrypted bytes ready on the connection reads come from (0: a read would wait).
    qint64 readable() const;
    //! Frames received so far, KEEPALIVE included (a change means the peer is alive).
    quint64 framesReceived() const { return m_framesReceived; }
    //! KEEPALIVE frames received so far (consumed by tryRead()/read()).
    quint64 keepalivesReceived() const { return m_keepalivesReceived; }

    void send(const Transfer::Message &message);
    //! Writes \a messages as one record (one system call for many small frames, e.g. VERDICTs).
    void sendAll(const QList<Transfer::Message> &messages);
    //! Writes one DATA frame (sealed at once: \a bytes may be reused when this returns).
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

    /*!
     * Moves the session to \a next (the "move" capability, transferprotocol.h): sends MOVE on
     * the current connection and every later frame on \a next; reads go on from the current
     * connection until the peer's MOVE, then from \a next. The channel owns \a next; the old
     * connection is closed (after its queued bytes left) once both directions moved. Call it
     * only when both HELLOs listed "move", at most once per connection, and between frames
     * (never while a frame is half written: every send() writes whole frames).
     */
    void moveTo(std::unique_ptr<QSslSocket> next);
    /*!
     * Carries the session on over \a next after the connection was lost (the "rejoin"
     * capability, transferprotocol.h): the lost connection (and one being moved to) is aborted,
     * a frame half read from it is dropped, and reads and writes go to \a next from now on.
     * The channel owns \a next. The caller exchanges REJOIN next; frames that were in flight
     * are gone.
     */
    void rejoin(std::unique_ptr<QSslSocket> next);
    /*!
     * Ends the use of the current connection as if it had been lost (\a why): waits return,
     * isOpen() is false. For a peer that already holds a new connection for the session
     * while this side has not noticed the old one die.
     */
    void breakConnection(const QString &why);
    //! The connections moveTo() and rejoin() handed over, for a graceful close once the session is
    //! over (the channel is not used afterwards).
    std::vector<std::unique_ptr<QSslSocket>> takeMovedConnections() { return std::move(m_owned); }
    //! This side announced "move" in its HELLO: a MOVE from the peer is taken (else malformed).
    void allowMove() { m_moveAllowed = true; }
    //! Whether moveTo() was called and the peer's MOVE has not arrived yet.
    bool isMoving() const { return !m_next.isNull(); }
    /*!
     * How many connections this channel used so far (1 + moves), and the DATA payload bytes
     * sent and received on connection \a index (0: the first). A sender counts what it
     * wrote on each, a receiver what it read.
     */
    int connectionCount() const { return int(m_dataSent.size()); }
    //! The connection frames are written to now (tests cut it to show a fallback).
    QSslSocket *connection() const { return m_out; }
    qint64 dataSent(int index) const { return m_dataSent.value(index); }
    qint64 dataReceived(int index) const { return m_dataReceived.value(index); }

private:
    Wakeup m_wakeup; //!< socket signals and interrupt() wake the one waiting coroutine
    void fail(const QString &error);
    static SecureStream *streamOf(const QSslSocket *socket);
    //! Seals \a head ‖ \a body as one record on \a socket's stream.
    static void write(QSslSocket *socket, QByteArrayView head, QByteArrayView body = {});
    //! Wakes waits on \a socket's signals, and fails the channel on its errors while in use.
    void watch(QSslSocket *socket);
    //! The peer's MOVE arrived: reads continue on the new connection.
    void peerMoved();
    //! Closes the old connection once both directions left it.
    void retireOld();

    //! Where reads come from: the current connection, or the old one until the peer's MOVE.
    QPointer<QSslSocket> m_socket;
    //! Where writes go: m_socket, or the new connection once we sent MOVE.
    QPointer<QSslSocket> m_out;
    //! The new connection after moveTo(), until the peer's MOVE arrives (then it is m_socket).
    QPointer<QSslSocket> m_next;
    //! The connection both directions left, closing (its queued bytes still leave).
    QPointer<QSslSocket> m_old;
    std::vector<std::unique_ptr<QSslSocket>> m_owned; //!< connections moveTo() handed over
    QList<qint64> m_dataSent {0};
    QList<qint64> m_dataReceived {0};
    int m_readIndex = 0; //!< which connection reads come from (index into m_dataReceived)
    bool m_peerMovedFirst = false; //!< the peer's MOVE came before moveTo(): reads wait
    bool m_moveAllowed = false; //!< allowMove(): we announced "move" (else MOVE is malformed)
    FrameReader m_reader;
    bool m_interrupted = false;
    bool m_malformed = false;
    QString m_failure; //!< a socket error that ended the connection
    QString m_malformedError;
    quint64 m_framesReceived = 0;
    quint64 m_keepalivesReceived = 0;
};

} // namespace PunchDrop
