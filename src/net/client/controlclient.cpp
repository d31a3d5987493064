// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/controlclient.h"

#include "core/coro/wakeup.h"

#include "core/logging.h"
#include "core/socket/reusablesocket.h"
#include "net/security/controllink.h"
#include "net/security/serverpins.h"
#include "net/wire/controlprotocol.h"
#include "net/wire/relayjoin.h"

#include <QHostInfo>
#include <QNetworkInterface>
#include <QPointer>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QTcpSocket>

#include <qcorosignal.h>

#include <algorithm>
#include <utility>

namespace PunchDrop {

using namespace Control;

namespace {

constexpr int kMaxPendingPings = 8;

//! "code: message" of the server's fatal error, for lastError() and the log.
QString errorText(const Error &error)
{
    return serverErrorName(error.code) + QStringLiteral(": ") + error.message;
}

/*!
 * Waits until \a replies holds the answer to request \a id, woken through \a waiters, at most
 * \a timeout; nullopt on timeout or when \a owner (whose members the maps are) was deleted
 * meanwhile — the desktop app replaces its engine when the server changes, lookups in flight or
 * not. One Wakeup per request, never qCoro(signal): with several requests in flight, two
 * replies in one event-loop turn would queue two resumes of the same coroutine.
 */
template<typename Reply>
QCoro::Task<std::optional<Reply>> awaitReply(QPointer<QObject> owner,
    QHash<quint32, Reply> &replies, QHash<quint32, Wakeup *> &waiters, quint32 id,
    std::chrono::milliseconds timeout)
{
    Wakeup wakeup;
    waiters.insert(id, &wakeup);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const auto it = replies.constFind(id); it != replies.constEnd()) {
            Reply reply = *it;
            replies.erase(it);
            waiters.remove(id);
            co_return reply;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        co_await wakeup.wait(left);
        if (!owner)
            co_return std::nullopt; // the maps are gone with it
    }
    waiters.remove(id);
    replies.remove(id);
    co_return std::nullopt;
}

//! A server's peer entry as the app sees it: online, from the server.
PeerInfo infoOf(const PeerEntry &e)
{
    PeerInfo p;
    p.id = e.id;
    p.name = e.name;
    p.source = PeerInfo::Source::Server;
    p.online = true;
    p.natType = e.nat;
    p.kind = e.device.kind;
    p.os = e.device.os;
    return p;
}
} // namespace

ControlClient::ControlClient(
    const DeviceIdentity &identity, ControlClientConfig config, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_config(std::move(config))
    , m_tls(ControlLinkContext::Role::Client, identity)
{
    qRegisterMetaType<PunchDrop::GoMessage>();
    qRegisterMetaType<PunchDrop::ConnectReply>();
    m_clock.start();
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        lose(QStringLiteral("no answer from %1 within %2 ms")
                 .arg(currentServer().toString())
                 .arg(m_config.connectTimeout.count()));
    });
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ControlClient::attempt);
    connect(this, &ControlClient::connectReplyReceived, this,
        [this](quint32 requestId, const ConnectReply &reply) {
            Wakeup *waiter = m_replyWaiters.value(requestId);
            if (!waiter)
                return; // the request timed out already
            m_replies.insert(requestId, reply);
            waiter->wake();
        });
    connect(&m_keepaliveTimer, &QTimer::timeout, this, [this] {
        if (m_pings.size() >= kMaxPendingPings)
            m_pings.clear();
        const quint64 nonce = QRandomGenerator::global()->generate64() & 0x7fffffffffffffffULL;
        m_pings.insert(nonce, m_clock.elapsed());
        send(Ping {nonce});
    });
    m_deadTimer.setSingleShot(true);
    connect(&m_deadTimer, &QTimer::timeout, this,
        [this] { lose(QStringLiteral("the server stopped answering")); });
}

ControlClient::~ControlClient()
{
    m_running = false;
    if (m_link)
        m_link->disconnect(this); // deleted with this object, which aborts its socket
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    if (m_claim)
        m_claim->disconnect(this);
}

void ControlClient::start()
{
    if (m_running)
        return;
    m_running = true;
    m_failures = 0;
    m_reportedDown = false;
    m_roundStart = m_serverIndex;
    attempt();
}

