// SPDX-License-Identifier: GPL-3.0-or-later
// RendezvousServer, part three: the cluster. Devices registered here are published to Redis;
// lookups and connects reach devices registered with the other servers; relay tokens come from
// the least loaded server. Messages between servers (ServerCluster::post/request) are JSON
// objects with a type "t"; a `go` crosses as the CBOR frame the client will receive, so the
// target's server checks it with the same parser a client uses.
//
// A connect from A (here, server 1) to B (server 2):
//   1. server 1 locates B in Redis, pings A and sends server 2 "intro" (session ID, mode, A's
//      ID and address, the `go` part about A that only server 1 can vouch for);
//   2. server 2 pings B (bounded by rttProbeTimeout) and answers with B's RTT, how long it held
//      the request, and the `go` part about B for A;
//   3. server 1 estimates the one-way delay between the servers as (round trip − held) / 2,
//      picks a relay, sends A its `go` and server 2 the `go` for B ("go"), with start times
//      such that both begin punching at the same instant: D = max(rttA/2, hop + rttB/2) +
//      startMargin from now.
#include "core/addressprefix.h"
#include "core/logging.h"
#include "net/server/rendezvousserver.h"
#include "net/wire/controlprotocol.h"

#ifdef PUNCHDROP_CLUSTER
#include "net/server/servercluster.h"

#include <QJsonArray>
#include <QJsonObject>
#endif

