// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QString>

namespace PunchDrop {

/*!
 * At most one log line per interval for one kind of event that a stranger can cause at will
 * (refused or idle connections, relay refusals): a flood must not flood the log too. The line
 * that passes says how many were held back since the previous one.
 */
class LogThrottle
{
public:
    explicit LogThrottle(qint64 intervalMs = 1000);

    //! Whether to log now; if so, \a suppressed (may be null) is how many lines were held back.
    bool allow(int *suppressed = nullptr);
    //! " (N similar lines not logged)", or nothing for 0.
    static QString suffix(int suppressed);

private:
    QElapsedTimer m_clock;
    qint64 m_intervalMs;
    qint64 m_lastMs = -1;
    int m_suppressed = 0;
};

} // namespace PunchDrop
