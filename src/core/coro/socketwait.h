// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractSocket>
#include <QIODevice>

#include <qcorotask.h>

#include <chrono>

namespace PunchDrop {

enum class ConnectOutcome { Connected, Failed, TimedOut };

/*!
 * Waits until \a socket (already in connectToHost) is connected, fails, or \a timeout passes.
 * Unlike qCoro(socket).waitForConnected() it returns at once on a refusal instead of sitting out
 * the timeout (QCoro 0.8 only listens to connected()). On timeout the socket is left as it is;
 * a socket deleted during the wait counts as Failed.
 */
QCoro::Task<ConnectOutcome> waitConnected(
    QAbstractSocket *socket, std::chrono::milliseconds timeout);

/*!
 * Waits until \a device has bytes to read, at most \a timeout. True when bytes are available;
 * false on timeout, or at once when the device closes, is deleted or (a socket) leaves the
 * connected state. Replaces qCoro(device).waitForReadyRead(), which lives in QCoro's compiled
 * library (QCoro stays header-only, cmake/QCoroDependency.cmake).
 */
QCoro::Task<bool> waitReadable(QIODevice *device, std::chrono::milliseconds timeout);

} // namespace PunchDrop
