// SPDX-License-Identifier: GPL-3.0-or-later
// A small driver for the network-namespace test of LAN discovery (tests/lan/lan_netns_test.sh).
//
//   lanprobe listen --name NAME [--transfer-port P] [--port 8879] [--expiry-ms N] [--interval-ms N]
//                   [--no-broadcast]
//       Runs a LanDiscovery with a fresh identity and prints JSON lines on stdout:
//       {"event":"started",...}, "appeared" / "updated" / "left" (id, name, endpoints, t_ms since
//       start) and "counters" whenever they change. SIGTERM or SIGINT: stop() (goodbye), "stopped".
//
//   lanprobe forge --victim NAME [--port 8879] [--timeout-ms N]
//       Mallory: waits for an announcement by the device called NAME, then sends forgeries built
//       from it — the name changed with the signature kept, the victim's certificate signed by
//       another key, garbage — and finally replays the captured announcement once the victim has
//       announced again. Prints one "forged" line per datagram; exit 0 when all were sent.

#include "net/client/landiscovery.h"
#include "net/security/deviceidentity.h"
#include "net/wire/lanannouncement.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QSocketNotifier>
#include <QTimer>
#include <QUdpSocket>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace PunchDrop;

namespace {

int g_signalFd[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalFd[1], &c, 1);
}

QElapsedTimer g_clock;

void emitLine(QJsonObject object)
{
    object.insert(QStringLiteral("t_ms"), double(g_clock.elapsed()));
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}

QJsonObject peerJson(const QString &event, const PeerInfo &peer)
{
    QJsonArray endpoints;
    for (const Endpoint &e : peer.endpoints)
        endpoints.append(e.toString());
    return QJsonObject {{QStringLiteral("event"), event},
        {QStringLiteral("id"), peer.id.toString()}, {QStringLiteral("name"), peer.name},
        {QStringLiteral("endpoints"), endpoints}};
}

QJsonObject countersJson(const LanDiscovery::Counters &c)
{
    return QJsonObject {{QStringLiteral("event"), QStringLiteral("counters")},
        {QStringLiteral("received"), double(c.received)},
        {QStringLiteral("accepted"), double(c.accepted)},
        {QStringLiteral("malformed"), double(c.malformed)},
        {QStringLiteral("badSignature"), double(c.badSignature)},
        {QStringLiteral("rateLimited"), double(c.rateLimited)},
        {QStringLiteral("selfIgnored"), double(c.selfIgnored)},
        {QStringLiteral("stale"), double(c.stale)},
        {QStringLiteral("duplicates"), double(c.duplicates)},
        {QStringLiteral("notFresh"), double(c.notFresh)}};
}

QString option(const QStringList &args, const QString &name, const QString &fallback = {})
{
    const qsizetype i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : fallback;
}

int usage()
{
    std::fputs("usage: lanprobe listen --name NAME [--transfer-port P] [--port 8879] "
               "[--expiry-ms N] [--interval-ms N] [--no-broadcast]\n"
               "       lanprobe forge --victim NAME [--port 8879] [--timeout-ms N]\n",
        stderr);
    return 2;
}

int runListen(QCoreApplication &app, const QStringList &args)
{
    QString error;
    const auto identity = DeviceIdentity::generateEphemeral(&error);
    if (!identity) {
        std::fprintf(stderr, "lanprobe: %s\n", qPrintable(error));
        return 1;
    }
    LanDiscoveryConfig config;
    config.port = quint16(option(args, QStringLiteral("--port"), QStringLiteral("8879")).toUInt());
    if (const QString v = option(args, QStringLiteral("--expiry-ms")); !v.isEmpty())
        config.expiry = std::chrono::milliseconds(v.toInt());
    config.broadcastFallback = !args.contains(QStringLiteral("--no-broadcast"));
    if (const QString v = option(args, QStringLiteral("--interval-ms")); !v.isEmpty())
        config.announceInterval = std::chrono::milliseconds(v.toInt());
    LanDiscovery discovery(*identity, config);
    discovery.setDisplayName(option(args, QStringLiteral("--name"), QStringLiteral("probe")));
    discovery.setTransferPort(quint16(option(args, QStringLiteral("--transfer-port")).toUInt()));

    QObject::connect(&discovery, &LanDiscovery::peerAppeared, &app,
        [](const PeerInfo &p) { emitLine(peerJson(QStringLiteral("appeared"), p)); });
    QObject::connect(&discovery, &LanDiscovery::peerUpdated, &app,
        [](const PeerInfo &p) { emitLine(peerJson(QStringLiteral("updated"), p)); });
    QObject::connect(&discovery, &LanDiscovery::peerLeft, &app, [](const DeviceId &id) {
        emitLine(QJsonObject {{QStringLiteral("event"), QStringLiteral("left")},
            {QStringLiteral("id"), id.toString()}});
    });
    QJsonObject lastCounters;
    QTimer countersTimer;
    QObject::connect(&countersTimer, &QTimer::timeout, &app, [&] {
        const QJsonObject now = countersJson(discovery.counters());
        if (now != lastCounters) {
            lastCounters = now;
            emitLine(now);
        }
    });

    if (!discovery.start(&error)) {
        std::fprintf(stderr, "lanprobe: %s\n", qPrintable(error));
        return 1;
    }
    emitLine(QJsonObject {{QStringLiteral("event"), QStringLiteral("started")},
        {QStringLiteral("id"), identity->id().toString()},
        {QStringLiteral("port"), discovery.localPort()}});
    countersTimer.start(200);
    const int rc = app.exec();
    discovery.stop();
    emitLine(countersJson(discovery.counters()));
    emitLine(QJsonObject {{QStringLiteral("event"), QStringLiteral("stopped")}});
    return rc;
}

