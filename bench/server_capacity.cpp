// SPDX-License-Identifier: GPL-3.0-or-later
//
// Server capacity benchmark (issue 3): N idle registered clients against a real
// `punchdrop --server` process, then signalling latency between two extra clients while the idle
// ones stay connected.
//
// The idle clients are raw control connections (a ControlLink, i.e. the TLS 1.3 handshake with
// their own ephemeral device certificate and then the link's record layer) that speak just
// enough of the control protocol to register: `hello`, wait
// for `welcome`, then read and discard whatever the server sends (presence) and send a `ping`
// every --keepalive-ms so the server's idle timeout does not close them. Each one binds to a
// 127.x.y.1 source address before connecting (every 127/8 address is local on Linux), at most
// --per-source per address and one address per /24, so the server's per-prefix connection cap
// (256) is not hit.
//
// The two measuring clients are real ControlClients (from 127.0.0.1); the latency of one sample
// is ControlClient::requestConnect() from the call until the initiator has the `go`, which
// includes the server's RTT probe (ping to both peers, wait for both pongs).
//
// Usage: punchdrop_bench_server_capacity --server HOST:PORT [--server-pid PID] [--clients N]
//        [--concurrency N] [--requests N] [--mode relay-only|auto] [--per-source N]
//        [--keepalive-ms MS] [--gap-ms MS] [--register-budget-s S] [--idle-only]
// --idle-only: register the idle clients, print the registration JSON, then hold them until
// killed; run a second instance with --clients 0 to measure latency in a process of its own
// (bench/server_capacity.sh does this with BENCH_SPLIT=1).
// --register-budget-s: stop opening new idle clients after S seconds and measure with those that
// registered (on a loaded 2-core machine 10 000 may take longer than one wants to wait).
// The connect requests run twice: back to back, then with --gap-ms (default 100) between them.
// --peer-server HOST:PORT: the second measuring client (bob) registers with another server of
// a cluster (`--redis`), so every connect crosses servers; then also --requests lookups of bob's
// name by alice (110 ms apart: the server allows 10 lookups per second and client), timed from
// the request to the answer (bench/cluster_capacity.sh).
// Prints progress on stderr and one JSON object with the results on stdout.

#include "core/coro/sleep.h"
#include "net/client/controlclient.h"
#include "net/security/controllink.h"
#include "net/security/deviceidentity.h"
#include "net/wire/controlprotocol.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>

#include <qcorotask.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#ifdef Q_OS_LINUX
#include <unistd.h> // sysconf(_SC_CLK_TCK) for /proc/<pid>/stat
#endif

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

struct Options
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8877;
    qint64 serverPid = 0;
    int clients = 10000;
    int concurrency = 50;
    int requests = 200;
    int perSource = 50;
    int keepaliveMs = 20000;
    int gapMs = 100;
    int registerBudgetS = 0; //!< 0: until all are registered
    bool idleOnly = false; //!< register and hold the idle clients, measure nothing
    QString mode = QStringLiteral("relay-only");
    QString peerHost; //!< bob's server when not the same (--peer-server)
    quint16 peerPort = 0;
};

void say(const QString &text)
{
    std::fprintf(stderr, "server_capacity: %s\n", qPrintable(text));
    std::fflush(stderr);
}

struct ProcStats
{
    qint64 rssKiB = -1;
    qint64 hwmKiB = -1;
    double cpuSeconds = -1;
    int threads = -1;
};

//! From /proc on Linux; elsewhere every field stays -1 ("not measured" in the JSON).
ProcStats procStats(qint64 pid)
{
    ProcStats stats;
#ifdef Q_OS_LINUX
    if (pid <= 0)
        return stats;
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            const auto value = [&line] {
                return line.mid(line.indexOf(':') + 1).trimmed().split(' ').value(0).toLongLong();
            };
            if (line.startsWith("VmRSS:"))
                stats.rssKiB = value();
            else if (line.startsWith("VmHWM:"))
                stats.hwmKiB = value();
            else if (line.startsWith("Threads:"))
                stats.threads = int(value());
        }
    }
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        // fields after the ")" of the command name: state is field 3, utime 14, stime 15
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 12)
            stats.cpuSeconds = double(fields[11].toLongLong() + fields[12].toLongLong())
                / double(::sysconf(_SC_CLK_TCK));
    }
#else
    Q_UNUSED(pid)
