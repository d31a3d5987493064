// SPDX-License-Identifier: GPL-3.0-or-later
#include "clientcommands.h"

#include "clidecider.h"
#include "consoletext.h"
#include "eventprinter.h"

#include "core/configdir.h"
#include "core/coro/sleep.h"
#include "core/coro/wakeup.h"
#include "core/instancelock.h"
#include "core/logging.h"
#include "net/client/thisdevice.h"
#include "net/security/deviceidentity.h"
#include "transfer/transferengine.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QSettings>
#include <QSysInfo>
#include <QTimer>

#include <qcorosignal.h>

#include <functional>

namespace PunchDrop::Cli {

using namespace std::chrono_literals;

namespace {

//! How long the commands wait for the server, the NAT probe and the peer's presence.
constexpr auto kRegisterTimeout = 15s;
constexpr auto kNatProbeWait = 6s;
constexpr auto kPeerLookupWait = 5s;
constexpr auto kLanDiscoveryWait = 3s;
//! A peer we do not see registers without a presence event: ask the server again after this,
//! then twice as long each time (more when it answers "busy"), at most kLookupRetryMax.
constexpr auto kLookupRetry = 500ms;
constexpr std::chrono::milliseconds kLookupRetryMax = 8s;

struct Client
{
    explicit Client(const Invocation &inv)
        : invocation(inv)
        , configDir(inv.configDir)
        , printer(inv.json)
    { }

    ~Client()
    {
        // The flows' handlers print through this object: once the flow is over, nothing the
        // engine still signals while it stops (a stranger's offer cancelled, a last snapshot)
        // reaches them.
        if (engine)
            QObject::disconnect(engine.get(), nullptr, nullptr, nullptr);
    }

