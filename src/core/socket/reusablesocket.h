// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QString>

#include <chrono>

class QTcpServer;
class QTcpSocket;

namespace PunchDrop {

/*!
 * Native TCP sockets that share one local port P between the control connection, the punch
 * listener and every outgoing punch attempt.
 *
 * Qt only sets SO_REUSEADDR for TCP, and on Linux a bind() after listen() on the same port then
 * fails with EADDRINUSE. So the sockets are created natively with SO_REUSEADDR + SO_REUSEPORT
 * (Linux, macOS, BSD) and handed to Qt: outgoing ones in BoundState (Qt then connects on the same
 * fd), listeners through QTcpServer::setSocketDescriptor. Windows has no SO_REUSEPORT; its
 * SO_REUSEADDR already lets a socket bind a port that a listener holds, so it is set on every
 * socket there (and never SO_EXCLUSIVEADDRUSE).
 */
namespace ReusableSocket {

//! A bound, non-blocking, close-on-exec TCP socket on \a address:\a port (0: the OS picks). -1 on
//! error.
qintptr createBound(const QHostAddress &address, quint16 port, QString *error);

//! A QTcpSocket (or subclass) that owns \a fd in BoundState; connectToHost() then uses that fd.
bool adoptBound(QTcpSocket &socket, qintptr fd, QString *error);

//! A QTcpServer listening on \a address:\a port with the reuse options. False with \a error.
bool listen(QTcpServer &server, const QHostAddress &address, quint16 port, QString *error);

/*!
 * Raises the soft limit of open descriptors to \a wanted where it is lower and the hard limit
 * allows (at most the hard limit): port guessing opens hundreds of sockets at once, and 1,024
 * is a common default. Best effort; a no-op on Windows.
 */
void reserveDescriptors(int wanted);

/*!
 * How long data this side sent may stay unacknowledged before the kernel gives the connection
 * up (ETIMEDOUT): TCP_USER_TIMEOUT on Linux, TCP_RXT_CONNDROPTIME on macOS, TCP_MAXRT on
 * Windows (whole seconds there). A path that died silently (a NAT forgot the mapping, a route
 * went away) then fails in \a timeout instead of after the kernel's ~15 minutes of resends;
 * a peer that is alive but slow still acknowledges (window probes), so it never trips this.
 * False where the platform has no such option.
 */
bool limitUnacknowledged(qintptr fd, std::chrono::milliseconds timeout);

//! Closes a native descriptor that was never handed to Qt.
void closeNative(qintptr fd);

} // namespace ReusableSocket
} // namespace PunchDrop
