// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/wakeup.h"

#include <QMutex>
#include <QThreadPool>

#include <qcorotask.h>

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>

namespace PunchDrop {

/*!
 * The hand-off between a pool job and the coroutine that takes its result: the result, and the
 * Wakeup to post to once someone awaits it (startOffThread(), runOffThread() below).
 */
namespace Detail {

template<typename R> struct OffThreadState
{
    QMutex mutex;
    Wakeup *target = nullptr; //!< the awaiting frame's Wakeup; nulled when the frame goes away
    std::optional<R> result;
};

template<typename R> QCoro::Task<R> awaitOffThread(std::shared_ptr<OffThreadState<R>> state)
{
    Wakeup wakeup;
    struct Detach
    {
        OffThreadState<R> *state;
        ~Detach()
        {
            QMutexLocker lock(&state->mutex);
            state->target = nullptr;
        }
    } detach {state.get()};
    for (;;) {
        {
            QMutexLocker lock(&state->mutex);
            if (state->result)
                break;
            state->target = &wakeup;
        }
        // The queued wake() can only run after this wait is armed (same thread, no event loop
        // in between), so it is never lost.
        co_await wakeup.wait(std::chrono::hours(24));
    }
    QMutexLocker lock(&state->mutex);
    R out = std::move(*state->result);
    co_return out;
}

} // namespace Detail

/*!
 * Work started on a pool by startOffThread(): its result, taken when the owner wants it. Until
 * someone awaits result(), the worker finishes without waking the owner's thread: a queue of
 * chunk writes or reads ahead is checked with isReady() when the owner passes by anyway, and
 * only a wait for one that is not done yet costs a wakeup when it is.
 */
template<typename R> class OffThread
{
public:
    explicit OffThread(std::shared_ptr<Detail::OffThreadState<R>> state)
        : m_state(std::move(state))
    { }
    //! The work is done (its result can be taken without waiting).
    bool isReady() const
    {
        QMutexLocker lock(&m_state->mutex);
        return m_state->result.has_value();
    }
    //! The result, resuming the awaiting coroutine on its own thread (at once if it is ready).
    //! Once per OffThread.
    QCoro::Task<R> result() { return Detail::awaitOffThread<R>(m_state); }

private:
    std::shared_ptr<Detail::OffThreadState<R>> m_state;
};

/*!
 * Runs \a fn on \a pool (file I/O and hashing must never block the GUI thread); the result is
 * the returned handle's. \a fn must be self-contained: capture shared state by shared_ptr, never
 * by reference to a coroutine frame.
 */
template<typename Fn>
auto startOffThread(QThreadPool *pool, Fn fn) -> OffThread<std::invoke_result_t<Fn>>
{
    using R = std::invoke_result_t<Fn>;
    auto state = std::make_shared<Detail::OffThreadState<R>>();
    pool->start([state, fn = std::move(fn)]() mutable {
        R value = fn();
        QMutexLocker lock(&state->mutex);
        state->result.emplace(std::move(value));
        if (state->target) // someone awaits result(): wake its thread
            QMetaObject::invokeMethod(state->target, &Wakeup::wake, Qt::QueuedConnection);
    });
    return OffThread<R>(std::move(state));
}

/*!
 * Runs \a fn on \a pool (file I/O and hashing must never block the GUI thread) and resumes the
 * awaiting coroutine on its own thread with the result. The work starts at once, so a caller
 * can start a read ahead and co_await it later (the task waits for the result from the start:
 * the worker wakes this thread when it is done; startOffThread() for work whose result is
 * taken later, without that wakeup). \a fn must be self-contained: capture shared state by
 * shared_ptr, never by reference to a coroutine frame.
 *
 * Deliberately not a coroutine itself: GCC 12 mishandles closure temporaries passed by value
 * into a coroutine inside a co_await expression (double destruction). And QCoro 0.8's co_await
 * on a QFuture can resume twice; this hand-off resumes exactly once.
 */
template<typename Fn>
auto runOffThread(QThreadPool *pool, Fn fn) -> QCoro::Task<std::invoke_result_t<Fn>>
{
    return startOffThread(pool, std::move(fn)).result();
}

} // namespace PunchDrop
