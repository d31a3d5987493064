// SPDX-License-Identifier: GPL-3.0-or-later
// Evidence for scripts/windows/wine-exclusions.txt ("a reset is lost"), not part of any test run.
// Qt's Windows event dispatcher turns a socket's WSAAsyncSelect off (mask 0) while it handles one
// of its messages and on again afterwards, relying on Windows to post an event whose condition
// is already present when the selection is made again. This program closes the peer of a
// selected socket twice: once after reading what the socket sent (FIN), once with those bytes
// unread (the stack answers with a reset), each time while the selection is off. Under Wine 8.0
// FD_CLOSE arrives for the FIN and never for the reset:
//   x86_64-w64-mingw32-g++-posix -O1 wine_reset_probe.cpp -o probe.exe -lws2_32 -luser32
//   wine probe.exe
//   → "FIN: FD_CLOSE seen", "reset: FD_CLOSE NOT seen in 3 s"
#include <windows.h>
#include <winsock2.h>

#include <cstdio>

namespace {

bool closeSeen(bool readFirst)
{
    const SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int length = sizeof address;
    bind(listener, reinterpret_cast<sockaddr *>(&address), length);
    listen(listener, 1);
    getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length);
    const SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    connect(client, reinterpret_cast<sockaddr *>(&address), sizeof address);
    const SOCKET server = accept(listener, nullptr, nullptr);
    const HWND window = CreateWindowExW(
        0, L"STATIC", L"probe", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, nullptr, nullptr);
    constexpr UINT kMessage = WM_USER + 1;
    WSAAsyncSelect(client, window, kMessage, FD_READ | FD_CLOSE);
    send(client, "GET / HTTP/1.1\r\n\r\n", 18, 0);
    Sleep(100);
    char buffer[64];
    if (readFirst)
        recv(server, buffer, sizeof buffer, 0);
    WSAAsyncSelect(client, window, 0, 0); // off, as while Qt handles a message
    closesocket(server);
    Sleep(100);
    WSAAsyncSelect(client, window, kMessage, FD_READ | FD_CLOSE); // on again
    const DWORD start = GetTickCount();
    bool closed = false;
    MSG message;
    while (!closed && GetTickCount() - start < 3000) {
        if (!PeekMessageW(&message, window, 0, 0, PM_REMOVE)) {
            Sleep(10);
            continue;
        }
        if (message.message == kMessage && WSAGETSELECTEVENT(message.lParam) == FD_CLOSE)
            closed = true;
    }
    closesocket(client);
    closesocket(listener);
    DestroyWindow(window);
    return closed;
}

} // namespace

int main()
{
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
    const bool fin = closeSeen(true);
    const bool reset = closeSeen(false);
    std::printf("FIN: FD_CLOSE %s\nreset: FD_CLOSE %s\n", fin ? "seen" : "NOT seen in 3 s",
        reset ? "seen" : "NOT seen in 3 s");
    return fin && reset ? 0 : 1;
}
