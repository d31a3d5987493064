// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/logthrottle.h"

namespace PunchDrop {

LogThrottle::LogThrottle(qint64 intervalMs)
    : m_intervalMs(intervalMs)
{
    m_clock.start();
}

bool LogThrottle::allow(int *suppressed)
{
    const qint64 now = m_clock.elapsed();
    if (m_lastMs >= 0 && now - m_lastMs < m_intervalMs) {
        ++m_suppressed;
        return false;
    }
    if (suppressed)
        *suppressed = m_suppressed;
    m_lastMs = now;
    m_suppressed = 0;
    return true;
}

QString LogThrottle::suffix(int suppressed)
{
    return suppressed > 0 ? QStringLiteral(" (%1 similar lines not logged)").arg(suppressed)
                          : QString();
}

} // namespace PunchDrop
