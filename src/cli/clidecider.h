// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/offerdecider.h"

namespace PunchDrop::Cli {

class EventPrinter;

/*!
 * The terminal's answer to incoming offers: --yes accepts everything; otherwise, on a terminal,
 * it asks "Accept? [y/N]" (read without blocking the event loop); with no terminal it declines
 * and says how to accept.
 */
class CliDecider : public OfferDecider
{
public:
    CliDecider(bool acceptAll, EventPrinter &printer);
    QCoro::Task<OfferDecision> decide(IncomingOffer offer) override;

private:
    bool m_acceptAll;
    EventPrinter &m_printer;
};

} // namespace PunchDrop::Cli
