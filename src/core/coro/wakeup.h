// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>

#include <chrono>
#include <coroutine>

namespace PunchDrop {

/*!
 * "Wait until something happens, at most this long" for one coroutine at a time. Any number of
 * signals can be connected to wake(); the waiting coroutine is resumed exactly once, from the
 * event loop (never inside the emitter's stack). QCoro 0.8's qCoro(signal) cannot be used for
 * signals that fire repeatedly: each emission queues a resume, and the second one resumes a
 * coroutine that has moved on (a crash). Spurious wake-ups are possible; callers re-check their
 * condition and keep their own deadline.
 */
class Wakeup : public QObject
{
    Q_OBJECT
public:
    explicit Wakeup(QObject *parent = nullptr);
    ~Wakeup() override;

    struct Awaiter
    {
        Wakeup *wakeup;
        std::chrono::milliseconds timeout;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> handle) { wakeup->arm(handle, timeout); }
        //! True when woken, false on timeout.
        bool await_resume() const noexcept { return wakeup->m_woken; }
    };
    //! co_await wait(timeout): true when wake() was called, false after \a timeout.
    Awaiter wait(std::chrono::milliseconds timeout) { return Awaiter {this, timeout}; }

    /*!
     * Resumes the waiting coroutine at once, on the caller's stack (wake() queues it instead).
     * Only for an owner that ends the wait from its own stop or destructor, and whose coroutine
     * first checks something still valid then (a generation counter) and returns.
     */
    void wakeNow() { resumeNow(true); }

public Q_SLOTS:
    void wake();

private:
    void arm(std::coroutine_handle<> handle, std::chrono::milliseconds timeout);
    void resumeNow(bool woken);

    std::coroutine_handle<> m_handle;
    QTimer m_timer;
    bool m_woken = false;
    bool m_scheduled = false;
};

} // namespace PunchDrop
