// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/natpmpgateway.h"

#include <natpmp.h>

#include <arpa/inet.h>

#include <QElapsedTimer>
#include <QHostAddress>

#include <sys/select.h>

#include <algorithm>
#include <functional>

namespace PunchDrop {

namespace {

//! One libnatpmp session (socket to the default gateway), closed on every path.
class Session
{
public:
    Session() { m_status = initnatpmp(&m_natpmp, 0, 0); }
    ~Session()
    {
        if (m_status >= 0)
            closenatpmp(&m_natpmp);
    }
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    bool ok() const { return m_status >= 0; }
    natpmp_t *get() { return &m_natpmp; }

    /*!
     * Sends with \a send, then reads the answer within \a timeout (libnatpmp's own retries
     * included), looking at \a stop every kStopCheck. Returns 0 and fills \a response, or
     * libnatpmp's error code (negative; NATPMP_TRYAGAIN when stopped too).
     */
    int request(const std::function<int(natpmp_t *)> &send, std::chrono::milliseconds timeout,
        natpmpresp_t *response, const std::stop_token &stop = {})
    {
        if (int r = send(&m_natpmp); r < 0)
            return r;
        QElapsedTimer clock;
        clock.start();
        for (;;) {
            const qint64 left = timeout.count() - clock.elapsed();
            if (left <= 0 || stop.stop_requested())
                return NATPMP_TRYAGAIN;
            timeval wait {};
            getnatpmprequesttimeout(&m_natpmp, &wait);
            const qint64 retryMs = qint64(wait.tv_sec) * 1000 + wait.tv_usec / 1000;
            const qint64 ms = std::clamp<qint64>(
                std::min<qint64>(retryMs, PortMapGateway::kStopCheck.count()), 1, left);
            wait.tv_sec = time_t(ms / 1000);
            wait.tv_usec = suseconds_t((ms % 1000) * 1000);
            fd_set fds;
            FD_ZERO(&fds);
            FD_SET(m_natpmp.s, &fds);
            select(m_natpmp.s + 1, &fds, nullptr, nullptr, &wait);
            const int r = readnatpmpresponseorretry(&m_natpmp, response);
            if (r != NATPMP_TRYAGAIN)
                return r;
        }
    }

private:
    natpmp_t m_natpmp {};
    int m_status = -1;
};

QString natPmpError(const char *what, int code)
{
    if (code == NATPMP_TRYAGAIN)
        return QStringLiteral("NAT-PMP %1: the gateway did not answer in time")
            .arg(QLatin1String(what));
    return QStringLiteral("NAT-PMP %1 failed (libnatpmp error %2)")
        .arg(QLatin1String(what))
        .arg(code);
}

} // namespace

NatPmpGateway::NatPmpGateway(std::chrono::milliseconds requestTimeout)
    : m_requestTimeout(requestTimeout)
{ }

GatewayAnswer NatPmpGateway::map(
    quint16 internalPort, quint16 externalPort, std::chrono::seconds lease, std::stop_token stop)
{
    GatewayAnswer answer;
    Session session;
    if (!session.ok()) {
        answer.error = QStringLiteral("NAT-PMP: no default gateway");
        return answer;
    }
    natpmpresp_t address {};
    int r = session.request(sendpublicaddressrequest, m_requestTimeout, &address, stop);
    if (stop.stop_requested()) {
        answer.error = QStringLiteral("NAT-PMP: stopped");
        return answer;
    }
    if (r < 0) {
        answer.error = natPmpError("public address request", r);
        return answer;
    }
    natpmpresp_t mapping {};
    const auto sendMapping = [&](natpmp_t *p) {
        return sendnewportmappingrequest(p, NATPMP_PROTOCOL_TCP, internalPort,
            externalPort ? externalPort : internalPort, uint32_t(lease.count()));
    };
    r = session.request(sendMapping, m_requestTimeout, &mapping, stop);
    if (r != 0 && stop.stop_requested()) {
        answer.error = QStringLiteral("NAT-PMP: stopped");
        return answer;
    }
    if (r < 0 || mapping.type != NATPMP_RESPTYPE_TCPPORTMAPPING) {
        answer.error = natPmpError("mapping request", r < 0 ? r : NATPMP_ERR_UNSUPPORTEDOPCODE);
        return answer;
    }
    const quint32 ip = ntohl(address.pnu.publicaddress.addr.s_addr);
    const quint16 port = mapping.pnu.newportmapping.mappedpublicport;
    if (ip == 0 || port == 0) {
        answer.error = QStringLiteral("NAT-PMP: the gateway granted no usable address");
        return answer;
    }
    answer.external = Endpoint {QHostAddress(ip), port};
    answer.lease = std::chrono::seconds(mapping.pnu.newportmapping.lifetime);
    return answer;
}

bool NatPmpGateway::unmap(quint16 internalPort, quint16 externalPort)
{
    Q_UNUSED(externalPort)
    Session session;
    if (!session.ok())
        return false;
    natpmpresp_t response {};
    // RFC 6886 §3.4: lifetime 0 (and suggested external port 0) deletes the mapping.
    const auto sendDelete = [internalPort](natpmp_t *p) {
        return sendnewportmappingrequest(p, NATPMP_PROTOCOL_TCP, internalPort, 0, 0);
    };
    return session.request(sendDelete, m_requestTimeout, &response) == 0;
}

} // namespace PunchDrop
