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
 * Runs \a fn on \a pool (file I/O and hashing must never block the GUI thread) and resumes the
 * awaiting coroutine on its own thread with the result. The task starts at once, so a caller
 * can start a read ahead and co_await it later. \a fn must be self-contained: capture shared
 * state by shared_ptr, never by reference to a coroutine frame.
 *
 * (QCoro 0.8's co_await on a QFuture can resume twice when the future finishes while its
 * QFutureWatcher is being set up; this hand-off resumes exactly once.)
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
 * Where a job started by runOffThreadHandingOver() leaves its result: set() exactly once, from
 * any thread (the job's, or one it handed the work on to). Copyable: every copy is the same slot.
 */
template<typename R> class OffThreadResult
{
public:
    explicit OffThreadResult(std::shared_ptr<Detail::OffThreadState<R>> state)
        : m_state(std::move(state))
    { }
    void set(R value) const
    {
        QMutexLocker lock(&m_state->mutex);
        m_state->result.emplace(std::move(value));
        if (m_state->target)
            QMetaObject::invokeMethod(m_state->target, &Wakeup::wake, Qt::QueuedConnection);
    }

private:
    std::shared_ptr<Detail::OffThreadState<R>> m_state;
};

/*!
 * Like runOffThread(), for work that goes on somewhere else: \a fn runs on \a pool with the
 * OffThreadResult<R> it must set() once, there or in a job it starts on another pool (a second
 * stage), and the awaiting coroutine resumes on its own thread with that value. Whoever owns
 * the other pool must keep it until \a pool finished its jobs, and wait for both.
 */
template<typename R, typename Fn> QCoro::Task<R> runOffThreadHandingOver(QThreadPool *pool, Fn fn)
{
    auto state = std::make_shared<Detail::OffThreadState<R>>();
    pool->start([result = OffThreadResult<R>(state), fn = std::move(fn)]() mutable { fn(result); });
    return Detail::awaitOffThread<R>(std::move(state));
}

/*!
 * Runs \a fn on \a pool (file I/O and hashing must never block the GUI thread) and resumes the
 * awaiting coroutine on its own thread with the result. The work starts at once, so a caller
 * can start a read ahead and co_await it later. \a fn must be self-contained: capture shared
 * state by shared_ptr, never by reference to a coroutine frame.
 *
 * Deliberately not a coroutine itself: GCC 12 mishandles closure temporaries passed by value
 * into a coroutine inside a co_await expression (double destruction). And QCoro 0.8's co_await
 * on a QFuture can resume twice; this hand-off resumes exactly once.
 */
template<typename Fn>
auto runOffThread(QThreadPool *pool, Fn fn) -> QCoro::Task<std::invoke_result_t<Fn>>
{
    using R = std::invoke_result_t<Fn>;
    return runOffThreadHandingOver<R>(
        pool, [fn = std::move(fn)](const OffThreadResult<R> &result) mutable { result.set(fn()); });
}

} // namespace PunchDrop
