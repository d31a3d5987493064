// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/lyingrendezvous.h"

#include "net/security/controllink.h"
#include "net/wire/controlprotocol.h"
#include "net/wire/peerresolver.h"
#include "net/wire/relayjoin.h"

#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>

namespace PunchDrop::Test {

using namespace Control;

LyingRendezvous::LyingRendezvous(const DeviceIdentity &identity, QObject *parent)
    : QObject(parent)
    , m_identity(identity)
    , m_tls(ControlLinkContext::Role::Server, identity)
    , m_relay(RelayHubConfig {})
{
    connect(&m_tcp, &QTcpServer::newConnection, this, &LyingRendezvous::onNewConnection);
}

LyingRendezvous::~LyingRendezvous()
{
    for (const auto &client : m_clients)
        if (client->link)
            client->link->disconnect(this);
    m_relay.closeAll();
}

bool LyingRendezvous::listen(QString *error)
{
    if (m_tcp.listen(QHostAddress::LocalHost, 0))
        return true;
    *error = m_tcp.errorString();
    return false;
}

void LyingRendezvous::onNewConnection()
{
    while (QTcpSocket *socket = m_tcp.nextPendingConnection()) {
        // The first byte tells a relay join ("PDRL…") from a TLS ClientHello, as on the real port.
        connect(socket, &QIODevice::readyRead, this, [this, socket] { sniff(socket); });
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void LyingRendezvous::sniff(QTcpSocket *socket)
{
    char first = 0;
    if (socket->peek(&first, 1) != 1)
        return;
    socket->disconnect(); // from here the hub or the link owns it (and its lifetime)
    if (first == RelayJoin::kMagic[0]) {
        m_relay.acceptJoin(socket);
        return;
    }
    auto client = std::make_unique<Client>();
    Client *c = client.get();
    c->link = new ControlLink(m_tls, socket, this);
    c->observed = {socket->peerAddress(), socket->peerPort()};
    connect(c->link, &ControlLink::plaintextReady, this,
        [this, c](const QByteArray &plaintext) { onPlaintext(c, plaintext); });
    connect(c->link, &ControlLink::closed, this, [this, c] { drop(c); });
    m_clients.push_back(std::move(client));
    // The ClientHello is already buffered: let the link read it.
    QTimer::singleShot(0, socket, [socket] { Q_EMIT socket->readyRead(); });
}

void LyingRendezvous::drop(Client *client)
{
    if (client->registered && m_byId.value(client->id) == client)
        m_byId.remove(client->id);
    client->registered = false;
    if (client->link) {
        client->link->disconnect(this);
        client->link->deleteLater();
        client->link = nullptr;
    }
}

void LyingRendezvous::send(Client *client, const ControlMessage &message)
{
    if (client->link)
        client->link->write(ControlProtocol::encode(message));
}

void LyingRendezvous::onPlaintext(Client *client, const QByteArray &plaintext)
{
    client->buffer += plaintext;
    while (client->link) {
        const ControlProtocol::ParseResult r = ControlProtocol::parse(client->buffer);
        if (r.status != ControlProtocol::Status::Ok) {
            if (r.status == ControlProtocol::Status::Malformed)
                client->link->abort();
            return;
        }
        client->buffer.remove(0, r.consumed);
        handle(client, r.message);
    }
}

void LyingRendezvous::handle(Client *client, const ControlMessage &message)
{
    if (const auto *hello = std::get_if<Hello>(&message)) {
        client->id = client->link->peerId();
        client->name = hello->name;
        client->registered = true;
        m_byId.insert(client->id, client);
        Welcome welcome;
        welcome.version = ControlProtocol::kVersion;
        welcome.yourId = client->id;
        welcome.observed = client->observed;
        welcome.relayAvailable = true;
        welcome.serverId = m_identity.id();
        welcome.keepaliveMs = 15000;
        send(client, welcome);
        send(client, Peers {});
        Q_EMIT clientRegistered(client->id);
    } else if (!client->registered) {
        return;
    } else if (const auto *ping = std::get_if<Ping>(&message)) {
        send(client, Pong {ping->nonce});
    } else if (const auto *lookup = std::get_if<Lookup>(&message)) {
        lookUp(client, *lookup);
    } else if (const auto *connect = std::get_if<Connect>(&message)) {
        introduce(client, *connect);
    } // nat, watch, outcome, pong: nothing to do for a liar
}

void LyingRendezvous::lookUp(Client *client, const Lookup &request)
{
    PeerResolver resolver(request.query);
    for (const Client *c : std::as_const(m_byId))
        if (c != client)
            resolver.consider(PeerInfo {c->id, c->name, PeerInfo::Source::Server, true, {}, {}});
    const PeerResolver::Result r = resolver.result();
    LookupResult answer;
    answer.requestId = request.requestId;
    answer.code = r.ok()                          ? LookupStatus::Ok
        : r.code == PeerResolver::Code::Ambiguous ? LookupStatus::Ambiguous
                                                  : LookupStatus::NotFound;
    answer.message = r.error;
    for (const PeerInfo &p : r.candidates)
        answer.peers.append({p.id, p.name, {}});
    send(client, answer);
}

void LyingRendezvous::introduce(Client *initiator, const Connect &request)
{
    const Lie lie = m_lies.value(request.target, Lie {request.target});
    Client *reached = m_byId.value(lie.reached);
    if (!reached || reached == initiator) {
        send(initiator,
            ConnectError {request.requestId, ConnectFailure::Offline,
                QStringLiteral("device %1 is not online").arg(request.target.shortString())});
        return;
    }
    const Client *asked = m_byId.value(request.target);
    const QByteArray token = lie.relay
        ? m_relay.createToken(QStringLiteral("lie"), RelayOwner {initiator->id, {}})
        : QByteArray();
    QByteArray session(ControlProtocol::kSessionIdSize, Qt::Uninitialized);
    for (char &b : session)
        b = char(QRandomGenerator::global()->bounded(256));

    Go toInitiator;
    toInitiator.requestId = request.requestId;
    toInitiator.sessionId = session;
    toInitiator.initiator = true;
    toInitiator.peer = lie.nameReached ? reached->id : request.target;
    toInitiator.peerName = lie.nameReached ? reached->name : (asked ? asked->name : QString());
    toInitiator.peerPublic = reached->observed;
    toInitiator.punch = lie.punch && request.mode != ConnectMode::RelayOnly;
    toInitiator.relayToken = request.mode == ConnectMode::DirectOnly ? QByteArray() : token;
    toInitiator.startInMs = 20;
    toInitiator.rttMs = 1;

    Go toReached = toInitiator;
    toReached.requestId = 0;
    toReached.initiator = false;
    toReached.peer = initiator->id;
    toReached.peerName = initiator->name;
    toReached.peerPublic = initiator->observed;

    send(reached, toReached);
    send(initiator, toInitiator);
    Q_EMIT introduced(initiator->id, toInitiator.peer, reached->id);
}

} // namespace PunchDrop::Test
