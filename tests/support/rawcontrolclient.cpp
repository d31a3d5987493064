// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/rawcontrolclient.h"

#include "net/security/controllinkcontext.h"
#include "support/testhelpers.h"

#include <QDeadlineTimer>
#include <QTcpSocket>

namespace PunchDrop::Test {

using namespace Control;

RawControlClient::RawControlClient(quint16 port, const std::optional<DeviceIdentity> &as,
    const QString &sourceAddress, const QString &name)
    : identity(as ? *as : ephemeralIdentity())
    , m_name(name)
{
    ControlLinkContext::Options options;
    options.presentCertificate = as.has_value();
    const ControlLinkContext context(ControlLinkContext::Role::Client, identity, options);
    auto *tcp = new QTcpSocket;
    if (!sourceAddress.isEmpty() && !tcp->bind(QHostAddress(sourceAddress), 0))
        qWarning("RawControlClient: cannot bind %s: %s", qPrintable(sourceAddress),
            qPrintable(tcp->errorString()));
    tcp->connectToHost(QHostAddress::LocalHost, port);
    if (!tcp->waitForConnected(5000))
        qWarning("RawControlClient: cannot connect: %s", qPrintable(tcp->errorString()));
    link = std::make_unique<ControlLink>(context, tcp);
    QObject::connect(
        link.get(), &ControlLink::plaintextReady, link.get(), [this](const QByteArray &plaintext) {
            m_buffer += plaintext;
            for (;;) {
                const auto parsed = ControlProtocol::parse(m_buffer);
                if (parsed.status != ControlProtocol::Status::Ok)
                    break;
                m_buffer.remove(0, parsed.consumed);
                received.append(parsed.message);
            }
        });
}

bool RawControlClient::waitEncrypted(int timeoutMs)
{
    return QTest::qWaitFor([this] { return link->isEstablished(); }, timeoutMs);
}

bool RawControlClient::registerWith(
    const QList<DeviceId> &watch, const QList<Endpoint> &lan, const QString &nat)
{
    if (!waitEncrypted())
        return false;
    send(Hello {ControlProtocol::kVersion, m_name, lan, nat, watch, device});
    const auto welcome = next();
    if (!welcome || !std::holds_alternative<Welcome>(*welcome))
        return false;
    // Then the peers frames; the last one has more == false.
    const QDeadlineTimer deadline(5000);
    while (!deadline.hasExpired()) {
        const auto message = next(int(deadline.remainingTime()));
        if (!message)
            return false;
        if (const auto *peers = std::get_if<Peers>(&*message); peers && !peers->more)
            return true;
    }
    return false;
}

void RawControlClient::send(const ControlMessage &message)
{
    link->write(ControlProtocol::encode(message));
}

std::optional<ControlMessage> RawControlClient::next(int timeoutMs)
{
    m_read = std::min(m_read, received.size()); // `received` may have been cleared
    if (!QTest::qWaitFor([this] { return received.size() > m_read; }, timeoutMs))
        return std::nullopt;
    return received.at(m_read++);
}

std::optional<Error> RawControlClient::nextError(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        const auto message = next(int(deadline.remainingTime()));
        if (!message)
            return std::nullopt;
        if (const auto *error = std::get_if<Error>(&*message))
            return *error;
    }
    return std::nullopt;
}

bool RawControlClient::sync()
{
    const quint64 nonce = ++m_nonce;
    send(Ping {nonce});
    return QTest::qWaitFor(
        [&] {
            for (const ControlMessage &m : std::as_const(received))
                if (const auto *p = std::get_if<Pong>(&m); p && p->nonce == nonce)
                    return true;
            return false;
        },
        5000);
}

std::optional<LookupResult> RawControlClient::lookup(const QString &query)
{
    const quint32 req = ++m_request;
    send(Lookup {req, query});
    std::optional<LookupResult> result;
    static_cast<void>(QTest::qWaitFor(
        [&] {
            for (const ControlMessage &m : std::as_const(received))
                if (const auto *r = std::get_if<LookupResult>(&m); r && r->requestId == req) {
                    result = *r;
                    return true;
                }
            return false;
        },
        5000));
    return result;
}

void RawControlClient::clearReceived()
{
    received.clear();
    m_read = 0;
}

QSet<DeviceId> RawControlClient::initialPeers() const
{
    QSet<DeviceId> ids;
    for (const ControlMessage &m : received)
        if (const auto *p = std::get_if<Peers>(&m))
            for (const PeerEntry &e : p->peers)
                ids.insert(e.id);
    return ids;
}

QList<PeerEntry> RawControlClient::joined(const DeviceId &id) const
{
    QList<PeerEntry> result;
    for (const ControlMessage &m : received)
        if (const auto *j = std::get_if<PeerJoined>(&m); j && j->peer.id == id)
            result.append(j->peer);
    return result;
}

int RawControlClient::leftCount(const DeviceId &id) const
{
    int n = 0;
    for (const ControlMessage &m : received)
        if (const auto *l = std::get_if<PeerLeft>(&m); l && l->id == id)
            ++n;
    return n;
}

int RawControlClient::presenceCount() const
{
    int n = 0;
    for (const ControlMessage &m : received)
        if (std::holds_alternative<PeerJoined>(m) || std::holds_alternative<PeerLeft>(m))
            ++n;
    return n;
}

bool RawControlClient::waitClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return link->isClosed(); }, timeoutMs);
}

} // namespace PunchDrop::Test