#endif
    return stats;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return -1;
    std::sort(values.begin(), values.end());
    const auto rank = std::size_t(std::max(0.0, std::ceil(p / 100.0 * double(values.size())) - 1));
    return values[std::min(rank, values.size() - 1)];
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

//! One raw, idle control connection.
struct IdleClient
{
    QTcpSocket *socket = nullptr; //!< while connecting
    ControlLink *link = nullptr; //!< from the TCP connect on
    QByteArray buffer;
    QElapsedTimer clock; //!< since the first attempt
    int attempts = 0;
    bool registered = false;
    bool done = false; //!< registered or failed (counted once)
};

class IdlePool
{
public:
    IdlePool(const Options &options, std::vector<DeviceIdentity> identities)
        : m_options(options)
        , m_identities(std::move(identities))
    {
        m_clients.resize(m_identities.size());
        m_handshakeMs.reserve(m_identities.size());
        // every client pings once per keepaliveMs, in kKeepaliveSlices staggered groups (like
        // real clients, whose keepalive timers run with independent phases)
        m_keepalive.setInterval(std::max(1, m_options.keepaliveMs / kKeepaliveSlices));
        QObject::connect(&m_keepalive, &QTimer::timeout, &m_context, [this] { pingAll(); });
        m_keepalive.start();
    }

    void startMore()
    {
        while (!m_stopped && m_inFlight < m_options.concurrency && m_next < int(m_clients.size())) {
            ++m_inFlight;
            open(m_next++);
        }
    }

    bool finished() const { return m_registered + m_failed == int(m_clients.size()); }
    //! No new clients after this (the registration budget is spent); in-flight ones finish.
    void stopOpening() { m_stopped = true; }
    bool inFlight() const { return m_inFlight > 0; }
    int notAttempted() const { return int(m_clients.size()) - m_next; }
    int registered() const { return m_registered; }
    int failed() const { return m_failed; }
    int lostAfterRegistration() const { return m_lost; }
    int retries() const { return m_retries; }
    const QStringList &errors() const { return m_errors; }
    std::vector<double> handshakeMs() const { return m_handshakeMs; }
    QObject *context() { return &m_context; }
    int stillConnected() const
    {
        int n = 0;
        for (const IdleClient &c : m_clients)
            n += c.registered && c.link && c.link->isEstablished();
        return n;
    }

private:
    QHostAddress sourceFor(int index) const
    {
        // 0, 1, … → 127.1.0.1, 127.1.1.1, …: one source address per /24, since the server caps
        // the connections of one address prefix (maxConnectionsPerAddress, 256 per /24)
        const int k = index / m_options.perSource;
        return QHostAddress(
            quint32((127u << 24) | (quint32(1 + k / 256) << 16) | (quint32(k % 256) << 8) | 1u));
    }

    //! Opens (or, after a failed attempt, reopens) idle client \a index; its slot in the
    //! in-flight count is taken by the caller and kept across retries.
    void open(int index)
    {
        IdleClient &c = m_clients[std::size_t(index)];
        if (c.attempts++ == 0)
            c.clock.start();
        c.buffer.clear();
        c.socket = new QTcpSocket(&m_context);
        QTcpSocket *s = c.socket;
        QObject::connect(s, &QAbstractSocket::connected, s, [this, index] { onConnected(index); });
        QObject::connect(
            s, &QAbstractSocket::errorOccurred, s, [this, index](QAbstractSocket::SocketError) {
                fail(index, m_clients[std::size_t(index)].socket->errorString());
            });
        auto *deadline = new QTimer(s); // the socket lives on inside the link
        deadline->setSingleShot(true);
        QObject::connect(deadline, &QTimer::timeout, s, [this, index] {
            if (!m_clients[std::size_t(index)].done)
                fail(index, QStringLiteral("no welcome within 60 s"));
        });
        deadline->start(60s);
        if (!s->bind(sourceFor(index), 0)) {
            fail(index,
                QStringLiteral("cannot bind %1: %2")
                    .arg(sourceFor(index).toString(), s->errorString()));
            return;
        }
        s->connectToHost(m_options.host, m_options.port);
    }

