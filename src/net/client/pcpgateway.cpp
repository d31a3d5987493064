// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/pcpgateway.h"

#include "net/wire/pcpmessage.h"

#include <natpmp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <QHostAddress>
#include <QRandomGenerator>

#include <algorithm>
#include <cerrno>
#include <optional>

namespace PunchDrop {

namespace {

//! The PCP server: \a override, or the default gateway (IPv4, as libnatpmp finds it) at port
//! 5351; invalid when there is no gateway.
Endpoint pcpServer(const Endpoint &override)
{
    if (override.isValid())
        return override;
    natpmp_t natpmp {};
    if (initnatpmp(&natpmp, 0, 0) < 0)
        return {};
    const in_addr_t gateway = natpmp.gateway;
    closenatpmp(&natpmp);
    if (gateway == 0)
        return {};
    return {QHostAddress(ntohl(gateway)), PcpMapRequest::kServerPort};
}

//! A UDP socket connected to the gateway's PCP port, closed on every path.
class Socket
{
public:
    explicit Socket(const Endpoint &server)
    {
        m_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (m_fd < 0)
            return;
        sockaddr_in to {};
        to.sin_family = AF_INET;
        to.sin_port = htons(server.port);
        to.sin_addr.s_addr = htonl(server.address.toIPv4Address());
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~Socket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;

    bool ok() const { return m_fd >= 0; }

    //! The address the gateway sees as our source (the request must carry it, §8.1).
    QHostAddress localAddress() const
    {
        sockaddr_in self {};
        socklen_t length = sizeof self;
        if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&self), &length) != 0)
            return {};
        return QHostAddress(ntohl(self.sin_addr.s_addr));
    }

    /*!
     * Sends \a request, again after 250 ms, 500 ms, … (RFC 6887 §8.1.1 with a shorter start),
     * and returns the first well-formed MAP answer carrying \a nonce, or nothing within
     * \a timeout (or within kStopCheck of \a stop). An ICMP error (no PCP server) ends it at
     * once with \a refused set.
     */
    std::optional<PcpMapResponse> exchange(const QByteArray &request, const QByteArray &nonce,
        std::chrono::milliseconds timeout, bool *refused, QString *malformed,
        const std::stop_token &stop = {})
    {
        QElapsedTimer clock;
        clock.start();
        qint64 resendAt = 0;
        qint64 interval = 250;
        for (;;) {
            const qint64 now = clock.elapsed();
            if (now >= timeout.count() || stop.stop_requested())
                return std::nullopt;
            if (now >= resendAt) {
                if (::send(m_fd, request.constData(), size_t(request.size()), 0) < 0
                    && errno == ECONNREFUSED) {
                    *refused = true;
                    return std::nullopt;
                }
                resendAt = now + interval;
                interval *= 2;
            }
            pollfd fd {m_fd, POLLIN, 0};
            const qint64 wait = std::min({resendAt, qint64(timeout.count()),
                                    now + PortMapGateway::kStopCheck.count()})
                - clock.elapsed();
            if (::poll(&fd, 1, int(std::max<qint64>(wait, 1))) <= 0)
                continue;
            char buffer[1100]; // the largest PCP message is 1100 bytes (§7)
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n < 0) {
                if (errno == ECONNREFUSED) {
                    *refused = true;
                    return std::nullopt;
                }
                continue;
            }
            const PcpMapResponse::Parsed parsed
                = PcpMapResponse::parse(QByteArrayView(buffer, qsizetype(n)));
            if (!parsed.response) {
                *malformed = parsed.error;
                continue;
            }
            // An answer to an earlier request of ours (another nonce) is not this one's; an
            // error without opcode data (or UNSUPP_VERSION from NAT-PMP) cannot carry a nonce.
            if (!parsed.response->nonce.isEmpty() && parsed.response->nonce != nonce)
                continue;
            return parsed.response;
        }
    }

