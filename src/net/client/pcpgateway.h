// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/client/portmapgateway.h"

#include <QByteArray>
#include <QHash>

#include <chrono>

namespace PunchDrop {

/*!
 * PCP (RFC 6887) MAP requests for a TCP port, to the default gateway's port 5351 (the gateway
 * libnatpmp finds in the routing table): for gateways that speak PCP but not NAT-PMP (newer
 * home routers, carrier-grade NATs). One UDP socket connected to the gateway per call, so only
 * the gateway's answers are read; requests are sent again after 250 ms, 500 ms, … until the
 * request timeout. Each mapping keeps its random nonce: renewing and deleting need the same one.
 * A NAT-PMP-only gateway answers UNSUPP_VERSION at once. Blocking: PortMapper calls it off the
 * event-loop thread, one call at a time.
 */
class PcpGateway final : public PortMapGateway
{
public:
    //! \a server: tests only, a PCP server at this IPv4 endpoint instead of the gateway's.
    explicit PcpGateway(std::chrono::milliseconds requestTimeout, Endpoint server = {});

    PortMapProtocol protocol() const override { return PortMapProtocol::Pcp; }
    GatewayAnswer map(quint16 internalPort, quint16 externalPort, std::chrono::seconds lease,
        std::stop_token stop) override;
    bool unmap(quint16 internalPort, quint16 externalPort) override;

private:
    std::chrono::milliseconds m_requestTimeout;
    Endpoint m_server;
    QHash<quint16, QByteArray> m_nonces; //!< per internal port, for the mapping's life
};

} // namespace PunchDrop
