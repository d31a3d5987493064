// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/rendezvousserver.h"

#include "core/addressprefix.h"
#include "core/logging.h"
#include "core/socket/reusablesocket.h"
#include "net/wire/controlprotocol.h"
#include "net/wire/relayjoin.h"

#include <QNetworkInterface>
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

RendezvousServer::RendezvousServer(
    const DeviceIdentity &identity, const RendezvousServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_config(config)
    , m_lookupsPerAddress(config.lookupsPerAddressPerSecond)
    , m_presence(config.presence)
{
    m_clock.start();
    m_tls = ControlLinkContext(ControlLinkContext::Role::Server, m_identity); // once, shared
    if (!m_tls.isValid())
        qCWarning(lcServer).noquote() << "no TLS for control connections:" << m_tls.errorString();
    m_relay = new RelayHub(m_config.relay, this);
    m_relay->setClaimHandler(
        [this](const QByteArray &token, const Endpoint &from) { return onClaim(token, from); });
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
    m_claimAddress = claimAddressOf(m_config, m_listener->serverAddress());
    const QHostAddress bound = m_listener->serverAddress();
    if (!m_claimAddress.isNull() && bound != QHostAddress::Any && bound != QHostAddress::AnyIPv6
        && bound != m_claimAddress) {
        // A specific address in one family: the IPv6 one is a second listener on the same port,
        // for claims and for clients that have only IPv6.
        m_listener6 = new DescriptorServer([this](qintptr fd) { onIncoming(fd); }, this);
        if (!m_listener6->listen(m_claimAddress, serverPort())) {
            *error = QStringLiteral("cannot listen on %1: %2")
                         .arg(Endpoint {m_claimAddress, serverPort()}.toString(),
                             m_listener6->errorString());
            m_listener->close();
            return false;
        }
    }
    if (!m_claimAddress.isNull())
        qCInfo(lcServer).noquote() << "clients registered over IPv4 claim their IPv6 address at"
                                   << Endpoint {m_claimAddress, serverPort()}.toString();
    return true;
}

QHostAddress RendezvousServer::claimAddressOf(
    const RendezvousServerConfig &config, const QHostAddress &listening)
{
    if (!config.claims)
        return {};
    if (!config.claimAddress.isNull())
        return config.claimAddress;
    auto usable = [](const QHostAddress &a) {
        bool mapped = false;
        a.toIPv4Address(&mapped);
        return a.protocol() == QAbstractSocket::IPv6Protocol && !mapped && !a.isLoopback()
            && !a.isLinkLocal() && !a.isSiteLocal() && !a.isMulticast() && !a.isNull()
            && a != QHostAddress::AnyIPv6;
    };
    if (listening != QHostAddress::Any && listening != QHostAddress::AnyIPv6)
        return usable(listening) ? listening : QHostAddress();
    QHostAddress temporary;
    const auto interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &i : interfaces) {
        if (!(i.flags() & QNetworkInterface::IsUp) || (i.flags() & QNetworkInterface::IsLoopBack))
            continue;
        for (const QNetworkAddressEntry &e : i.addressEntries()) {
            if (!usable(e.ip()))
                continue;
            if (!e.isTemporary())
                return e.ip();
            if (temporary.isNull())
                temporary = e.ip();
        }
    }
    return temporary;
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
    if (m_listener6)
        m_listener6->close();
    const auto pending = m_pending;
    for (Pending *p : pending) {
        dropPending(p, true);
        delete p; // its deadline lambda, which would have deleted it, is gone with the timer
    }
    dropIntroductions();
    const auto clients = findChildren<ServerClient *>(Qt::FindDirectChildrenOnly);
    for (ServerClient *c : clients) {
        if (m_presence.contains(c)) { // the other servers of a cluster hear they left
            clusterWithdraw(c);
            clusterForget(c);
        }
        c->disconnect(this);
        c->close();
        delete c;
    }
    m_presence.clear();
    m_handshaking.clear();
    m_handshakesPerPrefix.clear();
    m_handshakeCount = 0;
    qDeleteAll(m_budgets);
    m_budgets.clear();
    m_natDirty.clear();
    m_pendingWatch.clear();
    m_presenceFlush.stop();
    m_perAddress.clear();
    m_connectionCount = 0;
    m_relay->closeAll();
    dropClusterState();
}

// ---- accepting and sniffing -------------------------------------------------------------------

