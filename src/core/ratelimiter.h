// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QHostAddress>

namespace PunchDrop {

/*!
 * A token bucket per source address: each source may send \a ratePerSecond packets per second on
 * average and in a burst. The table is bounded (maxSources): when it is full, idle sources are
 * forgotten first, and packets from new sources are refused while every slot is busy, so a flood
 * from many spoofed addresses costs memory only up to that bound.
 */
class RateLimiter
{
public:
    static constexpr int kDefaultMaxSources = 1024;

    explicit RateLimiter(int ratePerSecond, int maxSources = kDefaultMaxSources);

    //! Whether a packet from \a source at \a nowMs (any monotonic millisecond clock) may pass.
    bool allow(const QHostAddress &source, qint64 nowMs);
    int trackedSources() const { return int(m_buckets.size()); }

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 lastMs = 0;
    };
    void refill(Bucket &bucket, qint64 nowMs) const;
    void forgetIdle(qint64 nowMs);

    double m_rate;
    int m_maxSources;
    QHash<QHostAddress, Bucket> m_buckets;
};

} // namespace PunchDrop