QList<QNetworkInterface> lanInterfaces()
{
    QList<QNetworkInterface> out;
    const QList<QNetworkInterface> all = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &iface : all) {
        if (iface.flags().testFlag(QNetworkInterface::IsUp)
            && !iface.flags().testFlag(QNetworkInterface::IsLoopBack))
            out.append(iface);
    }
    return out;
}

int runForge(QCoreApplication &app, const QStringList &args)
{
    const QString victim = option(args, QStringLiteral("--victim"));
    const quint16 port
        = quint16(option(args, QStringLiteral("--port"), QStringLiteral("8879")).toUInt());
    const int timeoutMs
        = option(args, QStringLiteral("--timeout-ms"), QStringLiteral("10000")).toInt();
    if (victim.isEmpty())
        return usage();
    QString error;
    const auto mallory = DeviceIdentity::generateEphemeral(&error);
    if (!mallory) {
        std::fprintf(stderr, "lanprobe: %s\n", qPrintable(error));
        return 1;
    }
    const QHostAddress group(QStringLiteral("239.255.77.77"));
    QUdpSocket socket;
    if (!socket.bind(
            QHostAddress::AnyIPv4, port, QUdpSocket::ShareAddress | QUdpSocket::ReuseAddressHint)) {
        std::fprintf(stderr, "lanprobe: bind: %s\n", qPrintable(socket.errorString()));
        return 1;
    }
    socket.setSocketOption(QAbstractSocket::MulticastTtlOption, 1);
    const QList<QNetworkInterface> interfaces = lanInterfaces();
    for (const QNetworkInterface &iface : interfaces)
        socket.joinMulticastGroup(group, iface);

    const auto sendEverywhere = [&](const QByteArray &datagram, const QString &kind) {
        for (const QNetworkInterface &iface : interfaces) {
            socket.setMulticastInterface(iface);
            socket.writeDatagram(datagram, group, port);
        }
        emitLine(QJsonObject {{QStringLiteral("event"), QStringLiteral("forged")},
            {QStringLiteral("kind"), kind}, {QStringLiteral("bytes"), double(datagram.size())}});
    };

    QByteArray captured;
    quint64 capturedSequence = 0;
    int rc = 1;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &app, [&] {
        std::fprintf(stderr, "lanprobe: no announcement by \"%s\" within %d ms\n",
            qPrintable(victim), timeoutMs);
        app.exit(1);
    });
    QObject::connect(&socket, &QUdpSocket::readyRead, &app, [&] {
        while (socket.hasPendingDatagrams()) {
            const QNetworkDatagram d
                = socket.receiveDatagram(LanAnnouncement::kMaxDatagramSize + 1);
            const auto parsed = LanAnnouncement::parse(d.data());
            if (parsed.status != LanAnnouncement::Status::Ok || parsed.fields.displayName != victim
                || parsed.fields.type != LanAnnouncement::Type::Announce)
                continue;
            if (captured.isEmpty()) {
                captured = d.data();
                capturedSequence = parsed.fields.sequence;
                emitLine(QJsonObject {{QStringLiteral("event"), QStringLiteral("captured")},
                    {QStringLiteral("sequence"), QString::number(capturedSequence)}});

                // 1. The name changed, the sequence raised, the victim's signature kept.
                LanAnnouncement::Fields f = parsed.fields;
                f.displayName = QStringLiteral("EVIL");
                f.sequence += 10'000; // ahead, but fresh (within the 2-minute window)
                sendEverywhere(
                    LanAnnouncement::assemble(LanAnnouncement::encodeUnsigned(f), parsed.signature),
                    QStringLiteral("tampered-name"));
                // 2. The victim's certificate, signed with Mallory's key.
                f.sequence += 1;
                const QByteArray body = LanAnnouncement::encodeUnsigned(f);
                sendEverywhere(LanAnnouncement::assemble(body, mallory->sign(body)),
                    QStringLiteral("foreign-key"));
                // 3. Garbage.
                sendEverywhere(QByteArray("PDLA\x01\x01garbage", 13), QStringLiteral("garbage"));
            } else if (parsed.fields.sequence > capturedSequence) {
                // 4. The victim has announced since: the captured datagram is now a replay.
                sendEverywhere(captured, QStringLiteral("replay"));
                rc = 0;
                app.quit();
                return;
            }
        }
    });
    deadline.start(timeoutMs);
    const int exitCode = app.exec();
    return exitCode == 0 ? rc : exitCode;
}

} // namespace

int main(int argc, char **argv)
{
    g_clock.start();
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2)
        return usage();

    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFd) != 0)
        return 1;
    QSocketNotifier notifier {qintptr {g_signalFd[0]}, QSocketNotifier::Read};
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&app] {
        char c;
        [[maybe_unused]] const auto n = ::read(g_signalFd[0], &c, 1);
        app.quit();
    });
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);

    if (args.at(1) == QLatin1String("listen"))
        return runListen(app, args);
    if (args.at(1) == QLatin1String("forge"))
        return runForge(app, args);
    return usage();
}