namespace PunchDrop {

using namespace Control;

#ifndef PUNCHDROP_CLUSTER

void RendezvousServer::setCluster(ServerCluster *) { }
bool RendezvousServer::clusterUp() const
{
    return false;
}
void RendezvousServer::clusterPublish(const ServerClient *) { }
void RendezvousServer::clusterWithdraw(const ServerClient *) { }
bool RendezvousServer::clusterConnect(ServerClient *, const Connect &)
{
    return false;
}
bool RendezvousServer::clusterLookup(ServerClient *, const Lookup &)
{
    return false;
}
void RendezvousServer::grantRelay(
    ConnectMode mode, const QString &label, const RelayOwner &owner, GrantFn done)
{
    if (mode == ConnectMode::DirectOnly)
        return done({});
    grantLocalRelay(label, owner, done);
}
void RendezvousServer::dropClusterState() { }
void RendezvousServer::onClusterMessage(const QJsonObject &) { }
void RendezvousServer::clusterRegistered(ServerClient *, const QList<DeviceId> &) { }
void RendezvousServer::clusterWatchChanged(ServerClient *, const QList<DeviceId> &) { }
void RendezvousServer::clusterSync(ServerClient *) { }
void RendezvousServer::clusterForget(const ServerClient *) { }

#else

namespace {

QString text(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

QString encodeGo(const Go &go)
{
    return QString::fromLatin1(ControlProtocol::encode(go).toBase64());
}

//! A `go` another server of the cluster encoded, checked like a client checks it.
std::optional<Go> decodeGo(const QString &base64)
{
    const QByteArray frame = QByteArray::fromBase64(base64.toLatin1());
    const ControlProtocol::ParseResult r = ControlProtocol::parse(frame);
    if (r.status != ControlProtocol::Status::Ok || r.consumed != frame.size())
        return std::nullopt;
    if (const auto *go = std::get_if<Go>(&r.message))
        return *go;
    return std::nullopt;
}

//! Stale entries in m_awaitedGos (a `go` that never came) are dropped after this long.
constexpr qint64 kAwaitedGoLifetimeMs = 30000;

} // namespace

//! At the target's server: another server's connect, waiting for our client's pong.
struct RendezvousServer::RemoteProbe
{
    QJsonObject request;
    QPointer<ServerClient> target;
    quint64 nonce = 0;
    int rtt = -1;
    QElapsedTimer held;
    QTimer *timer = nullptr;
    QMetaObject::Connection pong; //!< ended as soon as the probe is: two pongs may come at once
};

void RendezvousServer::setCluster(ServerCluster *cluster)
{
    if (m_cluster)
        m_cluster->disconnect(this);
    m_cluster = cluster;
    if (!cluster)
        return;
    connect(cluster, &ServerCluster::messageReceived, this, &RendezvousServer::onClusterMessage);
    connect(cluster, &ServerCluster::upChanged, this, &RendezvousServer::onClusterUp);
    connect(&m_clusterSweep, &QTimer::timeout, this, &RendezvousServer::sweepRemotePresence,
        Qt::UniqueConnection);
    m_clusterSweep.start(std::max<qint64>(200, cluster->config().presenceTtl.count() / 3));
    connect(m_relay, &RelayHub::sessionStarted, cluster,
        [this] { m_cluster->setRelayLoad(m_relay->activeSessions()); });
    connect(m_relay, &RelayHub::sessionFinished, cluster,
        [this] { m_cluster->setRelayLoad(m_relay->activeSessions()); });
}

bool RendezvousServer::clusterUp() const
{
    return m_cluster && m_cluster->isUp();
}

void RendezvousServer::clusterPublish(const ServerClient *client)
{
    if (m_cluster && client->isRegistered())
        m_cluster->publish({client->id(), client->name(), client->natType(), client->peerAddress(),
            {}, client->device()});
}

void RendezvousServer::clusterWithdraw(const ServerClient *client)
{
    if (m_cluster)
        m_cluster->withdraw(client->id());
}

void RendezvousServer::dropClusterState()
{
    for (RemoteProbe *probe : std::as_const(m_remoteProbes)) {
        delete probe->timer;
        delete probe;
    }
    m_remoteProbes.clear();
    m_awaitedGos.clear();
    m_remoteConnects.clear();
    m_remote.clear();
    m_watchIds.clear();
    m_clusterSweep.stop();
}

// ---- presence across servers ------------------------------------------------------------------
//
// The rules stay those of one server (PresenceIndex): A sees B ⇔ each watches the other, or
// both have one public address. Each server holds its own clients' watch lists, so each decides
// its half: B's server sends the servers of the devices B watches or shares an address with a
// "presence" request (B's entry and those candidate IDs); each keeps the candidates of its own
// that allow B (watch B, or share the address), tells them peer-joined, and answers with them,
// and B's server tells B. "presence-gone" undoes it when B leaves. Both servers remember the
// pairs (m_remote, RemotePresence) to say peer-left later.

namespace {

QJsonObject entryJson(const PeerEntry &e)
{
    QJsonObject o {{QStringLiteral("id"), e.id.toString()}, {QStringLiteral("name"), e.name},
        {QStringLiteral("nat"), e.nat}};
    // What the device said about itself in hello, as there: tokens, absent when unknown.
    if (e.device.kind != DeviceKind::Unknown)
        o.insert(QStringLiteral("kind"), deviceKindName(e.device.kind));
    if (e.device.os != DeviceOs::Unknown)
        o.insert(QStringLiteral("os"), deviceOsName(e.device.os));
    return o;
}

std::optional<PeerEntry> entryFrom(const QJsonObject &o)
{
    PeerEntry e {DeviceId::fromString(text(o, "id")),
        text(o, "name").left(ControlProtocol::kMaxTextLength),
        text(o, "nat").left(ControlProtocol::kMaxTextLength),
        {deviceKindFromName(text(o, "kind")), deviceOsFromName(text(o, "os"))}};
    if (e.id.isNull())
        return std::nullopt;
    return e;
}

QJsonArray idsJson(const QList<DeviceId> &ids)
{
    QJsonArray out;
    for (const DeviceId &id : ids)
        out.append(id.toString());
    return out;
}

} // namespace

void RendezvousServer::clusterRegistered(ServerClient *client, const QList<DeviceId> &watchIds)
{
    clusterPublish(client);
    if (!m_cluster)
        return;
    m_watchIds.insert(client, watchIds); // what the index kept: bounded like it
    clusterSync(client);
}

void RendezvousServer::clusterWatchChanged(ServerClient *client, const QList<DeviceId> &watchIds)
{
    if (!m_cluster)
        return;
    m_watchIds.insert(client, watchIds);
    clusterSync(client);
}

void RendezvousServer::clusterSync(ServerClient *client)
{
    if (!m_cluster || !m_cluster->isUp() || !m_presence.contains(client))
        return;
    m_cluster->presenceCandidates(m_watchIds.value(client), client->peerAddress(),
        [this, c = QPointer<ServerClient>(client)](
            const QHash<QString, ServerCluster::PresenceCandidates> &byServer, bool ok) {
            if (!c || !ok || !m_cluster || !m_presence.contains(c))
                return;
            // Servers with candidates, and those whose devices it sees now (which may stop).
            QSet<QString> servers(byServer.keyBegin(), byServer.keyEnd());
            servers.unite(m_remote.serversSeenBy(c));
            const QJsonObject entry = entryJson(entryOf(c));
            for (const QString &server : std::as_const(servers)) {
                const ServerCluster::PresenceCandidates candidates = byServer.value(server);
                m_cluster->request(server,
                    {{QStringLiteral("t"), QStringLiteral("presence")},
                        {QStringLiteral("entry"), entry},
                        {QStringLiteral("addr"), c->peerAddress().toString()},
                        {QStringLiteral("watched"), idsJson(candidates.watched)},
                        {QStringLiteral("same"), idsJson(candidates.sameAddress)}},
                    [this, c, server](const std::optional<QJsonObject> &answer) {
                        if (c && answer && m_presence.contains(c))
                            applyPresenceAnswer(c, server, *answer);
                    });
            }
        });
}

void RendezvousServer::onClusterPresence(const QJsonObject &message)
{
    const std::optional<PeerEntry> entry
        = entryFrom(message.value(QStringLiteral("entry")).toObject());
    const QString server = text(message, "from");
    if (!entry || server.isEmpty() || m_presence.find(entry->id))
        return; // registered here as well (moved meanwhile): the local view wins
    const QHostAddress address(text(message, "addr"));
    // Candidates: devices it watches (so only their own watch lists decide) and devices on
    // its address. Bounded like the protocol's watch lists.
    QList<PresenceMember *> now;
    for (const char *list : {"watched", "same"}) {
        const QJsonArray ids = message.value(QLatin1String(list)).toArray();
        for (qsizetype i = 0; i < std::min<qsizetype>(ids.size(), ControlProtocol::kMaxWatch);
             ++i) {
            PresenceMember *x = m_presence.find(DeviceId::fromString(ids.at(i).toString()));
            if (x && !now.contains(x) && m_presence.allows(x, entry->id, address))
                now.append(x);
        }
    }
    for (PresenceMember *x : m_remote.setSeenBy(entry->id, server, now))
        clientOf(x)->send(PeerLeft {entry->id});
    QJsonArray seen;
    for (PresenceMember *x : std::as_const(now)) {
        clientOf(x)->send(PeerJoined {*entry}); // new, or an update (NAT type)
        seen.append(entryJson(entryOf(x)));
    }
    m_cluster->answer(message, {{QStringLiteral("seen"), seen}});
}

void RendezvousServer::applyPresenceAnswer(
    ServerClient *client, const QString &server, const QJsonObject &answer)
{
    QList<DeviceId> now;
    const QJsonArray seen = answer.value(QStringLiteral("seen")).toArray();
    for (qsizetype i = 0; i < std::min<qsizetype>(seen.size(), ControlProtocol::kMaxWatch); ++i) {
        const std::optional<PeerEntry> entry = entryFrom(seen.at(i).toObject());
        if (!entry || m_presence.find(entry->id) || now.contains(entry->id))
            continue; // registered here as well (moved meanwhile): the local view wins
        now.append(entry->id);
        client->send(PeerJoined {*entry});
    }
    for (const DeviceId &id : m_remote.setVisible(client, server, now))
        client->send(PeerLeft {id});
}

void RendezvousServer::clusterForget(const ServerClient *client)
{
    m_remoteConnects.remove(client); // its connects in flight end with it
    if (!m_cluster)
        return;
    m_watchIds.remove(client);
    const QSet<QString> servers = m_remote.removeMember(const_cast<ServerClient *>(client));
    for (const QString &server : servers)
        m_cluster->post(server,
            {{QStringLiteral("t"), QStringLiteral("presence-gone")},
                {QStringLiteral("id"), client->id().toString()}});
}

void RendezvousServer::onClusterPresenceGone(const QJsonObject &message)
{
    const DeviceId id = DeviceId::fromString(text(message, "id"));
    for (PresenceMember *x : m_remote.removeDevice(id))
        clientOf(x)->send(PeerLeft {id});
}

void RendezvousServer::dropRemotePresence(const QString &server)
{
    m_remote.removeServer(
        server, [](PresenceMember *x, const DeviceId &id) { clientOf(x)->send(PeerLeft {id}); });
}

void RendezvousServer::onClusterUp(bool up)
{
    if (!up) {
        // Without Redis nothing reaches another server's device: nobody there is "online" for
        // our clients until the cluster is back.
        dropRemotePresence({});
        return;
    }
    const auto clients = findChildren<ServerClient *>(Qt::FindDirectChildrenOnly);
    for (ServerClient *c : clients)
        if (m_presence.contains(c))
            clusterSync(c);
}

void RendezvousServer::sweepRemotePresence()
{
    if (!m_cluster || !m_cluster->isUp() || m_remote.isEmpty())
        return;
    m_cluster->checkAlive(m_remote.servers(), [this](const QSet<QString> &dead) {
        for (const QString &server : dead) {
            qCInfo(lcCluster).noquote()
                << "server" << server << "is gone: its devices leave our clients' views";
            dropRemotePresence(server);
        }
    });
}

// ---- lookups ----------------------------------------------------------------------------------

bool RendezvousServer::clusterLookup(ServerClient *client, const Lookup &request)
{
    if (!m_cluster)
        return false;
    if (!m_cluster->isUp()) {
        // Only this server's devices can be found now: say so when that finds nothing.
        PeerResolver::Result local = m_presence.lookup(request.query, client);
        if (local.code == PeerResolver::Code::NotFound)
            local.error = QStringLiteral("not registered with this server, and the other servers "
                                         "of its cluster cannot be asked now (the cluster's "
                                         "Redis is unreachable); try again shortly");
        answerLookup(client, request, local);
        return true;
    }
    const PeerResolver::Result local = m_presence.lookup(request.query, client);
    if (!PeerResolver(request.query).exactId().isNull()
        && local.code == PeerResolver::Code::Found) {
        answerLookup(client, request, local); // an exact ID registered here: nothing to add
        return true;
    }
    m_cluster->candidates(request.query,
        [this, c = QPointer<ServerClient>(client), request, local](
            const QList<ClusterDevice> &found, bool ok) {
            if (!c)
                return;
            PeerResolver resolver(request.query);
            QSet<DeviceId> seen {c->id()};
            for (const PeerInfo &p : local.candidates) {
                seen.insert(p.id);
                resolver.consider(p);
            }
            for (const ClusterDevice &d : found) {
                if (seen.contains(d.id))
                    continue;
                seen.insert(d.id);
                PeerInfo p;
                p.id = d.id;
                p.name = d.name;
                p.natType = d.natType;
                p.kind = d.device.kind;
                p.os = d.device.os;
                p.online = true;
                resolver.consider(p);
            }
            if (!ok)
                qCInfo(lcCluster).noquote()
                    << "lookup of" << request.query << "answered with this server's devices only";
            // The NAT type of a device on another server: only on the asker's own address
            // (its watch list, the other half of the rule, lives on its own server).
            QSet<DeviceId> natShown;
            for (const ClusterDevice &d : found)
                if (d.address == c->peerAddress())
                    natShown.insert(d.id);
            answerLookup(c, request, ok ? resolver.result() : local, natShown);
        });
    return true;
}

// ---- connects to another server's device (the initiator's server) ----------------------------

bool RendezvousServer::clusterConnect(ServerClient *client, const Connect &request)
{
    if (!m_cluster)
        return false;
    const auto refuse = [client, &request](const QString &text) {
        qCInfo(lcServer).noquote() << "connect" << client->describe() << "→"
                                   << request.target.shortString() << "refused:" << text;
        client->send(ConnectError {request.requestId, ConnectFailure::Offline, text});
    };
    if (!m_cluster->isUp()) {
        refuse(QStringLiteral("device %1 is not registered with this server, and the other "
                              "servers cannot be asked now (the cluster's Redis is unreachable); "
                              "try again shortly")
                   .arg(request.target.shortString()));
        return true;
    }
    ++m_remoteConnects[client];
    auto done = [this](ServerClient *c) {
        auto it = m_remoteConnects.find(c);
        if (it != m_remoteConnects.end() && --it.value() <= 0)
            m_remoteConnects.erase(it);
    };
    m_cluster->locate(request.target,
        [this, a = QPointer<ServerClient>(client), request, done](
            std::optional<ClusterDevice> target, bool ok) {
            if (!a)
                return;
            const auto fail = [&](const QString &text) {
                done(a);
                qCInfo(lcServer).noquote() << "connect" << a->describe() << "→"
                                           << request.target.shortString() << "refused:" << text;
                a->send(ConnectError {request.requestId, ConnectFailure::Offline, text});
            };
            if (!ok)
                return fail(QStringLiteral("the cluster could not be asked where device %1 is")
                                .arg(request.target.shortString()));
            if (!target || target->server == m_cluster->instance()) {
                // Not anywhere, or it registered here meanwhile: the ordinary path decides.
                done(a);
                if (m_presence.find(request.target))
                    handleConnect(a, request);
                else
                    a->send(ConnectError {request.requestId, ConnectFailure::Offline,
                        QStringLiteral("device %1 is not online")
                            .arg(request.target.shortString())});
                return;
            }
            const QByteArray sessionId = randomBytes(ControlProtocol::kSessionIdSize);
            Go aboutA = goAbout(a, target->id, target->address);
            aboutA.peerNat = a->natType(); // it asked for this session
            aboutA.sessionId = sessionId; // a whole `go` crosses, checked by the same parser
            aboutA.upgrade = request.upgrade; // goB is aboutA: it reaches B with the go
            const quint64 nonce = a->ping();
            auto rttA = std::make_shared<int>(-1);
            // The pong may come before or after the other server's answer; whichever is later
            // reads it, and an unanswered ping counts as the last known RTT.
            auto pong = connect(a, &ServerClient::pongReceived, this,
                [rttA, nonce](ServerClient *, quint64 n, int rtt) {
                    if (n == nonce)
                        *rttA = rtt;
                });
            QElapsedTimer sent;
            sent.start();
            qCInfo(lcServer).noquote()
                << "connect" << a->describe() << "→" << target->id.shortString() << "on server"
                << target->server << "mode" << connectModeName(request.mode) << "session"
                << sessionTag(sessionId);
            m_cluster->request(target->server,
                {{QStringLiteral("t"), QStringLiteral("intro")},
                    {QStringLiteral("sid"), QString::fromLatin1(sessionId.toHex())},
                    {QStringLiteral("target"), target->id.toString()},
                    {QStringLiteral("mode"), connectModeName(request.mode)},
                    {QStringLiteral("a_id"), a->id().toString()},
                    {QStringLiteral("a_addr"), a->peerAddress().toString()},
                    {QStringLiteral("about_a"), encodeGo(aboutA)}},
                [this, a, request, done, target = *target, sessionId, aboutA, rttA, pong, sent](
                    const std::optional<QJsonObject> &answer) mutable {
                    disconnect(pong);
                    if (!a)
                        return;
                    done(a);
                    const auto deny = [&](ConnectFailure code, const QString &why) {
                        qCInfo(lcServer).noquote() << "connect" << a->describe() << "→"
                                                   << target.id.shortString() << "refused:" << why;
                        a->send(ConnectError {request.requestId, code, why});
                    };
                    if (!answer)
                        return deny(ConnectFailure::Offline,
                            QStringLiteral("the server of device %1 did not answer")
                                .arg(target.id.shortString()));
                    if (!answer->value(QStringLiteral("ok")).toBool()) {
                        const ConnectFailure code = connectFailureFromName(text(*answer, "code"));
                        return deny(
                            code == ConnectFailure::Unknown ? ConnectFailure::Offline : code,
                            text(*answer, "why").left(ControlProtocol::kMaxTextLength));
                    }
                    const std::optional<Go> aboutB = decodeGo(text(*answer, "about_b"));
                    if (!aboutB || aboutB->peer != target.id)
                        return deny(ConnectFailure::Offline,
                            QStringLiteral("the server of device %1 sent a malformed answer")
                                .arg(target.id.shortString()));
                    const int probe = int(m_config.rttProbeTimeout.count());
                    const int rttAMs = *rttA >= 0 ? *rttA
                        : a->lastRttMs() >= 0     ? a->lastRttMs()
                                                  : probe;
                    const int rttBMs
                        = std::clamp(answer->value(QStringLiteral("rtt")).toInt(probe), 0, 60000);
                    const qint64 held = std::clamp<qint64>(
                        answer->value(QStringLiteral("held")).toInteger(), 0, sent.elapsed());
                    const int hop = int((sent.elapsed() - held) / 2);
                    const int d = std::max(rttAMs / 2, hop + rttBMs / 2)
                        + int(m_config.startMargin.count());

                    Go goA = *aboutB;
                    goA.requestId = request.requestId;
                    goA.sessionId = sessionId;
                    goA.initiator = true;
                    goA.punch = request.mode != ConnectMode::RelayOnly;
                    goA.startInMs = d - rttAMs / 2;
                    goA.rttMs = rttAMs;
                    goA.upgrade = request.upgrade;
                    Go goB = aboutA;
                    goB.requestId = 0;
                    goB.sessionId = sessionId;
                    goB.initiator = false;
                    goB.punch = goA.punch;
                    goB.startInMs = std::max(0, d - hop - rttBMs / 2);
                    goB.rttMs = rttBMs;
                    if (goA.punch && guessingAllowed(request.upgrade)) {
                        // Redis holds the target's NAT type, whatever the go shows A.
                        const NatType natA = NatType::fromString(a->natType());
                        const NatType natB = NatType::fromString(target.natType);
                        goA.guess = portGuessFor(natA, natB);
                        goB.guess = portGuessFor(natB, natA);
                    }
                    const QString label = sessionTag(sessionId) + QLatin1Char(' ')
                        + a->id().shortString() + QStringLiteral(" → ") + target.id.shortString();
                    SessionRecord record {a->id().shortString(), target.id.shortString(),
                        a->natType(), target.natType, 0, {}, 0};
                    grantRelay(request.mode, label, {a->id(), AddressPrefix::of(a->peerAddress())},
                        [this, a, goA, goB, label, record, target, mode = request.mode](
                            const RelayGrant &grant) mutable {
                            if (!a || !m_cluster)
                                return;
                            if (grant.token.isEmpty() && mode != ConnectMode::DirectOnly) {
                                qCInfo(lcServer).noquote()
                                    << "go" << label << "without relay:" << grant.refusal;
                                if (mode == ConnectMode::RelayOnly) {
                                    a->send(ConnectError {
                                        goA.requestId, ConnectFailure::Busy, grant.refusal});
                                    return;
                                }
                            }
                            goA.relayToken = goB.relayToken = grant.token;
                            goA.relay = grant.relay; // empty: this server, A's own
                            // For B, this server is "elsewhere"; its own server is not.
                            goB.relay = grant.token.isEmpty()   ? QString()
                                : grant.server.isEmpty()        ? m_cluster->advertise()
                                : grant.server == target.server ? QString()
                                                                : grant.relay;
                            a->send(goA);
                            m_cluster->post(target.server,
                                {{QStringLiteral("t"), QStringLiteral("go")},
                                    {QStringLiteral("target"), target.id.toString()},
                                    {QStringLiteral("go"), encodeGo(goB)}});
                            if (grant.server.isEmpty())
                                record.relayToken = grant.token;
                            recordSession(goA.sessionId, record);
                            logGo(label, goA, goB, grant);
                        });
                });
        });
    return true;
}

// ---- connects from another server (the target's server) --------------------------------------

void RendezvousServer::onClusterIntro(const QJsonObject &message)
{
    const auto refuse = [&](ConnectFailure code, const QString &why) {
        m_cluster->answer(message,
            {{QStringLiteral("ok"), false}, {QStringLiteral("code"), connectFailureName(code)},
                {QStringLiteral("why"), why}});
    };
    const DeviceId targetId = DeviceId::fromString(text(message, "target"));
    ServerClient *target = clientOf(m_presence.find(targetId));
    const QByteArray sessionId = QByteArray::fromHex(text(message, "sid").toLatin1());
    if (!target || sessionId.size() != ControlProtocol::kSessionIdSize)
        return refuse(ConnectFailure::Offline,
            QStringLiteral("device %1 went offline").arg(targetId.shortString()));
    if (m_remoteProbes.size() >= m_config.maxClients)
        return refuse(ConnectFailure::Busy, QStringLiteral("the device's server is busy"));
    auto *probe = new RemoteProbe;
    probe->request = message;
    probe->target = target;
    probe->nonce = target->ping();
    probe->held.start();
    probe->timer = new QTimer(this);
    probe->timer->setSingleShot(true);
    connect(probe->timer, &QTimer::timeout, this, [this, probe] { answerClusterIntro(probe); });
    probe->pong = connect(target, &ServerClient::pongReceived, probe->timer,
        [this, probe](ServerClient *, quint64 nonce, int rtt) {
            if (nonce != probe->nonce)
                return;
            probe->rtt = rtt;
            answerClusterIntro(probe);
        });
    probe->timer->start(m_config.rttProbeTimeout);
    m_remoteProbes.append(probe);
}

void RendezvousServer::answerClusterIntro(RemoteProbe *probe)
{
    m_remoteProbes.removeAll(probe);
    std::unique_ptr<RemoteProbe> guard(probe);
    disconnect(probe->pong);
    probe->timer->deleteLater();
    const QJsonObject &message = probe->request;
    ServerClient *b = probe->target;
    if (!m_cluster)
        return;
    if (!b || !m_presence.contains(b)) {
        m_cluster->answer(message,
            {{QStringLiteral("ok"), false},
                {QStringLiteral("code"), connectFailureName(ConnectFailure::Offline)},
                {QStringLiteral("why"), QStringLiteral("the device went offline")}});
        return;
    }
    const DeviceId aId = DeviceId::fromString(text(message, "a_id"));
    const QHostAddress aAddress(text(message, "a_addr"));
    const int rtt = probe->rtt >= 0 ? probe->rtt
        : b->lastRttMs() >= 0       ? b->lastRttMs()
                                    : int(m_config.rttProbeTimeout.count());
    // The go for our client arrives in a moment; only that session's, for this client.
    const QByteArray sessionId = QByteArray::fromHex(text(message, "sid").toLatin1());
    const qint64 now = m_clock.elapsed();
    for (auto it = m_awaitedGos.begin(); it != m_awaitedGos.end();)
        it = it->second < now ? m_awaitedGos.erase(it) : std::next(it);
    m_awaitedGos.insert(sessionId, {QPointer<ServerClient>(b), now + kAwaitedGoLifetimeMs});
    Go aboutB = goAbout(b, aId, aAddress);
    aboutB.sessionId = sessionId;
    m_cluster->answer(message,
        {{QStringLiteral("ok"), true}, {QStringLiteral("rtt"), rtt},
            {QStringLiteral("held"), probe->held.elapsed()},
            {QStringLiteral("about_b"), encodeGo(aboutB)}});
}

void RendezvousServer::onClusterGo(const QJsonObject &message)
{
    const std::optional<Go> go = decodeGo(text(message, "go"));
    if (!go)
        return;
    const auto it = m_awaitedGos.constFind(go->sessionId);
    if (it == m_awaitedGos.cend())
        return; // not a session we answered for, or too late
    ServerClient *b = it->first;
    const bool late = it->second < m_clock.elapsed();
    m_awaitedGos.erase(it);
    if (late)
        return; // the peers gave up on this session long ago
    if (!b || !m_presence.contains(b) || b->id() != DeviceId::fromString(text(message, "target")))
        return;
    b->send(*go);
    recordSession(go->sessionId,
        {go->peer.shortString(), b->id().shortString(), go->peerNat, b->natType(), 0, {}, 0});
    qCInfo(lcServer).noquote() << "go" << sessionTag(go->sessionId) << "for" << b->describe()
                               << "from server" << text(message, "from") << "- start in"
                               << go->startInMs << "ms";
}

// ---- relays -----------------------------------------------------------------------------------

void RendezvousServer::grantRelay(
    ConnectMode mode, const QString &label, const RelayOwner &owner, GrantFn done)
{
    if (mode == ConnectMode::DirectOnly)
        return done({});
    if (!m_cluster || !m_cluster->isUp())
        return grantLocalRelay(label, owner, done);
    // The answers may come while the server is going away (a cluster that stops after it):
    // then nobody is waiting for them.
    const QPointer<RendezvousServer> self(this);
    m_cluster->leastLoadedRelay([this, self, label, owner, done = std::move(done)](
                                    const ServerCluster::RelayChoice &choice) {
        if (!self)
            return;
        if (!m_cluster || choice.server.isEmpty() || choice.server == m_cluster->instance())
            return grantLocalRelay(label, owner, done);
        m_cluster->request(choice.server,
            {{QStringLiteral("t"), QStringLiteral("relay-token")}, {QStringLiteral("label"), label},
                {QStringLiteral("owner"), owner.id.toString()},
                {QStringLiteral("prefix"), owner.prefix.toString()}},
            [this, self, label, owner, choice, done](const std::optional<QJsonObject> &answer) {
                if (!self)
                    return;
                const QByteArray token = answer
                    ? QByteArray::fromBase64(text(*answer, "token").toLatin1())
                    : QByteArray();
                if (token.size() != ControlProtocol::kRelayTokenSize) {
                    // That server is gone or full: ours then.
                    qCInfo(lcCluster).noquote()
                        << "no relay from server" << choice.server << "for" << label << "-"
                        << (answer ? text(*answer, "why") : QStringLiteral("no answer"))
                        << "- relaying here";
                    return grantLocalRelay(label, owner, done);
                }
                done({token, choice.server, choice.advertise, {}});
            });
    });
}

void RendezvousServer::onClusterRelayToken(const QJsonObject &message)
{
    const RelayOwner owner {
        DeviceId::fromString(text(message, "owner")), QHostAddress(text(message, "prefix"))};
    const QString label = text(message, "label").left(ControlProtocol::kMaxTextLength);
    grantLocalRelay(label, owner, [this, &message](const RelayGrant &grant) {
        m_cluster->answer(message,
            {{QStringLiteral("token"), QString::fromLatin1(grant.token.toBase64())},
                {QStringLiteral("why"), grant.refusal}});
    });
}

// ---- a device that registered with another server ---------------------------------------------

void RendezvousServer::onClusterReplaced(const QJsonObject &message)
{
    ServerClient *old = clientOf(m_presence.find(DeviceId::fromString(text(message, "id"))));
    if (!old)
        return;
    qCInfo(lcServer).noquote() << "device" << old->id().shortString()
                               << "registered again with server" << text(message, "from")
                               << "- closing the older connection";
    const QSet<PresenceMember *> sawOld = m_presence.visibleTo(old);
    m_presence.remove(old);
    forget(old);
    sendTo(sawOld, PeerLeft {old->id()});
    Q_EMIT clientLeft(old->id());
    old->fail(
        ServerError::Replaced, QStringLiteral("this device registered again with another server"));
}

void RendezvousServer::onClusterMessage(const QJsonObject &message)
{
    const QString type = text(message, "t");
    if (type == u"intro")
        onClusterIntro(message);
    else if (type == u"go")
        onClusterGo(message);
    else if (type == u"relay-token")
        onClusterRelayToken(message);
    else if (type == u"replaced")
        onClusterReplaced(message);
    else if (type == u"presence")
        onClusterPresence(message);
    else if (type == u"presence-gone")
        onClusterPresenceGone(message);
    else
        qCDebug(lcCluster).noquote() << "ignoring cluster message of type" << type;
}

#endif

} // namespace PunchDrop
