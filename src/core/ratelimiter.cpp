// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/ratelimiter.h"

#include <algorithm>

namespace PunchDrop {

RateLimiter::RateLimiter(int ratePerSecond, int maxSources)
    : m_rate(std::max(1, ratePerSecond))
    , m_maxSources(std::max(1, maxSources))
{ }

void RateLimiter::refill(Bucket &bucket, qint64 nowMs) const
{
    const qint64 elapsed = std::max<qint64>(0, nowMs - bucket.lastMs);
    bucket.tokens = std::min(m_rate, bucket.tokens + m_rate * double(elapsed) / 1000.0);
    bucket.lastMs = nowMs;
}

void RateLimiter::forgetIdle(qint64 nowMs)
{
    // A bucket that has refilled completely carries no information: forgetting it changes nothing.
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        refill(it.value(), nowMs);
        if (it.value().tokens >= m_rate)
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

bool RateLimiter::allow(const QHostAddress &source, qint64 nowMs)
{
    auto it = m_buckets.find(source);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_maxSources) {
            forgetIdle(nowMs);
            if (m_buckets.size() >= m_maxSources)
                return false;
        }
        it = m_buckets.insert(source, Bucket {m_rate, nowMs});
    }
    refill(it.value(), nowMs);
    if (it.value().tokens < 1.0)
        return false;
    it.value().tokens -= 1.0;
    return true;
}

} // namespace PunchDrop
