// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/rawsocket.h"

#ifdef Q_OS_WIN
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace PunchDrop::Test::RawSocket {

namespace {

#ifdef Q_OS_WIN
using Native = SOCKET;
constexpr qintptr kInvalid = qintptr(INVALID_SOCKET);
#else
using Native = int;
constexpr qintptr kInvalid = -1;
#endif

//! Close-on-exec and no SIGPIPE where the platform needs a socket option for them.
void prepare(qintptr fd)
{
#ifndef Q_OS_WIN
    ::fcntl(int(fd), F_SETFD, FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
    const int on = 1;
    ::setsockopt(int(fd), SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
#endif
    makeNonBlocking(fd);
}

sockaddr_in loopback(quint16 port)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

#ifdef Q_OS_WIN
bool startWinsock()
{
    static const bool started = [] {
        WSADATA data;
        return WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    return started;
}
#endif

} // namespace

bool pair(qintptr *a, qintptr *b)
{
    *a = *b = -1;
#ifdef Q_OS_WIN
    if (!startWinsock())
        return false;
    const SOCKET listener = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (listener == INVALID_SOCKET)
        return false;
    sockaddr_in address = loopback(0);
    int length = sizeof address;
    const bool listening = ::bind(listener, reinterpret_cast<sockaddr *>(&address), length) == 0
        && ::listen(listener, 1) == 0
        && ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) == 0;
    const qintptr client = listening ? connectLoopback(ntohs(address.sin_port)) : -1;
    const SOCKET server = client >= 0 ? ::accept(listener, nullptr, nullptr) : INVALID_SOCKET;
    ::closesocket(listener);
    if (server == INVALID_SOCKET) {
        close(client);
        return false;
    }
    *a = qintptr(server);
    *b = client;
#else
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return false;
    *a = fds[0];
    *b = fds[1];
#endif
    prepare(*a);
    prepare(*b);
    return true;
}

qintptr connectLoopback(quint16 port)
{
#ifdef Q_OS_WIN
    if (!startWinsock())
        return -1;
#endif
    const Native fd = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (qintptr(fd) == kInvalid)
        return -1;
    const sockaddr_in to = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 0) {
        close(qintptr(fd));
        return -1;
    }
    return qintptr(fd);
}

qintptr accept(qintptr fd)
{
    const Native accepted = ::accept(Native(fd), nullptr, nullptr);
    if (qintptr(accepted) == kInvalid)
        return -1;
    prepare(qintptr(accepted));
    return qintptr(accepted);
}

bool waitReadable(qintptr fd, int timeoutMs)
{
#ifdef Q_OS_WIN
    WSAPOLLFD pending {Native(fd), POLLRDNORM, 0};
    return ::WSAPoll(&pending, 1, timeoutMs) == 1;
#else
    pollfd pending {Native(fd), POLLIN, 0};
    return ::poll(&pending, 1, timeoutMs) == 1;
#endif
}

void makeNonBlocking(qintptr fd)
{
#ifdef Q_OS_WIN
    u_long on = 1;
    ::ioctlsocket(Native(fd), FIONBIO, &on);
#else
    ::fcntl(int(fd), F_SETFL, ::fcntl(int(fd), F_GETFL) | O_NONBLOCK);
#endif
}

void close(qintptr fd)
{
    if (fd < 0)
        return;
#ifdef Q_OS_WIN
    ::closesocket(Native(fd));
#else
    ::close(int(fd));
#endif
}

bool shutdownWrite(qintptr fd)
{
#ifdef Q_OS_WIN
    return ::shutdown(Native(fd), SD_SEND) == 0;
#else
    return ::shutdown(int(fd), SHUT_WR) == 0;
#endif
}

qint64 receive(qintptr fd, char *data, qint64 size)
{
#ifdef Q_OS_WIN
    return ::recv(Native(fd), data, int(size), 0);
#else
    return ::recv(int(fd), data, size_t(size), 0);
#endif
}

qint64 send(qintptr fd, const char *data, qint64 size)
{
#ifdef Q_OS_WIN
    return ::send(Native(fd), data, int(size), 0);
#elif defined(MSG_NOSIGNAL)
    return ::send(int(fd), data, size_t(size), MSG_NOSIGNAL);
#else
    return ::send(int(fd), data, size_t(size), 0); // SO_NOSIGPIPE is set in prepare()
#endif
}

bool wouldBlock()
{
#ifdef Q_OS_WIN
    return WSAGetLastError() == WSAEWOULDBLOCK;
#else
    return errno == EAGAIN || errno == EWOULDBLOCK;
#endif
}

bool interrupted()
{
#ifdef Q_OS_WIN
    return WSAGetLastError() == WSAEINTR;
#else
    return errno == EINTR;
#endif
}

} // namespace PunchDrop::Test::RawSocket