    void onConnected(int index)
    {
        IdleClient &c = m_clients[std::size_t(index)];
        QTcpSocket *tcp = c.socket;
        c.socket = nullptr;
        QObject::disconnect(tcp, &QAbstractSocket::errorOccurred, nullptr, nullptr);
        // A context per client (each has its own certificate); the link keeps what it needs.
        const ControlLinkContext context(
            ControlLinkContext::Role::Client, m_identities[std::size_t(index)]);
        c.link = new ControlLink(context, tcp, &m_context);
        ControlLink *link = c.link;
        QObject::connect(link, &ControlLink::handshakeDone, link, [link, index] {
            Control::Hello hello;
            hello.version = ControlProtocol::kVersion;
            hello.name = QStringLiteral("idle-%1").arg(index);
            hello.nat = QStringLiteral("unknown");
            link->write(ControlProtocol::encode(hello));
        });
        QObject::connect(
            link, &ControlLink::plaintextReady, link, [this, index](const QByteArray &plaintext) {
                IdleClient &me = m_clients[std::size_t(index)];
                if (me.registered)
                    return; // presence for the idle client: discarded
                me.buffer += plaintext;
                const auto parsed = ControlProtocol::parse(me.buffer);
                if (parsed.status == ControlProtocol::Status::Incomplete)
                    return;
                if (parsed.status == ControlProtocol::Status::Ok
                    && std::holds_alternative<Control::Welcome>(parsed.message)) {
                    me.registered = true;
                    me.buffer = {};
                    m_handshakeMs.push_back(double(me.clock.nsecsElapsed()) / 1e6);
                    settle(index, true);
                    return;
                }
                fail(index,
                    QStringLiteral("first frame is %1, not welcome")
                        .arg(ControlProtocol::typeName(parsed.message)));
            });
        QObject::connect(link, &ControlLink::closed, link, [this, index](const QString &reason) {
            IdleClient &me = m_clients[std::size_t(index)];
            if (me.registered) {
                ++m_lost;
                if (m_errors.size() < 10)
                    m_errors.append(QStringLiteral("client %1 lost after registration: %2")
                                        .arg(index)
                                        .arg(reason));
                me.registered = false;
                return;
            }
            fail(index, reason);
        });
    }

    //! A failed attempt: retried after 1 s (like a real client's reconnect) up to kMaxAttempts.
    void fail(int index, const QString &why)
    {
        IdleClient &me = m_clients[std::size_t(index)];
        if (me.done)
            return;
        if (m_errors.size() < 10)
            m_errors.append(
                QStringLiteral("client %1 attempt %2: %3").arg(index).arg(me.attempts).arg(why));
        if (ControlLink *link = me.link) {
            me.link = nullptr;
            for (QTimer *timer : link->findChildren<QTimer *>())
                timer->stop();
            link->disconnect();
            link->deleteLater(); // often inside its own signal; aborts its socket
        }
        if (QTcpSocket *old = me.socket) {
            me.socket = nullptr;
            for (QTimer *timer : old->findChildren<QTimer *>())
                timer->stop();
            old->disconnect();
            old->abort();
            old->deleteLater();
        }
        if (me.attempts < kMaxAttempts) {
            ++m_retries;
            QTimer::singleShot(1s, &m_context, [this, index] { open(index); });
            return;
        }
        settle(index, false);
    }

    void settle(int index, bool ok)
    {
        IdleClient &me = m_clients[std::size_t(index)];
        me.done = true;
        --m_inFlight;
        (ok ? m_registered : m_failed)++;
        const int settled = m_registered + m_failed;
        if (settled % 1000 == 0)
            say(QStringLiteral("%1 registered, %2 failed").arg(m_registered).arg(m_failed));
        QTimer::singleShot(0, &m_context, [this] { startMore(); });
    }

    void pingAll()
    {
        const std::size_t slice = std::size_t(m_tick++ % kKeepaliveSlices);
        for (std::size_t i = slice; i < m_clients.size(); i += kKeepaliveSlices) {
            IdleClient &c = m_clients[i];
            if (c.registered && c.link && c.link->isEstablished())
                c.link->write(ControlProtocol::encode(Control::Ping {++m_nonce}));
        }
    }

    static constexpr int kMaxAttempts = 5;
    static constexpr int kKeepaliveSlices = 20;
    Options m_options;
    std::vector<DeviceIdentity> m_identities;
    std::vector<IdleClient> m_clients;
    std::vector<double> m_handshakeMs;
    QStringList m_errors;
    QObject m_context;
    QTimer m_keepalive;
    quint64 m_nonce = 0;
    quint64 m_tick = 0;
    int m_next = 0;
    int m_inFlight = 0;
    int m_registered = 0;
    int m_failed = 0;
    int m_lost = 0;
    int m_retries = 0;
    bool m_stopped = false;
};