    Invocation invocation;
    ConfigDir configDir;
    std::unique_ptr<InstanceLock> lock;
    std::optional<DeviceIdentity> identity;
    // Declared before the engine, so they outlive it: the engine holds the decider, and its
    // destruction may still end a job that asks it.
    EventPrinter printer;
    std::unique_ptr<CliDecider> decider;
    std::unique_ptr<TransferEngine> engine;
};

QString displayName(const Invocation &inv, const ConfigDir &dir)
{
    if (!inv.name.isEmpty())
        return inv.name;
    const QString saved = dir.openSettings()->value(QStringLiteral("displayName")).toString();
    if (!saved.isEmpty())
        return saved;
    const QString host = QSysInfo::machineHostName();
    return host.isEmpty() ? QStringLiteral("punchdrop") : host;
}

std::unique_ptr<Client> setUp(const Invocation &inv)
{
    auto client = std::make_unique<Client>(inv);
    QString error;
    // Before the identity is loaded (or created): a second process with the same DeviceId would
    // fight the first one for its registration with the server.
    client->lock = InstanceLock::acquire(client->configDir, &error);
    if (!client->lock) {
        client->printer.error(QStringLiteral("already-running"), error);
        return nullptr;
    }
    client->identity = DeviceIdentity::loadOrCreate(client->configDir, &error);
    if (!client->identity) {
        client->printer.error(QStringLiteral("identity"), error);
        return nullptr;
    }
    EngineConfig config;
    if (inv.server) {
        config.serverHost = inv.server->host;
        config.serverPort = inv.server->port;
        config.moreServers = inv.moreServers;
    }
    config.lan = inv.lan;
    config.displayName = displayName(inv, client->configDir);
    config.device = ThisDevice::describe(true); // the CLI: a headless "server"
    config.downloadDir = inv.dir.isEmpty() ? ConfigDir::defaultDownloadDir()
                                           : QFileInfo(inv.dir).absoluteFilePath();
    if (inv.sha256)
        config.digest = FileDigest::Algorithm::Sha256;
    if (inv.punchTimeoutMs > 0)
        config.timings.punch.deadline = std::chrono::milliseconds(inv.punchTimeoutMs);
    config.portMapping = !inv.noPortMap;
    config.upgrade = !inv.noUpgrade;
    if (inv.noBirthday)
        config.timings.guessBudget = 0;
    else if (inv.punchBudget > 0)
        config.timings.guessBudget = inv.punchBudget;
    client->engine = std::make_unique<TransferEngine>(*client->identity, client->configDir, config);
    return client;
}

//! The servers as given ("a:8877, b:8877"), or "lan".
QString serverText(const Invocation &inv)
{
    if (!inv.server)
        return QStringLiteral("lan");
    QStringList servers {inv.server->toString()};
    for (const HostPort &more : inv.moreServers)
        servers << more.toString();
    return servers.join(QStringLiteral(", "));
}

void printRegistered(Client &c)
{
    ControlClient *control = c.engine->controlClient();
    const QString nat
        = c.engine->natType() ? c.engine->natType()->toString() : QStringLiteral("unknown");
    // The server in use: after a failover, not the first of --server's list.
    c.printer.registered(c.identity->id().toString(), control ? nat : QStringLiteral("n/a"),
        control ? control->observedEndpoint().toString() : QString(),
        control ? control->currentServer().toString() : serverText(c.invocation));
}

//! Starts the engine and waits until it is registered with the server (and its NAT type known).
QCoro::Task<bool> goOnline(Client &c)
{
    QString error;
    if (!c.engine->start(&error)) {
        c.printer.error(QStringLiteral("start"), error);
        co_return false;
    }
    ControlClient *control = c.engine->controlClient();
    if (!control) {
        printRegistered(c);
        co_return true;
    }
    // Tasks are created in their own statement, then awaited (GCC 12, PR 99576).
    auto registering = control->waitRegistered(kRegisterTimeout);
    if (!co_await registering) {
        c.printer.error(QStringLiteral("server-unreachable"),
            QStringLiteral("cannot register with the server %1: %2")
                .arg(serverText(c.invocation),
                    control->lastError().isEmpty() ? QStringLiteral("no answer")
                                                   : control->lastError()));
        co_return false;
    }
    if (!c.engine->natType())
        co_await qCoro(c.engine.get(), &TransferEngine::natTypeChanged, kNatProbeWait);
    printRegistered(c);
    // Later re-registrations (server restarted, network changed) are reported as they happen.
    QObject::connect(
        c.engine.get(), &TransferEngine::registered, c.engine.get(), [&c] { printRegistered(c); });
    QObject::connect(c.engine.get(), &TransferEngine::connectionLost, c.engine.get(),
        [&c](const QString &reason) {
            c.printer.raw({{QStringLiteral("event"), QStringLiteral("server")},
                {QStringLiteral("state"), QStringLiteral("lost")},
                {QStringLiteral("message"), reason}});
            c.printer.info(QStringLiteral("Lost the server (%1); reconnecting…").arg(reason));
        });
    co_return true;
}

QCoro::Task<PeerInfo> findPeer(Client &c, const QString &query)
{
    const auto wait = c.invocation.lan ? std::chrono::milliseconds(kLanDiscoveryWait)
                                       : std::chrono::milliseconds(kPeerLookupWait);
    QElapsedTimer clock;
    clock.start();
    Wakeup presence; // peersChanged may fire many times in a row: never qCoro(signal) here
    QObject::connect(c.engine.get(), &TransferEngine::peersChanged, &presence, &Wakeup::wake);
    // Each retry is a server lookup (rate-limited per address): wait longer after each miss, and
    // twice as long again when the server says it is busy.
    std::chrono::milliseconds retry = kLookupRetry;
    while (true) {
        // Contacts first (a contact's name is its pinned ID), then who we see (same network,
        // LAN), then everyone on the server.
        auto finding = c.engine->findPeer(query);
        const PeerResolver::Result r = co_await finding;
        const bool online = r.ok() && r.candidates.constFirst().online;
        if (online)
            co_return r.candidates.constFirst();
        const auto left = wait - std::chrono::milliseconds(clock.elapsed());
        // Only "nobody matches" and "not online yet" (the peer may still be starting) and
        // "busy" can change by waiting; ambiguity and a refusal cannot.
        const bool worthWaiting = r.ok() || r.code == PeerResolver::Code::NotFound
            || r.code == PeerResolver::Code::Busy;
        if (left.count() <= 0 || !worthWaiting) {
            if (r.ok()) {
                // Never another device of that name: the one meant is offline.
                const PeerInfo &p = r.candidates.constFirst();
                c.printer.error(QStringLiteral("peer-offline"),
                    QStringLiteral("%1 (%2) is offline").arg(p.name, p.id.toString())
                        + (r.error.isEmpty() ? QString()
                                             : QStringLiteral(" (the server: %1)").arg(r.error)));
            } else {
                c.printer.error(r.code == PeerResolver::Code::Refused
                        ? QStringLiteral("namesake")
                        : QStringLiteral("peer-not-found"),
                    r.error);
            }
            co_return PeerInfo {};
        }
        const bool server = c.engine->controlClient() && c.engine->controlClient()->isRegistered();
        if (r.code == PeerResolver::Code::Busy)
            retry *= 2;
        co_await presence.wait(server ? std::min<std::chrono::milliseconds>(left, retry) : left);
        retry = std::min<std::chrono::milliseconds>(retry * 2, kLookupRetryMax);
    }
}

//! Who the file goes to: a pinned contact, or a first contact (trust on first use) to verify.
void printRecipient(Client &c, const PeerInfo &peer)
{
    const bool firstContact = !c.engine->contacts().find(peer.id).has_value();
    c.printer.recipient(peer.name, peer.id.toString(), firstContact);
}

void printPaths(Client &c)
{
    QObject::connect(c.engine.get(), &TransferEngine::pathEstablished, c.engine.get(),
        [&c](quint64, const PathReport &p) {
            c.printer.path(p, p.peerName.isEmpty() ? p.peer.shortString() : p.peerName);
        });
    QObject::connect(c.engine.get(), &TransferEngine::transferUpdated, c.engine.get(),
        [&c](const TransferSnapshot &s) {
            if (s.state == TransferSnapshot::State::Transferring)
                c.printer.progress(s.bytesDone, s.bytesTotal, s.bytesPerSecond);
        });
    QObject::connect(c.engine.get(), &TransferEngine::fileFinished, c.engine.get(),
        [&c](quint64, const FileResult &f) {
            if (f.verified)
                c.printer.file(f.relativePath, f.size, FileDigest::name(f.digestAlgorithm),
                    f.digest, f.resumedFrom);
        });
}

/*!
 * Collects transferFinished() so a flow can wait for them one by one; several transfers may end
 * in one event-loop turn, which qCoro(signal) in QCoro 0.8 would turn into a double resume.
 */
class FinishedQueue
{
public:
    explicit FinishedQueue(TransferEngine *engine)
    {
        QObject::connect(engine, &TransferEngine::transferFinished, &m_wakeup,
            [this](quint64 id, const TransferResult &result) {
                m_items.append({id, result});
                m_wakeup.wake();
            });
    }
    QCoro::Task<std::pair<quint64, TransferResult>> next()
    {
        while (m_items.isEmpty())
            co_await m_wakeup.wait(std::chrono::hours(24 * 365));
        co_return m_items.takeFirst();
    }

private:
    Wakeup m_wakeup;
    QList<std::pair<quint64, TransferResult>> m_items;
};

//! Prints the end of one transfer; returns the exit code it stands for.
int reportResult(Client &c, const TransferResult &result, qint64 elapsedMs)
{
    if (result.allVerified()) {
        c.printer.progress(result.bytesTotal, result.bytesTotal, 0, true);
        c.printer.done(result.files.size(), result.bytesTotal, elapsedMs, result.bytesTransferred,
            result.relayBytes, result.directBytes);
        return ExitOk;
    }
    const QString code
        = result.ok() ? QStringLiteral("integrity") : transferErrorName(result.error);
    c.printer.error(code,
        result.message.isEmpty() ? QStringLiteral("not every file was verified") : result.message);
    return ExitFailure;
}

QCoro::Task<int> sendFlow(Client &c)
{
    for (const QString &path : std::as_const(c.invocation.paths)) {
        if (!QFileInfo::exists(path)) {
            c.printer.error(QStringLiteral("not-found"),
                QStringLiteral("%1: no such file or folder").arg(path));
            co_return ExitFailure;
        }
    }
    auto online = goOnline(c);
    if (!co_await online)
        co_return ExitFailure;
    auto lookup = findPeer(c, c.invocation.to);
    const PeerInfo recipient = co_await lookup;
    const DeviceId peer = recipient.id;
    if (peer.isNull())
        co_return ExitFailure;
    printRecipient(c, recipient);

    printPaths(c);
    const ConnectMode mode = c.invocation.relayOnly ? ConnectMode::RelayOnly
        : c.invocation.noRelay                      ? ConnectMode::DirectOnly
                                                    : ConnectMode::Auto;
    QElapsedTimer clock;
    clock.start();
    bool waitingShown = false;
    bool codeShown = false;
    // The handler uses this frame's locals: it is connected for the frame's lifetime only (the
    // engine outlives the flow and may signal after it returned).
    QObject frame;
    QObject::connect(c.engine.get(), &TransferEngine::transferUpdated, &frame,
        [&c, &waitingShown, &codeShown](const TransferSnapshot &s) {
            if (s.state == TransferSnapshot::State::Waiting && !waitingShown) {
                waitingShown = true;
                c.printer.info(QStringLiteral("Waiting for %1 to accept…").arg(s.peerName));
            }
            if (!s.verificationCode.isEmpty() && !codeShown) {
                codeShown = true;
                c.printer.verificationCode(
                    s.peerName.isEmpty() ? s.peer.shortString() : s.peerName, s.verificationCode);
            }
        });
    FinishedQueue finished(c.engine.get());
    const quint64 id = c.engine->send(peer, c.invocation.paths, mode);
    while (true) {
        auto nextTask = finished.next();
        const auto [finishedId, result] = co_await nextTask;
        if (finishedId == id)
            co_return reportResult(c, result, clock.elapsed());
    }
}

QCoro::Task<int> receiveFlow(Client &c)
{
    c.decider = std::make_unique<CliDecider>(c.invocation.yes, c.printer);
    c.engine->setOfferDecider(c.decider.get());
    auto online = goOnline(c);
    if (!co_await online)
        co_return ExitFailure;
    c.printer.info(QStringLiteral("Receiving into %1 — waiting for transfers (Ctrl+C to stop)")
                       .arg(c.engine->config().downloadDir));
    printPaths(c);
    QElapsedTimer clock;
    clock.start();
    FinishedQueue finished(c.engine.get());
    while (true) {
        auto nextTask = finished.next();
        const auto [finishedId, result] = co_await nextTask;
        const int code = reportResult(c, result, clock.elapsed());
        if (c.invocation.once)
            co_return code;
        clock.restart();
    }
}

QString sourceName(PeerInfo::Source source)
{
    switch (source) {
    case PeerInfo::Source::Lan:
        return QStringLiteral("lan");
    case PeerInfo::Source::Saved:
        return QStringLiteral("saved");
    case PeerInfo::Source::Server:
        break;
    }
    return QStringLiteral("server");
}

QCoro::Task<int> peersFlow(Client &c)
{
    auto online = goOnline(c);
    if (!co_await online)
        co_return ExitFailure;
    // Presence follows the welcome; on the LAN, announcements arrive every second.
    co_await sleepFor(c.invocation.lan ? std::chrono::milliseconds(kLanDiscoveryWait)
                                       : std::chrono::milliseconds(500));
    QList<PeerInfo> shown;
    int exitCode = ExitOk;
    if (c.invocation.query.isEmpty()) {
        shown = c.engine->peers(); // the visible ones: contacts online, same network, LAN
    } else {
        auto finding = c.engine->findPeer(c.invocation.query);
        const PeerResolver::Result r = co_await finding;
        shown = r.candidates; // the match, or the candidates of an ambiguous query
        if (!r.ok()) {
            c.printer.error(r.code == PeerResolver::Code::Ambiguous ? QStringLiteral("ambiguous")
                    : r.code == PeerResolver::Code::Refused         ? QStringLiteral("namesake")
                                                            : QStringLiteral("peer-not-found"),
                r.error);
            exitCode = ExitFailure;
        }
    }
    QJsonArray list;
    QStringList lines;
    for (const PeerInfo &p : std::as_const(shown)) {
        if (!p.online)
            continue;
        list.append(QJsonObject {{QStringLiteral("device_id"), p.id.toString()},
            {QStringLiteral("name"), p.name}, {QStringLiteral("nat_type"), p.natType},
            {QStringLiteral("source"), sourceName(p.source)},
            {QStringLiteral("contact"), p.pinned}});
        lines << QStringLiteral("%1  %2  %3  %4  %5")
                     .arg(p.id.shortString(), p.name.leftJustified(20),
                         sourceName(p.source).leftJustified(6),
                         (p.pinned ? QStringLiteral("contact") : QStringLiteral("-"))
                             .leftJustified(7),
                         p.natType.isEmpty() ? QStringLiteral("-") : p.natType);
    }
    c.printer.raw(
        {{QStringLiteral("event"), QStringLiteral("peers")}, {QStringLiteral("peers"), list}});
    if (!c.invocation.json) {
        if (!lines.isEmpty() || c.invocation.query.isEmpty())
            writeText(stdout,
                (lines.isEmpty() ? QStringLiteral("No peers online.")
                                 : lines.join(QLatin1Char('\n')))
                    + QLatin1Char('\n'));
    }
    co_return exitCode;
}

int runFlow(const Invocation &inv, const std::function<QCoro::Task<int>(Client &)> &flow)
{
    std::unique_ptr<Client> client = setUp(inv);
    if (!client)
        return ExitFailure;
    int exitCode = ExitFailure;
    QTimer deadline;
    if (inv.timeoutSecs > 0) {
        deadline.setSingleShot(true);
        QObject::connect(&deadline, &QTimer::timeout, qApp, [&] {
            client->printer.error(QStringLiteral("timeout"),
                QStringLiteral("gave up after %1 s (--timeout)").arg(inv.timeoutSecs));
            client->engine->stop();
            QCoreApplication::exit(ExitFailure);
        });
        deadline.start(std::chrono::seconds(inv.timeoutSecs));
    }
    QCoro::connect(flow(*client), qApp, [&exitCode](int code) {
        exitCode = code;
        QCoreApplication::exit(code);
    });
    QCoreApplication::exec(); // a --timeout leaves exitCode at ExitFailure
    client->engine->stop();
    return exitCode;
}

} // namespace

int runSend(const Invocation &invocation)
{
    return runFlow(invocation, sendFlow);
}

int runReceive(const Invocation &invocation)
{
    return runFlow(invocation, receiveFlow);
}

int runPeers(const Invocation &invocation)
{
    return runFlow(invocation, peersFlow);
}

} // namespace PunchDrop::Cli
