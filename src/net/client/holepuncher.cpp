// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/holepuncher.h"

#include "core/coro/sleep.h"
#include "core/coro/socketwait.h"
#include "core/socket/reusablesocket.h"
#include "net/security/deferredtlsserver.h"
#include "net/security/securechannel.h"
#include "net/security/securestream.h"

#include "core/logging.h"

#include <QRandomGenerator>
#include <QSet>
#include <QSslSocket>

#include <algorithm>

#include <qcorosignal.h>

namespace PunchDrop {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

HolePuncher::HolePuncher(
    const DeviceIdentity &identity, PunchPlan plan, PunchTimings timings, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_plan(std::move(plan))
    , m_timings(timings)
{ }

HolePuncher::~HolePuncher()
{
    finishCandidates();
}

milliseconds HolePuncher::remaining(milliseconds extra) const
{
    const milliseconds left = m_timings.deadline + extra - milliseconds(m_clock.elapsed());
    return left.count() > 0 ? left : 0ms;
}

QCoro::Task<PunchResult> HolePuncher::run()
{
    PunchResult result;
    // Listen on P at once: a peer whose SYN comes from an unexpected port (symmetric NAT on its
    // side, cone on ours) can only be accepted, never met by our own connect().
    const bool anyV6 = std::any_of(m_plan.candidates.cbegin(), m_plan.candidates.cend(),
        [](const Endpoint &e) { return e.isIPv6(); });
    const bool anyV4 = std::any_of(m_plan.candidates.cbegin(), m_plan.candidates.cend(),
        [](const Endpoint &e) { return !e.isIPv6(); });
    auto listenOn = [this](const QHostAddress &any) {
        auto *listener = new DeferredTlsServer(this);
        QString error;
        if (!ReusableSocket::listen(*listener, any, m_plan.localPort, &error)) {
            qCWarning(lcPunch) << "cannot listen on punch port" << m_plan.localPort << "in"
                               << (any == QHostAddress::AnyIPv6 ? "IPv6" : "IPv4") << ":" << error;
            // Not fatal: connect-only punching still works through cone NATs.
        }
        connect(
            listener, &QTcpServer::newConnection, this, [this, listener] { onIncoming(listener); });
        return listener;
    };
    if (anyV4 || !anyV6)
        m_listener = listenOn(QHostAddress::AnyIPv4);
    if (anyV6)
        m_listener6 = listenOn(QHostAddress::AnyIPv6);

    if (m_plan.startIn.count() > 0) {
        QPointer<HolePuncher> self(this);
        co_await sleepFor(m_plan.startIn);
        if (!self)
            co_return result;
    }
    m_clock.start();
    qCDebug(lcPunch) << "punching from port" << m_plan.localPort << "to" << m_plan.candidates.size()
                     << "candidates as" << (m_plan.initiator ? "initiator" : "responder");
    QList<Endpoint> later; // IPv4, when an IPv6 candidate is dialled first (happy eyeballs)
    for (const Endpoint &candidate : std::as_const(m_plan.candidates)) {
        if (!candidate.isValid())
            continue;
        if (anyV6 && !candidate.isIPv6())
            later << candidate;
        else
            dialLoop(candidate); // runs concurrently; ends by itself at the deadline
    }
    if (!later.isEmpty())
        dialAfterIpv6(later); // runs concurrently; finishCandidates() ends its pause
    if (m_plan.guess != PortGuess::None && !m_plan.guessTarget.address.isNull()
        && m_plan.guessBudget > 0)
        guessDials(); // runs concurrently; its sockets end at the deadline

    const milliseconds wait = remaining(m_plan.initiator ? 0ms : m_timings.selectGrace);
    if (!m_winner && wait.count() > 0)
        co_await qCoro(this, &HolePuncher::winnerFound, wait);

    result.attempts = m_attempts;
    result.refused = m_refused;
    result.timedOut = m_timedOut;
    result.elapsedMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    result.unexpectedPeer = m_unexpectedPeer;
    result.guesses = m_guesses;
    if (m_winner) {
        m_winner->setParent(nullptr);
        m_sockets.removeAll(m_winner);
        result.socket.reset(m_winner);
        result.remote = m_winnerRemote;
        result.viaAccept = m_winnerOrigin == Origin::Accepted;
        result.viaGuess = m_winnerOrigin == Origin::Guessed;
        m_winner = nullptr;
    } else {
        result.failure = QStringLiteral("no direct path within %1 ms (%2 attempts: %3 refused, %4 "
                                        "timed out)")
                             .arg(m_timings.deadline.count())
                             .arg(m_attempts)
                             .arg(m_refused)
                             .arg(m_timedOut);
        if (m_guesses > 0)
            result.failure += QStringLiteral("; %1 guessed port(s) missed").arg(m_guesses);
        if (m_verifyFailures > 0)
            result.failure += QStringLiteral("; %1 connection(s) failed authentication: %2")
                                  .arg(m_verifyFailures)
                                  .arg(m_lastVerifyError);
    }
    finishCandidates();
    co_return result;
}

void HolePuncher::finishCandidates()
{
    if (m_done)
        return;
    m_done = true;
    m_guessPause.wakeNow(); // guessDials() sees m_done and ends
    m_ipv4Pause.wakeNow(); // so does dialAfterIpv6()
    const auto pauses = m_retryPauses; // each dialLoop() removes its own and sees m_done
    for (Wakeup *pause : pauses)
        pause->wakeNow();
    if (m_listener)
        m_listener->close();
    if (m_listener6)
        m_listener6->close();
    // abort() resumes every helper coroutine waiting on a socket; they see m_done and end.
    const auto sockets = m_sockets;
    m_sockets.clear();
    for (const QPointer<QSslSocket> &socket : sockets) {
        if (socket && socket != m_winner) {
            socket->abort();
            socket->deleteLater();
        }
    }
}

QCoro::Task<> HolePuncher::dialAfterIpv6(QList<Endpoint> targets)
{
    co_await m_ipv4Pause.wait(std::min(m_timings.ipv4Delay, remaining()));
    if (m_done || m_winner)
        co_return; // IPv6 won meanwhile, or the punch is over (woken by finishCandidates())
    for (const Endpoint &target : std::as_const(targets))
        dialLoop(target);
}

QCoro::Task<> HolePuncher::retryPause()
{
    // Ended at once by finishCandidates() (from run()'s end or the destructor, while this object
    // still lives): a coroutine must not outlive the punch in a timer that may never run again.
    Wakeup pause;
    m_retryPauses.append(&pause);
    co_await pause.wait(m_timings.retryDelay);
    m_retryPauses.removeAll(&pause);
}

QCoro::Task<> HolePuncher::dialLoop(Endpoint target)
{
    QPointer<HolePuncher> self(this);
    while (self && !m_done && remaining().count() > 0) {
        QSslSocket *socket = dial(m_plan.localPort, target);
        if (!socket) {
            auto paused = retryPause();
            co_await paused;
            continue;
        }
        ++m_attempts;
        // Tasks are created in their own statement, then awaited (GCC 12, PR 99576).
        auto connecting = waitConnected(socket, std::min(m_timings.attemptTimeout, remaining()));
        const ConnectOutcome outcome = co_await connecting;
        if (!self || m_done)
            co_return;
        if (outcome == ConnectOutcome::Connected) {
            qCDebug(lcPunch) << "connected to" << target.toString() << "after" << m_clock.elapsed()
                             << "ms";
            verifyCandidate(socket, target, Origin::Dialled);
            co_return; // this 4-tuple is taken now; the listener covers other paths
        }
        if (outcome == ConnectOutcome::Failed)
            ++m_refused;
        else
            ++m_timedOut;
        qCDebug(lcPunch) << "attempt to" << target.toString()
                         << (outcome == ConnectOutcome::Failed ? "refused:" : "timed out:")
                         << socket->errorString();
        m_sockets.removeAll(socket);
        socket->abort();
        socket->deleteLater();
        if (outcome == ConnectOutcome::Failed) {
            auto paused = retryPause();
            co_await paused;
            if (!self)
                co_return;
        }
    }
}

QSslSocket *HolePuncher::dial(quint16 port, const Endpoint &target)
{
    auto *socket = new QSslSocket(this);
    if (port == 0) {
        // connect() picks the port: unique for this destination, unlike a bind to port 0
        // with SO_REUSEPORT, which may hand two sockets the same one.
        m_sockets.append(socket);
        socket->connectToHost(target.address, target.port);
        return socket;
    }
    QString error;
    const qintptr fd = ReusableSocket::createBound(
        target.isIPv6() ? QHostAddress::AnyIPv6 : QHostAddress::AnyIPv4, port, &error);
    if (fd < 0) {
        qCDebug(lcPunch) << "bind for punch attempt failed:" << error;
        delete socket;
        return nullptr;
    }
    if (!ReusableSocket::adoptBound(*socket, fd, &error)) {
        qCDebug(lcPunch) << "punch socket refused:" << error;
        delete socket;
        return nullptr;
    }
    m_sockets.append(socket);
    socket->connectToHost(target.address, target.port);
    return socket;
}

QCoro::Task<> HolePuncher::guessDials()
{
    QPointer<HolePuncher> self(this);
    const bool spread = isSpread(m_plan.guess);
    // Probe: distinct ports, drawn at random from the range (a NAT that allocates at random
    // gives no better guess; every draw is as good as any other). Against a NAT that counts
    // its ports up: spaced evenly above the peer's last seen port (sequentialProbes()).
    QList<quint16> ports;
    if (m_plan.guess == PortGuess::ProbeSequential) {
        ports = sequentialProbes(m_plan.guessTarget.port, m_plan.guessBudget, m_plan.guessFirstPort,
            m_plan.guessLastPort);
    } else if (!spread) {
        const int first = m_plan.guessFirstPort;
        const int count = std::max(0, int(m_plan.guessLastPort) - first + 1);
        const int budget = std::min(m_plan.guessBudget, count);
        QSet<quint16> drawn;
        while (drawn.size() < budget)
            drawn.insert(quint16(first + QRandomGenerator::global()->bounded(count)));
        ports = drawn.values();
    }
    const int budget = spread ? m_plan.guessBudget : int(ports.size());
    // Room for every socket at once, besides what the process already holds.
    ReusableSocket::reserveDescriptors(budget + 1024);
    constexpr int kBatch = 16;
    const int batches = (budget + kBatch - 1) / kBatch;
    const milliseconds pause
        = batches > 1 ? m_timings.guessSpread / (batches - 1) : milliseconds(0);
    qCDebug(lcPunch) << "port guessing:" << (spread ? "spreading" : "probing") << budget
                     << "sockets" << (spread ? "to" : "at")
                     << (spread ? m_plan.guessTarget.toString()
                                : m_plan.guessTarget.address.toString())
                     << "over" << m_timings.guessSpread.count() << "ms";
    for (int i = 0; i < budget && self && !m_done && !m_winner && remaining().count() > 0; ++i) {
        if (i > 0 && i % kBatch == 0 && pause.count() > 0) {
            co_await m_guessPause.wait(pause);
            if (!self || m_done || m_winner)
                co_return;
        }
        // Spread: a fresh port for each, so the NAT maps a fresh public port; Probe: all from
        // the punch port, the one the peer's spread sockets aim at.
        const Endpoint target
            = spread ? m_plan.guessTarget : Endpoint {m_plan.guessTarget.address, ports.at(i)};
        QSslSocket *socket = dial(spread ? quint16(0) : m_plan.localPort, target);
        if (!socket)
            continue;
        ++m_guesses;
        guessAttempt(socket, target);
    }
}

QCoro::Task<> HolePuncher::guessAttempt(QSslSocket *socket, Endpoint target)
{
    QPointer<HolePuncher> self(this);
    QPointer<QSslSocket> guard(socket);
    // No retry: the kernel retransmits the SYN within the deadline, and a refused guess is a
    // port nobody waits on. finishCandidates() closes whatever still waits.
    auto connecting = waitConnected(socket, remaining());
    const ConnectOutcome outcome = co_await connecting;
    if (!self || !guard || m_done)
        co_return;
    if (outcome == ConnectOutcome::Connected) {
        qCDebug(lcPunch) << "guessed port" << target.toString() << "connected after"
                         << m_clock.elapsed() << "ms";
        verifyCandidate(socket, target, Origin::Guessed);
        co_return;
    }
    m_sockets.removeAll(socket);
    socket->abort();
    socket->deleteLater();
}

void HolePuncher::onIncoming(DeferredTlsServer *listener)
{
    while (listener->hasPendingConnections()) {
        auto *socket = qobject_cast<QSslSocket *>(listener->nextPendingConnection());
        if (!socket)
            continue;
        if (m_done) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        socket->setParent(this);
        m_sockets.append(socket);
        const Endpoint remote {socket->peerAddress(), socket->peerPort()};
        qCDebug(lcPunch) << "accepted" << remote.toString() << "on punch port";
        verifyCandidate(socket, remote, Origin::Accepted);
    }
}

QCoro::Task<> HolePuncher::verifyCandidate(QSslSocket *socket, Endpoint remote, Origin origin)
{
    QPointer<HolePuncher> self(this);
    QPointer<QSslSocket> guard(socket);
    const auto role = m_plan.initiator ? SecureChannel::Role::Client : SecureChannel::Role::Server;
    auto handshake = SecureChannel::handshake(
        *socket, m_identity, role, m_plan.peer, m_timings.handshakeTimeout);
    const SecureChannel::Result secured = co_await handshake;
    if (!self || !guard || m_done)
        co_return;
    if (!secured.ok()) {
        ++m_verifyFailures;
        m_lastVerifyError = secured.error;
        if (secured.unexpectedPeer)
            m_unexpectedPeer = secured.peer;
        qCInfo(lcPunch) << "candidate" << remote.toString()
                        << "failed authentication:" << secured.error;
        socket->abort();
        co_return;
    }
    // The selection byte is the first record of the secured stream.
    SecureStream *stream = SecureStream::of(socket);
    if (m_plan.initiator) {
        if (m_winner)
            co_return; // an earlier path won; finishCandidates() closes this one
        stream->write(QByteArrayView(&kSelectByte, 1));
    } else {
        // Wait for the initiator to choose this connection.
        while (guard && !m_done && stream->bytesAvailable() < 1) {
            const milliseconds left = remaining(m_timings.selectGrace);
            if (left.count() <= 0)
                co_return;
            auto reading = waitReadable(socket, left);
            const bool readable = co_await reading;
            if (!self || !guard)
                co_return;
            // Closed (the initiator chose another connection): waitReadable would return at
            // once from now on, and this loop would spin until the deadline.
            if (!readable && socket->state() != QAbstractSocket::ConnectedState)
                co_return;
        }
        if (!guard || m_done || m_winner)
            co_return;
        char marker = 0;
        if (stream->read(&marker, 1) != 1 || marker != kSelectByte) {
            qCWarning(lcPunch) << "peer sent an unexpected path selection byte";
            socket->abort();
            co_return;
        }
    }
    m_winner = socket;
    m_winnerRemote = remote;
    m_winnerOrigin = origin;
    Q_EMIT winnerFound();
}

} // namespace PunchDrop
