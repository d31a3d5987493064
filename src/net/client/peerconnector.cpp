// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/peerconnector.h"

#include "core/coro/socketwait.h"
#include "net/client/controlclient.h"
#include "net/client/relayclient.h"
#include "net/security/securechannel.h"
#include "net/wire/hostport.h"
#include "net/wire/nattype.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointer>
#include <QSslSocket>

#include <qcorosignal.h>

#include <algorithm>

namespace PunchDrop {

using namespace std::chrono_literals;

namespace {
// The texts people see (PeerConnection::reason / error) go through the installed translator;
// the CLI installs none, so it shows the English source. The server's outcome report and the
// log always get the English text.
QString shown(const char *source)
{
    return QCoreApplication::translate("PeerConnector", source);
}

QString text(const char *source, bool forPeople)
{
    return forPeople ? shown(source) : QString::fromUtf8(source);
}
} // namespace

PeerConnector::PeerConnector(
    const DeviceIdentity &identity, ControlClient *control, ConnectTimings timings, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_control(control)
    , m_timings(timings)
{ }

QCoro::Task<bool> PeerConnector::awaitControl(
    void (ControlClient::*settled)(), std::chrono::milliseconds timeout)
{
    QPointer<PeerConnector> self(this);
    QPointer<ControlClient> control(m_control);
    auto signalled = qCoro(control.data(), settled, timeout);
    co_await signalled;
    co_return self &&control && control->isRegistered();
}

QCoro::Task<PeerConnection> PeerConnector::connectTo(
    DeviceId target, ConnectMode mode, QByteArray upgrade)
{
    QElapsedTimer clock;
    clock.start();
    PeerConnection failed;
    failed.peer = target;
    const auto offline = [&failed] {
        failed.errorCode = ConnectFailure::Offline;
        failed.error = shown(QT_TRANSLATE_NOOP("PeerConnector", "not connected to the server"));
        return std::move(failed);
    };
    if (!m_control || !m_control->isRegistered())
        co_return offline();
    // GCC 12 destroys by-value arguments of a coroutine called inside co_await twice (PR 99576):
    // every task in this file is created in its own statement and then awaited by name.
    if (mode != ConnectMode::RelayOnly && m_control->isClaimPending()) {
        // Our IPv6 address reaches the peer only with the go: the claim is one round trip.
        auto claimed = awaitControl(&ControlClient::claimSettled, m_timings.claimWait);
        if (!co_await claimed)
            co_return offline();
    }
    // With IPv6 of our own, a peer with IPv6 goes direct without the mapping, and one without
    // it gets the mapping by a path upgrade once it exists: not worth delaying every send.
    const bool ipv6 = m_control->ipv6Endpoint().isValid();
    if (mode != ConnectMode::RelayOnly && m_ownNat.mapping == NatType::Mapping::Dependent
        && m_control->isPortMappingPending() && !ipv6) {
        qCInfo(lcPunch).noquote() << "behind a symmetric NAT: waiting up to"
                                  << m_timings.mappingWait.count()
                                  << "ms for our port mapping before connecting";
        auto mapped = awaitControl(&ControlClient::portMappingSettled, m_timings.mappingWait);
        if (!co_await mapped)
            co_return offline();
    }
    auto request = m_control->requestConnect(target, mode, m_timings.requestTimeout, upgrade);
    const ConnectReply reply = co_await request;
    if (!reply.go) {
        failed.errorCode
            = reply.errorCode == ConnectFailure::None ? ConnectFailure::Unknown : reply.errorCode;
        failed.error = reply.errorMessage.isEmpty() ? shown(QT_TRANSLATE_NOOP(
                           "PeerConnector", "the server did not answer the connect request"))
                                                    : reply.errorMessage;
        co_return failed;
    }
    if (reply.go->peer != target) {
        // The server introduced someone else: never punch, relay or send anything to it.
        qCWarning(lcPunch).noquote()
            << "the server answered a connect to" << target.toString() << "with device"
            << reply.go->peer.toString() << "- refused (the server may be lying)";
        m_control->reportOutcome(reply.go->sessionId, OutcomeKind::Failed, PathKind::Unknown,
            clock.elapsed(), QStringLiteral("the go named another device than the one asked for"));
        failed.errorCode = ConnectFailure::UnexpectedPeer;
        failed.answered = reply.go->peer;
        failed.answeredName = reply.go->peerName;
        failed.error = shown(
            QT_TRANSLATE_NOOP("PeerConnector", "the server introduced device %1 instead of %2"))
                           .arg(reply.go->peer.toString(), target.toString());
        co_return failed;
    }
    if (reply.go->upgrade != upgrade) {
        // A server that does not know upgrades sent an ordinary go: the peer would take it for
        // a new session. Nothing is punched.
        m_control->reportOutcome(reply.go->sessionId, OutcomeKind::Failed, PathKind::Unknown,
            clock.elapsed(), QStringLiteral("the server does not support path upgrades"));
        failed.errorCode = ConnectFailure::Unknown;
        failed.error = QStringLiteral("the server does not support path upgrades"); // a log text
        co_return failed;
    }
    auto established = establish(*reply.go, mode, clock.elapsed());
    co_return co_await established;
}

QCoro::Task<PeerConnection> PeerConnector::answer(GoMessage go)
{
    auto established = establish(std::move(go), ConnectMode::Auto, 0);
    co_return co_await established;
}

bool PeerConnector::punchHopeless(const NatType &a, const NatType &b)
{
    const bool symA = a.mapping == NatType::Mapping::Dependent;
    const bool symB = b.mapping == NatType::Mapping::Dependent;
    const auto portRestricted = [](const NatType &n) {
        return n.mapping == NatType::Mapping::EndpointIndependent
            && n.filtering == NatType::Filtering::AddressAndPortDependent;
    };
    return (symA && symB) || (symA && portRestricted(b)) || (symB && portRestricted(a));
}

QString PeerConnector::relayReason(
    const NatType &peerNat, const QString &punchFailure, bool forPeople) const
{
    const bool peerSymmetric = peerNat.mapping == NatType::Mapping::Dependent;
    const bool selfSymmetric = m_ownNat.mapping == NatType::Mapping::Dependent;
    QString why;
    if (peerSymmetric && selfSymmetric)
        why = text(QT_TRANSLATE_NOOP("PeerConnector", "both devices are behind symmetric NATs"),
            forPeople);
    else if (peerSymmetric)
        why = text(
            QT_TRANSLATE_NOOP("PeerConnector", "the peer is behind a symmetric NAT"), forPeople);
    else if (selfSymmetric)
        why = text(
            QT_TRANSLATE_NOOP("PeerConnector", "this device is behind a symmetric NAT"), forPeople);
    else
        why = text(QT_TRANSLATE_NOOP("PeerConnector", "hole punch timed out"), forPeople);
    // The reason, then the details of the failed hole punch in brackets.
    if (!punchFailure.isEmpty())
        why = text(QT_TRANSLATE_NOOP("PeerConnector", "%1 (%2)"), forPeople).arg(why, punchFailure);
    return why;
}

int PeerConnector::guessBudget(PortGuess guess) const
{
    // Against a NAT that counts its ports up, a few sockets aimed well do what 512 at random
    // do against one that does not.
    return isSequential(guess) ? std::min(m_timings.guessBudget, kSequentialGuessBudget)
                               : m_timings.guessBudget;
}

PortGuess PeerConnector::guessPart(const GoMessage &go, ConnectMode mode) const
{
    if (go.guess == PortGuess::None || !go.punch || mode == ConnectMode::RelayOnly
        || m_timings.guessBudget <= 0 || m_guessing || !go.peerPublic.isValid())
        return PortGuess::None;
    // A port mapping is the way in without hundreds of SYNs (and both peers know of it: the
    // mapped side itself, the other from go.mapped), so neither guesses then.
    if (go.peerMapped.isValid() || (m_control && m_control->portMapping().isValid()))
        return PortGuess::None;
    const bool selfSymmetric = m_ownNat.mapping == NatType::Mapping::Dependent;
    if (isSpread(go.guess) && !selfSymmetric)
        return PortGuess::None;
    if (!isSpread(go.guess) && m_ownNat.mapping != NatType::Mapping::EndpointIndependent)
        return PortGuess::None;
    return go.guess;
}

QCoro::Task<PunchResult> PeerConnector::punch(const GoMessage &go, bool mappedOnly, PortGuess guess)
{
    PunchPlan plan;
    plan.peer = go.peer;
    plan.initiator = go.initiator;
    plan.localPort = m_control ? m_control->localPort() : 0;
    // The gateway forwards the mapping without any punch: first. When the NATs rule out a punch
    // it is the only candidate; and a side with only its own mapping dials nothing (its SYN to
    // the peer's public endpoint would only clash with the peer's SYN coming in through it).
    if (go.peerMapped.isValid())
        plan.candidates << go.peerMapped;
    // IPv6 next, in either case: no NAT between, the punch is a plain simultaneous open.
    for (const Endpoint &e : ipv6Candidates(go))
        if (!plan.candidates.contains(e))
            plan.candidates << e;
    PunchTimings timings = m_timings.punch;
    if (!go.upgrade.isEmpty()) {
        timings.deadline = m_timings.upgradePunchDeadline;
        timings.attemptTimeout = m_timings.upgradeAttemptTimeout;
    }
    if (mappedOnly) {
        timings.deadline = std::min(timings.deadline, timings.mappedDeadline);
    } else {
        if (!plan.candidates.contains(go.peerPublic) && !go.peerPublic.isIPv6())
            plan.candidates << go.peerPublic;
        for (const Endpoint &e : std::as_const(go.peerPrivate)) {
            if (!plan.candidates.contains(e))
                plan.candidates << e;
        }
    }
    // Counted from the go's arrival: the way here (the engine, a busy GUI event loop) is part
    // of the wait, not added to it, so both peers still begin at the instant the server chose.
    std::chrono::milliseconds startIn(qMax(0, go.startInMs));
    if (go.receivedAt)
        startIn -= std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - *go.receivedAt);
    plan.startIn = std::max(startIn, std::chrono::milliseconds(0));
    if (guess != PortGuess::None) {
        plan.guess = guess;
        plan.guessTarget = go.peerPublic;
        plan.guessBudget = guessBudget(guess);
        timings.deadline = std::max(timings.deadline, timings.guessDeadline);
    }
    QPointer<PeerConnector> self(this);
    if (guess != PortGuess::None)
        m_guessing = true;
    HolePuncher puncher(m_identity, plan, timings);
    auto punching = puncher.run();
    PunchResult result = co_await punching;
    if (self && guess != PortGuess::None)
        m_guessing = false;
    co_return result;
}

QList<Endpoint> PeerConnector::ipv6Candidates(const GoMessage &go) const
{
    if (!m_control)
        return {};
    // Only when we have IPv6 ourselves: our own address went to the peer in its go (claimed,
    // or registered over IPv6), so both sides dial and the firewalls' SYNs cross.
    const bool ours = m_control->ipv6Endpoint().isValid();
    QList<Endpoint> result;
    for (const Endpoint &e : {go.peerAlso, go.peerPublic})
        if (ours && e.isValid() && e.isIPv6())
            result << e;
    return result;
}

PathKind PeerConnector::directPathOf(
    const PunchResult &punched, const GoMessage &go, bool mappedOnly) const
{
    if (go.peerMapped.isValid() && punched.remote == go.peerMapped)
        return PathKind::DirectPortMap;
    if (punched.viaGuess)
        return PathKind::DirectGuess;
    if (punched.remote.isIPv6())
        return PathKind::DirectPunch; // no NAT, so no mapping, between IPv6 peers
    // When the NATs rule out a punch, only a peer's spread socket comes in without a mapping.
    const bool spreadCameIn = punched.viaAccept && mappedOnly && punched.guesses > 0;
    if (!m_control || !m_control->portMapping().isValid())
        return spreadCameIn ? PathKind::DirectGuess : PathKind::DirectPunch;
    if (mappedOnly && punched.viaAccept)
        return PathKind::DirectPortMap;
    // Behind our symmetric NAT nothing from outside reaches us unless the gateway forwards it:
    // the peer's SYN goes to an external port that our NAT gave to another destination (the
    // server) and filters. Only a peer on our own network (one of its private endpoints) gets
    // in without the mapping. Whether the forwarded SYN then meets the listener or one of our
    // own connecting sockets on P (a simultaneous open: same 4-tuple) is a race of
    // microseconds, so a connection we dialled counts too — unless the peer's NAT is known to
    // admit our own SYN (no NAT, full or restricted cone: "full-sym" in the NAT lab), which
    // then went out from a fresh port of ours and in through its listener.
    const bool fromPeersNetwork = std::any_of(go.peerPrivate.cbegin(), go.peerPrivate.cend(),
        [&](const Endpoint &e) { return e.address == punched.remote.address; });
    const NatType peerNat = NatType::fromString(go.peerNat);
    const bool peerAdmitsUs = peerNat.mapping == NatType::Mapping::None
        || peerNat.filtering == NatType::Filtering::EndpointIndependent
        || peerNat.filtering == NatType::Filtering::AddressDependent;
    if (m_ownNat.mapping == NatType::Mapping::Dependent && !fromPeersNetwork
        && (punched.viaAccept || !peerAdmitsUs))
        return PathKind::DirectPortMap;
    return PathKind::DirectPunch;
}

PeerConnector::Detour PeerConnector::unpunched(
    const NatType &peerNat, ConnectMode mode, bool hopeless) const
{
    Detour d;
    if (hopeless) {
        const char *const hopelessText = QT_TRANSLATE_NOOP(
            "PeerConnector", "%1 × %2 cannot be punched with TCP; relayed at once");
        d.reason = relayReason(peerNat,
            QString::fromUtf8(hopelessText).arg(m_ownNat.toString(), peerNat.toString()), false);
        d.reasonShown = relayReason(
            peerNat, shown(hopelessText).arg(m_ownNat.displayName(), peerNat.displayName()), true);
    } else if (mode == ConnectMode::RelayOnly) {
        d.reason = QStringLiteral("relay requested");
        d.reasonShown = shown(QT_TRANSLATE_NOOP("PeerConnector", "relay requested"));
    } else {
        d.reason = QStringLiteral("the sender asked for the relay");
        d.reasonShown = shown(QT_TRANSLATE_NOOP("PeerConnector", "the sender asked for the relay"));
    }
    return d;
}

void PeerConnector::failNoPath(
    PeerConnection &c, const GoMessage &go, ConnectMode mode, const Detour &detour) const
{
    c.errorCode = ConnectFailure::NoPath;
    const QString who = go.peerName.isEmpty() ? go.peer.shortString() : go.peerName;
    c.error = mode == ConnectMode::DirectOnly
        ? shown(QT_TRANSLATE_NOOP("PeerConnector",
                    "no direct connection to %1 could be made and the relay is not "
                    "allowed (--no-relay): %2"))
              .arg(who, detour.reasonShown)
        : shown(QT_TRANSLATE_NOOP("PeerConnector",
                    "no direct connection to %1 could be made and the relay is not "
                    "available: %2"))
              .arg(who, detour.reasonShown);
    if (!detour.impostor.isNull()) {
        // Only another device answered where the server said the peer would be.
        c.errorCode = ConnectFailure::UnexpectedPeer;
        c.answered = detour.impostor;
    }
}

QCoro::Task<PeerConnection> PeerConnector::establish(
    GoMessage go, ConnectMode mode, qint64 startedMs)
{
    QElapsedTimer clock;
    clock.start();
    QPointer<PeerConnector> self(this);
    PeerConnection c;
    c.peer = go.peer;
    c.peerName = go.peerName;
    c.peerNat = NatType::fromString(go.peerNat);
    c.rttMs = go.rttMs;
    c.sessionId = go.sessionId;
    c.initiator = go.initiator;
    const auto elapsed = [&] { return startedMs + clock.elapsed(); };
    const auto report = [&](OutcomeKind kind, const QString &reason, PathKind path) {
        if (self && m_control)
            m_control->reportOutcome(go.sessionId, kind, path, elapsed(), reason);
    };

    Detour detour;
    // Both NAT types known and no punch can work: relay at once instead of after the deadline,
    // unless a gateway forwards a port to one of us: then only that mapping is tried, briefly.
    // (A peer that does not know its own type yet punches and falls back later: only slower.)
    const bool hopeless = mode == ConnectMode::Auto && punchHopeless(m_ownNat, c.peerNat);
    const bool mapped
        = go.peerMapped.isValid() || (m_control && m_control->portMapping().isValid());
    // Over IPv6 there is no NAT, only firewalls: the NAT types say nothing about that path.
    const bool ipv6 = !ipv6Candidates(go).isEmpty();
    // Port guessing: only where the server found the two NAT types call for it.
    const PortGuess guess = guessPart(go, mode);
    if (go.punch && mode != ConnectMode::RelayOnly
        && (!hopeless || mapped || ipv6 || guess != PortGuess::None)) {
        if (guess != PortGuess::None)
            qCInfo(lcPunch).noquote()
                << "port guessing with" << go.peer.shortString() << "as the" << portGuessName(guess)
                << "side," << guessBudget(guess) << "sockets";
        auto punching = punch(go, hopeless, guess);
        PunchResult punched = co_await punching;
        if (!self)
            co_return c;
        if (punched.ok()) {
            c.socket = std::move(punched.socket);
            c.path = directPathOf(punched, go, hopeless);
            if (c.path == PathKind::DirectPortMap)
                c.mapper = punched.remote == go.peerMapped ? go.peerMapper
                                                           : m_control->portMapProtocol();
            c.timeMs = elapsed();
            qCInfo(lcPunch).noquote()
                << "direct path to" << go.peer.shortString() << "via" << punched.remote.toString()
                << (punched.viaAccept ? "(accepted)" : "(connected)") << pathMethodName(c.path)
                << "in" << c.timeMs << "ms after" << punched.attempts << "attempt(s)"
                << (punched.guesses > 0
                           ? QStringLiteral("and %1 guessed port(s)").arg(punched.guesses)
                           : QString());
            report(OutcomeKind::Direct, {}, c.path);
            co_return c;
        }
        detour.impostor = punched.unexpectedPeer;
        detour.reason = relayReason(c.peerNat, punched.failure, false);
        detour.reasonShown = relayReason(c.peerNat, punched.failure, true);
        qCInfo(lcPunch).noquote() << "no direct path to" << go.peer.shortString() << ":"
                                  << detour.reason;
    } else {
        detour = unpunched(c.peerNat, mode, hopeless);
    }

    if (mode == ConnectMode::DirectOnly || go.relayToken.isEmpty() || !m_control) {
        failNoPath(c, go, mode, detour);
        report(OutcomeKind::Failed, detour.reason, PathKind::DirectPunch);
        co_return c;
    }
    auto relaying = viaRelay(std::move(go), std::move(c), detour, elapsed());
    co_return co_await relaying;
}

void PeerConnector::failSecure(PeerConnection &c, const SecureChannel::Result &secured)
{
    c.errorCode
        = secured.unexpectedPeer ? ConnectFailure::UnexpectedPeer : ConnectFailure::AuthFailed;
    if (secured.unexpectedPeer)
        c.answered = secured.peer;
}

QCoro::Task<PeerConnection> PeerConnector::viaRelay(
    GoMessage go, PeerConnection c, Detour detour, qint64 startedMs)
{
    QElapsedTimer clock;
    clock.start();
    QPointer<PeerConnector> self(this);
    const auto report = [&](OutcomeKind kind, const QString &why) {
        if (self && m_control)
            m_control->reportOutcome(
                go.sessionId, kind, PathKind::Relayed, startedMs + clock.elapsed(), why);
    };
    // Another server of the cluster may serve the relay (go.relay, checked by the decoder).
    // The server we are registered with: a name may stand for several servers.
    const HostPort registeredWith = m_control->dialledServer();
    QString relayHost = registeredWith.host;
    quint16 relayPort = registeredWith.port;
    if (const auto elsewhere = parseHostPort(go.relay)) {
        relayHost = elsewhere->host;
        relayPort = elsewhere->port;
        qCInfo(lcPunch).noquote() << "relay for" << go.peer.shortString() << "at" << go.relay;
    }
    auto joining
        = RelayClient::join(relayHost, relayPort, go.relayToken, m_timings.relayJoinTimeout);
    RelayJoinResult joined = co_await joining;
    if (!self)
        co_return c;
    auto *ssl = qobject_cast<QSslSocket *>(joined.socket.get());
    if (!joined.socket || !ssl) {
        c.errorCode = ConnectFailure::RelayFailed;
        const QString detail = joined.error.isEmpty() ? QStringLiteral("no socket") : joined.error;
        c.error = shown(QT_TRANSLATE_NOOP("PeerConnector", "the relay could not connect us: %1"))
                      .arg(detail);
        report(
            OutcomeKind::Failed, QStringLiteral("the relay could not connect us: %1").arg(detail));
        co_return c;
    }
    std::unique_ptr<QSslSocket> socket(ssl);
    joined.socket.release();
    const auto role = go.initiator ? SecureChannel::Role::Client : SecureChannel::Role::Server;
    auto handshake
        = SecureChannel::handshake(*socket, m_identity, role, go.peer, m_timings.handshakeTimeout);
    const SecureChannel::Result secured = co_await handshake;
    if (!self)
        co_return c;
    if (!secured.ok()) {
        failSecure(c, secured);
        c.error = shown(QT_TRANSLATE_NOOP(
                            "PeerConnector", "end-to-end encryption through the relay failed: %1"))
                      .arg(secured.error);
        report(OutcomeKind::Failed,
            QStringLiteral("end-to-end encryption through the relay failed: %1")
                .arg(secured.error));
        co_return c;
    }
    c.socket = std::move(socket);
    c.peer = secured.peer;
    c.path = PathKind::Relayed;
    c.reason = detour.reasonShown;
    c.timeMs = startedMs + clock.elapsed();
    qCInfo(lcPunch).noquote() << "relayed path to" << go.peer.shortString() << "in" << c.timeMs
                              << "ms:" << detour.reason;
    report(OutcomeKind::Relayed, detour.reason);
    co_return c;
}

QCoro::Task<PeerConnection> PeerConnector::connectLan(Endpoint endpoint, DeviceId expected)
{
    QElapsedTimer clock;
    clock.start();
    QPointer<PeerConnector> self(this);
    PeerConnection c;
    c.peer = expected;
    auto socket = std::make_unique<QSslSocket>();
    socket->connectToHost(endpoint.address, endpoint.port);
    auto connecting = waitConnected(socket.get(), m_timings.handshakeTimeout);
    const ConnectOutcome outcome = co_await connecting;
    if (!self)
        co_return c;
    if (outcome != ConnectOutcome::Connected) {
        c.errorCode = ConnectFailure::Unreachable;
        c.error
            = shown(QT_TRANSLATE_NOOP("PeerConnector", "cannot reach %1 on the local network: %2"))
                  .arg(endpoint.toString(), socket->errorString());
        co_return c;
    }
    auto handshake = SecureChannel::handshake(
        *socket, m_identity, SecureChannel::Role::Client, expected, m_timings.handshakeTimeout);
    const SecureChannel::Result secured = co_await handshake;
    if (!self)
        co_return c;
    if (!secured.ok()) {
        failSecure(c, secured);
        c.error = secured.error;
        co_return c;
    }
    c.socket = std::move(socket);
    c.peer = secured.peer;
    c.path = PathKind::DirectLan;
    c.timeMs = clock.elapsed();
    co_return c;
}

} // namespace PunchDrop
