// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>

class QTcpSocket;

namespace PunchDrop {

class RelayBandwidth;

//! Limits of one spliced relay session (see RelayHub for where they come from).
struct RelaySessionLimits
{
    qint64 rateBytesPerSecond = 0; //!< both directions together; 0 = unlimited
    qint64 highWater = 256 * 1024; //!< read from one side only while the other has less queued
    qint64 chunkSize = 64 * 1024;
    std::chrono::milliseconds idleTimeout {120000}; //!< no byte in either direction → close
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

Q_SIGNALS:
    void finished(const QString &reason);

private:
    struct Direction
    {
        QTcpSocket *from = nullptr;
        QTcpSocket *to = nullptr;
        qint64 bytes = 0;
        QTimer *resume = nullptr;
    };

    void pump(Direction &d);
    qint64 allowance();
    void finish(const QString &reason);
    void checkIdle();

    RelaySessionLimits m_limits;
    QPointer<RelayBandwidth> m_shared;
    QString m_label;
    Direction m_ab;
    Direction m_ba;
    double m_tokens = 0; //!< the session's token bucket (rate cap)
    QElapsedTimer m_refill;
    QElapsedTimer m_started;
    QElapsedTimer m_lastActivity;
    QTimer m_idleCheck;
    QByteArray m_buffer;
    bool m_finished = false;
};

} // namespace PunchDrop
