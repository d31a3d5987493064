// SPDX-License-Identifier: GPL-3.0-or-later
#include "servercommand.h"

#include "core/configdir.h"
#include "core/logging.h"
#include "net/security/deviceidentity.h"
#include "net/security/tlsbackend.h"
#include "net/server/rendezvousserver.h"
#include "net/server/stunserver.h"
#include "net/wire/hostport.h"
#ifdef PUNCHDROP_CLUSTER
#include "net/server/servercluster.h"
#endif

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <memory>

#ifdef Q_OS_WIN
#include <windows.h>
#else
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace PunchDrop::Cli {

namespace {

#ifndef Q_OS_WIN
// Self-pipe: the signal handler only writes one byte; the event loop reads it and quits.
int g_signalPipe[2] = {-1, -1};

void onSignal(int signal)
{
    const char byte = char(signal);
    [[maybe_unused]] const auto written = ::write(g_signalPipe[1], &byte, 1);
}

//! Routes SIGINT/SIGTERM into the event loop. False if the pipe cannot be created.
bool installSignalHandlers(QObject *context, QString *error)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0) {
        *error = QStringLiteral("cannot create the signal pipe");
        return false;
    }
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [notifier] {
        char byte = 0;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &byte, 1);
        notifier->setEnabled(false);
        qCInfo(lcServer).noquote()
            << "received" << (byte == SIGINT ? "SIGINT" : "SIGTERM") << "- shutting down";
        QCoreApplication::exit(ExitOk);
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    return true;
}

void signalStopped() { }
#else
// Windows: console control events arrive on a thread the system starts for them. The handler
// asks the event loop to quit (postEvent is thread-safe). For Ctrl+C and Ctrl+Break that is all;
// for closing the console, logging off and shutting down, Windows ends the process as soon as the
// handler returns, so it waits (bounded: Windows allows about 5 s) until runServer() has closed
// the listeners and says so through g_stopped.
HANDLE g_stopped = nullptr;

BOOL WINAPI onConsoleEvent(DWORD event)
{
    const char *name = event == CTRL_C_EVENT ? "Ctrl+C"
        : event == CTRL_BREAK_EVENT          ? "Ctrl+Break"
        : event == CTRL_CLOSE_EVENT          ? "console close"
                                             : "logoff or shutdown";
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [name] {
            qCInfo(lcServer).noquote() << "received" << name << "- shutting down";
            QCoreApplication::exit(ExitOk);
        },
        Qt::QueuedConnection);
    if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT && g_stopped)
        WaitForSingleObject(g_stopped, 4000);
    return TRUE;
}

bool installSignalHandlers(QObject *, QString *error)
{
    g_stopped = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (!g_stopped || !SetConsoleCtrlHandler(onConsoleEvent, TRUE)) {
        *error = QStringLiteral("cannot install the console control handler");
        return false;
    }
    return true;
}

//! The listeners are closed: a close or shutdown event may let Windows end the process now.
void signalStopped()
{
    if (g_stopped)
        SetEvent(g_stopped);
}
#endif

} // namespace

