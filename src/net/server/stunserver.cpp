// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/stunserver.h"

#include "core/addressprefix.h"
#include "core/logging.h"
#include "core/ratelimiter.h"
#include "net/wire/stunmessage.h"

#include <QNetworkDatagram>
#include <QUdpSocket>

#include <functional>

namespace PunchDrop {

StunServer::StunServer(QObject *parent)
    : QObject(parent)
{
    m_clock.start();
    setRatePerSource(kDefaultRatePerSource);
}

void StunServer::setRatePerSource(int datagramsPerSecond)
{
    if (datagramsPerSecond > 0)
        m_limiter = std::make_unique<RateLimiter>(datagramsPerSecond);
    else
        m_limiter.reset();
}

StunServer::~StunServer() = default;

bool StunServer::listen(
    const QHostAddress &address, quint16 primaryPort, quint16 altPort, QString *error)
{
    close();
    auto fail = [&](const QString &message) {
        close();
        if (error)
            *error = message;
        return false;
    };
    if (primaryPort != 0 && primaryPort == altPort)
        return fail(QStringLiteral("the STUN primary and alternate ports must differ (both %1)")
                        .arg(primaryPort));
    const quint16 ports[2] = {primaryPort, altPort};
    for (int i = 0; i < 2; ++i) {
        auto *socket = new QUdpSocket(this);
        m_sockets[i] = socket;
        if (!socket->bind(address, ports[i]))
            return fail(QStringLiteral("cannot bind UDP %1 port %2 on %3: %4")
                            .arg(i == 0 ? QStringLiteral("primary") : QStringLiteral("alternate"))
                            .arg(ports[i])
                            .arg(address.toString(), socket->errorString()));
        connect(socket, &QUdpSocket::readyRead, this, [this, i] { readPending(i); });
    }
    m_address = address;
    qCDebug(lcNet).noquote() << "STUN listening on UDP" << address.toString() << "ports"
                             << this->primaryPort() << "and" << this->altPort();
    return true;
}

void StunServer::close()
{
    for (QUdpSocket *&socket : m_sockets) {
        delete socket; // owned; nothing awaits the server's sockets
        socket = nullptr;
    }
    m_address = QHostAddress();
}

bool StunServer::isListening() const
{
    return m_sockets[0] && m_sockets[1];
}

quint16 StunServer::primaryPort() const
{
    return m_sockets[0] ? m_sockets[0]->localPort() : 0;
}

quint16 StunServer::altPort() const
{
    return m_sockets[1] ? m_sockets[1]->localPort() : 0;
}

void StunServer::readPending(int index)
{
    QUdpSocket *socket = m_sockets[index];
    while (socket && socket->hasPendingDatagrams()) {
        const qint64 size = socket->pendingDatagramSize();
        if (size > kMaxDatagramSize) {
            // Read a little (to consume it) but never buffer the whole of an oversized datagram.
            const QNetworkDatagram skipped = socket->receiveDatagram(kMaxDatagramSize);
            ++m_dropped;
            const QString reason = QStringLiteral("oversized datagram (%1 bytes) from %2")
                                       .arg(size)
                                       .arg(skipped.senderAddress().toString());
            qCDebug(lcNet).noquote() << "STUN: dropped" << reason;
            Q_EMIT datagramDropped(reason);
            continue;
        }
        handle(index, socket->receiveDatagram());
        socket = m_sockets[index]; // a slot connected to our signals may have closed us
    }
}

void StunServer::handle(int index, const QNetworkDatagram &datagram)
{
    if (!datagram.isValid())
        return;
    const Endpoint sender {datagram.senderAddress(), quint16(datagram.senderPort())};
    auto drop = [&](const QString &why) {
        ++m_dropped;
        const QString reason = why + QStringLiteral(" from ") + sender.toString();
        qCDebug(lcNet).noquote() << "STUN: dropped" << reason;
        Q_EMIT datagramDropped(reason);
    };

    if (m_limiter && !m_limiter->allow(AddressPrefix::of(sender.address), m_clock.elapsed()))
        return drop(QStringLiteral("over the per-source rate limit"));

    const StunMessage::ParseResult parsed = StunMessage::parse(datagram.data());
    if (!parsed.ok())
        return drop(QStringLiteral("malformed STUN (") + parsed.error + QLatin1Char(')'));
    const StunMessage &request = parsed.message;
    if (!request.isRequest())
        return drop(QStringLiteral("STUN message that is not a request"));

    // The address the client sent to (Qt reads it with IP_PKTINFO); matters when bound to Any.
    QHostAddress local = datagram.destinationAddress();
    if (local.isNull())
        local = m_address;

    auto errorReply = [&](int code, const QString &reason, QList<quint16> unknown = {}) {
        StunMessage reply = StunMessage::responseTo(request, StunMessage::Class::ErrorResponse);
        reply.error = StunMessage::Error {code, reason};
        reply.unknownAttributes = std::move(unknown);
        reply.software = m_software;
        reply.fingerprint = request.hasMagicCookie();
        ++m_errors;
        QStringList names;
        for (const quint16 t : reply.unknownAttributes)
            names.append(StunMessage::attributeName(t));
        qCDebug(lcNet).noquote() << "STUN: error" << code << reason << names.join(u',') << "to"
                                 << sender.toString();
        send(index, reply, sender, datagram.data().size());
    };

    if (request.method != StunMessage::kMethodBinding)
        return errorReply(400, QStringLiteral("Bad Request: only Binding is supported"));
    if (!request.unknownRequired.isEmpty())
        return errorReply(420, QStringLiteral("Unknown Attribute"), request.unknownRequired);
    if (request.changeIpRequested()) {
        // One address: "change IP" cannot be honoured (RFC 5780 §6.1: answer 420).
        return errorReply(420, QStringLiteral("Unknown Attribute: this server has one IP address"),
            {quint16(StunMessage::ChangeRequest)});
    }

    if (request.responsePort && *request.responsePort == 0)
        return errorReply(400, QStringLiteral("Bad Request: RESPONSE-PORT 0"));

    const int from = request.changePortRequested() ? 1 - index : index;
    StunMessage reply = StunMessage::responseTo(request, StunMessage::Class::SuccessResponse);
    if (request.hasMagicCookie())
        reply.xorMappedAddress = sender;
    else
        reply.mappedAddress = sender; // RFC 3489 client
    reply.responseOrigin = Endpoint {local, m_sockets[from]->localPort()};
    reply.otherAddress = Endpoint {local, m_sockets[1 - index]->localPort()};
    reply.software = m_software;
    reply.fingerprint = request.hasMagicCookie();
    ++m_answered;
    qCDebug(lcNet).noquote() << "STUN: binding from" << sender.toString() << "answered from port"
                             << m_sockets[from]->localPort();
    // RESPONSE-PORT (RFC 5780 §7.5): the answer goes to another port of the same client address.
    send(from, reply, Endpoint {sender.address, request.responsePort.value_or(sender.port)},
        datagram.data().size());
    Q_EMIT requestAnswered();
}

QByteArray StunServer::fitted(StunMessage reply, qsizetype requestSize)
{
    // A spoofed request must not buy a larger answer (traffic amplification): optional parts go,
    // least useful first, until the answer is no larger than the request. The mapped address
    // (and an error's code) always stays, so the smallest answer is 32 bytes for a 20-byte
    // request; a client that wants everything pads its request (PADDING, RFC 5780 §7.6).
    QByteArray bytes = reply.encode();
    const std::function<void()> cuts[] = {
        [&] { reply.software.clear(); },
        [&] { reply.fingerprint = false; },
        [&] { reply.otherAddress.reset(); },
        [&] { reply.responseOrigin.reset(); },
        [&] {
            if (reply.error)
                reply.error->reason.clear();
        },
    };
    for (const auto &cut : cuts) {
        if (bytes.size() <= requestSize)
            break;
        cut();
        bytes = reply.encode();
    }
    return bytes;
}

void StunServer::send(
    int fromIndex, const StunMessage &reply, const Endpoint &to, qsizetype requestSize)
{
    QUdpSocket *socket = m_sockets[fromIndex];
    if (!socket)
        return;
    const QByteArray bytes = fitted(reply, requestSize);
    if (socket->writeDatagram(bytes, to.address, to.port) != bytes.size())
        qCWarning(lcNet).noquote()
            << "STUN: cannot answer" << to.toString() << ":" << socket->errorString();
}

} // namespace PunchDrop
