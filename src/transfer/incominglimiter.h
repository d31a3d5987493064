// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QHash>

#include <memory>
#include <optional>

namespace PunchDrop {

/*!
 * Bounds the incoming sessions a receiver runs at once, in total and per sending device, so
 * that strangers cannot make it hold many offers (each up to the OFFER limits) before anyone
 * said yes. A session holds a Slot from the moment it is admitted until it ends; a session that
 * gets none is refused at once with a "busy" error (TransferEngine).
 *
 * Slots share the counters with the limiter, so a slot may outlive the limiter (a coroutine
 * frame that ends after the engine).
 */
class IncomingLimiter
{
public:
    IncomingLimiter(int maxTotal, int maxPerPeer);

    //! Releases its place when destroyed. Move-only.
    class Slot
    {
    public:
        Slot(Slot &&other) noexcept;
        Slot &operator=(Slot &&other) noexcept;
        Slot(const Slot &) = delete;
        Slot &operator=(const Slot &) = delete;
        ~Slot();

    private:
        friend class IncomingLimiter;
        struct Counts;
        Slot(std::shared_ptr<Counts> counts, DeviceId peer);
        void release();
        std::shared_ptr<Counts> m_counts;
        DeviceId m_peer;
    };

    //! A slot for a session from \a peer, or nullopt when the total or the peer's share is full.
    std::optional<Slot> acquire(const DeviceId &peer);

    int active() const;
    int active(const DeviceId &peer) const;

private:
    std::shared_ptr<Slot::Counts> m_counts;
};

} // namespace PunchDrop
