// SPDX-License-Identifier: GPL-3.0-or-later
// RendezvousServer, part two: introductions (connect → RTT probes → go to both peers) and the
// outcome log. Kept apart from accepting and presence (rendezvousserver.cpp) for size.
#include "core/addressprefix.h"
#include "core/logging.h"
#include "net/server/rendezvousserver.h"
#include "net/wire/controlprotocol.h"

#include <QRandomGenerator>
#include <QTimer>

namespace PunchDrop {

using namespace Control;

QByteArray RendezvousServer::randomBytes(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (int i = 0; i < size; i += 4) {
        const quint32 word = QRandomGenerator::system()->generate();
        for (int j = 0; j < 4 && i + j < size; ++j)
            bytes[i + j] = char(word >> (8 * j));
    }
    return bytes;
}

namespace {

/*!
 * The private (LAN) endpoints a client reported that the server hands to a peer: only when both
 * share one observed address (otherwise the server cannot vouch for them, and a stranger could
 * make the peer dial anything), and only addresses of private ranges (RFC 1918, shared address
 * space, IPv6 ULA) with a port — never loopback, link-local, multicast or unspecified ones.
 */
QList<Endpoint> vouchedPrivate(const QList<Endpoint> &reported, bool sameAddress)
{
    QList<Endpoint> vouched;
    if (!sameAddress)
        return vouched;
    for (const Endpoint &e : reported) {
        const bool privateRange = e.address.isInSubnet(QHostAddress(QStringLiteral("10.0.0.0")), 8)
            || e.address.isInSubnet(QHostAddress(QStringLiteral("172.16.0.0")), 12)
            || e.address.isInSubnet(QHostAddress(QStringLiteral("192.168.0.0")), 16)
            || e.address.isInSubnet(QHostAddress(QStringLiteral("100.64.0.0")), 10)
            || e.address.isUniqueLocalUnicast();
        if (privateRange && e.port != 0)
            vouched.append(e);
    }
    return vouched;
}

constexpr int kMaxSessionRecords = 4096;
constexpr qint64 kSessionRecordLifetimeMs = 30 * 60 * 1000;

} // namespace

//! A `connect` waiting for both RTT probes.
struct RendezvousServer::Introduction
{
    QByteArray sessionId;
    QPointer<ServerClient> initiator;
    QPointer<ServerClient> responder;
    quint32 requestId = 0;
    ConnectMode mode = ConnectMode::Auto;
    QByteArray upgrade; //!< Connect::upgrade, copied into both go's
    quint64 initiatorNonce = 0;
    quint64 responderNonce = 0;
    int initiatorRtt = -1;
    int responderRtt = -1;
    QTimer *timer = nullptr;
};

void RendezvousServer::dropIntroductions()
{
    for (Introduction *intro : std::as_const(m_introductions)) {
        delete intro->timer;
        delete intro;
    }
    m_introductions.clear();
}

QString RendezvousServer::sessionTag(const QByteArray &sessionId)
{
    return QString::fromLatin1(sessionId.left(4).toHex());
}

void RendezvousServer::handleOutcome(ServerClient *client, const Outcome &outcome)
{
    const auto record = m_sessions.constFind(outcome.sessionId);
    if (record == m_sessions.cend()) {
        qCInfo(lcServer).noquote()
            << client->describe() << "reported an outcome for unknown session"
            << sessionTag(outcome.sessionId);
        return;
    }
    qCInfo(lcServer).noquote()
        << QStringLiteral("outcome %1 %2 → %3 reported by %4: %5 via %6 in %7 ms%8 (NAT %9 / %10)")
               .arg(sessionTag(outcome.sessionId), record->initiator, record->responder,
                   client->id().shortString(), outcomeKindName(outcome.kind),
                   pathMethodName(outcome.method))
               .arg(outcome.timeMs)
               .arg(outcome.reason.isEmpty() ? QString() : QStringLiteral(", ") + outcome.reason,
                   record->initiatorNat.isEmpty() ? QStringLiteral("unknown")
                                                  : record->initiatorNat,
                   record->responderNat.isEmpty() ? QStringLiteral("unknown")
                                                  : record->responderNat);
    // A direct path needs no relay: its token's slot goes back to the initiator now instead
    // of after the token's lifetime (a script sending file after file would otherwise run out
    // of slots and find no relay for the one transfer that needs it).
    const QString reporter = client->id().shortString();
    if (outcome.kind == OutcomeKind::Direct && !record->relayToken.isEmpty()
        && (reporter == record->initiator || reporter == record->responder)
        && m_relay->revokeToken(record->relayToken))
        qCDebug(lcServer).noquote() << "relay token of session" << sessionTag(outcome.sessionId)
                                    << "released: the path is direct";
    Q_EMIT outcomeReported(outcome.sessionId, outcome.kind);
}

void RendezvousServer::handleConnect(ServerClient *client, const Connect &request)
{
    auto refuse = [&](ConnectFailure code, const QString &text) {
        qCInfo(lcServer).noquote() << "connect" << client->describe() << "→"
                                   << request.target.shortString() << "refused:" << text;
        client->send(ConnectError {request.requestId, code, text});
    };
    if (request.mode == ConnectMode::Unknown)
        return refuse(ConnectFailure::BadMode, QStringLiteral("unknown connect mode"));
    if (request.target == client->id())
        return refuse(ConnectFailure::Self, QStringLiteral("a device cannot connect to itself"));
    if (introductionsOf(client) >= m_config.maxPendingIntroductions)
        return refuse(ConnectFailure::Busy, QStringLiteral("too many connect requests in flight"));
    ServerClient *target = clientOf(m_presence.find(request.target));
    if (!target && clusterConnect(client, request))
        return; // registered with another server: answered when that one has
    if (!target)
        return refuse(ConnectFailure::Offline,
            QStringLiteral("device %1 is not online").arg(request.target.shortString()));
    // In a cluster another server may relay (grantRelay() asks the least loaded one).
    if (request.mode == ConnectMode::RelayOnly && !m_relay->isEnabled() && !clusterUp())
        return refuse(ConnectFailure::RelayDisabled, QStringLiteral("this server does not relay"));
    auto *intro = new Introduction;
    intro->sessionId = randomBytes(ControlProtocol::kSessionIdSize);
    intro->initiator = client;
    intro->responder = target;
    intro->requestId = request.requestId;
    intro->mode = request.mode;
    intro->upgrade = request.upgrade;
    intro->initiatorNonce = client->ping();
    intro->responderNonce = target->ping();
    intro->timer = new QTimer(this);
    intro->timer->setSingleShot(true);
    connect(intro->timer, &QTimer::timeout, this, [this, intro] { finishIntroduction(intro); });
    intro->timer->start(m_config.rttProbeTimeout);
    m_introductions.append(intro);
    qCInfo(lcServer).noquote() << "connect" << client->describe() << "→" << target->describe()
                               << "mode" << connectModeName(request.mode) << "session"
                               << sessionTag(intro->sessionId);
}

int RendezvousServer::introductionsOf(const ServerClient *client) const
{
    int pending = m_remoteConnects.value(client);
    for (const Introduction *i : std::as_const(m_introductions))
        if (i->initiator == client)
            ++pending;
    return pending;
}

void RendezvousServer::onPong(ServerClient *client, quint64 nonce, int rttMs)
{
    const auto intros = m_introductions;
    for (Introduction *intro : intros) {
        if (intro->initiator == client && intro->initiatorNonce == nonce)
            intro->initiatorRtt = rttMs;
        else if (intro->responder == client && intro->responderNonce == nonce)
            intro->responderRtt = rttMs;
        else
            continue;
        if (intro->initiatorRtt >= 0 && intro->responderRtt >= 0)
            finishIntroduction(intro);
    }
}

Go RendezvousServer::goAbout(
    const ServerClient *peer, const DeviceId &receiverId, const QHostAddress &receiverAddress) const
{
    Go go;
    go.peer = peer->id();
    go.peerName = peer->name();
    go.peerPublic = peer->observed(); // the server's own observation
    go.peerAlso = peer->also(); // the same, through the peer's address claim
    go.peerPrivate
        = vouchedPrivate(peer->privateEndpoints(), peer->peerAddress() == receiverAddress);
    go.peerMapped = peer->mapped(); // vouched in handleMapped(): on the peer's public address
    go.peerMapper = peer->mapper();
    // The NAT type only to those the peer allows; an initiator shares its own by asking.
    if (m_presence.allows(peer, receiverId, receiverAddress))
        go.peerNat = peer->natType();
    return go;
}

void RendezvousServer::finishIntroduction(Introduction *intro)
{
    m_introductions.removeAll(intro);
    intro->timer->stop();
    intro->timer->deleteLater();
    std::unique_ptr<Introduction> guard(intro);
    ServerClient *a = intro->initiator;
    ServerClient *b = intro->responder;
    if (!a)
        return;
    if (!b || !m_presence.contains(b)) {
        a->send(ConnectError {
            intro->requestId, ConnectFailure::Offline, QStringLiteral("the device went offline")});
        return;
    }
    // Unknown RTTs (no pong in time, none measured before) count as the probe timeout: late
    // rather than early, so the SYNs of the better-connected peer do not wait in a closed NAT.
    auto rttOf = [this](int measured, const ServerClient *c) {
        if (measured >= 0)
            return measured;
        return c->lastRttMs() >= 0 ? c->lastRttMs() : int(m_config.rttProbeTimeout.count());
    };
    const int rttA = rttOf(intro->initiatorRtt, a);
    const int rttB = rttOf(intro->responderRtt, b);
    const int d = std::max(rttA, rttB) / 2 + int(m_config.startMargin.count());

    const QString label = sessionTag(intro->sessionId) + QLatin1Char(' ') + a->id().shortString()
        + QStringLiteral(" → ") + b->id().shortString();
    const bool punch = intro->mode != ConnectMode::RelayOnly;

    Go goA = goAbout(b, a->id(), a->peerAddress());
    goA.requestId = intro->requestId;
    goA.sessionId = intro->sessionId;
    goA.initiator = true;
    goA.punch = punch;
    goA.startInMs = d - rttA / 2;
    goA.rttMs = rttA;

    Go goB = goAbout(a, b->id(), b->peerAddress());
    goB.peerNat = a->natType(); // it asked for this session
    goB.requestId = 0;
    goB.sessionId = intro->sessionId;
    goB.initiator = false;
    goB.punch = punch;
    goB.startInMs = d - rttB / 2;
    goB.rttMs = rttB;
    goA.upgrade = goB.upgrade = intro->upgrade;
    if (punch && guessingAllowed(intro->upgrade)) {
        // Only the server knows both NAT types (a peer's may be hidden from the initiator).
        const NatType natA = NatType::fromString(a->natType());
        const NatType natB = NatType::fromString(b->natType());
        goA.guess = portGuessFor(natA, natB);
        goB.guess = portGuessFor(natB, natA);
    }

    SessionRecord record {
        a->id().shortString(), b->id().shortString(), a->natType(), b->natType(), 0, {}, 0};
    // Charged to the initiator: a stranger's connects cannot use up the target's share.
    grantRelay(intro->mode, label, {a->id(), AddressPrefix::of(a->peerAddress())},
        [this, pa = QPointer<ServerClient>(a), pb = QPointer<ServerClient>(b), goA, goB, label,
            record, mode = intro->mode](const RelayGrant &grant) mutable {
            if (!pa)
                return;
            if (!pb || !m_presence.contains(pb)) {
                pa->send(ConnectError {goA.requestId, ConnectFailure::Offline,
                    QStringLiteral("the device went offline")});
                return;
            }
            if (grant.token.isEmpty() && mode != ConnectMode::DirectOnly) {
                qCInfo(lcServer).noquote() << "go" << label << "without relay:" << grant.refusal;
                if (mode == ConnectMode::RelayOnly) {
                    pa->send(ConnectError {goA.requestId, ConnectFailure::Busy, grant.refusal});
                    return;
                }
            }
            goA.relayToken = goB.relayToken = grant.token;
            goA.relay = goB.relay = grant.relay; // empty: this server
            pb->send(goB);
            pa->send(goA);
            if (grant.server.isEmpty())
                record.relayToken = grant.token;
            recordSession(goA.sessionId, record);
            logGo(label, goA, goB, grant);
        });
}

void RendezvousServer::logGo(
    const QString &label, const Go &goA, const Go &goB, const RelayGrant &grant) const
{
    const QString relay = grant.token.isEmpty() ? QStringLiteral("no")
        : grant.relay.isEmpty()                 ? QStringLiteral("here")
                                                : QStringLiteral("at ") + grant.relay;
    qCInfo(lcServer).noquote() << QStringLiteral(
        "go %1: rtt %2/%3 ms, start in %4/%5 ms, punch %6, relay %7")
                                      .arg(label)
                                      .arg(goA.rttMs)
                                      .arg(goB.rttMs)
                                      .arg(goA.startInMs)
                                      .arg(goB.startInMs)
                                      .arg(goA.punch ? QStringLiteral("yes") : QStringLiteral("no"),
                                          relay);
}

void RendezvousServer::grantLocalRelay(const QString &label, const RelayOwner &owner,
    const std::function<void(const RelayGrant &)> &done)
{
    RelayGrant grant;
    if (!m_relay->isEnabled()) {
        grant.refusal = QStringLiteral("this server does not relay");
        done(grant);
        return;
    }
    grant.token = m_relay->createToken(label, owner, &grant.refusal);
    done(grant);
}

bool RendezvousServer::guessingAllowed(const QByteArray &upgrade)
{
    if (upgrade.isEmpty())
        return true;
    const auto record = m_sessions.find(upgrade);
    if (record == m_sessions.end() || record->guessedUpgrades >= kMaxGuessedUpgrades)
        return false;
    ++record->guessedUpgrades;
    return true;
}

void RendezvousServer::recordSession(const QByteArray &sessionId, SessionRecord record)
{
    if (m_sessions.size() >= kMaxSessionRecords) {
        const qint64 cutoff = m_clock.elapsed() - kSessionRecordLifetimeMs;
        for (auto it = m_sessions.begin(); it != m_sessions.end();)
            it = it->createdMs < cutoff ? m_sessions.erase(it) : std::next(it);
        if (m_sessions.size() >= kMaxSessionRecords)
            m_sessions.clear();
    }
    record.createdMs = m_clock.elapsed();
    m_sessions.insert(sessionId, std::move(record));
}

} // namespace PunchDrop