void ControlClient::stop()
{
    m_running = false;
    m_reconnectTimer.stop();
    if (m_socket || m_link)
        lose(QStringLiteral("stopped"));
}

QList<PeerInfo> ControlClient::peers() const
{
    QList<PeerInfo> list = m_peers.values();
    std::sort(list.begin(), list.end(), [](const PeerInfo &a, const PeerInfo &b) {
        return a.name.localeAwareCompare(b.name) < 0 || (a.name == b.name && a.id < b.id);
    });
    return list;
}

QList<Endpoint> ControlClient::currentPrivateEndpoints() const
{
    if (!m_config.privateEndpoints.isEmpty())
        return m_config.privateEndpoints.mid(0, ControlProtocol::kMaxPrivateEndpoints);
    QList<Endpoint> result;
    const auto addresses = QNetworkInterface::allAddresses();
    for (const QHostAddress &a : addresses) {
        if (a.protocol() != QAbstractSocket::IPv4Protocol || a.isLoopback() || a.isLinkLocal())
            continue;
        result.append({a, m_localPort});
        if (result.size() == ControlProtocol::kMaxPrivateEndpoints)
            break;
    }
    return result;
}

void ControlClient::send(const ControlMessage &message)
{
    if (m_link && m_link->isEstablished())
        m_link->write(ControlProtocol::encode(message));
}

void ControlClient::attempt()
{
    if (!m_running)
        return;
    if (m_link) {
        m_link->disconnect(this);
        m_link->deleteLater();
        m_link = nullptr;
    }
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_buffer.clear();
    // The socket exists from here on, so a lookup that never answers still ends in lose().
    if (!prepareSocket(QAbstractSocket::IPv4Protocol))
        return;
    m_connectTimer.start(m_config.connectTimeout); // the name's lookup included
    const HostPort server = currentServer();
    const quint64 attempt = ++m_attempt;
    if (const QHostAddress literal(server.host); !literal.isNull()) {
        dial(literal, server.port);
        return;
    }
    if (m_resolvedFor == server && m_addressIndex < m_addresses.size()) {
        dial(m_addresses.at(m_addressIndex), server.port);
        return;
    }
    // A host name: every address it stands for is a server to try, IPv4 first: registered
    // over IPv4, the server sees our NAT's mapping of P (what an IPv4 punch needs) and we claim
    // our IPv6 address besides (Welcome::claimAt); over IPv6 there is no IPv4 path to learn.
    QHostInfo::lookupHost(server.host, this, [this, attempt, server](const QHostInfo &info) {
        if (attempt != m_attempt || !m_socket || !m_running)
            return;
        m_resolvedFor = server;
        m_addressIndex = 0;
        m_addresses.clear();
        QList<QHostAddress> v6;
        for (const QHostAddress &a : info.addresses()) {
            QList<QHostAddress> &list
                = a.protocol() == QAbstractSocket::IPv4Protocol ? m_addresses : v6;
            if (!list.contains(a))
                list.append(a);
        }
        m_addresses += v6;
        if (m_addresses.isEmpty()) {
            m_resolvedFor = {};
            lose(QStringLiteral("cannot resolve %1: %2")
                     .arg(server.host,
                         info.error() == QHostInfo::NoError ? QStringLiteral("no address")
                                                            : info.errorString()));
            return;
        }
        if (m_addresses.size() > 1)
            qCInfo(lcNet).noquote() << server.host << "stands for" << m_addresses.size()
                                    << "addresses; trying" << m_addresses.first().toString();
        dial(m_addresses.first(), server.port);
    });
}

