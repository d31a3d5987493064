// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketwait.h"

#include <qcorosignal.h>

namespace PunchDrop {

QCoro::Task<ConnectOutcome> waitConnected(QAbstractSocket *socket, std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto state = socket->state();
        if (state == QAbstractSocket::ConnectedState)
            co_return ConnectOutcome::Connected;
        if (state == QAbstractSocket::UnconnectedState || state == QAbstractSocket::BoundState)
            co_return ConnectOutcome::Failed;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            co_return ConnectOutcome::TimedOut;
        const auto changed = co_await qCoro(socket, &QAbstractSocket::stateChanged, left);
        if (!changed)
            co_return socket->state() == QAbstractSocket::ConnectedState ? ConnectOutcome::Connected
                                                                           : ConnectOutcome::TimedOut;
    }
}

} // namespace PunchDrop
