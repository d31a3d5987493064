// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>

class QTcpSocket;

namespace PunchDrop {

class FdPoller;
class RelayBandwidth;

//! Limits of one spliced relay session (see RelayHub for where they come from).
struct RelaySessionLimits
{
    qint64 rateBytesPerSecond = 0; //!< both directions together; 0 = unlimited
    qint64 highWater = 256 * 1024; //!< read from one side only while the other has less queued
    qint64 chunkSize = 64 * 1024; //!< copy path: bytes one read() may take
    //! Splice path: bytes one splice() may move (each direction's pipe is sized to highWater, so
    //! a round moves up to this much with two system calls instead of one per 64 KiB).
    qint64 spliceChunk = 256 * 1024;
    std::chrono::milliseconds idleTimeout {120000}; //!< no byte in either direction → close
    //! Linux: move the bytes with splice(2) once both sockets are plain TCP (RelaySession).
    bool splice = true;
    //! With splice: false moves the bytes with recv()/send() through the same pipes, the path a
    //! socket that cannot splice (EINVAL) falls back to (tests).
    bool spliceSyscalls = true;
};

/*!
 * Two paired relay sockets spliced together. Bytes are copied both ways without being looked at
 * (the peers speak end-to-end TLS through it). Backpressure: a side is read only while the other
 * side's send queue is under RelaySessionLimits::highWater, and the read buffers are capped, so
 * a slow receiver slows the sender down through TCP flow control instead of growing memory.
 * One token bucket for both directions enforces the session's rate cap; a RelayBandwidth shared by
 * all sessions, when given, enforces the server's global cap on top (each direction waits for its
 * turn there without reading). Emits finished() once, then deletes itself; the one log line with
 * bytes, duration and reason is written on finish.
 *
 * Two ways to move the bytes, with the same limits and the same end:
 *
 * - Copy (every platform, and the fallback): QTcpSocket::read() into one buffer, write() into
 *   the other socket; "queued" is the other socket's bytesToWrite().
 * - Splice (Linux, RelaySessionLimits::splice): the bytes never enter user space. The session
 *   starts in a short Draining phase: it reads nothing and waits until both sockets have written
 *   what Qt queued (the "paired" byte), then takes the sockets over: dup() of each descriptor,
 *   what Qt had already read taken with readAll() (it goes out first, and is charged to both
 *   rate caps like any other byte), then QTcpSocket::abort() closes Qt's descriptor and its
 *   notifiers. Qt reads only from its notifiers, which run in this thread's event loop, so
 *   nothing can be read between the readAll() and the abort(): no byte is lost or read twice,
 *   and the connection lives on in the duplicate. Then each direction has a pipe, sized to
 *   highWater: splice(from → pipe) and splice(pipe → to), non-blocking, up to spliceChunk bytes
 *   each; a pump turn ends with the pipe flushed (or write interest on); the bytes in the pipe
 *   (and those taken from Qt) are that direction's queue for the highWater backpressure; the
 *   sockets are watched by the thread's FdPoller (read interest on `from` only while the
 *   direction may read, write interest on `to` only while the pipe is not empty). The token
 *   buckets bound how much each splice may move. If dup()/pipe2()/watching fails the session
 *   stays on the copy path; if splice() itself says EINVAL (a socket that cannot splice) that
 *   direction moves the bytes with recv()/send() through the same pipe. End of stream or an
 *   error on either side finishes the session as in the copy path: what is queued still goes
 *   out, then each socket is shut down for writing, drained until its peer closes (so no reset
 *   destroys the tail) and closed, within the same 5 s grace.
 */
class RelaySession : public QObject
{
    Q_OBJECT
public:
    //! Takes ownership of both sockets (already connected and told "paired"). \a shared: the
    //! global budget all sessions draw from, or nullptr (no global cap); it may die first.
    RelaySession(QTcpSocket *a, QTcpSocket *b, const RelaySessionLimits &limits,
        const QString &label, QObject *parent = nullptr, RelayBandwidth *shared = nullptr);
    ~RelaySession() override;

    qint64 bytesAtoB() const { return m_ab.bytes; }
    qint64 bytesBtoA() const { return m_ba.bytes; }

    //! Closes both sides (server shutdown).
    void close(const QString &reason);

    //! True once the session moves bytes with splice(2) (Linux).
    bool isSpliced() const { return m_mode == Mode::Splice; }
    //! Bytes taken from one side and not yet handed to the other's kernel, both directions
    //! (Qt's write buffers on the copy path; pipes and taken-over buffers when spliced).
    qint64 bytesQueued() const;

Q_SIGNALS:
    void finished(const QString &reason);

private:
    enum class Mode {
        Copy, //!< QTcpSocket read/write
        Draining, //!< reads nothing until Qt's write buffers are empty, then adopts
        Splice, //!< descriptors, pipes, splice(2)
    };

    struct Direction
    {
        QTcpSocket *from = nullptr;
        QTcpSocket *to = nullptr;
        qint64 bytes = 0;
        QTimer *resume = nullptr;
        // Splice mode
        int fromFd = -1;
        int toFd = -1;
        int pipeRead = -1;
        int pipeWrite = -1;
        qint64 inPipe = 0; //!< bytes in the pipe
        QByteArray head; //!< counted bytes that go into the pipe before anything new is read
        QByteArray out; //!< counted bytes taken out of the pipe, not sent yet (send() fallback)
        bool spliceIn = true; //!< false: recv() + write() into the pipe (splice said EINVAL)
        bool spliceOut = true; //!< false: read() from the pipe + send()
        bool flushed = false; //!< finishing: everything queued went out (or cannot)
        bool closed = false; //!< finishing: toFd shut down, drained and closed
        bool isA = true; //!< from is the first peer
    };

    void pump(Direction &d);
    qint64 allowance();
    //! How long to wait for the token bucket (ms), or 0 if \a allowed > 0.
    int tokenWaitMs() const;
    void finish(const QString &reason);
    void checkIdle();
    void finishCopy();
    // Splice mode (Linux)
    void tryAdopt();
    bool adopt();
    void pumpSpliced(Direction &d);
    //! Empties d's out buffer and pipe into d.toFd; false if the session finished (error).
    bool flushOut(Direction &d);
    //! Moves d.head into the pipe; false if the session finished.
    bool headIntoPipe(Direction &d);
    //! Moves up to \a n bytes from d.fromFd into the pipe: > 0 moved, 0 would block,
    //! -1 the session finished (end of stream or error).
    qint64 readIntoPipe(Direction &d, qint64 n);
    void onEvent(bool onA, int event);
    void failSpliced(bool isA, int error);
    void finishSpliced();
    void closingFlush(Direction &d);
    void closingDrain(Direction &d);
    void closeSide(Direction &d);
    void releaseDescriptors();
    Direction &towards(bool a) { return a ? m_ba : m_ab; }

    RelaySessionLimits m_limits;
    QPointer<RelayBandwidth> m_shared;
    QPointer<FdPoller> m_poller; //!< splice mode: the thread's, watching both descriptors
    QString m_label;
    Direction m_ab;
    Direction m_ba;
    double m_tokens = 0; //!< the session's token bucket (rate cap)
    QElapsedTimer m_refill;
    QElapsedTimer m_started;
    QElapsedTimer m_lastActivity;
    QTimer m_idleCheck;
    QByteArray m_buffer;
    Mode m_mode = Mode::Copy;
    bool m_finished = false;
};

} // namespace PunchDrop