bool ControlClient::prepareSocket(QAbstractSocket::NetworkLayerProtocol family)
{
    if (m_socket) {
        if (m_socket->localAddress().protocol() == family)
            return true;
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_socket = new QTcpSocket(this);
    // Bind P ourselves (reuse options) so the punching engine can share it; keep the old P.
    // An IPv6 socket is IPv6 only, so the same P serves both families side by side.
    const QHostAddress any
        = family == QAbstractSocket::IPv6Protocol ? QHostAddress::AnyIPv6 : QHostAddress::AnyIPv4;
    QString error;
    qintptr fd = ReusableSocket::createBound(any, m_localPort, &error);
    if (fd < 0 && m_localPort != 0) {
        qCInfo(lcNet).noquote() << "cannot reuse control port" << m_localPort << "(" << error
                                << "), taking a new one";
        fd = ReusableSocket::createBound(any, 0, &error);
    }
    if (fd < 0 || !ReusableSocket::adoptBound(*m_socket, fd, &error)) {
        lose(QStringLiteral("cannot create the control socket: ") + error);
        return false;
    }
    m_localPort = m_socket->localPort();
    // setSocketDescriptor(BoundState) arms the read notifier at once, and while connecting a
    // refused connect makes the descriptor readable before Qt sees the error: Qt would then read
    // from a socket that is not connected. Qt re-arms reading once connected.
    const auto notifiers = m_socket->findChildren<QSocketNotifier *>();
    for (QSocketNotifier *n : notifiers)
        if (n->type() == QSocketNotifier::Read)
            n->setEnabled(false);

    connect(m_socket, &QAbstractSocket::connected, this, &ControlClient::onConnected);
    connect(m_socket, &QAbstractSocket::disconnected, this,
        [this] { lose(QStringLiteral("the server closed the connection")); });
    connect(
        m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (e == QAbstractSocket::RemoteHostClosedError)
                return lose(QStringLiteral("the server closed the connection"));
            lose(m_socket->errorString());
        });
    return true;
}

void ControlClient::dial(const QHostAddress &address, quint16 port)
{
    const bool v6 = address.protocol() == QAbstractSocket::IPv6Protocol;
    if (!prepareSocket(v6 ? QAbstractSocket::IPv6Protocol : QAbstractSocket::IPv4Protocol))
        return;
    qCDebug(lcNet).noquote() << "connecting to" << Endpoint {address, port}.toString()
                             << "from port" << m_localPort;
    m_socket->connectToHost(address, port);
}

HostPort ControlClient::dialledServer() const
{
    HostPort server = currentServer();
    if (m_resolvedFor == server && m_addressIndex < m_addresses.size())
        server.host = m_addresses.at(m_addressIndex).toString();
    return server;
}

void ControlClient::onConnected()
{
    // From here the link owns the socket: TLS 1.3 handshake, then its record layer.
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    m_link = new ControlLink(m_tls, socket, this);
    connect(m_link, &ControlLink::handshakeDone, this, &ControlClient::onHandshakeDone);
    connect(m_link, &ControlLink::plaintextReady, this, &ControlClient::onPlaintext);
    connect(m_link, &ControlLink::closed, this, [this](const QString &reason) {
        lose(m_link->error() == ControlLink::Error::RemoteClosed
                ? QStringLiteral("the server closed the connection")
                : reason);
    });
}

void ControlClient::onHandshakeDone(const DeviceId &server)
{
    // The handshake proves the server holds the key of server; whether it is the key this
    // address had before is the pin's question.
    m_serverId = server;
    if (!m_config.serverPinsFile.isEmpty()) {
        ServerPins pins(m_config.serverPinsFile);
        const QString key = ServerPins::keyFor(serverHost(), serverPort());
        QString error;
        const std::optional<DeviceId> pinned = pins.pinned(key, &error);
        if (!pinned) {
            // Fail closed: a damaged pin file must not turn into "no pins" (an impostor would
            // be pinned and the other pins erased).
            m_lastError = error;
            qCWarning(lcNet).noquote() << m_lastError;
            lose(m_lastError);
            return;
        }
        const DeviceId known = *pinned;
        if (known.isNull()) {
            if (pins.pin(key, server, &error))
                qCInfo(lcNet).noquote() << "pinned server" << key << "as" << server.shortString();
            else
                qCWarning(lcNet).noquote() << "cannot pin server" << key << "-" << error;
        } else if (known != server) {
            // The whole text is the reason: the status bar and the CLI show it as it is.
            m_lastError = QStringLiteral(
                "the server at %1 has a different identity (%2) than the one this device "
                "registered with before (%3): someone may be intercepting the connection. If the "
                "server was reinstalled, remove its line from %4")
                              .arg(key, server.shortString(), known.shortString(), pins.filePath());
            qCWarning(lcNet).noquote() << m_lastError;
            lose(m_lastError);
            return;
        }
    }
    Hello hello;
    hello.version = ControlProtocol::kVersion;
    hello.name = m_config.displayName.left(ControlProtocol::kMaxTextLength);
    hello.privateEndpoints = currentPrivateEndpoints();
    hello.nat = m_natType;
    hello.watch = m_watch; // our contacts: the server shows us their presence (and us to them)
    hello.device = m_config.device;
    send(hello);
}

