// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/rendezvousserver.h"

#include "core/logging.h"
#include "core/socket/reusablesocket.h"
#include "net/wire/controlprotocol.h"
#include "net/wire/peerresolver.h"
#include "net/wire/relayjoin.h"

#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>

#ifdef Q_OS_WIN
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace PunchDrop {

using namespace Control;

namespace {

//! A QTcpServer that hands out raw descriptors: no Qt socket touches the stream before we peeked.
class DescriptorServer : public QTcpServer
{
public:
    explicit DescriptorServer(std::function<void(qintptr)> onIncoming, QObject *parent)
        : QTcpServer(parent)
        , m_onIncoming(std::move(onIncoming))
    { }

protected:
    void incomingConnection(qintptr fd) override { m_onIncoming(fd); }

private:
    std::function<void(qintptr)> m_onIncoming;
};

enum class PeekResult { Data, WouldBlock, Closed };

PeekResult peekFirstByte(qintptr fd, char *byte)
{
#ifdef Q_OS_WIN
    const int n = ::recv(SOCKET(fd), byte, 1, MSG_PEEK);
    if (n == 1)
        return PeekResult::Data;
    if (n < 0 && WSAGetLastError() == WSAEWOULDBLOCK)
        return PeekResult::WouldBlock;
    return PeekResult::Closed;
#else
    for (;;) {
        const ssize_t n = ::recv(int(fd), byte, 1, MSG_PEEK);
        if (n == 1)
            return PeekResult::Data;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return PeekResult::WouldBlock;
        return PeekResult::Closed;
    }
#endif
}

QHostAddress nativePeerAddress(qintptr fd)
{
    sockaddr_storage storage {};
    socklen_t length = sizeof storage;
#ifdef Q_OS_WIN
    if (::getpeername(SOCKET(fd), reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return {};
#else
    if (::getpeername(int(fd), reinterpret_cast<sockaddr *>(&storage), &length) != 0)
        return {};
#endif
    QHostAddress address(reinterpret_cast<const sockaddr *>(&storage));
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

QString hexId(const QByteArray &sessionId)
{
    return QString::fromLatin1(sessionId.left(4).toHex());
}

QByteArray randomBytes(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (int i = 0; i < size; i += 4) {
        const quint32 word = QRandomGenerator::system()->generate();
        for (int j = 0; j < 4 && i + j < size; ++j)
            bytes[i + j] = char(word >> (8 * j));
    }
    return bytes;
}

constexpr int kMaxSessionRecords = 4096;
constexpr qint64 kSessionRecordLifetimeMs = 30 * 60 * 1000;

} // namespace

//! An accepted descriptor whose first byte has not arrived yet.
struct RendezvousServer::Pending
{
    qintptr fd = -1;
    QHostAddress address;
    QSocketNotifier *notifier = nullptr;
    QTimer *deadline = nullptr;
    QElapsedTimer age;
};

//! One client's rate budgets (created on first use, see m_budgets).
struct RendezvousServer::Budget
{
    RateLimiter lookups;
    RateLimiter presence;
};

//! A `connect` waiting for both RTT probes.
struct RendezvousServer::Introduction
{
    QByteArray sessionId;
    QPointer<ServerClient> initiator;
    QPointer<ServerClient> responder;
    quint32 requestId = 0;
    QString mode;
    quint64 initiatorNonce = 0;
    quint64 responderNonce = 0;
    int initiatorRtt = -1;
    int responderRtt = -1;
    QTimer *timer = nullptr;
};

RendezvousServer::RendezvousServer(
    const DeviceIdentity &identity, const RendezvousServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_config(config)
    , m_lookupsPerAddress(config.lookupsPerAddressPerSecond)
{
    m_clock.start();
    m_tls = ControlLinkContext(ControlLinkContext::Role::Server, m_identity); // once, shared
    if (!m_tls.isValid())
        qCWarning(lcServer).noquote() << "no TLS for control connections:" << m_tls.errorString();
    m_relay = new RelayHub(m_config.relay, this);
    m_listener = new DescriptorServer([this](qintptr fd) { onIncoming(fd); }, this);
    m_presenceFlush.setSingleShot(true);
    connect(&m_presenceFlush, &QTimer::timeout, this, &RendezvousServer::flushPresence);
}

RendezvousServer::~RendezvousServer()
{
    close();
}

bool RendezvousServer::listen(QString *error)
{
    if (!m_listener->listen(m_config.address, m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_config.address.toString())
                     .arg(m_config.port)
                     .arg(m_listener->errorString());
        return false;
    }
    return true;
}

quint16 RendezvousServer::serverPort() const
{
    return m_listener->serverPort();
}

QHostAddress RendezvousServer::serverAddress() const
{
    return m_listener->serverAddress();
}

void RendezvousServer::close()
{
    m_listener->close();
    const auto pending = m_pending;
    for (Pending *p : pending)
        dropPending(p, true);
    for (Introduction *intro : std::as_const(m_introductions)) {
        delete intro->timer;
        delete intro;
    }
    m_introductions.clear();
    const auto clients = findChildren<ServerClient *>(Qt::FindDirectChildrenOnly);
    for (ServerClient *c : clients) {
        c->disconnect(this);
        c->close();
        delete c;
    }
    m_registry.clear();
    m_byAddress.clear();
    m_watchers.clear();
    qDeleteAll(m_budgets);
    m_budgets.clear();
    m_natDirty.clear();
    m_pendingWatch.clear();
    m_presenceFlush.stop();
    m_perAddress.clear();
    m_connectionCount = 0;
    m_relay->closeAll();
}

// ---- accepting and sniffing -------------------------------------------------------------------

void RendezvousServer::onIncoming(qintptr fd)
{
    const QHostAddress address = nativePeerAddress(fd);
    QString refusal;
    if (m_connectionCount >= m_config.maxClients)
        refusal = QStringLiteral("client limit (%1) reached").arg(m_config.maxClients);
    else if (m_perAddress.value(address) >= m_config.maxConnectionsPerAddress)
        refusal = QStringLiteral("too many connections from this address (%1)")
                      .arg(m_config.maxConnectionsPerAddress);
    if (!refusal.isEmpty()) {
        ReusableSocket::closeNative(fd);
        // A flood must not flood the log too: at most one line per second.
        const qint64 now = m_clock.elapsed();
        if (m_lastRefusalLogMs >= 0 && now - m_lastRefusalLogMs < 1000) {
            ++m_suppressedRefusals;
            return;
        }
        qCWarning(lcServer).noquote()
            << QStringLiteral("refusing %1 - %2%3")
                   .arg(address.toString(), refusal,
                       m_suppressedRefusals > 0 ? QStringLiteral(" (%1 more refusals not logged)")
                                                      .arg(m_suppressedRefusals)
                                                : QString());
        m_lastRefusalLogMs = now;
        m_suppressedRefusals = 0;
        return;
    }
    ++m_connectionCount;
    ++m_perAddress[address];

    auto *p = new Pending;
    p->fd = fd;
    p->address = address;
    p->age.start();
    p->notifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    p->deadline = new QTimer(this);
    p->deadline->setSingleShot(true);
    connect(p->notifier, &QSocketNotifier::activated, this, [this, p] { onSniff(p); });
    connect(p->deadline, &QTimer::timeout, this, [this, p] {
        qCInfo(lcServer).noquote() << "dropping" << p->address.toString()
                                   << "- sent nothing within the handshake deadline";
        dropPending(p, true);
        releaseSlot(p->address);
        delete p;
    });
    p->deadline->start(m_config.timeouts.handshake);
    m_pending.append(p);
}

void RendezvousServer::dropPending(Pending *p, bool closeFd)
{
    m_pending.removeAll(p);
    if (p->notifier) {
        p->notifier->setEnabled(false);
        p->notifier->deleteLater();
        p->notifier = nullptr;
    }
    if (p->deadline) {
        p->deadline->stop();
        p->deadline->deleteLater();
        p->deadline = nullptr;
    }
    if (closeFd && p->fd >= 0)
        ReusableSocket::closeNative(p->fd);
    p->fd = -1;
}

void RendezvousServer::releaseSlot(const QHostAddress &address)
{
    --m_connectionCount;
    auto it = m_perAddress.find(address);
    if (it != m_perAddress.end() && --it.value() <= 0)
        m_perAddress.erase(it);
}

void RendezvousServer::onSniff(Pending *p)
{
    char first = 0;
    const PeekResult r = peekFirstByte(p->fd, &first);
    if (r == PeekResult::WouldBlock)
        return;
    const qintptr fd = p->fd;
    const QHostAddress address = p->address;
    if (r == PeekResult::Closed) {
        dropPending(p, true);
        releaseSlot(address);
        delete p;
        return;
    }
    // The deadline covers everything up to hello: what sniffing used is not granted again.
    const auto left = std::max(std::chrono::milliseconds(1),
        m_config.timeouts.handshake - std::chrono::milliseconds(p->age.elapsed()));
    dropPending(p, false);
    delete p;
    if (first == 0x16) {
        startControl(fd, address, left);
    } else if (first == RelayJoin::kMagic[0]) {
        releaseSlot(address); // relay sockets are limited by the hub
        startRelay(fd);
    } else {
        qCInfo(lcServer).noquote()
            << "dropping" << address.toString() << "- neither TLS nor a relay join (first byte"
            << QStringLiteral("0x%1)").arg(quint8(first), 2, 16, QLatin1Char('0'));
        ReusableSocket::closeNative(fd);
        releaseSlot(address);
    }
}

void RendezvousServer::startRelay(qintptr fd)
{
    auto *socket = new QTcpSocket;
    if (!socket->setSocketDescriptor(fd)) {
        qCWarning(lcRelay).noquote() << "cannot adopt relay socket:" << socket->errorString();
        delete socket;
        ReusableSocket::closeNative(fd);
        return;
    }
    m_relay->acceptJoin(socket);
}

void RendezvousServer::startControl(
    qintptr fd, const QHostAddress &address, std::chrono::milliseconds handshakeLeft)
{
    ServerClient::Timeouts timeouts = m_config.timeouts;
    timeouts.handshake = handshakeLeft;
    auto *client = new ServerClient(fd, m_tls, timeouts, this);
    connect(client, &ServerClient::helloReceived, this, &RendezvousServer::onHello);
    connect(client, &ServerClient::messageReceived, this, &RendezvousServer::onMessage);
    connect(client, &ServerClient::pongReceived, this, &RendezvousServer::onPong);
    connect(client, &ServerClient::closed, this,
        [this, address](ServerClient *c, const QString &reason) {
            releaseSlot(address);
            onClosed(c, reason);
        });
}

// ---- registry and presence --------------------------------------------------------------------

PeerEntry RendezvousServer::entryOf(const ServerClient *client)
{
    return {client->id(), client->name(), client->natType()};
}

void RendezvousServer::sendTo(const QSet<ServerClient *> &clients, const ControlMessage &message)
{
    for (ServerClient *c : clients)
        c->send(message);
}

void RendezvousServer::indexWatch(ServerClient *client)
{
    for (const DeviceId &id : client->watchList())
        m_watchers[id].insert(client);
}

void RendezvousServer::unindexWatch(ServerClient *client)
{
    for (const DeviceId &id : client->watchList()) {
        const auto it = m_watchers.find(id);
        if (it == m_watchers.end())
            continue;
        it->remove(client);
        if (it->isEmpty())
            m_watchers.erase(it);
    }
}

void RendezvousServer::index(ServerClient *client)
{
    m_byAddress[client->peerAddress()].append(client);
    indexWatch(client);
}

void RendezvousServer::unindex(ServerClient *client)
{
    const auto it = m_byAddress.find(client->peerAddress());
    if (it != m_byAddress.end()) {
        it->removeOne(client);
        if (it->isEmpty())
            m_byAddress.erase(it);
    }
    unindexWatch(client);
}

QSet<ServerClient *> RendezvousServer::visibleTo(const ServerClient *client) const
{
    QSet<ServerClient *> visible;
    for (const DeviceId &id : client->watchList())
        if (ServerClient *c = m_registry.value(id))
            visible.insert(c);
    if (const auto it = m_watchers.constFind(client->id()); it != m_watchers.cend())
        visible.unite(*it);
    if (const auto it = m_byAddress.constFind(client->peerAddress()); it != m_byAddress.cend())
        for (ServerClient *c : *it)
            visible.insert(c);
    visible.remove(const_cast<ServerClient *>(client));
    return visible;
}

RendezvousServer::Budget &RendezvousServer::budgetOf(const ServerClient *client)
{
    Budget *&budget = m_budgets[client];
    if (!budget)
        budget = new Budget {RateLimiter(m_config.lookupsPerSecond, 1),
            RateLimiter(m_config.presenceChangesPerSecond, 1)};
    return *budget;
}

void RendezvousServer::forget(const ServerClient *client)
{
    delete m_budgets.take(client);
    auto *mutableClient = const_cast<ServerClient *>(client);
    m_natDirty.remove(mutableClient);
    m_pendingWatch.remove(mutableClient);
}

void RendezvousServer::onHello(ServerClient *client)
{
    QSet<ServerClient *> sawOld;
    if (ServerClient *old = m_registry.value(client->id())) {
        qCInfo(lcServer).noquote()
            << "device" << client->id().shortString() << "registered again from"
            << client->observed().toString() << "- closing the older connection";
        sawOld = visibleTo(old);
        unindex(old);
        m_registry.remove(client->id());
        forget(old);
        old->fail(QStringLiteral("replaced"),
            QStringLiteral("this device registered again from another connection"));
    }
    m_registry.insert(client->id(), client);
    index(client);
    client->setRegistered();

    Welcome welcome;
    welcome.version = ControlProtocol::kVersion;
    welcome.yourId = client->id();
    welcome.observed = client->observed();
    welcome.relayAvailable = m_relay->isEnabled();
    welcome.serverId = m_identity.id();
    welcome.keepaliveMs = int(m_config.keepaliveInterval.count());
    client->send(welcome);

    // Only the peers it may see, and only they hear of it: O(visible), not O(online).
    const QSet<ServerClient *> visible = visibleTo(client);
    Peers peers;
    qsizetype sent = 0;
    const qsizetype total = visible.size();
    for (ServerClient *c : visible) {
        peers.peers.append(entryOf(c));
        ++sent;
        if (peers.peers.size() == ControlProtocol::kMaxPeersPerFrame && sent < total) {
            peers.more = true;
            client->send(peers);
            peers = {};
        }
    }
    client->send(peers);
    client->ping(); // a first RTT estimate for the next introduction

    sendTo(visible, PeerJoined {entryOf(client)});
    // After a re-registration from elsewhere, whoever saw only the old connection must hear
    // that the device is gone for them.
    sendTo(sawOld - visible, PeerLeft {client->id()});
    qCInfo(lcServer).noquote()
        << "registered" << client->describe()
        << QStringLiteral("(%1 online, %2 visible)").arg(m_registry.size()).arg(visible.size());
    Q_EMIT clientRegistered(client->id());
}

void RendezvousServer::onClosed(ServerClient *client, const QString &reason)
{
    const bool wasCurrent = client->isRegistered() && m_registry.value(client->id()) == client;
    if (wasCurrent) {
        const QSet<ServerClient *> visible = visibleTo(client);
        unindex(client);
        m_registry.remove(client->id());
        sendTo(visible, PeerLeft {client->id()});
        qCInfo(lcServer).noquote() << "left" << client->describe() << "-" << reason
                                   << QStringLiteral("(%1 online)").arg(m_registry.size());
        Q_EMIT clientLeft(client->id());
    } else {
        qCDebug(lcServer).noquote() << "connection" << client->describe() << "closed:" << reason;
    }
    forget(client);
    client->disconnect(this);
    client->deleteLater();
}

// ---- watch lists, NAT changes, lookups --------------------------------------------------------

void RendezvousServer::handleWatch(ServerClient *client, const QList<DeviceId> &ids)
{
    const QSet<DeviceId> wanted(ids.cbegin(), ids.cend());
    if (!m_pendingWatch.contains(client)
        && budgetOf(client).presence.allow(client->peerAddress(), m_clock.elapsed())) {
        applyWatch(client, wanted);
        return;
    }
    // Over budget: the newest list wins when the budget allows again.
    m_pendingWatch.insert(client, wanted);
    if (!m_presenceFlush.isActive())
        m_presenceFlush.start(1000 / std::max(1, m_config.presenceChangesPerSecond));
}

void RendezvousServer::applyWatch(ServerClient *client, const QSet<DeviceId> &ids)
{
    if (ids == client->watchList())
        return;
    const QSet<ServerClient *> before = visibleTo(client);
    unindexWatch(client);
    client->setWatchList(ids);
    indexWatch(client);
    const QSet<ServerClient *> after = visibleTo(client);
    // Symmetric relation: both sides of every pair that changed hear about the other.
    for (ServerClient *c : after) {
        if (before.contains(c))
            continue;
        client->send(PeerJoined {entryOf(c)});
        c->send(PeerJoined {entryOf(client)});
    }
    for (ServerClient *c : before) {
        if (after.contains(c))
            continue;
        client->send(PeerLeft {c->id()});
        c->send(PeerLeft {client->id()});
    }
    qCDebug(lcServer).noquote() << client->describe() << "watches" << ids.size() << "devices;"
                                << after.size() << "visible";
}

void RendezvousServer::handleNat(ServerClient *client, const QString &natType)
{
    if (natType == client->natType())
        return;
    // Stored at once (go messages and new joiners use it); only the broadcast is throttled.
    client->setNatType(natType);
    qCInfo(lcServer).noquote() << client->describe() << "reports NAT type" << natType;
    if (m_natDirty.contains(client))
        return; // a broadcast of the newest type is already scheduled
    if (budgetOf(client).presence.allow(client->peerAddress(), m_clock.elapsed())) {
        sendTo(visibleTo(client), PeerJoined {entryOf(client)});
        return;
    }
    m_natDirty.insert(client);
    if (!m_presenceFlush.isActive())
        m_presenceFlush.start(1000 / std::max(1, m_config.presenceChangesPerSecond));
}

void RendezvousServer::flushPresence()
{
    const qint64 now = m_clock.elapsed();
    const auto watches = m_pendingWatch;
    for (auto it = watches.cbegin(); it != watches.cend(); ++it) {
        ServerClient *client = it.key();
        if (!budgetOf(client).presence.allow(client->peerAddress(), now))
            continue;
        m_pendingWatch.remove(client);
        applyWatch(client, it.value());
    }
    const auto dirty = m_natDirty;
    for (ServerClient *client : dirty) {
        if (!budgetOf(client).presence.allow(client->peerAddress(), now))
            continue;
        m_natDirty.remove(client);
        sendTo(visibleTo(client), PeerJoined {entryOf(client)});
    }
    if (!m_pendingWatch.isEmpty() || !m_natDirty.isEmpty())
        m_presenceFlush.start(1000 / std::max(1, m_config.presenceChangesPerSecond));
}

void RendezvousServer::handleLookup(ServerClient *client, const Lookup &request)
{
    LookupResult answer;
    answer.requestId = request.requestId;
    const qint64 now = m_clock.elapsed();
    if (!budgetOf(client).lookups.allow(client->peerAddress(), now)
        || !m_lookupsPerAddress.allow(client->peerAddress(), now)) {
        answer.code = QStringLiteral("busy");
        answer.message
            = QStringLiteral("too many lookups (at most %1 per second per connection, %2 per "
                             "address)")
                  .arg(m_config.lookupsPerSecond)
                  .arg(m_config.lookupsPerAddressPerSecond);
        client->send(answer);
        return;
    }
    PeerResolver resolver(request.query);
    const auto consider = [&resolver](const ServerClient *c) {
        PeerInfo p;
        p.id = c->id();
        p.name = c->name();
        p.natType = c->natType();
        p.online = true;
        resolver.consider(p);
    };
    if (!resolver.exactId().isNull()) {
        const ServerClient *c = m_registry.value(resolver.exactId());
        if (c && c != client)
            consider(c);
    } else {
        for (const ServerClient *c : std::as_const(m_registry))
            if (c != client)
                consider(c);
    }
    const PeerResolver::Result r = resolver.result();
    switch (r.code) {
    case PeerResolver::Code::Found:
        answer.code = QStringLiteral("ok");
        break;
    case PeerResolver::Code::Ambiguous:
        answer.code = QStringLiteral("ambiguous");
        break;
    case PeerResolver::Code::EmptyQuery:
        answer.code = QStringLiteral("bad-query");
        break;
    default:
        answer.code = QStringLiteral("not-found");
        break;
    }
    answer.message = r.error.left(ControlProtocol::kMaxTextLength);
    for (const PeerInfo &p : r.candidates.mid(0, ControlProtocol::kMaxLookupPeers))
        answer.peers.append({p.id, p.name, p.natType});
    qCDebug(lcServer).noquote() << client->describe() << "looked up" << request.query << "→"
                                << answer.code;
    client->send(answer);
}

void RendezvousServer::onMessage(ServerClient *client, const ControlMessage &message)
{
    if (const auto *nat = std::get_if<Nat>(&message)) {
        handleNat(client, nat->natType);
    } else if (const auto *watch = std::get_if<Watch>(&message)) {
        handleWatch(client, watch->ids);
    } else if (const auto *lookup = std::get_if<Lookup>(&message)) {
        handleLookup(client, *lookup);
    } else if (const auto *request = std::get_if<Connect>(&message)) {
        handleConnect(client, *request);
    } else if (const auto *outcome = std::get_if<Outcome>(&message)) {
        const auto record = m_sessions.constFind(outcome->sessionId);
        if (record == m_sessions.cend()) {
            qCInfo(lcServer).noquote()
                << client->describe() << "reported an outcome for unknown session"
                << hexId(outcome->sessionId);
            return;
        }
        qCInfo(lcServer).noquote()
            << QStringLiteral(
                   "outcome %1 %2 → %3 reported by %4: %5 via %6 in %7 ms%8 (NAT %9 / %10)")
                   .arg(hexId(outcome->sessionId), record->initiator, record->responder,
                       client->id().shortString(), outcome->kind, outcome->method)
                   .arg(outcome->timeMs)
                   .arg(outcome->reason.isEmpty() ? QString()
                                                  : QStringLiteral(", ") + outcome->reason,
                       record->initiatorNat.isEmpty() ? QStringLiteral("unknown")
                                                      : record->initiatorNat,
                       record->responderNat.isEmpty() ? QStringLiteral("unknown")
                                                      : record->responderNat);
        Q_EMIT outcomeReported(outcome->sessionId, outcome->kind);
    } else {
        client->fail(QStringLiteral("protocol"),
            QStringLiteral("%1 is not a client message").arg(ControlProtocol::typeName(message)));
    }
}

// ---- introductions ----------------------------------------------------------------------------

void RendezvousServer::handleConnect(ServerClient *client, const Connect &request)
{
    auto refuse = [&](const char *code, const QString &text) {
        qCInfo(lcServer).noquote() << "connect" << client->describe() << "→"
                                   << request.target.shortString() << "refused:" << text;
        client->send(ConnectError {request.requestId, QString::fromLatin1(code), text});
    };
    if (request.mode != u"auto" && request.mode != u"relay-only" && request.mode != u"direct-only")
        return refuse("bad-mode", QStringLiteral("unknown mode \"%1\"").arg(request.mode));
    if (request.target == client->id())
        return refuse("self", QStringLiteral("a device cannot connect to itself"));
    ServerClient *target = m_registry.value(request.target);
    if (!target)
        return refuse(
            "offline", QStringLiteral("device %1 is not online").arg(request.target.shortString()));
    if (request.mode == u"relay-only" && !m_relay->isEnabled())
        return refuse("relay-disabled", QStringLiteral("this server does not relay"));
    int pending = 0;
    for (const Introduction *i : std::as_const(m_introductions))
        if (i->initiator == client)
            ++pending;
    if (pending >= m_config.maxPendingIntroductions)
        return refuse("busy", QStringLiteral("too many connect requests in flight"));

    auto *intro = new Introduction;
    intro->sessionId = randomBytes(ControlProtocol::kSessionIdSize);
    intro->initiator = client;
    intro->responder = target;
    intro->requestId = request.requestId;
    intro->mode = request.mode;
    intro->initiatorNonce = client->ping();
    intro->responderNonce = target->ping();
    intro->timer = new QTimer(this);
    intro->timer->setSingleShot(true);
    connect(intro->timer, &QTimer::timeout, this, [this, intro] { finishIntroduction(intro); });
    intro->timer->start(m_config.rttProbeTimeout);
    m_introductions.append(intro);
    qCInfo(lcServer).noquote() << "connect" << client->describe() << "→" << target->describe()
                               << "mode" << request.mode << "session" << hexId(intro->sessionId);
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
    if (!b || m_registry.value(b->id()) != b) {
        a->send(ConnectError {intro->requestId, QStringLiteral("offline"),
            QStringLiteral("the device went offline")});
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

    const bool relay = m_relay->isEnabled() && intro->mode != u"direct-only";
    const QString label = hexId(intro->sessionId) + QLatin1Char(' ') + a->id().shortString()
        + QStringLiteral(" → ") + b->id().shortString();
    const QByteArray token = relay ? m_relay->createToken(label) : QByteArray();
    const bool punch = intro->mode != u"relay-only";

    Go goA;
    goA.requestId = intro->requestId;
    goA.sessionId = intro->sessionId;
    goA.initiator = true;
    goA.peer = b->id();
    goA.peerName = b->name();
    goA.peerPublic = b->observed();
    goA.peerPrivate = b->privateEndpoints();
    goA.peerNat = b->natType();
    goA.punch = punch;
    goA.relayToken = token;
    goA.startInMs = d - rttA / 2;
    goA.rttMs = rttA;

    Go goB = goA;
    goB.requestId = 0;
    goB.initiator = false;
    goB.peer = a->id();
    goB.peerName = a->name();
    goB.peerPublic = a->observed();
    goB.peerPrivate = a->privateEndpoints();
    goB.peerNat = a->natType();
    goB.startInMs = d - rttB / 2;
    goB.rttMs = rttB;

    b->send(goB);
    a->send(goA);

    if (m_sessions.size() >= kMaxSessionRecords) {
        const qint64 cutoff = m_clock.elapsed() - kSessionRecordLifetimeMs;
        for (auto it = m_sessions.begin(); it != m_sessions.end();)
            it = it->createdMs < cutoff ? m_sessions.erase(it) : std::next(it);
        if (m_sessions.size() >= kMaxSessionRecords)
            m_sessions.clear();
    }
    m_sessions.insert(intro->sessionId,
        {a->id().shortString(), b->id().shortString(), a->natType(), b->natType(),
            m_clock.elapsed()});
    qCInfo(lcServer).noquote() << QStringLiteral(
        "go %1: rtt %2/%3 ms, start in %4/%5 ms, punch %6, relay %7")
                                      .arg(label)
                                      .arg(rttA)
                                      .arg(rttB)
                                      .arg(goA.startInMs)
                                      .arg(goB.startInMs)
                                      .arg(punch ? QStringLiteral("yes") : QStringLiteral("no"),
                                          relay ? QStringLiteral("yes") : QStringLiteral("no"));
}

} // namespace PunchDrop
