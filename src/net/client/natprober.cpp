// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/natprober.h"

#include "core/logging.h"
#include "net/wire/stunmessage.h"

#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QUdpSocket>

#include <qcorosignal.h>

#include <optional>

namespace PunchDrop {

namespace {

using namespace std::chrono;

struct Answer
{
    StunMessage message;
    Endpoint from; //!< where the answer came from
    milliseconds rtt; //!< from the first send to the answer (an upper bound of the RTT)
};

std::optional<Endpoint> mappedOf(const StunMessage &m)
{
    if (m.xorMappedAddress)
        return m.xorMappedAddress;
    return m.mappedAddress;
}

Endpoint normalised(Endpoint e)
{
    bool isV4 = false;
    const quint32 v4 = e.address.toIPv4Address(&isV4);
    if (isV4 && e.address.protocol() == QAbstractSocket::IPv6Protocol)
        e.address = QHostAddress(v4);
    return e;
}

/*!
 * One STUN transaction: sends \a request to \a to, retransmitting with a doubling timeout, and
 * returns the first response with the same transaction ID (success or error class).
 */
QCoro::Task<std::optional<Answer>> transact(
    QUdpSocket &socket, Endpoint to, StunMessage request, NatProbeConfig config)
{
    const QByteArray bytes = request.encode();
    const auto start = steady_clock::now();
    milliseconds wait = std::max(config.rto, milliseconds(1));
    const int attempts = std::max(config.attempts, 1);
    for (int attempt = 0; attempt < attempts; ++attempt, wait *= 2) {
        if (socket.writeDatagram(bytes, to.address, to.port) != bytes.size())
            qCDebug(lcNet).noquote()
                << "STUN probe: send to" << to.toString() << "failed:" << socket.errorString();
        const auto deadline = steady_clock::now() + wait;
        for (;;) {
            while (socket.hasPendingDatagrams()) {
                const QNetworkDatagram datagram = socket.receiveDatagram();
                const auto parsed = StunMessage::parse(datagram.data());
                if (!parsed.ok()) {
                    qCDebug(lcNet).noquote() << "STUN probe: ignored datagram:" << parsed.error;
                    continue;
                }
                const StunMessage &m = parsed.message;
                if (!m.isBindingResponse() || !m.hasMagicCookie()
                    || m.transactionId != request.transactionId)
                    continue; // a late answer to an earlier request, or someone else's
                co_return Answer {m,
                    normalised({datagram.senderAddress(), quint16(datagram.senderPort())}),
                    duration_cast<milliseconds>(steady_clock::now() - start)};
            }
            const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
            if (left.count() <= 0)
                break;
            if (!co_await qCoro(&socket, &QUdpSocket::readyRead, left))
                break; // this attempt timed out
        }
    }
    co_return std::nullopt;
}

bool isLocalEndpoint(const Endpoint &mapped, quint16 localPort)
{
    if (mapped.port != localPort)
        return false;
    const auto local = QNetworkInterface::allAddresses();
    for (const QHostAddress &a : local) {
        if (normalised({a, 1}).address == mapped.address)
            return true;
    }
    return false;
}

/*!
 * The filtering test from its own fresh socket: a Binding request to the primary port with
 * CHANGE-REQUEST(change port). This socket never sends to the alternate port, so an answer from
 * there is unsolicited as far as the NAT knows.
 */
QCoro::Task<NatType::Filtering> probeFiltering(
    Endpoint primary, quint16 altPort, NatProbeConfig config)
{
    QUdpSocket socket;
    const bool v6 = primary.address.protocol() == QAbstractSocket::IPv6Protocol;
    if (!socket.bind(v6 ? QHostAddress::AnyIPv6 : QHostAddress::AnyIPv4, 0))
        co_return NatType::Filtering::Unknown;
    StunMessage changePort = StunMessage::bindingRequest();
    changePort.changeRequest = StunMessage::kChangePortFlag;
    const auto answer = co_await transact(socket, primary, changePort, config);
    if (!answer)
        co_return NatType::Filtering::AddressAndPortDependent;
    if (answer->message.messageClass == StunMessage::Class::SuccessResponse
        && answer->from.port == altPort)
        co_return NatType::Filtering::AddressDependent;
    // An error answer, or one from the wrong port: the server did not honour change-port.
    qCInfo(lcNet).noquote() << "STUN probe: server did not honour CHANGE-REQUEST(port)";
    co_return NatType::Filtering::Unknown;
}

} // namespace

QCoro::Task<NatType> probeNat(
    QHostAddress server, quint16 primaryPort, quint16 altPort, NatProbeConfig config)
{
    NatType result;
    server = normalised({server, 1}).address;
    QUdpSocket socket;
    const bool v6 = server.protocol() == QAbstractSocket::IPv6Protocol;
    if (!socket.bind(v6 ? QHostAddress::AnyIPv6 : QHostAddress::AnyIPv4, 0)) {
        qCWarning(lcNet).noquote()
            << "STUN probe: cannot bind a UDP socket:" << socket.errorString();
        co_return result;
    }
    const quint16 localPort = socket.localPort();
    const Endpoint primary {server, primaryPort};
    const Endpoint alt {server, altPort};

    // 1. Where does the primary port see us?
    const auto first = co_await transact(socket, primary, StunMessage::bindingRequest(), config);
    if (!first || first->message.messageClass != StunMessage::Class::SuccessResponse
        || !mappedOf(first->message)) {
        qCInfo(lcNet).noquote() << "STUN probe: no answer from" << primary.toString()
                                << "- NAT type unknown";
        co_return result;
    }
    result.publicUdp = normalised(*mappedOf(first->message));
    const bool open = isLocalEndpoint(result.publicUdp, localPort);

    // 2. Filtering, from a second socket, started now and running alongside 3. Its answer comes
    //    back after about one RTT or never, so its timeout follows the RTT just measured.
    NatProbeConfig filterConfig = config;
    const milliseconds floor = std::max(config.filteringRtoMin, milliseconds(1));
    filterConfig.rto = std::clamp(2 * first->rtt, floor, std::max(config.rto, floor));
    QCoro::Task<NatType::Filtering> filtering = probeFiltering(primary, altPort, filterConfig);

    // 3. Mapping: does the alternate port see the same public endpoint?
    if (open) {
        result.mapping = NatType::Mapping::None;
    } else {
        const auto third = co_await transact(socket, alt, StunMessage::bindingRequest(), config);
        if (third && third->message.messageClass == StunMessage::Class::SuccessResponse
            && mappedOf(third->message)) {
            const Endpoint other = normalised(*mappedOf(third->message));
            result.mapping = other == result.publicUdp ? NatType::Mapping::EndpointIndependent
                                                       : NatType::Mapping::Dependent;
            // A new port a little above the first (the filtering probe's socket may have taken
            // one in between): a NAT that counts its ports up.
            const int step = (int(other.port) - int(result.publicUdp.port) + 65536) % 65536;
            result.sequential = result.mapping == NatType::Mapping::Dependent
                && other.address == result.publicUdp.address && step >= 1
                && step <= NatType::kSequentialStep;
        } else {
            qCInfo(lcNet).noquote() << "STUN probe: no answer from" << alt.toString();
        }
    }
    result.filtering = co_await filtering;
    qCDebug(lcNet).noquote() << "STUN probe: NAT type" << result.toString() << "public UDP"
                             << result.publicUdp.toString();
    co_return result;
}

} // namespace PunchDrop
