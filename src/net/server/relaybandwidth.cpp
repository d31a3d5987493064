// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/relaybandwidth.h"

#include <algorithm>
#include <cmath>

namespace PunchDrop {

namespace {
//! Smallest turn worth waking a reader for (fewer bytes wait for the next refill).
constexpr qint64 kMinTurn = 4096;
} // namespace

RelayBandwidth::RelayBandwidth(qint64 bytesPerSecond, QObject *parent)
    : QObject(parent)
    , m_rate(std::max<qint64>(1, bytesPerSecond))
    // One turn is 10 ms of the rate, but never so small that a turn costs more than it moves.
    , m_quantum(std::max<qint64>(16 * 1024, m_rate / 100))
    // Like a session's bucket: at most 0.1 s saved up while idle, and two turns at least.
    , m_capacity(std::max<qint64>(m_rate / 10, 2 * m_quantum))
    , m_tokens(double(m_capacity))
{
    m_refill.start();
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RelayBandwidth::serve);
}

RelayBandwidth::~RelayBandwidth() = default;

void RelayBandwidth::refill()
{
    const qint64 elapsedNs = m_refill.nsecsElapsed();
    m_refill.restart();
    m_tokens = std::min(double(m_capacity), m_tokens + double(elapsedNs) * 1e-9 * double(m_rate));
}

void RelayBandwidth::enqueue(QObject *reader, std::function<void()> wake)
{
    for (Waiter &w : m_queue) {
        if (w.reader == reader) {
            w.wake = std::move(wake); // keeps its place in the queue
            return;
        }
    }
    m_queue.append({reader, std::move(wake)});
}

qint64 RelayBandwidth::acquire(QObject *reader, qint64 wanted, std::function<void()> wake)
{
    if (wanted <= 0 || !reader)
        return 0;
    refill();
    const qint64 available = qint64(std::floor(m_tokens));
    // No slivers: a grant is a whole turn's worth of what was asked, or kMinTurn at least.
    // (Tokens trickle in continuously; granting them byte by byte would spin.)
    const auto worthIt
        = [](qint64 grant, qint64 cap) { return grant > 0 && grant >= std::min(cap, kMinTurn); };
    if (reader == m_serving) {
        const qint64 cap = std::min(wanted, m_servingLeft);
        const qint64 grant = std::min(cap, available);
        if (worthIt(grant, cap)) {
            m_tokens -= double(grant);
            m_servingLeft -= grant;
            return grant;
        }
        // Its turn is over: to the back of the queue.
        m_servingLeft = 0;
        enqueue(reader, std::move(wake));
        schedule();
        return 0;
    }
    // Nobody takes bytes past a waiting reader.
    if (m_queue.isEmpty() && worthIt(std::min(wanted, available), wanted)) {
        const qint64 grant = std::min(wanted, available);
        m_tokens -= double(grant);
        return grant;
    }
    enqueue(reader, std::move(wake));
    schedule();
    return 0;
}

void RelayBandwidth::refund(qint64 bytes)
{
    if (bytes <= 0)
        return;
    m_tokens = std::min(double(m_capacity), m_tokens + double(bytes));
}

void RelayBandwidth::charge(qint64 bytes)
{
    if (bytes <= 0)
        return;
    refill();
    m_tokens -= double(bytes);
}

void RelayBandwidth::forget(QObject *reader)
{
    m_queue.removeIf([reader](const Waiter &w) { return w.reader == reader || !w.reader; });
    if (m_serving == reader)
        m_serving = nullptr;
    if (m_queue.isEmpty())
        m_timer.stop();
}

void RelayBandwidth::serve()
{
    refill();
    const qint64 minTurn = std::min(kMinTurn, m_quantum);
    // Each pass either drops a reader from the queue or hands out at least one byte, so this ends.
    while (!m_queue.isEmpty() && m_tokens >= double(minTurn)) {
        Waiter next = m_queue.takeFirst();
        if (!next.reader)
            continue;
        m_serving = next.reader;
        m_servingLeft = m_quantum;
        next.wake(); // reads through acquire(); re-queues itself when it wants more
        m_serving = nullptr;
        m_servingLeft = 0;
        refill();
    }
    schedule();
}

void RelayBandwidth::schedule()
{
    if (m_queue.isEmpty()) {
        m_timer.stop();
        return;
    }
    if (m_timer.isActive() || m_serving)
        return; // serve() reschedules when the current turn ends
    // Wake when a whole turn has accumulated.
    const double missing = std::max(0.0, double(m_quantum) - m_tokens);
    const int delayMs = int(std::ceil(missing * 1000.0 / double(m_rate)));
    m_timer.start(std::max(1, delayMs));
}

} // namespace PunchDrop
