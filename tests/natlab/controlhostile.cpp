// SPDX-License-Identifier: GPL-3.0-or-later
// A hostile control client for the NAT lab's `hostile` case: completes the control link's
// handshake (TLS 1.3, a fresh device certificate, ALPN punchdrop-control/1), then sends the
// given bytes and nothing more, and reports whether and when the server closed the connection.
//
// Usage: natlab_control_hostile HOST PORT HEX [--raw]
//   HEX    the bytes to send after the handshake, as hex
//   --raw  put them on the wire as they are (outside the link's records); default: as the
//          plaintext of link records (hand-made control frames)
// Prints "CONNECTION ESTABLISHED" after the handshake and, at the end,
// "closed=yes|no after_ms=N reason=…"; waits at most 20 s.

#include "net/security/controllink.h"
#include "net/security/deviceidentity.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTimer>

#include <cstdio>

using namespace PunchDrop;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: natlab_control_hostile HOST PORT HEX [--raw]\n");
        return 2;
    }
    const QByteArray payload = QByteArray::fromHex(args[3].toLatin1());
    const bool raw = args.size() > 4 && args[4] == u"--raw";
    QString error;
    const auto identity = DeviceIdentity::generateEphemeral(&error);
    if (!identity) {
        std::fprintf(stderr, "no identity: %s\n", qPrintable(error));
        return 2;
    }
    QElapsedTimer clock;
    clock.start();
    auto *socket = new QTcpSocket;
    socket->connectToHost(args[1], quint16(args[2].toUInt()));
    if (!socket->waitForConnected(10000)) {
        std::printf("connect failed: %s\n", qPrintable(socket->errorString()));
        return 3;
    }
    ControlLink link(ControlLinkContext(ControlLinkContext::Role::Client, *identity), socket);
    QObject::connect(&link, &ControlLink::handshakeDone, &link, [&] {
        std::printf("CONNECTION ESTABLISHED\n");
        std::fflush(stdout);
        if (raw)
            link.writeRaw(payload);
        else
            link.write(payload);
    });
    int rc = 1;
    QObject::connect(&link, &ControlLink::closed, &app, [&](const QString &reason) {
        std::printf(
            "closed=yes after_ms=%lld reason=%s\n", qint64(clock.elapsed()), qPrintable(reason));
        rc = 0;
        app.quit();
    });
    QTimer::singleShot(20000, &app, [&] {
        std::printf("closed=no after_ms=%lld\n", qint64(clock.elapsed()));
        app.quit();
    });
    app.exec();
    std::fflush(stdout);
    return rc;
}
