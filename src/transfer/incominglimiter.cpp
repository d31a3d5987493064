// SPDX-License-Identifier: GPL-3.0-or-later
#include "transfer/incominglimiter.h"

#include <utility>

namespace PunchDrop {

struct IncomingLimiter::Slot::Counts
{
    int maxTotal = 0;
    int maxPerPeer = 0;
    int total = 0;
    QHash<DeviceId, int> perPeer;
};

IncomingLimiter::IncomingLimiter(int maxTotal, int maxPerPeer)
    : m_counts(std::make_shared<Slot::Counts>())
{
    m_counts->maxTotal = maxTotal;
    m_counts->maxPerPeer = maxPerPeer;
}

std::optional<IncomingLimiter::Slot> IncomingLimiter::acquire(const DeviceId &peer)
{
    Slot::Counts &c = *m_counts;
    if (c.total >= c.maxTotal || c.perPeer.value(peer) >= c.maxPerPeer)
        return std::nullopt;
    ++c.total;
    ++c.perPeer[peer];
    return Slot(m_counts, peer);
}

int IncomingLimiter::active() const
{
    return m_counts->total;
}

int IncomingLimiter::active(const DeviceId &peer) const
{
    return m_counts->perPeer.value(peer);
}

IncomingLimiter::Slot::Slot(std::shared_ptr<Counts> counts, DeviceId peer)
    : m_counts(std::move(counts))
    , m_peer(std::move(peer))
{ }

IncomingLimiter::Slot::Slot(Slot &&other) noexcept
    : m_counts(std::exchange(other.m_counts, nullptr))
    , m_peer(std::move(other.m_peer))
{ }

IncomingLimiter::Slot &IncomingLimiter::Slot::operator=(Slot &&other) noexcept
{
    if (this != &other) {
        release();
        m_counts = std::exchange(other.m_counts, nullptr);
        m_peer = std::move(other.m_peer);
    }
    return *this;
}

IncomingLimiter::Slot::~Slot()
{
    release();
}

void IncomingLimiter::Slot::release()
{
    if (!m_counts)
        return;
    --m_counts->total;
    auto it = m_counts->perPeer.find(m_peer);
    if (it != m_counts->perPeer.end() && --it.value() <= 0)
        m_counts->perPeer.erase(it);
    m_counts.reset();
}

} // namespace PunchDrop