void ControlClient::onPlaintext(const QByteArray &plaintext)
{
    if (!m_link)
        return;
    m_buffer += plaintext;
    while (m_link) {
        const ControlProtocol::ParseResult r = ControlProtocol::parse(m_buffer);
        if (r.status == ControlProtocol::Status::Incomplete)
            return;
        if (r.status == ControlProtocol::Status::Malformed) {
            lose(QStringLiteral("malformed frame from the server: ") + r.error);
            return;
        }
        m_buffer.remove(0, r.consumed);
        if (m_registered)
            m_deadTimer.start(m_keepaliveTimer.interval() * 3);
        handle(r.message);
    }
}

void ControlClient::handle(const ControlMessage &message)
{
    // Before the welcome only a refusal means anything.
    if (!m_registered && !std::holds_alternative<Welcome>(message)) {
        if (const auto *error = std::get_if<Error>(&message)) {
            m_lastError = errorText(*error);
            lose(QStringLiteral("server refused: ") + m_lastError);
        }
        return;
    }
    std::visit([this](const auto &m) { on(m); }, message);
}

void ControlClient::on(const Welcome &welcome)
{
    m_connectTimer.stop();
    if (welcome.yourId != m_identity.id()) {
        lose(QStringLiteral("the server sees us as %1, not %2")
                 .arg(welcome.yourId.shortString(), m_identity.id().shortString()));
        return;
    }
    m_registered = true;
    m_failures = 0;
    m_roundStart = m_serverIndex;
    m_reportedDown = false;
    m_lastError.clear();
    m_observed = welcome.observed;
    m_relayAvailable = welcome.relayAvailable;
    m_serverUpgrades = welcome.upgrades;
    const qint64 interval = welcome.keepaliveMs > 0
        ? std::min<qint64>(welcome.keepaliveMs, m_config.keepaliveInterval.count())
        : m_config.keepaliveInterval.count();
    m_keepaliveTimer.start(int(std::max<qint64>(interval, 10)));
    m_deadTimer.start(m_keepaliveTimer.interval() * 3);
    m_peers.clear();
    m_peersComplete = true;
    const QString dialled = dialledServer().host;
    qCInfo(lcNet).noquote() << "registered with server" << m_serverId.shortString() << "at"
                            << currentServer().toString()
            + (dialled != currentServer().host ? QStringLiteral(" (%1)").arg(dialled) : QString())
                            << "as" << m_identity.id().shortString() << "- public endpoint"
                            << m_observed.toString() << "from local port" << m_localPort;
    if (m_mapped.isValid())
        send(Mapped {m_mapped, m_mapper});
    finishClaim({});
    m_claimed = {}; // the server forgot it with our last registration
    if (welcome.claimAt.isValid())
        claimAddress(welcome.claimAt, welcome.claimToken);
    Q_EMIT registered();
}

void ControlClient::claimAddress(const Endpoint &at, const QByteArray &token)
{
    QString error;
    // From P, the port the punch listens on and dials from in both families.
    const qintptr fd = ReusableSocket::createBound(QHostAddress::AnyIPv6, m_localPort, &error);
    auto *socket = new QTcpSocket(this);
    if (fd < 0 || !ReusableSocket::adoptBound(*socket, fd, &error)) {
        qCInfo(lcNet).noquote() << "no IPv6 address claim:" << error;
        delete socket;
        return;
    }
    m_claim = socket;
    const auto notifiers = socket->findChildren<QSocketNotifier *>();
    for (QSocketNotifier *n : notifiers) // as for the control socket: no reads before connected
        if (n->type() == QSocketNotifier::Read)
            n->setEnabled(false);
    connect(socket, &QAbstractSocket::connected, this,
        [socket, token] { socket->write(RelayJoin::encodeClaim(token)); });
    connect(socket, &QIODevice::readyRead, this, [this, socket] {
        const bool taken = socket->read(1) == QByteArray(1, RelayJoin::kPaired);
        const Endpoint claimed {socket->localAddress(), socket->localPort()};
        if (taken)
            qCInfo(lcNet).noquote() << "also registered over IPv6 as" << claimed.toString();
        else
            qCInfo(lcNet).noquote() << "the server refused our IPv6 address claim";
        finishClaim(taken ? claimed : Endpoint {});
    });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, socket] {
        qCInfo(lcNet).noquote() << "no IPv6 path to the server:" << socket->errorString();
        finishClaim({});
    });
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, this, [this] {
        qCInfo(lcNet).noquote() << "no IPv6 path to the server: no answer to our address claim";
        finishClaim({});
    });
    deadline->start(m_config.requestTimeout);
    socket->connectToHost(at.address, at.port);
}