QCoro::Task<int> run(Options options)
{
    QJsonObject result;
    result[QStringLiteral("clients_target")] = options.clients;
    result[QStringLiteral("concurrency")] = options.concurrency;
    result[QStringLiteral("per_source_address")] = options.perSource;
    const ProcStats before = procStats(options.serverPid);
    result[QStringLiteral("server_rss_before_mib")] = round2(double(before.rssKiB) / 1024.0);

    // 1. identities (one per idle client, so each has its own DeviceId)
    QElapsedTimer clock;
    clock.start();
    std::vector<DeviceIdentity> identities;
    identities.reserve(std::size_t(options.clients));
    for (int i = 0; i < options.clients; ++i) {
        QString error;
        auto identity = DeviceIdentity::generateEphemeral(&error);
        if (!identity) {
            say(QStringLiteral("cannot generate an identity: %1").arg(error));
            co_return 1;
        }
        identities.push_back(*identity);
    }
    say(QStringLiteral("%1 identities in %2 s")
            .arg(options.clients)
            .arg(double(clock.elapsed()) / 1000.0));

    // 2. register the idle clients, at most `concurrency` handshakes in flight
    IdlePool pool(options, std::move(identities));
    bool stopped = false;
    const ProcStats cpuStart = procStats(options.serverPid);
    clock.restart();
    pool.startMore();
    while (!pool.finished()) {
        if (options.registerBudgetS > 0 && clock.elapsed() > options.registerBudgetS * 1000
            && !stopped) {
            say(QStringLiteral("registration budget of %1 s spent: no new clients")
                    .arg(options.registerBudgetS));
            pool.stopOpening();
            stopped = true;
        }
        if (stopped && !pool.inFlight())
            break;
        co_await sleepFor(100ms);
    }
    const double registerSeconds = double(clock.elapsed()) / 1000.0;
    const ProcStats afterRegister = procStats(options.serverPid);
    const auto hs = pool.handshakeMs();
    say(QStringLiteral("%1 registered, %2 failed in %3 s")
            .arg(pool.registered())
            .arg(pool.failed())
            .arg(registerSeconds));
    result[QStringLiteral("registered")] = pool.registered();
    result[QStringLiteral("failed")] = pool.failed();
    result[QStringLiteral("retried_attempts")] = pool.retries();
    result[QStringLiteral("not_attempted")] = pool.notAttempted();
    result[QStringLiteral("register_budget_s")] = options.registerBudgetS;
    result[QStringLiteral("register_all_s")] = round2(registerSeconds);
    result[QStringLiteral("register_rate_per_s")]
        = round2(double(pool.registered()) / registerSeconds);
    result[QStringLiteral("handshake_to_welcome_ms")]
        = QJsonObject {{QStringLiteral("p50"), round2(percentile(hs, 50))},
            {QStringLiteral("p99"), round2(percentile(hs, 99))},
            {QStringLiteral("max"), round2(percentile(hs, 100))}};
    result[QStringLiteral("server_cpu_register_s")]
        = round2(afterRegister.cpuSeconds - cpuStart.cpuSeconds);

    // let the presence fan-out drain before the memory reading and the latency samples
    co_await sleepFor(5s);
    const ProcStats settled = procStats(options.serverPid);
    result[QStringLiteral("server_rss_registered_mib")] = round2(double(settled.rssKiB) / 1024.0);
    result[QStringLiteral("server_rss_peak_mib")] = round2(double(settled.hwmKiB) / 1024.0);
    result[QStringLiteral("server_threads")] = settled.threads;
    say(QStringLiteral("server RSS %1 MiB (peak %2 MiB)")
            .arg(double(settled.rssKiB) / 1024.0)
            .arg(double(settled.hwmKiB) / 1024.0));
    if (options.idleOnly) {
        // Hold them (keepalives go on) until killed; a second process measures latency with
        // --clients 0, so its event loop does not also carry the idle connections.
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        say(QStringLiteral("holding the idle clients"));
        for (;;)
            co_await sleepFor(1s);
    }

    // 3. two real ControlClients, `requests` connect requests one after the other
    QString error;
    const auto aliceId = DeviceIdentity::generateEphemeral(&error);
    const auto bobId = DeviceIdentity::generateEphemeral(&error);
    if (!aliceId || !bobId) {
        say(QStringLiteral("cannot generate an identity: %1").arg(error));
        co_return 1;
    }
    ControlClientConfig config;
    config.host = options.host;
    config.port = options.port;
    config.connectTimeout = 30s;
    config.displayName = QStringLiteral("bench-alice");
    ControlClient alice(*aliceId, config);
    config.displayName = QStringLiteral("bench-bob-%1").arg(QCoreApplication::applicationPid());
    if (options.peerPort != 0) {
        config.host = options.peerHost;
        config.port = options.peerPort;
    }
    ControlClient bob(*bobId, config);
    alice.start();
    bob.start();
    QElapsedTimer regClock;
    regClock.start();
    const bool aliceUp = co_await alice.waitRegistered(60s);
    const bool bobUp = co_await bob.waitRegistered(60s);
    if (!aliceUp || !bobUp) {
        say(QStringLiteral("the measuring clients did not register: %1 / %2")
                .arg(alice.lastError(), bob.lastError()));
        co_return 1;
    }
    result[QStringLiteral("measuring_clients_register_ms")] = double(regClock.elapsed());

    // two series: back to back (the next request right after the go), then with a pause of
    // gap-ms between requests (lets the peers' delayed ACKs go out, see docs/benchmarks-server.md)
    int goCount = 0;
    ProcStats end;
    const auto series
        = [&](const QString &key, std::chrono::milliseconds gap) -> QCoro::Task<void> {
        std::vector<double> latencies;
        QStringList connectErrors;
        const ProcStats cpuBefore = procStats(options.serverPid);
        QElapsedTimer seriesClock;
        seriesClock.start();
        for (int i = 0; i < options.requests; ++i) {
            if (gap.count() > 0)
                co_await sleepFor(gap);
            QElapsedTimer one;
            one.start();
            const ConnectReply reply = co_await alice.requestConnect(
                bobId->id(), connectModeFromName(options.mode), 10s);
            const double ms = double(one.nsecsElapsed()) / 1e6;
            if (reply.go)
                latencies.push_back(ms);
            else if (connectErrors.size() < 10)
                connectErrors.append(connectFailureName(reply.errorCode) + QStringLiteral(": ")
                    + reply.errorMessage);
        }
        end = procStats(options.serverPid);
        goCount += int(latencies.size());
        say(QStringLiteral("%1: %2 of %3 connect requests answered with go in %4 s, p99 %5 ms")
                .arg(key)
                .arg(latencies.size())
                .arg(options.requests)
                .arg(double(seriesClock.elapsed()) / 1000.0)
                .arg(percentile(latencies, 99)));
        QJsonArray samples;
        for (const double ms : latencies)
            samples.append(round2(ms));
        result[key] = QJsonObject {{QStringLiteral("gap_ms"), qint64(gap.count())},
            {QStringLiteral("requests"), options.requests},
            {QStringLiteral("go"), int(latencies.size())},
            {QStringLiteral("errors"), QJsonArray::fromStringList(connectErrors)},
            {QStringLiteral("p50"), round2(percentile(latencies, 50))},
            {QStringLiteral("p95"), round2(percentile(latencies, 95))},
            {QStringLiteral("p99"), round2(percentile(latencies, 99))},
            {QStringLiteral("min"), round2(percentile(latencies, 0))},
            {QStringLiteral("max"), round2(percentile(latencies, 100))},
            {QStringLiteral("server_cpu_s"), round2(end.cpuSeconds - cpuBefore.cpuSeconds)},
            {QStringLiteral("samples_ms"), samples}};
    };
    result[QStringLiteral("connect_mode")] = options.mode;
    co_await series(QStringLiteral("connect_latency_back_to_back"), 0ms);
    co_await series(
        QStringLiteral("connect_latency_gap"), std::chrono::milliseconds(options.gapMs));
    if (options.peerPort != 0) {
        std::vector<double> latencies;
        QStringList lookupErrors;
        for (int i = 0; i < options.requests; ++i) {
            co_await sleepFor(110ms);
            QElapsedTimer one;
            one.start();
            const LookupReply reply = co_await alice.lookup(config.displayName, 10s);
            const double ms = double(one.nsecsElapsed()) / 1e6;
            if (reply.ok() && reply.peers.size() == 1 && reply.peers.first().id == bobId->id())
                latencies.push_back(ms);
            else if (lookupErrors.size() < 10)
                lookupErrors.append(
                    lookupStatusName(reply.code) + QStringLiteral(": ") + reply.message);
        }
        goCount += int(latencies.size()) - options.requests; // all must have found bob
        say(QStringLiteral("lookups across servers: %1 of %2 found bob, p99 %3 ms")
                .arg(latencies.size())
                .arg(options.requests)
                .arg(percentile(latencies, 99)));
        result[QStringLiteral("lookup_latency")]
            = QJsonObject {{QStringLiteral("requests"), options.requests},
                {QStringLiteral("found"), int(latencies.size())},
                {QStringLiteral("errors"), QJsonArray::fromStringList(lookupErrors)},
                {QStringLiteral("p50"), round2(percentile(latencies, 50))},
                {QStringLiteral("p95"), round2(percentile(latencies, 95))},
                {QStringLiteral("p99"), round2(percentile(latencies, 99))},
                {QStringLiteral("max"), round2(percentile(latencies, 100))}};
    }
    result[QStringLiteral("server_rss_end_mib")] = round2(double(end.rssKiB) / 1024.0);
    result[QStringLiteral("server_rss_peak_end_mib")] = round2(double(end.hwmKiB) / 1024.0);
    result[QStringLiteral("idle_still_connected")] = pool.stillConnected();
    result[QStringLiteral("idle_lost_after_registration")] = pool.lostAfterRegistration();
    result[QStringLiteral("idle_errors")] = QJsonArray::fromStringList(pool.errors());
    const ProcStats self = procStats(QCoreApplication::applicationPid());
    result[QStringLiteral("bench_rss_mib")] = round2(double(self.rssKiB) / 1024.0);
    result[QStringLiteral("bench_cpu_s")] = round2(self.cpuSeconds);

    alice.stop();
    bob.stop();
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    co_return (pool.registered() == options.clients && goCount == 2 * options.requests) ? 0 : 3;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Options options;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        const QString v = args.value(i + 1);
        bool ok = true;
        if (a == u"--server") {
            const auto endpoint = ControlProtocol::parseEndpoint(v);
            if (!endpoint) {
                say(QStringLiteral("bad --server %1 (want IPv4:PORT)").arg(v));
                return 2;
            }
            options.host = endpoint->address.toString();
            options.port = endpoint->port;
        } else if (a == u"--peer-server") {
            const auto endpoint = ControlProtocol::parseEndpoint(v);
            if (!endpoint) {
                say(QStringLiteral("bad --peer-server %1 (want IPv4:PORT)").arg(v));
                return 2;
            }
            options.peerHost = endpoint->address.toString();
            options.peerPort = endpoint->port;
        } else if (a == u"--server-pid") {
            options.serverPid = v.toLongLong(&ok);
        } else if (a == u"--clients") {
            options.clients = v.toInt(&ok);
        } else if (a == u"--concurrency") {
            options.concurrency = v.toInt(&ok);
        } else if (a == u"--requests") {
            options.requests = v.toInt(&ok);
        } else if (a == u"--per-source") {
            options.perSource = v.toInt(&ok);
        } else if (a == u"--register-budget-s") {
            options.registerBudgetS = v.toInt(&ok);
        } else if (a == u"--gap-ms") {
            options.gapMs = v.toInt(&ok);
        } else if (a == u"--keepalive-ms") {
            options.keepaliveMs = v.toInt(&ok);
        } else if (a == u"--mode") {
            options.mode = v;
        } else if (a == u"--idle-only") {
            options.idleOnly = true;
            continue; // no value
        } else {
            say(QStringLiteral("unknown argument %1; see the header of bench/server_capacity.cpp")
                    .arg(a));
            return 2;
        }
        if (!ok
            || (a != u"--mode" && a != u"--server" && a != u"--peer-server"
                && v.toLongLong() < 0)) {
            say(QStringLiteral("bad value for %1: %2").arg(a, v));
            return 2;
        }
        ++i;
    }
    if (options.clients < 0 || options.concurrency < 1 || options.requests < 1
        || options.perSource < 1 || options.perSource * 62500 < options.clients) {
        say(QStringLiteral("bad sizes"));
        return 2;
    }
    return QCoro::waitFor(run(options));
}
