// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/scripteddecider.h"

#include "core/coro/sleep.h"
#include "core/coro/wakeup.h"

namespace PunchDrop::Test {

ScriptedDecider::ScriptedDecider(OfferDecision answer, std::chrono::milliseconds delay)
    : m_answer(answer)
    , m_delay(delay)
{ }

ScriptedDecider::~ScriptedDecider()
{
    release();
}

QCoro::Task<OfferDecision> ScriptedDecider::decide(IncomingOffer offer)
{
    ++calls;
    last = std::move(offer);
    if (!keepItems)
        last.items.clear();
    // Nothing of `this` is touched after a co_await: the decider may be gone by then.
    const OfferDecision answer = m_answer;
    const auto held = m_held;
    const auto limit = holdLimit;
    if (m_delay.count() > 0)
        co_await sleepFor(m_delay);
    if (held->holding) {
        const auto wakeup = std::make_unique<Wakeup>();
        held->waiting.append(wakeup.get());
        const bool released = co_await wakeup->wait(limit);
        held->waiting.removeOne(wakeup.get());
        if (!released)
            ++held->tooLong;
    }
    co_return answer;
}

void ScriptedDecider::release()
{
    m_held->holding = false;
    for (Wakeup *wakeup : std::as_const(m_held->waiting))
        wakeup->wake();
}

} // namespace PunchDrop::Test