void ControlClient::finishClaim(const Endpoint &claimed)
{
    if (claimed.isValid())
        m_claimed = claimed;
    QTcpSocket *socket = std::exchange(m_claim, nullptr);
    if (!socket)
        return;
    socket->disconnect(this);
    const auto notifiers = socket->findChildren<QSocketNotifier *>();
    for (QSocketNotifier *n : notifiers)
        n->setEnabled(false);
    socket->deleteLater(); // often inside one of its own signals
    Q_EMIT claimSettled();
}

void ControlClient::on(const Peers &peers)
{
    if (m_peersComplete)
        m_peers.clear();
    for (const PeerEntry &e : peers.peers) {
        if (e.id == m_identity.id())
            continue;
        m_peers.insert(e.id, infoOf(e));
    }
    m_peersComplete = !peers.more;
    Q_EMIT peersChanged();
}

void ControlClient::on(const PeerJoined &joined)
{
    if (joined.peer.id == m_identity.id())
        return;
    m_peers.insert(joined.peer.id, infoOf(joined.peer));
    Q_EMIT peersChanged();
}

void ControlClient::on(const PeerLeft &left)
{
    if (m_peers.remove(left.id))
        Q_EMIT peersChanged();
}

void ControlClient::on(const Go &received)
{
    Go go = received;
    go.receivedAt = std::chrono::steady_clock::now(); // start_in_ms counts from here
    if (!go.initiator) {
        Q_EMIT goReceived(go);
        return;
    }
    if (m_pendingRequests.remove(go.requestId))
        Q_EMIT connectReplyReceived(go.requestId, ConnectReply {go, {}, {}});
    else
        qCInfo(lcNet) << "ignoring go for request" << go.requestId << "(timed out)";
}

void ControlClient::on(const WatchLimited &limited)
{
    qCWarning(lcNet).noquote() << "the server shows the presence of only" << limited.kept << "of"
                               << limited.asked << "contacts:" << limited.message;
}

void ControlClient::on(const LookupResult &result)
{
    Wakeup *waiter = m_lookupWaiters.value(result.requestId);
    if (!waiter)
        return; // timed out already
    LookupReply reply;
    reply.code = result.code;
    reply.message = result.message;
    for (const PeerEntry &e : result.peers)
        if (e.id != m_identity.id())
            reply.peers.append(infoOf(e));
    m_lookupReplies.insert(result.requestId, reply);
    waiter->wake();
}

void ControlClient::on(const ConnectError &refusal)
{
    if (m_pendingRequests.remove(refusal.requestId))
        Q_EMIT connectReplyReceived(
            refusal.requestId, ConnectReply {std::nullopt, refusal.code, refusal.message});
}

void ControlClient::on(const Ping &ping)
{
    send(Pong {ping.nonce});
}

void ControlClient::on(const Pong &pong)
{
    const auto it = m_pings.constFind(pong.nonce);
    if (it != m_pings.cend()) {
        qCDebug(lcNet) << "server rtt" << m_clock.elapsed() - it.value() << "ms";
        m_pings.remove(pong.nonce);
    }
}

void ControlClient::on(const Error &error)
{
    m_lastError = errorText(error);
    if (error.code == ServerError::Replaced) {
        // Another process with our identity registered; reconnecting would only start a
        // tug of war between the two.
        qCWarning(lcNet).noquote() << "another instance of this device registered with the server;"
                                   << "not reconnecting";
        m_running = false;
    }
    lose(QStringLiteral("server error ") + m_lastError);
}

