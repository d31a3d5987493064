// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFuture>
#include <QPromise>
#include <QThreadPool>

#include <memory>
#include <type_traits>

namespace PunchDrop {

/*!
 * Runs \a fn on \a pool (file I/O and hashing must never block the GUI thread) and returns a
 * future that a coroutine can co_await (qcorofuture.h). \a fn must be self-contained: capture
 * shared state by shared_ptr, never by reference to a coroutine frame that may go away.
 */
template<typename Fn>
auto runOffThread(QThreadPool *pool, Fn fn) -> QFuture<std::invoke_result_t<Fn>>
{
    using R = std::invoke_result_t<Fn>;
    auto promise = std::make_shared<QPromise<R>>();
    QFuture<R> future = promise->future();
    promise->start();
    pool->start([promise, fn = std::move(fn)]() mutable {
        promise->addResult(fn());
        promise->finish();
    });
    return future;
}

} // namespace PunchDrop
