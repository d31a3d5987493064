// SPDX-License-Identifier: GPL-3.0-or-later
#include "clidecider.h"

#include "eventprinter.h"

#include "core/coro/wakeup.h"

#include <QFile>
#include <QSocketNotifier>

#include <cstdio>

#ifdef Q_OS_WIN
#include <QWinEventNotifier>

#include <io.h>
#include <windows.h>
#else
#include <unistd.h>
#endif

namespace PunchDrop::Cli {

namespace {

#ifdef Q_OS_WIN
bool isConsole(HANDLE handle)
{
    DWORD mode = 0;
    return handle != nullptr && handle != INVALID_HANDLE_VALUE && GetConsoleMode(handle, &mode);
}

/*!
 * The next key typed on the console \a input: 'y' or 'n' (Enter, Escape and anything else count as
 * no); 0 when \a timeout passes. The console input handle is signalled for every input record
 * (key up, focus, mouse), so records are read one by one until a key goes down.
 */
QCoro::Task<char> nextConsoleKey(HANDLE input, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    FlushConsoleInputBuffer(input); // nothing typed before the question answers it
    QWinEventNotifier notifier(input);
    Wakeup wakeup;
    QObject::connect(&notifier, &QWinEventNotifier::activated, &wakeup, &Wakeup::wake);
    while (true) {
        DWORD pending = 0;
        while (GetNumberOfConsoleInputEvents(input, &pending) && pending > 0) {
            INPUT_RECORD record;
            DWORD read = 0;
            if (!ReadConsoleInputW(input, &record, 1, &read) || read == 0)
                co_return 'n';
            if (record.EventType != KEY_EVENT || !record.Event.KeyEvent.bKeyDown)
                continue;
            const wchar_t key = record.Event.KeyEvent.uChar.UnicodeChar;
            if (key == 0)
                continue; // Shift, Ctrl, arrows ...
            co_return (key == L'y' || key == L'Y') ? 'y' : 'n';
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !co_await wakeup.wait(left))
            co_return char(0);
    }
}
#endif

} // namespace

CliDecider::CliDecider(bool acceptAll, EventPrinter &printer)
    : m_acceptAll(acceptAll)
    , m_printer(printer)
{ }

QCoro::Task<OfferDecision> CliDecider::decide(IncomingOffer offer)
{
    int folders = 0;
    for (const OfferItem &item : std::as_const(offer.items))
        folders += item.isDirectory ? 1 : 0;
    m_printer.offer(offer.senderName.isEmpty() ? offer.sender.shortString() : offer.senderName,
        offer.fileCount, folders, offer.totalBytes, offer.verificationCode, offer.firstContact,
        offer.nameWarning);
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
#else
    const HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
    if (isConsole(input) && isConsole(reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stderr))))) {
        std::fprintf(stderr, "Accept? [y/N] ");
        std::fflush(stderr);
        const char key = co_await nextConsoleKey(input, std::chrono::minutes(10));
        std::fprintf(stderr, "%c\n", key == 'y' ? 'y' : 'n');
        std::fflush(stderr);
        co_return key == 'y' ? OfferDecision::Accept : OfferDecision::Decline;
    }
#endif
    m_printer.info(QStringLiteral("Declined: no terminal to ask. Run 'punchdrop receive --yes' to "
                                  "accept transfers without asking."));
    co_return OfferDecision::Decline;
}

} // namespace PunchDrop::Cli
