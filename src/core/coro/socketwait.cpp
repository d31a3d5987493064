// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/coro/socketwait.h"

#include "core/coro/wakeup.h"

#include <QPointer>

namespace PunchDrop {

QCoro::Task<ConnectOutcome> waitConnected(
    QAbstractSocket *socket, std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    // A Wakeup, not qCoro(signal): stateChanged fires several times in a row (connecting,
    // connected, closing …) and QCoro 0.8 would queue one resume per emission.
    Wakeup wakeup;
    QObject::connect(socket, &QAbstractSocket::stateChanged, &wakeup, &Wakeup::wake);
    // The wake-up arrives from the event loop: the socket may have been deleted by then.
    const QPointer<QAbstractSocket> guard(socket);
    while (true) {
        if (!guard)
            co_return ConnectOutcome::Failed;
        const auto state = socket->state();
        if (state == QAbstractSocket::ConnectedState)
            co_return ConnectOutcome::Connected;
        if (state == QAbstractSocket::UnconnectedState || state == QAbstractSocket::BoundState)
            co_return ConnectOutcome::Failed;
        const auto left
            = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            co_return ConnectOutcome::TimedOut;
        co_await wakeup.wait(left);
    }
}

QCoro::Task<bool> waitReadable(QIODevice *device, std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    Wakeup wakeup;
    QObject::connect(device, &QIODevice::readyRead, &wakeup, &Wakeup::wake);
    QObject::connect(device, &QIODevice::aboutToClose, &wakeup, &Wakeup::wake);
    QObject::connect(device, &QObject::destroyed, &wakeup, &Wakeup::wake);
    auto *socket = qobject_cast<QAbstractSocket *>(device);
    if (socket)
        QObject::connect(socket, &QAbstractSocket::stateChanged, &wakeup, &Wakeup::wake);
    const QPointer<QIODevice> guard(device);
    while (true) {
        if (!guard || !device->isOpen())
            co_return false;
        if (device->bytesAvailable() > 0)
            co_return true;
        if (socket && socket->state() != QAbstractSocket::ConnectedState)
            co_return false;
        const auto left
            = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            co_return false;
        co_await wakeup.wait(left);
    }
}

} // namespace PunchDrop
