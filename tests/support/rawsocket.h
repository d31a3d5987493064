// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace PunchDrop::Test {

/*!
 * Bare stream sockets for tests that drive descriptors below Qt (FdPoller), the same on Linux,
 * macOS and Windows: POSIX descriptors or Winsock SOCKETs, both carried as qintptr (what
 * QSocketNotifier and FdPoller take). Every socket made here is non-blocking, close-on-exec and
 * never raises SIGPIPE.
 */
namespace RawSocket {

//! A connected pair: AF_UNIX socketpair() on POSIX, a loopback TCP connection on Windows (which
//! has no socketpair). False if the system refused; both stay -1 then.
bool pair(qintptr *a, qintptr *b);
//! A blocking connect to 127.0.0.1:\a port; -1 on failure.
qintptr connectLoopback(quint16 port);
//! Accepts one pending connection from the listening \a fd, non-blocking; -1 on failure.
qintptr accept(qintptr fd);
//! True when \a fd becomes readable (or an accept is pending) within \a timeoutMs.
bool waitReadable(qintptr fd, int timeoutMs);
void makeNonBlocking(qintptr fd);
//! Closes \a fd; -1 is ignored.
void close(qintptr fd);
//! Ends the sending direction of \a fd (a FIN; it can still read). False on failure.
bool shutdownWrite(qintptr fd);
//! recv()/send(): bytes moved, 0 at the end of the stream, -1 on error (see the checks below).
qint64 receive(qintptr fd, char *data, qint64 size);
qint64 send(qintptr fd, const char *data, qint64 size);
//! About the last failed call on this thread: EAGAIN / WSAEWOULDBLOCK, EINTR.
bool wouldBlock();
bool interrupted();

} // namespace RawSocket
} // namespace PunchDrop::Test