void ControlClient::lose(const QString &reason)
{
    if (!m_socket && !m_link)
        return;
    if (m_link) {
        // Often inside one of the link's own signals: delete it on the next event loop pass.
        ControlLink *link = m_link;
        m_link = nullptr;
        link->disconnect(this);
        link->deleteLater();
    }
    if (QTcpSocket *socket = m_socket) {
        m_socket = nullptr;
        socket->disconnect(this);
        // A refused connect leaves Qt's socket engine with its bound descriptor and an armed
        // read notifier ("QNativeSocketEngine::read() was called not in ConnectedState");
        // silence it until the socket is deleted.
        const auto notifiers = socket->findChildren<QSocketNotifier *>();
        for (QSocketNotifier *n : notifiers)
            n->setEnabled(false);
        // Not abort() here: this often runs inside one of the socket's own signals. Deleting it
        // on the next event loop pass closes it.
        socket->deleteLater();
    }
    m_connectTimer.stop();
    m_keepaliveTimer.stop();
    m_deadTimer.stop();
    m_pings.clear();
    finishClaim({});
    m_claimed = {};
    const bool wasRegistered = m_registered;
    m_registered = false;
    if (m_lastError.isEmpty() || wasRegistered)
        m_lastError = reason;
    if (!m_peers.isEmpty()) {
        m_peers.clear();
        Q_EMIT peersChanged();
    }
    for (auto it = m_lookupWaiters.cbegin(); it != m_lookupWaiters.cend(); ++it) {
        m_lookupReplies.insert(it.key(),
            LookupReply {
                {}, LookupStatus::ConnectionLost, QStringLiteral("lost the server: ") + reason});
        it.value()->wake();
    }
    const auto pending = m_pendingRequests;
    m_pendingRequests.clear();
    for (quint32 id : pending)
        Q_EMIT connectReplyReceived(id,
            ConnectReply {std::nullopt, ConnectFailure::ConnectionLost,
                QStringLiteral("lost the server: ") + reason});
    if (wasRegistered || !m_reportedDown) {
        qCInfo(lcNet).noquote() << "control connection to" << serverHost() << "lost:" << reason;
        m_reportedDown = true;
        Q_EMIT connectionLost(reason);
    }
    // A host name with several addresses: its next address, at once. Then (or else) a cluster:
    // the next server, at once, until the round is back where this outage began.
    bool soon = false;
    if (m_running && m_resolvedFor == currentServer() && m_addressIndex + 1 < m_addresses.size()) {
        ++m_addressIndex;
        qCInfo(lcNet).noquote() << "next address of" << currentServer().host << ":"
                                << m_addresses.at(m_addressIndex).toString();
        scheduleReconnect(true);
        return;
    }
    m_resolvedFor = {}; // resolved again for the next attempt
    m_addresses.clear();
    m_addressIndex = 0;
    if (m_running && !m_config.moreServers.isEmpty()) {
        m_serverIndex = (m_serverIndex + 1) % (m_config.moreServers.size() + 1);
        soon = m_serverIndex != m_roundStart;
        qCInfo(lcNet).noquote() << "next server:" << currentServer().toString();
    }
    scheduleReconnect(soon);
}

HostPort ControlClient::currentServer() const
{
    if (m_serverIndex == 0 || m_serverIndex > m_config.moreServers.size())
        return {m_config.host, m_config.port};
    return m_config.moreServers.at(m_serverIndex - 1);
}

void ControlClient::scheduleReconnect(bool soon)
{
    if (!m_running)
        return;
    if (soon) {
        m_reconnectTimer.start(int(std::max<qint64>(1, m_config.reconnectMin.count())));
        return;
    }
    const qint64 base = m_config.reconnectMin.count();
    const qint64 cap = std::max<qint64>(m_config.reconnectMax.count(), base);
    const qint64 exp = base << std::min(m_failures, 20);
    const qint64 delay = std::min(cap, exp);
    // ±20 % jitter so a server restart is not met by every client in the same millisecond.
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    ++m_failures;
    m_reconnectTimer.start(int(std::max<qint64>(1, qint64(double(delay) * jitter))));
}