private:
    int m_fd = -1;
};

} // namespace

PcpGateway::PcpGateway(std::chrono::milliseconds requestTimeout, Endpoint server)
    : m_requestTimeout(requestTimeout)
    , m_server(std::move(server))
{ }

GatewayAnswer PcpGateway::map(
    quint16 internalPort, quint16 externalPort, std::chrono::seconds lease, std::stop_token stop)
{
    GatewayAnswer answer;
    const Endpoint server = pcpServer(m_server);
    if (!server.isValid()) {
        answer.error = QStringLiteral("PCP: no default gateway");
        return answer;
    }
    Socket socket(server);
    if (!socket.ok()) {
        answer.error = QStringLiteral("PCP: cannot open a socket to the gateway");
        return answer;
    }
    QByteArray &nonce = m_nonces[internalPort];
    if (nonce.size() != PcpMapRequest::kNonceSize) {
        nonce.resize(PcpMapRequest::kNonceSize);
        QRandomGenerator::system()->fillRange(
            reinterpret_cast<quint32 *>(nonce.data()), PcpMapRequest::kNonceSize / 4);
    }
    PcpMapRequest request;
    request.lifetime = quint32(lease.count());
    request.clientAddress = socket.localAddress();
    request.nonce = nonce;
    request.internalPort = internalPort;
    request.suggestedExternalPort = externalPort ? externalPort : internalPort;

    bool refused = false;
    QString malformed;
    const auto response
        = socket.exchange(request.encode(), nonce, m_requestTimeout, &refused, &malformed, stop);
    if (!response) {
        answer.error = stop.stop_requested() ? QStringLiteral("PCP: stopped")
            : refused                        ? QStringLiteral("PCP: the gateway has no PCP server")
            : !malformed.isEmpty()           ? malformed
                                   : QStringLiteral("PCP: the gateway did not answer in time");
        return answer;
    }
    if (response->result == PcpMapResponse::UnsupportedVersion) {
        answer.error = QStringLiteral("PCP: the gateway speaks only NAT-PMP");
        return answer;
    }
    if (response->result != PcpMapResponse::Success) {
        answer.error = QStringLiteral("PCP: the gateway refused the mapping: %1")
                           .arg(PcpMapResponse::resultName(response->result));
        return answer;
    }
    if (response->protocol != PcpMapRequest::kProtocolTcp
        || response->internalPort != internalPort) {
        answer.error = QStringLiteral("PCP: the answer maps another port or protocol");
        return answer;
    }
    const Endpoint external = response->external;
    bool v4 = false;
    const quint32 ip = external.address.toIPv4Address(&v4);
    if (!external.isValid() || (v4 && ip == 0) || external.address == QHostAddress::AnyIPv6) {
        answer.error = QStringLiteral("PCP: the gateway granted no usable address");
        return answer;
    }
    answer.external = external;
    answer.lease = std::chrono::seconds(response->lifetime);
    return answer;
}

bool PcpGateway::unmap(quint16 internalPort, quint16 externalPort)
{
    const auto it = m_nonces.constFind(internalPort);
    if (it == m_nonces.constEnd())
        return false; // never mapped by this client: nothing of ours to delete
    const QByteArray nonce = *it;
    m_nonces.remove(internalPort);
    const Endpoint server = pcpServer(m_server);
    if (!server.isValid())
        return false;
    Socket socket(server);
    if (!socket.ok())
        return false;
    PcpMapRequest request; // lifetime 0 deletes (§15)
    request.clientAddress = socket.localAddress();
    request.nonce = nonce;
    request.internalPort = internalPort;
    request.suggestedExternalPort = externalPort;
    bool refused = false;
    QString malformed;
    const auto response
        = socket.exchange(request.encode(), nonce, m_requestTimeout, &refused, &malformed);
    return response && response->result == PcpMapResponse::Success;
}

} // namespace PunchDrop
