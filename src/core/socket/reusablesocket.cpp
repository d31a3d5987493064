// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/socket/reusablesocket.h"

#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>
#include <cerrno>
#include <cstring>

#ifdef Q_OS_WIN
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace PunchDrop::ReusableSocket {

namespace {
QString lastError()
{
#ifdef Q_OS_WIN
    return QStringLiteral("winsock error %1").arg(WSAGetLastError());
#else
    return QString::fromLocal8Bit(std::strerror(errno));
#endif
}

bool fillAddress(
    const QHostAddress &address, quint16 port, sockaddr_storage &storage, socklen_t &length)
{
    std::memset(&storage, 0, sizeof storage);
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *a6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        const Q_IPV6ADDR raw = address.toIPv6Address();
        std::memcpy(&a6->sin6_addr, raw.c, 16);
        length = sizeof(sockaddr_in6);
        return true;
    }
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    if (!ok && address != QHostAddress::Any)
        return false;
    auto *a4 = reinterpret_cast<sockaddr_in *>(&storage);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    a4->sin_addr.s_addr = htonl(ok ? v4 : INADDR_ANY);
    length = sizeof(sockaddr_in);
    return true;
}
} // namespace

void closeNative(qintptr fd)
{
    if (fd < 0)
        return;
#ifdef Q_OS_WIN
    ::closesocket(SOCKET(fd));
#else
    ::close(int(fd));
#endif
}

bool limitUnacknowledged(qintptr fd, std::chrono::milliseconds timeout)
{
    if (fd < 0)
        return false;
#if defined(TCP_USER_TIMEOUT) // Linux
    const unsigned int ms = unsigned(std::max<qint64>(timeout.count(), 1));
    return ::setsockopt(int(fd), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms) == 0;
#elif defined(TCP_RXT_CONNDROPTIME) // macOS
    const int seconds = int(std::max<qint64>((timeout.count() + 999) / 1000, 1));
    return ::setsockopt(int(fd), IPPROTO_TCP, TCP_RXT_CONNDROPTIME, &seconds, sizeof seconds) == 0;
#elif defined(Q_OS_WIN) && defined(TCP_MAXRT)
    const DWORD seconds = DWORD(std::max<qint64>((timeout.count() + 999) / 1000, 1));
    return ::setsockopt(SOCKET(fd), IPPROTO_TCP, TCP_MAXRT,
               reinterpret_cast<const char *>(&seconds), sizeof seconds)
        == 0;
#else
    Q_UNUSED(fd);
    Q_UNUSED(timeout);
    return false;
#endif
}

void reserveDescriptors(int wanted)
{
#ifdef Q_OS_WIN
    Q_UNUSED(wanted); // no per-process descriptor limit for sockets worth raising
#else
    struct rlimit limit
    {
    };
    if (wanted <= 0 || ::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= rlim_t(wanted))
        return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t(wanted)
                                                     : std::min(rlim_t(wanted), limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit); // best effort: a refused socket is only a lost guess
#endif
}

qintptr createBound(const QHostAddress &address, quint16 port, QString *error)
{
    sockaddr_storage storage;
    socklen_t length = 0;
    if (!fillAddress(address, port, storage, length)) {
        *error = QStringLiteral("unsupported address %1").arg(address.toString());
        return -1;
    }
    const int family = storage.ss_family;
#ifdef Q_OS_WIN
    const SOCKET s = ::socket(family, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        *error = lastError();
        return -1;
    }
    const qintptr fd = qintptr(s);
    u_long nonBlocking = 1;
    ::ioctlsocket(s, FIONBIO, &nonBlocking);
    const BOOL one = TRUE;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char *>(&one), sizeof one);
    if (family == AF_INET6) // the default there already; said for clarity
        ::setsockopt(
            s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char *>(&one), sizeof one);
#else
#ifdef SOCK_CLOEXEC
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
    const int fd = ::socket(family, SOCK_STREAM, 0);
    if (fd >= 0) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
#endif
    if (fd < 0) {
        *error = lastError();
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#ifdef SO_REUSEPORT
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
#endif
    // IPv6 only: port P in IPv4 and in IPv6 are two sockets side by side (the control
    // connection in one family, the address claim and the punch's listener in the other).
    if (family == AF_INET6)
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
#endif
    if (::bind(decltype(::socket(0, 0, 0))(fd), reinterpret_cast<sockaddr *>(&storage), length)
        != 0) {
        *error = QStringLiteral("cannot bind %1:%2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(lastError());
        closeNative(fd);
        return -1;
    }
    return fd;
}

bool adoptBound(QTcpSocket &socket, qintptr fd, QString *error)
{
    if (!socket.setSocketDescriptor(fd, QAbstractSocket::BoundState)) {
        *error = socket.errorString();
        closeNative(fd);
        return false;
    }
    return true;
}

bool listen(QTcpServer &server, const QHostAddress &address, quint16 port, QString *error)
{
    const qintptr fd = createBound(address, port, error);
    if (fd < 0)
        return false;
    if (::listen(decltype(::socket(0, 0, 0))(fd), 64) != 0) {
        *error = QStringLiteral("cannot listen on port %1: %2").arg(port).arg(lastError());
        closeNative(fd);
        return false;
    }
    if (!server.setSocketDescriptor(fd)) {
        *error = server.errorString();
        closeNative(fd);
        return false;
    }
    return true;
}

} // namespace PunchDrop::ReusableSocket
