// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferengine.h"

#include "transfer/incomingtransfer.h"
#include "transfer/outgoingtransfer.h"

#include "core/coro/offthread.h"
#include "core/coro/wakeup.h"
#include "core/logging.h"
#include "core/socket/hostlookup.h"
#include "core/socket/reusablesocket.h"
#include "net/client/natprober.h"
#include "net/security/deferredtlsserver.h"
#include "net/security/securechannel.h"
#include "net/wire/displaytext.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSslSocket>

#include <qcorosignal.h>

#include <algorithm>

namespace PunchDrop {

using namespace std::chrono_literals;

namespace {
//! Lets the last frames leave before the socket goes away (its destructor would abort).
QCoro::Task<> closeGracefully(std::unique_ptr<QSslSocket> socket)
{
    socket->disconnectFromHost();
    if (socket->state() != QAbstractSocket::UnconnectedState)
        co_await qCoro(socket.get(), &QAbstractSocket::disconnected, 3s);
    socket.release()->deleteLater();
}

//! The connections a session moved to (a relayed one that went direct): closed like the first.
QCoro::Task<> closeMoved(QPointer<TransferJob> job)
{
    if (!job)
        co_return;
    for (std::unique_ptr<QSslSocket> &moved : job->takeMovedConnections()) {
        auto closing = closeGracefully(std::move(moved));
        co_await closing;
    }
}

//! The server's second UDP port (mapping tests) is the control port + 1 unless configured.
constexpr quint16 kAltPortOffset = 1;

//! "name (ID)" for the unexpected-peer text; the full ID, as people compare it.
QString deviceText(const QString &name, const DeviceId &id)
{
    return name.isEmpty() || name == id.shortString()
        ? id.toString()
        : QStringLiteral("%1 (%2)").arg(name, id.toString());
}
} // namespace

TransferEngine::TransferEngine(const DeviceIdentity &identity, const ConfigDir &configDir,
    EngineConfig config, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_configDir(configDir)
    , m_config(std::move(config))
    , m_contacts(configDir.filePath(ContactStore::defaultFileName()))
    , m_incoming(m_config.maxIncomingSessions, m_config.maxIncomingPerPeer)
{
    qRegisterMetaType<PunchDrop::TransferSnapshot>();
    qRegisterMetaType<PunchDrop::PathReport>();
    if (m_config.downloadDir.isEmpty())
        m_config.downloadDir = ConfigDir::defaultDownloadDir();
    // The same switch as --no-port-map and the app's setting, for every engine of the process:
    // the test suite sets it, because its engines must not ask the machine's real gateway.
    if (qEnvironmentVariableIntValue("PUNCHDROP_NO_PORT_MAP") != 0)
        m_config.portMapping = false;
    // Tests only (the NAT lab's gateway restart, tests/natlab/README.md), not for users: ask
    // for the held mapping this often instead of every 2 min, and again as often without one.
    bool refreshSet = false;
    const int refreshMs
        = qEnvironmentVariableIntValue("PUNCHDROP_PORT_MAP_REFRESH_MS", &refreshSet);
    if (refreshSet && refreshMs > 0) {
        const std::chrono::milliseconds refresh(std::max(refreshMs, 200));
        m_config.portMap.refreshInterval = refresh;
        m_config.portMap.retryInterval = std::min(m_config.portMap.retryInterval, refresh);
    }
}

TransferEngine::~TransferEngine()
{
    // Nobody hears from an engine that is going away: stop() withdraws the port mapping and
    // cancels transfers, and the signals that would announce it reach owners half destroyed.
    const QSignalBlocker quiet(this);
    stop();
}

bool TransferEngine::start(QString *error)
{
    if (m_config.useContacts && !m_contacts.load(error))
        return false;
    connect(&m_contacts, &ContactStore::contactsChanged, this, &TransferEngine::peersChanged);
    // A device that just became a contact while online: its "last seen" starts now.
    connect(&m_contacts, &ContactStore::contactsChanged, this, &TransferEngine::noteContactsOnline);

    if (!m_config.serverHost.isEmpty()) {
        ControlClientConfig cc = m_config.control;
        cc.host = m_config.serverHost;
        cc.port = m_config.serverPort;
        cc.moreServers = m_config.moreServers;
        cc.displayName = m_config.displayName;
        cc.device = m_config.device;
        if (cc.serverPinsFile.isEmpty()) // servers are pinned on first use, per config dir
            cc.serverPinsFile = m_configDir.filePath(QStringLiteral("servers.json"));
        m_control = new ControlClient(m_identity, cc, this);
        if (m_config.portMapping) {
            m_portMapper = new PortMapper(m_config.portMap, this);
            connect(m_portMapper, &PortMapper::changed, this, [this] {
                const bool mapped = m_portMapper->state() == PortMapper::State::Mapped;
                m_control->setPortMapping(
                    mapped ? m_portMapper->external() : Endpoint {}, m_portMapper->protocol());
                m_control->setPortMappingPending(
                    m_portMapper->state() == PortMapper::State::Mapping);
                Q_EMIT portMappingChanged();
            });
        }
        connect(m_control, &ControlClient::registered, this, [this] {
            // In the background, after the registration: the mapping follows when it arrives.
            if (m_portMapper)
                m_portMapper->start(m_control->localPort());
            Q_EMIT registered();
            if (m_config.probeNat && !m_natType)
                probeNatType();
            else if (m_natType)
                m_control->setNatType(m_natType->toString());
        });
        connect(m_control, &ControlClient::connectionLost, this, [this](const QString &reason) {
            m_found.clear(); // presence starts over with the next registration
            Q_EMIT connectionLost(reason);
        });
        // First bring m_found up to date, then tell the world.
        connect(
            m_control, &ControlClient::peersChanged, this, &TransferEngine::onServerPeersChanged);
        connect(m_control, &ControlClient::peersChanged, this, &TransferEngine::peersChanged);
        connect(
            &m_contacts, &ContactStore::contactsChanged, m_control, [this] { updateWatchList(); });
        updateWatchList(); // sent with the first hello
        connect(m_control, &ControlClient::goReceived, this, [this](const GoMessage &go) {
            if (!go.upgrade.isEmpty()) {
                answerUpgrade(go); // a direct path for a running session, not a new one
                return;
            }
            if (auto slot = m_incoming.acquire(go.peer))
                runIncoming(addEntry(TransferSnapshot::Direction::Incoming), go, std::move(*slot));
            else
                refuseIncoming(go);
        });
    }
    m_connector = new PeerConnector(m_identity, m_control, m_config.timings, this);

    if (m_config.lan) {
        m_lanListener = new DeferredTlsServer(this);
        // Both families: a peer heard only over IPv6 (its link-local address, with the
        // interface as scope) is dialled there.
        if (!m_lanListener->listen(QHostAddress::Any, 0)) {
            *error = QCoreApplication::translate(
                "TransferEngine", "cannot listen for LAN transfers: %1")
                         .arg(m_lanListener->errorString());
            return false;
        }
        connect(m_lanListener, &QTcpServer::newConnection, this, &TransferEngine::onIncomingLan);
        m_lan = new LanDiscovery(m_identity, m_config.lanConfig, this);
        m_lan->setDisplayName(m_config.displayName);
        m_lan->setDevice(m_config.device);
        m_lan->setTransferPort(m_lanListener->serverPort());
        connect(m_lan, &LanDiscovery::peerAppeared, this, &TransferEngine::noteLanDevice);
        connect(m_lan, &LanDiscovery::peerUpdated, this, &TransferEngine::noteLanDevice);
        connect(m_lan, &LanDiscovery::peerAppeared, this, &TransferEngine::peersChanged);
        connect(m_lan, &LanDiscovery::peerUpdated, this, &TransferEngine::peersChanged);
        connect(m_lan, &LanDiscovery::peerLeft, this, &TransferEngine::peersChanged);
        QString lanError;
        if (!m_lan->start(&lanError)) {
            // Without a server the LAN is all there is; with one, peers are still reachable.
            if (!m_control) {
                *error = lanError;
                return false;
            }
            qCWarning(lcLan).noquote() << "LAN discovery is off:" << lanError
                                       << "- peers are reached through the server only";
            m_lan->deleteLater();
            m_lan = nullptr;
        }
    }
    if (m_control)
        m_control->start();
    return true;
}

void TransferEngine::stop()
{
    // Upgrade loops end now rather than after their pause (no coroutine outlives the engine).
    m_stopped = true;
    const auto pauses = m_upgradePauses;
    for (Wakeup *pause : pauses)
        pause->wakeNow();
    for (auto it = m_transfers.begin(); it != m_transfers.end(); ++it) {
        if (it->job && !it->snapshot.isFinished())
            it->job->cancel();
    }
    if (m_lan)
        m_lan->stop();
    // The server first: a connect still waiting for the port mapping (PeerConnector) wakes up
    // when the mapper stops, and must find us unregistered rather than send a request.
    if (m_control)
        m_control->stop();
    if (m_portMapper)
        m_portMapper->stop(); // deletes the mapping on the gateway (bounded)
}

void TransferEngine::setDisplayName(const QString &name)
{
    m_config.displayName = name;
    if (m_lan)
        m_lan->setDisplayName(name);
}

QCoro::Task<> TransferEngine::probeNatType()
{
    if (m_natProbeRunning || !m_control)
        co_return;
    m_natProbeRunning = true;
    QPointer<TransferEngine> self(this);
    // Tasks are created in their own statement, then awaited: GCC 12 destroys by-value
    // arguments of a coroutine called inside co_await twice (PR 99576).
    // The server this client is registered with (after a failover, not the first one).
    const HostPort serverAddress = m_control->dialledServer();
    auto lookup = lookupHost(serverAddress.host, 10s);
    const QHostAddress server = co_await lookup;
    if (!self)
        co_return;
    if (server.isNull()) {
        m_natProbeRunning = false;
        co_return;
    }
    auto probe = probeNat(server, serverAddress.port, quint16(serverAddress.port + kAltPortOffset),
        m_config.natProbe);
    const NatType nat = co_await probe;
    if (!self)
        co_return;
    m_natProbeRunning = false;
    m_natType = nat;
    qCInfo(lcNet).noquote()
        << "NAT type:" << nat.toString()
        << (nat.publicUdp.isValid()
                   ? QStringLiteral("(UDP mapped to %1)").arg(nat.publicUdp.toString())
                   : QString());
    m_connector->setOwnNatType(nat);
    if (m_control)
        m_control->setNatType(nat.toString());
    Q_EMIT natTypeChanged(nat);
}

QList<PeerInfo> TransferEngine::peers() const
{
    QList<PeerInfo> result;
    QSet<DeviceId> seen;
    const auto add = [&](PeerInfo p) {
        if (seen.contains(p.id))
            return;
        seen.insert(p.id);
        const std::optional<Contact> contact = m_contacts.find(p.id);
        p.pinned = contact.has_value();
        // The user's name for a contact wins over the one the device announces.
        if (contact && contact->userNamed)
            p.name = contact->name;
        result << p;
    };
    if (m_lan) {
        for (const PeerInfo &p : m_lan->peers())
            add(p);
    }
    if (m_control) {
        for (const PeerInfo &p : m_control->peers())
            add(p);
    }
    for (const FoundPeer &f : m_found)
        add(f.info);
    for (const Contact &c : m_contacts.contacts()) {
        PeerInfo p;
        p.id = c.id;
        p.name = c.name;
        p.source = PeerInfo::Source::Saved;
        p.online = false;
        p.kind = c.device.kind; // what it said when it was last online
        p.os = c.device.os;
        add(p);
    }
    return result;
}

RecipientResolver TransferEngine::recipients() const
{
    return RecipientResolver(m_contacts.contacts(), peers());
}

PeerResolver::Result TransferEngine::resolvePeer(const QString &query) const
{
    return recipients().resolve(query);
}

QCoro::Task<PeerResolver::Result> TransferEngine::findPeer(const QString &query)
{
    const PeerResolver::Result local = resolvePeer(query);
    // A contact (or an ID) whose presence we do not see: the server says whether it is online,
    // asked for its exact ID so that only that device can be the answer.
    const bool offlineMatch = local.ok() && !local.candidates.constFirst().online;
    if ((local.code != PeerResolver::Code::NotFound && !offlineMatch) || !m_control
        || !m_control->isRegistered())
        co_return local;
    QPointer<TransferEngine> self(this);
    auto asking = m_control->lookup(offlineMatch ? local.id.toString() : query);
    const LookupReply reply = co_await asking;
    if (!self)
        co_return local;
    if (reply.ok() && !reply.peers.isEmpty()) {
        const PeerInfo &p = reply.peers.constFirst();
        if (offlineMatch && p.id != local.id)
            co_return local;
        PeerResolver::Result r = recipients().vet(query, p);
        if (!r.ok()) {
            qCWarning(lcNet).noquote() << "lookup of" << query << ":" << r.error;
            co_return r;
        }
        qCInfo(lcNet).noquote() << "the server found" << query << "as" << p.id.shortString()
                                << QStringLiteral("\"%1\"").arg(p.name);
        if (!m_found.contains(p.id))
            m_found.insert(p.id, {p, false});
        m_extraWatch.insert(p.id);
        updateWatchList(); // the server now shows it to us (and us to it) until we leave
        Q_EMIT peersChanged();
        co_return r;
    }
    if (offlineMatch) {
        // Found, not online: the caller says so, with the server's word when it has one (a
        // server cluster that cannot ask its other servers now).
        PeerResolver::Result offline = local;
        if (reply.code == LookupStatus::NotFound)
            offline.error = reply.message;
        co_return offline;
    }
    PeerResolver::Result r;
    r.candidates = reply.peers;
    r.error = reply.message.isEmpty() ? local.error : reply.message;
    r.code = PeerResolver::codeOf(reply.code);
    co_return r;
}

void TransferEngine::updateWatchList()
{
    if (!m_control)
        return;
    QList<DeviceId> ids;
    for (const Contact &c : m_contacts.contacts())
        ids << c.id;
    for (const DeviceId &id : std::as_const(m_extraWatch))
        ids << id;
    m_control->setWatchList(ids);
}

QSet<DeviceId> TransferEngine::onlineOnServer() const
{
    QSet<DeviceId> online;
    if (m_control) {
        for (const PeerInfo &p : m_control->peers())
            online.insert(p.id);
    }
    return online;
}

void TransferEngine::onServerPeersChanged()
{
    const QSet<DeviceId> online = onlineOnServer();
    noteContactsOnline();
    checkRejoinWaits(online);
    for (auto it = m_found.begin(); it != m_found.end();) {
        if (online.contains(it.key())) {
            it->confirmed = true;
            ++it;
        } else if (it->confirmed) {
            it = m_found.erase(it); // it left
        } else {
            ++it;
        }
    }
}

void TransferEngine::noteContactsOnline()
{
    // A contact's "last seen": the server's word (its presence is authenticated; a LAN
    // announcement is only a claim). markOnline() writes at most every 10 minutes, and a write
    // that comes back here through contactsChanged() writes nothing more. The kind of device
    // from either: it is the device's own claim both ways (its hello, or an announcement signed
    // with its key), and noteDevice() writes only a change.
    if (!m_config.useContacts)
        return;
    QString error;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto note = [&](const QList<PeerInfo> &peers, bool online) {
        for (const PeerInfo &p : peers) {
            if ((online && !m_contacts.markOnline(p.id, now, &error))
                || !m_contacts.noteDevice(p.id, DeviceDescription {p.kind, p.os}, &error))
                qCWarning(lcTransfer) << "cannot update contacts:" << error;
        }
    };
    if (m_control)
        note(m_control->peers(), true);
    if (m_lan)
        note(m_lan->peers(), false);
}

void TransferEngine::noteLanDevice(const PeerInfo &peer)
{
    // One LAN device changed: only its entry (the server's peers are noted on their own
    // changes, and a LAN announcement is no reason to walk them).
    QString error;
    if (m_config.useContacts
        && !m_contacts.noteDevice(peer.id, DeviceDescription {peer.kind, peer.os}, &error))
        qCWarning(lcTransfer) << "cannot update contacts:" << error;
}

QString TransferEngine::peerName(const DeviceId &id) const
{
    for (const PeerInfo &p : peers()) {
        if (p.id == id)
            return p.name;
    }
    return id.shortString();
}

bool TransferEngine::hasActiveTransfers() const
{
    for (const Entry &e : m_transfers) {
        if (!e.snapshot.isFinished())
            return true;
    }
    return false;
}

quint64 TransferEngine::addEntry(TransferSnapshot::Direction direction)
{
    // Unique in the process, not per engine: the GUI rebuilds its engine when the server changes
    // and keeps the rows of the old one, so ids must not start over.
    static std::atomic<quint64> nextId {1};
    const quint64 id = nextId++;
    Entry entry;
    entry.snapshot.id = id;
    entry.snapshot.direction = direction;
    entry.snapshot.state = TransferSnapshot::State::Connecting;
    m_transfers.insert(id, entry);
    return id;
}

void TransferEngine::update(quint64 id, const std::function<void(TransferSnapshot &)> &change)
{
    auto it = m_transfers.find(id);
    if (it == m_transfers.end() || it->snapshot.isFinished())
        return;
    change(it->snapshot);
    Q_EMIT transferUpdated(it->snapshot);
}

bool TransferEngine::superseded(quint64 id, int attempt) const
{
    const auto it = m_transfers.constFind(id);
    return it == m_transfers.constEnd() || it->attempt != attempt || it->cancelRequested
        || it->snapshot.isFinished();
}

quint64 TransferEngine::send(const DeviceId &peer, const QStringList &paths, ConnectMode mode)
{
    const quint64 id = addEntry(TransferSnapshot::Direction::Outgoing);
    Entry &entry = m_transfers[id];
    entry.paths = paths;
    entry.mode = mode;
    entry.snapshot.peer = peer;
    entry.snapshot.peerName = peerName(peer);
    for (const QString &path : paths) {
        if (entry.snapshot.items.size() < TransferSnapshot::kSummaryNames)
            entry.snapshot.items << QFileInfo(path).fileName();
    }
    entry.snapshot.itemCount = int(paths.size());
    if (!paths.isEmpty())
        entry.snapshot.localFolder = QFileInfo(paths.constFirst()).absolutePath();
    // Announced now, not once a path exists: finding one can take the relay's whole join
    // timeout, and a drop that shows nothing for that long looks like a drop that did nothing.
    Q_EMIT transferUpdated(entry.snapshot);
    runOutgoing(id);
    return id;
}

bool TransferEngine::retry(quint64 id)
{
    auto it = m_transfers.find(id);
    if (it == m_transfers.end() || it->snapshot.direction != TransferSnapshot::Direction::Outgoing
        || !it->snapshot.isFinished())
        return false;
    it->cancelRequested = false;
    TransferSnapshot &s = it->snapshot;
    s.state = TransferSnapshot::State::Connecting;
    s.error.clear();
    s.errorCode = TransferError::None;
    s.connectFailure = ConnectFailure::None;
    s.resumedBytes = 0;
    s.bytesDone = 0;
    s.bytesPerSecond = 0;
    s.path = PathKind::Unknown;
    s.pathReason.clear();
    Q_EMIT transferUpdated(s);
    runOutgoing(id);
    return true;
}

void TransferEngine::cancel(quint64 id)
{
    auto it = m_transfers.find(id);
    if (it == m_transfers.end() || it->snapshot.isFinished())
        return;
    it->cancelRequested = true;
    if (it->job) {
        it->job->cancel();
    } else {
        TransferResult r;
        r.error = TransferError::Cancelled;
        r.message = QCoreApplication::translate("TransferEngine", "cancelled");
        finish(id, r);
    }
}

void TransferEngine::failEarly(quint64 id, TransferError error, const QString &message)
{
    TransferResult r;
    r.error = error;
    r.message = message;
    finish(id, r);
}

void TransferEngine::failUnexpectedPeer(quint64 id, const PeerConnection &c, bool lan)
{
    const QString asked = deviceText(peerName(c.peer), c.peer);
    const QString answeredName = c.answeredName.isEmpty() ? peerName(c.answered) : c.answeredName;
    const QString answered = deviceText(answeredName, c.answered);
    qCWarning(lcTransfer).noquote()
        << "transfer" << id << "refused: asked for" << c.peer.toString() << "but reached"
        << c.answered.toString() << (lan ? "on the LAN" : "through the server");
    failEarly(id, TransferError::UnexpectedPeer,
        lan ? QCoreApplication::translate("TransferEngine",
            "asked for %1 on the local network, but %2 answered: another device may be "
            "impersonating it. Nothing was sent.")
                  .arg(asked, answered)
            : QCoreApplication::translate("TransferEngine",
                "asked for %1, but the connection led to %2: the rendezvous server may be lying "
                "or compromised. Nothing was sent.")
                  .arg(asked, answered));
}

void TransferEngine::finish(quint64 id, const TransferResult &finished)
{
    auto it = m_transfers.find(id);
    if (it == m_transfers.end() || it->snapshot.isFinished())
        return;
    TransferResult result = finished;
    if (Wakeup *pause = m_upgradePauses.value(id))
        pause->wake(); // its loop sees the transfer is over
    if (it->job) {
        // The file bytes of each connection the session used, by that connection's path.
        const FrameChannel &channel = it->job->channel();
        const bool sender = it->snapshot.direction == TransferSnapshot::Direction::Outgoing;
        for (int i = 0; i < channel.connectionCount(); ++i) {
            const qint64 bytes = sender ? channel.dataSent(i) : channel.dataReceived(i);
            (it->pathHistory.value(i) == PathKind::Relayed ? result.relayBytes : result.directBytes)
                += bytes;
        }
    }
    TransferSnapshot &s = it->snapshot;
    s.bytesPerSecond = 0;
    if (result.ok()) {
        s.state = TransferSnapshot::State::Done;
        s.bytesDone = result.bytesTotal > 0 ? result.bytesTotal : s.bytesDone;
        s.bytesTotal = qMax(s.bytesTotal, result.bytesTotal);
    } else if (result.error == TransferError::Cancelled) {
        s.state = TransferSnapshot::State::Cancelled;
    } else if (result.error == TransferError::Declined) {
        s.state = TransferSnapshot::State::Declined;
    } else {
        s.state = TransferSnapshot::State::Failed;
    }
    s.error = result.message;
    s.errorCode = result.error;
    if (s.direction == TransferSnapshot::Direction::Incoming && !result.files.isEmpty()
        && !result.files.constFirst().localPath.isEmpty())
        s.localFolder = QFileInfo(result.files.constFirst().localPath).absolutePath();
    if (s.direction == TransferSnapshot::Direction::Incoming && result.ok()
        && result.files.size() == 1)
        s.localFile = result.files.constFirst().localPath;
    qCInfo(lcTransfer).noquote() << "transfer" << id
                                 << (s.direction == TransferSnapshot::Direction::Outgoing ? "to"
                                                                                          : "from")
                                 << s.peerName << "ended:"
                                 << (result.ok() ? QStringLiteral("ok") : result.message);
    const TransferSnapshot snapshot = s;
    Q_EMIT transferUpdated(snapshot);
    Q_EMIT transferFinished(id, result);
}

namespace {
PathReport reportOf(const PeerConnection &c)
{
    PathReport report;
    report.path = c.path;
    report.reason = c.reason;
    report.timeMs = c.timeMs;
    report.rttMs = c.rttMs;
    report.peer = c.peer;
    report.peerName = c.peerName;
    report.mapper = c.mapper;
    report.ipv6 = c.socket && c.socket->peerAddress().protocol() == QAbstractSocket::IPv6Protocol;
    return report;
}
} // namespace

void TransferEngine::reportPath(quint64 id, const PeerConnection &c)
{
    guardDirectPath(c);
    const PathReport report = reportOf(c);
    update(id, [&](TransferSnapshot &s) {
        s.path = c.path;
        s.pathReason = c.reason;
        if (!c.peerName.isEmpty())
            s.peerName = c.peerName;
        s.peer = c.peer;
    });
    if (auto it = m_transfers.find(id); it != m_transfers.end()) {
        it->sessionId = c.sessionId;
        it->pathHistory = {c.path};
    }
    Q_EMIT pathEstablished(id, report);
}

void TransferEngine::reportPathChange(
    quint64 id, const PeerConnection &c, PathKind from, bool upgrade)
{
    PathReport report = reportOf(c);
    report.reason.clear();
    (upgrade ? report.upgradedFrom : report.downgradedFrom) = from;
    update(id, [&](TransferSnapshot &s) {
        s.pathBefore = from;
        s.path = c.path;
        s.pathReason.clear();
    });
    if (auto it = m_transfers.find(id); it != m_transfers.end())
        it->pathHistory.append(c.path);
    qCInfo(lcTransfer).noquote() << "transfer" << id << (upgrade ? "moved" : "fell back") << "from"
                                 << pathMethodName(from) << "to" << pathMethodName(c.path)
                                 << "after" << c.timeMs << "ms";
    Q_EMIT pathEstablished(id, report);
}

void TransferEngine::guardDirectPath(const PeerConnection &c) const
{
    if (c.socket && c.path != PathKind::Relayed && c.path != PathKind::DirectLan)
        ReusableSocket::limitUnacknowledged(
            c.socket->socketDescriptor(), m_config.timings.deadPathTimeout);
}

QCoro::Task<> TransferEngine::fallBack(quint64 id)
{
    QPointer<TransferEngine> self(this);
    const Entry entry = m_transfers.value(id);
    if (!entry.job || entry.pathHistory.isEmpty())
        co_return;
    const PathKind from = entry.pathHistory.constLast();
    QString why;
    if (entry.sessionId.isEmpty()) {
        why = QStringLiteral("the session was not made through the server");
    } else if (!m_control) {
        why = QStringLiteral("no server");
    } else if (!m_control->isRegistered()) {
        // The same network change may have cost the control connection: it comes back first.
        auto registering = m_control->waitRegistered(m_config.timings.requestTimeout);
        static_cast<void>(co_await registering);
        if (!self)
            co_return;
    }
    if (why.isEmpty() && !m_control->isRegistered())
        why = QStringLiteral("not connected to the server");
    else if (why.isEmpty() && !m_control->serverUpgrades())
        why = QStringLiteral("the server does not carry sessions over to new connections");
    if (why.isEmpty()) {
        qCInfo(lcTransfer) << "transfer" << id << "lost its" << pathMethodName(from)
                           << "connection: asking for the relay";
        auto connecting
            = m_connector->connectTo(entry.snapshot.peer, ConnectMode::RelayOnly, entry.sessionId);
        PeerConnection c = co_await connecting;
        if (!self)
            co_return;
        QPointer<TransferJob> job = m_transfers.value(id).job;
        if (!job)
            co_return;
        if (c.ok() && c.peer == entry.snapshot.peer) {
            if (job->rejoin(std::move(c.socket))) {
                reportPathChange(id, c, from, false);
                const Entry now = m_transfers.value(id);
                // Relayed now: the direct path may come back (the usual upgrade tries).
                if (now.mode == ConnectMode::Auto && m_config.upgrade
                    && !m_upgradePauses.contains(id))
                    upgradeLoop(id, now.attempt, now.snapshot.peer, now.sessionId);
                co_return;
            }
            why = QStringLiteral("the session cannot take a new connection now");
        } else {
            why = c.error.isEmpty() ? QStringLiteral("no relay connection") : c.error;
        }
    }
    if (!self)
        co_return;
    if (QPointer<TransferJob> job = m_transfers.value(id).job) {
        qCInfo(lcTransfer).noquote() << "transfer" << id << "cannot fall back:" << why;
        job->abandonRejoin(why);
    }
}

QCoro::Task<> TransferEngine::upgradeLoop(
    quint64 id, int attempt, DeviceId peer, QByteArray sessionId)
{
    QPointer<TransferEngine> self(this);
    std::chrono::milliseconds pause = m_config.timings.upgradeFirst;
    Wakeup wakeup; // its pause; finish() and stop() end it early
    m_upgradePauses.insert(id, &wakeup);
    // After every wait: the engine stopping (or gone), or a retry, ends the loop.
    const auto over = [&] { return !self || m_stopped || superseded(id, attempt); };
    for (;;) {
        co_await wakeup.wait(pause);
        if (over())
            break;
        QPointer<TransferJob> job = m_transfers.value(id).job;
        if (!job)
            break;
        const TransferSnapshot::State state = job->state();
        if (state == TransferSnapshot::State::Connecting)
            continue; // the HELLOs have not been exchanged yet: "move" is not known
        if (state != TransferSnapshot::State::Waiting
            && state != TransferSnapshot::State::Transferring)
            break; // over
        if (!job->canMove()) {
            qCInfo(lcTransfer) << "transfer" << id
                               << "stays relayed: the peer cannot move a running session";
            break;
        }
        if (m_control && m_control->isRegistered() && !m_control->serverUpgrades()) {
            qCInfo(lcTransfer) << "transfer" << id
                               << "stays relayed: the server does not pass path upgrades on";
            break;
        }
        if (m_control && m_control->isRegistered()) {
            auto connecting = m_connector->connectTo(peer, ConnectMode::DirectOnly, sessionId);
            PeerConnection c = co_await connecting;
            if (over())
                break;
            job = m_transfers.value(id).job;
            guardDirectPath(c);
            if (c.ok() && c.peer == peer && job && job->moveTo(std::move(c.socket))) {
                reportPathChange(id, c, PathKind::Relayed, true);
                break;
            }
            if (c.errorCode == ConnectFailure::UnexpectedPeer) {
                qCInfo(lcTransfer).noquote() << "transfer" << id << "stays relayed:" << c.error;
                break;
            }
            qCDebug(lcTransfer).noquote() << "transfer" << id << "still relayed:" << c.error;
        }
        pause = std::min(pause * 2, m_config.timings.upgradeMaxPause);
    }
    if (self)
        m_upgradePauses.remove(id);
}

QCoro::Task<> TransferEngine::answerUpgrade(GoMessage go)
{
    QPointer<TransferEngine> self(this);
    // A go without a punch is the relay: the peer lost the session's connection (a fallback).
    const bool fallback = !go.punch;
    quint64 id = 0;
    for (auto it = m_transfers.cbegin(); it != m_transfers.cend(); ++it) {
        const Entry &e = it.value();
        // Only a receiver answers: the sender makes every new connection of its sessions, so a
        // go it did not ask for (a lying server moving a healthy session onto its relay) finds
        // nobody, and the receiver's own connection is only replaced by an authenticated one.
        if (e.snapshot.direction != TransferSnapshot::Direction::Incoming
            || e.sessionId != go.upgrade || e.snapshot.peer != go.peer || !e.job
            || e.snapshot.isFinished() || e.pathHistory.isEmpty())
            continue;
        if (fallback ? e.job->canRejoin()
                     : !e.upgrading && e.pathHistory.constLast() == PathKind::Relayed
                    && e.job->canMove()) {
            id = it.key();
            break;
        }
    }
    if (id == 0) {
        // Not ours (or over): nobody answers, and the peer's punch or relay wait ends.
        qCInfo(lcTransfer).noquote()
            << "ignoring a" << (fallback ? "relay fallback" : "path upgrade") << "from"
            << go.peer.shortString() << "for no running session of ours";
        co_return;
    }
    if (!fallback)
        m_transfers[id].upgrading = true;
    auto answering = m_connector->answer(go);
    PeerConnection c = co_await answering;
    if (!self)
        co_return;
    auto it = m_transfers.find(id);
    if (it == m_transfers.end())
        co_return;
    if (!fallback)
        it->upgrading = false;
    if (!c.ok() || c.peer != go.peer || !it->job || it->pathHistory.isEmpty())
        co_return;
    const PathKind from = it->pathHistory.constLast();
    guardDirectPath(c);
    if (fallback ? it->job->rejoin(std::move(c.socket)) : it->job->moveTo(std::move(c.socket)))
        reportPathChange(id, c, from, !fallback);
}

void TransferEngine::attachJob(quint64 id, TransferJob *job)
{
    m_transfers[id].job = job;
    job->setDeviceName(m_config.displayName);
    // Moves and rejoins need the server (a go for the running session): a LAN session has
    // neither, and a receiver that waited for a new connection would only fail later.
    job->setOfferMove(m_config.upgrade && !m_transfers.value(id).sessionId.isEmpty());
    job->setTimeouts(m_config.transferTimeouts);
    job->setPreferredDigest(m_config.digest);
    connect(job, &TransferJob::progress, this, [this, id](qint64 done, qint64 total, double rate) {
        update(id, [&](TransferSnapshot &s) {
            s.bytesDone = done;
            s.bytesTotal = total;
            s.bytesPerSecond = rate;
        });
    });
    connect(job, &TransferJob::stateChanged, this, [this, id](TransferSnapshot::State state) {
        if (state == TransferSnapshot::State::Waiting
            || state == TransferSnapshot::State::Transferring)
            update(id, [&](TransferSnapshot &s) { s.state = state; });
    });
    connect(job, &TransferJob::fileFinished, this,
        [this, id](const FileResult &file) { Q_EMIT fileFinished(id, file); });
    connect(job, &TransferJob::verificationCodeKnown, this, [this, id](const QString &code) {
        update(id, [&](TransferSnapshot &s) { s.verificationCode = code; });
    });
    connect(job, &TransferJob::resumed, this, [this, id](qint64 total) {
        update(id, [&](TransferSnapshot &s) { s.resumedBytes = total; });
    });
    // The side that made the session's connection makes the new one (the sender; the
    // receiver waits for the server's go, or until the server shows the sender gone).
    if (m_transfers.value(id).snapshot.direction == TransferSnapshot::Direction::Outgoing)
        connect(job, &TransferJob::connectionLost, this, [this, id] { fallBack(id); });
    else
        connect(job, &TransferJob::connectionLost, this,
            [this] { checkRejoinWaits(onlineOnServer()); });
    checkRejoinWaits(onlineOnServer()); // notes whether the peer is online now
}

void TransferEngine::checkRejoinWaits(const QSet<DeviceId> &online)
{
    if (!m_control)
        return;
    for (auto it = m_transfers.begin(); it != m_transfers.end(); ++it) {
        if (it->snapshot.isFinished() || !it->job
            || it->snapshot.direction != TransferSnapshot::Direction::Incoming)
            continue;
        if (online.contains(it->snapshot.peer)) {
            it->peerSeenOnline = true;
        } else if (it->peerSeenOnline && it->job->isAwaitingRejoin()) {
            qCInfo(lcTransfer).noquote()
                << "transfer" << it.key() << "from" << it->snapshot.peerName
                << "will not go on: the sender went offline";
            it->job->abandonRejoin(QStringLiteral("the sender went offline"));
        }
    }
}

quint16 TransferEngine::lanTransferPort() const
{
    return m_lanListener ? m_lanListener->serverPort() : 0;
}

QCoro::Task<std::optional<PeerConnection>> TransferEngine::connectOutgoing(quint64 id, int attempt)
{
    QPointer<TransferEngine> self(this);
    const Entry entry = m_transfers.value(id);
    const DeviceId peer = entry.snapshot.peer;
    const auto stop = [&] { return !self || superseded(id, attempt); };
    PeerConnection c;
    QString lanError;
    if (m_lan) {
        const PeerInfo lanPeer = m_lan->peer(peer);
        if (!lanPeer.id.isNull() && !lanPeer.endpoints.isEmpty()) {
            auto connecting = m_connector->connectLan(lanPeer.endpoints.constFirst(), peer);
            c = co_await connecting;
            if (stop())
                co_return std::nullopt;
            if (c.errorCode == ConnectFailure::UnexpectedPeer) {
                failUnexpectedPeer(id, c, true); // never fall back to another path
                co_return std::nullopt;
            }
            if (!c.ok())
                lanError = c.error;
        }
    }
    if (!c.ok() && m_control && !m_control->isRegistered()) {
        // Sent right after start (or during a reconnect): give the registration a moment.
        auto registering = m_control->waitRegistered(m_config.timings.requestTimeout);
        static_cast<void>(co_await registering);
        if (stop())
            co_return std::nullopt;
    }
    if (!c.ok() && m_control) {
        auto connecting = m_connector->connectTo(peer, entry.mode);
        c = co_await connecting;
    }
    if (stop())
        co_return std::nullopt; // the socket (if any) closes with c
    if (c.ok() && c.peer != peer) {
        // Every path pins the key it was asked for; this is the last gate before the offer.
        c.errorCode = ConnectFailure::UnexpectedPeer;
        c.answered = c.peer;
        c.peer = peer;
    }
    if (c.errorCode == ConnectFailure::UnexpectedPeer) {
        failUnexpectedPeer(id, c, c.path == PathKind::DirectLan);
        co_return std::nullopt; // the socket (if any) closes with c
    }
    if (!c.ok()) {
        QString message = c.error.isEmpty() ? lanError : c.error;
        if (message.isEmpty())
            message = QCoreApplication::translate("TransferEngine",
                "%1 is not reachable: no server is configured and it is not on the local "
                "network")
                          .arg(entry.snapshot.peerName);
        m_transfers[id].snapshot.connectFailure = c.errorCode; // announced by failEarly
        failEarly(id, TransferError::Network, message);
        co_return std::nullopt;
    }
    co_return c;
}

QCoro::Task<> TransferEngine::runOutgoing(quint64 id)
{
    QPointer<TransferEngine> self(this);
    const int attempt = ++m_transfers[id].attempt;
    const Entry entry = m_transfers.value(id);
    // After every wait: a cancel (or a cancel + retry, which starts a newer attempt) ends this one.
    const auto stop = [&] { return !self || superseded(id, attempt); };

    // The offer first: walking a big tree takes seconds, and once connected the receiver waits
    // only TransferTimeouts::hello for our HELLO and OFFER.
    auto building = runOffThread(
        QThreadPool::globalInstance(), [paths = entry.paths] { return BuiltOffer::build(paths); });
    BuiltOffer offer = co_await building;
    if (stop())
        co_return;
    if (!offer.error.isEmpty()) {
        failEarly(
            id, offer.tooLarge ? TransferError::Protocol : TransferError::ReadFailed, offer.error);
        co_return;
    }

    auto connecting = connectOutgoing(id, attempt);
    std::optional<PeerConnection> connected = co_await connecting;
    if (!connected)
        co_return; // stopped, or failed and reported
    PeerConnection c = std::move(*connected);
    if (c.peerName.isEmpty())
        c.peerName = entry.snapshot.peerName;
    reportPath(id, c);
    std::unique_ptr<QSslSocket> socket = std::move(c.socket);
    auto *job = new OutgoingTransfer(socket.get(), m_identity, std::move(offer), this);
    attachJob(id, job);
    if (c.path == PathKind::Relayed && c.initiator && entry.mode == ConnectMode::Auto
        && m_config.upgrade && m_control)
        upgradeLoop(id, attempt, c.peer, c.sessionId); // ends by itself with the transfer
    const TransferResult result = co_await job->run();
    if (!self)
        co_return;
    if (result.allVerified() && m_config.useContacts) {
        QString error;
        if (!m_contacts.remember(
                c.peer, c.peerName.isEmpty() ? peerName(c.peer) : c.peerName, &error))
            qCWarning(lcTransfer) << "cannot remember contact:" << error;
    }
    finish(id, result);
    auto closing = closeMoved(job);
    co_await closing;
    auto closingFirst = closeGracefully(std::move(socket));
    co_await closingFirst;
    if (self) // the engine (and the job, its child) may be gone by the time the socket closed
        job->deleteLater();
}

QCoro::Task<> TransferEngine::refuseIncoming(GoMessage go)
{
    // Answering costs a connection and a handshake: bounded like the sessions themselves.
    if (m_refusing >= m_config.maxIncomingSessions) {
        qCInfo(lcTransfer) << "ignoring a connection request from" << go.peer.shortString()
                           << "- busy";
        co_return;
    }
    QPointer<TransferEngine> self(this);
    ++m_refusing;
    auto answering = m_connector->answer(go);
    PeerConnection c = co_await answering;
    if (!self)
        co_return;
    --m_refusing;
    if (c.ok()) {
        auto refusing = refuseBusy(std::move(c.socket));
        co_await refusing;
    }
}

QCoro::Task<> TransferEngine::refuseBusy(std::unique_ptr<QSslSocket> socket)
{
    qCInfo(lcTransfer) << "refusing an incoming session: busy (" << m_incoming.active()
                       << "running)";
    {
        FrameChannel channel(socket.get());
        channel.send(Transfer::Error {
            TransferError::Busy, TransferJob::wireText(TransferError::Busy, QString())});
        auto flushing = channel.flush(2s);
        co_await flushing;
    }
    auto closing = closeGracefully(std::move(socket));
    co_await closing;
}

QCoro::Task<> TransferEngine::runIncoming(
    quint64 id, GoMessage go, [[maybe_unused]] IncomingLimiter::Slot slot)
{
    // `slot` lives in the coroutine frame: the device's receive slot is held until this returns.
    QPointer<TransferEngine> self(this);
    update(id, [&](TransferSnapshot &s) {
        s.peer = go.peer;
        s.peerName = go.peerName;
    });
    auto answering = m_connector->answer(go);
    PeerConnection c = co_await answering;
    if (!self || superseded(id, 0))
        co_return; // cancelled while connecting: do not start receiving
    if (!c.ok()) {
        failEarly(id, TransferError::Network, c.error);
        co_return;
    }
    reportPath(id, c);
    auto receiving = receiveOn(id, std::move(c.socket), c.peer, c.peerName);
    co_await receiving;
}

void TransferEngine::onIncomingLan()
{
    while (m_lanListener && m_lanListener->hasPendingConnections()) {
        auto *socket = qobject_cast<QSslSocket *>(m_lanListener->nextPendingConnection());
        if (socket)
            runIncomingLan(socket);
    }
}

QCoro::Task<> TransferEngine::runIncomingLan(QSslSocket *rawSocket)
{
    QPointer<TransferEngine> self(this);
    rawSocket->setParent(nullptr);
    std::unique_ptr<QSslSocket> socket(rawSocket);
    QElapsedTimer clock;
    clock.start();
    auto handshake = SecureChannel::handshake(*socket, m_identity, SecureChannel::Role::Server,
        std::nullopt, m_config.timings.handshakeTimeout);
    const SecureChannel::Result secured = co_await handshake;
    if (!self)
        co_return;
    if (!secured.ok()) {
        qCInfo(lcLan) << "LAN connection from" << socket->peerAddress().toString()
                      << "failed authentication:" << secured.error;
        co_return;
    }
    auto slot = m_incoming.acquire(secured.peer);
    if (!slot) {
        auto refusing = refuseBusy(std::move(socket));
        co_await refusing;
        co_return;
    }
    const quint64 id = addEntry(TransferSnapshot::Direction::Incoming);
    PeerConnection c;
    c.peer = secured.peer;
    c.peerName = peerName(secured.peer);
    c.path = PathKind::DirectLan;
    c.timeMs = clock.elapsed();
    reportPath(id, c);
    auto receiving = receiveOn(id, std::move(socket), c.peer, c.peerName);
    co_await receiving;
}

QCoro::Task<> TransferEngine::receiveOn(
    quint64 id, std::unique_ptr<QSslSocket> socket, DeviceId sender, QString senderName)
{
    QPointer<TransferEngine> self(this);
    ReceiveOptions options;
    options.downloadDir = m_config.downloadDir;
    options.decider = m_decider;
    options.contacts = m_config.useContacts ? &m_contacts : nullptr;
    options.honourAutoAccept = m_config.autoAcceptTrusted;
    auto *job = new IncomingTransfer(socket.get(), m_identity, sender, senderName, options, this);
    attachJob(id, job);
    connect(job, &TransferJob::stateChanged, this, [this, id, job](TransferSnapshot::State state) {
        if (state != TransferSnapshot::State::Waiting)
            return;
        const IncomingOffer &offer = job->offer();
        update(id, [&](TransferSnapshot &s) {
            s.items.clear();
            s.itemCount = 0;
            s.folderCount = 0;
            for (const OfferItem &item : offer.items) {
                s.folderCount += item.isDirectory ? 1 : 0;
                if (item.relativePath.contains(QLatin1Char('/')))
                    continue;
                ++s.itemCount;
                if (s.items.size() < TransferSnapshot::kSummaryNames)
                    s.items << DisplayText::clean(item.relativePath);
            }
            s.fileCount = offer.fileCount;
            s.bytesTotal = offer.totalBytes;
            s.localFolder = m_config.downloadDir;
        });
        Q_EMIT offerReceived(id, offer);
    });
    const TransferResult result = co_await job->run();
    if (!self)
        co_return;
    finish(id, result);
    auto closing = closeMoved(job);
    co_await closing;
    auto closingFirst = closeGracefully(std::move(socket));
    co_await closingFirst;
    if (self) // the engine (and the job, its child) may be gone by the time the socket closed
        job->deleteLater();
}

} // namespace PunchDrop
