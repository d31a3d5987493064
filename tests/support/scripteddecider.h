// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/offerdecider.h"

#include <QList>

#include <chrono>
#include <memory>

namespace PunchDrop {
class Wakeup;
}

namespace PunchDrop::Test {

/*!
 * The offer decider of tests: answers every offer with one scripted decision, optionally after
 * a delay (a person taking their time, on a timer, never a sleep), and records what it was
 * asked. hold() makes the answers wait until release() (a person who has not decided yet); a
 * held decision answers anyway after holdLimit, and counts in heldTooLong. Must outlive the
 * transfers it decides for; decisions still held when it goes are answered then.
 */
class ScriptedDecider : public OfferDecider
{
public:
    explicit ScriptedDecider(OfferDecision answer = OfferDecision::Accept,
        std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    ~ScriptedDecider() override;

    QCoro::Task<OfferDecision> decide(IncomingOffer offer) override;

    //! From now on decisions wait for release().
    void hold() { m_held->holding = true; }
    //! Answers every waiting decision, and the later ones at once.
    void release();
    //! Decisions that answered because holdLimit ran out, not because of release().
    int heldTooLong() const { return m_held->tooLong; }

    int calls = 0; //!< offers asked about so far
    IncomingOffer last; //!< the latest of them
    //! false: `last` is kept without its item list (tests that measure what an offer costs).
    bool keepItems = true;
    std::chrono::milliseconds holdLimit {10000};

private:
    //! Shared with the held decisions' coroutines, which may resume after the decider is gone.
    struct Held
    {
        bool holding = false;
        QList<Wakeup *> waiting; //!< one per held decision, owned by its coroutine
        int tooLong = 0;
    };

    OfferDecision m_answer;
    std::chrono::milliseconds m_delay;
    std::shared_ptr<Held> m_held = std::make_shared<Held>();
};

} // namespace PunchDrop::Test