QString RendezvousServer::admissionRefusal(const QHostAddress &prefix) const
{
    if (m_connectionCount >= m_config.maxClients)
        return QStringLiteral("client limit (%1) reached").arg(m_config.maxClients);
    if (m_perAddress.value(prefix) >= m_config.maxConnectionsPerAddress)
        return QStringLiteral("too many connections from this network (%1)")
            .arg(m_config.maxConnectionsPerAddress);
    if (m_handshakeCount >= m_config.maxHandshakes)
        return QStringLiteral("too many handshakes in progress (%1)").arg(m_config.maxHandshakes);
    if (m_handshakesPerPrefix.value(prefix) >= m_config.maxHandshakesPerPrefix)
        return QStringLiteral("too many handshakes in progress from this network (%1)")
            .arg(m_config.maxHandshakesPerPrefix);
    return {};
}

void RendezvousServer::onIncoming(qintptr fd)
{
    const QHostAddress address = nativePeerAddress(fd);
    const QHostAddress prefix = AddressPrefix::of(address);
    const QString refusal = admissionRefusal(prefix);
    if (!refusal.isEmpty()) {
        ReusableSocket::closeNative(fd);
        // A flood must not flood the log too: at most one line per second.
        int suppressed = 0;
        if (m_refusalLog.allow(&suppressed))
            qCWarning(lcServer).noquote()
                << QStringLiteral("refusing %1 - %2").arg(address.toString(), refusal)
                    + LogThrottle::suffix(suppressed);
        return;
    }
    ++m_connectionCount;
    ++m_perAddress[prefix];
    ++m_handshakeCount;
    ++m_handshakesPerPrefix[prefix];

    auto *p = new Pending;
    p->fd = fd;
    p->address = address;
    p->age.start();
    p->notifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    p->deadline = new QTimer(this);
    p->deadline->setSingleShot(true);
    connect(p->notifier, &QSocketNotifier::activated, this, [this, p] { onSniff(p); });
    connect(p->deadline, &QTimer::timeout, this, [this, p, prefix] {
        int suppressed = 0;
        if (m_dropLog.allow(&suppressed))
            qCInfo(lcServer).noquote()
                << QStringLiteral("dropping %1 - sent nothing within the handshake deadline")
                        .arg(p->address.toString())
                    + LogThrottle::suffix(suppressed);
        dropPending(p, true);
        endHandshake(prefix);
        releaseSlot(prefix);
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

void RendezvousServer::releaseSlot(const QHostAddress &prefix)
{
    --m_connectionCount;
    auto it = m_perAddress.find(prefix);
    if (it != m_perAddress.end() && --it.value() <= 0)
        m_perAddress.erase(it);
}

void RendezvousServer::endHandshake(const QHostAddress &prefix)
{
    --m_handshakeCount;
    auto it = m_handshakesPerPrefix.find(prefix);
    if (it != m_handshakesPerPrefix.end() && --it.value() <= 0)
        m_handshakesPerPrefix.erase(it);
}

void RendezvousServer::onSniff(Pending *p)
{
    char first = 0;
    const PeekResult r = peekFirstByte(p->fd, &first);
    if (r == PeekResult::WouldBlock)
        return;
    const qintptr fd = p->fd;
    const QHostAddress address = p->address;
    const QHostAddress prefix = AddressPrefix::of(address);
    // The deadline covers everything up to hello: what sniffing used is not granted again.
    const auto left = std::max(std::chrono::milliseconds(1),
        m_config.timeouts.handshake - std::chrono::milliseconds(p->age.elapsed()));
    dropPending(p, r == PeekResult::Closed);
    delete p;
    if (r == PeekResult::Closed) {
        endHandshake(prefix);
        releaseSlot(prefix);
    } else if (first == 0x16) {
        startControl(fd, address, left); // still handshaking until hello
    } else if (first == RelayJoin::kMagic[0]) {
        endHandshake(prefix);
        releaseSlot(prefix); // relay sockets are limited by the hub
        startRelay(fd);
    } else {
        int suppressed = 0;
        if (m_dropLog.allow(&suppressed))
            qCInfo(lcServer).noquote()
                << QStringLiteral("dropping %1 - neither TLS nor a relay join (first byte 0x%2)")
                        .arg(address.toString())
                        .arg(quint8(first), 2, 16, QLatin1Char('0'))
                    + LogThrottle::suffix(suppressed);
        ReusableSocket::closeNative(fd);
        endHandshake(prefix);
        releaseSlot(prefix);
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
    const QHostAddress prefix = AddressPrefix::of(address);
    m_handshaking.insert(client, prefix);
    connect(client, &ServerClient::helloReceived, this, &RendezvousServer::onHello);
    connect(client, &ServerClient::messageReceived, this, &RendezvousServer::onMessage);
    connect(client, &ServerClient::pongReceived, this, &RendezvousServer::onPong);
    connect(client, &ServerClient::closed, this,
        [this, prefix](ServerClient *c, const QString &reason) {
            if (m_handshaking.remove(c))
                endHandshake(prefix);
            releaseSlot(prefix);
            onClosed(c, reason);
        });
}

// ---- registry and presence --------------------------------------------------------------------

PeerEntry RendezvousServer::entryOf(const PresenceMember *client)
{
    return {client->id(), client->name(), client->natType(), client->device()};
}

void RendezvousServer::sendTo(const QSet<PresenceMember *> &clients, const ControlMessage &message)
{
    for (PresenceMember *c : clients)
        clientOf(c)->send(message);
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
    if (!client->claimToken().isEmpty())
        m_claimTokens.remove(client->claimToken());
    auto *mutableClient = const_cast<ServerClient *>(client);
    m_natDirty.remove(mutableClient);
    m_pendingWatch.remove(mutableClient);
    clusterForget(client);
}

void RendezvousServer::sendPeers(ServerClient *client, const QSet<PresenceMember *> &visible)
{
    Peers peers;
    qsizetype sent = 0;
    const qsizetype total = visible.size();
    for (const PresenceMember *c : visible) {
        peers.peers.append(entryOf(c));
        ++sent;
        if (peers.peers.size() == ControlProtocol::kMaxPeersPerFrame && sent < total) {
            peers.more = true;
            client->send(peers);
            peers = {};
        }
    }
    client->send(peers);
}

void RendezvousServer::onHello(ServerClient *client)
{
    if (m_handshaking.contains(client))
        endHandshake(m_handshaking.take(client));
    QSet<PresenceMember *> sawOld;
    if (ServerClient *old = clientOf(m_presence.find(client->id()))) {
        qCInfo(lcServer).noquote()
            << "device" << client->id().shortString() << "registered again from"
            << client->observed().toString() << "- closing the older connection";
        sawOld = m_presence.visibleTo(old);
        m_presence.remove(old);
        forget(old);
        old->fail(ServerError::Replaced,
            QStringLiteral("this device registered again from another connection"));
    }
    const QList<DeviceId> watchIds = client->helloWatch();
    const PresenceIndex::WatchChange watch = m_presence.setWatch(client, watchIds);
    client->clearHelloWatch();
    m_presence.add(client);
    client->setRegistered();
    clusterRegistered(client, watchIds.mid(0, watch.kept));

    Welcome welcome;
    welcome.version = ControlProtocol::kVersion;
    welcome.yourId = client->id();
    welcome.observed = client->observed();
    welcome.relayAvailable = m_relay->isEnabled();
    welcome.serverId = m_identity.id();
    welcome.keepaliveMs = int(m_config.keepaliveInterval.count());
    welcome.upgrades = true;
    if (!m_claimAddress.isNull()
        && client->observed().address.protocol() == QAbstractSocket::IPv4Protocol) {
        m_claimTokens.remove(client->claimToken());
        const QByteArray token = randomBytes(ControlProtocol::kClaimTokenSize);
        client->setClaimToken(token);
        m_claimTokens.insert(token, client);
        welcome.claimAt = {m_claimAddress, serverPort()};
        welcome.claimToken = token;
    }
    client->send(welcome);
    reportWatchLimit(client, watch);

    // Only the peers it may see, and only they hear of it: O(visible), not O(online).
    const QSet<PresenceMember *> visible = m_presence.visibleTo(client);
    sendPeers(client, visible);
    client->ping(); // a first RTT estimate for the next introduction

    sendTo(visible, PeerJoined {entryOf(client)});
    // After a re-registration from elsewhere, whoever saw only the old connection must hear
    // that the device is gone for them.
    sendTo(sawOld - visible, PeerLeft {client->id()});
    qCInfo(lcServer).noquote()
        << "registered" << client->describe()
        << QStringLiteral("(%1 online, %2 visible)").arg(m_presence.size()).arg(visible.size());
    Q_EMIT clientRegistered(client->id());
}

void RendezvousServer::onClosed(ServerClient *client, const QString &reason)
{
    const bool wasCurrent = client->isRegistered() && m_presence.contains(client);
    if (wasCurrent) {
        const QSet<PresenceMember *> visible = m_presence.visibleTo(client);
        m_presence.remove(client);
        clusterWithdraw(client);
        sendTo(visible, PeerLeft {client->id()});
        qCInfo(lcServer).noquote() << "left" << client->describe() << "-" << reason
                                   << QStringLiteral("(%1 online)").arg(m_presence.size());
        Q_EMIT clientLeft(client->id());
    } else {
        m_presence.remove(client); // a watch list stored at hello, if any
        qCDebug(lcServer).noquote() << "connection" << client->describe() << "closed:" << reason;
    }
    forget(client);
    client->disconnect(this);
    client->deleteLater();
}

// ---- watch lists, NAT changes, lookups --------------------------------------------------------

void RendezvousServer::handleWatch(ServerClient *client, const QList<DeviceId> &ids)
{
    if (!m_pendingWatch.contains(client)
        && budgetOf(client).presence.allow(client->peerAddress(), m_clock.elapsed())) {
        applyWatch(client, ids);
        return;
    }
    // Over budget: the newest list wins when the budget allows again.
    m_pendingWatch.insert(client, ids);
    if (!m_presenceFlush.isActive())
        m_presenceFlush.start(1000 / std::max(1, m_config.presenceChangesPerSecond));
}

void RendezvousServer::reportWatchLimit(
    ServerClient *client, const PresenceIndex::WatchChange &change)
{
    if (change.kept >= change.asked)
        return;
    qCInfo(lcServer).noquote() << client->describe() << "watch list cut from" << change.asked
                               << "to" << change.kept << "devices";
    client->send(WatchLimited {change.kept, change.asked,
        QStringLiteral("this server keeps presence for at most %1 of the %2 devices asked for")
            .arg(change.kept)
            .arg(change.asked)});
}

void RendezvousServer::applyWatch(ServerClient *client, const QList<DeviceId> &ids)
{
    const QSet<PresenceMember *> before = m_presence.visibleTo(client);
    const PresenceIndex::WatchChange change = m_presence.setWatch(client, ids);
    reportWatchLimit(client, change);
    if (!change.changed)
        return;
    clusterWatchChanged(client, ids.mid(0, change.kept));
    const QSet<PresenceMember *> after = m_presence.visibleTo(client);
    // Symmetric relation: both sides of every pair that changed hear about the other.
    for (PresenceMember *c : after) {
        if (before.contains(c))
            continue;
        client->send(PeerJoined {entryOf(c)});
        clientOf(c)->send(PeerJoined {entryOf(client)});
    }
    for (PresenceMember *c : before) {
        if (after.contains(c))
            continue;
        client->send(PeerLeft {c->id()});
        clientOf(c)->send(PeerLeft {client->id()});
    }
    qCDebug(lcServer).noquote() << client->describe() << "watches" << change.kept << "devices;"
                                << after.size() << "visible";
}

void RendezvousServer::handleNat(ServerClient *client, const QString &natType)
{
    if (natType == client->natType())
        return;
    // Stored at once (go messages and new joiners use it); only the broadcast is throttled.
    client->setNatType(natType);
    clusterPublish(client);
    qCInfo(lcServer).noquote() << client->describe() << "reports NAT type" << natType;
    if (m_natDirty.contains(client))
        return; // a broadcast of the newest type is already scheduled
    if (budgetOf(client).presence.allow(client->peerAddress(), m_clock.elapsed())) {
        sendTo(m_presence.visibleTo(client), PeerJoined {entryOf(client)});
        clusterSync(client);
        return;
    }
    m_natDirty.insert(client);
    if (!m_presenceFlush.isActive())
        m_presenceFlush.start(1000 / std::max(1, m_config.presenceChangesPerSecond));
}

void RendezvousServer::handleMapped(ServerClient *client, const Mapped &mapped)
{
    // A client may repeat `mapped` as often as it likes, or alternate between two: each costs a
    // comparison, and the log lines about them are throttled like refused connections.
    const bool vouched
        = mapped.external.isValid() && mapped.external.address == client->peerAddress();
    const Endpoint external = vouched ? mapped.external : Endpoint {};
    const PortMapProtocol protocol = vouched ? mapped.protocol : PortMapProtocol::None;
    const bool changed = external != client->mapped() || protocol != client->mapper();
    client->setMapped(external, protocol);
    if (!changed && vouched == mapped.external.isValid())
        return; // nothing new to say
    int suppressed = 0;
    if (!m_mappingLog.allow(&suppressed))
        return;
    const QString said = vouched ? QStringLiteral("is port-mapped at %1 via %2")
                                       .arg(external.toString(), portMapProtocolName(protocol))
        : mapped.external.isValid()
        ? QStringLiteral("reports a port mapping on %1 - not its public address, ignored")
              .arg(mapped.external.toString())
        : QStringLiteral("has no port mapping any more");
    qCInfo(lcServer).noquote() << client->describe() << said + LogThrottle::suffix(suppressed);
}

bool RendezvousServer::onClaim(const QByteArray &token, const Endpoint &from)
{
    ServerClient *client = m_claimTokens.value(token);
    if (!client || !client->isRegistered() || !m_presence.contains(client))
        return false;
    // The dual-stack listener shows IPv4 sources as ::ffff:a.b.c.d: those are no claim.
    bool isV4 = false;
    from.address.toIPv4Address(&isV4);
    if (isV4 || from.address.protocol() != QAbstractSocket::IPv6Protocol)
        return false;
    const Endpoint also {QHostAddress(from.address.toIPv6Address()), from.port}; // no scope
    if (also == client->also())
        return true; // a repeat: nothing new to log
    client->setAlso(also);
    int suppressed = 0;
    if (m_mappingLog.allow(&suppressed))
        qCInfo(lcServer).noquote() << client->describe() << "is also at"
                                   << also.toString() + LogThrottle::suffix(suppressed);
    return true;
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
        sendTo(m_presence.visibleTo(client), PeerJoined {entryOf(client)});
        clusterSync(client);
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
        || !m_lookupsPerAddress.allow(AddressPrefix::of(client->peerAddress()), now)) {
        answer.code = LookupStatus::Busy;
        answer.message
            = QStringLiteral("too many lookups (at most %1 per second per connection, %2 per "
                             "network)")
                  .arg(m_config.lookupsPerSecond)
                  .arg(m_config.lookupsPerAddressPerSecond);
        client->send(answer);
        return;
    }
    if (clusterLookup(client, request))
        return; // answered when the cluster has
    answerLookup(client, request, m_presence.lookup(request.query, client));
}

void RendezvousServer::answerLookup(ServerClient *client, const Lookup &request,
    const PeerResolver::Result &r, const QSet<DeviceId> &remoteNatShown)
{
    LookupResult answer;
    answer.requestId = request.requestId;
    switch (r.code) {
    case PeerResolver::Code::Found:
        answer.code = LookupStatus::Ok;
        break;
    case PeerResolver::Code::Ambiguous:
        answer.code = LookupStatus::Ambiguous;
        break;
    case PeerResolver::Code::EmptyQuery:
        answer.code = LookupStatus::BadQuery;
        break;
    default:
        answer.code = LookupStatus::NotFound;
        break;
    }
    answer.message = r.error.left(ControlProtocol::kMaxTextLength);
    for (const PeerInfo &p : r.candidates.mid(0, ControlProtocol::kMaxLookupPeers)) {
        // A stranger learns what it takes to connect (ID, name), not the NAT type or the kind
        // of device.
        const PresenceMember *target = m_presence.find(p.id);
        const bool allowed
            = target ? m_presence.allows(target, client) : remoteNatShown.contains(p.id);
        answer.peers.append({p.id, p.name, allowed ? p.natType : QString(),
            allowed ? DeviceDescription {p.kind, p.os} : DeviceDescription {}});
    }
    qCDebug(lcServer).noquote() << client->describe() << "looked up" << request.query << "→"
                                << lookupStatusName(answer.code);
    client->send(answer);
}

void RendezvousServer::onMessage(ServerClient *client, const ControlMessage &message)
{
    if (const auto *nat = std::get_if<Nat>(&message)) {
        handleNat(client, nat->natType);
    } else if (const auto *mapped = std::get_if<Mapped>(&message)) {
        handleMapped(client, *mapped);
    } else if (const auto *watch = std::get_if<Watch>(&message)) {
        handleWatch(client, watch->ids);
    } else if (const auto *lookup = std::get_if<Lookup>(&message)) {
        handleLookup(client, *lookup);
    } else if (const auto *request = std::get_if<Connect>(&message)) {
        handleConnect(client, *request);
    } else if (const auto *outcome = std::get_if<Outcome>(&message)) {
        handleOutcome(client, *outcome);
    } else {
        client->fail(ServerError::Protocol,
            QStringLiteral("%1 is not a client message").arg(ControlProtocol::typeName(message)));
    }
}

} // namespace PunchDrop
