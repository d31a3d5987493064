// SPDX-License-Identifier: GPL-3.0-or-later
#include "clidecider.h"

#include "eventprinter.h"

#include "core/coro/wakeup.h"

#include <QFile>
#include <QSocketNotifier>

#include <cstdio>

#ifndef Q_OS_WIN
#include <unistd.h>
#endif

namespace PunchDrop::Cli {

CliDecider::CliDecider(bool acceptAll, EventPrinter &printer)
    : m_acceptAll(acceptAll)
    , m_printer(printer)
{ }

QCoro::Task<OfferDecision> CliDecider::decide(IncomingOffer offer)
{
    m_printer.offer(offer.senderName, offer.fileCount, offer.totalBytes,
        offer.firstContact ? offer.verificationCode : QString());
    if (m_acceptAll)
        co_return OfferDecision::Accept;
#ifndef Q_OS_WIN
    if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
        std::fprintf(stderr, "Accept? [y/N] ");
        std::fflush(stderr);
        // The notifier is level-triggered and fires on every loop turn while input waits: a
        // Wakeup resumes once (qCoro(signal) would queue a resume per activation).
        QSocketNotifier notifier(STDIN_FILENO, QSocketNotifier::Read);
        Wakeup wakeup;
        QObject::connect(&notifier, &QSocketNotifier::activated, &wakeup, &Wakeup::wake);
        const bool ready = co_await wakeup.wait(std::chrono::minutes(10));
        notifier.setEnabled(false);
        if (!ready)
            co_return OfferDecision::Decline;
        char line[64] = {};
        const ssize_t n = ::read(STDIN_FILENO, line, sizeof line - 1);
        co_return (n > 0 && (line[0] == 'y' || line[0] == 'Y')) ? OfferDecision::Accept
                                                                : OfferDecision::Decline;
    }
#endif
    m_printer.info(QStringLiteral("Declined: no terminal to ask. Run 'punchdrop receive --yes' to "
                                  "accept transfers without asking."));
    co_return OfferDecision::Decline;
}

} // namespace PunchDrop::Cli
