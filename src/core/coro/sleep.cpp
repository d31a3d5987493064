// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/coro/sleep.h"

#include "core/coro/wakeup.h"

namespace PunchDrop {

QCoro::Task<> sleepFor(std::chrono::milliseconds duration)
{
    // Nothing connects to wake(): only the Wakeup's timer resumes, after the full duration.
    Wakeup wakeup;
    co_await wakeup.wait(duration);
}

} // namespace PunchDrop
