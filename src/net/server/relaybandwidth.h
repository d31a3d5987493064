// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

namespace PunchDrop {

/*!
 * The relay's global rate cap (`--relay-rate-total`): one token bucket that every relay session
 * of a RelayHub draws from, on top of each session's own cap.
 *
 * Fairness: while nobody waits, a reader takes what the bucket holds. Once the bucket is empty
 * the readers queue up (one entry per waiting reader; a relay session has one reader per
 * direction) and are served round-robin, each at most one quantum (10 ms of the rate, at least
 * 16 KiB) per turn; a reader that used up its quantum goes to the back of the queue, and nobody
 * may take bytes past a waiting reader. So a busy session cannot starve the others, and the
 * bytes of each turn are read from the socket only when they may be sent on.
 *
 * Backpressure: a reader that gets nothing stops reading its socket until it is woken; its
 * socket's read buffer is capped (RelaySession), so TCP flow control slows the peer down and no
 * memory grows while it waits.
 */
class RelayBandwidth : public QObject
{
    Q_OBJECT
public:
    //! \a bytesPerSecond > 0.
    explicit RelayBandwidth(qint64 bytesPerSecond, QObject *parent = nullptr);
    ~RelayBandwidth() override;

    qint64 rate() const { return m_rate; }
    //! The most one reader gets per turn while others wait.
    qint64 quantum() const { return m_quantum; }
    //! Readers waiting for their turn.
    int waiting() const { return int(m_queue.size()); }

    /*!
     * Up to \a wanted bytes that \a reader may read and forward now (0 ≤ result ≤ wanted).
     * 0 means "wait": \a reader is queued and \a wake is called once from the event loop when its
     * turn comes (not if \a reader is destroyed first). Within \a wake the reader calls acquire()
     * again and gets at most one quantum in all. \a wanted ≤ 0 returns 0 without queueing.
     */
    qint64 acquire(QObject *reader, qint64 wanted, std::function<void()> wake);
    //! Returns \a bytes of a grant that were not used (the socket held fewer bytes).
    void refund(qint64 bytes);
    //! Takes \a bytes that were forwarded without a grant (a relay session taking over what Qt
    //! had already read): the bucket may go below zero, and readers wait until it refills.
    void charge(qint64 bytes);
    //! Drops \a reader from the queue (it stops reading for good).
    void forget(QObject *reader);

private:
    struct Waiter
    {
        QPointer<QObject> reader;
        std::function<void()> wake;
    };

    void refill();
    void enqueue(QObject *reader, std::function<void()> wake);
    void serve();
    void schedule();

    qint64 m_rate;
    qint64 m_quantum;
    qint64 m_capacity;
    double m_tokens;
    QElapsedTimer m_refill;
    QList<Waiter> m_queue;
    QTimer m_timer;
    QObject *m_serving = nullptr; //!< the reader whose wake() runs now
    qint64 m_servingLeft = 0; //!< what it may still take in this turn
};

} // namespace PunchDrop