int runServer(const Invocation &invocation)
{
    const ConfigDir configDir(invocation.configDir);
    QString error;
    if (!configDir.ensureExists(&error)) {
        qCCritical(lcServer).noquote() << "cannot use the config directory:" << error;
        return ExitFailure;
    }
    const auto identity = DeviceIdentity::loadOrCreate(configDir, &error);
    if (!identity) {
        qCCritical(lcServer).noquote() << "cannot load the server identity:" << error;
        return ExitFailure;
    }

    RendezvousServerConfig config;
    config.address = invocation.listenAddress;
    config.port = invocation.listenPort;
    config.claimAddress = invocation.listenIpv6;
    config.maxClients = invocation.maxClients;
    config.relay.enabled = !invocation.serverNoRelay;
    config.relay.maxSessions = invocation.maxRelaySessions;
    config.relay.limits.rateBytesPerSecond = invocation.relayRate;
    config.relay.totalRateBytesPerSecond = invocation.relayRateTotal;

    QObject context;
    RendezvousServer server(*identity, config);
    if (!server.listen(&error)) {
        qCCritical(lcServer).noquote() << error;
        return ExitFailure;
    }
    // TLS 1.3 for the control links: checked once the port is ours, so that a port in use is
    // reported first and at once (loading the TLS backends takes a moment).
    if (!TlsBackend::ensureTls13(&error)) {
        qCCritical(lcServer).noquote() << error;
        return ExitFailure;
    }
    if (!installSignalHandlers(&context, &error)) {
        qCCritical(lcServer).noquote() << error;
        return ExitFailure;
    }

#ifdef PUNCHDROP_CLUSTER
    std::unique_ptr<ServerCluster> cluster;
    if (invocation.redis) {
        ServerClusterConfig clusterConfig;
        clusterConfig.redis = *invocation.redis;
        clusterConfig.caFile = invocation.redisCa;
        clusterConfig.presenceTtl = std::chrono::seconds(invocation.redisTtlSeconds);
        clusterConfig.relayEnabled = config.relay.enabled;
        clusterConfig.advertise = invocation.advertise;
        const QHostAddress bound = server.serverAddress();
        if (clusterConfig.advertise.isEmpty()) {
            if (bound == QHostAddress::Any || bound == QHostAddress::AnyIPv4
                || bound == QHostAddress::AnyIPv6) {
                qCCritical(lcServer).noquote()
                    << "--redis needs --advertise HOST:PORT when --listen is a wildcard address: "
                       "the other servers send peers to this server's relay at that address";
                return ExitFailure;
            }
            clusterConfig.advertise = HostPort {bound.toString(), server.serverPort()}.toString();
        }
        cluster = std::make_unique<ServerCluster>(clusterConfig);
        server.setCluster(cluster.get());
        cluster->start();
    }
#else
    if (invocation.redis) {
        qCCritical(lcServer).noquote()
            << "--redis: this build has no server clusters (it was built without hiredis)";
        return ExitFailure;
    }
#endif

    // STUN on UDP: the same port number, and a second one for the NAT mapping tests. A failure
    // here costs the clients their NAT classification, not the rendezvous, so it is not fatal.
    StunServer stun;
    const quint16 stunPort = server.serverPort();
    const quint16 altPort = invocation.altPort.value_or(quint16(stunPort + 1));
    QString stunError;
    if (stun.listen(config.address, stunPort, altPort, &stunError))
        qCInfo(lcServer).noquote()
            << "STUN on UDP ports" << stun.primaryPort() << "and" << stun.altPort();
    else
        qCWarning(lcServer).noquote() << "STUN disabled:" << stunError;

    QString relay = config.relay.enabled ? QStringLiteral("on") : QStringLiteral("off");
    if (config.relay.enabled && config.relay.limits.rateBytesPerSecond > 0)
        relay += QStringLiteral(", %1 B/s per session").arg(config.relay.limits.rateBytesPerSecond);
    if (config.relay.enabled && config.relay.totalRateBytesPerSecond > 0)
        relay += QStringLiteral(", %1 B/s in total").arg(config.relay.totalRateBytesPerSecond);
    qCInfo(lcServer).noquote() << QStringLiteral("listening on %1:%2 (server id %3), relay %4")
                                      .arg(server.serverAddress().toString())
                                      .arg(server.serverPort())
                                      .arg(identity->id().toString(), relay);
    const int code = QCoreApplication::exec();
    server.close();
#ifdef PUNCHDROP_CLUSTER
    if (cluster)
        cluster->stop(); // our devices leave the cluster now, not when their TTL runs out
#endif
    stun.close();
    qCInfo(lcServer) << "stopped";
    signalStopped();
    return code;
}

} // namespace PunchDrop::Cli
