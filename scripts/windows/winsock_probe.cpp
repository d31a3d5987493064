// SPDX-License-Identifier: GPL-3.0-or-later
// Winsock calls the project makes natively (core/socket/reusablesocket.cpp, the control link's
// peek, the tests' RawSocket), checked under Wine by scripts/windows-check.sh, part 2. Only what
// Wine models as Windows does: the socket API, non-blocking reads and MSG_PEEK. Address sharing
// (SO_REUSEADDR beside a listener) is NOT checked: Wine refuses it where Windows allows it
// (docs/install.md).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstdio>
#include <cstring>

namespace {
int g_failed = 0;
int g_passed = 0;

void check(bool ok, const char *what)
{
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        std::printf("FAIL %s (WSA error %d)\n", what, WSAGetLastError());
    }
}

sockaddr_in loopback(unsigned short port)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}
} // namespace

int main()
{
    WSADATA data;
    check(WSAStartup(MAKEWORD(2, 2), &data) == 0, "WSAStartup 2.2");

    // A listener as ReusableSocket::createBound makes it: SO_REUSEADDR before bind.
    const SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    check(listener != INVALID_SOCKET, "socket");
    const BOOL on = TRUE;
    check(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char *>(&on),
              sizeof on)
            == 0,
        "SO_REUSEADDR");
    sockaddr_in address = loopback(0);
    int length = sizeof address;
    check(bind(listener, reinterpret_cast<sockaddr *>(&address), length) == 0, "bind port 0");
    check(getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) == 0
            && address.sin_port != 0,
        "getsockname gives the port");
    check(listen(listener, 8) == 0, "listen");

    const SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const sockaddr_in to = loopback(ntohs(address.sin_port));
    check(connect(client, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0, "connect");
    const SOCKET server = accept(listener, nullptr, nullptr);
    check(server != INVALID_SOCKET, "accept");

    // Non-blocking: an empty socket says "would block", not "closed".
    u_long nonBlocking = 1;
    check(ioctlsocket(server, FIONBIO, &nonBlocking) == 0, "FIONBIO");
    char buffer[16] = {};
    check(recv(server, buffer, sizeof buffer, 0) == SOCKET_ERROR
            && WSAGetLastError() == WSAEWOULDBLOCK,
        "non-blocking recv on an empty socket: WSAEWOULDBLOCK");
    check(recv(server, buffer, sizeof buffer, MSG_PEEK) == SOCKET_ERROR
            && WSAGetLastError() == WSAEWOULDBLOCK,
        "non-blocking MSG_PEEK on an empty socket: WSAEWOULDBLOCK");

    // MSG_PEEK leaves the bytes for the next read.
    check(send(client, "ping", 4, 0) == 4, "send");
    WSAPOLLFD pending {server, POLLRDNORM, 0};
    check(WSAPoll(&pending, 1, 5000) == 1, "WSAPoll sees the bytes");
    check(recv(server, buffer, sizeof buffer, MSG_PEEK) == 4, "MSG_PEEK reads 4");
    check(recv(server, buffer, sizeof buffer, 0) == 4 && std::memcmp(buffer, "ping", 4) == 0,
        "recv reads the same 4");

    // The peer's close reads as 0 (end of stream), not as an error.
    check(closesocket(client) == 0, "closesocket");
    check(WSAPoll(&pending, 1, 5000) == 1, "WSAPoll sees the close");
    check(recv(server, buffer, sizeof buffer, 0) == 0, "recv after the peer closed: 0");
    closesocket(server);
    closesocket(listener);
    WSACleanup();
    std::printf("winsock probe: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