QCoro::Task<bool> ControlClient::waitRegistered(std::chrono::milliseconds timeout)
{
    if (m_registered)
        co_return true;
    const auto result = co_await qCoro(this, &ControlClient::registered, timeout);
    co_return result.has_value() && m_registered;
}

void ControlClient::setNatType(const QString &natType)
{
    m_natType = natType.left(ControlProtocol::kMaxTextLength);
    if (m_registered)
        send(Nat {m_natType});
}

void ControlClient::setPortMapping(const Endpoint &external, PortMapProtocol protocol)
{
    if (external == m_mapped && protocol == m_mapper)
        return;
    m_mapped = external;
    m_mapper = external.isValid() ? protocol : PortMapProtocol::None;
    if (m_registered)
        send(Mapped {m_mapped, m_mapper});
}

void ControlClient::setPortMappingPending(bool pending)
{
    if (pending == m_mappingPending)
        return;
    m_mappingPending = pending;
    if (!pending)
        Q_EMIT portMappingSettled();
}

void ControlClient::setWatchList(const QList<DeviceId> &ids)
{
    QList<DeviceId> unique;
    QSet<DeviceId> seen;
    for (const DeviceId &id : ids) {
        if (id.isNull() || id == m_identity.id() || seen.contains(id))
            continue;
        if (unique.size() == ControlProtocol::kMaxWatch) {
            qCWarning(lcNet) << "watch list truncated to" << ControlProtocol::kMaxWatch
                             << "devices";
            break;
        }
        seen.insert(id);
        unique.append(id);
    }
    if (unique == m_watch)
        return;
    m_watch = unique;
    if (m_registered)
        send(Watch {m_watch});
}

QCoro::Task<LookupReply> ControlClient::lookup(
    const QString &query, std::chrono::milliseconds timeout)
{
    if (timeout.count() <= 0)
        timeout = m_config.requestTimeout;
    if (!m_registered)
        co_return LookupReply {
            {}, LookupStatus::NotRegistered, QStringLiteral("not registered with the server")};
    const quint32 id = ++m_nextRequestId;
    // Waiting before sending: lose() answers every waiter, even one whose send failed.
    QPointer<ControlClient> self(this);
    auto waiting = awaitReply(this, m_lookupReplies, m_lookupWaiters, id, timeout);
    send(Lookup {id, query.trimmed().left(ControlProtocol::kMaxTextLength)});
    const std::optional<LookupReply> reply = co_await waiting;
    if (reply)
        co_return *reply;
    if (!self)
        co_return LookupReply {{}, LookupStatus::ConnectionLost,
            QStringLiteral("the connection to the server was closed")};
    co_return LookupReply {{}, LookupStatus::Timeout,
        QStringLiteral("the server did not answer the lookup within %1 ms").arg(timeout.count())};
}

QCoro::Task<ConnectReply> ControlClient::requestConnect(const DeviceId &target, ConnectMode mode,
    std::chrono::milliseconds timeout, const QByteArray &upgrade)
{
    if (!m_registered)
        co_return ConnectReply {std::nullopt, ConnectFailure::NotRegistered,
            QStringLiteral("not registered with the server")};
    const quint32 id = ++m_nextRequestId;
    m_pendingRequests.insert(id);
    QPointer<ControlClient> self(this);
    auto waiting = awaitReply(this, m_replies, m_replyWaiters, id, timeout);
    send(Connect {id, target, mode, upgrade});
    const std::optional<ConnectReply> reply = co_await waiting;
    if (reply)
        co_return *reply;
    if (!self)
        co_return ConnectReply {std::nullopt, ConnectFailure::ConnectionLost,
            QStringLiteral("the connection to the server was closed")};
    m_pendingRequests.remove(id);
    co_return ConnectReply {std::nullopt, ConnectFailure::Timeout,
        QStringLiteral("the server did not answer within %1 ms").arg(timeout.count())};
}

void ControlClient::reportOutcome(const QByteArray &sessionId, OutcomeKind kind, PathKind path,
    qint64 timeMs, const QString &reason)
{
    send(Outcome {sessionId, kind, path, timeMs, reason.left(ControlProtocol::kMaxTextLength)});
}

} // namespace PunchDrop
