// SPDX-License-Identifier: GPL-3.0-or-later
//
// For bench/relay_throughput.sh: registers two throw-away devices with a `punchdrop --server`
// (real ControlClients, so the control link), asks for a relay-only introduction and prints the
// relay token from `go` as hex on stdout. The script's pump then joins the relay twice with it.
//
// Usage: punchdrop_bench_relay_pair HOST:PORT

#include "net/client/controlclient.h"
#include "net/security/deviceidentity.h"
#include "net/wire/controlprotocol.h"

#include <QCoreApplication>

#include <qcorotask.h>

#include <cstdio>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {
QCoro::Task<int> run(QString host, quint16 port)
{
    QString error;
    const auto a = DeviceIdentity::generateEphemeral(&error);
    const auto b = DeviceIdentity::generateEphemeral(&error);
    if (!a || !b) {
        std::fprintf(stderr, "relay_pair: %s\n", qPrintable(error));
        co_return 1;
    }
    ControlClientConfig config;
    config.host = host;
    config.port = port;
    config.displayName = QStringLiteral("bench-a");
    ControlClient alice(*a, config);
    config.displayName = QStringLiteral("bench-b");
    ControlClient bob(*b, config);
    alice.start();
    bob.start();
    if (!co_await alice.waitRegistered(10s) || !co_await bob.waitRegistered(10s)) {
        std::fprintf(stderr, "relay_pair: not registered: %s / %s\n", qPrintable(alice.lastError()),
            qPrintable(bob.lastError()));
        co_return 1;
    }
    const ConnectReply reply = co_await alice.requestConnect(b->id(), ConnectMode::RelayOnly, 10s);
    if (!reply.go || reply.go->relayToken.isEmpty()) {
        std::fprintf(stderr, "relay_pair: no relay token: %s %s\n",
            qPrintable(connectFailureName(reply.errorCode)), qPrintable(reply.errorMessage));
        co_return 1;
    }
    std::printf("%s\n", reply.go->relayToken.toHex().constData());
    std::fflush(stdout);
    alice.stop();
    bob.stop();
    co_return 0;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const auto endpoint = ControlProtocol::parseEndpoint(app.arguments().value(1));
    if (!endpoint) {
        std::fprintf(stderr, "usage: punchdrop_bench_relay_pair IPv4:PORT\n");
        return 2;
    }
    return QCoro::waitFor(run(endpoint->address.toString(), endpoint->port));
}
